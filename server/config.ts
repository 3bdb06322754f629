import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { DataDir } from './data-dir.js';
import { safeLogger } from './log.js';
import { parseAllowedOrigins, parsePublicUrl, type AllowedOrigins } from './origins.js';

/** Options of `createRtcServer`. Every one has a CLI flag and an environment variable (see docs/server.md). */
export interface RtcServerOptions {
  /** Existing server to attach to (then none is created). If it has no `request` listener, `app` becomes it. */
  server?: http.Server;
  /** Mount prefix, `''` by default, e.g. `'/calls'`. */
  basePath?: string;
  /** Allowed page origins; undefined = own origin + any port on localhost / 127.0.0.1 / [::1]. */
  allowedOrigins?: string[] | '*';
  /**
   * RTC_PUBLIC_URL: the server's public origin, e.g. `https://calls.example.org` (behind a proxy, or
   * on any non-loopback name). Requests whose Host is neither this nor a loopback name get 403
   * `host-not-allowed` (DNS rebinding); this origin is always an allowed page origin.
   */
  publicUrl?: string;
  /** RTC_FRAME_ANCESTORS: CSP `frame-ancestors` of the served pages (`'self'`). */
  frameAncestors?: string;
  /** RTC_ROOM_SECRET: when set, joining needs a room token signed with it. */
  roomSecret?: string;
  /** Signs peer tokens; default random per process. Give the same one to a restarted server. */
  peerSecret?: string;
  /**
   * RTC_DATA_DIR: where the generated secrets and the revocations outlive the process, so a
   * restart never ends a call. Unset: in memory only (the CLI defaults to `.rtc-call/` in the
   * working directory).
   */
  dataDir?: string;
  /**
   * RTC_REDIS_URL: cluster mode. Several nodes share rooms, waiting lists, revocations, rate-limit
   * counters and room events through this Redis (`redis://[:password@]host:6379[/db]` or
   * `rediss://`), and route messages between members on different nodes; any node answers any
   * join (no sticky sessions). Needs `peerSecret` (the same on every node); the data directory is
   * not used. With `janusUrls`, one node at a time drives each SFU room's VideoRoom (the holder of
   * its lease in Redis: server/cluster/sfu.ts). Unset: one process, in memory.
   */
  redisUrl?: string;
  /** RTC_METRICS_TOKEN: `/metrics` answers to `Authorization: Bearer <this>`; unset, `/metrics` is off (404). */
  metricsToken?: string;
  /**
   * RTC_WAITING_ROOM: `guests` = everyone whose room token role is not `host` knocks and waits
   * until a host admits them (a token claim `wait` overrides it per person); `off` (default) =
   * only a locked room makes newcomers knock. `guests` needs `roomSecret`.
   */
  waitingRoom?: 'off' | 'guests';
  /** RTC_DENY_COOLDOWN: seconds a denied token `sub` may not knock on that room again (60). */
  denyCooldown?: number;
  /** RTC_ADMIN_TOKEN: the admin API (`<base>/api/admin/…`) answers to `Authorization: Bearer <this>`; unset, it is off (404). */
  adminToken?: string;
  /** RTC_WEBHOOK_URL: member joined / left, knock and room ended are POSTed here, signed with `webhookSecret`. */
  webhookUrl?: string;
  /** RTC_WEBHOOK_SECRET: HMAC-SHA256 key of the webhook signature header; required with `webhookUrl`. */
  webhookSecret?: string;
  /**
   * RTC_DEMO_TOKENS, for the bundled demo on a local machine only (`npm start` turns it on):
   * `POST <base>/demo-api/token` hands a room token — host or guest — to any page that asks, so
   * the telehealth demo can show the waiting room without a clinic backend. Joins without a token
   * stay allowed (as guests). The room secret is `roomSecret`, else one generated and kept in the
   * data directory. Refused together with `publicUrl`: never on a server others can reach.
   */
  demoTokens?: boolean;
  turnUrls?: string[];
  turnSecret?: string;
  /** TURN credential lifetime in seconds (86400); never longer than the peer token's. */
  turnTtl?: number;
  /** RTC_PEER_TOKEN_TTL: peer token lifetime in seconds (3600); clients refresh it before it ends. */
  peerTokenTtl?: number;
  /** RTC_MAX_TOKEN_TTL: room tokens with a longer lifetime (exp − iat, or exp − now) are refused (86400). */
  maxTokenTtl?: number;
  stunUrls?: string[];
  iceTransportPolicy?: 'all' | 'relay';
  /** Room capacity: 6 without an SFU, 50 with one (RTC_JANUS_URLS). */
  maxParticipants?: number;
  /**
   * RTC_JANUS_URLS: Janus websocket URLs (`ws://janus:8188`); with any, rooms larger than
   * `meshMax` (all rooms, with `meshMax` 0) send their media through Janus's VideoRoom.
   */
  janusUrls?: string[];
  /**
   * RTC_MESH_MAX: with Janus, the largest room kept peer to peer (4): a room switches to the SFU
   * above it and back at two or fewer for 10 s; 0 = every room through Janus from the start.
   */
  meshMax?: number;
  /**
   * RTC_P2P_ONLY: rooms that always stay peer to peer (end to end encrypted) whatever their size,
   * capped at the mesh size: room names, or prefixes ending in `*` (`visit-*`), or `*` for all.
   * A room token's `p2p-only` claim does the same for its room.
   */
  p2pOnly?: string[];
  /** How long a closed socket may come back before room-mates get LEAVE (3000 ms). */
  leaveGraceMs?: number;
  /** How long a join may go without opening its socket before it expires (30000 ms). */
  pendingJoinMs?: number;
  /** Joins per minute per client IP (60); 0 = off. */
  joinRateLimit?: number;
  /** RTC_PRECALL_RATE_LIMIT: pre-call checks (`POST <base>/api/precall`) per minute per client IP (10); 0 = off. */
  precallRateLimit?: number;
  /**
   * Behind ONE reverse proxy: client IP, protocol and host are read from the last entry of
   * X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host (the entry that proxy appended; what the
   * client sent sits before it and is ignored). Off by default: then those headers are ignored.
   */
  trustProxy?: boolean;
  /** Open signaling sockets per server (5000); beyond it a socket gets PeerJS's ERROR and closes. */
  concurrentLimit?: number;
  /** The relay's abuse limits (rates, buffers, queues); defaults in RELAY_LIMITS, documented in the README. */
  relayLimits?: Partial<import('./signaling/relay.js').RelayLimits>;
  /**
   * Served at `<base>/rtc-call.js`; default `<package root>/dist/cdn/rtc-call.js`. Its chunks are
   * served at `<base>/chunks/` from the `chunks/` folder next to it.
   */
  bundleFile?: string;
  /** Extra static mounts under the base path, e.g. `{ '/': '<root>/demo' }`. */
  staticDirs?: Record<string, string>;
  /** One line per join / leave / rejection (never a token or a name); default stderr. */
  log?: (line: string) => void;
}

export interface ResolvedConfig {
  basePath: string;
  allowedOrigins: AllowedOrigins;
  publicOrigin?: string;
  frameAncestors: string;
  roomSecret?: string;
  peerSecret: string;
  turnUrls: string[];
  turnSecret?: string;
  turnTtl: number;
  peerTokenTtl: number;
  maxTokenTtl: number;
  metricsToken: string | undefined;
  waitingRoom: 'off' | 'guests';
  denyCooldownS: number;
  adminToken: string | undefined;
  webhook: { url: string; secret: string } | undefined;
  /** Demo tokens on: `/demo-api/token` exists and joins without a token are guests. */
  demoTokens: boolean;
  dataDir: DataDir | undefined;
  /** Cluster mode's Redis (RTC_REDIS_URL), or undefined: one node in memory. */
  redisUrl: string | undefined;
  stunUrls: string[];
  iceTransportPolicy: 'all' | 'relay';
  maxParticipants: number;
  /** Janus URLs (empty: no SFU, every room is a mesh). */
  janusUrls: string[];
  meshMax: number;
  /** Whether a room is kept peer to peer by the server's RTC_P2P_ONLY. */
  p2pOnly: (room: string) => boolean;
  leaveGraceMs: number;
  pendingJoinMs: number;
  joinRateLimit: number;
  precallRateLimit: number;
  trustProxy: boolean;
  concurrentLimit: number;
  bundleFile: string;
  staticDirs: Record<string, string>;
  log: (line: string) => void;
}

/** The largest mesh rtc-call makes (every participant sends to every other). */
export const MESH_LIMIT = 6;

let packageRootCache: string | null | undefined;

/**
 * Directory of the `rtc-call` package — the widget whose one-tag bundle (and, in this repository,
 * demo) this server serves — as Node resolves it from here (a peer dependency of this package;
 * in the repository, the workspace root), or null when it is not installed.
 */
export function findPackageRoot(): string | null {
  if (packageRootCache !== undefined) return packageRootCache;
  try {
    packageRootCache = dirname(createRequire(import.meta.url).resolve('rtc-call/package.json'));
  } catch {
    packageRootCache = null;
  }
  return packageRootCache;
}

/** This server package's version (`rtc-call-server`'s package.json, from server/ or server/dist/). */
export function serverVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
        if (json.name === 'rtc-call-server' && json.version) return json.version;
      } catch { /* keep walking */ }
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function normalizeBasePath(p: string | undefined): string {
  if (!p || p === '/') return '';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(p) || p.includes('//')) throw new Error(`basePath "${p}" must look like /calls`);
  return p.replace(/\/+$/, '');
}

const KEYWORD_SOURCES = new Set(["'self'", "'none'"]);
const HOST_SOURCE = /^(?:[a-z][a-z0-9+.-]*:(?:\/\/)?)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)?(?::(?:\d{1,5}|\*))?(?:\/[^\s;,']*)?$/i;

/** Validate a CSP `frame-ancestors` source list: `'self'`, `'none'` (alone), schemes and hosts. */
export function parseFrameAncestors(value: string | undefined): string {
  if (value === undefined || value.trim() === '') return "'self'";
  const sources = value.trim().split(/\s+/);
  for (const src of sources) {
    if (KEYWORD_SOURCES.has(src.toLowerCase())) continue;
    if (src.includes("'") || !HOST_SOURCE.test(src) || src === ':') {
      throw new Error(`frame ancestors: "${src}" is not a CSP source such as 'self', 'none' or https://cms.example.org`);
    }
  }
  if (sources.length > 1 && sources.some((s) => s.toLowerCase() === "'none'")) throw new Error("frame ancestors: 'none' must stand alone");
  return sources.join(' ');
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, not ${v}`);
  return v;
}

/** A secret every node of a cluster computes alike from the shared peer secret. */
function derivedSecret(peerSecret: string, name: string): string {
  return createHmac('sha256', peerSecret).update(`rtc-call:${name}`).digest('base64url');
}

/** Apply defaults and validate; throws a readable Error on bad configuration. */
export function resolveConfig(o: RtcServerOptions): ResolvedConfig {
  const turnUrls = o.turnUrls ?? [];
  if (turnUrls.length && !o.turnSecret) throw new Error('TURN URLs are configured but no TURN secret (RTC_TURN_SECRET)');
  for (const u of turnUrls) if (!/^turns?:/.test(u)) throw new Error(`TURN URL "${u}" must start with turn: or turns:`);
  const stunUrls = o.stunUrls ?? [];
  for (const u of stunUrls) if (!/^stuns?:/.test(u)) throw new Error(`STUN URL "${u}" must start with stun: or stuns:`);
  const policy = o.iceTransportPolicy ?? 'all';
  if (policy !== 'all' && policy !== 'relay') throw new Error(`iceTransportPolicy must be "all" or "relay", not "${String(policy)}"`);
  if (policy === 'relay' && !turnUrls.length) throw new Error('iceTransportPolicy "relay" needs TURN (RTC_TURN_URLS + RTC_TURN_SECRET)');
  const waitingRoom = o.waitingRoom ?? 'off';
  if (waitingRoom !== 'off' && waitingRoom !== 'guests') throw new Error(`waitingRoom must be "off" or "guests", not "${String(waitingRoom)}"`);
  if (o.demoTokens && o.publicUrl) {
    throw new Error('demo tokens (RTC_DEMO_TOKENS) hand a host token to anyone: they are for the bundled demo on a local machine, never with RTC_PUBLIC_URL');
  }
  if (waitingRoom === 'guests' && !o.roomSecret && !o.demoTokens) {
    throw new Error('the waiting room (RTC_WAITING_ROOM=guests) needs room tokens (RTC_ROOM_SECRET): without them nobody is a host who could admit anyone');
  }
  if (o.webhookUrl && !o.webhookSecret) throw new Error('RTC_WEBHOOK_URL is set but RTC_WEBHOOK_SECRET is not: webhooks are always signed');
  if (o.webhookUrl) {
    let url: URL;
    try {
      url = new URL(o.webhookUrl);
    } catch {
      throw new Error(`RTC_WEBHOOK_URL "${o.webhookUrl}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`RTC_WEBHOOK_URL "${o.webhookUrl}" must be http: or https:`);
  }
  const janusUrls = o.janusUrls ?? [];
  for (const u of janusUrls) if (!/^wss?:\/\/[^\s]+$/.test(u)) throw new Error(`Janus URL "${u}" must be a ws:// or wss:// URL (RTC_JANUS_URLS)`);
  const meshMax = positiveInt('meshMax', o.meshMax, 4, 0);
  if (meshMax > MESH_LIMIT) throw new Error(`meshMax (RTC_MESH_MAX) must be at most ${MESH_LIMIT}: a mesh of more sends too many copies of every camera`);
  const p2pOnly = o.p2pOnly ?? [];
  for (const p of p2pOnly) if (!/^(\*|[A-Za-z0-9_-]{1,64}\*?)$/.test(p)) throw new Error(`RTC_P2P_ONLY entry "${p}" must be a room name, a prefix ending in *, or *`);
  const redisUrl = o.redisUrl || undefined;
  if (redisUrl !== undefined) {
    let url: URL | undefined;
    try { url = new URL(redisUrl); } catch { url = undefined; }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
      throw new Error('RTC_REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');
    }
    if (!o.peerSecret) {
      throw new Error('cluster mode (RTC_REDIS_URL) needs RTC_PEER_SECRET, the same on every node: a secret of each process would make one node refuse the peer tokens another signed');
    }
  }
  const root = findPackageRoot();
  // Cluster mode keeps what must outlive a process in Redis: no data directory (several nodes may share a working directory).
  const dataDir = o.dataDir && !redisUrl ? new DataDir(resolve(o.dataDir)) : undefined;
  const peerTokenTtl = positiveInt('peerTokenTtl', o.peerTokenTtl, 3600);
  return {
    basePath: normalizeBasePath(o.basePath),
    allowedOrigins: parseAllowedOrigins(o.allowedOrigins),
    publicOrigin: parsePublicUrl(o.publicUrl),
    frameAncestors: parseFrameAncestors(o.frameAncestors),
    roomSecret: o.roomSecret || (o.demoTokens ? (redisUrl ? derivedSecret(o.peerSecret!, 'demoRoomSecret') : dataDir?.secret('demoRoomSecret')) ?? randomBytes(32).toString('base64url') : undefined),
    demoTokens: o.demoTokens ?? false,
    peerSecret: o.peerSecret || dataDir?.secret('peerSecret') || randomBytes(32).toString('base64url'),
    dataDir,
    redisUrl,
    turnUrls,
    turnSecret: o.turnSecret || undefined,
    peerTokenTtl,
    // TURN credentials never outlive the peer token: both are refreshed together.
    turnTtl: Math.min(positiveInt('turnTtl', o.turnTtl, 86400), peerTokenTtl),
    maxTokenTtl: positiveInt('maxTokenTtl', o.maxTokenTtl, 86400),
    metricsToken: o.metricsToken || undefined,
    waitingRoom,
    denyCooldownS: positiveInt('denyCooldown', o.denyCooldown, 60, 0),
    adminToken: o.adminToken || undefined,
    webhook: o.webhookUrl ? { url: o.webhookUrl, secret: o.webhookSecret! } : undefined,
    stunUrls,
    iceTransportPolicy: policy,
    maxParticipants: positiveInt('maxParticipants', o.maxParticipants, janusUrls.length ? 50 : MESH_LIMIT),
    janusUrls,
    meshMax,
    p2pOnly: (room) => p2pOnly.some((p) => p === '*' || (p.endsWith('*') ? room.startsWith(p.slice(0, -1)) : room === p)),
    leaveGraceMs: positiveInt('leaveGraceMs', o.leaveGraceMs, 3000, 0),
    pendingJoinMs: positiveInt('pendingJoinMs', o.pendingJoinMs, 30000),
    joinRateLimit: positiveInt('joinRateLimit', o.joinRateLimit, 60, 0),
    precallRateLimit: positiveInt('precallRateLimit', o.precallRateLimit, 10, 0),
    trustProxy: o.trustProxy ?? false,
    concurrentLimit: positiveInt('concurrentLimit', o.concurrentLimit, 5000),
    bundleFile: o.bundleFile ?? join(root ?? process.cwd(), 'dist', 'cdn', 'rtc-call.js'),
    staticDirs: o.staticDirs ?? {},
    log: safeLogger(o.log ?? ((line) => process.stderr.write(`${line}\n`))),
  };
}

/** The CLI's data directory when neither RTC_DATA_DIR nor --data-dir is given (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.rtc-call';

/** CLI flags; each has an environment variable of the same meaning (see ENV). */
const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'base-path': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'public-url': { type: 'string' },
  'frame-ancestors': { type: 'string' },
  'room-secret': { type: 'string' },
  'peer-secret': { type: 'string' },
  'metrics-token': { type: 'string' },
  'waiting-room': { type: 'string' },
  'deny-cooldown': { type: 'string' },
  'admin-token': { type: 'string' },
  'webhook-url': { type: 'string' },
  'webhook-secret': { type: 'string' },
  'demo-tokens': { type: 'boolean' },
  'data-dir': { type: 'string' },
  'redis-url': { type: 'string' },
  'turn-urls': { type: 'string' },
  'turn-secret': { type: 'string' },
  'turn-ttl': { type: 'string' },
  'peer-token-ttl': { type: 'string' },
  'max-token-ttl': { type: 'string' },
  'stun-urls': { type: 'string' },
  'ice-transport-policy': { type: 'string' },
  'max-participants': { type: 'string' },
  'janus-urls': { type: 'string' },
  'mesh-max': { type: 'string' },
  'p2p-only': { type: 'string' },
  'leave-grace-ms': { type: 'string' },
  'pending-join-ms': { type: 'string' },
  'join-rate-limit': { type: 'string' },
  'precall-rate-limit': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'no-trust-proxy': { type: 'boolean' },
  'concurrent-limit': { type: 'string' },
  'bundle-file': { type: 'string' },
  'demo-dir': { type: 'string' },
} as const;

/** Flag → environment variable. */
export const ENV: Record<Exclude<keyof typeof FLAGS, 'no-trust-proxy'>, string> = {
  'demo-tokens': 'RTC_DEMO_TOKENS',
  port: 'PORT',
  host: 'HOST',
  'base-path': 'RTC_BASE_PATH',
  'allowed-origins': 'RTC_ALLOWED_ORIGINS',
  'public-url': 'RTC_PUBLIC_URL',
  'frame-ancestors': 'RTC_FRAME_ANCESTORS',
  'room-secret': 'RTC_ROOM_SECRET',
  'peer-secret': 'RTC_PEER_SECRET',
  'metrics-token': 'RTC_METRICS_TOKEN',
  'waiting-room': 'RTC_WAITING_ROOM',
  'deny-cooldown': 'RTC_DENY_COOLDOWN',
  'admin-token': 'RTC_ADMIN_TOKEN',
  'webhook-url': 'RTC_WEBHOOK_URL',
  'webhook-secret': 'RTC_WEBHOOK_SECRET',
  'data-dir': 'RTC_DATA_DIR',
  'redis-url': 'RTC_REDIS_URL',
  'turn-urls': 'RTC_TURN_URLS',
  'turn-secret': 'RTC_TURN_SECRET',
  'turn-ttl': 'RTC_TURN_TTL',
  'peer-token-ttl': 'RTC_PEER_TOKEN_TTL',
  'max-token-ttl': 'RTC_MAX_TOKEN_TTL',
  'stun-urls': 'RTC_STUN_URLS',
  'ice-transport-policy': 'RTC_ICE_TRANSPORT_POLICY',
  'max-participants': 'RTC_MAX_PARTICIPANTS',
  'janus-urls': 'RTC_JANUS_URLS',
  'mesh-max': 'RTC_MESH_MAX',
  'p2p-only': 'RTC_P2P_ONLY',
  'leave-grace-ms': 'RTC_LEAVE_GRACE_MS',
  'pending-join-ms': 'RTC_PENDING_JOIN_MS',
  'join-rate-limit': 'RTC_JOIN_RATE_LIMIT',
  'precall-rate-limit': 'RTC_PRECALL_RATE_LIMIT',
  'trust-proxy': 'RTC_TRUST_PROXY',
  'concurrent-limit': 'RTC_CONCURRENT_LIMIT',
  'bundle-file': 'RTC_BUNDLE_FILE',
  'demo-dir': 'RTC_DEMO_DIR',
};

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name} must be a whole number, not "${v}"`);
  return Number(v.trim());
}

function list(v: string | undefined): string[] | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function bool(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new Error(`${name} must be true or false, not "${v}"`);
}

/**
 * Server settings from environment variables and CLI flags (flags win). Throws a readable
 * Error on unknown flags or bad values.
 */
export function optionsFromEnv(
  env: NodeJS.ProcessEnv,
  argv: string[] = [],
): { port: number; host: string; options: RtcServerOptions } {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const get = (flag: keyof typeof ENV): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    const fromEnv = env[ENV[flag]];
    return fromEnv === '' ? undefined : fromEnv;
  };
  const label = (flag: keyof typeof ENV) => `--${flag} / ${ENV[flag]}`;

  const port = int(label('port'), get('port')) ?? 8080;
  if (port > 65535) throw new Error(`${label('port')} must be ≤ 65535`);
  const host = get('host') ?? '127.0.0.1';

  const origins = get('allowed-origins');
  const policy = get('ice-transport-policy');
  if (policy !== undefined && policy !== 'all' && policy !== 'relay') {
    throw new Error(`${label('ice-transport-policy')} must be "all" or "relay", not "${policy}"`);
  }
  let trustProxy = bool(ENV['trust-proxy'], env[ENV['trust-proxy']]);
  if (values['trust-proxy']) trustProxy = true;
  if (values['no-trust-proxy']) trustProxy = false;

  const options: RtcServerOptions = {};
  const set = <K extends keyof RtcServerOptions>(k: K, v: RtcServerOptions[K] | undefined) => {
    if (v !== undefined) options[k] = v;
  };
  set('basePath', get('base-path'));
  set('allowedOrigins', origins === undefined ? undefined : origins.trim() === '*' ? '*' : list(origins));
  set('publicUrl', get('public-url'));
  set('frameAncestors', get('frame-ancestors'));
  set('roomSecret', get('room-secret'));
  set('peerSecret', get('peer-secret'));
  set('metricsToken', get('metrics-token'));
  const waiting = get('waiting-room');
  if (waiting !== undefined && waiting !== 'off' && waiting !== 'guests') throw new Error(`${label('waiting-room')} must be "off" or "guests", not "${waiting}"`);
  set('waitingRoom', waiting as 'off' | 'guests' | undefined);
  set('denyCooldown', int(label('deny-cooldown'), get('deny-cooldown')));
  set('adminToken', get('admin-token'));
  set('webhookUrl', get('webhook-url'));
  set('webhookSecret', get('webhook-secret'));
  set('demoTokens', values['demo-tokens'] ? true : bool(ENV['demo-tokens'], env[ENV['demo-tokens']]));
  // The CLI keeps its state in ./.rtc-call unless told otherwise ('' = in memory only).
  const dataDirValue = values['data-dir'] ?? env[ENV['data-dir']];
  if (dataDirValue === undefined) options.dataDir = resolve(DEFAULT_DATA_DIR);
  else if (dataDirValue !== '') options.dataDir = resolve(dataDirValue);
  set('redisUrl', get('redis-url'));
  set('turnUrls', list(get('turn-urls')));
  set('turnSecret', get('turn-secret'));
  set('turnTtl', int(label('turn-ttl'), get('turn-ttl')));
  set('peerTokenTtl', int(label('peer-token-ttl'), get('peer-token-ttl')));
  set('maxTokenTtl', int(label('max-token-ttl'), get('max-token-ttl')));
  set('stunUrls', list(get('stun-urls')));
  set('iceTransportPolicy', policy as 'all' | 'relay' | undefined);
  set('maxParticipants', int(label('max-participants'), get('max-participants')));
  set('janusUrls', list(get('janus-urls')));
  set('meshMax', int(label('mesh-max'), get('mesh-max')));
  set('p2pOnly', list(get('p2p-only')));
  set('leaveGraceMs', int(label('leave-grace-ms'), get('leave-grace-ms')));
  set('pendingJoinMs', int(label('pending-join-ms'), get('pending-join-ms')));
  set('joinRateLimit', int(label('join-rate-limit'), get('join-rate-limit')));
  set('precallRateLimit', int(label('precall-rate-limit'), get('precall-rate-limit')));
  set('trustProxy', trustProxy);
  set('concurrentLimit', int(label('concurrent-limit'), get('concurrent-limit')));
  set('bundleFile', get('bundle-file') ? resolve(get('bundle-file')!) : undefined);

  const demoFlag = values['demo-dir'] ?? env[ENV['demo-dir']];
  let demoDir: string | undefined;
  if (demoFlag !== undefined) demoDir = demoFlag === '' ? undefined : resolve(demoFlag);
  else {
    const root = findPackageRoot();
    if (root && existsSync(join(root, 'demo'))) demoDir = join(root, 'demo');
  }
  if (demoDir) options.staticDirs = { '/': demoDir };

  return { port, host, options };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Whether HOST only listens on this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Start-up warnings to print (e.g. a public HOST without STUN/TURN: calls across NAT would fail). */
/** Shorter HMAC secrets than this get a warning (a 256-bit key for HS256 / TURN's HMAC-SHA1). */
export const MIN_SECRET_BYTES = 32;

export function startupWarnings(host: string, options: RtcServerOptions): string[] {
  const warnings: string[] = [];
  if (options.demoTokens) {
    warnings.push('rtc-call: demo tokens are on (RTC_DEMO_TOKENS): any page on this machine can get a host token at /demo-api/token — for trying the bundled demo, never in production');
  }
  if (!LOOPBACK.test(host) && !options.publicUrl) {
    warnings.push(
      `rtc-call: warning: HOST ${host} is not loopback but RTC_PUBLIC_URL is not set: only requests ` +
        'addressed to localhost / 127.0.0.1 / [::1] are served, others get 403 host-not-allowed',
    );
  }
  if (!LOOPBACK.test(host) && !options.stunUrls?.length && !options.turnUrls?.length) {
    warnings.push(
      `rtc-call: warning: HOST ${host} is not loopback but no STUN/TURN is configured ` +
        '(RTC_STUN_URLS / RTC_TURN_URLS): calls between different networks (NAT) will fail',
    );
  }
    for (const [name, secret] of [['RTC_ROOM_SECRET', options.roomSecret], ['RTC_PEER_SECRET', options.peerSecret], ['RTC_TURN_SECRET', options.turnSecret], ['RTC_METRICS_TOKEN', options.metricsToken], ['RTC_ADMIN_TOKEN', options.adminToken], ['RTC_WEBHOOK_SECRET', options.webhookSecret]] as const) {
    if (secret && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
      warnings.push(`rtc-call: warning: ${name} is ${Buffer.byteLength(secret)} bytes; use at least ${MIN_SECRET_BYTES} random bytes (openssl rand -base64 32): a short HMAC secret can be guessed offline from one token or credential`);
    }
  }
  return warnings;
}
