import type { WebSocket } from 'ws';
import type { PublicMember, RoomRole } from 'rtc-call/protocol';

export type { PublicMember };

/**
 * `pending`: joined over HTTP, socket not open yet; `connected`: socket open;
 * `grace`: socket closed, waiting `leaveGraceMs` for it to come back.
 */
export type MemberState = 'pending' | 'connected' | 'grace';

/** `left`: said so (a `leave` request); the rest are the server's own findings. */
export type LeaveReason = 'left' | 'socket-closed' | 'never-connected' | 'replaced';

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
  state: MemberState;
  socket: WebSocket | null;
  timer: NodeJS.Timeout | null;
}

export interface RoomsOptions {
  maxParticipants: number;
  leaveGraceMs: number;
  pendingJoinMs: number;
  /** Called after a member left the roster, with the room-mates still in it. */
  onLeave(member: Member, reason: LeaveReason, mates: Member[]): void;
  /** Revocations from before a restart (the data directory), peer id → token expiry. */
  revoked?: Map<string, number>;
  /** Called when the revocations changed (to store them). */
  onRevocationsChange?(current: () => Map<string, number>): void;
}

/** In-memory roster: rooms → members, with the join / socket / grace lifecycle. */
export class Rooms {
  private readonly rooms = new Map<string, Map<string, Member>>();
  private readonly byId = new Map<string, Member>();
  /** Peer ids that left or were replaced: their (still unexpired) tokens no longer reconnect. */
  private readonly revoked: Map<string, number>;
  private closed = false;

  constructor(private readonly opts: RoomsOptions) {
    this.revoked = new Map(opts.revoked);
  }

  private readonly currentRevocations = () => this.revoked;

  get roomCount(): number { return this.rooms.size; }
  get peerCount(): number { return this.byId.size; }

  get(peerId: string): Member | undefined { return this.byId.get(peerId); }

  members(room: string): Member[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
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
   * The member a new join from the same participant replaces. One seat per room-token `sub`: a
   * second join with the same `sub` replaces the first, even while it is connected (so one token
   * can never fill a room). Without tokens, the same rejoin key (the same browser tab).
   */
  findReplaceable(room: string, sub: string | undefined, rk: string | undefined): Member | undefined {
    for (const m of this.members(room)) {
      if (sub !== undefined ? m.sub === sub : rk !== undefined && m.rk === rk && m.sub === undefined) return m;
    }
    return undefined;
  }

  hasRoomFor(room: string, replacing?: Member): boolean {
    const size = this.rooms.get(room)?.size ?? 0;
    return size - (replacing ? 1 : 0) < this.opts.maxParticipants;
  }

  /** Add a member that joined over HTTP and has no socket yet; it expires unless a socket opens. */
  addPending(fields: Omit<Member, 'state' | 'socket' | 'timer'>): Member {
    const m = this.insert({ ...fields, state: 'pending', socket: null, timer: null });
    m.timer = setTimeout(() => this.remove(m.peerId, 'never-connected'), this.opts.pendingJoinMs);
    return m;
  }

  /** Re-add a member known only from its valid peer token (e.g. after a server restart). */
  addFromToken(fields: Omit<Member, 'state' | 'socket' | 'timer'>): Member {
    return this.insert({ ...fields, state: 'pending', socket: null, timer: null });
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
    if (room && room.size === 0) this.rooms.delete(m.room);
    this.revoked.set(peerId, m.tokenExp);
    this.opts.onRevocationsChange?.(this.currentRevocations);
    const sock = m.socket;
    m.socket = null;
    sock?.terminate();
    this.opts.onLeave(m, reason, room ? [...room.values()] : []);
    return m;
  }

  /** Forget expired revocations (called periodically). */
  sweep(): void {
    const now = Date.now();
    const before = this.revoked.size;
    for (const [id, exp] of this.revoked) if (exp * 1000 < now) this.revoked.delete(id);
    if (this.revoked.size !== before) this.opts.onRevocationsChange?.(this.currentRevocations);
  }

  /** Stop every timer; sockets are the caller's to close. */
  close(): void {
    this.closed = true;
    for (const m of this.byId.values()) {
      if (m.timer) clearTimeout(m.timer);
      m.timer = null;
    }
  }
}

export function toPublic(m: Member): PublicMember {
  return { peerId: m.peerId, displayName: m.displayName, role: m.role };
}
