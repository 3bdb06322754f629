/**
 * The bundled demo's stand-in for a clinic backend (RTC_DEMO_TOKENS, which `npm start` turns on):
 * `POST <base>/demo-api/token` `{ room, name?, role?, wait?, sub? }` → `{ token }`, a room token
 * signed with the server's room secret, for whoever asks. That is exactly what a site's backend
 * must never do, so it exists only on a loopback server without RTC_PUBLIC_URL (config.ts and the
 * CLI refuse anything else) and only to pages from an allowed origin, under the join rate limit.
 */
import express, { type RequestHandler } from 'express';
import { checkDisplayName, isValidRoom } from 'rtc-call/protocol';
import { RtcHttpError } from '../errors.js';
import { signRoomToken } from '../tokens.js';

/** Lifetime of a demo token (two hours: a visit and then some). */
export const DEMO_TOKEN_TTL_S = 2 * 60 * 60;
const SUB = /^[A-Za-z0-9_-]{1,64}$/;

export interface DemoTokenOptions {
  secret: string;
  maxTokenTtl: number;
  /** Origin check and rate limit of the join route. */
  guards: RequestHandler[];
}

export function demoTokenRouter(opts: DemoTokenOptions): express.Router {
  const router = express.Router();
  router.post(
    '/token',
    ...opts.guards,
    express.json({ limit: '2kb', type: () => true, strict: false }),
    (req, res, next) => {
      const body: unknown = req.body ?? {};
      const { room, name, role = 'guest', wait, sub } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (!isValidRoom(room)) return next(new RtcHttpError('invalid-room', 'room must be 1–64 characters of A–Z, a–z, 0–9, _ and -'));
      if (role !== 'host' && role !== 'guest') return next(new RtcHttpError('bad-request', 'role must be "host" or "guest"'));
      if (wait !== undefined && typeof wait !== 'boolean') return next(new RtcHttpError('bad-request', 'wait must be true or false'));
      if (sub !== undefined && (typeof sub !== 'string' || !SUB.test(sub))) return next(new RtcHttpError('bad-request', 'sub must be 1–64 of A–Z a–z 0–9 _ -'));
      let displayName: string | undefined;
      if (name !== undefined) {
        const check = checkDisplayName(name);
        if (!check.ok) return next(new RtcHttpError('invalid-name', check.message));
        displayName = check.name;
      }
      signRoomToken({
        secret: opts.secret, room, role, ttl: Math.min(DEMO_TOKEN_TTL_S, opts.maxTokenTtl),
        sub: (sub as string | undefined) ?? crypto.randomUUID(),
        ...(displayName !== undefined ? { name: displayName } : {}),
        ...(wait !== undefined ? { wait } : {}),
      }).then((token) => res.json({ token }), next);
    },
  );
  return router;
}
