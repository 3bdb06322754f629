/**
 * The SFU driver: rooms whose media goes through Janus (VideoRoom plugin), driven from this
 * server with Meetecho's `janode`. Per rtc-call room one VideoRoom, private, with a secret and a
 * pin of our own and a token per participant (Janus's `allowed` list), so nobody but this server
 * can join, list or end it — whoever else can reach Janus's API. Per participant one publisher
 * handle (its offer carries microphone, camera with simulcast, and the screen as m-lines of their
 * own) and one subscriber handle (every other publisher's streams, renegotiated as they come and
 * go). The browser gets only SDP and ICE candidates, over our signaling socket (SFU frames).
 * A participant's `stop` hangs its handles up (as when it leaves); a later `publish` starts afresh.
 *
 * Which rooms have a VideoRoom, and when it goes, is server/sfu/modes.ts's call: while the room is
 * on the SFU, and for a grace period after it goes back to the mesh (frames are taken meanwhile).
 *
 * New rooms go to the least loaded Janus that answers (none: joins are refused `sfu-unavailable`).
 * A Janus lost (its websocket closes, or it misses two health checks): each of its rooms gets a
 * VideoRoom on another one and its members `sfu-moved` (they publish again there), or, with no
 * other Janus answering, `sfu-unavailable` (and a room that fits a mesh goes back to it). What the
 * members are told goes through onMoved / onUnavailable (server/sfu/modes.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import Janode, { type JanodeConnection, type JanodeSession } from 'janode';
import VideoRoomPlugin, { type Jsep, type SubscriberStream, type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { SfuCandidate, SfuClientMessage, SfuServerMessage, SfuSource, SfuStream } from 'rtc-call/protocol';
import { RtcHttpError } from '../errors.js';
import { q } from '../log.js';

Janode.Logger.setLevel('none');

/** How long connecting to a Janus (or a request to it) may take before it counts as not answering. */
export const JANUS_TIMEOUT_MS = 5_000;
/**
 * A VideoRoom is ended this long after the last detach of one of its handles was answered. Janus
 * (1.1) finishes a detach in the handle's own thread after answering it; a `destroy` meanwhile
 * can reach a participant whose handle that thread just freed, and Janus crashes (SIGSEGV in
 * janus_plugin_close_pc). Detaches not sent yet when a room ends wait for its destroy instead.
 */
const DETACH_SETTLE_MS = 300;
/** How long the browser has to answer a subscriber offer. */
const ANSWER_TIMEOUT_MS = 10_000;
/** How soon a subscription that failed (no answer in time, Janus refused) is tried again. */
const SUBSCRIBE_RETRY_MS = 2_000;
/** Between attempts to reach a Janus that is down. */
const RECONNECT_MS = 5_000;
/** A Janus is asked how it is this often; two answers missed in a row and it counts as lost. */
const HEALTH_MS = 2_500;
/** Simulcast: each VideoRoom publisher's video may use this much in total (bits/s). */
const PUBLISHER_BITRATE = 2_000_000;

export interface SfuDriverOptions {
  urls: string[];
  log: (line: string) => void;
  /** Largest room (publishers per VideoRoom). */
  maxParticipants: number;
  /** SFU frames to one member's socket. */
  send(peerId: string, message: SfuServerMessage): void;
  /** The room's media server is gone (its VideoRoom with it) and no other answers. */
  onUnavailable(room: string, message: string): void;
  /** The room's media server is gone and the room has a new VideoRoom on another one. */
  onMoved(room: string): void;
  /** Cluster mode: a VideoRoom was made for `room` (what another node needs to end it if this one dies). */
  onRoomMade?(room: string, made: MadeVideoRoom): void;
  /** Whether anyone is still in the room (seated or waiting). */
  hasMembers(room: string): boolean;
}

/** A VideoRoom as made on a Janus: enough to end it from another node (its secret). */
export interface MadeVideoRoom {
  url: string;
  videoRoom: number;
  secret: string;
}

/** What the rest of the server asks of the rooms' VideoRooms: the driver on one node, server/cluster/sfu.ts in cluster mode. */
export interface SfuService {
  /** The room's VideoRoom (the one it has, else a new one); throws `sfu-unavailable`. */
  ensureRoom(room: string): Promise<void>;
  /** Whether `room` has a VideoRoom (made, being made, or kept while the room is back on the mesh). */
  hasRoom(room: string): boolean;
  /** Whether some Janus answers right now. */
  available(): boolean;
  /** An SFU frame from a seated member of a room with a VideoRoom. */
  onMessage(room: string, peerId: string, message: SfuClientMessage): Promise<void>;
  /** A member's seat is gone: its handles go. */
  leave(room: string, peerId: string): void;
  /** The rtc-call room's VideoRoom goes. */
  roomEnded(room: string): void;
  close(): Promise<void>;
}

/** One Janus server: its connection, session and an admin handle for room management. */
class JanusLink {
  private conn: JanodeConnection | null = null;
  session: JanodeSession | null = null;
  admin: VideoRoomHandle | null = null;
  private connecting: Promise<void> | null = null;
  private retry: NodeJS.Timeout | undefined;
  private health: NodeJS.Timeout | undefined;
  private closed = false;
  /** Rooms created on it (for load and for telling them when it goes). */
  readonly rooms = new Set<string>();

  constructor(readonly url: string, private readonly onLost: (link: JanusLink, why: string) => void, private readonly log: (line: string) => void) {}

  get up(): boolean {
    return this.admin !== null;
  }

  /** Connects (once at a time); rejects when Janus does not answer within JANUS_TIMEOUT_MS. */
  connect(): Promise<void> {
    if (this.up) return Promise.resolve();
    this.connecting ??= withTimeout(this.open(), JANUS_TIMEOUT_MS, `Janus at ${this.url} did not answer`).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const conn = await Janode.connect({ address: { url: this.url }, retry_time_secs: 1, max_retries: 1 });
    if (this.closed) {
      void conn.close().catch(() => {});
      return;
    }
    const lost = (why: string) => {
      if (this.conn !== conn) return;
      clearInterval(this.health);
      this.conn = null;
      this.session = null;
      this.admin = null;
      void conn.close().catch(() => {});
      this.log(`rtc-call: janus ${q(this.url)} lost: ${why}`);
      this.onLost(this, why);
      this.scheduleReconnect();
    };
    conn.once(Janode.EVENT.CONNECTION_CLOSED, () => lost('connection closed'));
    conn.once(Janode.EVENT.CONNECTION_ERROR, (e: Error) => lost(e?.message ?? 'connection error'));
    try {
      const session = await conn.create(15);
      session.once(Janode.EVENT.SESSION_DESTROYED, () => lost('session destroyed'));
      const admin = await session.attach(VideoRoomPlugin);
      this.conn = conn;
      this.session = session;
      this.admin = admin;
      this.log(`rtc-call: janus ${q(this.url)} connected`);
      // A Janus that hangs keeps its websocket open: ask it how it is, and give it up after two silences.
      let missed = 0;
      clearInterval(this.health);
      this.health = setInterval(() => {
        withTimeout(conn.getInfo(), HEALTH_MS, 'Janus did not answer').then(
          () => { missed = 0; },
          () => { if (++missed >= 2) lost('it stopped answering'); },
        );
      }, HEALTH_MS);
      this.health.unref();
    } catch (err) {
      void conn.close().catch(() => {});
      throw err;
    }
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.connect().catch(() => this.scheduleReconnect());
    }, RECONNECT_MS);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.health);
    const conn = this.conn;
    this.conn = null;
    this.session = null;
    this.admin = null;
    await conn?.close().catch(() => {});
  }
}

/** One participant in a VideoRoom. */
interface SfuPeer {
  peerId: string;
  feed: number;
  token: string;
  pub: VideoRoomHandle | null;
  /** Settles once the publisher handle has taken our offer (candidates wait for it). */
  pubReady: Promise<unknown> | null;
  /** mid of our publisher offer → source. */
  sources: Map<string, SfuSource>;
  published: boolean;
  sub: VideoRoomHandle | null;
  subReady: Promise<unknown> | null;
  /** Feeds our subscription has (or is getting). */
  subscribed: Set<number>;
  /** Subscriber renegotiations, one at a time. */
  subQueue: Promise<void>;
  /** The next subscriber offer comes from a new handle (the last one failed): the browser starts a new connection for it. */
  freshSub: boolean;
  /** The browser's answer to the subscriber offer in flight (number `seq`). */
  awaitingAnswer: { seq: number; resolve(jsep: Jsep): void; reject(e: Error): void; timer: NodeJS.Timeout } | null;
  gone: boolean;
}

interface SfuRoom {
  name: string;
  janusRoom: number;
  secret: string;
  pin: string;
  link: JanusLink;
  ready: Promise<void>;
  failed: boolean;
  peers: Map<string, SfuPeer>;
  /** feed → peer id. */
  feeds: Map<number, string>;
  /** Handle detaches sent to Janus and not yet answered. */
  detaching: Set<Promise<unknown>>;
  /** Set once the room ends: its VideoRoom's destroy, which detaches not yet sent wait for. */
  ending: Promise<void> | null;
}

const secret = () => randomBytes(18).toString('base64url');

export class SfuDriver implements SfuService {
  private readonly links: JanusLink[];
  private readonly rooms = new Map<string, SfuRoom>();
  private closed = false;
  /** The last subscriber offer's number (each answer repeats its offer's, so a late one is told apart). */
  private offerSeq = 0;

  constructor(private readonly opts: SfuDriverOptions) {
    this.links = opts.urls.map((url) => new JanusLink(url, (link, why) => this.onLinkLost(link, why), opts.log));
    // Connect at start, so the first join does not wait for it (failures are retried at each join).
    for (const link of this.links) link.connect().catch(() => {});
  }

  /**
   * The VideoRoom of `room`, created on the least loaded Janus that answers; throws
   * `sfu-unavailable` (503) when none does.
   */
  async ensureRoom(room: string): Promise<void> {
    const existing = this.rooms.get(room);
    if (existing && !existing.failed) return existing.ready;
    const link = await this.pickLink();
    const state: SfuRoom = {
      name: room, janusRoom: randomInt(1, 2 ** 47), secret: secret(), pin: secret(), link,
      ready: Promise.resolve(), failed: false, peers: new Map(), feeds: new Map(), detaching: new Set(), ending: null,
    };
    state.ready = (async () => {
      const admin = link.admin;
      if (!admin) throw new RtcHttpError('sfu-unavailable', 'the media server stopped answering');
      await withTimeout(admin.create({
        room: state.janusRoom, description: `rtc-call ${room}`.slice(0, 64), is_private: true, secret: state.secret, pin: state.pin,
        max_publishers: this.opts.maxParticipants, bitrate: PUBLISHER_BITRATE, audiocodec: 'opus', videocodec: 'vp8,vp9,h264',
        // A keyframe from every publisher every 3 s: a subscriber switching simulcast layers needs
        // one on the new layer, and loss-free links give none of their own.
        fir_freq: 3, notify_joining: false, permanent: false,
      }), JANUS_TIMEOUT_MS, 'Janus did not create the room');
      // Tokens: only the participants this server adds may join (Janus's `allowed` list).
      await withTimeout(admin.allow({ room: state.janusRoom, secret: state.secret, action: 'enable', list: [] }), JANUS_TIMEOUT_MS, 'Janus did not enable room tokens');
      link.rooms.add(room);
      this.opts.log(`rtc-call: sfu room=${room} janus=${q(link.url)} videoroom=${state.janusRoom}`);
      this.opts.onRoomMade?.(room, { url: link.url, videoRoom: state.janusRoom, secret: state.secret });
    })();
    this.rooms.set(room, state);
    try {
      await state.ready;
    } catch (err) {
      if (this.rooms.get(room) === state) this.rooms.delete(room);
      throw err instanceof RtcHttpError ? err : new RtcHttpError('sfu-unavailable', `the media server did not answer (${(err as Error).message})`);
    }
  }

  private async pickLink(): Promise<JanusLink> {
    const byLoad = [...this.links].sort((a, b) => Number(b.up) - Number(a.up) || a.rooms.size - b.rooms.size);
    for (const link of byLoad) {
      try {
        await link.connect();
        return link;
      } catch {
        // the next one
      }
    }
    throw new RtcHttpError('sfu-unavailable', 'no media server (Janus) answers; try again in a moment');
  }

  /** Whether `room` has a VideoRoom (made, being made, or kept while the room is back on the mesh). */
  hasRoom(room: string): boolean {
    return this.rooms.has(room);
  }

  /**
   * Cluster mode: ends a VideoRoom another node made and can no longer end (it died), on the Janus
   * it is on if that is one of ours and answers; false when it could not.
   */
  async destroyOrphan(made: MadeVideoRoom): Promise<boolean> {
    const link = this.links.find((l) => l.url === made.url);
    if (!link?.admin) return false;
    try {
      await withTimeout(link.admin.destroy({ room: made.videoRoom, secret: made.secret }), JANUS_TIMEOUT_MS, 'Janus did not end the room');
      return true;
    } catch {
      return false;
    }
  }

  /** Whether some Janus answers right now (a VideoRoom could be made without waiting for a reconnect). */
  available(): boolean {
    return this.links.some((l) => l.up);
  }

  /** An SFU frame from a seated member of a room with a VideoRoom. */
  async onMessage(room: string, peerId: string, message: SfuClientMessage): Promise<void> {
    // Stop: its handles go as when it leaves (the others' subscriptions renegotiate without it); a
    // later publish starts afresh (a new feed and token). Nothing to stop is no error.
    if (message.kind === 'stop') {
      this.leave(room, peerId);
      return;
    }
    const state = this.rooms.get(room);
    if (!state || state.failed) {
      this.opts.send(peerId, { kind: 'error', code: 'sfu-unavailable', message: 'the media server for this room is not available' });
      return;
    }
    try {
      await state.ready;
    } catch {
      // Its VideoRoom is being (re-)created and that failed: nothing to act on. (Uncaught, this
      // rejection would be unhandled — the caller does not wait — and end the process.)
      this.opts.send(peerId, { kind: 'error', code: 'sfu-unavailable', message: 'the media server for this room is not available' });
      return;
    }
    const peer = this.peerFor(state, peerId);
    try {
      switch (message.kind) {
        case 'publish':
          await this.publish(state, peer, message.jsep, message.sources);
          break;
        case 'answer': {
          const waiting = peer.awaitingAnswer;
          // An answer to an earlier offer (one that went unanswered in time, its handle hung up)
          // would start this subscription with another connection's SDP: ignored.
          if (waiting && waiting.seq !== message.seq) {
            this.opts.log(`rtc-call: sfu room=${room} peer=${peerId} an answer to subscriber offer ${message.seq} ignored (waiting for ${waiting.seq})`);
          } else if (waiting) {
            peer.awaitingAnswer = null;
            clearTimeout(waiting.timer);
            waiting.resolve(message.jsep);
          }
          break;
        }
        case 'candidate': {
          const ready = message.pc === 'pub' ? peer.pubReady : peer.subReady;
          const handle = () => (message.pc === 'pub' ? peer.pub : peer.sub);
          if (!ready) break; // no handle for it: nothing to trickle into
          await ready.catch(() => {});
          await trickle(handle(), message.candidate);
          break;
        }
        case 'layer': {
          await peer.subReady?.catch(() => {});
          await peer.sub?.configure({ streams: [{ mid: message.mid, substream: message.substream }] });
          break;
        }
      }
    } catch (err) {
      if (peer.gone || state.failed) return;
      this.opts.log(`rtc-call: sfu room=${room} peer=${peerId} ${message.kind} failed: ${q((err as Error).message)}`);
      // Janus answering but refusing (a bad SDP, a failed layer change) is no outage.
      const code = state.link.up ? 'internal' : 'sfu-unavailable';
      this.opts.send(peerId, { kind: 'error', code, message: `the media server refused ${message.kind}: ${(err as Error).message}` });
    }
  }

  private peerFor(state: SfuRoom, peerId: string): SfuPeer {
    let peer = state.peers.get(peerId);
    if (!peer) {
      let feed = randomInt(1, 2 ** 47);
      while (state.feeds.has(feed)) feed = randomInt(1, 2 ** 47);
      peer = {
        peerId, feed, token: secret(), pub: null, pubReady: null, sources: new Map(), published: false,
        sub: null, subReady: null, subscribed: new Set(), subQueue: Promise.resolve(), freshSub: false, awaitingAnswer: null, gone: false,
      };
      state.peers.set(peerId, peer);
      state.feeds.set(feed, peerId);
    }
    return peer;
  }

  private async publish(state: SfuRoom, peer: SfuPeer, jsep: Jsep, sources: Array<{ mid: string; source: SfuSource }>): Promise<void> {
    const descriptions = sources.map((s) => ({ mid: s.mid, description: s.source }));
    peer.sources = new Map(sources.map((s) => [s.mid, s.source]));
    let answer: Jsep | undefined;
    if (!peer.pub) {
      const session = state.link.session;
      if (!session) throw new Error('no Janus session');
      const work = (async () => {
        const pub = await session.attach(VideoRoomPlugin);
        peer.pub = pub;
        pub.once(Janode.EVENT.HANDLE_WEBRTCUP, () => this.onPublisherUp(state, peer));
        if (peer.gone) throw new Error('left');
        await state.link.admin?.allow({ room: state.janusRoom, secret: state.secret, action: 'add', list: [peer.token] });
        const joined = await pub.joinConfigurePublisher({
          room: state.janusRoom, feed: peer.feed, display: peer.peerId, pin: state.pin, token: peer.token,
          audio: true, video: true, data: false, descriptions, jsep,
        });
        answer = joined.jsep;
      })();
      peer.pubReady = work;
      await withTimeout(work, JANUS_TIMEOUT_MS * 2, 'Janus did not take the offer');
    } else {
      // A new offer on the same publisher (an ICE restart): configure with it.
      const work = peer.pub.configure({ jsep, descriptions });
      peer.pubReady = work;
      answer = (await withTimeout(work, JANUS_TIMEOUT_MS * 2, 'Janus did not take the offer')).jsep;
    }
    if (peer.gone) return;
    if (!answer) throw new Error('Janus gave no answer');
    this.opts.send(peer.peerId, { kind: 'answer', jsep: answer });
    // The newcomer gets everyone published so far at once; the others get the newcomer once its
    // media is up (Janus lets nobody subscribe to a publisher before that: 428 No such feed).
    this.syncSubscription(state, peer);
  }

  /** A publisher's connection to Janus is up: everyone else subscribes to it. */
  private onPublisherUp(state: SfuRoom, peer: SfuPeer): void {
    if (peer.gone || peer.published) return;
    peer.published = true;
    for (const other of state.peers.values()) if (other !== peer && !other.gone) this.syncSubscription(state, other);
  }

  /** Brings `peer`'s subscription to every other published participant, one renegotiation at a time. */
  private syncSubscription(state: SfuRoom, peer: SfuPeer): void {
    peer.subQueue = peer.subQueue.then(async () => {
      if (peer.gone || state.failed) return;
      const wanted = [...state.peers.values()].filter((p) => p !== peer && p.published && !p.gone).map((p) => p.feed);
      const add = wanted.filter((f) => !peer.subscribed.has(f));
      if (add.length === 0) return;
      for (const f of add) peer.subscribed.add(f);
      try {
        if (!peer.sub) {
          const session = state.link.session;
          if (!session) return;
          const sub = await session.attach(VideoRoomPlugin);
          peer.sub = sub;
          // Janus renegotiates by itself when a publisher we get leaves (autoupdate).
          sub.on(VideoRoomPlugin.EVENT.VIDEOROOM_UPDATED!, (data: { streams?: SubscriberStream[]; jsep?: Jsep }) => {
            if (!data.jsep) return;
            peer.subQueue = peer.subQueue.then(() => this.offerToBrowser(state, peer, sub, data.jsep!, data.streams ?? [])).catch((err: Error) => {
              if (!peer.gone && !state.failed && peer.sub === sub) this.resubscribe(state, peer, `renegotiation failed: ${q(err.message)}`);
            });
          });
          const work = sub.joinSubscriber({ room: state.janusRoom, pin: state.pin, token: peer.token, streams: add.map((feed) => ({ feed })), autoupdate: true });
          peer.subReady = work;
          const joined = await withTimeout(work, JANUS_TIMEOUT_MS * 2, 'Janus did not subscribe');
          if (joined.jsep) await this.offerToBrowser(state, peer, sub, joined.jsep, joined.streams ?? []);
        } else {
          const sub = peer.sub;
          const updated = await withTimeout(sub.update({ subscribe: add.map((feed) => ({ feed })) }), JANUS_TIMEOUT_MS * 2, 'Janus did not update the subscription');
          if (updated.jsep) await this.offerToBrowser(state, peer, sub, updated.jsep, updated.streams ?? []);
        }
      } catch (err) {
        if (peer.gone || state.failed) return;
        // The handle may be left mid-negotiation (an offer the browser never answered, an answer
        // Janus never took): it is hung up, and the retry subscribes afresh to every feed with a
        // `fresh` offer, for which the browser replaces its subscriber connection.
        this.resubscribe(state, peer, `subscribe failed: ${q((err as Error).message)}`);
      }
    });
  }

  /** Hangs up `peer`'s subscription handle and subscribes again afresh (a `fresh` offer) in a moment. */
  private resubscribe(state: SfuRoom, peer: SfuPeer, why: string): void {
    const stuck = peer.sub;
    peer.sub = null;
    peer.subReady = null;
    peer.subscribed.clear();
    peer.freshSub = true;
    this.hangUp(state, stuck, null);
    this.opts.log(`rtc-call: sfu room=${state.name} peer=${peer.peerId} ${why}; subscribing afresh in ${SUBSCRIBE_RETRY_MS / 1000} s`);
    // A slow browser (or Janus) is no reason to go without someone's media: try again.
    setTimeout(() => {
      if (!peer.gone && !state.failed && this.rooms.get(state.name) === state) this.syncSubscription(state, peer);
    }, SUBSCRIBE_RETRY_MS).unref();
  }

  /** A subscriber offer to the browser, with whose media each m-line carries; waits for its answer and starts. */
  private async offerToBrowser(state: SfuRoom, peer: SfuPeer, sub: VideoRoomHandle, jsep: Jsep, streams: SubscriberStream[]): Promise<void> {
    if (peer.gone || state.failed) return;
    const annotated: SfuStream[] = [];
    for (const s of streams) {
      if (s.active === false || s.feed_id === undefined || s.feed_mid === undefined) continue;
      const owner = state.feeds.get(s.feed_id);
      const source = owner ? state.peers.get(owner)?.sources.get(s.feed_mid) : undefined;
      if (owner && source) annotated.push({ mid: s.mid, peerId: owner, source });
    }
    const seq = ++this.offerSeq;
    const answer = new Promise<Jsep>((resolve, reject) => {
      const timer = setTimeout(() => {
        peer.awaitingAnswer = null;
        reject(new Error('the browser did not answer the subscriber offer'));
      }, ANSWER_TIMEOUT_MS);
      timer.unref();
      peer.awaitingAnswer = { seq, resolve, reject, timer };
    });
    const fresh = peer.freshSub;
    peer.freshSub = false;
    this.opts.send(peer.peerId, { kind: 'offer', jsep, streams: annotated, seq, ...(fresh ? { fresh: true } : {}) });
    const reply = await answer;
    if (peer.gone || state.failed) return;
    await withTimeout(sub.start({ jsep: reply }), JANUS_TIMEOUT_MS, 'Janus did not start the subscription');
  }

  /** A member's seat is gone (or it sent `stop`): its handles go, Janus renegotiates the others' subscriptions. */
  leave(room: string, peerId: string): void {
    const state = this.rooms.get(room);
    const peer = state?.peers.get(peerId);
    if (!state || !peer) return;
    peer.gone = true;
    state.peers.delete(peerId);
    state.feeds.delete(peer.feed);
    if (peer.awaitingAnswer) {
      clearTimeout(peer.awaitingAnswer.timer);
      peer.awaitingAnswer.reject(new Error('left'));
      peer.awaitingAnswer = null;
    }
    for (const other of state.peers.values()) other.subscribed.delete(peer.feed);
    if (state.failed) return;
    this.hangUp(state, peer.pub, peer.pubReady);
    this.hangUp(state, peer.sub, peer.subReady);
    void state.link.admin?.allow({ room: state.janusRoom, secret: state.secret, action: 'remove', list: [peer.token] }).catch(() => {});
  }

  /**
   * Detaches handle `h` once `ready` (its last request) settled — never while its room's VideoRoom
   * is being destroyed (DETACH_SETTLE_MS): a room that ends first goes first, Janus closing the
   * handle's media itself, and the detach follows.
   */
  private hangUp(state: SfuRoom, h: VideoRoomHandle | null, ready: Promise<unknown> | null): void {
    if (!h) return;
    void (async () => {
      await ready?.catch(() => {});
      // At least one turn passes here, so a room ended in the same turn as this leave (its last
      // member's) has set `ending` by now.
      if (state.ending) await state.ending;
      const sent = withTimeout(h.detach(), JANUS_TIMEOUT_MS, 'Janus did not detach the handle').catch(() => {});
      state.detaching.add(sent);
      await sent;
      state.detaching.delete(sent);
    })();
  }

  /** The rtc-call room ended: its VideoRoom goes (after detaches in flight, before the others). */
  roomEnded(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    state.link.rooms.delete(room);
    if (!state.failed) {
      state.ending = (async () => {
        await state.ready;
        if (state.detaching.size > 0) {
          await Promise.all(state.detaching);
          await new Promise((r) => setTimeout(r, DETACH_SETTLE_MS));
        }
        const admin = state.link.admin;
        if (admin) await withTimeout(admin.destroy({ room: state.janusRoom, secret: state.secret }), JANUS_TIMEOUT_MS, 'Janus did not end the room');
      })().catch(() => {});
    }
    for (const id of [...state.peers.keys()]) this.leave(room, id);
  }

  /** A Janus is gone: each of its rooms gets a new VideoRoom on another (its members publish again), or is told it has none. */
  private onLinkLost(link: JanusLink, why: string): void {
    for (const room of [...link.rooms]) {
      const state = this.rooms.get(room);
      link.rooms.delete(room);
      if (!state || state.link !== link) continue;
      state.failed = true;
      for (const peer of state.peers.values()) {
        peer.gone = true;
        if (peer.awaitingAnswer) {
          clearTimeout(peer.awaitingAnswer.timer);
          peer.awaitingAnswer.reject(new Error('janus lost'));
        }
      }
      void this.moveRoom(state, why);
    }
  }

  private async moveRoom(old: SfuRoom, why: string): Promise<void> {
    const room = old.name;
    if (this.rooms.get(room) === old) this.rooms.delete(room);
    if (this.closed || !this.opts.hasMembers(room)) return;
    try {
      // The lost Janus answers no one: the least loaded one that does gets the room.
      await this.ensureRoom(room);
    } catch {
      this.opts.onUnavailable(room, `the media server stopped answering (${why})`);
      return;
    }
    if (!this.opts.hasMembers(room)) {
      this.roomEnded(room);
      return;
    }
    this.opts.log(`rtc-call: sfu room=${room} moved from janus=${q(old.link.url)} to janus=${q(this.rooms.get(room)?.link.url ?? '')} (${why})`);
    this.opts.onMoved(room);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const room of [...this.rooms.keys()]) this.roomEnded(room);
    await Promise.all(this.links.map((l) => l.close()));
  }
}

async function trickle(handle: VideoRoomHandle | null, candidate: SfuCandidate | null): Promise<void> {
  if (!handle) return;
  if (candidate === null) await handle.trickleComplete();
  else await handle.trickle(candidate);
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
