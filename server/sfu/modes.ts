/**
 * Which rooms send media peer to peer (`mesh`) and which through Janus (`sfu`), how many each
 * holds, and when a room switches between the two (issue 22).
 *
 * - Without Janus every room is a mesh of RTC_MAX_PARTICIPANTS.
 * - RTC_MESH_MAX 0: every room opens on the SFU and stays there.
 * - A room kept peer to peer — by RTC_P2P_ONLY, or a room token's `p2p-only` claim it was opened
 *   or joined with (sticky while the room lasts) — never goes through the SFU and holds at most
 *   the mesh size (RTC_MESH_MAX, or 6 when that is 0).
 * - Otherwise a room is **switchable**: it opens as a mesh and holds RTC_MAX_PARTICIPANTS.
 *   - Up: once more than RTC_MESH_MAX are seated it gets its VideoRoom and goes `sfu`. A join
 *     waits for that before it is answered (the newcomer's answer says `sfu`; room-mates get
 *     `mode-changed` before its `member-joined`); an admission triggers it right after. Janus not
 *     answering: the room stays a mesh while it fits one (MESH_LIMIT, 6; a join beyond is 503
 *     `sfu-unavailable`) and tries again every SWITCH_RETRY_MS while it is above RTC_MESH_MAX.
 *   - Down: at two or fewer seated (SWITCH_DOWN_AT) for SWITCH_DOWN_AFTER_MS it goes `mesh`
 *     again; its VideoRoom is kept SFU_GRACE_MS longer (make before break: the browsers' SFU
 *     media flows until their peer-to-peer links are up) and reused if the room grows again
 *     meanwhile, then ended.
 *   - Its media server lost with no other to go to: a room that fits a mesh goes `mesh`.
 *
 * Everything a room's members are told about it (mode-changed, sfu-unavailable, sfu-moved) goes
 * through the hooks; the caller (server/index.ts) wires them to the roster, the driver and the relay.
 */
import type { CallMode, RoomEvent } from 'rtc-call/protocol';
import { MESH_LIMIT, type ResolvedConfig } from '../config.js';
import { RtcHttpError } from '../errors.js';
import { q } from '../log.js';

/** A switchable room on the SFU with at most this many seated (and at most RTC_MESH_MAX)… */
export const SWITCH_DOWN_AT = 2;
/** …for this long goes back to the mesh. */
export const SWITCH_DOWN_AFTER_MS = 10_000;
/** A room back on the mesh keeps its VideoRoom this long (the browsers move their media over meanwhile). */
export const SFU_GRACE_MS = 20_000;
/** A switchable mesh room above RTC_MESH_MAX whose switch failed (no Janus answered) tries again this often. */
export const SWITCH_RETRY_MS = 10_000;

/** What CallModes needs of the rest of the server. */
export interface CallModeHooks {
  /** Seated members of `room` (not those waiting). */
  seated(room: string): number;
  /** The SFU driver (server/sfu/janus.ts), with Janus configured. */
  sfu?: {
    /** The room's VideoRoom (the one it has, else a new one); throws `sfu-unavailable`. */
    ensureRoom(room: string): Promise<void>;
    /** The room's VideoRoom goes. */
    roomEnded(room: string): void;
    /** Whether some Janus answers right now. */
    available(): boolean;
  };
  /** Tell every seated member of `room` its new mode (and remember who was told). */
  announceMode(room: string, mode: CallMode): void;
  /** A room event to every seated member of `room`. */
  broadcast(room: string, event: RoomEvent): void;
  /**
   * Cluster mode: whether this node decides `room`'s way back to the mesh (the holder of its lease
   * does, so that one node does, once); absent: this node decides everything.
   */
  leads?(room: string): boolean;
  /** Cluster mode: this node set `room`'s mode, or made it peer to peer for good (every node goes by it: `rtc:modes`). */
  shared?(room: string, mode: CallMode, p2p: boolean): void;
  log(line: string): void;
}

interface RoomMode {
  mode: CallMode;
  /** Kept peer to peer (end to end) whatever its size. */
  p2p: boolean;
  /** The switch to the SFU under way (joins share it): true once on the SFU. */
  switching?: Promise<boolean>;
  /** At most SWITCH_DOWN_AT seated on the SFU: back to the mesh when it fires. */
  down?: NodeJS.Timeout;
  /** On the mesh above RTC_MESH_MAX after a failed switch: the next attempt. */
  retry?: NodeJS.Timeout;
  /** Back on the mesh: its VideoRoom ends when it fires. */
  grace?: NodeJS.Timeout;
}

export class CallModes {
  private readonly rooms = new Map<string, RoomMode>();

  constructor(
    private readonly cfg: Pick<ResolvedConfig, 'janusUrls' | 'meshMax' | 'maxParticipants' | 'p2pOnly'>,
    private readonly hooks: CallModeHooks,
  ) {}

  /** Whether `room` stays peer to peer: by RTC_P2P_ONLY, a claim it was opened or joined with, or this newcomer's. */
  private p2p(room: string, p2pClaim: boolean): boolean {
    return p2pClaim || this.cfg.p2pOnly(room) || this.rooms.get(room)?.p2p === true;
  }

  /** Whether `room` moves between mesh and SFU as it grows and shrinks (Janus configured, RTC_MESH_MAX above 0, not kept peer to peer). */
  switchable(room: string, p2pClaim = false): boolean {
    return this.cfg.janusUrls.length > 0 && this.cfg.meshMax > 0 && !this.p2p(room, p2pClaim);
  }

  /**
   * The transport a join to `room` will use, from the settings and the claim alone (no room state:
   * a pre-warmed join learns nothing of the room): `sfu` with Janus and RTC_MESH_MAX 0,
   * `switching` with Janus and a mesh size, else `mesh`.
   */
  transportFor(room: string, p2pClaim: boolean): 'mesh' | 'switching' | 'sfu' {
    if (this.cfg.janusUrls.length === 0 || p2pClaim || this.cfg.p2pOnly(room)) return 'mesh';
    return this.cfg.meshMax === 0 ? 'sfu' : 'switching';
  }

  /** The mode a newcomer with (or without) a `p2p-only` claim gets; `not-allowed` when that claim meets a room already on the SFU. */
  modeFor(room: string, p2pClaim: boolean): CallMode {
    const current = this.rooms.get(room);
    const p2p = this.p2p(room, p2pClaim);
    if (current) {
      if (p2p && current.mode === 'sfu') {
        throw new RtcHttpError('not-allowed', 'this room already sends its media through the media server; a p2p-only room token cannot join it');
      }
      return current.mode;
    }
    return !p2p && this.cfg.janusUrls.length > 0 && this.cfg.meshMax === 0 ? 'sfu' : 'mesh';
  }

  /** A newcomer was let in with `mode` (the first one opens the room); its claim may keep the room peer to peer from now on. */
  commit(room: string, mode: CallMode, p2pClaim: boolean): void {
    const current = this.rooms.get(room);
    if (!current) {
      const entry = { mode, p2p: this.p2p(room, p2pClaim) };
      this.rooms.set(room, entry);
      this.hooks.shared?.(room, mode, entry.p2p);
      return;
    }
    if (p2pClaim && !current.p2p) {
      this.keepP2p(current);
      this.hooks.shared?.(room, current.mode, true);
    }
  }

  /** Peer to peer from now on: the room never switches (a VideoRoom kept from before ends with its grace). */
  private keepP2p(entry: RoomMode): void {
    entry.p2p = true;
    clearTimeout(entry.retry);
    clearTimeout(entry.down);
    entry.retry = entry.down = undefined;
  }

  mode(room: string): CallMode {
    return this.rooms.get(room)?.mode ?? 'mesh';
  }

  /**
   * Seats in `room` (with `p2pClaim`: as it would be once a newcomer with that claim is in).
   * Without Janus: RTC_MAX_PARTICIPANTS, as ever. With Janus: RTC_MAX_PARTICIPANTS on the SFU and
   * in a switchable room; kept peer to peer, at most the mesh size (RTC_MESH_MAX, 6 when it is 0).
   */
  capacity(room: string, p2pClaim = false): number {
    if (this.cfg.janusUrls.length === 0) return this.cfg.maxParticipants;
    const current = this.rooms.get(room);
    if (current?.mode === 'sfu' || this.switchable(room, p2pClaim)) return this.cfg.maxParticipants;
    const meshSize = this.p2p(room, p2pClaim) && this.cfg.meshMax > 0 ? this.cfg.meshMax : MESH_LIMIT;
    return Math.min(this.cfg.maxParticipants, meshSize);
  }

  /** Whether `room` with `seats` seated must go through the SFU first: a switchable room on the mesh above RTC_MESH_MAX. */
  needsSfu(room: string, seats: number): boolean {
    return this.switchable(room) && this.mode(room) === 'mesh' && seats > this.cfg.meshMax;
  }

  /**
   * Whether a switchable room on the mesh cannot seat `seats`: more than a mesh holds
   * (MESH_LIMIT) and no media server to go to — its switch just failed (`switchFailed`), or no
   * Janus answers now.
   */
  meshFull(room: string, seats: number, switchFailed = false): boolean {
    if (!this.switchable(room) || this.mode(room) !== 'mesh' || seats <= MESH_LIMIT) return false;
    return switchFailed || !this.hooks.sfu?.available();
  }

  /** {@link meshFull} as the 503 `sfu-unavailable` a join or an admission gets. */
  checkMeshLimit(room: string, seats: number, switchFailed = false): void {
    if (this.meshFull(room, seats, switchFailed)) {
      throw new RtcHttpError('sfu-unavailable', `no media server (Janus) answers, and a call of more than ${MESH_LIMIT} needs one; try again in a moment`);
    }
  }

  /**
   * Puts a switchable mesh room on the SFU: its VideoRoom first, then the mode and `mode-changed`
   * to everyone seated. Resolves true once on the SFU; false when it stays a mesh (no Janus
   * answered: logged, and tried again in SWITCH_RETRY_MS while the room is above RTC_MESH_MAX).
   */
  switchUp(room: string, why: string): Promise<boolean> {
    const entry = this.rooms.get(room);
    const sfu = this.hooks.sfu;
    if (!entry || !sfu || entry.mode === 'sfu' || !this.switchable(room)) return Promise.resolve(entry?.mode === 'sfu');
    entry.switching ??= (async () => {
      try {
        await sfu.ensureRoom(room);
      } catch (err) {
        if (this.rooms.get(room) === entry) {
          this.hooks.log(`rtc-call: mode room=${room} stays mesh (n=${this.hooks.seated(room)}): ${why}, but no VideoRoom (${q((err as Error).message)}); trying again in ${SWITCH_RETRY_MS / 1000} s`);
          this.scheduleRetry(room, entry);
        }
        return false;
      } finally {
        entry.switching = undefined;
      }
      if (this.rooms.get(room) !== entry || !this.switchable(room) || entry.mode === 'sfu') {
        // It ended, or a p2p-only newcomer kept it peer to peer, while its VideoRoom was made.
        this.keepVideoRoomBriefly(room);
        return this.rooms.get(room)?.mode === 'sfu';
      }
      entry.mode = 'sfu';
      clearTimeout(entry.retry);
      clearTimeout(entry.grace);
      entry.retry = entry.grace = undefined;
      this.hooks.shared?.(room, 'sfu', entry.p2p);
      this.hooks.log(`rtc-call: mode room=${room} sfu (n=${this.hooks.seated(room)}): ${why}`);
      this.hooks.announceMode(room, 'sfu');
      this.seatsChanged(room);
      return true;
    })();
    return entry.switching;
  }

  /**
   * The number of seated members of `room` changed (a join, an admission, a leave): start or stop
   * its timers — back to the mesh after SWITCH_DOWN_AFTER_MS at SWITCH_DOWN_AT or fewer; on the
   * mesh above RTC_MESH_MAX (an admission) the switch up now, or at the retry already set.
   */
  seatsChanged(room: string): void {
    const entry = this.rooms.get(room);
    if (!entry) return;
    if (!this.switchable(room)) return;
    const n = this.hooks.seated(room);
    if (entry.mode === 'mesh') {
      clearTimeout(entry.down);
      entry.down = undefined;
      if (n <= this.cfg.meshMax) {
        clearTimeout(entry.retry);
        entry.retry = undefined;
      } else if (!entry.switching && !entry.retry) {
        void this.switchUp(room, `${n} seated, more than RTC_MESH_MAX=${this.cfg.meshMax}`);
      }
      return;
    }
    clearTimeout(entry.retry);
    entry.retry = undefined;
    if (n > this.downAt || n === 0) {
      clearTimeout(entry.down);
      entry.down = undefined;
      return;
    }
    if (entry.down || this.hooks.leads?.(room) === false) return;
    entry.down = setTimeout(() => this.switchDown(room, entry), SWITCH_DOWN_AFTER_MS);
    entry.down.unref();
  }

  /** At most this many seated on the SFU sends a switchable room back (never more than RTC_MESH_MAX: it would switch up again at once). */
  private get downAt(): number {
    return Math.min(SWITCH_DOWN_AT, this.cfg.meshMax);
  }

  private switchDown(room: string, entry: RoomMode): void {
    entry.down = undefined;
    if (this.rooms.get(room) !== entry || entry.mode !== 'sfu' || !this.switchable(room) || this.hooks.leads?.(room) === false) return;
    const n = this.hooks.seated(room);
    if (n === 0 || n > this.downAt) return;
    entry.mode = 'mesh';
    this.hooks.shared?.(room, 'mesh', entry.p2p);
    this.hooks.log(`rtc-call: mode room=${room} mesh (n=${n}): at most ${this.downAt} seated for ${SWITCH_DOWN_AFTER_MS / 1000} s`);
    this.hooks.announceMode(room, 'mesh');
    this.keepVideoRoomBriefly(room);
  }

  /** A room on the mesh that still has a VideoRoom keeps it SFU_GRACE_MS (unless it goes back to the SFU), then it goes. */
  private keepVideoRoomBriefly(room: string): void {
    const sfu = this.hooks.sfu;
    if (!sfu) return;
    const entry = this.rooms.get(room);
    if (!entry) {
      sfu.roomEnded(room);
      return;
    }
    if (entry.mode === 'sfu') return;
    clearTimeout(entry.grace);
    entry.grace = setTimeout(() => {
      entry.grace = undefined;
      if (this.rooms.get(room) !== entry || entry.mode !== 'mesh' || entry.switching) return;
      this.hooks.log(`rtc-call: sfu room=${room} ends: on the mesh for ${SFU_GRACE_MS / 1000} s`);
      sfu.roomEnded(room);
    }, SFU_GRACE_MS);
    entry.grace.unref();
  }

  private scheduleRetry(room: string, entry: RoomMode): void {
    clearTimeout(entry.retry);
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      if (this.rooms.get(room) !== entry) return;
      const n = this.hooks.seated(room);
      if (this.needsSfu(room, n)) void this.switchUp(room, `${n} seated, more than RTC_MESH_MAX=${this.cfg.meshMax} (trying again)`);
    }, SWITCH_RETRY_MS);
    entry.retry.unref();
  }

  /**
   * The room's media server was lost and no other answers (the driver's onUnavailable; its
   * VideoRoom is gone). On the SFU: every member is told `sfu-unavailable`, and a switchable room
   * that fits a mesh goes back to it (then tries the SFU again while above RTC_MESH_MAX). On the
   * mesh (a VideoRoom in its grace): nothing to tell.
   */
  sfuUnavailable(room: string, message: string): void {
    const entry = this.rooms.get(room);
    if (entry?.mode !== 'sfu') {
      if (entry) {
        clearTimeout(entry.grace);
        entry.grace = undefined;
      }
      return;
    }
    this.hooks.broadcast(room, { event: 'sfu-unavailable', data: { message } });
    const n = this.hooks.seated(room);
    if (!this.switchable(room) || n > MESH_LIMIT) return;
    entry.mode = 'mesh';
    clearTimeout(entry.down);
    entry.down = undefined;
    this.hooks.shared?.(room, 'mesh', entry.p2p);
    this.hooks.log(`rtc-call: mode room=${room} mesh (n=${n}): its media server was lost and no other answers`);
    this.hooks.announceMode(room, 'mesh');
    if (n > this.cfg.meshMax) this.scheduleRetry(room, entry);
  }

  /**
   * The room's media server was lost and another took it over (the driver's onMoved). On the SFU
   * every member is told `sfu-moved` (they publish again there); a room already back on the mesh
   * needs no new VideoRoom: it goes at once.
   */
  sfuMoved(room: string): void {
    const entry = this.rooms.get(room);
    if (entry?.mode === 'sfu') {
      this.hooks.broadcast(room, { event: 'sfu-moved', data: {} });
      return;
    }
    if (entry?.switching) return;
    if (entry) {
      clearTimeout(entry.grace);
      entry.grace = undefined;
    }
    this.hooks.sfu?.roomEnded(room);
  }

  /**
   * Cluster mode: another node set `room`'s mode (or this node read it from Redis at start). The
   * node that changed it told every member; this one only goes by it from now on: a room back on
   * the mesh keeps a VideoRoom this node drives for its grace, and the timers follow the seats.
   */
  applyShared(room: string, mode: CallMode, p2p = false): void {
    const entry = this.rooms.get(room);
    if (!entry) {
      this.rooms.set(room, { mode, p2p: p2p || this.cfg.p2pOnly(room) });
      return;
    }
    // Kept peer to peer from now on (a p2p-only newcomer on another node).
    if (p2p && !entry.p2p) this.keepP2p(entry);
    if (entry.mode === mode) return;
    entry.mode = mode;
    clearTimeout(entry.down);
    clearTimeout(entry.retry);
    entry.down = entry.retry = undefined;
    if (mode === 'sfu') {
      clearTimeout(entry.grace);
      entry.grace = undefined;
    } else {
      this.keepVideoRoomBriefly(room);
    }
    this.seatsChanged(room);
  }

  /** Rooms on the SFU (cluster mode: whose lease every node watches). */
  sfuRooms(): string[] {
    return [...this.rooms].filter(([, e]) => e.mode === 'sfu').map(([room]) => room);
  }

  ended(room: string): void {
    const entry = this.rooms.get(room);
    if (!entry) return;
    clearTimeout(entry.down);
    clearTimeout(entry.retry);
    clearTimeout(entry.grace);
    this.rooms.delete(room);
  }

  /** The server closes: no timer of ours fires any more. */
  close(): void {
    for (const room of [...this.rooms.keys()]) this.ended(room);
  }
}
