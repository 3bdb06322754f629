import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ExpressPeerServer, type IClient, type IMessage } from 'peer';
import { WebSocket, WebSocketServer } from 'ws';
import { resolveConfig, type ResolvedConfig, type RtcServerOptions } from './config.js';
import { RtcHttpError, type RtcServerErrorCode } from './errors.js';
import { isOriginAllowed, ownOriginOf } from './origins.js';
import { TimerCapture } from './peer-timers.js';
import { RateLimiter } from './rate-limit.js';
import { Rooms, toPublic, type LeaveReason, type Member, type PublicMember } from './rooms.js';
import { hashRejoinKey, signPeerToken, verifyPeerToken, verifyRoomToken, type RoomRole } from './tokens.js';
import { iceServersFor, type IceServer } from './turn.js';

export { optionsFromEnv, startupWarnings, findPackageRoot, type RtcServerOptions } from './config.js';
export { RtcHttpError, type RtcServerErrorCode, type RtcServerErrorBody } from './errors.js';
export { signRoomToken, verifyRoomToken, type RoomRole, type RoomTokenClaims, type SignRoomTokenOptions } from './tokens.js';
export { turnCredentials, type IceServer } from './turn.js';
export type { PublicMember } from './rooms.js';

export interface RtcServer {
  app: express.Express;
  server: http.Server;
  /** End websockets, timers and the http server (created or given) within 5 s. */
  close(): Promise<void>;
}

/** Body of `POST <base>/api/rooms/:room/join`. */
export interface JoinRequest {
  /** Shown to the others; a room token's `name` wins over it. */
  displayName?: string;
  /** Room token (JWT) from the site's backend; required when RTC_ROOM_SECRET is set. */
  token?: string;
  /** Random value the client keeps per tab (8–128 of [A-Za-z0-9_-]): a rejoin replaces the old member. */
  rejoinKey?: string;
}

/** 200 answer of the join endpoint. */
export interface JoinResponse {
  peerId: string;
  peerToken: string;
  /** Unix seconds after which `peerToken` no longer opens a socket. */
  peerTokenExpires: number;
  displayName: string;
  role: RoomRole;
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
  /** The others already in the room (including joined-but-not-yet-connected); never the joiner. */
  members: PublicMember[];
  /** PeerJS client options `path` and `key`. */
  signaling: { path: string; key: string };
  maxParticipants: number;
}

/** 200 answer of `GET <base>/api/rooms/:room/members`: everyone in the room, the caller included. */
export interface MembersResponse {
  members: PublicMember[];
}

const PEERJS_KEY = 'peerjs';
const MAX_WS_PAYLOAD = 64 * 1024;
const ALIVE_TIMEOUT_MS = 60_000;
const CLOSE_DEADLINE_MS = 4_500;
const ROOM_RE = /^[A-Za-z0-9_-]{1,64}$/;
const REJOIN_KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
// Control characters and bidirectional overrides (which can disguise a name).
const BAD_NAME_CHARS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const RELAYED_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE']);

function newPeerId(): string {
  return randomBytes(12).toString('hex');
}

function validName(raw: unknown): string {
  if (typeof raw !== 'string') throw new RtcHttpError('invalid-name', 'displayName must be a string of 1–64 characters');
  const name = raw.trim();
  const len = [...name].length;
  if (len < 1 || len > 64) throw new RtcHttpError('invalid-name', 'displayName must be 1–64 characters after trimming');
  if (BAD_NAME_CHARS.test(name)) throw new RtcHttpError('invalid-name', 'displayName must not contain control characters');
  return name;
}

function validRoom(room: string): string {
  if (!ROOM_RE.test(room)) throw new RtcHttpError('invalid-room', 'room must be 1–64 characters of A–Z, a–z, 0–9, _ and -');
  return room;
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;
const wrap = (fn: AsyncHandler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res, next).catch(next);
};

/**
 * Build the signaling server: express app with the join / members API, `/rtc-call.js`,
 * `/healthz`, optional static dirs and PeerServer at `<base>/peerjs` with authenticated
 * websocket upgrades. Does not listen: call `server.listen()`.
 */
export function createRtcServer(options: RtcServerOptions = {}): RtcServer {
  const cfg: ResolvedConfig = resolveConfig(options);
  const log = cfg.log;
  const app = express();
  app.disable('x-powered-by');
  if (cfg.trustProxy) app.set('trust proxy', 1);

  const ownsServer = !options.server;
  const server = options.server ?? http.createServer();
  if (server.listenerCount('request') === 0) server.on('request', app);

  const rooms = new Rooms({
    maxParticipants: cfg.maxParticipants,
    leaveGraceMs: cfg.leaveGraceMs,
    pendingJoinMs: cfg.pendingJoinMs,
    onLeave: (m, reason, mates) => onLeave(m, reason, mates),
  });
  const limiter = new RateLimiter(cfg.joinRateLimit);
  const revocationSweep = setInterval(() => rooms.sweep(), 10 * 60_000);
  revocationSweep.unref();
  const pendingUpgrades = new Set<Duplex>();
  let closing = false;

  function onLeave(m: Member, reason: LeaveReason, mates: Member[]): void {
    log(`rtc-call: leave room=${m.room} peer=${m.peerId} reason=${reason} remaining=${mates.length}`);
    if (closing) return;
    const leave = (dst: string) => JSON.stringify({ type: 'LEAVE', src: m.peerId, dst });
    for (const mate of mates) {
      if (mate.socket?.readyState === WebSocket.OPEN) mate.socket.send(leave(mate.peerId));
    }
  }

  /** Path prefix where `app` is mounted in a parent app ('' at the root). */
  const mountPrefix = (): string => ((app as unknown as { parent?: unknown }).parent ? app.path() : '').replace(/\/+$/, '');
  const signalingPath = () => `${mountPrefix()}${cfg.basePath}/peerjs`;
  const websocketPath = () => `${signalingPath()}/peerjs`;

  const originAllowed = (req: http.IncomingMessage): boolean =>
    isOriginAllowed(req.headers.origin, ownOriginOf(req, cfg.trustProxy), cfg.allowedOrigins);

  // ---- HTTP API -------------------------------------------------------------------------------
  const api = express.Router();
  api.use((req, res, next) => {
    // Any page may *read* our answers (so the element can show origin-not-allowed); what an
    // origin may *do* is checked per route. No cookies are used, so no credentials mode.
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.vary('Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const checkOrigin = (req: Request, _res: Response, next: NextFunction) => {
    if (!originAllowed(req)) {
      log(`rtc-call: reject ${req.method} ${req.path} code=origin-not-allowed origin=${req.headers.origin ?? ''}`);
      next(new RtcHttpError('origin-not-allowed', 'this page origin may not use this server (RTC_ALLOWED_ORIGINS)'));
      return;
    }
    next();
  };

  const rateLimit = (req: Request, res: Response, next: NextFunction) => {
    const wait = limiter.hit(req.ip ?? req.socket.remoteAddress ?? '?');
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      next(new RtcHttpError('rate-limited', `too many joins from this address; retry in ${wait} s`));
      return;
    }
    next();
  };

  const jsonBody = express.json({ limit: '8kb', type: () => true, strict: false });

  api.post(
    '/rooms/:room/join',
    checkOrigin,
    rateLimit,
    (req, _res, next) => { validRoom(req.params.room!); next(); },
    jsonBody,
    wrap(async (req, res) => {
      if (closing) throw new RtcHttpError('internal', 'server is shutting down');
      const room = req.params.room!;
      const body: unknown = req.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new RtcHttpError('bad-request', 'body must be a JSON object { displayName, token?, rejoinKey? }');
      }
      const { displayName, token, rejoinKey } = body as Record<string, unknown>;
      if (token !== undefined && token !== null && typeof token !== 'string') throw new RtcHttpError('bad-request', 'token must be a string');
      if (rejoinKey !== undefined && rejoinKey !== null && (typeof rejoinKey !== 'string' || !REJOIN_KEY_RE.test(rejoinKey))) {
        throw new RtcHttpError('bad-request', 'rejoinKey must be 8–128 characters of A–Z, a–z, 0–9, _ and -');
      }

      let role: RoomRole = 'guest';
      let sub: string | undefined;
      let name: unknown = displayName;
      if (cfg.roomSecret) {
        if (!token) throw new RtcHttpError('unauthorized', 'this server needs a room token to join');
        const claims = await verifyRoomToken(token, cfg.roomSecret);
        if (claims.room !== room) throw new RtcHttpError('wrong-room', 'the room token is for another room');
        role = claims.role;
        sub = claims.sub;
        if (claims.name !== undefined) name = claims.name;
      }
      const finalName = validName(name);
      const rk = typeof rejoinKey === 'string' ? hashRejoinKey(rejoinKey) : undefined;

      const peerId = newPeerId();
      const signed = await signPeerToken({ pid: peerId, room, name: finalName, role, sub, rk }, cfg.peerSecret);
      if (closing) throw new RtcHttpError('internal', 'server is shutting down');

      // From here on synchronous: no other join interleaves between the capacity check and the add.
      const replaced = rooms.findReplaceable(room, sub, rk);
      if (!rooms.hasRoomFor(room, replaced)) throw new RtcHttpError('room-full', `room is full (${cfg.maxParticipants} participants)`);
      if (replaced) rooms.remove(replaced.peerId, 'replaced');
      rooms.addPending({ peerId, room, displayName: finalName, role, sub, rk, tokenExp: signed.exp });
      const members = rooms.members(room).filter((m) => m.peerId !== peerId).map(toPublic);
      log(`rtc-call: join room=${room} peer=${peerId} role=${role} members=${members.length}${replaced ? ` replaces=${replaced.peerId}` : ''}`);

      const answer: JoinResponse = {
        peerId,
        peerToken: signed.token,
        peerTokenExpires: signed.exp,
        displayName: finalName,
        role,
        iceServers: iceServersFor(peerId, cfg),
        iceTransportPolicy: cfg.iceTransportPolicy,
        members,
        signaling: { path: signalingPath(), key: PEERJS_KEY },
        maxParticipants: cfg.maxParticipants,
      };
      res.json(answer);
    }),
  );

  api.get(
    '/rooms/:room/members',
    checkOrigin,
    wrap(async (req, res) => {
      const room = validRoom(req.params.room!);
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new RtcHttpError('unauthorized', 'send Authorization: Bearer <peerToken>');
      const claims = await verifyPeerToken(m[1]!, cfg.peerSecret);
      if (claims.room !== room) throw new RtcHttpError('wrong-room', 'the peer token is for another room');
      if (rooms.isRevoked(claims.pid)) throw new RtcHttpError('unauthorized', 'this peer has left the room; join again');
      const answer: MembersResponse = { members: rooms.members(room).map(toPublic) };
      res.json(answer);
    }),
  );

  api.use((_req, _res, next) => next(new RtcHttpError('not-found', 'no such API endpoint')));

  const router = express.Router();
  router.use('/api', api);

  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, rooms: rooms.roomCount, peers: rooms.peerCount });
  });

  router.get('/rtc-call.js', (_req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(cfg.bundleFile, { etag: true, lastModified: true }, (err?: Error & { code?: string; status?: number }) => {
      if (!err) return;
      if (res.headersSent) return;
      res.removeHeader('Content-Type');
      if (err.code === 'ENOENT' || err.status === 404) {
        log(`rtc-call: /rtc-call.js missing: ${cfg.bundleFile} (run npm run build)`);
        next(new RtcHttpError('not-found', 'rtc-call.js is not built on this server: run `npm run build`'));
      } else next(err);
    });
  });

  // PeerServer: its websocket server is ours (noServer), its upgrades are authenticated below.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD, perMessageDeflate: false });
  const peerCors = (req: http.IncomingMessage, cb: (err: Error | null, o?: { origin: boolean }) => void) =>
    cb(null, { origin: Boolean(req.headers.origin) && originAllowed(req) });
  const peerApp = ExpressPeerServer(server, {
    key: PEERJS_KEY,
    path: '/',
    allow_discovery: false,
    proxied: cfg.trustProxy,
    alive_timeout: ALIVE_TIMEOUT_MS,
    concurrent_limit: cfg.concurrentLimit,
    corsOptions: peerCors as unknown as Record<string, never>,
    createWebSocketServer: () => wss,
  });
  const peerTimers = new TimerCapture();

  peerApp.on('message', (client: IClient, message: IMessage) => {
    // Fires synchronously before PeerServer relays: neutralise what must not cross rooms.
    if (message.type === 'HEARTBEAT') return;
    const sender = rooms.get(client.getId());
    const dst = message.dst ? rooms.get(message.dst) : undefined;
    if (!RELAYED_TYPES.has(message.type) || !sender || !dst || dst.room !== sender.room) {
      (message as { type: string }).type = 'DROPPED';
    }
  });
  peerApp.on('disconnect', (client: IClient) => {
    // Heartbeat timeout: PeerServer called close() (which waits for a dead peer); cut it now.
    const m = rooms.get(client.getId());
    if (m?.socket && m.socket.readyState !== WebSocket.OPEN) m.socket.terminate();
  });
  peerApp.on('error', (err: Error) => log(`rtc-call: peerjs error: ${err.message}`));

  app.use(cfg.basePath || '/', router);
  // Must be app.use: PeerServer initialises on the express 'mount' event, which only apps emit.
  peerTimers.capture(() => app.use(`${cfg.basePath}/peerjs`, peerApp));
  if (Object.keys(cfg.staticDirs).length) {
    const statics = express.Router();
    for (const [mount, dir] of Object.entries(cfg.staticDirs)) statics.use(mount, express.static(dir, { index: ['index.html'] }));
    app.use(cfg.basePath || '/', statics);
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: RtcHttpError;
    if (err instanceof RtcHttpError) e = err;
    else if (isBodyParserError(err)) {
      e = new RtcHttpError('bad-request', err.type === 'entity.too.large' ? 'request body too large' : 'request body is not valid JSON');
    } else {
      log(`rtc-call: internal error on ${req.method} ${req.path}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      e = new RtcHttpError('internal', 'internal server error');
    }
    if (e.code !== 'origin-not-allowed' && e.code !== 'not-found' && e.code !== 'internal') {
      log(`rtc-call: reject ${req.method} ${req.path} code=${e.code} reason=${JSON.stringify(e.message)}`);
    }
    if (res.headersSent) return;
    res.status(e.status).json(e.toJSON());
  });

  // ---- websocket upgrade ----------------------------------------------------------------------
  function refuse(socket: Duplex, code: RtcServerErrorCode, message: string, status = new RtcHttpError(code, message).status): void {
    const body = JSON.stringify({ error: { code, message } });
    if (socket.writable) {
      socket.once('finish', () => socket.destroy());
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
    } else socket.destroy();
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== websocketPath()) {
      // Someone else's websocket on a shared server: leave it alone unless nobody will answer.
      if (ownsServer || server.listenerCount('upgrade') === 1) refuse(socket, 'not-found', 'no websocket here', 404);
      return;
    }
    socket.on('error', () => socket.destroy());
    pendingUpgrades.add(socket);
    authenticateUpgrade(req, socket, head, url)
      .catch((err: unknown) => {
        const e = err instanceof RtcHttpError ? err : new RtcHttpError('internal', 'internal error');
        if (!(err instanceof RtcHttpError)) log(`rtc-call: upgrade error: ${String(err)}`);
        log(`rtc-call: reject websocket peer=${url.searchParams.get('id') ?? ''} code=${e.code} reason=${JSON.stringify(e.message)}`);
        refuse(socket, e.code, e.message, e.status);
      })
      .finally(() => pendingUpgrades.delete(socket));
  };

  async function authenticateUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (closing) throw new RtcHttpError('internal', 'server is shutting down');
    // Browsers always send Origin on websockets; a socket without one is not a web page and is
    // let through to the token check, like the join API.
    if (!originAllowed(req)) throw new RtcHttpError('origin-not-allowed', 'this page origin may not use this server');
    const id = url.searchParams.get('id');
    const token = url.searchParams.get('token');
    const key = url.searchParams.get('key');
    if (!id || !token || !key) throw new RtcHttpError('unauthorized', 'id, token and key are required');
    if (key !== PEERJS_KEY) throw new RtcHttpError('unauthorized', 'unknown PeerJS key');
    const claims = await verifyPeerToken(token, cfg.peerSecret);
    if (claims.pid !== id) throw new RtcHttpError('unauthorized', 'peer token is for another peer id');
    if (rooms.isRevoked(id)) throw new RtcHttpError('unauthorized', 'this peer has left the room; join again');
    if (closing || socket.destroyed) return;

    let member = rooms.get(id);
    if (!member) {
      // Unknown but validly signed: a peer of this room from before a restart. Rebuild the roster.
      if (!rooms.hasRoomFor(claims.room)) throw new RtcHttpError('room-full', 'room is full');
      member = rooms.addFromToken({
        peerId: id, room: claims.room, displayName: claims.name, role: claims.role,
        sub: claims.sub, rk: claims.rk, tokenExp: claims.exp,
      });
      log(`rtc-call: rejoin room=${claims.room} peer=${id} (from peer token)`);
    }
    const m = member;
    pendingUpgrades.delete(socket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing || rooms.get(id) !== m) {
        ws.terminate();
        return;
      }
      // Our close listener runs before PeerServer's (registered in the emit below).
      ws.on('close', () => rooms.socketClosed(m, ws));
      // PeerServer registers the client (sends OPEN) and flushes queued messages. If the peer's
      // previous socket is still open, PeerServer just swaps sockets and sends nothing, and the
      // PeerJS client would wait for OPEN forever: send it ourselves in that case.
      let opened = false;
      const send = ws.send;
      ws.send = ((data: unknown, ...rest: unknown[]) => {
        if (typeof data === 'string' && data.startsWith('{"type":"')) opened ||= data.startsWith('{"type":"OPEN"');
        return (send as (...a: unknown[]) => void).call(ws, data, ...rest);
      }) as typeof ws.send;
      try {
        wss.emit('connection', ws, req);
      } finally {
        ws.send = send;
      }
      if (!opened && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'OPEN' }));
      rooms.attachSocket(m, ws); // then a previous socket of this peer, if any, is cut
    });
  }
  server.on('upgrade', onUpgrade);

  // ---- shutdown -------------------------------------------------------------------------------
  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    if (closed) return closed;
    closing = true;
    closed = new Promise<void>((resolve) => {
      rooms.close();
      limiter.close();
      clearInterval(revocationSweep);
      peerTimers.clearAll();
      server.off('upgrade', onUpgrade);
      for (const s of pendingUpgrades) s.destroy();
      pendingUpgrades.clear();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      const deadline = setTimeout(() => {
        server.closeAllConnections?.();
        resolve();
      }, CLOSE_DEADLINE_MS);
      deadline.unref();
      const done = () => { clearTimeout(deadline); resolve(); };
      if (server.listening) {
        server.close(() => done());
        server.closeIdleConnections?.();
        // In-flight requests get a moment to finish, then everything is cut.
        setTimeout(() => server.closeAllConnections?.(), 500).unref();
      } else done();
    });
    return closed;
  }

  return { app, server, close };
}

function isBodyParserError(err: unknown): err is { type: string; status: number } {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500;
}
