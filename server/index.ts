import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { resolveConfig, type ResolvedConfig, type RtcServerOptions } from './config.js';
import { adminRouter } from './http/admin.js';
import { demoTokenRouter } from './http/demo-tokens.js';
import { precallRouter } from './http/precall.js';
import { bearerAuthorized, createMetrics } from './http/metrics.js';
import { RtcHttpError, type RtcServerErrorCode } from './errors.js';
import { checkDisplayName, parseRoomRequest, parseSfuClientMessage, ROOM_PATTERN, type CredentialsRefresh, type JoinResponse, type MembersResponse, type PrewarmResponse } from 'rtc-call/protocol';
import { q } from './log.js';
import { isHostAllowed, isOriginAllowed, ownOriginsOf, siteOf, type RequestSite } from './origins.js';
import { RateLimiter, SharedRateLimiter, type HitCounter } from './rate-limit.js';
import { RedisCluster } from './cluster/redis.js';
import { RoomControl, signMemberToken, type HostAction } from './rooms/control.js';
import { Rooms, toPublic, type LeaveReason, type Member } from './rooms/roster.js';
import { PEERJS_KEY, SignalingRelay } from './signaling/relay.js';
import { checkRoomTokenLifetime, hashRejoinKey, isPeerIdOf, peerIdFor, PREWARM_TTL_S, signPeerToken, verifyPeerToken, verifyRoomToken, type RoomRole } from './tokens.js';
import { iceServersFor } from './turn.js';
import { SfuDriver, type SfuService } from './sfu/janus.js';
import { ClusterSfu, isSfuRouted } from './cluster/sfu.js';
import { CallModes } from './sfu/modes.js';
import { WebhookSender } from './webhooks.js';

/** A chunk of the one-tag bundle: rollup.config.mjs's `chunks/<name>-<hash>.js`. */
const CHUNK_FILE = /^[a-z][a-z0-9-]*-[A-Za-z0-9_-]{8,}\.js$/;
/** Content-hashed, so cacheable for as long as HTTP allows: a year. */
const CHUNK_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;

export { optionsFromEnv, startupWarnings, findPackageRoot, type RtcServerOptions } from './config.js';
export { RtcHttpError, type RtcServerErrorCode, type RtcServerErrorBody } from './errors.js';
export { signRoomToken, verifyRoomToken, type RoomRole, type RoomTokenClaims, type SignRoomTokenOptions } from './tokens.js';
export { turnCredentials, type IceServer } from './turn.js';
export type * from 'rtc-call/protocol';
export { DEFAULT_LIMITS as RELAY_LIMITS, type RelayLimits } from './signaling/relay.js';

export interface RtcServer {
  app: express.Express;
  server: http.Server;
  /**
   * Resolves when the server can take calls: at once on one node; in cluster mode (RTC_REDIS_URL)
   * once Redis answered and the shared rooms are loaded — rejects with a readable Error when Redis
   * does not answer (then close() it). Listen only after it resolved.
   */
  ready: Promise<void>;
  /** End websockets, timers and the http server (created or given) within 5 s. */
  close(): Promise<void>;
  /** What `/metrics` reports as gauges, for an embedding app: rooms, participants holding a seat, people waiting, open sockets. */
  stats(): { rooms: number; participants: number; waiting: number; sockets: number };
}

const CLOSE_DEADLINE_MS = 4_500;
/** How long sfu-moved waits for a member's socket that is not open (its signaling reconnecting). */
const SFU_MOVED_HOLD_MS = 15_000;
/** Most people waiting in one room at once (a knock beyond it gets `room-full`). */
export const MAX_WAITING = 50;
const REJOIN_KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
const ROOM_MESSAGE = 'room must be 1–64 characters of A–Z, a–z, 0–9, _ and -';

function newPeerId(): string {
  return randomBytes(12).toString('hex');
}

function validName(raw: unknown): string {
  const check = checkDisplayName(raw);
  if (!check.ok) throw new RtcHttpError('invalid-name', check.message);
  return check.name;
}

function validRoom(room: string): string {
  if (!ROOM_PATTERN.test(room)) throw new RtcHttpError('invalid-room', ROOM_MESSAGE);
  return room;
}

/** Security headers of the pages we serve (demo and static dirs). */
function pageHeaders(frameAncestors: string): Record<string, string> {
  return {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
      `connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${frameAncestors}`,
    'Referrer-Policy': 'no-referrer',
  };
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;
const wrap = (fn: AsyncHandler) => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res, next).catch(next);
};

/**
 * Build the signaling server: express app with the join / members API, `/rtc-call.js`,
 * `/healthz`, optional static dirs, and our signaling relay (PeerJS's wire protocol plus room
 * events) on `<base>/peerjs/peerjs`. Does not listen: call `server.listen()`.
 */
export function createRtcServer(options: RtcServerOptions = {}): RtcServer {
  const cfg: ResolvedConfig = resolveConfig(options);
  const log = cfg.log;
  const app = express();
  app.disable('x-powered-by');
  // API answers are never cached (Cache-Control: no-store): an ETag would only cost a hash per join.
  app.set('etag', false);
  const site = (req: http.IncomingMessage): RequestSite => siteOf(req, cfg.trustProxy);

  const ownsServer = !options.server;
  const server = options.server ?? http.createServer();
  if (server.listenerCount('request') === 0) server.on('request', app);

  // Which rooms are mesh or SFU, and their switching (server/sfu/modes.ts); its hooks reach the
  // roster, the relay and the SFU driver made below (called only once they exist).
  const modes: CallModes = new CallModes(cfg, {
    seated: (room) => rooms.members(room).length,
    sfu: cfg.janusUrls.length
      ? { ensureRoom: (room) => sfu!.ensureRoom(room), roomEnded: (room) => sfu!.roomEnded(room), available: () => sfu!.available() }
      : undefined,
    announceMode: (room, mode) => control.modeChanged(room, mode),
    // sfu-moved is kept for a socket reconnecting right then (its node died with the room's lease).
    broadcast: (room, event) => (event.event === 'sfu-moved' ? relay.broadcastHeld(room, event, SFU_MOVED_HOLD_MS) : relay.broadcast(room, event)),
    shared: (room, mode, p2p) => cluster?.setMode(room, mode, p2p),
    leads: cfg.redisUrl ? (room) => clusterSfu?.holds(room) ?? true : undefined,
    log,
  });
  // Cluster mode: the roster's changes, room events and relayed frames go through Redis (server/cluster/).
  const cluster = cfg.redisUrl ? new RedisCluster({ url: cfg.redisUrl, log }) : undefined;
  const rooms: Rooms = new Rooms({
    sync: cluster,
    onMovedAway: (m) => relay.handOver(m),
    onRemoteLeave: (m, reason) => {
      relay.forget(m);
      // The lease holder drives its VideoRoom for members of every node, and decides its way back to the mesh.
      sfu?.leave(m.room, m.peerId);
      control.leftElsewhere(m, reason);
      if (!m.waiting) modes.seatsChanged(m.room);
    },
    onRemoteSeated: (m) => control.seatedElsewhere(m),
    onRemoteKnock: (m) => control.knockedElsewhere(m),
    // A pre-warmed socket parked on this node, its join answered by another: it becomes the
    // member's here (and this node its holder), as the joining node would have made it.
    onRemoteAdded: (m) => {
      if (relay.adoptParked(m)) log(`rtc-call: join room=${m.room} peer=${m.peerId} (pre-warmed on this node, joined on another)`);
    },
    onRemoteRoomEnded: (room) => {
      control.forgetRoom(room);
      // Its last member left on another node: the lease holder ends the VideoRoom and releases the lease.
      sfu?.roomEnded(room);
      modes.ended(room);
    },
    maxParticipants: cfg.maxParticipants,
    capacity: (room) => modes.capacity(room),
    maxWaiting: MAX_WAITING,
    leaveGraceMs: cfg.leaveGraceMs,
    pendingJoinMs: cfg.pendingJoinMs,
    onLeave: (m, reason, mates) => onLeave(m, reason, mates),
    onRoomEnded: (room) => {
      control.roomEnded(room, control.endingRooms.has(room) ? 'ended-by-host' : 'empty');
      sfu?.roomEnded(room);
      modes.ended(room);
      cluster?.setMode(room, undefined);
    },
    revoked: cfg.dataDir?.revocations(),
    onRevocationsChange: cfg.dataDir ? (current) => cfg.dataDir!.saveRevocations(current) : undefined,
    stored: cfg.dataDir?.rooms(),
    onRoomsChange: cfg.dataDir ? (current) => cfg.dataDir!.saveRooms(current) : undefined,
  });
  const counted = (bucket: string, limit: number): HitCounter =>
    cluster ? new SharedRateLimiter(bucket, limit, (key, windowMs) => cluster.count(key, windowMs), (key) => cluster.uncount(key)) : new RateLimiter(limit);
  const limiter = counted('join', cfg.joinRateLimit);
  const precallLimiter = counted('precall', cfg.precallRateLimit);
  const revocationSweep = setInterval(() => rooms.sweep(), 10 * 60_000);
  revocationSweep.unref();
  const pendingUpgrades = new Set<Duplex>();
  let closing = false;
  const stats = () => ({ rooms: rooms.roomCount, participants: rooms.peerCount - rooms.waitingCount, waiting: rooms.waitingCount, sockets: relay.socketCount });
  const metrics = createMetrics(stats, cluster ? () => ({ up: cluster.redisUp, nodes: cluster.nodeCount }) : undefined);
  const relay: SignalingRelay = new SignalingRelay({
    rooms,
    router: cluster,
    counters: metrics,
    peerSecret: cfg.peerSecret,
    log,
    limits: { ...options.relayLimits, concurrentLimit: cfg.concurrentLimit },
    checkRequest: (req) => {
      if (!hostAllowed(req)) throw new RtcHttpError('host-not-allowed', HOST_MESSAGE);
      // Browsers always send Origin on websockets; a socket without one is not a web page and is
      // let through to the token check, like the join API.
      if (!originAllowed(req)) throw new RtcHttpError('origin-not-allowed', 'this page origin may not use this server');
    },
    onRequest: (m, payload) => onRoomRequest(m, payload),
    onSfu: (m, payload) => onSfuFrame(m, payload),
    onOpen: (m, ws, waitingToken) => control.onOpen(m, ws, waitingToken),
    onRebuilt: (m) => {
      if (m.waiting) control.knocked(m);
      else {
        control.seated(m);
        modes.seatsChanged(m.room);
      }
    },
  });
  // Rooms above the mesh: their media goes through Janus, which this server drives (server/sfu/);
  // in cluster mode one node at a time per room, the holder of its lease (server/cluster/sfu.ts).
  const hasMembers = (room: string) => rooms.members(room).length > 0 || rooms.waiting(room).length > 0;
  const driver: SfuDriver | undefined = cfg.janusUrls.length
    ? new SfuDriver({
      urls: cfg.janusUrls,
      log,
      maxParticipants: cfg.maxParticipants,
      send: (peerId, message) => relay.sendSfu(rooms.get(peerId), message),
      onUnavailable: (room, message) => modes.sfuUnavailable(room, message),
      onMoved: (room) => modes.sfuMoved(room),
      onRoomMade: cfg.redisUrl ? (room, made) => cluster?.setVideoRoom(room, made) : undefined,
      hasMembers,
    })
    : undefined;
  // Cluster mode: members of a dead node are taken over by another within a heartbeat (≤ 4 s);
  // sfu-moved waits for that (at most a few seconds), so that it reaches their new node.
  const adopted = async (room: string): Promise<void> => {
    const t0 = Date.now();
    while (Date.now() - t0 < 3_000) {
      const nodes = new Set(rooms.members(room).filter((m) => !rooms.isLocal(m) && m.node !== undefined).map((m) => m.node!));
      const alive = await Promise.all([...nodes].map((n) => cluster!.nodeAlive(n).catch(() => true)));
      if (alive.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const clusterSfu = driver && cluster
    ? new ClusterSfu({
      driver,
      cluster,
      log,
      member: (peerId) => rooms.get(peerId),
      hasMembers,
      sfuRooms: () => modes.sfuRooms().filter((room) => rooms.members(room).length > 0),
      send: (m, message) => relay.sendSfu(m, message),
      onTakenOver: (room) => void adopted(room).then(() => {
        modes.sfuMoved(room);
        modes.seatsChanged(room); // its timers are this node's now
      }),
      onUnavailable: (room, message) => modes.sfuUnavailable(room, message),
    })
    : undefined;
  const sfu: SfuService | undefined = clusterSfu ?? driver;
  if (cluster) cluster.onMode = (room, mode, p2p) => { if (mode) modes.applyShared(room, mode, p2p); };

  /**
   * SFU frames of a seated member: in a room whose media goes through the SFU, or that went back
   * to the mesh and still has its VideoRoom (its grace). A `stop` with nothing to stop is no error.
   */
  function onSfuFrame(m: Member, payload: unknown): void {
    const parsed = parseSfuClientMessage(payload);
    const taken = sfu && (modes.mode(m.room) === 'sfu' || sfu.hasRoom(m.room));
    if (!taken) {
      if (parsed.ok && parsed.message.kind === 'stop') return;
      relay.sendSfu(m, { kind: 'error', code: 'not-allowed', message: 'this room sends its media peer to peer, not through the media server' });
      return;
    }
    if (!parsed.ok) {
      relay.sendSfu(m, { kind: 'error', code: 'bad-request', message: parsed.message });
      return;
    }
    void sfu.onMessage(m.room, m.peerId, parsed.message);
  }

  const webhooks = cfg.webhook ? new WebhookSender({ url: cfg.webhook.url, secret: cfg.webhook.secret, log, counters: metrics }) : undefined;
  const control: RoomControl = new RoomControl({
    rooms, relay, cfg, log, modes, cluster: Boolean(cluster), notify: webhooks ? (notice) => webhooks.send(notice) : undefined,
    // Cluster mode: an admission takes its seat in Redis as a join does (Redis not answering soon: this node's count decides).
    ...(cluster
      ? {
        claimSeat: (room: string, peerId: string, except: string | undefined) => cluster.claimSeat(room, peerId, modes.capacity(room), except).catch(() => true),
        unclaimSeat: (room: string, peerId: string) => cluster.unclaimSeat(room, peerId),
      }
      : {}),
  });

  function onLeave(m: Member, reason: LeaveReason, mates: Member[]): void {
    log(`rtc-call: leave room=${m.room} peer=${m.peerId} reason=${reason}${m.waiting ? ' (waiting)' : ''} remaining=${mates.length}`);
    sfu?.leave(m.room, m.peerId);
    if (closing) return;
    control.left(m, reason, mates);
    if (!m.waiting) modes.seatsChanged(m.room);
  }

  const peerTokenFor = (m: Parameters<typeof signMemberToken>[0]) => signMemberToken(m, cfg);

  /** Room requests (ROOM frames) from a member's socket. */
  function onRoomRequest(m: Member, payload: unknown): unknown {
    const parsed = parseRoomRequest(payload);
    if (!parsed.ok) throw new RtcHttpError('bad-request', parsed.message);
    const request = parsed.request;
    switch (request.request) {
      case 'leave':
        rooms.remove(m.peerId, 'left');
        return undefined;
      case 'refresh': {
        // The same identity, a new lifetime; TURN credentials for as long (none while waiting).
        const signed = peerTokenFor(m);
        m.tokenExp = signed.exp;
        rooms.touch(m);
        const data: CredentialsRefresh = { peerToken: signed.token, peerTokenExpires: signed.exp, iceServers: m.waiting ? [] : iceServersFor(m.peerId, cfg) };
        return data;
      }
      case 'admit':
      case 'remove':
      case 'mute':
        return control.actShared(m, m.room, { action: request.request, peerId: request.data.peerId });
      case 'deny':
        return control.act(m, m.room, { action: 'deny', peerId: request.data.peerId, message: request.data.message });
      case 'admit-all':
      case 'lock':
      case 'unlock':
      case 'end':
        return control.actShared(m, m.room, { action: request.request } as HostAction);
      case 'update': {
        if (m.waiting) throw new RtcHttpError('not-allowed', 'not while waiting to be let in');
        // With room tokens the server's name (the token's) is final: nobody renames themselves.
        if (cfg.roomSecret) throw new RtcHttpError('not-allowed', 'with room tokens the name comes from the token');
        const name = validName(request.data.displayName);
        if (name !== m.displayName) {
          m.displayName = name;
          rooms.touch(m);
          relay.broadcast(m.room, { event: 'member-updated', data: { peerId: m.peerId, displayName: name } }, m);
        }
        return undefined;
      }
    }
  }

  /** Whether `app` is mounted inside a site's own express app. */
  const mounted = (): boolean => Boolean((app as unknown as { parent?: unknown }).parent);
  /** Path prefix where `app` is mounted in a parent app ('' at the root). */
  const mountPrefix = (): string => (mounted() ? app.path() : '').replace(/\/+$/, '');
  const signalingPath = () => `${mountPrefix()}${cfg.basePath}/peerjs`;
  const websocketPath = () => `${signalingPath()}/peerjs`;

  const originAllowed = (req: http.IncomingMessage): boolean =>
    isOriginAllowed(req.headers.origin, ownOriginsOf(site(req), cfg.publicOrigin), cfg.allowedOrigins);
  const hostAllowed = (req: http.IncomingMessage): boolean => isHostAllowed(site(req), cfg.publicOrigin);
  const HOST_MESSAGE = 'this server answers only to its RTC_PUBLIC_URL or a loopback name';

  // Every response: no MIME sniffing; a Host we do not serve (DNS rebinding) gets nothing else.
  app.use((req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!hostAllowed(req)) {
      log(`rtc-call: reject ${req.method} ${q(req.originalUrl)} code=host-not-allowed host=${q(site(req).host ?? '')}`);
      next(new RtcHttpError('host-not-allowed', HOST_MESSAGE));
      return;
    }
    next();
  });

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
      log(`rtc-call: reject ${req.method} ${q(req.path)} code=origin-not-allowed origin=${q(req.headers.origin ?? '')}`);
      next(new RtcHttpError('origin-not-allowed', 'this page origin may not use this server (RTC_ALLOWED_ORIGINS)'));
      return;
    }
    next();
  };

  const rateLimit = (req: Request, res: Response, next: NextFunction) => {
    const over = (wait: number) => {
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        next(new RtcHttpError('rate-limited', `too many joins from this address; retry in ${wait} s`));
        return;
      }
      next();
    };
    const wait = limiter.hit(site(req).ip);
    if (typeof wait === 'number') over(wait);
    else wait.then(over, next);
  };

  const jsonBody = express.json({ limit: '8kb', type: () => true, strict: false });

  // Origin and rate limit before routing: express decodes `:room` while routing, and a malformed
  // `%` there must still count against the limit (it then becomes 400 invalid-room).
  api.use((req, res, next) => {
    if (req.method === 'POST' && /^\/rooms\/[^/]*\/join\/?$/.test(req.path)) {
      checkOrigin(req, res, (err?: unknown) => (err ? next(err) : rateLimit(req, res, next)));
    } else next();
  });

  api.post(
    '/rooms/:room/join',
    (req, _res, next) => { validRoom(req.params.room!); next(); },
    jsonBody,
    wrap(async (req, res) => {
      if (closing) throw new RtcHttpError('internal', 'server is shutting down');
      const room = req.params.room!;
      const body: unknown = req.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new RtcHttpError('bad-request', 'body must be a JSON object { displayName, token?, rejoinKey?, peerId?, prewarm?, prewarmToken? }');
      }
      const { displayName, token, rejoinKey, peerId: claimedId, prewarm, prewarmToken } = body as Record<string, unknown>;
      if (prewarm !== undefined && typeof prewarm !== 'boolean') throw new RtcHttpError('bad-request', 'prewarm must be true or false');
      if (prewarmToken !== undefined && prewarmToken !== null && typeof prewarmToken !== 'string') throw new RtcHttpError('bad-request', 'prewarmToken must be a string');
      if (token !== undefined && token !== null && typeof token !== 'string') throw new RtcHttpError('bad-request', 'token must be a string');
      if (rejoinKey !== undefined && rejoinKey !== null && (typeof rejoinKey !== 'string' || !REJOIN_KEY_RE.test(rejoinKey))) {
        throw new RtcHttpError('bad-request', 'rejoinKey must be 8–128 characters of A–Z, a–z, 0–9, _ and -');
      }
      // A re-join that keeps its participant id (its peer token was refused, e.g. by a restarted
      // server that lost its data directory): the id must have been made from this rejoin key.
      const keep = claimedId !== undefined && claimedId !== null;
      if (keep && (typeof claimedId !== 'string' || typeof rejoinKey !== 'string' || !isPeerIdOf(claimedId, room, rejoinKey))) {
        throw new RtcHttpError('bad-request', 'peerId can only be kept together with the rejoinKey of the join that got it');
      }

      let role: RoomRole = 'guest';
      let sub: string | undefined;
      let wait: boolean | undefined;
      let p2pClaim = false;
      let name: unknown = displayName;
      // With demo tokens (the bundled demo) a join without a token is a guest, as without a secret.
      if (cfg.roomSecret && (token || !cfg.demoTokens)) {
        if (!token) throw new RtcHttpError('unauthorized', 'this server needs a room token to join');
        const claims = await verifyRoomToken(token, cfg.roomSecret);
        if (claims.room !== room) throw new RtcHttpError('wrong-room', 'the room token is for another room');
        checkRoomTokenLifetime(claims, cfg.maxTokenTtl);
        role = claims.role;
        sub = claims.sub;
        wait = claims.wait;
        p2pClaim = claims.p2pOnly === true;
        if (claims.name !== undefined) name = claims.name;
      }
      const finalName = validName(name);
      const rk = typeof rejoinKey === 'string' ? hashRejoinKey(rejoinKey) : undefined;

      if (prewarm === true) {
        // Checked like a join (token, name, rate limit), and nothing more: no seat, no room state
        // read, nothing of the room told. Its token opens a parked socket only (relay.ts).
        if (keep || prewarmToken) throw new RtcHttpError('bad-request', 'a pre-warmed join neither keeps a participant id nor names another pre-warm');
        const pid = typeof rejoinKey === 'string' ? peerIdFor(room, rejoinKey) : newPeerId();
        const signed = signPeerToken({ pid, room, name: finalName, role, sub, rk, pw: true }, cfg.peerSecret, Math.min(PREWARM_TTL_S, cfg.peerTokenTtl));
        log(`rtc-call: prewarm room=${room} peer=${pid}`);
        const answer: PrewarmResponse = {
          prewarm: true,
          peerId: pid,
          peerToken: signed.token,
          peerTokenExpires: signed.exp,
          signaling: { path: signalingPath(), key: PEERJS_KEY },
          transport: modes.transportFor(room, p2pClaim),
        };
        res.json(answer);
        return;
      }
      // This tab's pre-warmed join: the seat takes its id, and its parked socket once seated. A
      // pre-warm token that is not this tab's (another room, person or rejoin key, expired, or from
      // before a new secret) is only a lost head start: the join goes on with a new id.
      let parked: string | undefined;
      if (typeof prewarmToken === 'string' && prewarmToken && !keep) {
        try {
          const claims = verifyPeerToken(prewarmToken, cfg.peerSecret);
          if (claims.pw && claims.room === room && claims.sub === sub && claims.rk === rk && !rooms.get(claims.pid) && !rooms.isRevoked(claims.pid)) parked = claims.pid;
        } catch {
          parked = undefined;
        }
      }

      const peerId = keep ? (claimedId as string) : parked ?? (typeof rejoinKey === 'string' ? peerIdFor(room, rejoinKey) : newPeerId());
      // Who left or was removed stays out under that id (a fresh join gets a new one).
      if (keep && rooms.isRevoked(peerId)) throw new RtcHttpError('unauthorized', 'this participant has left the room; join again without peerId');
      // A room on the SFU needs its VideoRoom before anyone is let in (`sfu-unavailable` without a Janus).
      let mode = modes.modeFor(room, p2pClaim);
      if (mode === 'sfu') await sfu!.ensureRoom(room);
      // Whether this join already tried to put the room through the SFU (once at most).
      let switched: boolean | undefined;
      // Cluster mode: whether this join holds a seat claim in Redis (spent once its seat is saved).
      let claimed = false;
      for (;;) {
        try {
          if (closing) throw new RtcHttpError('internal', 'server is shutting down');
          mode = modes.modeFor(room, p2pClaim);
          // From here on synchronous (until a switch to the SFU, after which every check is made
          // again): no other join interleaves between the checks and the add.

          const seat = keep ? rooms.get(peerId) : undefined;
          if (seat) {
            // Still seated or waiting (its token ended, its place did not): the same place, new credentials.
            if (seat.room !== room || seat.sub !== sub || seat.role !== role) {
              throw new RtcHttpError('not-allowed', 'this participant id belongs to another room token');
            }
            const signed = peerTokenFor(seat);
            seat.tokenExp = signed.exp;
            log(`rtc-call: rejoin room=${room} peer=${peerId} (same ${seat.waiting ? 'place in the waiting list' : 'seat'}, new credentials)`);
            res.json(joinAnswer(seat, signed.token));
            return;
          }

          // A removed person stays out until the room ends; a denied one may not knock again at once.
          let waiting = control.mustWait(room, role, wait);
          // The one-seat rule: a reload of the tab that holds the seat takes it back without knocking
          // (whatever cooldown another device of the same person earned); anyone else with the same
          // `sub` knocks, and replaces that seat only when admitted.
          const seated = rooms.findReplaceable(room, sub, rk);
          if (waiting && seated && rk !== undefined && seated.rk === rk) waiting = false;
          control.checkAllowed(room, sub, waiting);
          const replaced = waiting ? rooms.findReplaceable(room, sub, rk, true) : seated;
          const seats = rooms.members(room).filter((o) => o !== replaced).length + 1;
          // A p2p-only newcomer makes the room a smaller mesh: it must fit that one.
          const p2pFull = p2pClaim && !waiting && seats > modes.capacity(room, true);
          if (waiting ? !rooms.hasWaitingRoomFor(room, replaced) : p2pFull || !rooms.hasRoomFor(room, replaced)) {
            throw new RtcHttpError('room-full', waiting ? `too many people are waiting to be let in (${MAX_WAITING})` : `room is full (${modes.capacity(room, p2pClaim)} participants)`);
          }
          if (!waiting && !p2pClaim) {
            // A seat that takes a switchable mesh room above RTC_MESH_MAX: the room goes through
            // the SFU first (room-mates get mode-changed before this one's member-joined, and its
            // answer says sfu). Janus not answering: it stays a mesh if it fits one (else 503).
            if (switched === undefined && modes.needsSfu(room, seats)) {
              switched = await modes.switchUp(room, `${seats} seated with the next join, more than RTC_MESH_MAX=${cfg.meshMax}`);
              continue;
            }
            modes.checkMeshLimit(room, seats, switched === false);
          }
          if (cluster && !waiting && !claimed) {
            // Cluster mode: the seat is taken in Redis, counting every node's seats and the seats
            // being taken there (rtc:claims), in one script: two nodes never both give the last
            // one. Redis not answering soon: this node's own count decides, as for everything else.
            const free = await cluster.claimSeat(room, peerId, modes.capacity(room, p2pClaim), replaced?.peerId).catch(() => true);
            if (!free) throw new RtcHttpError('room-full', `room is full (${modes.capacity(room, p2pClaim)} participants)`);
            claimed = true;
            // Every check again, synchronously, now that this join waited.
            continue;
          }
          // Someone who only knocks may be turned away: their claim does not shape the room.
          modes.commit(room, mode, p2pClaim && !waiting);
          if (replaced) {
            relay.dismiss(replaced, { event: 'removed', data: { reason: 'replaced' } });
            rooms.remove(replaced.peerId, 'replaced');
          }
          const fields = { peerId, room, displayName: finalName, role, sub, rk, waiting };
          const signed = peerTokenFor(fields);
          const added = rooms.addPending({ ...fields, tokenExp: signed.exp });
          relay.rememberIssued(peerId, signed.token);
          // Room-mates learn of the newcomer now, on their socket, before its first offer can reach
          // them; a knock reaches every host at once.
          if (waiting) control.knocked(added);
          else control.seated(added);
          // Cluster mode: who came before this seat, by Redis's order (another node's join a moment
          // ago included); the seat is in Redis before the page can open its socket on another node.
          const before = cluster && !waiting ? await cluster.joinedBefore(room, peerId) : undefined;
          if (cluster && !before) await cluster.barrier();
          const answer = joinAnswer(added, signed.token, before);
          // The pre-warmed socket becomes the member's now: what an opening socket is told (the
          // roster, a wait) goes to it ahead of this answer, and the page reads it after.
          const adopted = parked === peerId && relay.adoptParked(added);
          // Its pre-warm was counted against the join rate limit: one pre-warm and its join count once.
          if (parked === peerId) limiter.refund(site(req).ip);
          log(`rtc-call: join room=${room} peer=${peerId} role=${role}${waiting ? ' waiting' : ''} members=${answer.members.length}${keep ? ' (kept its id)' : ''}${replaced ? ` replaces=${replaced.peerId}` : ''}${parked ? (adopted ? ' (pre-warmed)' : ' (pre-warmed, socket gone)') : ''}`);
          metrics.joined();
          if (!waiting) modes.seatsChanged(room);
          res.json(answer);
          return;
        } catch (err) {
          if (claimed) cluster?.unclaimSeat(room, peerId);
          // Refused after its VideoRoom was made, and nobody else holds the room: that VideoRoom goes.
          if (mode === 'sfu' && rooms.members(room).length === 0 && rooms.waiting(room).length === 0) sfu?.roomEnded(room);
          throw err;
        }
      }
    }),
  );

  /**
   * The join answer for a member with its freshly signed peer token. Someone waiting learns
   * nothing of the room and gets no ICE servers: the `admitted` event brings them.
   */
  function joinAnswer(m: Member, peerToken: string, before?: Member[]): JoinResponse {
    return {
      peerId: m.peerId,
      peerToken,
      peerTokenExpires: m.tokenExp,
      displayName: m.displayName,
      role: m.role,
      iceServers: m.waiting ? [] : iceServersFor(m.peerId, cfg),
      iceTransportPolicy: cfg.iceTransportPolicy,
      members: m.waiting ? [] : (before ?? rooms.members(m.room)).filter((o) => o !== m).map(toPublic),
      signaling: { path: signalingPath(), key: PEERJS_KEY },
      maxParticipants: rooms.capacity(m.room),
      mode: (m.mode = modes.mode(m.room)),
      ...(modes.switchable(m.room) ? { switchable: true } : {}),
      ...(m.waiting ? { waiting: true } : {}),
    };
  }

  api.get(
    '/rooms/:room/members',
    checkOrigin,
    wrap(async (req, res) => {
      const room = validRoom(req.params.room!);
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new RtcHttpError('unauthorized', 'send Authorization: Bearer <peerToken>');
      const claims = verifyPeerToken(m[1]!, cfg.peerSecret);
      if (claims.room !== room) throw new RtcHttpError('wrong-room', 'the peer token is for another room');
      if (rooms.isRevoked(claims.pid)) throw new RtcHttpError('unauthorized', 'this peer has left the room; join again');
      // Someone waiting sees no one (its token still counts: that is what the answer says).
      const waiting = claims.w === true || rooms.get(claims.pid)?.waiting === true;
      const answer: MembersResponse = { members: waiting ? [] : rooms.members(room).map(toPublic) };
      res.json(answer);
    }),
  );

  const precallRateLimit = (req: Request, res: Response, next: NextFunction) => {
    const over = (wait: number) => {
      if (wait > 0) {
        res.setHeader('Retry-After', String(wait));
        next(new RtcHttpError('rate-limited', `too many pre-call checks from this address; retry in ${wait} s`));
        return;
      }
      next();
    };
    const wait = precallLimiter.hit(site(req).ip);
    if (typeof wait === 'number') over(wait);
    else wait.then(over, next);
  };
  api.use('/precall', precallRouter({ cfg, guards: [checkOrigin, precallRateLimit], closing: () => closing, log }));

  api.use('/admin', adminRouter({ token: cfg.adminToken, control, rooms, log }));

  api.use((_req, _res, next) => next(new RtcHttpError('not-found', 'no such API endpoint')));

  const router = express.Router();
  router.use('/api', api);
  if (cfg.demoTokens && cfg.roomSecret) {
    const guard = (req: Request, res: Response, next: NextFunction) => checkOrigin(req, res, (err?: unknown) => (err ? next(err) : rateLimit(req, res, next)));
    router.use('/demo-api', (_req, res, next) => { res.setHeader('Cache-Control', 'no-store'); next(); }, demoTokenRouter({ secret: cfg.roomSecret, maxTokenTtl: cfg.maxTokenTtl, guards: [guard] }));
  }

  // Liveness for anyone (a load balancer): nothing about rooms or people. Counts are in /metrics.
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true });
  });

  router.get('/metrics', (req, res, next) => {
    if (!cfg.metricsToken) {
      next(new RtcHttpError('not-found', 'metrics are off (set RTC_METRICS_TOKEN)'));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (!bearerAuthorized(req.headers.authorization, cfg.metricsToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new RtcHttpError('unauthorized', 'send Authorization: Bearer <RTC_METRICS_TOKEN>'));
      return;
    }
    metrics.registry.metrics().then((text) => {
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.end(text);
    }, next);
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

  // The bundle's chunks: dist/cdn/chunks/<name>-<hash>.js next to the entry, which loads them
  // relative to its own URL (`<base>/chunks/…`). The same CORS and type as the entry; their names
  // change with their content, so they are cached for a year as immutable (the entry stays
  // no-cache: it names the chunks of the current build). Only names of that shape, only that folder.
  const chunksDir = join(dirname(cfg.bundleFile), 'chunks');
  router.get('/chunks/:file', (req, res, next) => {
    const file = req.params.file;
    if (!CHUNK_FILE.test(file)) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.sendFile(join(chunksDir, file), { etag: true, lastModified: true, maxAge: CHUNK_MAX_AGE_MS, immutable: true }, (err?: Error & { code?: string; status?: number }) => {
      if (!err) return;
      if (res.headersSent) return;
      res.removeHeader('Content-Type');
      res.removeHeader('Access-Control-Allow-Origin');
      if (err.code === 'ENOENT' || err.status === 404) {
        next(new RtcHttpError('not-found', `no chunk ${file} in this build of rtc-call.js (a page open across an update: reload it)`));
      } else next(err);
    });
  });

  app.use(cfg.basePath || '/', router);
  if (Object.keys(cfg.staticDirs).length) {
    const statics = express.Router();
    const headers = pageHeaders(cfg.frameAncestors);
    const setHeaders = (res: http.ServerResponse) => {
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    };
    for (const [mount, dir] of Object.entries(cfg.staticDirs)) {
      statics.use(mount, express.static(dir, { index: ['index.html'], setHeaders }));
    }
    app.use(cfg.basePath || '/', statics);
  }

  // What nobody answered: JSON 404s. Mounted inside a site's app, only under our own prefixes,
  // so the site's later routes still get their requests.
  app.use((req, _res, next) => {
    const ours = ['/api', '/peerjs'].some((p) => req.path === `${cfg.basePath}${p}` || req.path.startsWith(`${cfg.basePath}${p}/`));
    if (ours || !mounted()) next(new RtcHttpError('not-found', 'not found'));
    else next();
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: RtcHttpError;
    if (err instanceof RtcHttpError) e = err;
    else if (isBodyParserError(err)) {
      e = new RtcHttpError('bad-request', err.type === 'entity.too.large' ? 'request body too large' : 'request body is not valid JSON');
    } else if (err instanceof URIError) {
      // express could not decode a path parameter (a malformed `%`): the client's mistake.
      e = /\/rooms\//.test(req.path)
        ? new RtcHttpError('invalid-room', ROOM_MESSAGE)
        : new RtcHttpError('bad-request', 'malformed percent-encoding in the URL');
    } else if (isClientHttpError(err)) {
      e = new RtcHttpError('bad-request', 'bad request');
    } else {
      log(`rtc-call: internal error on ${req.method} ${q(req.path)}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      e = new RtcHttpError('internal', 'internal server error');
    }
    metrics.refused(e.code);
    if (e.code !== 'origin-not-allowed' && e.code !== 'not-found' && e.code !== 'internal' && e.code !== 'host-not-allowed') {
      log(`rtc-call: reject ${req.method} ${q(req.path)} code=${e.code} reason=${q(e.message)}`);
    }
    if (res.headersSent) return;
    res.setHeader('Cache-Control', 'no-store');
    res.status(e.status).json(e.toJSON());
  });

  // ---- websocket upgrade ----------------------------------------------------------------------
  function refuse(socket: Duplex, code: RtcServerErrorCode, message: string, status = new RtcHttpError(code, message).status): void {
    const body = JSON.stringify({ error: { code, message } });
    if (socket.writable) {
      socket.once('finish', () => socket.destroy());
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
    } else socket.destroy();
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // First, before anything can fail: a client that resets mid-upgrade must not crash the process.
    // A shared function, not a closure: the listener stays for the socket's life, and a closure here
    // would keep this upgrade's scope (the parsed URL with its token) alive as long.
    socket.on('error', destroySelf);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      refuse(socket, 'bad-request', 'malformed URL');
      return;
    }
    if (url.pathname !== websocketPath()) {
      // Someone else's websocket on a shared server: leave it alone unless nobody will answer.
      if (ownsServer || server.listenerCount('upgrade') === 1) refuse(socket, 'not-found', 'no websocket here', 404);
      return;
    }
    pendingUpgrades.add(socket);
    relay.upgrade(req, socket, head, url)
      .catch((err: unknown) => {
        const e = err instanceof RtcHttpError ? err : new RtcHttpError('internal', 'internal error');
        if (!(err instanceof RtcHttpError)) log(`rtc-call: upgrade error: ${q(String(err))}`);
        metrics.refused(e.code);
        log(`rtc-call: reject websocket peer=${q(url.searchParams.get('id') ?? '')} code=${e.code} reason=${q(e.message)}`);
        refuse(socket, e.code, e.message, e.status);
      })
      .finally(() => pendingUpgrades.delete(socket));
  };

  server.on('upgrade', onUpgrade);

  // ---- shutdown -------------------------------------------------------------------------------
  let closed: Promise<void> | undefined;
  function close(): Promise<void> {
    if (closed) return closed;
    closing = true;
    // Webhooks on their way get a moment (≤ 2 s) beside the http server's own close.
    const webhooksClosed = webhooks?.close();
    const serverClosed = new Promise<void>((resolve) => {
      rooms.close();
      limiter.close();
      precallLimiter.close();
      clearInterval(revocationSweep);
      server.off('upgrade', onUpgrade);
      for (const s of pendingUpgrades) s.destroy();
      pendingUpgrades.clear();
      relay.close();
      modes.close();
      void sfu?.close();
      void cluster?.close();
      cfg.dataDir?.flush();
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
    closed = Promise.all([serverClosed, webhooksClosed]).then(() => undefined);
    return closed;
  }

  const ready = cluster
    ? cluster.start(rooms, (frame) => (isSfuRouted(frame) ? clusterSfu?.onRouted(frame) : relay.deliverRouted(frame)))
    : Promise.resolve();
  ready.catch(() => { /* the caller's to handle (see RtcServer.ready) */ });
  return { app, server, ready, close, stats };
}

function destroySelf(this: Duplex): void {
  this.destroy();
}

/** Errors express and its middleware raise for a client's mistake (status 4xx). */
function isClientHttpError(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function isBodyParserError(err: unknown): err is { type: string; status: number } {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500;
}
