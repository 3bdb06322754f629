/**
 * The PeerJS mesh: one PeerLink per remote participant, over our signaling relay. Everything that
 * knows PeerJS lives in this folder — the Peer, its socket (room events ride it as ROOM frames),
 * the links, the placeholders that stand in for missing tracks, the bitrate rule, and the
 * workarounds for what PeerJS cannot do (DESIGN, "Layers").
 *
 * Call model: the newcomer calls everyone already present (no glare). A call from a peer the
 * server has not announced yet is held until its `member-joined` arrives (at most
 * HOLD_UNANNOUNCED_MS), then answered — never on the caller's word, never after an HTTP look-up.
 */
import type { MediaConnection, Peer, PeerOptions } from 'peerjs';
import type { JoinResponse, PrewarmResponse, PublicMember } from '../../../protocol/join.js';
import { SFU_FRAME } from '../../../protocol/sfu.js';
import { ROOM_FRAME, SIGNAL_FRAME, type CredentialsRefresh, type RoomRequest } from '../../../protocol/room-events.js';
import { TypedEmitter } from '../../emitter.js';
import { RtcError, RtcErrorCode, peerError } from '../../errors.js';
import { CredentialsTimer, PendingAsks, takeRoomPayload } from '../room-asks.js';
import { meshBitratePolicy, type BitratePolicy } from '../../session/policies.js';
import type { ParticipantLeaveReason } from '../../types.js';
import type { ChatWire, CodecPreferences, ConnectOptions, FileOffer, LocalState, MediaSource, RemotePeer, Transport, TransportEvents } from '../transport.js';
import { loadPeerJs } from './peerjs-loader.js';
import { readLinkSample, type LinkSample } from '../stats.js';
import type { ControlMessage } from './control.js';
import { PeerLink, RECOVERY_LIMIT_MS, RESTART_BACKOFF_MS, parseRecoveryMessage } from './peer-link.js';
import { preferInSdp } from '../codecs.js';
import { createPlaceholderTracks } from './placeholder.js';
import { SIGNALING_OPEN_TIMEOUT_MS } from '../timeouts.js';

export { SIGNALING_OPEN_TIMEOUT_MS };

/** How long a call from a room-mate the server has not announced yet is held before it is refused. */
export const HOLD_UNANNOUNCED_MS = 5_000;
/** Loads PeerJS now (a join about to need it): the session starts this alongside the join request. */
export function preloadPeerJs(): Promise<unknown> {
  return loadPeerJs();
}

/**
 * How long a new link's announcement (`participant-joined`: the page renders its tile) waits for
 * the link's offer or answer to leave. PeerJS's setRemoteDescription → createAnswer →
 * setLocalDescription chain runs on the page's main thread: a render started between two of its
 * steps holds the answer up for as long as it takes (issue 23 measured 65–110 ms on one page and
 * 140–320 ms on two), and the join's first frame with it. So the link is announced once its
 * description is on its way, the render then overlapping the network's round trip; a join's
 * `connect()` likewise resolves once its offers have left.
 */
export const ANNOUNCE_AFTER_SIGNAL_MAX_MS = 300;

/** How long a goodbye on a link waits for the server's `member-left` and its reason. */
export const FAREWELL_WAIT_MS = 1_000;

/** A frame on the signaling socket (PeerJS's shape, our types too). */
export interface SignalingFrame {
  type?: string;
  src?: string;
  dst?: string;
  payload?: unknown;
}

/**
 * For a transport that rides this one's signaling socket (switching-transport.ts: the SFU's media
 * in a room that changes course): it sees every frame the mesh does not keep to itself (ROOM,
 * SFU, LEAVE, and SIGNAL frames that are no ICE recovery) before the mesh acts on it, and hears
 * the `receiving` messages of the links.
 */
export interface MeshHooks {
  frame?(frame: SignalingFrame): void;
  receiving?(participantId: string, via: 'mesh' | 'sfu'): void;
}


export class MeshTransport extends TypedEmitter<TransportEvents> implements Transport {
  private peer: Peer | null = null;
  private localId: string | null = null;
  private readonly links = new Map<string, PeerLink>();
  /** Who the server says is in the room (never what a caller says). */
  private readonly roster = new Map<string, PublicMember>();
  /** Calls from peers not announced yet. */
  private readonly held = new Map<string, { media: MediaConnection; timer: ReturnType<typeof setTimeout> }>();
  /**
   * Participants whose link said goodbye while the server still lists them: the server's
   * `member-left` names the reason (a host may have removed them), so it is awaited briefly.
   */
  private readonly farewells = new Map<string, { link: PeerLink; timer: ReturnType<typeof setTimeout> }>();
  /** New links not announced yet (ANNOUNCE_AFTER_SIGNAL_MAX_MS): `done` settles when they are, or are gone. */
  private readonly unannounced = new Map<PeerLink, { done: Promise<void>; cancel: () => void }>();
  private readonly tracks: Record<MediaSource, MediaStreamTrack | null> = { microphone: null, camera: null, screen: null };
  private state: LocalState = { mic: false, cam: false, name: '', screen: false };
  private closing = false;
  private readonly credentials = new CredentialsTimer(() => !!this.peer?.open && !this.closing, (r) => this.request(r));
  /** `ask()`s waiting for their reply. */
  private readonly asks = new PendingAsks();
  private maxIncomingFile: (from: string) => number = () => 0;
  private codecs: CodecPreferences = {};
  /** The camera's step down (adaptVideo), applied to every new link too. */
  private videoStep = 0;
  /** Whether media goes peer to peer now: otherwise (the room is on the SFU) nobody is called and a closed link is not dialled again. */
  private mediaActive = true;

  constructor(private readonly bitrate: BitratePolicy = meshBitratePolicy, private readonly hooks: MeshHooks = {}) {
    super();
  }

  /**
   * Peer to peer or not (a room that switches): on, we call everyone present we have no link to
   * whose id is larger than ours (they call us otherwise: one direction, no glare); off, nobody is
   * called or dialled again, and calls are still answered. Before connect(): whether it calls at all.
   */
  setMediaActive(active: boolean): void {
    if (this.mediaActive === active) return;
    this.mediaActive = active;
    if (!active || !this.peer?.open || !this.localId) return;
    for (const member of this.roster.values()) {
      if (member.peerId !== this.localId && !this.links.has(member.peerId) && this.localId < member.peerId) this.call(member);
    }
  }

  /** Closes the link to one participant without a goodbye (they stay in the call on another path); `participant-left` follows. */
  releaseLink(participantId: string): void {
    const link = this.links.get(participantId);
    if (!link) return;
    void link.close(false);
    this.forget(link, 'disconnected');
  }

  /** The connection of the link to `participantId` (null: none yet). */
  peerConnectionOf(participantId: string): RTCPeerConnection | null {
    return this.links.get(participantId)?.peerConnection ?? null;
  }

  /** Whether a file is on its way on the link to `participantId`. */
  transferring(participantId: string): boolean {
    return this.links.get(participantId)?.transferring ?? false;
  }

  /** Tells one participant, over our link, through which path we now receive them. */
  sendReceiving(participantId: string, via: 'mesh' | 'sfu'): void {
    this.links.get(participantId)?.send({ t: 'receiving', via });
  }

  /** Whether signaling is open (for a transport riding this socket). */
  get signalingOpen(): boolean {
    return !!this.peer?.open && !this.closing;
  }

  get peers(): readonly RemotePeer[] {
    return [...this.links.values()].filter((l) => !this.unannounced.has(l));
  }

  get peerConnections(): RTCPeerConnection[] {
    return [...this.links.values()].flatMap((l) => (l.peerConnection ? [l.peerConnection] : []));
  }

  async adaptVideo(step: number): Promise<void> {
    this.videoStep = step;
    await Promise.all([...this.links.values()].map((l) => l.setVideoStep(step)));
  }

  /** Every link sends one camera size (the sender adapts it to its uplink): nothing to choose. */
  receiveVideoSize(_participantId: string, _width: number): void {}

  async linkSample(participantId: string): Promise<LinkSample | null> {
    const pc = this.links.get(participantId)?.peerConnection;
    return pc ? readLinkSample(pc) : null;
  }

  get mediaFlowing(): boolean {
    return this.peerConnections.some((pc) => pc.connectionState === 'connected');
  }

  async connect(join: JoinResponse, options: ConnectOptions): Promise<void> {
    this.localId = join.peerId;
    this.tracks.microphone = options.tracks.microphone;
    this.tracks.camera = options.tracks.camera;
    this.state = options.state;
    this.maxIncomingFile = options.maxIncomingFile;
    this.codecs = options.codecs ?? {};
    for (const m of join.members) this.roster.set(m.peerId, m);
    const warm = this.takePrewarmed(join.peerId);
    let peer: Peer;
    if (warm) {
      // The server adopted the parked socket at the join: it is this member's now, with the join's
      // token and ICE servers for what PeerJS opens from here on.
      peer = warm.peer;
      const peerOptions = peer.options as PeerOptions & { config: RTCConfiguration };
      peerOptions.token = join.peerToken;
      peerOptions.config = { iceServers: join.iceServers, iceTransportPolicy: join.iceTransportPolicy ?? 'all' };
    } else {
      this.releasePrewarm();
      const { Peer } = await loadPeerJs();
      if (options.signal.aborted || this.closing) return;
      peer = new Peer(join.peerId, this.peerOptions(join, options));
      this.peer = peer;
      await this.waitForOpen(peer, options.signal);
      if (options.signal.aborted || this.closing) return;
    }
    this.watchPeer(peer);
    // What the adopted socket got before this answer was read (the roster, a wait).
    for (const frame of warm?.early ?? []) this.onSignalingFrame(frame);
    this.credentials.schedule(join.peerTokenExpires);
    // The newcomer calls everyone already present (one direction only: no glare).
    if (this.mediaActive) for (const member of join.members) this.call(member);
    // Resolved once the offers have left: the call view the page renders next does not hold them up.
    await Promise.all([...this.unannounced.values()].map((a) => a.done));
  }

  // ── pre-warm ─────────────────────────────────────────────────────────────────────────────
  // While the pre-join view is up, PeerJS is loaded and its socket opened with a pre-warmed join's
  // parked token (server/signaling/relay.ts): nobody knows it, it relays nothing. The join that
  // names that token makes it the member's socket, so connect() skips the socket's open.

  private warm: { id: string; peer: Peer; early: SignalingFrame[]; off: () => void } | null = null;

  get prewarmedId(): string | undefined {
    return this.warm?.id;
  }

  async prewarm(info: PrewarmResponse, options: Pick<ConnectOptions, 'endpoint' | 'signal'>): Promise<boolean> {
    this.releasePrewarm();
    const { Peer } = await loadPeerJs();
    if (options.signal.aborted || this.closing || this.peer) return false;
    const { host, port, secure } = options.endpoint;
    // No ICE servers: a parked socket makes no connection; the join's answer brings them.
    const peer = new Peer(info.peerId, {
      host, port, secure, path: info.signaling.path, key: info.signaling.key, token: info.peerToken,
      config: { iceServers: [], iceTransportPolicy: 'all' }, debug: 0,
    } as PeerOptions);
    try {
      await this.waitForOpen(peer, options.signal);
    } catch {
      peer.destroy();
      return false;
    }
    if (options.signal.aborted || this.closing || this.peer) {
      peer.destroy();
      return false;
    }
    const early: SignalingFrame[] = [];
    const onFrame = (frame: SignalingFrame) => early.push(frame);
    // Closed by the server (its 10 minutes are up, or a restart) or the network: nothing to keep.
    const onGone = () => {
      if (this.warm?.peer === peer) this.releasePrewarm();
    };
    peer.socket.on('message', onFrame);
    peer.on('disconnected', onGone);
    peer.on('error', onGone);
    this.warm = {
      id: info.peerId,
      peer,
      early,
      off: () => {
        peer.socket.off('message', onFrame);
        peer.off('disconnected', onGone);
        peer.off('error', onGone);
      },
    };
    return true;
  }

  /** The pre-warmed Peer for `id`, handed over (its listeners off); null if there is none for it. */
  private takePrewarmed(id: string): { peer: Peer; early: SignalingFrame[] } | null {
    const warm = this.warm;
    if (!warm || warm.id !== id || warm.peer.disconnected || warm.peer.destroyed) return null;
    this.warm = null;
    warm.off();
    this.peer = warm.peer;
    return warm;
  }

  /** Closes a pre-warmed socket not taken by a join (the server forgets it: it held no seat). */
  releasePrewarm(): void {
    const warm = this.warm;
    if (!warm) return;
    this.warm = null;
    warm.off();
    warm.peer.destroy();
  }

  async publish(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[source] = track;
    await Promise.all([...this.links.values()].map((l) => l.replaceTrack(source, track)));
  }

  sendState(state: LocalState): void {
    this.state = state;
    const msg = this.stateMessage();
    for (const link of this.links.values()) link.send(msg);
  }

  sendData(data: unknown, to?: readonly string[]): void {
    this.sendTo({ t: 'data', data }, to);
  }

  /** A control message on every link, or on those to the ids in `to`. */
  private sendTo(msg: ControlMessage, to?: readonly string[]): void {
    for (const link of this.links.values()) if (!to || to.includes(link.id)) link.send(msg);
  }

  sendChat(message: ChatWire, to?: readonly string[]): void {
    this.sendTo({ t: 'chat', ...message }, to);
  }

  verificationCode(participantId: string): Promise<string> {
    const link = this.links.get(participantId);
    if (!link) return Promise.reject(new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${participantId} in this call.`));
    return link.verificationCode();
  }

  sendFile(to: string, offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void> {
    const link = this.links.get(to);
    if (!link) return Promise.reject(new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${to} in this call.`));
    return link.sendFile(offer, data, onProgress);
  }

  cancelFile(id: string): boolean {
    let any = false;
    for (const link of this.links.values()) any = link.cancelFile(id) || any;
    return any;
  }

  askHistory(from: string): void {
    this.links.get(from)?.send({ t: 'history' });
  }

  request(request: RoomRequest): void {
    this.sendFrame({ type: ROOM_FRAME, payload: request });
  }

  /**
   * A frame of ours on PeerJS's signaling socket (dropped while it is not open): PeerJS's socket
   * sends any frame with a `type`; our relay reads ROOM frames as room requests and passes SIGNAL
   * frames to `dst`.
   */
  sendFrame(frame: { type: string; dst?: string; payload?: unknown }): void {
    const socket = (this.peer as unknown as { socket?: { send(data: unknown): void } } | null)?.socket;
    if (this.peer?.open) socket?.send(frame);
  }

  ask(request: RoomRequest): Promise<unknown> {
    if (!this.peer?.open || this.closing) {
      return Promise.reject(new RtcError(RtcErrorCode.SignalingUnreachable, 'Not connected to the call server right now.'));
    }
    return this.asks.ask(request, (r) => this.request(r));
  }

  reconnectSignaling(): void {
    const peer = this.peer;
    if (peer && peer.disconnected && !peer.destroyed) peer.reconnect();
  }

  get peerToken(): string | null {
    return (this.peer?.options.token as string | undefined) ?? null;
  }

  resume(join: JoinResponse): void {
    if (this.closing || join.peerId !== this.localId) return;
    for (const m of join.members) this.remember(m);
    this.onRefreshed(join);
    this.reconnectSignaling();
  }

  async close(sayBye: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.credentials.stop();
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
    }
    // Tell the server first: room-mates learn `left` at once, even if a goodbye on a link is lost.
    if (sayBye) this.request({ request: 'leave' });
    this.asks.rejectAll('The call ended before the server answered.');
    for (const id of [...this.held.keys()]) this.releaseHeld(id, true);
    this.releasePrewarm();
    for (const { timer } of this.farewells.values()) clearTimeout(timer);
    this.farewells.clear();
    for (const { cancel } of this.unannounced.values()) cancel();
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.close(sayBye)));
    const peer = this.peer;
    this.peer = null;
    peer?.destroy();
    this.roster.clear();
    this.removeAllListeners();
  }

  // ── credentials ───────────────────────────────────────────────────────────────────────────
  // Peer tokens are short-lived (an hour by default) and TURN credentials live no longer: before
  // they end, a `refresh` room request gets new ones. PeerJS reads its token from its options on
  // every reconnect and its RTCConfiguration on every new connection; links already up get the
  // new TURN credentials through setConfiguration().

  private onRefreshed(data: unknown): void {
    const fresh = data as Partial<CredentialsRefresh> | undefined;
    const peer = this.peer;
    if (!peer || typeof fresh?.peerToken !== 'string' || typeof fresh.peerTokenExpires !== 'number' || !Array.isArray(fresh.iceServers)) return; // retried
    const options = peer.options as PeerOptions & { config: RTCConfiguration };
    options.token = fresh.peerToken;
    options.config = { ...options.config, iceServers: fresh.iceServers };
    for (const pc of this.peerConnections) pc.setConfiguration({ ...pc.getConfiguration(), iceServers: fresh.iceServers });
    this.credentials.schedule(fresh.peerTokenExpires);
  }

  // ── signaling ─────────────────────────────────────────────────────────────────────────────

  private peerOptions(join: JoinResponse, options: ConnectOptions): PeerOptions {
    const { host, port, secure } = options.endpoint;
    return {
      host,
      port,
      secure,
      path: join.signaling.path,
      key: join.signaling.key,
      token: join.peerToken,
      // Never PeerJS's defaults (a public STUN/TURN): exactly what our server says.
      config: { iceServers: join.iceServers, iceTransportPolicy: join.iceTransportPolicy ?? 'all' },
      debug: 0,
    } as PeerOptions;
  }

  private waitForOpen(peer: Peer, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        peer.off('open', onOpen);
        peer.off('error', onError);
        signal.removeEventListener('abort', onAbort);
      };
      const onOpen = () => {
        done();
        resolve();
      };
      const onError = (error: unknown) => {
        done();
        const mapped = peerError(error);
        reject(
          mapped.code === RtcErrorCode.SignalingUnreachable
            ? new RtcError(RtcErrorCode.SignalingUnreachable, 'The signaling connection to the call server was refused or lost.', { cause: error, fatal: true })
            : mapped,
        );
      };
      const onAbort = () => {
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new RtcError(RtcErrorCode.SignalingUnreachable, `The signaling connection did not open within ${SIGNALING_OPEN_TIMEOUT_MS / 1000} s.`, { fatal: true }));
      }, SIGNALING_OPEN_TIMEOUT_MS);
      peer.on('open', onOpen);
      peer.on('error', onError);
      signal.addEventListener('abort', onAbort);
    });
  }

  private watchPeer(peer: Peer): void {
    peer.on('call', (media) => this.answer(media));
    // A transport being closed destroys its own Peer: that is no signaling loss.
    peer.on('disconnected', () => {
      if (!this.closing) this.emit('signaling-lost');
    });
    peer.on('open', () => {
      if (this.closing) return;
      if (this.credentials.due) this.credentials.refresh();
      this.emit('signaling-restored');
    });
    peer.on('error', (error) => this.onPeerError(error));
    // The server's LEAVE (a room-mate's socket closed and did not come back) drops them at once,
    // also when their media link had already failed. Room events ride the same socket.
    peer.socket.on('message', (msg: SignalingFrame) => this.onSignalingFrame(msg));
    // The page's network came back: links that are recovering try again at once.
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
    }
  }

  private onSignalingFrame(msg: SignalingFrame): void {
    if (!msg || typeof msg !== 'object') return;
    const recovery = msg.type === SIGNAL_FRAME ? parseRecoveryMessage(msg.payload) : null;
    if (!recovery && (msg.type === 'LEAVE' || msg.type === ROOM_FRAME || msg.type === SIGNAL_FRAME || msg.type === SFU_FRAME)) this.hooks.frame?.(msg);
    if (msg.type === 'LEAVE' && msg.src) this.drop(msg.src, 'disconnected');
    else if (msg.type === ROOM_FRAME) this.onRoomEvent(msg.payload);
    else if (recovery && msg.src) {
      if (recovery.kind === 'redial') this.onRedialAsked(msg.src);
      else this.links.get(msg.src)?.onSignal(recovery);
    }
  }

  private readonly onOnline = () => {
    for (const link of this.links.values()) link.retryNow();
  };

  /** The page lost its network: every connected link starts recovering now rather than when ICE notices. */
  private readonly onOffline = () => {
    for (const link of this.links.values()) link.startRecovery();
  };

  private onPeerError(error: unknown): void {
    const type = (error as { type?: string }).type;
    if (type === 'network' || type === 'socket-closed' || type === 'socket-error' || type === 'disconnected' || type === 'server-error') {
      // Socket trouble: `disconnected` drives the session's reconnect loop; no error until it gives up.
      return;
    }
    if (type === 'peer-unavailable') {
      // PeerJS names the peer only in its message ("Could not connect to peer <id>").
      const id = /peer (\S+)$/.exec((error as Error).message ?? '')?.[1];
      if (id) this.drop(id, 'disconnected');
    }
    this.emit('error', peerError(error));
  }

  private onRoomEvent(payload: unknown): void {
    const event = takeRoomPayload(payload, this.asks, (data) => this.onRefreshed(data));
    if (!event) return;
    switch (event.event) {
      case 'members':
        for (const m of event.data.members) if (m.peerId !== this.localId) this.remember(m);
        this.emit('room-event', event);
        break;
      case 'admitted':
        // Let in: the credentials and the roster the wait held back; now we call everyone present.
        this.onRefreshed(event.data);
        for (const m of event.data.members) if (m.peerId !== this.localId) this.remember(m);
        if (this.mediaActive) for (const m of event.data.members) if (m.peerId !== this.localId) this.call(m);
        this.emit('room-event', event);
        break;
      case 'waiting':
      case 'knock':
      case 'knock-withdrawn':
      case 'denied':
      case 'mute-requested':
      case 'locked':
      case 'ended':
      case 'mode-changed':
        this.emit('room-event', event);
        break;
      case 'member-joined':
        if (event.data.peerId !== this.localId) this.remember(event.data);
        break;
      case 'member-left':
        this.drop(event.data.peerId, event.data.reason);
        break;
      case 'member-updated': {
        const member = this.roster.get(event.data.peerId);
        if (member && event.data.displayName !== undefined) this.remember({ ...member, displayName: event.data.displayName });
        break;
      }
      case 'removed':
        this.emit('removed', event.data.reason);
        break;
    }
  }

  /** The server announced (or renamed) a member: keep what it says, answer their held call. */
  private remember(member: PublicMember): void {
    this.roster.set(member.peerId, member);
    const link = this.links.get(member.peerId);
    if (link && link.displayName !== member.displayName) {
      link.displayName = member.displayName;
      this.emit('participant-updated', link);
    }
    const held = this.releaseHeld(member.peerId, false);
    if (held) this.answerKnown(held);
  }

  // ── links ─────────────────────────────────────────────────────────────────────────────────

  /** Tracks to offer: real ones where we have them, placeholders elsewhere (swapped right after). */
  /**
   * The stream a new link is offered (or answered) with, and `done()` once PeerJS has added its
   * tracks to the connection (inside call() / answer()): the placeholders stop, and the stream
   * lets go of its tracks — a track holds on to every stream it is in, so a microphone kept for
   * a long call would otherwise keep one stream (and its stopped placeholders) per link ever made.
   */
  private sendStream() {
    const { microphone, camera, screen } = this.tracks;
    const placeholders = createPlaceholderTracks({ audio: !microphone, video: !camera, screen: !screen });
    // In this order: one audio, then camera and screen as the first and second video transceiver.
    const stream = new MediaStream([microphone ?? placeholders.audio!, camera ?? placeholders.video!, screen ?? placeholders.screen!]);
    const done = () => {
      placeholders.dispose();
      for (const track of stream.getTracks()) stream.removeTrack(track);
    };
    return { stream, done };
  }

  private call(member: PublicMember, replacing = false): void {
    const peer = this.peer;
    if (!peer || (this.links.has(member.peerId) && !replacing)) return;
    const { stream, done } = this.sendStream();
    // PeerJS makes the first offer inside call(), before we reach its transceivers: that offer gets
    // the codec order through PeerJS's sdpTransform (codecs.ts).
    const prefer = this.codecs.audio?.length || this.codecs.video?.length;
    const media = peer.call(member.peerId, stream, prefer ? { sdpTransform: (sdp: string) => preferInSdp(sdp, this.codecs) } : undefined);
    this.addLink(member, media, replacing);
    // The offer already has its audio and two video m-lines; the placeholders have served.
    done();
  }

  private answer(media: MediaConnection): void {
    if (!this.peer || this.closing) return;
    if (this.roster.has(media.peer)) {
      this.answerKnown(media);
      return;
    }
    this.releaseHeld(media.peer, true);
    const timer = setTimeout(() => {
      if (this.held.get(media.peer)?.media !== media) return;
      this.held.delete(media.peer);
      media.close();
    }, HOLD_UNANNOUNCED_MS);
    this.held.set(media.peer, { media, timer });
  }

  private answerKnown(media: MediaConnection): void {
    const member = this.roster.get(media.peer);
    if (!this.peer || !member) return;
    const old = this.links.get(media.peer);
    this.links.delete(media.peer);
    void old?.close(false);
    const { stream, done } = this.sendStream();
    media.answer(stream);
    // A participant calling again (a re-dial, a reload that kept its id) is the same participant.
    this.addLink(member, media, !!old && !this.dropUnannounced(old));
    done();
  }

  private addLink(member: PublicMember, media: MediaConnection, replacing = false): void {
    const link = new PeerLink(
      {
        id: member.peerId,
        localId: this.localId ?? '',
        codecs: this.codecs,
        displayName: member.displayName,
        role: member.role === 'host' ? 'host' : 'guest',
        media,
        // Names come from the server's room events only, never from the caller.
        trustAnnouncedName: false,
      },
      {
        onUpdate: (l) => {
          // Until it is announced, a link's news (its stream, at setRemoteDescription) is in the announcement.
          if (this.links.get(l.id) === l && !this.unannounced.has(l)) this.emit('participant-updated', l);
        },
        onData: (l, data) => {
          if (this.links.get(l.id) === l) this.emit('data', l.id, data);
        },
        onChat: (l, message) => {
          if (this.links.get(l.id) === l) this.emit('chat', l.id, message);
        },
        onHistoryAsked: (l) => {
          if (this.links.get(l.id) === l) this.emit('history-asked', l.id);
        },
        // A transfer reports to its end even when its link was replaced meanwhile: it never hangs.
        files: (l) => ({
          maxIncoming: () => this.maxIncomingFile(l.id),
          onIncoming: (offer) => this.emit('file-incoming', l.id, offer),
          onProgress: (id, bytes) => this.emit('file-progress', l.id, id, bytes),
          onReceived: (offer, data) => this.emit('file-received', l.id, offer, data),
          onFailed: (id, error) => this.emit('file-failed', l.id, id, error),
        }),
        onClose: (l, reason) => {
          if (this.links.get(l.id) !== l) return;
          if (reason === 'redial' && this.mediaActive) this.redial(l);
          else if (reason === 'left' && this.roster.has(l.id)) this.awaitServer(l);
          else this.forget(l, reason === 'redial' ? 'disconnected' : reason);
        },
        onReceiving: (l, via) => {
          if (this.links.get(l.id) === l) this.hooks.receiving?.(l.id, via);
        },
        signal: (l, message) => this.sendFrame({ type: SIGNAL_FRAME, dst: l.id, payload: message }),
        onError: (error) => this.emit('error', error),
      },
    );
    const previous = this.links.get(member.peerId);
    if (previous && previous !== link) void previous.close(false);
    // Replacing a link nobody was told of yet is announcing this one.
    const known = replacing || (!!previous && previous !== link && !this.dropUnannounced(previous));
    this.links.set(member.peerId, link);
    link.attach({ ...this.tracks }, this.stateMessage());
    if (this.videoStep) void link.setVideoStep(this.videoStep);
    this.applyBitrate();
    if (known) {
      // The deadline of a re-dial now watches the new connection (see redial()).
      this.emit('participant-updated', link);
    } else this.announceWhenSignalled(link);
  }

  /** `participant-joined` for a new link once its offer or answer has left (or ANNOUNCE_AFTER_SIGNAL_MAX_MS). */
  private announceWhenSignalled(link: PeerLink): void {
    const pc = link.peerConnection!;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const stop = () => {
      clearTimeout(timer);
      pc.removeEventListener('signalingstatechange', onState);
      this.unannounced.delete(link);
      settle();
    };
    const announce = () => {
      if (this.unannounced.get(link)?.done !== done) return;
      stop();
      if (this.links.get(link.id) === link) this.emit('participant-joined', link);
    };
    // PeerJS hands the description to the socket in the microtask after its setLocalDescription
    // resolves, which is after this event: one task later it has left.
    const onState = () => {
      if (pc.localDescription || pc.signalingState === 'closed') {
        pc.removeEventListener('signalingstatechange', onState);
        clearTimeout(timer);
        timer = setTimeout(announce, 0);
      }
    };
    pc.addEventListener('signalingstatechange', onState);
    timer = setTimeout(announce, ANNOUNCE_AFTER_SIGNAL_MAX_MS);
    this.unannounced.set(link, { done, cancel: stop });
  }

  /** A link that goes before it was announced goes unannounced: true if it was one. */
  private dropUnannounced(link: PeerLink): boolean {
    const pending = this.unannounced.get(link);
    pending?.cancel();
    return !!pending;
  }

  // ── re-dial ──────────────────────────────────────────────────────────────────────────────────
  // When the browser closes a connection that was recovering (Firefox does, once its DTLS
  // transport fails), the participant stays listed as reconnecting: the end that offers restarts
  // dials a new MediaConnection, the other asks it to; the other side's answer replaces the link.
  // Within what is left of the 30 s recovery; after that, `ice-failed`.

  /** Deadline timers of participants whose connection is being dialled again. */
  private readonly redials = new Map<string, { deadline: ReturnType<typeof setTimeout>; retry: ReturnType<typeof setTimeout> | undefined; attempt: number }>();

  private redial(link: PeerLink): void {
    const id = link.id;
    const member = this.roster.get(id);
    if (!member || this.closing) {
      this.forget(link, 'disconnected');
      return;
    }
    this.emit('participant-updated', link); // now reconnecting, without media
    if (!this.redials.has(id)) {
      const left = Math.max(0, RECOVERY_LIMIT_MS - (performance.now() - (link.recoverySince ?? performance.now())));
      const deadline = setTimeout(() => {
        const entry = this.redials.get(id);
        this.redials.delete(id);
        clearTimeout(entry?.retry);
        const current = this.links.get(id);
        if (current && current.connection !== 'connected') {
          void current.close(false);
          this.forget(current, 'ice-failed');
        }
      }, left);
      this.redials.set(id, { deadline, retry: undefined, attempt: 0 });
    }
    this.dialAgain(id, link.dialsAgain);
  }

  /** One attempt (dial, or ask the other end to), then again with backoff until connected or the deadline. */
  private dialAgain(id: string, dial: boolean): void {
    const entry = this.redials.get(id);
    const member = this.roster.get(id);
    if (!entry || !member) return;
    const current = this.links.get(id);
    if (current && !current.isClosed && current.connection === 'connected') {
      clearTimeout(entry.deadline);
      this.redials.delete(id);
      return;
    }
    if (this.peer?.open) {
      if (dial) this.call(member, true);
      else this.sendFrame({ type: SIGNAL_FRAME, dst: id, payload: { kind: 'redial' } });
    }
    entry.attempt++;
    const delay = RESTART_BACKOFF_MS[Math.min(entry.attempt + 1, RESTART_BACKOFF_MS.length - 1)]! || 1_000;
    clearTimeout(entry.retry);
    // Wait for the new connection (it connects in about a second) before trying once more.
    entry.retry = setTimeout(() => this.dialAgain(id, dial), Math.max(delay, 3_000));
  }

  /** The other end's connection to us is gone and it cannot dial: we dial (we are the end that does). */
  private onRedialAsked(id: string): void {
    const link = this.links.get(id);
    if (!link || !this.localId || !(this.localId < id)) return;
    if (this.redials.has(id)) return; // already dialling
    if (!link.isClosed) {
      // Ours may look alive, but theirs is gone: this one cannot come back.
      link.recoverySince ??= performance.now();
      void link.close(false);
    }
    this.redial(link);
  }

  private drop(id: string, reason: ParticipantLeaveReason): void {
    this.releaseHeld(id, true);
    this.roster.delete(id);
    const farewell = this.farewells.get(id);
    if (farewell) {
      clearTimeout(farewell.timer);
      this.farewells.delete(id);
      this.emit('participant-left', farewell.link, reason);
      return;
    }
    const link = this.links.get(id);
    if (!link) return;
    void link.close(false);
    this.forget(link, reason);
  }

  /**
   * A link said goodbye before the server's `member-left` came (the two travel different paths):
   * the link is off the list at once, and the leave is reported with the server's reason, or as
   * `left` if the server says nothing within FAREWELL_WAIT_MS (signaling down).
   */
  private awaitServer(link: PeerLink): void {
    this.links.delete(link.id);
    this.applyBitrate();
    if (this.dropUnannounced(link)) return;
    const timer = setTimeout(() => {
      this.farewells.delete(link.id);
      this.emit('participant-left', link, 'left');
    }, FAREWELL_WAIT_MS);
    this.farewells.set(link.id, { link, timer });
  }

  /** A link is over: off the list, the others get more bitrate, the session hears of it. */
  private forget(link: PeerLink, reason: ParticipantLeaveReason): void {
    const redial = this.redials.get(link.id);
    if (redial) {
      clearTimeout(redial.deadline);
      clearTimeout(redial.retry);
      this.redials.delete(link.id);
    }
    this.links.delete(link.id);
    this.applyBitrate();
    if (!this.dropUnannounced(link)) this.emit('participant-left', link, reason);
  }

  /** Stops holding `id`'s call; `refuse` hangs it up. Returns the call when it is to be answered. */
  private releaseHeld(id: string, refuse: boolean): MediaConnection | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    clearTimeout(held.timer);
    this.held.delete(id);
    if (refuse) held.media.close();
    return refuse ? undefined : held.media;
  }

  private applyBitrate(): void {
    const bps = this.bitrate.videoBitrate(this.links.size + 1);
    for (const link of this.links.values()) link.setMaxBitrate(bps);
  }

  private stateMessage(): ControlMessage {
    return { t: 'state', mic: this.state.mic, cam: this.state.cam, name: this.state.name, ...(this.state.screen ? { screen: true } : {}) };
  }
}
