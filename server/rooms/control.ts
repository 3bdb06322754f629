/**
 * Who is in the room, decided here and nowhere else: the waiting room (who knocks), and the host
 * actions — admit, deny, admit all, remove, ask to mute, lock, unlock, end — for a host's room
 * requests and the site's admin API alike. Every action checks the actor's role first
 * (`not-allowed`, whatever the id), then the target (`participant-not-found`).
 */
import type { WebSocket } from 'ws';
import { checkHostMessage, type CallMode, type CredentialsRefresh, type RoomEvent, type RoomRole, type WaitingMember } from 'rtc-call/protocol';
import type { ResolvedConfig } from '../config.js';
import { RtcHttpError } from '../errors.js';
import type { SignalingRelay } from '../signaling/relay.js';
import { signPeerToken } from '../tokens.js';
import { iceServersFor } from '../turn.js';
import { toPublic, toWaiting, type LeaveReason, type Member, type Rooms } from './roster.js';

/** A seated host, or the site's backend through the admin API. */
export type Actor = Member | 'admin';

/** The host actions (room requests of the same names, and admin API routes). */
export type HostAction =
  | { action: 'admit'; peerId: string }
  | { action: 'deny'; peerId: string; message?: string }
  | { action: 'admit-all' }
  | { action: 'remove'; peerId: string }
  | { action: 'mute'; peerId: string }
  | { action: 'lock' }
  | { action: 'unlock' }
  | { action: 'end' };

/** What happened, for webhooks (server/webhooks.ts). */
export type RoomNotice =
  | { event: 'member-joined'; room: string; data: { peerId: string; displayName: string; role: RoomRole; sub?: string } }
  | { event: 'member-left'; room: string; data: { peerId: string; reason: LeaveReason; sub?: string } }
  | { event: 'knock'; room: string; data: { peerId: string; displayName: string; sub?: string } }
  | { event: 'room-ended'; room: string; data: { reason: 'empty' | 'ended-by-host' } };

export interface RoomSnapshot {
  room: string;
  locked: boolean;
  members: Array<{ peerId: string; displayName: string; role: RoomRole; sub?: string; since: number; connected: boolean }>;
  waiting: Array<WaitingMember & { sub?: string; connected: boolean }>;
}

/** What admissions need of the rooms' call modes (server/sfu/modes.ts CallModes). */
export interface SeatModes {
  mode(room: string): CallMode;
  /** Whether the room cannot seat `seats` in its mode now (a mesh beyond 6 with no media server to switch to). */
  meshFull(room: string, seats: number): boolean;
  /** {@link meshFull} as the error it is (503 `sfu-unavailable`). */
  checkMeshLimit(room: string, seats: number): void;
  /** The room's seated members changed: it may switch mode. */
  seatsChanged(room: string): void;
}

export interface RoomControlOptions {
  rooms: Rooms;
  relay: SignalingRelay;
  cfg: ResolvedConfig;
  log: (line: string) => void;
  notify?: (notice: RoomNotice) => void;
  /** Cluster mode (RTC_REDIS_URL): other nodes also tell members things. */
  cluster?: boolean;
  /** Call modes; absent: every room a mesh that never switches. */
  modes?: SeatModes;
  /**
   * Cluster mode: takes a seat in `room` for `peerId` in Redis (every node's seats counted, but
   * `except`'s): false when the room is full there (server/cluster/redis.ts claimSeat).
   */
  claimSeat?(room: string, peerId: string, except: string | undefined): Promise<boolean>;
  /** Cluster mode: a claim whose admission did not go through. */
  unclaimSeat?(room: string, peerId: string): void;
}

/**
 * A peer token for member `m` from the server's settings. One issued while waiting says so (`w`),
 * so its socket knocks again, even on a restarted server; never TURN credentials with it.
 */
export function signMemberToken(m: Pick<Member, 'peerId' | 'room' | 'displayName' | 'role' | 'sub' | 'rk' | 'waiting'>, cfg: ResolvedConfig): { token: string; exp: number } {
  return signPeerToken({ pid: m.peerId, room: m.room, name: m.displayName, role: m.role, sub: m.sub, rk: m.rk, ...(m.waiting ? { w: true as const } : {}) }, cfg.peerSecret, cfg.peerTokenTtl);
}

export class RoomControl {
  /** What each room's waiting ones were last told about a host being there. */
  private readonly hostPresentSent = new Map<string, boolean>();
  private readonly rooms: Rooms;
  private readonly relay: SignalingRelay;

  constructor(private readonly opts: RoomControlOptions) {
    this.rooms = opts.rooms;
    this.relay = opts.relay;
  }

  /**
   * Whether a newcomer knocks: a host never does unless its token says `wait: true`; a guest does
   * in a locked room, else as its token's `wait` claim says, else as RTC_WAITING_ROOM says.
   */
  mustWait(room: string, role: RoomRole, wait: boolean | undefined): boolean {
    if (role === 'host') return wait === true;
    if (this.rooms.peekState(room)?.locked) return true;
    if (wait !== undefined) return wait;
    return this.opts.cfg.waitingRoom === 'guests';
  }

  /** A join or a rebuilt socket's refusal for a removed or recently denied person, or nothing. */
  checkAllowed(room: string, sub: string | undefined, knocking: boolean): void {
    if (sub === undefined) return;
    const state = this.rooms.peekState(room);
    if (!state) return;
    if (state.barred.has(sub)) throw new RtcHttpError('removed-by-host', 'a host removed you from this room; you cannot join it again until the call has ended');
    const until = state.cooldowns.get(sub);
    if (knocking && until !== undefined && until > Date.now()) {
      throw new RtcHttpError('knock-cooldown', `a host turned you away a moment ago; you can knock again in ${Math.ceil((until - Date.now()) / 1000)} s`);
    }
  }

  // ── what members are told ─────────────────────────────────────────────────────────────────

  /** A socket opened: the roster (hosts also get the waiting list), or the wait. */
  onOpen(m: Member, ws: WebSocket, waitingToken: boolean): void {
    if (m.waiting) {
      this.relay.sendEvent(ws, { event: 'waiting', data: { hostPresent: this.rooms.hostPresent(m.room) } });
      return;
    }
    // Admitted while its socket was away (or before a restart): the credentials it never got.
    if (waitingToken) this.relay.sendEvent(ws, { event: 'admitted', data: this.admittedData(m) });
    const locked = this.rooms.peekState(m.room)?.locked ?? false;
    const data: Extract<RoomEvent, { event: 'members' }>['data'] = { members: this.rooms.members(m.room).map(toPublic), locked };
    if (m.role === 'host') data.waiting = this.rooms.waiting(m.room).map(toWaiting);
    this.relay.sendEvent(ws, { event: 'members', data });
    // The room changed mode while this member had no open socket (it joined, or it was away).
    const mode = this.opts.modes?.mode(m.room);
    if (mode !== undefined && m.mode !== undefined && m.mode !== mode && this.relay.sendEvent(ws, { event: 'mode-changed', data: { mode } })) m.mode = mode;
  }

  /** The room's call mode changed: every seated member with an open socket is told now, the others when theirs opens. */
  modeChanged(room: string, mode: CallMode): void {
    for (const m of this.rooms.members(room)) {
      if (this.relay.sendTo(m, { event: 'mode-changed', data: { mode } })) m.mode = mode;
    }
  }

  /** Someone took a seat (a join, an admission, a rebuilt socket): room-mates, hosts' waiting ones, webhooks. */
  seated(m: Member): void {
    this.relay.announceJoined(m);
    this.opts.notify?.({ event: 'member-joined', room: m.room, data: { peerId: m.peerId, displayName: m.displayName, role: m.role, ...(m.sub !== undefined ? { sub: m.sub } : {}) } });
    if (m.role === 'host') this.hostPresenceChanged(m.room, this.opts.cluster);
  }

  /**
   * Someone knocked (a join, or a rebuilt socket): every host is told, not just the first. In
   * cluster mode this node's hosts; the other nodes tell theirs when they learn of the knock.
   */
  knocked(m: Member): void {
    this.relay.toHosts(m.room, { event: 'knock', data: { participant: toWaiting(m) } }, this.opts.cluster);
    this.opts.notify?.({ event: 'knock', room: m.room, data: { peerId: m.peerId, displayName: m.displayName, ...(m.sub !== undefined ? { sub: m.sub } : {}) } });
  }

  /** Cluster mode: another node took a knock: this node's hosts hear of it. */
  knockedElsewhere(m: Member): void {
    this.relay.toHosts(m.room, { event: 'knock', data: { participant: toWaiting(m) } }, true);
  }

  /**
   * A member (seated or waiting) is off the roster. In cluster mode this node's sockets are told;
   * the other nodes tell theirs when the removal reaches them (leftElsewhere).
   */
  left(m: Member, reason: LeaveReason, mates: Member[]): void {
    this.tell(m, reason, mates);
    if (!m.waiting) this.opts.notify?.({ event: 'member-left', room: m.room, data: { peerId: m.peerId, reason, ...(m.sub !== undefined ? { sub: m.sub } : {}) } });
  }

  /** Cluster mode: another node took a member off the roster: this node's sockets in the room hear of it. */
  leftElsewhere(m: Member, reason: LeaveReason): void {
    this.tell(m, reason, this.rooms.members(m.room));
  }

  private tell(m: Member, reason: LeaveReason, mates: Member[]): void {
    const localOnly = this.opts.cluster === true;
    if (m.waiting) {
      this.relay.forget(m);
      const withdrawn = reason === 'denied' ? 'denied' : 'left';
      this.relay.toHosts(m.room, { event: 'knock-withdrawn', data: { peerId: m.peerId, reason: withdrawn } }, localOnly);
      return;
    }
    this.relay.announceLeft(m, reason === 'left' || reason === 'replaced' || reason === 'ended' ? 'left' : reason === 'removed-by-host' ? 'removed-by-host' : 'disconnected', localOnly ? mates.filter((o) => this.rooms.isLocal(o)) : mates);
    if (m.role === 'host') this.hostPresenceChanged(m.room, localOnly);
  }

  /** Another node ended the room: forget what this one remembers of it. */
  forgetRoom(room: string): void {
    this.hostPresentSent.delete(room);
  }

  roomEnded(room: string, reason: 'empty' | 'ended-by-host' = 'empty'): void {
    this.hostPresentSent.delete(room);
    this.opts.notify?.({ event: 'room-ended', room, data: { reason } });
  }

  /**
   * Tell the waiting ones when a host arrives or the last one goes ("The host has not joined yet").
   * `localOnly` (cluster mode, a host seated): this node's waiting ones; each node tells its own.
   */
  private hostPresenceChanged(room: string, localOnly = false): void {
    const present = this.rooms.hostPresent(room);
    // In cluster mode another node may have told them since: no memory of what was sent then.
    if (!this.opts.cluster && this.hostPresentSent.get(room) === present) return;
    this.hostPresentSent.set(room, present);
    for (const w of this.rooms.waiting(room)) {
      if (!localOnly || this.rooms.isLocal(w)) this.relay.sendTo(w, { event: 'waiting', data: { hostPresent: present } });
    }
  }

  /** Cluster mode: another node seated someone (a join, an admission): this node's sockets in the room hear of it. */
  seatedElsewhere(m: Member): void {
    this.relay.announceJoined(m);
    if (m.role === 'host') this.hostPresenceChanged(m.room, true);
  }

  /** The credentials and roster someone waiting was kept from, and the room's call mode now. */
  admittedData(m: Member): CredentialsRefresh & { members: ReturnType<typeof toPublic>[]; mode: CallMode } {
    const cfg = this.opts.cfg;
    const signed = signMemberToken({ ...m, waiting: false }, cfg);
    m.tokenExp = signed.exp;
    m.mode = this.opts.modes?.mode(m.room) ?? 'mesh';
    return {
      peerToken: signed.token,
      peerTokenExpires: signed.exp,
      iceServers: iceServersFor(m.peerId, cfg),
      members: this.rooms.members(m.room).filter((o) => o !== m).map(toPublic),
      mode: m.mode,
    };
  }

  // ── actions ───────────────────────────────────────────────────────────────────────────────

  /**
   * {@link act}, with an admission's seat taken in Redis first in cluster mode (so that two
   * admissions, or an admission and a join, on two nodes never seat more than the room holds);
   * rejects with an RtcHttpError.
   */
  actShared(actor: Actor, room: string, a: HostAction): unknown {
    const claim = this.opts.claimSeat;
    // Everything else (and everything on one node) stays synchronous: its reply follows what it did at once.
    if (!claim || (a.action !== 'admit' && a.action !== 'admit-all')) return this.act(actor, room, a);
    return this.admitShared(actor, room, a, claim);
  }

  private async admitShared(actor: Actor, room: string, a: Extract<HostAction, { action: 'admit' | 'admit-all' }>, claim: NonNullable<RoomControlOptions['claimSeat']>): Promise<unknown> {
    const who = this.hostOnly(actor, room);
    const admitOne = async (target: Member): Promise<void> => {
      const replaced = this.rooms.findReplaceable(room, target.sub, target.rk);
      if (!(await claim(room, target.peerId, replaced?.peerId))) throw new RtcHttpError('room-full', `the room is full (${this.rooms.capacity(room)} participants)`);
      // Waited for Redis: still waiting here? (Another host may have let them in or turned them away meanwhile.)
      try {
        this.admit(this.waitingOne(room, target.peerId));
      } catch (err) {
        this.opts.unclaimSeat?.(room, target.peerId);
        throw err;
      }
    };
    if (a.action === 'admit') {
      await admitOne(this.waitingOne(room, a.peerId));
      this.opts.log(`rtc-call: admit room=${room} peer=${a.peerId} by=${who}`);
      return undefined;
    }
    let admitted = 0;
    for (const target of this.rooms.waiting(room)) {
      try {
        await admitOne(target);
      } catch {
        break;
      }
      admitted++;
    }
    this.opts.log(`rtc-call: admit-all room=${room} admitted=${admitted} by=${who}`);
    return { admitted, waiting: this.rooms.waiting(room).length };
  }

  /** Carry out a host action in `room`; the reply data (or undefined), or throws an RtcHttpError. */
  /** Throws `not-allowed` unless `actor` is the admin API or a seated host of `room`; who it is, for the log. */
  private hostOnly(actor: Actor, room: string): string {
    if (actor !== 'admin' && (actor.role !== 'host' || actor.waiting || actor.room !== room)) {
      throw new RtcHttpError('not-allowed', 'only a host can do this');
    }
    return actor === 'admin' ? 'admin' : actor.peerId;
  }

  act(actor: Actor, room: string, a: HostAction): unknown {
    const who = this.hostOnly(actor, room);
    const by = actor === 'admin' ? undefined : actor.displayName;
    switch (a.action) {
      case 'admit': {
        const target = this.waitingOne(room, a.peerId);
        this.admit(target);
        this.opts.log(`rtc-call: admit room=${room} peer=${target.peerId} by=${who}`);
        return undefined;
      }
      case 'admit-all': {
        let admitted = 0;
        for (const target of this.rooms.waiting(room)) {
          const replaced = this.rooms.findReplaceable(room, target.sub, target.rk);
          if (!this.rooms.hasRoomFor(room, replaced) || this.opts.modes?.meshFull(room, this.seatsWith(room, replaced))) break;
          this.admit(target);
          admitted++;
        }
        this.opts.log(`rtc-call: admit-all room=${room} admitted=${admitted} by=${who}`);
        return { admitted, waiting: this.rooms.waiting(room).length };
      }
      case 'deny': {
        const target = this.waitingOne(room, a.peerId);
        const checked = checkHostMessage(a.message);
        if (!checked.ok) throw new RtcHttpError('bad-request', checked.message);
        if (target.sub !== undefined && this.opts.cfg.denyCooldownS > 0) {
          this.rooms.state(room).cooldowns.set(target.sub, Date.now() + this.opts.cfg.denyCooldownS * 1000);
          this.rooms.changed(room);
        }
        this.relay.dismiss(target, { event: 'denied', data: checked.message ? { message: checked.message } : {} });
        this.rooms.remove(target.peerId, 'denied');
        this.opts.log(`rtc-call: deny room=${room} peer=${target.peerId} by=${who}`);
        return undefined;
      }
      case 'remove': {
        const target = this.seatedOne(room, a.peerId);
        if (target === actor) throw new RtcHttpError('not-allowed', 'a host cannot remove themselves: leave instead');
        if (target.sub !== undefined) {
          this.rooms.state(room).barred.add(target.sub);
          this.rooms.changed(room);
        }
        this.relay.dismiss(target, { event: 'removed', data: { reason: 'removed-by-host' } });
        this.rooms.remove(target.peerId, 'removed-by-host');
        this.opts.log(`rtc-call: remove room=${room} peer=${target.peerId} by=${who}`);
        return undefined;
      }
      case 'mute': {
        const target = this.seatedOne(room, a.peerId);
        this.relay.sendTo(target, { event: 'mute-requested', data: by !== undefined ? { by } : {} });
        return undefined;
      }
      case 'lock':
      case 'unlock': {
        const locked = a.action === 'lock';
        if (!this.rooms.members(room).length && !this.rooms.waiting(room).length) throw new RtcHttpError('participant-not-found', 'nobody is in this room');
        const state = this.rooms.state(room);
        if (state.locked !== locked) {
          state.locked = locked;
          this.rooms.changed(room);
          this.relay.broadcast(room, { event: 'locked', data: by !== undefined ? { locked, by } : { locked } });
          this.opts.log(`rtc-call: ${a.action} room=${room} by=${who}`);
        }
        return { locked };
      }
      case 'end': {
        const everyone = [...this.rooms.members(room), ...this.rooms.waiting(room)];
        if (!everyone.length) throw new RtcHttpError('participant-not-found', 'nobody is in this room');
        const event: RoomEvent = { event: 'ended', data: by !== undefined ? { by } : {} };
        this.opts.log(`rtc-call: end room=${room} members=${everyone.length} by=${who}`);
        // The host who ended it hears back first (its reply goes out before its socket closes).
        const self = actor === 'admin' ? undefined : actor;
        const finish = () => {
          this.endingRooms.add(room);
          try {
            for (const m of everyone) this.relay.dismiss(m, event);
            for (const m of everyone) if (this.rooms.get(m.peerId) === m) this.rooms.remove(m.peerId, 'ended');
          } finally {
            this.endingRooms.delete(room);
          }
        };
        if (self) setImmediate(finish);
        else finish();
        return undefined;
      }
    }
  }

  /** Rooms being ended by a host right now (their room-ended notice says so). */
  readonly endingRooms = new Set<string>();

  /** What the admin API lists. */
  snapshot(room: string): RoomSnapshot {
    return {
      room,
      locked: this.rooms.peekState(room)?.locked ?? false,
      members: this.rooms.members(room).map((m) => ({
        peerId: m.peerId, displayName: m.displayName, role: m.role, ...(m.sub !== undefined ? { sub: m.sub } : {}), since: m.since, connected: m.state === 'connected',
      })),
      waiting: this.rooms.waiting(room).map((m) => ({ ...toWaiting(m), ...(m.sub !== undefined ? { sub: m.sub } : {}), connected: m.state === 'connected' })),
    };
  }

  private admit(target: Member): void {
    const room = target.room;
    // One seat per person, applied on admission: the same `sub` seated elsewhere gives way now.
    const replaced = this.rooms.findReplaceable(room, target.sub, target.rk);
    if (!this.rooms.hasRoomFor(room, replaced)) throw new RtcHttpError('room-full', `the room is full (${this.rooms.capacity(room)} participants)`);
    this.opts.modes?.checkMeshLimit(room, this.seatsWith(room, replaced));
    if (replaced) {
      this.relay.dismiss(replaced, { event: 'removed', data: { reason: 'replaced' } });
      this.rooms.remove(replaced.peerId, 'replaced');
    }
    this.relay.forgetIssued(target.peerId);
    const data = this.admittedData(target);
    this.rooms.admit(target, data.peerTokenExpires);
    this.relay.toHosts(room, { event: 'knock-withdrawn', data: { peerId: target.peerId, reason: 'admitted' } });
    // Room-mates first (so its calls are expected), then the admitted one gets what it waited for
    // (with the mode now); a room this seat takes above RTC_MESH_MAX then goes through the SFU,
    // and everyone, the admitted one too, gets mode-changed.
    this.seated(target);
    this.relay.sendTo(target, { event: 'admitted', data });
    this.opts.modes?.seatsChanged(room);
  }

  /** Seated members of `room` once one more takes a seat (and `replaced`, seated, gives its own up). */
  private seatsWith(room: string, replaced: Member | undefined): number {
    return this.rooms.members(room).filter((o) => o !== replaced).length + 1;
  }

  private waitingOne(room: string, peerId: string): Member {
    const m = this.rooms.get(peerId);
    if (!m || m.room !== room || !m.waiting) throw new RtcHttpError('participant-not-found', 'nobody with this id is waiting in this room');
    return m;
  }

  private seatedOne(room: string, peerId: string): Member {
    const m = this.rooms.get(peerId);
    if (!m || m.room !== room || m.waiting) throw new RtcHttpError('participant-not-found', 'nobody with this id is in this room');
    return m;
  }
}
