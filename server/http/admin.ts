/**
 * The admin API (`<base>/api/admin/…`): the site's backend lists rooms and carries out the host
 * actions — admit, deny, admit all, remove, ask to mute, lock, unlock, end — as actor `admin`
 * (RoomControl decides, exactly as for a host's room request). Off (404) without
 * RTC_ADMIN_TOKEN; with it, every request needs `Authorization: Bearer <RTC_ADMIN_TOKEN>` (401).
 * Errors are RtcHttpErrors for the app's error handler: `{ error: { code, message } }`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ROOM_PATTERN } from 'rtc-call/protocol';
import { RtcHttpError } from '../errors.js';
import { q } from '../log.js';
import type { HostAction, RoomControl } from '../rooms/control.js';
import type { Rooms } from '../rooms/roster.js';
import { bearerAuthorized } from './metrics.js';

export interface AdminRouterOptions {
  /** RTC_ADMIN_TOKEN; undefined = the admin API is off. */
  token: string | undefined;
  control: RoomControl;
  rooms: Rooms;
  log: (line: string) => void;
}

/** One row of `GET /rooms`. */
export interface AdminRoomSummary {
  room: string;
  /** Seated participants (connected or in their grace period). */
  members: number;
  /** People waiting to be let in. */
  waiting: number;
  locked: boolean;
}

const ROOM_MESSAGE = 'room must be 1–64 characters of A–Z, a–z, 0–9, _ and -';

/** The actions that name a participant, and those that do not. */
const WITH_PEER = ['admit', 'deny', 'remove', 'mute'] as const;
const WITHOUT_PEER = ['admit-all', 'lock', 'unlock', 'end'] as const;

export function adminRouter(opts: AdminRouterOptions): express.Router {
  const { control, rooms, log } = opts;
  const router = express.Router();
  const jsonBody = express.json({ limit: '8kb', type: () => true, strict: false });

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (!opts.token) {
      next(new RtcHttpError('not-found', 'the admin API is off (set RTC_ADMIN_TOKEN)'));
      return;
    }
    if (!bearerAuthorized(req.headers.authorization, opts.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new RtcHttpError('unauthorized', 'send Authorization: Bearer <RTC_ADMIN_TOKEN>'));
      return;
    }
    next();
  });

  const validRoom = (req: Request, _res: Response, next: NextFunction) => {
    if (!ROOM_PATTERN.test(req.params.room!)) {
      next(new RtcHttpError('invalid-room', ROOM_MESSAGE));
      return;
    }
    next();
  };

  router.get('/rooms', (_req, res) => {
    const list: AdminRoomSummary[] = rooms.roomNames().map((room) => ({
      room,
      members: rooms.members(room).length,
      waiting: rooms.waiting(room).length,
      locked: rooms.peekState(room)?.locked ?? false,
    }));
    res.json({ rooms: list });
  });

  router.get('/rooms/:room', validRoom, (req, res) => {
    res.json(control.snapshot(req.params.room!));
  });

  const body = (req: Request): Record<string, unknown> => {
    const b: unknown = req.body === undefined ? {} : req.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new RtcHttpError('bad-request', 'body must be a JSON object');
    return b as Record<string, unknown>;
  };

  const run = (req: Request, res: Response, action: HostAction, next: NextFunction) => {
    const room = req.params.room!;
    // actShared: in cluster mode an admission takes its seat in Redis first.
    new Promise<unknown>((resolve) => resolve(control.actShared('admin', room, action))).then((reply) => {
      const peer = 'peerId' in action ? ` peer=${q(action.peerId)}` : '';
      log(`rtc-call: admin action=${action.action} room=${room}${peer} ok`);
      res.json({ ok: true, ...(typeof reply === 'object' && reply !== null ? reply : {}) });
    }, next);
  };

  for (const name of WITH_PEER) {
    router.post(`/rooms/:room/${name}`, validRoom, jsonBody, (req, res, next) => {
      const b = body(req);
      if (typeof b.peerId !== 'string') throw new RtcHttpError('bad-request', `${name} needs { "peerId": "<participant id>" }`);
      if (name === 'deny') {
        if (b.message !== undefined && typeof b.message !== 'string') throw new RtcHttpError('bad-request', 'message must be a string');
        run(req, res, { action: 'deny', peerId: b.peerId, ...(b.message !== undefined ? { message: b.message } : {}) }, next);
      } else run(req, res, { action: name, peerId: b.peerId }, next);
    });
  }

  for (const name of WITHOUT_PEER) {
    router.post(`/rooms/:room/${name}`, validRoom, jsonBody, (req, res, next) => {
      body(req);
      run(req, res, { action: name }, next);
    });
  }

  return router;
}
