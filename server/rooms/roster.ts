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

  /** The room's state changed (lock, bar, cooldown): store it. */
  changed(): void {
    this.opts.onRoomsChange?.(this.currentRooms);
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
    return m;
  }

  /** Re-add a member known only from its valid peer token (e.g. after a server restart). */
  addFromToken(fields: Omit<Member, 'state' | 'socket' | 'timer' | 'since'>): Member {
    const m = this.insert({ ...fields, since: Date.now(), state: 'pending', socket: null, timer: null });
    if (m.waiting) this.changed();
    return m;
  }

  /** A host let `m` in: it takes a seat. */
  admit(m: Member, tokenExp: number): void {
    m.waiting = false;
    m.since = Date.now();
    m.tokenExp = tokenExp;
    this.changed();
  }

  private insert(m: Member): Member {
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
    if (old && old !== ws) old.terminate();
  }

  /** A member's socket closed: start the grace period (no-op for stale sockets). */
  socketClosed(m: Member, ws: WebSocket): void {
    if (this.closed || m.socket !== ws || this.byId.get(m.peerId) !== m) return;
    m.socket = null;
    m.state = 'grace';
    if (m.timer) clearTimeout(m.timer);
    m.timer = setTimeout(() => this.remove(m.peerId, 'socket-closed'), this.opts.leaveGraceMs);
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
    if (had) this.changed();
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
