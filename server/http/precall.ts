/**
 * The pre-call check's endpoint (`POST <base>/api/precall`, `<rtc-precall-check>`): ICE servers
 * with TURN REST credentials that live two minutes, for a loopback call between two connections in
 * the person's own page — never for a call. Origin-checked and rate-limited per client IP
 * (RTC_PRECALL_RATE_LIMIT, a limiter of its own so that checking never uses up the joins). With
 * RTC_ROOM_SECRET it needs a valid room token, of any room: the answer is the same for every room
 * and says nothing about one (not whether it exists, who is in it, or whether the token's holder
 * would have to wait), so someone waiting to be let in can test the relay and learns nothing more.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PRECALL_CREDENTIAL_TTL_S, type PrecallResponse } from 'rtc-call/protocol';
import type { ResolvedConfig } from '../config.js';
import { RtcHttpError } from '../errors.js';
import { checkRoomTokenLifetime, verifyRoomToken } from '../tokens.js';
import { iceServersFor } from '../turn.js';

export interface PrecallRouterOptions {
  cfg: Pick<ResolvedConfig, 'roomSecret' | 'demoTokens' | 'maxTokenTtl' | 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl'>;
  /** The origin check, then the pre-call rate limit. */
  guards: RequestHandler[];
  /** True once the server is closing: requests then get 500 `internal`. */
  closing: () => boolean;
  log: (line: string) => void;
}

export function precallRouter(opts: PrecallRouterOptions): express.Router {
  const { cfg, log } = opts;
  const router = express.Router();
  router.post(
    '/',
    ...opts.guards,
    express.json({ limit: '8kb', type: () => true, strict: false }),
    (req: Request, res: Response, next: NextFunction) => {
      answer(req).then((body) => res.json(body), next);
    },
  );
  // Anything else under /precall (GET, a sub-path) falls through to the API's JSON 404.

  async function answer(req: Request): Promise<PrecallResponse> {
    if (opts.closing()) throw new RtcHttpError('internal', 'server is shutting down');
    const body: unknown = req.body === undefined ? {} : req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new RtcHttpError('bad-request', 'body must be a JSON object { token? }');
    }
    const { token } = body as Record<string, unknown>;
    if (token !== undefined && token !== null && typeof token !== 'string') throw new RtcHttpError('bad-request', 'token must be a string');
    // The join's rule: with room tokens a check needs one (with demo tokens, a guest may go without).
    if (cfg.roomSecret && (token || !cfg.demoTokens)) {
      if (!token) throw new RtcHttpError('unauthorized', 'this server needs a room token (of any room) for a pre-call check');
      checkRoomTokenLifetime(await verifyRoomToken(token, cfg.roomSecret), cfg.maxTokenTtl);
    }
    // A name of its own in the TURN username, so coturn's logs tell checks from calls; nothing of the token.
    const id = `precall-${randomBytes(8).toString('hex')}`;
    const ttl = Math.min(PRECALL_CREDENTIAL_TTL_S, cfg.turnTtl);
    const iceServers = iceServersFor(id, { ...cfg, turnTtl: ttl });
    // The TURN REST username is "<unix expiry>:<id>".
    const turn = iceServers.find((s) => s.username !== undefined);
    const expires = turn ? Number(turn.username!.split(':')[0]) : undefined;
    log(`rtc-call: precall id=${id}${turn ? ` turn ttl=${ttl}` : ' no turn'}`);
    return { iceServers, ...(expires !== undefined ? { expires } : {}) };
  }

  return router;
}
