/**
 * The SFU transport: media through the server's Janus (VideoRoom), behind the same Transport
 * interface as the mesh. Two RTCPeerConnections whatever the room's size: one publishing our
 * microphone, camera (simulcast: three layers where the capture is large enough) and screen
 * (each an m-line of its own, present from the first offer: publishing is replaceTrack, as in the
 * mesh), and one subscribing to everyone else's, renegotiated by the server as people come and
 * go. The server drives Janus; this end only exchanges SDP and candidates with the server (SFU
 * frames), so the page never holds a Janus secret or talks to its API.
 *
 * State, chat, app data and history go through the server too (SIGNAL frames, `dst` one id or
 * `*`), as the mesh's control messages. Not here: files and the security code (both need a
 * peer-to-peer link: `not-supported`).
 *
 * In a room that switches between mesh and SFU it rides the mesh's signaling socket instead of
 * opening its own (`channel`: one socket per participant id), and its media is on only while the
 * room is on the SFU (`startMedia()` / `stopMedia()`); its roster and messages work throughout
 * (switching-transport.ts).
 */
import type { JoinResponse, PublicMember } from '../../../protocol/join.js';
import { EVERYONE, ROOM_FRAME, SIGNAL_FRAME, type CredentialsRefresh, type RoomRequest } from '../../../protocol/room-events.js';
import { parseSfuServerMessage, SFU_FRAME, type SfuClientMessage, type SfuStream } from '../../../protocol/sfu.js';
import { TypedEmitter } from '../../emitter.js';
import { RtcError, RtcErrorCode } from '../../errors.js';
import type { ConnectionState, ParticipantLeaveReason, ParticipantRole } from '../../types.js';
import { applyCodecPreferences } from '../codecs.js';
import { CredentialsTimer, PendingAsks, takeRoomPayload } from '../room-asks.js';
import { readLinkSample, type LinkSample } from '../stats.js';
import type { ChatWire, CodecPreferences, ConnectOptions, FileOffer, LocalState, MediaSource, RemotePeer, SignalingEndpoint, Transport, TransportEvents } from '../transport.js';
import { parseControlMessage, type ControlMessage } from '../mesh/control.js';
import { SignalingSocket, type Frame } from './socket.js';

/** How long the signaling socket may take to open. */
const SIGNALING_OPEN_TIMEOUT_MS = 10_000;
/** How long the server may take to answer our publisher offer. */
const PUBLISH_TIMEOUT_MS = 15_000;

/**
 * Simulcast layers, highest first as Janus expects them (rid h, m, l), for a camera of at least
 * SIMULCAST_MIN_WIDTH: below it the browser would leave layers out (Chromium sends one at 320×180,
 * two at 640×480), and a subscriber asking for a missing layer would get no video at all.
 */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 1_200_000 },
  { rid: 'm', maxBitrate: 400_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 120_000, scaleResolutionDownBy: 4 },
];
const SIMULCAST_MIN_WIDTH = 960;
/** The layer a tile needs for its width in device pixels: above these widths, the next one up. */
const LAYER_WIDTHS = [320, 640];

/** Another transport's signaling socket this one rides: frames out, and `receiveFrame()` for those in. */
export interface FrameChannel {
  readonly open: boolean;
  send(frame: Frame): void;
}

export interface SfuTransportOptions {
  /** Ride this socket (its owner refreshes the credentials and reconnects) instead of opening one. */
  channel?: FrameChannel;
  /** Publish and subscribe from connect() on (default true); false: roster and messages only, until startMedia(). */
  media?: boolean;
}

/** A remote participant as this transport knows them. */
class SfuPeer implements RemotePeer {
  micEnabled = true;
  cameraEnabled = true;
  connection: ConnectionState = 'connecting';
  stream: MediaStream | null = null;
  screenStream: MediaStream | null = null;
  /** Their state says they share a screen. */
  sharing = false;
  /** Their media has arrived at some point (a later gap is a reconnection). */
  everConnected = false;
  /** Their tracks as subscribed, by source. */
  readonly tracks: Partial<Record<MediaSource, MediaStreamTrack>> = {};
  /** The mid of their camera in our subscription, and the layer we asked for. */
  cameraMid: string | null = null;
  layer: 0 | 1 | 2 | null = null;
  wantedLayer: 0 | 1 | 2 = 2;
  constructor(readonly id: string, public displayName: string, readonly role: ParticipantRole) {}
}

export class SfuTransport extends TypedEmitter<TransportEvents> implements Transport {
  private readonly socket = new SignalingSocket({ onFrame: (f) => this.onFrame(f), onClose: () => this.onSocketClosed() });
  private readonly channel: FrameChannel | null;
  /** Whether we publish and subscribe (always, unless riding a switching room's mesh). */
  private mediaOn: boolean;
  private join: JoinResponse | null = null;
  private endpoint: SignalingEndpoint | null = null;
  private token = '';
  private readonly roster = new Map<string, SfuPeer>();
  private readonly tracks: Record<MediaSource, MediaStreamTrack | null> = { microphone: null, camera: null, screen: null };
  private state: LocalState = { mic: false, cam: false, name: '', screen: false };
  private codecs: CodecPreferences = {};
  private pub: RTCPeerConnection | null = null;
  private sub: RTCPeerConnection | null = null;
  private readonly senders: Partial<Record<MediaSource, RTCRtpTransceiver>> = {};
  private publishing: Promise<void> | null = null;
  private pubAnswer: { resolve(sdp: RTCSessionDescriptionInit): void; reject(e: RtcError): void } | null = null;
  /** Subscriber offers, one at a time. */
  private subQueue: Promise<void> = Promise.resolve();
  /** Counts fresh subscriptions: work on an offer of an earlier one is dropped. */
  private subEpoch = 0;
  private closing = false;
  /** Counts media restarts (a room moved to another Janus): work of an earlier one is dropped. */
  private generation = 0;
  private videoStep = 0;
  private readonly asks = new PendingAsks();
  private readonly credentials = new CredentialsTimer(() => this.socket.open && !this.closing, (r) => this.request(r));

  constructor(options: SfuTransportOptions = {}) {
    super();
    this.channel = options.channel ?? null;
    this.mediaOn = options.media ?? true;
  }

  private get signalingOpen(): boolean {
    return this.channel ? this.channel.open : this.socket.open;
  }

  /** What we said before signaling first opened (our state to everyone, a history request): sent once it is. */
  private outbox: Frame[] | null = [];

  private send(frame: Frame): void {
    if (this.outbox) this.outbox.push(frame);
    else if (this.channel) this.channel.send(frame);
    else this.socket.send(frame);
  }

  /** Signaling opened for the first time (riding a channel: its owner says so): what waited goes now. */
  signalingOpened(): void {
    const waiting = this.outbox;
    if (!waiting) return;
    this.outbox = null;
    for (const frame of waiting) this.send(frame);
    // Everyone hears our state, and answers with theirs: what they sent us while our socket was
    // not open yet waited in the server's queue for at most a few seconds.
    this.sendControl({ ...this.stateMessage(), hello: true });
  }

  /** A frame from the socket this transport rides (see FrameChannel). */
  receiveFrame(frame: Frame): void {
    if (!this.closing) this.onFrame(frame);
  }

  /** The subscribing connection (null: none now). */
  get subscriber(): RTCPeerConnection | null {
    return this.sub;
  }

  /** Whether we publish and subscribe now. */
  get mediaStarted(): boolean {
    return this.mediaOn;
  }

  /** Publishes and subscribes (the room went to the SFU); a no-op while it already does. */
  startMedia(): void {
    if (this.mediaOn || this.closing) return;
    this.mediaOn = true;
    if (this.join && !this.join.waiting && !this.outbox) void this.startPublishing();
  }

  /**
   * Stops publishing and subscribing (the room is back on the mesh, whose links now carry
   * everything): the server hangs up our Janus handles, both connections close; the roster and
   * messages go on.
   */
  stopMedia(): void {
    if (!this.mediaOn || this.closing) return;
    this.mediaOn = false;
    this.sendSfu({ kind: 'stop' });
    this.dropMedia();
  }

  /**
   * Whether `participantId`'s media reaches us through the SFU: subscribed, connected, and the
   * frames of their camera (when on) and screen (when shared) arriving (a remote track is muted
   * until its first packets).
   */
  receiving(participantId: string): boolean {
    const peer = this.roster.get(participantId);
    if (!peer || peer.connection !== 'connected' || !this.mediaOn) return false;
    const live = (t: MediaStreamTrack | undefined) => !!t && t.readyState === 'live' && !t.muted;
    if (peer.sharing && !live(peer.tracks.screen)) return false;
    return peer.cameraEnabled ? live(peer.tracks.camera) : !!peer.tracks.microphone;
  }

  get peers(): readonly RemotePeer[] {
    return [...this.roster.values()];
  }

  get peerConnections(): RTCPeerConnection[] {
    return [this.pub, this.sub].filter((pc): pc is RTCPeerConnection => pc !== null);
  }

  get mediaFlowing(): boolean {
    return this.peerConnections.some((pc) => pc.connectionState === 'connected');
  }

  get peerToken(): string | null {
    return this.token || null;
  }

  async connect(join: JoinResponse, options: ConnectOptions): Promise<void> {
    this.join = join;
    this.endpoint = options.endpoint;
    this.token = join.peerToken;
    this.tracks.microphone = options.tracks.microphone;
    this.tracks.camera = options.tracks.camera;
    this.state = options.state;
    this.codecs = options.codecs ?? {};
    for (const m of join.members) this.remember(m);
    // Riding another socket: its owner opens it, refreshes the credentials and says when it is open.
    if (this.channel) return;
    try {
      await this.openSocket();
    } catch (err) {
      throw new RtcError(RtcErrorCode.SignalingUnreachable, `The signaling connection to the call server failed: ${(err as Error).message}`, { cause: err, fatal: true });
    }
    if (options.signal.aborted || this.closing) return;
    this.credentials.schedule(join.peerTokenExpires);
    this.signalingOpened();
    if (!join.waiting && this.mediaOn) void this.startPublishing();
  }

  private openSocket(): Promise<void> {
    const join = this.join!;
    return this.socket.connect(this.endpoint!, join.signaling.path, join.signaling.key, join.peerId, this.token, SIGNALING_OPEN_TIMEOUT_MS);
  }

  // ── publishing ──────────────────────────────────────────────────────────────────────────────

  private startPublishing(): Promise<void> {
    if (!this.mediaOn) return Promise.resolve();
    const generation = this.generation;
    this.publishing ??= this.publishOnce().catch((err: unknown) => {
      if (generation !== this.generation) return; // media restarted meanwhile (sfu-moved)
      this.publishing = null;
      if (!this.closing) this.emit('error', err instanceof RtcError ? err : new RtcError(RtcErrorCode.SfuUnavailable, `Publishing to the media server failed: ${(err as Error).message}`, { cause: err }));
    });
    return this.publishing;
  }

  private async publishOnce(): Promise<void> {
    const pc = this.newConnection('pub');
    this.pub = pc;
    this.senders.microphone = pc.addTransceiver(this.tracks.microphone ?? 'audio', { direction: 'sendonly' });
    const width = this.tracks.camera?.getSettings().width ?? 0;
    this.senders.camera = pc.addTransceiver(this.tracks.camera ?? 'video', {
      direction: 'sendonly',
      ...(width >= SIMULCAST_MIN_WIDTH ? { sendEncodings: SIMULCAST.map((e) => ({ ...e })) } : {}),
    });
    this.senders.screen = pc.addTransceiver(this.tracks.screen ?? 'video', { direction: 'sendonly' });
    if (this.codecs.audio?.length || this.codecs.video?.length) applyCodecPreferences(pc, this.codecs);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const sources = (['microphone', 'camera', 'screen'] as const).map((source) => ({ mid: this.senders[source]!.mid ?? '', source }));
    const answer = new Promise<RTCSessionDescriptionInit>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RtcError(RtcErrorCode.SfuUnavailable, `The media server did not answer within ${PUBLISH_TIMEOUT_MS / 1000} s.`)), PUBLISH_TIMEOUT_MS);
      this.pubAnswer = {
        resolve: (sdp) => { clearTimeout(timer); resolve(sdp); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
    this.sendSfu({ kind: 'publish', jsep: { type: 'offer', sdp: pc.localDescription!.sdp }, sources });
    const remote = await answer;
    if (this.closing || this.pub !== pc) return;
    await pc.setRemoteDescription(remote);
    if (this.videoStep) await this.applyVideoStep();
  }

  async publish(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[source] = track;
    const tx = this.senders[source];
    if (tx && this.pub?.signalingState !== 'closed') await tx.sender.replaceTrack(track);
  }

  async adaptVideo(step: number): Promise<void> {
    this.videoStep = step;
    await this.applyVideoStep();
  }

  /**
   * A limited uplink: with simulcast, step 1 drops the top layer and step 2 keeps only the lowest;
   * one layer is scaled down as in the mesh (half the resolution at 20 fps, a quarter at 10 fps).
   */
  private async applyVideoStep(): Promise<void> {
    const sender = this.senders.camera?.sender;
    if (!sender || this.pub?.signalingState === 'closed') return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    if (params.encodings.length > 1) {
      params.encodings.forEach((e, i) => {
        e.active = i >= Math.min(this.videoStep, params.encodings.length - 1);
      });
    } else {
      const e = params.encodings[0]!;
      e.scaleResolutionDownBy = [1, 2, 4][this.videoStep] ?? 4;
      e.maxFramerate = [30, 20, 10][this.videoStep] ?? 10;
    }
    await sender.setParameters(params).catch(() => {});
  }

  /**
   * The room's Janus was lost and another took the room over: both connections go, and we publish
   * and subscribe again there. Participants stay (reconnecting, without media, until theirs is back).
   */
  private restartMedia(): void {
    if (this.closing || !this.join || this.join.waiting || !this.mediaOn) return;
    this.dropMedia();
    void this.startPublishing();
  }

  /** Both connections go (work of theirs still under way is dropped); participants stay, without media. */
  private dropMedia(): void {
    this.generation++;
    this.pubAnswer?.reject(new RtcError(RtcErrorCode.SfuUnavailable, 'Publishing was stopped.'));
    this.pubAnswer = null;
    this.publishing = null;
    for (const pc of this.peerConnections) pc.close();
    this.pub = null;
    this.sub = null;
    for (const source of ['microphone', 'camera', 'screen'] as const) delete this.senders[source];
    this.subQueue = Promise.resolve();
    for (const peer of this.roster.values()) {
      for (const source of ['microphone', 'camera', 'screen'] as const) delete peer.tracks[source];
      peer.cameraMid = null;
      peer.layer = null;
      this.rebuildStreams(peer);
    }
    this.updateConnections(true);
  }

  // ── subscribing ─────────────────────────────────────────────────────────────────────────────

  private onSubscriberOffer(sdp: string, streams: SfuStream[], seq: number, fresh: boolean): void {
    if (!this.mediaOn) return; // a late one, after stopMedia()
    // A new subscription on the server (the last one went unanswered in time, its handle hung up):
    // the old connection goes now, and any offer still queued or being answered on it is dropped
    // (its answer would reach the new subscription). The queue starts afresh: work pending on a
    // closed connection never settles (WebRTC's operations chain drops it), and would hold it.
    if (fresh) {
      this.subEpoch++;
      this.sub?.close();
      this.sub = null;
      this.subQueue = Promise.resolve();
    }
    const generation = this.generation;
    const epoch = this.subEpoch;
    const current = () => !this.closing && generation === this.generation && epoch === this.subEpoch;
    this.subQueue = this.subQueue.then(async () => {
      if (!current()) return;
      const pc = this.sub ?? this.createSubscriber();
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (!current()) return;
      this.sendSfu({ kind: 'answer', seq, jsep: { type: 'answer', sdp: pc.localDescription!.sdp } });
      this.assignStreams(pc, streams);
    }).catch((err: unknown) => {
      if (current()) this.emit('error', new RtcError(RtcErrorCode.SfuUnavailable, `The media server's offer could not be used: ${(err as Error).message}`, { cause: err }));
    });
  }

  private createSubscriber(): RTCPeerConnection {
    this.sub = this.newConnection('sub');
    return this.sub;
  }

  /** A connection to Janus with the server's ICE servers; its candidates go to the server as `which`'s. */
  private newConnection(which: 'pub' | 'sub'): RTCPeerConnection {
    const join = this.join!;
    const pc = new RTCPeerConnection({ iceServers: join.iceServers, iceTransportPolicy: join.iceTransportPolicy ?? 'all' });
    pc.onicecandidate = (e) => this.sendSfu({ kind: 'candidate', pc: which, candidate: e.candidate ? { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex } : null });
    pc.onconnectionstatechange = () => this.updateConnections();
    return pc;
  }

  /** Which track is whose, after each (re)negotiation of the subscription. */
  private assignStreams(pc: RTCPeerConnection, streams: SfuStream[]): void {
    const byMid = new Map(streams.map((s) => [s.mid, s]));
    const next = new Map<string, Partial<Record<MediaSource, MediaStreamTrack>>>();
    const cameraMid = new Map<string, string>();
    for (const tx of pc.getTransceivers()) {
      const info = tx.mid === null ? undefined : byMid.get(tx.mid);
      if (!info || tx.currentDirection === 'inactive' || tx.direction === 'inactive') continue;
      const tracks = next.get(info.peerId) ?? {};
      tracks[info.source] = tx.receiver.track;
      next.set(info.peerId, tracks);
      if (info.source === 'camera') cameraMid.set(info.peerId, tx.mid!);
    }
    for (const peer of this.roster.values()) {
      const tracks = next.get(peer.id) ?? {};
      peer.cameraMid = cameraMid.get(peer.id) ?? null;
      if (!peer.cameraMid) peer.layer = null;
      let changed = false;
      for (const source of ['microphone', 'camera', 'screen'] as const) {
        if (peer.tracks[source] !== tracks[source]) {
          peer.tracks[source] = tracks[source];
          changed = true;
        }
      }
      if (changed) this.rebuildStreams(peer);
      this.sendLayer(peer);
    }
    this.updateConnections(true);
  }

  /** The peer's camera and microphone as one stream (kept, tracks swapped), its screen as another while they share. */
  private rebuildStreams(peer: SfuPeer): void {
    const av = [peer.tracks.microphone, peer.tracks.camera].filter((t): t is MediaStreamTrack => !!t);
    if (av.length) {
      const stream = peer.stream ?? new MediaStream();
      for (const t of stream.getTracks()) if (!av.includes(t)) stream.removeTrack(t);
      for (const t of av) if (!stream.getTracks().includes(t)) stream.addTrack(t);
      peer.stream = stream;
    } else peer.stream = null;
    const screen = peer.sharing ? peer.tracks.screen : undefined;
    if (screen) {
      if (peer.screenStream?.getVideoTracks()[0] !== screen) peer.screenStream = new MediaStream([screen]);
    } else peer.screenStream = null;
  }

  receiveVideoSize(participantId: string, width: number): void {
    const peer = this.roster.get(participantId);
    if (!peer) return;
    const layer = (width <= LAYER_WIDTHS[0]! ? 0 : width <= LAYER_WIDTHS[1]! ? 1 : 2) as 0 | 1 | 2;
    peer.wantedLayer = layer;
    this.sendLayer(peer);
  }

  private sendLayer(peer: SfuPeer): void {
    if (!peer.cameraMid || peer.layer === peer.wantedLayer) return;
    peer.layer = peer.wantedLayer;
    this.sendSfu({ kind: 'layer', mid: peer.cameraMid, substream: peer.wantedLayer });
  }

  /** A participant is connected when our subscription to them is (and we reach the SFU at all). */
  private updateConnections(force = false): void {
    const sub = this.sub?.connectionState;
    for (const peer of this.roster.values()) {
      const subscribed = !!(peer.tracks.microphone || peer.tracks.camera || peer.tracks.screen);
      // Not (or no longer) subscribed: connecting the first time, reconnecting after a media restart.
      const next: ConnectionState = !subscribed
        ? peer.everConnected ? 'reconnecting' : 'connecting'
        : sub === 'connected' ? 'connected' : sub === 'disconnected' || sub === 'failed' ? 'reconnecting' : 'connecting';
      if (next === 'connected') peer.everConnected = true;
      if (next !== peer.connection || force) {
        peer.connection = next;
        this.emit('participant-updated', peer);
      }
    }
  }

  // ── signaling ───────────────────────────────────────────────────────────────────────────────

  private sendSfu(message: SfuClientMessage): void {
    this.send({ type: SFU_FRAME, payload: message });
  }

  private sendControl(msg: ControlMessage, to?: readonly string[]): void {
    const payload = { ctl: JSON.stringify(msg) };
    if (!to) this.send({ type: SIGNAL_FRAME, dst: EVERYONE, payload });
    else for (const id of to) if (this.roster.has(id)) this.send({ type: SIGNAL_FRAME, dst: id, payload });
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case ROOM_FRAME:
        this.onRoomEvent(frame.payload);
        break;
      case SFU_FRAME: {
        const msg = parseSfuServerMessage(frame.payload);
        if (!msg) return;
        if (msg.kind === 'answer') {
          this.pubAnswer?.resolve(msg.jsep);
          this.pubAnswer = null;
        } else if (msg.kind === 'offer') this.onSubscriberOffer(msg.jsep.sdp, msg.streams, msg.seq, msg.fresh === true);
        else if (msg.kind === 'candidate') {
          const pc = msg.pc === 'pub' ? this.pub : this.sub;
          if (msg.candidate) void pc?.addIceCandidate(msg.candidate).catch(() => {});
        } else {
          if (!this.mediaOn) return; // about media we no longer send or receive
          const error = new RtcError(msg.code === 'sfu-unavailable' ? RtcErrorCode.SfuUnavailable : RtcErrorCode.Internal, msg.message);
          if (this.pubAnswer) {
            this.pubAnswer.reject(error);
            this.pubAnswer = null;
          } else this.emit('error', error);
        }
        break;
      }
      case SIGNAL_FRAME:
        if (frame.src) this.onControl(frame.src, frame.payload);
        break;
      case 'LEAVE':
        if (frame.src) this.drop(frame.src, 'disconnected');
        break;
    }
  }

  private onControl(from: string, payload: unknown): void {
    const peer = this.roster.get(from);
    const raw = (payload as { ctl?: unknown } | null)?.ctl;
    const msg = parseControlMessage(raw);
    if (!peer || !msg) return;
    switch (msg.t) {
      case 'state': {
        if (msg.hello) this.sendControl(this.stateMessage(), [from]);
        const sharing = msg.screen === true;
        const changed = peer.micEnabled !== msg.mic || peer.cameraEnabled !== msg.cam || peer.sharing !== sharing;
        peer.micEnabled = msg.mic;
        peer.cameraEnabled = msg.cam;
        peer.sharing = sharing;
        this.rebuildStreams(peer);
        if (changed) this.emit('participant-updated', peer);
        break;
      }
      case 'data':
        this.emit('data', from, msg.data);
        break;
      case 'chat': {
        const { t: _t, ...chat } = msg;
        this.emit('chat', from, chat);
        break;
      }
      case 'history':
        this.emit('history-asked', from);
        break;
      default:
        break; // files, verification: peer to peer only
    }
  }

  private onRoomEvent(payload: unknown): void {
    const event = takeRoomPayload(payload, this.asks, (data) => this.onRefreshed(data));
    if (!event) return;
    switch (event.event) {
      case 'members':
        for (const m of event.data.members) this.remember(m);
        this.emit('room-event', event);
        break;
      case 'admitted':
        this.onRefreshed(event.data);
        for (const m of event.data.members) this.remember(m);
        if (this.join) this.join = { ...this.join, iceServers: event.data.iceServers, waiting: false };
        void this.startPublishing();
        this.emit('room-event', event);
        break;
      case 'member-joined':
        this.remember(event.data);
        break;
      case 'member-left':
        this.drop(event.data.peerId, event.data.reason);
        break;
      case 'member-updated': {
        const peer = this.roster.get(event.data.peerId);
        if (peer && event.data.displayName !== undefined) this.remember({ peerId: peer.id, displayName: event.data.displayName, role: peer.role });
        break;
      }
      case 'removed':
        this.emit('removed', event.data.reason);
        break;
      case 'sfu-unavailable':
        if (this.mediaOn) this.emit('error', new RtcError(RtcErrorCode.SfuUnavailable, event.data.message ?? 'The media server stopped answering.'));
        break;
      case 'sfu-moved':
        this.restartMedia();
        break;
      default:
        this.emit('room-event', event);
    }
  }

  /** The server announced a member (never anyone's own word): known from now on; they get our state. */
  private remember(member: PublicMember): void {
    if (!this.join || member.peerId === this.join.peerId) return;
    const known = this.roster.get(member.peerId);
    if (known) {
      if (known.displayName !== member.displayName) {
        known.displayName = member.displayName;
        this.emit('participant-updated', known);
      }
      return;
    }
    const peer = new SfuPeer(member.peerId, member.displayName, member.role === 'host' ? 'host' : 'guest');
    this.roster.set(peer.id, peer);
    this.emit('participant-joined', peer);
    this.sendControl(this.stateMessage(), [peer.id]);
  }

  private drop(id: string, reason: ParticipantLeaveReason): void {
    const peer = this.roster.get(id);
    if (!peer) return;
    this.roster.delete(id);
    this.emit('participant-left', peer, reason);
  }

  private onSocketClosed(): void {
    if (this.closing) return;
    this.emit('signaling-lost');
  }

  reconnectSignaling(): void {
    if (this.closing || this.channel || this.socket.open || !this.join) return;
    this.openSocket().then(() => {
      if (this.closing) return;
      if (this.credentials.due) this.credentials.refresh();
      // Everyone hears our state again (they may have missed changes while we were away).
      this.sendControl(this.stateMessage());
      this.emit('signaling-restored');
    }, () => {
      // Still down: the session's reconnect loop calls again.
    });
  }

  resume(join: JoinResponse): void {
    if (this.closing || join.peerId !== this.join?.peerId) return;
    for (const m of join.members) this.remember(m);
    this.onRefreshed(join);
    this.reconnectSignaling();
  }

  private onRefreshed(data: unknown): void {
    const fresh = data as Partial<CredentialsRefresh> | undefined;
    if (typeof fresh?.peerToken !== 'string' || typeof fresh.peerTokenExpires !== 'number' || !Array.isArray(fresh.iceServers)) return;
    this.token = fresh.peerToken;
    if (this.join) this.join = { ...this.join, iceServers: fresh.iceServers };
    for (const pc of this.peerConnections) pc.setConfiguration({ ...pc.getConfiguration(), iceServers: fresh.iceServers });
    this.credentials.schedule(fresh.peerTokenExpires);
  }

  // ── the rest of the interface ───────────────────────────────────────────────────────────────

  sendState(state: LocalState): void {
    this.state = state;
    this.sendControl(this.stateMessage());
  }

  sendData(data: unknown, to?: readonly string[]): void {
    this.sendControl({ t: 'data', data }, to);
  }

  sendChat(message: ChatWire, to?: readonly string[]): void {
    this.sendControl({ t: 'chat', ...message }, to);
  }

  askHistory(from: string): void {
    this.sendControl({ t: 'history' }, [from]);
  }

  sendFile(_to: string, _offer: FileOffer, _data: Blob, _onProgress: (bytes: number) => void): Promise<void> {
    return Promise.reject(new RtcError(RtcErrorCode.NotSupported, 'Files go peer to peer, and this call sends its media through the call server (SFU mode).'));
  }

  cancelFile(_id: string): boolean {
    return false;
  }

  verificationCode(_participantId: string): Promise<string> {
    return Promise.reject(new RtcError(RtcErrorCode.NotSupported, 'This call goes through the call server (SFU mode): its media is encrypted to the server, not end to end, so there is no security code to compare.'));
  }

  request(request: RoomRequest): void {
    this.send({ type: ROOM_FRAME, payload: request });
  }

  ask(request: RoomRequest): Promise<unknown> {
    if (!this.signalingOpen || this.closing) {
      return Promise.reject(new RtcError(RtcErrorCode.SignalingUnreachable, 'Not connected to the call server right now.'));
    }
    return this.asks.ask(request, (r) => this.request(r));
  }

  async linkSample(participantId: string): Promise<LinkSample | null> {
    const peer = this.roster.get(participantId);
    const sub = this.sub;
    if (!peer || !sub) return null;
    const tracks = new Set(Object.values(peer.tracks).map((t) => t.id));
    const inbound = await readLinkSample(sub, (s) => tracks.has(s['trackIdentifier'] as string));
    const outbound = this.pub ? await readLinkSample(this.pub) : null;
    if (!inbound) return null;
    if (!outbound) return inbound;
    return {
      ...inbound,
      outboundFractionLost: outbound.outboundFractionLost,
      roundTripTime: Math.max(inbound.roundTripTime ?? 0, outbound.roundTripTime ?? 0) || null,
      availableOutgoingBitrate: outbound.availableOutgoingBitrate,
      qualityLimitationReason: outbound.qualityLimitationReason,
    };
  }

  async close(sayBye: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.credentials.stop();
    if (sayBye) this.request({ request: 'leave' });
    this.asks.rejectAll('The call ended before the server answered.');
    this.pubAnswer?.reject(new RtcError(RtcErrorCode.SfuUnavailable, 'The call ended.'));
    this.pubAnswer = null;
    for (const pc of this.peerConnections) pc.close();
    this.pub = null;
    this.sub = null;
    this.socket.close();
    this.roster.clear();
    this.removeAllListeners();
  }

  private stateMessage(): Extract<ControlMessage, { t: 'state' }> {
    return { t: 'state', mic: this.state.mic, cam: this.state.cam, name: this.state.name, ...(this.state.screen ? { screen: true } : {}) };
  }
}
