/**
 * Our signaling relay, on `ws`. It speaks PeerJS's wire protocol (OPEN, OFFER, ANSWER, CANDIDATE,
 * LEAVE, EXPIRE, HEARTBEAT, ID-TAKEN, ERROR) so the unmodified `peerjs` client works, and carries
 * room events (`ROOM` frames, src/protocol/room-events.ts) on the same socket.
 *
 * Identity by construction: a socket belongs to the `pid` of the peer token it was opened with;
 * every relayed frame is rebuilt with that `src`; only OFFER / ANSWER / CANDIDATE (and SIGNAL, the mesh's
 * ICE restarts) are relayed, and
 * only inside the sender's room, and never from or to someone waiting to be let in (dropped and
 * counted); LEAVE and EXPIRE come from the server only.
 *
 * Bounded under abuse (see RelayLimits for the values): a message-rate and a byte-rate budget per
 * socket (exceeding it closes the socket with 1008), a cap on what may wait in the kernel/ws
 * buffer towards one destination (drop, and close the sender when it keeps trying), and per-id
 * queues for members whose socket is not open, capped in count, bytes and age.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { EVERYONE, ROOM_FRAME, SFU_FRAME, SIGNAL_FRAME, roomFrame, type RoomEvent, type RoomReply, type SfuServerMessage } from 'rtc-call/protocol';
import { RtcHttpError } from '../errors.js';
import { q } from '../log.js';
import type { RelayCounters } from '../http/metrics.js';
import { toPublic, type Member, type Rooms } from '../rooms/roster.js';
import { verifyPeerToken } from '../tokens.js';

export const PEERJS_KEY = 'peerjs';

/** Limits of the relay. Each is documented in the README (Signaling websocket → Limits). */
export interface RelayLimits {
  /** Largest frame a client may send (bytes); larger closes the socket with 1009. */
  maxFrameBytes: number;
  /** Message budget per socket: burst and refill per second. */
  messageBurst: number;
  messagesPerSecond: number;
  /** Byte budget per socket: burst and refill per second. */
  byteBurst: number;
  bytesPerSecond: number;
  /** A destination socket with more than this buffered gets no more frames (they are dropped). */
  maxBufferedBytes: number;
  /** Frames a sender may have dropped for a full destination (in a row) before it is closed. */
  maxDropsInARow: number;
  /** Per-id queue for a member whose socket is not open: frames, bytes, and age (ms). */
  queueFrames: number;
  queueBytes: number;
  queueMs: number;
  /** A socket that sends nothing (PeerJS sends HEARTBEAT every 5 s) for this long is cut. */
  aliveTimeoutMs: number;
  /** Open sockets per server. */
  concurrentLimit: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxFrameBytes: 64 * 1024,
  messageBurst: 200,
  messagesPerSecond: 50,
  byteBurst: 1024 * 1024,
  bytesPerSecond: 256 * 1024,
  maxBufferedBytes: 512 * 1024,
  maxDropsInARow: 16,
  queueFrames: 64,
  queueBytes: 256 * 1024,
  queueMs: 5_000,
  aliveTimeoutMs: 60_000,
  concurrentLimit: 5_000,
};

const RELAYED = new Set(['OFFER', 'ANSWER', 'CANDIDATE', SIGNAL_FRAME]);
// SFU frames go to the server's SFU driver; SIGNAL frames with dst `*` to everyone else seated.
/** Query parameters of the signaling socket that must appear exactly once. */
const SINGLE_PARAMS = ['id', 'token', 'key'] as const;
const OPEN_FRAME = '{"type":"OPEN"}';
/** How long a farewell waits for a socket that was not open when its seat was taken away. */
const FAREWELL_MS = 30_000;

/** One open socket and its budgets. */
interface Parked {
  readonly ws: WebSocket;
  /** Unix seconds: its token's end. */
  readonly exp: number;
  lastSeen: number;
  readonly onMessage: (data: RawData, isBinary: boolean) => void;
  readonly onClose: () => void;
}

interface Conn {
  readonly ws: WebSocket;
  readonly member: Member;
  lastSeen: number;
  messages: number;
  bytes: number;
  refilledAt: number;
  drops: number;
}

/** Where a socket's listeners (shared functions) find its Conn. */
const CONN = Symbol('conn');
type ConnSocket = WebSocket & { [CONN]: Conn };

function terminateSelf(this: WebSocket): void {
  this.terminate();
}

interface Queued {
  frame: string;
  src: string;
  at: number;
  /** PeerJS's own (OFFER, ANSWER, CANDIDATE): its sender hears EXPIRE when it expires; a SIGNAL frame just goes. */
  peerJs: boolean;
}

/**
 * Cluster mode: a frame for a member whose socket is on another node, through Redis
 * (server/cluster/redis.ts). `frame`: relayed (queued there while its socket is not open; `src`
 * hears EXPIRE when it expires), `event`: a room event (dropped unless open), `dismiss`: the
 * server takes the seat away (see `dismiss`).
 */
export type RoutedFrame =
  | { kind: 'frame'; to: string; src: string; frame: string; peerJs: boolean; holdMs?: number }
  | { kind: 'event'; to: string; frame: string }
  | { kind: 'dismiss'; to: string; frame: string; reason: string };

/** How frames reach members on other nodes (cluster mode). */
export interface FrameRouter {
  /** This node's id. */
  readonly node: string;
  /** Send `frame` to the node `node`. */
  route(node: string, frame: RoutedFrame): void;
  /** Where a member unknown here may be (another node's join a moment ago), or undefined. */
  lookup(peerId: string): Promise<Member | undefined>;
}

export interface RelayOptions {
  rooms: Rooms;
  /** Cluster mode: members on other nodes are reached through this. */
  router?: FrameRouter;
  peerSecret: string;
  log: (line: string) => void;
  limits?: Partial<RelayLimits>;
  /** Host / Origin checks of the upgrade request; throws an RtcHttpError to refuse. */
  checkRequest(req: http.IncomingMessage): void;
  /** A member rebuilt from its peer token (a restart): announce it. */
  onRebuilt?(member: Member): void;
  /** A room request (ROOM frame) from a member; returns the reply's data or throws an RtcHttpError. */
  onRequest(member: Member, payload: unknown): unknown;
  /** An SFU frame from a seated member (never from someone waiting). */
  onSfu?(member: Member, payload: unknown): void;
  /**
   * A member's socket just opened (after OPEN, before its queued frames): send what it should know
   * (the roster, or that it waits). `waitingToken`: it opened with a token issued while it waited.
   */
  onOpen(member: Member, ws: WebSocket, waitingToken: boolean): void;
  /** Relayed and dropped frames, for the metrics. */
  counters?: RelayCounters;
}

const NO_COUNTERS: RelayCounters = { relayed: () => {}, dropped: () => {} };

export class SignalingRelay {
  readonly limits: RelayLimits;
  private readonly counters: RelayCounters;
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<WebSocket, Conn>();
  private readonly queues = new Map<string, { items: Queued[]; bytes: number }>();
  /**
   * The peer token handed out by the join API, per peer id, until that member's first socket
   * opens with it (or the member leaves). That exact string, for that id, is accepted without
   * re-verifying the signature this server just made; any other token is verified in full.
   */
  private readonly issued = new Map<string, string>();
  /**
   * Why the server took a seat away from a member whose socket was not open at the time (joined
   * a moment ago, or in its grace period), by peer id: its next socket, with a valid token for
   * that id, gets the notice and is closed — so it learns it was denied, removed or ended instead
   * of a refused socket it cannot read. Kept for FAREWELL_MS.
   */
  private readonly farewells = new Map<string, { frame: string; reason: string; at: number }>();
  /** Socket listeners shared by every socket (no per-socket closures: they cost memory per peer). */
  private readonly onSocketClose: (this: WebSocket) => void;
  private readonly onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  /**
   * Parked sockets of pre-warmed joins, by peer id: open, relaying nothing, known to no one, until
   * the join that names their token seats the member ({@link adoptParked}) or their token ends.
   */
  private readonly parked = new Map<string, Parked>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  private sweeps = 0;

  constructor(private readonly opts: RelayOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.counters = opts.counters ?? NO_COUNTERS;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    this.sweeper = setInterval(() => this.sweep(), 1_000);
    this.sweeper.unref();
    const rooms = opts.rooms;
    const conns = this.conns;
    this.onSocketClose = function onSocketClose(this: WebSocket): void {
      conns.delete(this);
      rooms.socketClosed((this as ConnSocket)[CONN].member, this);
    };
    const relay = this;
    this.onSocketMessage = function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
      relay.onMessage((this as ConnSocket)[CONN], data, isBinary);
    };
  }

  /** The join API handed `token` to `peerId` (see `issued`). */
  rememberIssued(peerId: string, token: string): void {
    if (!this.closed) this.issued.set(peerId, token);
  }

  get socketCount(): number {
    return this.conns.size + this.parked.size;
  }

  /** Parked sockets (pre-warmed joins not joined yet). */
  get parkedCount(): number {
    return this.parked.size;
  }

  /**
   * A pre-warmed join's socket: open (PeerJS gets its OPEN), never a member's until adopted. It
   * may only send heartbeats: anything else closes it (1008). Closed when its token ends (4002).
   */
  private park(ws: WebSocket, pid: string, exp: number): void {
    const previous = this.parked.get(pid);
    if (previous) this.unpark(pid, previous, 4000, 'replaced');
    if (this.conns.size + this.parked.size >= this.limits.concurrentLimit) {
      ws.send('{"type":"ERROR","payload":{"msg":"Server has reached its concurrent user limit"}}');
      ws.close(1013, 'server full');
      return;
    }
    const entry: Parked = {
      ws,
      exp,
      lastSeen: Date.now(),
      onMessage: (data, isBinary) => {
        entry.lastSeen = Date.now();
        let type: unknown;
        try {
          type = isBinary ? undefined : (JSON.parse(data.toString()) as { type?: unknown } | null)?.type;
        } catch {
          type = undefined;
        }
        if (type === 'HEARTBEAT') return;
        this.counters.dropped('parked', rawSize(data));
        this.unpark(pid, entry, 1008, 'a pre-warmed socket only sends heartbeats until its join');
      },
      onClose: () => {
        if (this.parked.get(pid) === entry) this.parked.delete(pid);
      },
    };
    this.parked.set(pid, entry);
    ws.on('error', terminateSelf);
    ws.on('message', entry.onMessage);
    ws.on('close', entry.onClose);
    ws.send(OPEN_FRAME);
  }

  private unpark(pid: string, entry: Parked, code: number, reason: string): void {
    if (this.parked.get(pid) === entry) this.parked.delete(pid);
    entry.ws.close(code, reason);
    setTimeout(() => entry.ws.terminate(), 1000).unref();
  }

  /**
   * The join API seated (or queued) `m` under a pre-warmed id: its parked socket, if still open,
   * becomes the member's socket as if it had just opened (without a second OPEN). False when
   * there is none: the page opens one with its new token.
   */
  adoptParked(m: Member): boolean {
    const entry = this.parked.get(m.peerId);
    if (!entry) return false;
    this.parked.delete(m.peerId);
    const ws = entry.ws;
    ws.off('message', entry.onMessage);
    ws.off('close', entry.onClose);
    ws.off('error', terminateSelf);
    if (ws.readyState !== WebSocket.OPEN) return false;
    this.issued.delete(m.peerId);
    return this.open(ws as ConnSocket, m, m.waiting, false);
  }

  /**
   * Authenticate an upgrade for the signaling path and, if it passes, open the socket. Rejects
   * with an RtcHttpError (the caller answers it over HTTP) — never on anything the client did
   * after the socket is open.
   */
  async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (this.closed) throw new RtcHttpError('internal', 'server is shutting down');
    this.opts.checkRequest(req);
    // A repeated parameter is an attack on whoever reads the other copy: refuse it outright.
    for (const name of SINGLE_PARAMS) {
      if (url.searchParams.getAll(name).length > 1) throw new RtcHttpError('bad-request', `the ${name} parameter must appear once`);
    }
    const id = url.searchParams.get('id');
    const token = url.searchParams.get('token');
    const key = url.searchParams.get('key');
    if (!id || !token || !key) throw new RtcHttpError('unauthorized', 'id, token and key are required');
    if (key !== PEERJS_KEY) throw new RtcHttpError('unauthorized', 'unknown PeerJS key');
    const rooms = this.opts.rooms;
    // The token this server issued to this id a moment ago, its member still waiting for its first
    // socket: the same answer verification would give, without the HMAC (its largest cost here).
    const fresh = this.issued.get(id) === token ? rooms.get(id) : undefined;
    if (fresh && fresh.state === 'pending' && fresh.tokenExp > Date.now() / 1000 && !rooms.isRevoked(id)) {
      this.issued.delete(id);
      if (this.closed || socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws as ConnSocket, fresh, fresh.waiting));
      return;
    }
    const claims = verifyPeerToken(token, this.opts.peerSecret);
    if (claims.pid !== id) throw new RtcHttpError('unauthorized', 'peer token is for another peer id');
    if (claims.pw) {
      // A pre-warmed join's token parks a socket, nothing more: never a seat, never rebuilt.
      if (rooms.get(claims.pid) || rooms.isRevoked(claims.pid)) throw new RtcHttpError('unauthorized', 'this pre-warmed join has been used: open the socket with the join\'s token');
      if (this.closed || socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.park(ws, claims.pid, claims.exp));
      return;
    }
    const farewell = this.farewells.get(claims.pid);
    if (farewell && !rooms.get(claims.pid)) {
      this.farewells.delete(claims.pid);
      if (this.closed || socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', terminateSelf);
        ws.send(OPEN_FRAME);
        ws.send(farewell.frame);
        ws.close(4001, farewell.reason);
        setTimeout(() => ws.terminate(), 1000).unref();
      });
      return;
    }
    if (rooms.isRevoked(claims.pid)) throw new RtcHttpError('unauthorized', 'this peer has left the room; join again');
    if (this.closed || socket.destroyed) return;
    this.issued.delete(claims.pid);

    let member = rooms.get(claims.pid);
    if (!member && this.opts.router) {
      // Cluster mode: another node's join, or a member of a node that died: its record is in Redis.
      member = await this.opts.router.lookup(claims.pid);
      if (this.closed || socket.destroyed) return;
      if (rooms.isRevoked(claims.pid)) throw new RtcHttpError('unauthorized', 'this peer has left the room; join again');
    }
    if (!member) {
      // Unknown but validly signed: a peer of this room from before a restart. Rebuild the roster;
      // a token issued while waiting knocks again, it never takes a seat.
      if (claims.sub !== undefined && rooms.peekState(claims.room)?.barred.has(claims.sub)) {
        throw new RtcHttpError('removed-by-host', 'a host removed you from this room');
      }
      const waiting = claims.w === true;
      if (waiting ? !rooms.hasWaitingRoomFor(claims.room) : !rooms.hasRoomFor(claims.room)) throw new RtcHttpError('room-full', 'room is full');
      member = rooms.addFromToken({
        peerId: claims.pid, room: claims.room, displayName: claims.name, role: claims.role,
        sub: claims.sub, rk: claims.rk, tokenExp: claims.exp, waiting,
      });
      this.opts.log(`rtc-call: rejoin room=${claims.room} peer=${claims.pid} (from peer token${waiting ? ', waiting' : ''})`);
      this.opts.onRebuilt?.(member);
    }
    const m = member;
    const waitingToken = claims.w === true;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws as ConnSocket, m, waitingToken));
  }

  private open(ws: ConnSocket, m: Member, waitingToken: boolean, sendOpen = true): boolean {
    const rooms = this.opts.rooms;
    if (this.closed || rooms.get(m.peerId) !== m) {
      ws.terminate();
      return false;
    }
    if (sendOpen && this.conns.size + this.parked.size >= this.limits.concurrentLimit && !m.socket) {
      ws.send('{"type":"ERROR","payload":{"msg":"Server has reached its concurrent user limit"}}');
      ws.close(1013, 'server full');
      return false;
    }
    const now = Date.now();
    const conn: Conn = { ws, member: m, lastSeen: now, messages: this.limits.messageBurst, bytes: this.limits.byteBurst, refilledAt: now, drops: 0 };
    this.conns.set(ws, conn);
    ws[CONN] = conn;
    ws.on('error', terminateSelf);
    ws.on('close', this.onSocketClose);
    ws.on('message', this.onSocketMessage);
    rooms.attachSocket(m, ws); // a previous socket of this peer, if any, is cut
    if (sendOpen) ws.send(OPEN_FRAME);
    this.opts.onOpen(m, ws, waitingToken);
    const queue = this.queues.get(m.peerId);
    if (queue) {
      this.queues.delete(m.peerId);
      for (const item of queue.items) ws.send(item.frame);
    }
    return true;
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    const size = rawSize(data);
    if (!this.spend(conn, size)) {
      this.counters.dropped('rate-limited', size);
      this.opts.log(`rtc-call: closing socket peer=${conn.member.peerId} code=rate-limited (over the message or byte budget)`);
      conn.ws.close(1008, 'rate limit');
      conn.ws.terminate();
      return;
    }
    if (isBinary) return; // PeerJS signaling is text
    if (this.opts.rooms.get(conn.member.peerId) !== conn.member) return; // a seat taken away relays nothing
    let msg: { type?: unknown; dst?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const type = msg.type;
    if (type === 'HEARTBEAT') return;
    if (type === ROOM_FRAME) {
      this.onRoomRequest(conn, msg.payload);
      return;
    }
    if (type === SFU_FRAME) {
      if (conn.member.waiting) this.counters.dropped('waiting', size);
      else this.opts.onSfu?.(conn.member, msg.payload);
      return;
    }
    if (typeof type !== 'string' || !RELAYED.has(type) || typeof msg.dst !== 'string') return;
    const src = conn.member;
    if (type === SIGNAL_FRAME && msg.dst === EVERYONE) {
      // To everyone else seated in the room (SFU mode's state, chat and app data): the sender pays
      // for every copy, so a broadcast costs what as many single frames would.
      if (src.waiting) {
        this.counters.dropped('waiting', size);
        return;
      }
      const mates = this.opts.rooms.members(src.room).filter((mate) => mate !== src); // members(): seated only
      if (mates.length > 1 && !this.spendExtra(conn, mates.length - 1, size * (mates.length - 1))) {
        this.counters.dropped('rate-limited', size);
        this.opts.log(`rtc-call: closing socket peer=${src.peerId} code=rate-limited (over the message or byte budget)`);
        conn.ws.close(1008, 'rate limit');
        conn.ws.terminate();
        return;
      }
      for (const mate of mates) this.deliver(conn, mate, JSON.stringify({ type, src: src.peerId, dst: mate.peerId, payload: msg.payload }), false);
      return;
    }
    const dst = this.opts.rooms.get(msg.dst);
    if (!dst || dst.room !== src.room || dst === src) return; // nothing crosses rooms, not even an error
    if (src.waiting || dst.waiting) {
      // Someone waiting reaches no one and is reached by no one: the server decides who is in.
      this.counters.dropped('waiting', rawSize(data));
      return;
    }
    // Rebuilt from what we verified: `src` is the socket's identity, whatever the client wrote.
    const frame = JSON.stringify({ type, src: src.peerId, dst: dst.peerId, payload: msg.payload });
    this.deliver(conn, dst, frame, type !== SIGNAL_FRAME);
  }

  private deliver(from: Conn, dst: Member, frame: string, peerJs: boolean): void {
    const router = this.opts.router;
    if (router && !this.opts.rooms.isLocal(dst)) {
      // Its socket is on another node: that node queues or sends it (and drops it when not read).
      from.drops = 0;
      this.counters.relayed(frame.length);
      router.route(dst.node!, { kind: 'frame', to: dst.peerId, src: from.member.peerId, frame, peerJs });
      return;
    }
    const ws = dst.socket;
    if (ws && ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
        // The destination does not read: drop, and cut a sender that keeps pushing into it.
        this.counters.dropped('destination-not-reading', frame.length);
        if (++from.drops > this.limits.maxDropsInARow) {
          this.opts.log(`rtc-call: closing socket peer=${from.member.peerId} code=rate-limited (destination ${dst.peerId} not reading)`);
          from.ws.close(1008, 'destination not reading');
          from.ws.terminate();
        }
        return;
      }
      from.drops = 0;
      this.counters.relayed(frame.length);
      ws.send(frame);
      return;
    }
    // Not open yet (joined, or in its grace period): queue, within the caps.
    let queue = this.queues.get(dst.peerId);
    if (!queue) this.queues.set(dst.peerId, (queue = { items: [], bytes: 0 }));
    if (queue.items.length >= this.limits.queueFrames || queue.bytes + frame.length > this.limits.queueBytes) {
      this.counters.dropped('queue-full', frame.length);
      if (++from.drops > this.limits.maxDropsInARow) {
        from.ws.close(1008, 'destination queue full');
        from.ws.terminate();
      }
      return;
    }
    this.counters.relayed(frame.length);
    queue.items.push({ frame, src: from.member.peerId, at: Date.now(), peerJs });
    queue.bytes += frame.length;
  }

  /** Cluster mode: a frame another node routed here for one of this node's members. */
  deliverRouted(r: RoutedFrame): void {
    if (this.closed) return;
    const dst = this.opts.rooms.get(r.to);
    if (!dst) return;
    if (!this.opts.rooms.isLocal(dst)) {
      // It moved on meanwhile (its socket opened on a third node): pass it on.
      this.opts.router?.route(dst.node!, r);
      return;
    }
    switch (r.kind) {
      case 'event':
        this.send(dst, r.frame);
        return;
      case 'dismiss':
        this.dismissFrame(dst, r.frame, r.reason);
        return;
      case 'frame': {
        const ws = dst.socket;
        if (ws && ws.readyState === WebSocket.OPEN) {
          if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
            this.counters.dropped('destination-not-reading', r.frame.length);
            return;
          }
          ws.send(r.frame);
          return;
        }
        let queue = this.queues.get(dst.peerId);
        if (!queue) this.queues.set(dst.peerId, (queue = { items: [], bytes: 0 }));
        if (queue.items.length >= this.limits.queueFrames || queue.bytes + r.frame.length > this.limits.queueBytes) {
          this.counters.dropped('queue-full', r.frame.length);
          return;
        }
        queue.items.push({ frame: r.frame, src: r.src, at: this.queuedAt(r.holdMs), peerJs: r.peerJs });
        queue.bytes += r.frame.length;
      }
    }
  }

  /** Cluster mode: another node took `m` over: what waits here for its socket goes there. */
  handOver(m: Member): void {
    const queue = this.queues.get(m.peerId);
    this.queues.delete(m.peerId);
    this.issued.delete(m.peerId);
    const router = this.opts.router;
    if (!queue || !router || m.node === undefined) return;
    for (const item of queue.items) router.route(m.node, { kind: 'frame', to: m.peerId, src: item.src, frame: item.frame, peerJs: item.peerJs });
  }

  /** A frame to a member's socket: here if open, through its node in cluster mode; false when not sent. */
  private send(m: Member, frame: string): boolean {
    const router = this.opts.router;
    if (router && !this.opts.rooms.isLocal(m)) {
      router.route(m.node!, { kind: 'event', to: m.peerId, frame });
      return true;
    }
    const ws = m.socket;
    if (ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(frame);
    return true;
  }

  private onRoomRequest(conn: Conn, payload: unknown): void {
    const id = typeof (payload as { id?: unknown } | null)?.id === 'string' ? (payload as { id: string }).id.slice(0, 64) : undefined;
    const ok = (data: unknown) => {
      if (id !== undefined) this.replyTo(conn, data === undefined ? { reply: id, ok: true } : { reply: id, ok: true, data });
    };
    const failed = (err: unknown) => {
      const e = err instanceof RtcHttpError ? err : new RtcHttpError('internal', 'internal error');
      if (!(err instanceof RtcHttpError)) this.opts.log(`rtc-call: room request error: ${q(String(err))}`);
      if (id !== undefined) this.replyTo(conn, { reply: id, ok: false, error: { code: e.code, message: e.message } });
    };
    try {
      const data = this.opts.onRequest(conn.member, payload);
      // Some requests wait (cluster mode: an admission takes its seat in Redis first).
      if (data instanceof Promise) data.then(ok, failed);
      else ok(data);
    } catch (err) {
      failed(err);
    }
  }

  private replyTo(conn: Conn, reply: RoomReply): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(roomFrame(reply));
  }

  /** Spends `messages` more messages and `bytes` more bytes of the budgets (refilled by spend()). */
  private spendExtra(conn: Conn, messages: number, bytes: number): boolean {
    conn.messages -= messages;
    conn.bytes -= bytes;
    return conn.messages >= 0 && conn.bytes >= 0;
  }

  /** Token buckets: refill by elapsed time, then spend one message and `size` bytes. */
  private spend(conn: Conn, size: number): boolean {
    const now = Date.now();
    const elapsed = (now - conn.refilledAt) / 1000;
    conn.refilledAt = now;
    conn.lastSeen = now;
    const l = this.limits;
    conn.messages = Math.min(l.messageBurst, conn.messages + elapsed * l.messagesPerSecond) - 1;
    conn.bytes = Math.min(l.byteBurst, conn.bytes + elapsed * l.bytesPerSecond) - size;
    return conn.messages >= 0 && conn.bytes >= 0;
  }

  /** Once a second: expire queued frames (the sender gets EXPIRE, as from PeerServer) and cut silent sockets. */
  private sweep(): void {
    const now = Date.now();
    for (const [peerId, queue] of this.queues) {
      const live: Queued[] = [];
      const expiredFrom = new Set<string>();
      for (const item of queue.items) {
        if (now - item.at < this.limits.queueMs) live.push(item);
        else {
          // PeerJS reads EXPIRE as "could not connect to that peer"; our SIGNAL frames (ICE restarts,
          // the SFU side's state and chat) are not its own calls, and their senders recover by themselves.
          if (item.peerJs) expiredFrom.add(item.src);
          this.counters.dropped('queue-expired', item.frame.length);
        }
      }
      if (live.length === queue.items.length) continue;
      for (const src of expiredFrom) {
        const sender = this.opts.rooms.get(src);
        if (sender) this.send(sender, JSON.stringify({ type: 'EXPIRE', src: peerId, dst: src }));
      }
      if (live.length) this.queues.set(peerId, { items: live, bytes: live.reduce((n, i) => n + i.frame.length, 0) });
      else this.queues.delete(peerId);
    }
    for (const [id, f] of this.farewells) if (now - f.at > FAREWELL_MS) this.farewells.delete(id);
    if (++this.sweeps % 5 === 0) {
      for (const conn of this.conns.values()) {
        if (now - conn.lastSeen > this.limits.aliveTimeoutMs) conn.ws.terminate();
      }
    }
    for (const [pid, p] of this.parked) {
      if (p.exp * 1000 <= now) this.unpark(pid, p, 4002, 'prewarm-expired');
      else if (now - p.lastSeen > this.limits.aliveTimeoutMs) {
        this.parked.delete(pid);
        p.ws.terminate();
      }
    }
  }

  /**
   * The server takes `m`'s seat (or place in the waiting list) away: its page is told why
   * (`removed`, `denied`, `ended`), then its socket closes gracefully (4001) so the notice arrives
   * first. Detached from the member, so the removal that follows does not cut it short.
   */
  dismiss(m: Member, event: RoomEvent): void {
    const router = this.opts.router;
    if (router && !this.opts.rooms.isLocal(m)) {
      // Its node sends the notice; the removal that follows reaches that node after it (one Redis connection keeps the order).
      router.route(m.node!, { kind: 'dismiss', to: m.peerId, frame: roomFrame(event), reason: event.event });
      return;
    }
    this.dismissFrame(m, roomFrame(event), event.event);
  }

  private dismissFrame(m: Member, frame: string, reason: string): void {
    const ws = m.socket;
    if (ws?.readyState !== WebSocket.OPEN) {
      if (!this.closed) this.farewells.set(m.peerId, { frame, reason, at: Date.now() });
      return;
    }
    m.socket = null;
    ws.send(frame);
    ws.close(4001, reason);
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  /** A room event to the open sockets of a room's seated hosts (`localOnly`: those on this node). */
  toHosts(room: string, event: RoomEvent, localOnly = false): void {
    const frame = roomFrame(event);
    for (const mate of this.opts.rooms.members(room)) {
      if (mate.role === 'host' && (!localOnly || this.opts.rooms.isLocal(mate))) this.send(mate, frame);
    }
  }

  /** The token the join API issued to `peerId` no longer opens its socket without a full check (it waited and was admitted). */
  forgetIssued(peerId: string): void {
    this.issued.delete(peerId);
  }

  /** An SFU frame to a member's socket (dropped while it is not open: the browser asks again). */
  sendSfu(m: Member | undefined, message: SfuServerMessage): void {
    if (m) this.send(m, JSON.stringify({ type: SFU_FRAME, payload: message }));
  }

  /** A room event to one socket; false when it is not open (nothing sent). */
  sendEvent(ws: WebSocket | null, event: RoomEvent): boolean {
    if (ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(roomFrame(event));
    return true;
  }

  /** A room event to a member's socket, on this node or (cluster mode) another; false when it has none open here. */
  sendTo(m: Member, event: RoomEvent): boolean {
    return this.send(m, roomFrame(event));
  }

  /**
   * A room event to every seated member of `room` that a socket opening later still gets (for
   * `holdMs`, not the usual queue time): `sfu-moved`, which a member whose signaling is
   * reconnecting at that moment (its node died with the room's lease) must not miss.
   */
  broadcastHeld(room: string, event: RoomEvent, holdMs: number): void {
    const frame = roomFrame(event);
    const router = this.opts.router;
    for (const m of this.opts.rooms.members(room)) {
      if (router && !this.opts.rooms.isLocal(m)) {
        router.route(m.node!, { kind: 'frame', to: m.peerId, src: '', frame, peerJs: false, holdMs });
        continue;
      }
      if (m.socket?.readyState === WebSocket.OPEN) {
        m.socket.send(frame);
        continue;
      }
      let queue = this.queues.get(m.peerId);
      if (!queue) this.queues.set(m.peerId, (queue = { items: [], bytes: 0 }));
      queue.items.push({ frame, src: '', at: this.queuedAt(holdMs), peerJs: false });
      queue.bytes += frame.length;
    }
  }

  /** When a queued frame counts as queued, so that it expires after `holdMs` (default: the usual queue time). */
  private queuedAt(holdMs: number | undefined): number {
    const now = Date.now();
    return holdMs === undefined ? now : now + Math.max(0, Math.min(holdMs, 60_000) - this.limits.queueMs);
  }

  /** A room event to every open socket of a room but `except`. */
  broadcast(room: string, event: RoomEvent, except?: Member): void {
    const frame = roomFrame(event);
    for (const mate of this.opts.rooms.members(room)) if (mate !== except) this.send(mate, frame);
  }

  /**
   * Tell the room someone took a seat (before they can call anyone). In cluster mode only this
   * node's sockets: every node tells its own when it learns of the seat (server/cluster/), so two
   * joins at once on two nodes still each hear of the other, exactly once.
   */
  announceJoined(m: Member): void {
    const frame = roomFrame({ event: 'member-joined', data: toPublic(m) });
    for (const mate of this.opts.rooms.members(m.room)) {
      if (mate !== m && this.opts.rooms.isLocal(mate)) this.send(mate, frame);
    }
  }

  /** A member left the roster: forget its queue and issued token; a seated one's mates are told (room event, then PeerJS LEAVE). */
  forget(m: Member): void {
    this.queues.delete(m.peerId);
    this.issued.delete(m.peerId);
  }

  /** A seated member left the roster: tell the mates (room event, then PeerJS LEAVE). */
  announceLeft(m: Member, reason: 'left' | 'disconnected' | 'removed-by-host', mates: Member[]): void {
    this.forget(m);
    const event = roomFrame({ event: 'member-left', data: { peerId: m.peerId, reason } });
    for (const mate of mates) {
      if (!this.send(mate, event)) continue;
      this.send(mate, JSON.stringify({ type: 'LEAVE', src: m.peerId, dst: mate.peerId }));
    }
  }

  /** Stop timers and cut every socket. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const conn of this.conns.values()) conn.ws.terminate();
    this.conns.clear();
    for (const p of this.parked.values()) p.ws.terminate();
    this.parked.clear();
    this.queues.clear();
    this.issued.clear();
    this.farewells.clear();
    this.wss.close();
  }
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
