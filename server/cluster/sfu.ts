/**
 * SFU rooms in cluster mode: one node at a time drives a room's VideoRoom, the node that holds
 * the room's lease in Redis (`rtc:lease:<room>`, PX LEASE_MS, renewed every LEASE_RENEW_MS by
 * its holder only, compare-and-set / compare-and-delete in Lua: server/cluster/redis.ts).
 *
 * - The first node that needs the room's VideoRoom (a join, a switch to the SFU) takes the lease
 *   and makes it; any other node asks the holder (an `sfu-call` on the holder's `rtc:to:<node>`
 *   channel) and waits for its reply, so a join is answered only once the VideoRoom exists.
 * - SFU frames of a member whose socket is on another node go to the holder the same way (`sfu`,
 *   with the member's peer id and room from its verified seat: a client names neither); the
 *   holder checks that the member is seated in that room in its own copy of the roster and hands
 *   the frame to its driver (server/sfu/janus.ts), whose replies reach the member's node as any
 *   room event does (relay.sendSfu).
 * - Every node watches the leases of the rooms on the SFU that have members: a lease that lapsed
 *   (its holder died: no renewal for LEASE_MS) is taken by the first node to see it, which makes a
 *   new VideoRoom and tells the room `sfu-moved` (the members publish again, as after a Janus
 *   failover). A holder that finds its lease gone (Redis lost long enough for another node to take
 *   it) lets its VideoRoom go.
 * - The room empties: its holder ends the VideoRoom and releases the lease.
 */
import { randomBytes } from 'node:crypto';
import { parseSfuClientMessage, type SfuClientMessage, type SfuServerMessage } from 'rtc-call/protocol';
import { RtcHttpError } from '../errors.js';
import { q } from '../log.js';
import type { Member } from '../rooms/roster.js';
import { JANUS_TIMEOUT_MS, type MadeVideoRoom, type SfuDriver, type SfuService } from '../sfu/janus.js';
import { LEASE_MS, LEASE_RENEW_MS, type RedisCluster } from './redis.js';

/** What nodes send each other about SFU rooms, on the receiver's `rtc:to:<node id>` channel. */
export type SfuRouted =
  /** A member's SFU frame for the room's lease holder (`node`: the member's node). */
  | { kind: 'sfu'; node: string; room: string; from: string; payload: unknown; hops?: number }
  /** "Make sure `room` has its VideoRoom", to the lease holder; answered with `sfu-reply` to `node`. */
  | { kind: 'sfu-call'; node: string; id: string; room: string }
  | { kind: 'sfu-reply'; id: string; ok: boolean; message?: string; holder?: string };

export const isSfuRouted = (f: { kind: string }): f is SfuRouted => f.kind === 'sfu' || f.kind === 'sfu-call' || f.kind === 'sfu-reply';

/** How long a node waits for the lease holder to make a room's VideoRoom. */
const CALL_MS = JANUS_TIMEOUT_MS + 2_000;
/** A VideoRoom this node drives with nobody in its room goes after this long (the backstop; a room's end is normally told). */
const EMPTY_AFTER_MS = 15_000;
/** A dead holder's VideoRoom is ended this long after the room was taken over (the pages move meanwhile). */
export const ORPHAN_GRACE_MS = 10_000;
/** A frame passed on from node to node (the lease moved meanwhile) at most this often. */
const MAX_HOPS = 2;

export interface ClusterSfuOptions {
  driver: SfuDriver;
  cluster: RedisCluster;
  log: (line: string) => void;
  /** A member as this node's copy of the roster has it. */
  member(peerId: string): Member | undefined;
  /** Whether anyone is in the room (seated or waiting), on any node. */
  hasMembers(room: string): boolean;
  /** Rooms on the SFU with someone seated: the leases this node watches. */
  sfuRooms(): Iterable<string>;
  /** An SFU frame to a member (on this node or another). */
  send(m: Member, message: SfuServerMessage): void;
  /** This node took the room over from a holder that is gone: a new VideoRoom, its members publish again. */
  onTakenOver(room: string): void;
  /** This node took the lease of a room whose holder is gone but could make no VideoRoom. */
  onUnavailable(room: string, message: string): void;
}

class NotHolder extends Error {}

export class ClusterSfu implements SfuService {
  /** Rooms whose lease this node holds (and whose VideoRoom its driver has or is making), and since when. */
  private readonly held = new Map<string, number>();
  /** The last holder seen of rooms another node drives. */
  private readonly holders = new Map<string, string>();
  /** Rooms whose lease this node found free, and since when (its last holder alive: it gets a moment to take it back). */
  private readonly freeSince = new Map<string, number>();
  /** Takeovers under way. */
  private readonly taking = new Set<string>();
  private readonly pending = new Map<string, { resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private readonly timer: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  constructor(private readonly opts: ClusterSfuOptions) {
    this.timer = setInterval(() => void this.tick(), LEASE_RENEW_MS);
    this.timer.unref();
  }

  private get node(): string {
    return this.opts.cluster.node;
  }

  /** Whether this node holds `room`'s lease (tests, metrics). */
  holds(room: string): boolean {
    return this.held.has(room);
  }

  /**
   * The room's VideoRoom: made here when this node gets (or has) the lease, else by the holder,
   * whose answer this waits for. Throws `sfu-unavailable` when neither can make it.
   */
  async ensureRoom(room: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let holder: string;
      try {
        holder = await this.opts.cluster.takeLease(room);
      } catch {
        throw new RtcHttpError('sfu-unavailable', 'the cluster store (Redis) did not answer: the media server cannot be reached for this room now');
      }
      if (holder === this.node) return this.driveHere(room);
      this.holders.set(room, holder);
      if (attempt === 0 && !(await this.opts.cluster.nodeAlive(holder).catch(() => true))) {
        // Its holder is dead and its lease not lapsed yet: wait for it (≤ LEASE_MS) and take the
        // room over, rather than ask a node that will never answer.
        const until = Date.now() + LEASE_MS + LEASE_RENEW_MS;
        while (Date.now() < until && (await this.opts.cluster.leaseHolder(room).catch(() => holder)) === holder) {
          await new Promise((r) => setTimeout(r, 250));
        }
        continue;
      }
      try {
        await this.call(holder, room);
        return;
      } catch (err) {
        // The lease moved on between the look and the call, or its holder did not answer (it died
        // just now): once more, with whoever holds it then (this node, once it lapsed).
        if (attempt === 0 && (err instanceof NotHolder || !(err instanceof RtcHttpError))) continue;
        throw err instanceof RtcHttpError ? err : new RtcHttpError('sfu-unavailable', `the node driving this room's media server did not answer (${(err as Error).message})`);
      }
    }
  }

  /**
   * The lease is this node's: its driver makes (or has) the VideoRoom; without one the lease goes,
   * for another node to try. Newly this node's while another node's VideoRoom is on record for the
   * room (its holder died, whoever got the lease first: the lease loop, or a join), or taken over
   * by the lease loop (`takeover`): the members are told sfu-moved and that VideoRoom ends.
   */
  private async driveHere(room: string, takeover = false): Promise<void> {
    const fresh = !this.held.has(room);
    if (fresh) this.held.set(room, Date.now());
    this.holders.delete(room);
    const orphan = fresh && !this.opts.driver.hasRoom(room) ? await this.opts.cluster.videoRoom(room).catch(() => undefined) : undefined;
    try {
      await this.opts.driver.ensureRoom(room);
    } catch (err) {
      if (!this.opts.driver.hasRoom(room)) this.release(room);
      if (orphan || takeover) {
        if (orphan) this.endOrphan(room, orphan);
        this.opts.log(`rtc-call: sfu room=${room} lease taken by node ${this.node}, but no VideoRoom: ${q((err as Error).message)}`);
        this.opts.onUnavailable(room, `the media server for this room could not be reached (${(err as Error).message})`);
      }
      throw err;
    }
    if (orphan || takeover) {
      this.opts.log(`rtc-call: sfu room=${room} lease taken over by node ${this.node} (its holder stopped renewing it): a new VideoRoom, members publish again`);
      this.opts.onTakenOver(room);
      if (orphan) this.endOrphan(room, orphan);
    }
  }

  private release(room: string): void {
    if (!this.held.delete(room)) return;
    void this.opts.cluster.dropLease(room);
  }

  private call(holder: string, room: string): Promise<void> {
    const id = randomBytes(9).toString('base64url');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer within ${CALL_MS / 1000} s`));
      }, CALL_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.opts.cluster.route(holder, { kind: 'sfu-call', node: this.node, id, room });
    });
  }

  available(): boolean {
    return this.opts.driver.available();
  }

  hasRoom(room: string): boolean {
    return this.held.has(room) ? this.opts.driver.hasRoom(room) : this.holders.has(room);
  }

  /** An SFU frame of a seated member on this node: to the driver here, or to the node holding the lease. */
  async onMessage(room: string, peerId: string, message: SfuClientMessage, hops = 0): Promise<void> {
    if (this.held.has(room)) return this.opts.driver.onMessage(room, peerId, message);
    let holder = this.holders.get(room);
    if (holder === undefined || hops > 0) {
      try {
        holder = (await this.opts.cluster.leaseHolder(room)) ?? undefined;
      } catch {
        holder = undefined;
      }
    }
    const m = this.opts.member(peerId);
    if (holder === this.node) {
      // This node got the lease back (a takeover) without knowing the room yet.
      try {
        await this.driveHere(room);
      } catch {
        if (m) this.opts.send(m, { kind: 'error', code: 'sfu-unavailable', message: 'the media server for this room is not available' });
        return;
      }
      return this.opts.driver.onMessage(room, peerId, message);
    }
    if (holder !== undefined) {
      this.holders.set(room, holder);
      if (hops > MAX_HOPS) return;
      this.opts.cluster.route(holder, { kind: 'sfu', node: m?.node ?? this.node, room, from: peerId, payload: message, hops });
      return;
    }
    // Nobody holds it: its holder is gone, or Redis was away. The lease loop (tick) takes it over
    // within a second or two (the members are told sfu-moved and publish again there) or sees its
    // holder take it back; this frame was for a VideoRoom that went, or is dropped meanwhile.
  }

  /** Another node's message about an SFU room (server/cluster/redis.ts's inbox). */
  onRouted(frame: SfuRouted): void {
    if (this.closed) return;
    switch (frame.kind) {
      case 'sfu-reply': {
        const p = this.pending.get(frame.id);
        if (!p) return;
        this.pending.delete(frame.id);
        clearTimeout(p.timer);
        if (frame.ok) p.resolve();
        else if (frame.holder !== undefined) p.reject(new NotHolder(frame.message));
        else p.reject(new RtcHttpError('sfu-unavailable', frame.message ?? 'the media server did not answer'));
        return;
      }
      case 'sfu-call':
        void this.answerCall(frame);
        return;
      case 'sfu': {
        // Only a seated member of this very room (as this node's roster has it) reaches its VideoRoom.
        const m = typeof frame.from === 'string' ? this.opts.member(frame.from) : undefined;
        if (!m || m.waiting || m.room !== frame.room) return;
        const parsed = parseSfuClientMessage(frame.payload);
        if (!parsed.ok) {
          this.opts.send(m, { kind: 'error', code: 'bad-request', message: parsed.message });
          return;
        }
        void this.onMessage(m.room, m.peerId, parsed.message, (typeof frame.hops === 'number' ? frame.hops : 0) + 1);
      }
    }
  }

  private async answerCall(frame: Extract<SfuRouted, { kind: 'sfu-call' }>): Promise<void> {
    const reply = (r: Omit<Extract<SfuRouted, { kind: 'sfu-reply' }>, 'kind' | 'id'>) => this.opts.cluster.route(frame.node, { kind: 'sfu-reply', id: frame.id, ...r });
    let holder: string;
    try {
      holder = await this.opts.cluster.takeLease(frame.room);
    } catch {
      reply({ ok: false, message: 'the cluster store (Redis) did not answer' });
      return;
    }
    if (holder !== this.node) {
      reply({ ok: false, message: `node ${holder} holds this room's lease now`, holder });
      return;
    }
    try {
      await this.driveHere(frame.room);
      reply({ ok: true });
    } catch (err) {
      reply({ ok: false, message: (err as Error).message });
    }
  }

  /** A member's seat went (here or on another node): the holder hangs its handles up. */
  leave(room: string, peerId: string): void {
    this.opts.driver.leave(room, peerId);
  }

  /** The room's VideoRoom goes (the room emptied, or it is back on the mesh past its grace): the holder ends it and releases the lease. */
  roomEnded(room: string): void {
    this.holders.delete(room);
    if (!this.held.has(room)) return;
    this.opts.driver.roomEnded(room);
    this.opts.cluster.setVideoRoom(room, undefined);
    this.release(room);
    this.opts.log(`rtc-call: sfu room=${room} lease released by node ${this.node}`);
  }

  private async takeOver(room: string): Promise<void> {
    if (this.taking.has(room) || this.held.has(room) || this.closed) return;
    this.taking.add(room);
    this.freeSince.delete(room);
    try {
      const holder = await this.opts.cluster.takeLease(room);
      if (holder !== this.node) {
        this.holders.set(room, holder);
        return;
      }
      if (!this.opts.hasMembers(room)) {
        void this.opts.cluster.dropLease(room);
        return;
      }
      await this.driveHere(room, true).catch(() => { /* told (onUnavailable) */ });
    } catch {
      // Redis did not answer: the next tick tries again.
    } finally {
      this.taking.delete(room);
    }
  }

  /**
   * The VideoRoom a dead holder made goes after ORPHAN_GRACE_MS (its media flows meanwhile, while
   * the pages move to the new one): nobody else can end it (its secret was that node's).
   */
  private endOrphan(room: string, orphan: MadeVideoRoom): void {
    const timer = setTimeout(() => {
      void this.opts.driver.destroyOrphan(orphan).then((ended) => {
        if (ended) this.opts.log(`rtc-call: sfu room=${room} the VideoRoom ${orphan.videoRoom} of its last lease holder ended`);
      });
    }, ORPHAN_GRACE_MS);
    timer.unref();
  }

  /** Every LEASE_RENEW_MS: renew what this node holds, and take over the rooms whose holder is gone. */
  private async tick(): Promise<void> {
    if (this.closed || this.ticking || !this.opts.cluster.redisUp) return;
    this.ticking = true;
    try {
      for (const [room, since] of [...this.held]) {
        // Empty and not just made (a join makes the VideoRoom before it takes its seat): it goes.
        // (Its end is normally told: the room ended here or on another node; this is the backstop.)
        if (!this.opts.hasMembers(room) && Date.now() - since > EMPTY_AFTER_MS) {
          this.roomEnded(room);
          continue;
        }
        let mine: boolean;
        try {
          mine = await this.opts.cluster.renewLease(room);
        } catch {
          continue; // Redis slow: nobody else can take it meanwhile either
        }
        if (!mine && this.held.has(room)) {
          this.held.delete(room);
          this.opts.driver.roomEnded(room);
          this.opts.log(`rtc-call: sfu room=${room} lease lost by node ${this.node} (another node took it): its VideoRoom here ends`);
        }
      }
      const watched = new Set<string>([...this.opts.sfuRooms(), ...this.holders.keys()]);
      for (const room of watched) {
        if (this.held.has(room) || this.taking.has(room)) continue;
        if (!this.opts.hasMembers(room)) {
          this.holders.delete(room);
          this.freeSince.delete(room);
          continue;
        }
        let holder: string | null;
        try {
          holder = await this.opts.cluster.leaseHolder(room);
        } catch {
          continue;
        }
        if (holder === null) {
          if (!this.opts.cluster.settled) continue; // just back from an outage: its holder first
          // Free. Its last holder gone (no heartbeat): take it now. Its last holder alive (Redis
          // was away, or came back empty): it takes its own lease back on its next renewal, unless
          // it stays free for LEASE_MS.
          const last = this.holders.get(room);
          const alive = last !== undefined && (await this.opts.cluster.nodeAlive(last).catch(() => false));
          const since = this.freeSince.get(room) ?? Date.now();
          this.freeSince.set(room, since);
          if (!alive || Date.now() - since >= LEASE_MS) void this.takeOver(room);
          continue;
        }
        this.freeSince.delete(room);
        if (holder === this.node) void this.driveHere(room).catch(() => {});
        else this.holders.set(room, holder);
      }
    } finally {
      this.ticking = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RtcHttpError('internal', 'server is shutting down'));
    }
    this.pending.clear();
    // A clean stop hands the rooms over at once: another node takes each lease on its next look.
    await Promise.all([...this.held.keys()].map((room) => this.opts.cluster.dropLease(room)));
    this.held.clear();
    await this.opts.driver.close();
  }
}
