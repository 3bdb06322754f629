/**
 * Cluster mode (`RTC_REDIS_URL`): several signaling nodes share rooms through Redis, with no
 * sticky sessions. Each node keeps its own copy of the whole roster (server/rooms/roster.ts), so
 * every check stays synchronous and local; Redis holds the shared truth and carries the changes.
 *
 * Keys (prefix `rtc:`):
 * - `rtc:members`  hash peer id → member record (JSON: room, name, role, sub, rk, token expiry,
 *                  waiting, since, state, node): seated and waiting members, of every room
 * - `rtc:rooms`    hash room → room state (JSON: locked, barred subs, deny cooldowns)
 * - `rtc:revoked`  sorted set peer id, scored by the token expiry (unix s) until which it stays out
 * - `rtc:nodes`    set of the node ids that ever started and did not stop cleanly
 * - `rtc:node:<id>` a node's heartbeat (PX 3000, renewed every second)
 * - `rtc:adopt:<id>` who took over a dead node's members (SET NX, so exactly one node does)
 * - `rtc:order:<room>` sorted set of a room's seated peer ids by join order, `rtc:seq:<room>`
 *                  its counter: a join answer names exactly the members who joined before it,
 *                  even when two joins reach two nodes at the same moment
 * - `rtc:rl:<bucket>:<ip>` rate-limit counters (fixed windows, PEXPIRE)
 * - `rtc:claims:<room>` sorted set of seats being taken (peer id, scored by when the claim lapses,
 *                  CLAIM_MS): with `rtc:order:<room>` the seat count a join or an admission on any
 *                  node checks and takes in one script, so a room never seats more than it holds
 * - `rtc:lease:<room>` the node that drives the room's VideoRoom (PX LEASE_MS, renewed every
 *                  second by that node only, released when the room empties; server/cluster/sfu.ts)
 * - `rtc:modes`    hash room → `mesh` | `sfu` | `p2p` (a mesh kept peer to peer for good): the mode every node goes by
 * - `rtc:videorooms` hash room → the VideoRoom its lease holder made (Janus URL, room id, secret),
 *                  for the node that takes the room over to end it
 *
 * Channels: `rtc:roster` (every roster change, from the node that made it: `{ from, op, … }`) and
 * `rtc:to:<node id>` (frames for the members whose socket that node holds, and SFU frames and
 * requests for the rooms whose lease that node holds). A change is written
 * and published in one MULTI, and each node publishes on one connection and subscribes on one, so
 * a node's changes and frames reach every other node in the order it made them.
 *
 * A node that dies: its heartbeat key lapses; the first other node to see it (≤ 4 s) takes its
 * members over — seated ones get their grace period there (RTC_LEAVE_GRACE_MS) while their pages
 * reconnect to any node (nginx passes them on), so rooms, waiting lists and revocations survive
 * it. Redis lost at run time: logged, `rtc_redis_up` 0, changes queue in the client; when it is
 * back the node re-reads the shared state and takes nobody over for a heartbeat's time.
 */
import { randomBytes } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';
import type { CallMode } from 'rtc-call/protocol';
import type { FrameRouter, RoutedFrame } from '../signaling/relay.js';
import type { SfuRouted } from './sfu.js';
import type { MadeVideoRoom } from '../sfu/janus.js';
import type { LeaveReason, Member, MemberRecord, RoomStateRecord, Rooms, RosterSync } from '../rooms/roster.js';

const PREFIX = 'rtc:';
const MEMBERS = `${PREFIX}members`;
const ROOMS = `${PREFIX}rooms`;
const REVOKED = `${PREFIX}revoked`;
const ROSTER = `${PREFIX}roster`;
const NODES = `${PREFIX}nodes`;
const nodeKey = (id: string) => `${PREFIX}node:${id}`;
const inbox = (id: string) => `${PREFIX}to:${id}`;
/** A node whose heartbeat is this old is dead. */
export const NODE_TTL_MS = 3_000;
const HEARTBEAT_MS = 1_000;
/** How long a lookup, barrier or rate-limit count may wait for Redis before the node goes on without it. */
const QUICK_MS = 1_000;
/**
 * A member record saved and published at once; a seated one not yet in its room's join order gets
 * the next place there (a join, an admission, a seat rebuilt from its token), and its seat claim
 * (if it made one) is spent.
 * KEYS: members, seq:<room>, order:<room>, claims:<room>; ARGV: peer id, record, seated 1/0, channel, message.
 */
const SAVE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '1' and not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], 604800)
  redis.call('ZADD', KEYS[3], seq, ARGV[1])
end
if ARGV[3] == '1' then redis.call('ZREM', KEYS[4], ARGV[1]) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1`;
/** Who took a seat in the room before this one (KEYS: order:<room>; ARGV: peer id). */
const BEFORE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return {} end
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. s)`;
/** How long a seat claim holds while its join (or admission) completes. */
export const CLAIM_MS = 30_000;
/**
 * A seat in the room for `peer`, if the room has one: seated (the join order) plus live claims,
 * but `except` (a seat given up for this one), below the capacity. 1: claimed (or already
 * seated / claimed), 0: full.
 * KEYS: order:<room>, claims:<room>; ARGV: peer id, capacity, except (or ''), claim ms.
 */
const CLAIM = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
local n = redis.call('ZCARD', KEYS[1])
if ARGV[3] ~= '' and redis.call('ZSCORE', KEYS[1], ARGV[3]) then n = n - 1 end
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if id ~= ARGV[1] and id ~= ARGV[3] and not redis.call('ZSCORE', KEYS[1], id) then n = n + 1 end
end
if n >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) * 2)
return 1`;
/** A room's lease lasts this long unless its holder renews it (every LEASE_RENEW_MS). */
export const LEASE_MS = 5_000;
export const LEASE_RENEW_MS = 1_000;
/** The lease of KEYS[1] for ARGV[1] (PX ARGV[2]) if nobody holds it, renewed if it does: who holds it now. */
const LEASE_TAKE = `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1] end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;
/**
 * Renewed only by its holder: 1, or 0 when another node holds it now. A lease that lapsed with
 * nobody taking it meanwhile (Redis away for longer than the lease, or restarted empty) is its
 * holder's again, so the room's VideoRoom does not move for nothing.
 */
const LEASE_RENEW = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
/** Released only by its holder. */
const LEASE_DROP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
type Scripted = Redis & {
  rtcSave(members: string, seq: string, order: string, claims: string, peerId: string, json: string, seated: string, channel: string, message: string): Promise<number>;
  rtcBefore(order: string, peerId: string): Promise<string[]>;
  rtcClaim(order: string, claims: string, peerId: string, capacity: string, except: string, ms: string): Promise<number>;
  rtcLeaseTake(key: string, node: string, ms: string): Promise<string>;
  rtcLeaseRenew(key: string, node: string, ms: string): Promise<number>;
  rtcLeaseDrop(key: string, node: string): Promise<number>;
};
const MODES = `${PREFIX}modes`;
const VIDEOROOMS = `${PREFIX}videorooms`;
export const leaseKey = (room: string) => `${PREFIX}lease:${room}`;
const claimsKey = (room: string) => `${PREFIX}claims:${room}`;
/** How long start() waits for Redis. */
const CONNECT_MS = 5_000;

type RosterMessage =
  | { from: string; op: 'saved'; r: MemberRecord }
  | { from: string; op: 'removed'; id: string; room: string; until: number; reason: LeaveReason }
  | { from: string; op: 'room'; room: string; s: RoomStateRecord | null }
  | { from: string; op: 'mode'; room: string; mode: CallMode | null; p2p?: boolean };

export interface RedisClusterOptions {
  url: string;
  log: (line: string) => void;
  /** This node's id (default: random per process, so nodes may share a working directory). */
  node?: string;
}

/** The URL as logs may show it (no password). */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

export class RedisCluster implements RosterSync, FrameRouter {
  readonly node: string;
  // Made in start(): ioredis is loaded only in cluster mode (one node in memory never loads it).
  private pub!: Redis;
  private sub!: Redis;
  private rooms: Rooms | undefined;
  private deliver: ((frame: RoutedFrame | SfuRouted) => void) | undefined;
  /** Another node changed a room's mode (or the shared modes were read at start): undefined = the room ended; `p2p`: kept peer to peer. */
  onMode: ((room: string, mode: CallMode | undefined, p2p: boolean) => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private buffered: RosterMessage[] | null = null;
  private connectedSince = 0;
  private wasUp = false;
  private closed = false;
  private liveNodes = 1;
  private readonly log: (line: string) => void;
  private readonly shownUrl: string;
  private readonly url: string;

  constructor(opts: RedisClusterOptions) {
    this.node = opts.node ?? randomBytes(6).toString('hex');
    this.log = opts.log;
    this.shownUrl = redactRedisUrl(opts.url);
    this.url = opts.url;
  }

  /** Whether this node talks to Redis right now (`rtc_redis_up`). */
  get redisUp(): boolean {
    return this.pub?.status === 'ready' && this.sub?.status === 'ready';
  }

  /**
   * Whether this node has talked to Redis long enough for the others' heartbeats and leases to
   * mean something (just back from an outage, they may have lapsed meanwhile): no takeovers before.
   */
  get settled(): boolean {
    return this.redisUp && this.connectedSince !== 0 && Date.now() - this.connectedSince >= NODE_TTL_MS + HEARTBEAT_MS;
  }

  /** Nodes with a live heartbeat, this one included (`rtc_cluster_nodes`). */
  get nodeCount(): number {
    return this.liveNodes;
  }

  /** Connect, subscribe, load the shared state into `rooms`; rejects with a readable Error when Redis does not answer. */
  async start(rooms: Rooms, deliver: (frame: RoutedFrame | SfuRouted) => void): Promise<void> {
    this.rooms = rooms;
    this.deliver = deliver;
    const { Redis } = await import('ioredis');
    const common: RedisOptions = {
      lazyConnect: true,
      // Never give up on a write: what a node changed while Redis was away is sent when it is back.
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(100 * times, 2_000),
      connectionName: `rtc-call-${this.node}`,
    };
    this.pub = new Redis(this.url, common);
    this.sub = new Redis(this.url, common);
    this.pub.defineCommand('rtcSave', { numberOfKeys: 4, lua: SAVE });
    this.pub.defineCommand('rtcClaim', { numberOfKeys: 2, lua: CLAIM });
    this.pub.defineCommand('rtcLeaseTake', { numberOfKeys: 1, lua: LEASE_TAKE });
    this.pub.defineCommand('rtcLeaseRenew', { numberOfKeys: 1, lua: LEASE_RENEW });
    this.pub.defineCommand('rtcLeaseDrop', { numberOfKeys: 1, lua: LEASE_DROP });
    this.pub.defineCommand('rtcBefore', { numberOfKeys: 1, lua: BEFORE });
    for (const client of [this.pub, this.sub]) client.on('error', () => { /* reported by 'close' / 'ready' below */ });
    this.pub.on('close', () => this.down());
    this.pub.on('ready', () => this.up());
    this.sub.on('ready', () => { if (this.wasUp && !this.closed) void this.resync(); });
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onMessage(channel.toString(), message.toString()));
    if (this.closed) throw new Error('closed before it started');
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out after ${CONNECT_MS / 1000} s`)), CONNECT_MS);
      t.unref();
    });
    try {
      await Promise.race([Promise.all([this.pub.connect(), this.sub.connect()]), timeout]);
      await Promise.race([this.sub.subscribe(ROSTER, inbox(this.node)), timeout]);
      await this.beat();
      await Promise.race([this.load(), timeout]);
    } catch (err) {
      this.pub.disconnect();
      this.sub.disconnect();
      throw new Error(`cluster mode: Redis at ${this.shownUrl} (RTC_REDIS_URL) does not answer: ${(err as Error).message}. Start redis-server or fix RTC_REDIS_URL.`);
    }
    this.wasUp = true;
    this.connectedSince = Date.now();
    this.heartbeat = setInterval(() => void this.tick(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.log(`rtc-call: cluster node ${this.node} on Redis ${this.shownUrl}: ${rooms.peerCount} members in ${rooms.roomCount} rooms`);
  }

  // ── RosterSync: this node's changes ─────────────────────────────────────────────────────────

  saved(r: MemberRecord): void {
    if (!this.pub) return; // not started: nothing to share yet
    const json = JSON.stringify(r);
    const message = `{"from":${JSON.stringify(this.node)},"op":"saved","r":${json}}`;
    (this.pub as Scripted).rtcSave(MEMBERS, `${PREFIX}seq:${r.room}`, `${PREFIX}order:${r.room}`, claimsKey(r.room), r.peerId, json, r.waiting ? '0' : '1', ROSTER, message).catch(() => {});
  }

  removed(peerId: string, room: string, revokedUntil: number, reason: LeaveReason): void {
    if (!this.pub) return;
    const msg: RosterMessage = { from: this.node, op: 'removed', id: peerId, room, until: revokedUntil, reason };
    this.pub.multi().hdel(MEMBERS, peerId).zadd(REVOKED, revokedUntil, peerId).zrem(`${PREFIX}order:${room}`, peerId).publish(ROSTER, JSON.stringify(msg)).exec().catch(() => {});
  }

  roomState(room: string, state: RoomStateRecord | undefined): void {
    if (!this.pub) return;
    const msg: RosterMessage = { from: this.node, op: 'room', room, s: state ?? null };
    const m = this.pub.multi();
    if (state) m.hset(ROOMS, room, JSON.stringify(state));
    else m.hdel(ROOMS, room);
    m.publish(ROSTER, JSON.stringify(msg)).exec().catch(() => {});
  }

  // ── FrameRouter: frames for other nodes' members ────────────────────────────────────────────

  route(node: string, frame: RoutedFrame | SfuRouted): void {
    this.pub?.publish(inbox(node), JSON.stringify(frame)).catch(() => {});
  }

  async lookup(peerId: string): Promise<Member | undefined> {
    const rooms = this.rooms;
    if (!rooms || !this.pub) return undefined;
    try {
      const [json, revoked] = await this.quick(Promise.all([this.pub.hget(MEMBERS, peerId), this.pub.zscore(REVOKED, peerId)]));
      if (revoked !== null) rooms.applyRevoked(peerId, Number(revoked));
      if (!json) return rooms.get(peerId);
      return rooms.applySaved(JSON.parse(json) as MemberRecord) ?? rooms.get(peerId);
    } catch {
      return rooms.get(peerId);
    }
  }

  /**
   * A seat taken in `room` (its record already on its way, on the same connection, which gave it
   * its place in the room's join order): the seated members who took theirs before it, in order, loaded into this node's copy if it had not heard of
   * them yet. Undefined when Redis does not answer soon (the caller goes by its own copy).
   */
  async joinedBefore(room: string, peerId: string): Promise<Member[] | undefined> {
    const rooms = this.rooms;
    if (!rooms || !this.pub) return undefined;
    try {
      const ids = await this.quick((this.pub as Scripted).rtcBefore(`${PREFIX}order:${room}`, peerId));
      const unknown = ids.filter((id) => !rooms.get(id));
      if (unknown.length) {
        const records = await this.quick(this.pub.hmget(MEMBERS, ...unknown));
        for (const json of records) if (json) { const r = parse<MemberRecord>(json); if (r) rooms.applySaved(r); }
      }
      return ids.map((id) => rooms.get(id)).filter((m): m is Member => m !== undefined && m.room === room && !m.waiting);
    } catch {
      return undefined;
    }
  }

  /** Resolves once every change this node made so far is in Redis (or after QUICK_MS without it). */
  async barrier(): Promise<void> {
    if (this.pub) await this.quick(this.pub.ping()).catch(() => {});
  }

  /**
   * One hit on a shared fixed-window counter: how many hits this window had, and the ms left in
   * it. Rejects when Redis does not answer soon (the caller counts on its own then).
   */
  async count(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }> {
    if (!this.pub) throw new Error('not started');
    const k = `${PREFIX}rl:${key}`;
    const r = await this.quick(this.pub.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec());
    if (!r) throw new Error('rate-limit count failed');
    const count = Number(r[0]?.[1]);
    const ttlMs = Number(r[2]?.[1]);
    return { count, ttlMs: ttlMs > 0 ? ttlMs : windowMs };
  }

  /** Takes back one hit of a shared counter (never below zero). */
  uncount(key: string): void {
    if (!this.pub) return;
    this.pub.eval("local n = tonumber(redis.call('GET', KEYS[1]) or '0') if n > 0 then redis.call('DECR', KEYS[1]) end return 1", 1, `${PREFIX}rl:${key}`).catch(() => {});
  }

  // ── seats, leases and modes shared by every node ────────────────────────────────────────────

  /**
   * Takes a seat in `room` for `peerId` if the room has one cluster-wide (seated plus seats being
   * taken on any node, but `except`, below `capacity`): true when taken (or already its), false
   * when full. Its claim is spent once the seat is saved (or lapses after CLAIM_MS). Rejects when
   * Redis does not answer soon.
   */
  async claimSeat(room: string, peerId: string, capacity: number, except?: string): Promise<boolean> {
    if (!this.pub) throw new Error('not started');
    const r = await this.quick((this.pub as Scripted).rtcClaim(`${PREFIX}order:${room}`, claimsKey(room), peerId, String(capacity), except ?? '', String(CLAIM_MS)));
    return r === 1;
  }

  /** A claim whose join did not go through: the seat is free again at once. */
  unclaimSeat(room: string, peerId: string): void {
    this.pub?.zrem(claimsKey(room), peerId).catch(() => {});
  }

  /** Takes `room`'s lease if free (renews it if this node holds it): the node that holds it now. */
  async takeLease(room: string): Promise<string> {
    if (!this.pub) throw new Error('not started');
    return this.quick((this.pub as Scripted).rtcLeaseTake(leaseKey(room), this.node, String(LEASE_MS)));
  }

  /** Renews this node's lease of `room`: false when it holds it no longer. Rejects when Redis does not answer soon. */
  async renewLease(room: string): Promise<boolean> {
    if (!this.pub) throw new Error('not started');
    return (await this.quick((this.pub as Scripted).rtcLeaseRenew(leaseKey(room), this.node, String(LEASE_MS)))) === 1;
  }

  /** Releases this node's lease of `room` (a lease another node holds stays). */
  async dropLease(room: string): Promise<void> {
    if (!this.pub) return;
    await this.quick((this.pub as Scripted).rtcLeaseDrop(leaseKey(room), this.node)).catch(() => {});
  }

  /** Who holds `room`'s lease (null: nobody). Rejects when Redis does not answer soon. */
  async leaseHolder(room: string): Promise<string | null> {
    if (!this.pub) throw new Error('not started');
    return this.quick(this.pub.get(leaseKey(room)));
  }

  /** Whether `node` has a live heartbeat. */
  async nodeAlive(node: string): Promise<boolean> {
    if (node === this.node) return true;
    if (!this.pub) return false;
    return (await this.quick(this.pub.exists(nodeKey(node)))) === 1;
  }

  /** The VideoRoom this node made for `room` (undefined: it ended), for a node that takes the room over to end. */
  setVideoRoom(room: string, made: MadeVideoRoom | undefined): void {
    if (!this.pub) return;
    (made ? this.pub.hset(VIDEOROOMS, room, JSON.stringify(made)) : this.pub.hdel(VIDEOROOMS, room)).catch(() => {});
  }

  /** The VideoRoom recorded for `room`, or undefined. Rejects when Redis does not answer soon. */
  async videoRoom(room: string): Promise<MadeVideoRoom | undefined> {
    if (!this.pub) return undefined;
    const json = await this.quick(this.pub.hget(VIDEOROOMS, room));
    const made = json ? parse<MadeVideoRoom>(json) : undefined;
    return made && typeof made.url === 'string' && typeof made.videoRoom === 'number' && typeof made.secret === 'string' ? made : undefined;
  }

  /** `room`'s mode for every node (undefined: the room ended); `p2p`: kept peer to peer for good (stored as `p2p`, a mesh). */
  setMode(room: string, mode: CallMode | undefined, p2p = false): void {
    if (!this.pub) return;
    const msg: RosterMessage = { from: this.node, op: 'mode', room, mode: mode ?? null, ...(p2p ? { p2p: true } : {}) };
    const m = this.pub.multi();
    if (mode) m.hset(MODES, room, p2p && mode === 'mesh' ? 'p2p' : mode);
    else m.hdel(MODES, room);
    m.publish(ROSTER, JSON.stringify(msg)).exec().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.pub) return;
    // Gone at once: the other nodes take this node's members over on their next look (≤ 1 s),
    // not after a heartbeat's time.
    await this.quick(this.pub.multi().del(nodeKey(this.node)).exec()).catch(() => {});
    this.sub.disconnect();
    await this.quick(this.pub.quit()).catch(() => this.pub.disconnect());
  }

  // ── inside ──────────────────────────────────────────────────────────────────────────────────

  private quick<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('Redis did not answer in time')), QUICK_MS);
      p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e as Error); });
    });
  }

  private async beat(): Promise<void> {
    await this.pub.multi().set(nodeKey(this.node), String(Date.now()), 'PX', NODE_TTL_MS).sadd(NODES, this.node).exec();
  }

  private down(): void {
    if (this.closed || !this.wasUp || this.connectedSince === 0) return;
    this.connectedSince = 0;
    this.log(`rtc-call: cluster: lost Redis at ${this.shownUrl}; calls on this node go on, changes wait until it is back (rtc_redis_up 0)`);
  }

  private up(): void {
    if (this.closed || !this.wasUp || this.connectedSince !== 0) return;
    this.connectedSince = Date.now();
    this.log(`rtc-call: cluster: Redis at ${this.shownUrl} is back`);
    void this.beat().catch(() => {});
  }

  /** Every second: the heartbeat, and whether a node holding members died. */
  private async tick(): Promise<void> {
    if (this.closed || !this.redisUp) return;
    try {
      await this.beat();
      const rooms = this.rooms!;
      const known = await this.pub.smembers(NODES);
      const beats = known.length ? await this.pub.mget(known.map(nodeKey)) : [];
      const live = new Set(known.filter((_, i) => beats[i] !== null));
      live.add(this.node);
      this.liveNodes = live.size;
      const others = [...rooms.otherNodes()];
      // Just back from an outage: the others' heartbeats may have lapsed meanwhile; wait for them.
      if (this.connectedSince === 0 || Date.now() - this.connectedSince < NODE_TTL_MS + HEARTBEAT_MS) return;
      const gone = known.filter((n) => !live.has(n) && !others.includes(n));
      if (gone.length) await this.pub.srem(NODES, ...gone);
      for (const dead of others.filter((n) => !live.has(n))) {
        const won = await this.pub.set(`${PREFIX}adopt:${dead}`, this.node, 'PX', 60_000, 'NX');
        if (won !== 'OK') continue;
        const n = rooms.adopt(dead);
        await this.pub.srem(NODES, dead);
        this.log(`rtc-call: cluster: node ${dead} is gone (no heartbeat for ${NODE_TTL_MS / 1000} s); node ${this.node} took over its ${n} members`);
      }
    } catch {
      // Redis went away mid-tick: the next one tries again.
    }
  }

  /** The whole shared state into this node's copy (at start, and after Redis came back). */
  private async load(): Promise<void> {
    const rooms = this.rooms!;
    this.buffered = [];
    try {
      const [members, states, revoked, modes] = await Promise.all([
        this.pub.hgetall(MEMBERS),
        this.pub.hgetall(ROOMS),
        this.pub.zrangebyscore(REVOKED, Math.floor(Date.now() / 1000), '+inf', 'WITHSCORES'),
        this.pub.hgetall(MODES),
      ]);
      await this.pub.zremrangebyscore(REVOKED, '-inf', Math.floor(Date.now() / 1000));
      for (let i = 0; i + 1 < revoked.length; i += 2) rooms.applyRevoked(revoked[i]!, Number(revoked[i + 1]));
      for (const [room, json] of Object.entries(states)) rooms.applyRoomState(room, parse<RoomStateRecord>(json));
      for (const [room, mode] of Object.entries(modes)) {
        if (mode === 'mesh' || mode === 'sfu') this.onMode?.(room, mode, false);
        else if (mode === 'p2p') this.onMode?.(room, 'mesh', true);
      }
      const present = new Set<string>();
      for (const json of Object.values(members)) {
        const r = parse<MemberRecord>(json);
        if (!r) continue;
        present.add(r.peerId);
        // This node's own members are this node's to say: Redis gets them again if it lost them.
        const here = rooms.get(r.peerId);
        if (here && rooms.isLocal(here)) continue;
        rooms.applySaved(r);
      }
      // Gone from Redis while this node did not hear it: gone here too (revoked if Redis says so).
      for (const m of rooms.remoteMembers()) if (!present.has(m.peerId)) rooms.applyRemoved(m.peerId, undefined);
      for (const m of rooms.localMembers()) {
        if (present.has(m.peerId)) continue;
        if (rooms.isRevoked(m.peerId)) rooms.applyRemoved(m.peerId, undefined);
        else rooms.touch(m); // Redis lost it (restarted empty): this node's members are written again
      }
      if (!Object.keys(members).length && !Object.keys(states).length) for (const room of rooms.roomStates()) rooms.changed(room);
    } finally {
      const buffered = this.buffered ?? [];
      this.buffered = null;
      for (const msg of buffered) this.apply(msg);
    }
  }

  private async resync(): Promise<void> {
    try {
      await this.load();
      const rooms = this.rooms!;
      this.log(`rtc-call: cluster: re-read the shared state: ${rooms.peerCount} members in ${rooms.roomCount} rooms`);
    } catch {
      // Lost again: the next 'ready' tries again.
    }
  }

  private onMessage(channel: string, message: string): void {
    if (this.closed) return;
    if (channel === ROSTER) {
      const msg = parse<RosterMessage>(message);
      if (!msg || msg.from === this.node) return;
      if (this.buffered) this.buffered.push(msg);
      else this.apply(msg);
      return;
    }
    const frame = parse<RoutedFrame>(message);
    if (frame) this.deliver?.(frame);
  }

  private apply(msg: RosterMessage): void {
    const rooms = this.rooms;
    if (!rooms) return;
    switch (msg.op) {
      case 'saved':
        rooms.applySaved(msg.r, msg.from);
        return;
      case 'removed':
        rooms.applyRemoved(msg.id, msg.until, msg.reason);
        return;
      case 'room':
        rooms.applyRoomState(msg.room, msg.s ?? undefined);
        return;
      case 'mode':
        this.onMode?.(msg.room, msg.mode === 'mesh' || msg.mode === 'sfu' ? msg.mode : undefined, msg.p2p === true);
    }
  }
}

function parse<T>(json: string): T | undefined {
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}
