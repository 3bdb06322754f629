import type { WebSocket } from 'ws';
import type { CallMode, PublicMember, RoomRole, WaitingMember } from 'rtc-call/protocol';

export type { PublicMember, WaitingMember };

/**
 * `pending`: joined over HTTP, socket not open yet; `connected`: socket open;
 * `grace`: socket closed, waiting `leaveGraceMs` for it to come back.
 */
export type MemberState = 'pending' | 'connected' | 'grace';

/**
 * `left`: said so (a `leave` request); `removed-by-host`, `denied`, `ended`: a host's (or the
 * admin API's) doing; the rest are the server's own findings.
 */
export type LeaveReason = 'left' | 'socket-closed' | 'never-connected' | 'replaced' | 'removed-by-host' | 'denied' | 'ended';

export interface Member {
  readonly peerId: string;
  readonly room: string;
  /** Mutable without room tokens (an `update` request); with them the token's name is final. */
  displayName: string;
  readonly role: RoomRole;
  readonly sub?: string;
  /** Hash of the client's rejoin key. */
  readonly rk?: string;
  /** Peer token expiry (unix seconds); moves on with each `refresh`. */
  tokenExp: number;
  /**
   * Knocking: not in `members()`, counted in no seat, sends and receives no signaling, sees no one.
   * Only the server makes it false (a host's or the admin API's admit).
   */
  waiting: boolean;
  /** When it knocked or took its seat (unix ms): the waiting list's order. */
  since: number;
  state: MemberState;
  socket: WebSocket | null;
  timer: NodeJS.Timeout | null;
  /**
   * Cluster mode: the node that holds its socket (or, while it has none, runs its pending and
   * grace timers). Unset on a single node.
   */
  node?: string;
  /**
   * The call mode this member was last told (its join answer, `admitted`, `mode-changed`); a
   * socket that opens after the room changed mode hears of it then. Unset: never told (a seat
   * rebuilt from a peer token).
   */
  mode?: CallMode;
}

/** What a room remembers besides its members, for as long as it exists (and across restarts). */
export interface RoomState {
  /** While locked, newcomers knock even without a waiting room. */
  locked: boolean;
  /** Token `sub`s a host removed: refused (`removed-by-host`) until the room ends. */
  readonly barred: Set<string>;
  /** Token `sub`s a host denied → unix ms until which they may not knock again. */
  readonly cooldowns: Map<string, number>;
}

export interface RoomsOptions {
  maxParticipants: number;
  /** Seats in one room, when rooms differ (a mesh holds fewer than an SFU room); default maxParticipants. */
  capacity?(room: string): number;
  /** Most people waiting in one room at once. */
  maxWaiting: number;
  leaveGraceMs: number;
  pendingJoinMs: number;
  /** Called after a member (seated or waiting) left the roster, with the seated room-mates still in it. */
  onLeave(member: Member, reason: LeaveReason, mates: Member[]): void;
  /** Called when a room's last member (seated or waiting) is gone: its state is forgotten. */
  onRoomEnded?(room: string): void;
  /** Revocations from before a restart (the data directory), peer id → token expiry. */
  revoked?: Map<string, number>;
  /** Cluster mode: where changes go, and this node's id. */
  sync?: RosterSync;
  /** Cluster mode: another node took over a member whose socket or timers were here (its queued frames follow it). */
  onMovedAway?(member: Member): void;
  /** Cluster mode: another node added a member (its pre-warmed socket may be parked here). */
  onRemoteAdded?(member: Member): void;
  /** Cluster mode: another node seated a member (joined, admitted): this node's sockets in the room hear of it. */
  onRemoteSeated?(member: Member): void;
  /** Cluster mode: another node took someone knocking: this node's hosts hear of it. */
  onRemoteKnock?(member: Member): void;
  /** Cluster mode: another node took a member off the roster: this node's sockets in the room hear of it. */
  onRemoteLeave?(member: Member, reason: LeaveReason): void;
  /** Cluster mode: another node took the last member of a room off the roster. */
  onRemoteRoomEnded?(room: string): void;
  /** Called when the revocations changed (to store them). */
  onRevocationsChange?(current: () => Map<string, number>): void;
  /** Waiting lists and room states from before a restart (the data directory's rooms.json). */
  stored?: unknown;
  /** Called when waiting lists or room states changed (to store them). */
  onRoomsChange?(current: () => StoredRooms): void;
}

/** rooms.json: per room, its state and who was waiting. Seated members come back from their peer tokens. */
export interface StoredRooms {
  rooms: Record<string, {
    locked: boolean;
    barred: string[];
    cooldowns: Record<string, number>;
    waiting: Array<Pick<Member, 'peerId' | 'displayName' | 'role' | 'sub' | 'rk' | 'tokenExp' | 'since'>>;
  }>;
}

/** What the roster keeps of a member in shared state (cluster mode): everything but the socket and timers. */
export type MemberRecord = Pick<Member, 'peerId' | 'room' | 'displayName' | 'role' | 'sub' | 'rk' | 'tokenExp' | 'waiting' | 'since' | 'state'> & { node: string };

/** A room's state as shared state holds it (cluster mode). */
export interface RoomStateRecord { locked: boolean; barred: string[]; cooldowns: Record<string, number> }

/**
 * Where the roster's changes go besides this process. Absent: one node, in memory (the default).
 * The Redis one (server/cluster/redis.ts) stores them and tells the other nodes, which apply them
 * to their own copy of the roster with the `apply…` methods below.
 */
export interface RosterSync {
  /** This node's id (a member's `node`). */
  readonly node: string;
  /** A member was added or changed (fields, state, owning node). */
  saved(record: MemberRecord): void;
  /** A member left the roster; its peer id stays revoked until `revokedUntil` (unix s). */
  removed(peerId: string, room: string, revokedUntil: number, reason: LeaveReason): void;
  /** A room's state changed (undefined: the room ended). */
  roomState(room: string, state: RoomStateRecord | undefined): void;
}

export function toRecord(m: Member, node: string): MemberRecord {
  return {
    peerId: m.peerId, room: m.room, displayName: m.displayName, role: m.role, ...(m.sub !== undefined ? { sub: m.sub } : {}),
    ...(m.rk !== undefined ? { rk: m.rk } : {}), tokenExp: m.tokenExp, waiting: m.waiting, since: m.since, state: m.state, node: m.node ?? node,
  };
}

function toStateRecord(state: RoomState): RoomStateRecord {
  return { locked: state.locked, barred: [...state.barred], cooldowns: Object.fromEntries(state.cooldowns) };
}

/** In-memory roster: rooms → members (seated and waiting), with the join / socket / grace lifecycle. */
export class Rooms {
  private readonly rooms = new Map<string, Map<string, Member>>();
  private readonly states = new Map<string, RoomState>();
  private readonly byId = new Map<string, Member>();
  /** Peer ids that left or were replaced: their (still unexpired) tokens no longer reconnect. */
  private readonly revoked: Map<string, number>;
  private readonly restoreTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: RoomsOptions) {
    this.revoked = new Map(opts.revoked);
    if (opts.stored !== undefined) {
      this.restore(opts.stored);
      // Rooms restored with nobody coming back within the pending time have ended.
      this.restoreTimer = setTimeout(() => {
        for (const room of [...this.states.keys()]) if (!this.rooms.has(room)) this.endRoom(room);
      }, opts.pendingJoinMs);
      this.restoreTimer.unref();
    }
  }

  private readonly currentRevocations = () => this.revoked;
  private readonly currentRooms = (): StoredRooms => this.snapshot();

  get roomCount(): number { return this.rooms.size; }
  /** Seated and waiting. */
  get peerCount(): number { return this.byId.size; }

  /** People waiting, in every room. */
  get waitingCount(): number {
    let n = 0;
    for (const m of this.byId.values()) if (m.waiting) n++;
    return n;
  }

  get(peerId: string): Member | undefined { return this.byId.get(peerId); }

  /** Rooms with someone in them (seated or waiting), in the order they began. */
  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** The seated members of a room. */
  members(room: string): Member[] {
    return [...(this.rooms.get(room)?.values() ?? [])].filter((m) => !m.waiting);
  }

  /** Who waits in a room, longest waiting first. */
  waiting(room: string): Member[] {
    return [...(this.rooms.get(room)?.values() ?? [])].filter((m) => m.waiting).sort((a, b) => a.since - b.since);
  }

  /** Whether a seated host is in the room (with a socket or in its grace period). */
  hostPresent(room: string): boolean {
    return this.members(room).some((m) => m.role === 'host');
  }

  /** The room's state (created on first use; forgotten when the room ends). */
  state(room: string): RoomState {
    let state = this.states.get(room);
    if (!state) this.states.set(room, (state = { locked: false, barred: new Set(), cooldowns: new Map() }));
    return state;
  }

  /** The room's state if it has one, without creating it. */
  peekState(room: string): RoomState | undefined {
    return this.states.get(room);
  }

  /** The room's state changed (lock, bar, cooldown): store it (and, in cluster mode, share `room`'s). */
  changed(room?: string): void {
    this.opts.onRoomsChange?.(this.currentRooms);
    if (room !== undefined) {
      const state = this.states.get(room);
      this.opts.sync?.roomState(room, state ? toStateRecord(state) : undefined);
    }
  }

  /** Cluster mode: whether this node holds the member's socket or timers (always, on one node). */
  isLocal(m: Member): boolean {
    const sync = this.opts.sync;
    return !sync || m.node === undefined || m.node === sync.node;
  }

  /** A member's fields changed (name, token expiry): share it (cluster mode). */
  touch(m: Member): void {
    this.save(m);
  }

  private save(m: Member): void {
    const sync = this.opts.sync;
    if (sync && !this.closed) sync.saved(toRecord(m, sync.node));
  }

  isRevoked(peerId: string): boolean {
    const exp = this.revoked.get(peerId);
    if (exp === undefined) return false;
    if (exp * 1000 < Date.now()) {
      this.revoked.delete(peerId);
      return false;
    }
    return true;
  }

  /**
   * The member a new join from the same participant replaces, among the seated (`waiting` false)
   * or the waiting. One seat per room-token `sub`: a second join with the same `sub` replaces the
   * first, even while it is connected (so one token can never fill a room). Without tokens, the
   * same rejoin key (the same browser tab).
   */
  findReplaceable(room: string, sub: string | undefined, rk: string | undefined, waiting = false): Member | undefined {
    for (const m of this.rooms.get(room)?.values() ?? []) {
      if (m.waiting !== waiting) continue;
      if (sub !== undefined ? m.sub === sub : rk !== undefined && m.rk === rk && m.sub === undefined) return m;
    }
    return undefined;
  }

  /** Seats in `room`. */
  capacity(room: string): number {
    return this.opts.capacity?.(room) ?? this.opts.maxParticipants;
  }

  hasRoomFor(room: string, replacing?: Member): boolean {
    const size = this.members(room).length;
    return size - (replacing && !replacing.waiting ? 1 : 0) < this.capacity(room);
  }

  hasWaitingRoomFor(room: string, replacing?: Member): boolean {
    return this.waiting(room).length - (replacing?.waiting ? 1 : 0) < this.opts.maxWaiting;
  }

  /** Add a member that joined over HTTP and has no socket yet; it expires unless a socket opens. */
  addPending(fields: Omit<Member, 'state' | 'socket' | 'timer' | 'since'>): Member {
    const m = this.insert({ ...fields, since: Date.now(), state: 'pending', socket: null, timer: null });
    m.timer = setTimeout(() => this.remove(m.peerId, 'never-connected'), this.opts.pendingJoinMs);
    if (m.waiting) this.changed();
    this.save(m);
    return m;
  }

  /** Re-add a member known only from its valid peer token (e.g. after a server restart). */
  addFromToken(fields: Omit<Member, 'state' | 'socket' | 'timer' | 'since'>): Member {
    const m = this.insert({ ...fields, since: Date.now(), state: 'pending', socket: null, timer: null });
    if (m.waiting) this.changed();
    this.save(m);
    return m;
  }

  /** A host let `m` in: it takes a seat. */
  admit(m: Member, tokenExp: number): void {
    m.waiting = false;
    m.since = Date.now();
    m.tokenExp = tokenExp;
    this.changed();
    this.save(m);
  }

  private insert(m: Member): Member {
    if (this.opts.sync) m.node ??= this.opts.sync.node;
    let room = this.rooms.get(m.room);
    if (!room) this.rooms.set(m.room, (room = new Map()));
    room.set(m.peerId, m);
    this.byId.set(m.peerId, m);
    return m;
  }

  /** A socket for this member opened: cancel grace / pending expiry, close a previous socket. */
  attachSocket(m: Member, ws: WebSocket): void {
    const old = m.socket;
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    m.socket = ws;
    m.state = 'connected';
    if (this.opts.sync) m.node = this.opts.sync.node;
    if (old && old !== ws) old.terminate();
    this.save(m);
  }

  /** A member's socket closed: start the grace period (no-op for stale sockets). */
  socketClosed(m: Member, ws: WebSocket): void {
    if (this.closed || m.socket !== ws || this.byId.get(m.peerId) !== m) return;
    m.socket = null;
    m.state = 'grace';
    if (m.timer) clearTimeout(m.timer);
    m.timer = setTimeout(() => this.remove(m.peerId, 'socket-closed'), this.opts.leaveGraceMs);
    this.save(m);
  }

  /** Take a member off the roster, close its socket, revoke its token and tell the hook. */
  remove(peerId: string, reason: LeaveReason): Member | undefined {
    const m = this.byId.get(peerId);
    if (!m) return undefined;
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    this.byId.delete(peerId);
    const room = this.rooms.get(m.room);
    room?.delete(peerId);
    this.revoked.set(peerId, m.tokenExp);
    this.opts.onRevocationsChange?.(this.currentRevocations);
    if (!this.closed) this.opts.sync?.removed(peerId, m.room, m.tokenExp, reason);
    if (m.waiting) this.changed();
    const sock = m.socket;
    m.socket = null;
    sock?.terminate();
    this.opts.onLeave(m, reason, this.members(m.room));
    if (room && room.size === 0 && this.rooms.get(m.room) === room) {
      this.rooms.delete(m.room);
      this.endRoom(m.room);
    }
    return m;
  }

  private endRoom(room: string): void {
    if (this.closed) return;
    const had = this.states.delete(room);
    if (had) this.changed(room);
    this.opts.onRoomEnded?.(room);
  }

  /** Forget expired revocations and cooldowns (called periodically). */
  sweep(): void {
    const now = Date.now();
    const before = this.revoked.size;
    for (const [id, exp] of this.revoked) if (exp * 1000 < now) this.revoked.delete(id);
    if (this.revoked.size !== before) this.opts.onRevocationsChange?.(this.currentRevocations);
    let changed = false;
    for (const state of this.states.values()) {
      for (const [sub, until] of state.cooldowns) if (until < now) changed = state.cooldowns.delete(sub) || changed;
    }
    if (changed) this.changed();
  }

  // ── cluster mode: what other nodes did (server/cluster/redis.ts) ──────────────────────────────

  /**
   * Another node (`from`; unset: read from Redis) added or changed a member: this copy follows,
   * changing the same object (a socket here holds it). A member whose socket or timers were here and that another node took over
   * (its socket opened there, or it adopted a dead node's members) has its socket here cut.
   */
  applySaved(r: MemberRecord, from?: string): Member | undefined {
    if (this.closed || this.isRevoked(r.peerId)) return undefined;
    const m = this.byId.get(r.peerId);
    if (!m) {
      if (r.room === undefined || typeof r.peerId !== 'string') return undefined;
      const added = this.insert({
        peerId: r.peerId, room: r.room, displayName: r.displayName, role: r.role, ...(r.sub !== undefined ? { sub: r.sub } : {}),
        ...(r.rk !== undefined ? { rk: r.rk } : {}), tokenExp: r.tokenExp, waiting: r.waiting, since: r.since, state: r.state,
        node: r.node, socket: null, timer: null,
      });
      if (added.waiting) this.opts.onRemoteKnock?.(added);
      else this.opts.onRemoteSeated?.(added);
      this.opts.onRemoteAdded?.(added);
      return added;
    }
    const wasHere = this.isLocal(m);
    const wasWaiting = m.waiting;
    m.displayName = r.displayName;
    m.tokenExp = r.tokenExp;
    m.waiting = r.waiting;
    m.since = r.since;
    // Where its socket is, and its state, only the node that holds it says (or one that takes it
    // over: then it writes itself as the node). Another node's change (an admission, a new name)
    // carries that node's view of them, which may be a moment old: kept as this copy has them,
    // and the node that holds the member writes its own view again, for everyone.
    if (from === undefined || from === r.node) {
      m.state = r.state;
      m.node = r.node;
    } else if (wasHere && r.node !== this.opts.sync?.node) {
      this.save(m);
    }
    if (wasHere && !this.isLocal(m)) {
      if (m.timer) clearTimeout(m.timer);
      m.timer = null;
      const ws = m.socket;
      m.socket = null;
      ws?.terminate();
      this.opts.onMovedAway?.(m);
    }
    if (wasWaiting && !m.waiting) this.opts.onRemoteSeated?.(m);
    return m;
  }

  /**
   * Another node took a member off the roster (its room-mates heard it from that node); without
   * `revokedUntil`, one that shared state no longer has (a resync), its id not revoked.
   */
  applyRemoved(peerId: string, revokedUntil: number | undefined, reason?: LeaveReason): void {
    if (this.closed) return;
    if (revokedUntil !== undefined) this.revoked.set(peerId, Math.max(revokedUntil, this.revoked.get(peerId) ?? 0));
    const m = this.byId.get(peerId);
    if (!m) return;
    if (m.timer) clearTimeout(m.timer);
    m.timer = null;
    this.byId.delete(peerId);
    const room = this.rooms.get(m.room);
    room?.delete(peerId);
    const sock = m.socket;
    m.socket = null;
    sock?.terminate();
    if (reason !== undefined) this.opts.onRemoteLeave?.(m, reason);
    if (room && room.size === 0 && this.rooms.get(m.room) === room) {
      this.rooms.delete(m.room);
      this.opts.onRemoteRoomEnded?.(m.room);
    }
  }

  /** Another node changed a room's state (undefined: it ended). */
  applyRoomState(room: string, s: RoomStateRecord | undefined): void {
    if (this.closed) return;
    if (!s) {
      this.states.delete(room);
      return;
    }
    const state = this.state(room);
    state.locked = s.locked === true;
    state.barred.clear();
    for (const sub of s.barred ?? []) state.barred.add(sub);
    state.cooldowns.clear();
    for (const [sub, until] of Object.entries(s.cooldowns ?? {})) state.cooldowns.set(sub, until);
  }

  /** Rooms with a state (locked, barred, cooldowns), with it: for a resync into a Redis that lost its data. */
  roomStates(): string[] {
    return [...this.states.keys()];
  }

  /** Every member another node holds (for a resync after Redis came back). */
  remoteMembers(): Member[] {
    return [...this.byId.values()].filter((m) => !this.isLocal(m));
  }

  /** Members this node holds (for a resync after Redis came back). */
  localMembers(): Member[] {
    return [...this.byId.values()].filter((m) => this.isLocal(m));
  }

  /** The nodes other members are held by. */
  otherNodes(): Set<string> {
    const nodes = new Set<string>();
    for (const m of this.byId.values()) if (m.node !== undefined && !this.isLocal(m)) nodes.add(m.node);
    return nodes;
  }

  /**
   * Nodes that died: this node takes their members over. A seated one's socket was cut with its
   * node, so it gets its grace period here (its page reconnects to any node meanwhile); one that
   * never opened a socket keeps its pending time. Returns how many it took.
   */
  adopt(dead: string): number {
    const sync = this.opts.sync;
    if (!sync || this.closed) return 0;
    let n = 0;
    for (const m of [...this.byId.values()]) {
      if (m.node !== dead) continue;
      m.node = sync.node;
      if (m.timer) clearTimeout(m.timer);
      if (m.state === 'pending') m.timer = setTimeout(() => this.remove(m.peerId, 'never-connected'), this.opts.pendingJoinMs);
      else {
        m.state = 'grace';
        m.timer = setTimeout(() => this.remove(m.peerId, 'socket-closed'), this.opts.leaveGraceMs);
      }
      this.save(m);
      n++;
    }
    return n;
  }

  /** A revocation another node made (or one loaded from shared state). */
  applyRevoked(peerId: string, until: number): void {
    this.revoked.set(peerId, Math.max(until, this.revoked.get(peerId) ?? 0));
  }

  /** Stop every timer; sockets are the caller's to close. */
  close(): void {
    this.closed = true;
    if (this.restoreTimer) clearTimeout(this.restoreTimer);
    for (const m of this.byId.values()) {
      if (m.timer) clearTimeout(m.timer);
      m.timer = null;
    }
  }

  private snapshot(): StoredRooms {
    const rooms: StoredRooms['rooms'] = {};
    const names = new Set([...this.states.keys(), ...[...this.rooms.keys()].filter((r) => this.waiting(r).length)]);
    for (const room of names) {
      const state = this.states.get(room);
      rooms[room] = {
        locked: state?.locked ?? false,
        barred: [...(state?.barred ?? [])],
        cooldowns: Object.fromEntries(state?.cooldowns ?? []),
        waiting: this.waiting(room).map(({ peerId, displayName, role, sub, rk, tokenExp, since }) => ({ peerId, displayName, role, sub, rk, tokenExp, since })),
      };
    }
    return { rooms };
  }

  /** Load rooms.json: room states, and the waiting ones (in their grace period until their socket is back). */
  private restore(stored: unknown): void {
    const rooms = (stored as Partial<StoredRooms> | null)?.rooms;
    if (typeof rooms !== 'object' || rooms === null) return;
    const now = Date.now();
    for (const [room, entry] of Object.entries(rooms)) {
      if (typeof entry !== 'object' || entry === null) continue;
      const state = this.state(room);
      state.locked = entry.locked === true;
      for (const sub of Array.isArray(entry.barred) ? entry.barred : []) if (typeof sub === 'string') state.barred.add(sub);
      for (const [sub, until] of Object.entries(entry.cooldowns ?? {})) if (typeof until === 'number' && until > now) state.cooldowns.set(sub, until);
      for (const w of Array.isArray(entry.waiting) ? entry.waiting : []) {
        if (typeof w?.peerId !== 'string' || typeof w.displayName !== 'string' || typeof w.tokenExp !== 'number' || w.tokenExp * 1000 < now) continue;
        if (this.byId.has(w.peerId) || this.isRevoked(w.peerId)) continue;
        const m = this.insert({
          peerId: w.peerId, room, displayName: w.displayName, role: w.role === 'host' ? 'host' : 'guest',
          ...(typeof w.sub === 'string' ? { sub: w.sub } : {}), ...(typeof w.rk === 'string' ? { rk: w.rk } : {}),
          tokenExp: w.tokenExp, waiting: true, since: typeof w.since === 'number' ? w.since : now,
          state: 'grace', socket: null, timer: null,
        });
        m.timer = setTimeout(() => this.remove(m.peerId, 'socket-closed'), this.opts.pendingJoinMs);
      }
    }
  }
}

export function toPublic(m: Member): PublicMember {
  return { peerId: m.peerId, displayName: m.displayName, role: m.role };
}

export function toWaiting(m: Member): WaitingMember {
  return { peerId: m.peerId, displayName: m.displayName, since: m.since };
}
