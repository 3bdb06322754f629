/**
 * One PeerLink per remote participant: the PeerJS media call (one RTCPeerConnection) and a
 * reliable, ordered control channel negotiated on that same connection (`negotiated: true`, fixed
 * id on both sides, so PeerJS neither takes it over nor opens a second connection per pair).
 */
import type { MediaConnection } from 'peerjs';
import { RtcError, RtcErrorCode } from '../../errors.js';
import type { ConnectionState, ParticipantRole } from '../../types.js';
import type { ChatWire, CodecPreferences, FileOffer, MediaSource } from '../transport.js';
import { applyCodecPreferences } from '../codecs.js';
import { parseControlMessage, type ControlMessage } from './control.js';
import { LinkFiles, type LinkFilesHooks } from './file-transfer.js';
import { VerificationExchange, fingerprintOf } from './verification.js';

/** The camera's steps down for a limited uplink: resolution divided by, and frame-rate cap. */
const STEPS: [number, number | undefined][] = [
  [1, undefined],
  [2, 20],
  [4, 10],
];

/** The control channel's fixed SCTP stream id on both sides. */
export const CONTROL_CHANNEL_ID = 512;
/** Heartbeat period, and how long a silent open channel may stay silent before the link is dropped. */
export const HEARTBEAT_MS = 2_000;
export const SILENCE_LIMIT_MS = 8_000;
/**
 * How long a link may take to connect before it counts as failed (`ice-failed`). Without this a
 * link with no usable candidate (relay-only and a dead TURN server) would wait forever: PeerJS
 * never signals the end of candidates, so ICE itself never gives up.
 */
export const CONNECT_TIMEOUT_MS = 20_000;
/** A connected link whose ICE stays `disconnected` this long starts recovering (an ICE restart). */
export const DISCONNECTED_GRACE_MS = 2_000;
/** How long after connecting a link's bitrate cap and camera step are applied. */
const BITRATE_SETTLE_MS = 500;
/** How long a link may try to recover before the participant leaves with `ice-failed`. */
export const RECOVERY_LIMIT_MS = 30_000;
/** Delays between ICE restart attempts while recovering (the last one repeats). */
export const RESTART_BACKOFF_MS = [0, 2_000, 4_000, 8_000];
/** How long a restart waits for its candidates to gather before it sends what it has. */
const GATHER_LIMIT_MS = 3_000;

/**
 * What two ends of a link send each other through the signaling relay to restart ICE (PeerJS
 * cannot renegotiate): the initiator (the side with the smaller participant id) offers with new ICE
 * credentials and every candidate in the SDP; the other side answers, or asks for a restart.
 */
export type RecoveryMessage =
  | { kind: 'ice-offer'; gen: number; sdp: string }
  | { kind: 'ice-answer'; gen: number; sdp: string }
  /** A candidate found after the SDP went out (a network that appeared meanwhile). */
  | { kind: 'ice-candidate'; candidate: RTCIceCandidateInit }
  | { kind: 'ice-restart' }
  /** This end's connection is gone (its browser closed it while recovering): dial a new one. */
  | { kind: 'redial' };

/** A recovery message from the relay, checked; null when malformed. */
export function parseRecoveryMessage(payload: unknown): RecoveryMessage | null {
  const p = payload as Record<string, unknown> | null;
  if (!p || typeof p !== 'object') return null;
  if (p['kind'] === 'ice-restart') return { kind: 'ice-restart' };
  if (p['kind'] === 'redial') return { kind: 'redial' };
  if (p['kind'] === 'ice-candidate') {
    const c = p['candidate'] as Record<string, unknown> | null;
    if (!c || typeof c.candidate !== 'string' || c.candidate.length > 1_000) return null;
    const candidate: RTCIceCandidateInit = { candidate: c.candidate };
    if (typeof c.sdpMid === 'string') candidate.sdpMid = c.sdpMid.slice(0, 32);
    if (typeof c.sdpMLineIndex === 'number' && Number.isInteger(c.sdpMLineIndex)) candidate.sdpMLineIndex = c.sdpMLineIndex;
    if (typeof c.usernameFragment === 'string') candidate.usernameFragment = c.usernameFragment.slice(0, 256);
    return { kind: 'ice-candidate', candidate };
  }
  if ((p['kind'] === 'ice-offer' || p['kind'] === 'ice-answer') && typeof p['sdp'] === 'string' && p['sdp'].length < 60_000 && Number.isSafeInteger(p['gen'])) {
    return { kind: p['kind'], gen: p['gen'] as number, sdp: p['sdp'] };
  }
  return null;
}
export interface PeerLinkHandlers {
  /** Something about the participant changed (state, stream, connection). */
  onUpdate(link: PeerLink): void;
  /**
   * The link is gone: `left` after their goodbye, `disconnected` when it died, `ice-failed` when it
   * could not be recovered; `redial` when the browser closed it while it was recovering (the
   * participant stays: the transport dials a new connection within what is left of the deadline).
   */
  onClose(link: PeerLink, reason: 'left' | 'disconnected' | 'ice-failed' | 'redial'): void;
  /** A recovery message for the other end, through the signaling relay. */
  signal(link: PeerLink, message: RecoveryMessage): void;
  onError(error: RtcError): void;
  /** The page's own data from this participant (`sendData` on their side). */
  onData(link: PeerLink, data: unknown): void;
  /** A chat message from this participant, or one they replay. */
  onChat(link: PeerLink, message: ChatWire): void;
  /** This participant asks for the chat history. */
  onHistoryAsked(link: PeerLink): void;
  /** This participant now receives us through `via` (a room changing between mesh and SFU). */
  onReceiving?(link: PeerLink, via: 'mesh' | 'sfu'): void;
  /** Where this link's incoming files are reported (and how large they may be). */
  files(link: PeerLink): LinkFileEvents;
}

/** What a link's file transfers report outwards. */
export type LinkFileEvents = Pick<LinkFilesHooks, 'maxIncoming' | 'onIncoming' | 'onProgress' | 'onReceived' | 'onFailed'>;

/**
 * Which transceiver carries a source: every link has, in m-line order, one audio (microphone) and
 * two video transceivers (camera, then screen) from its first offer; both sides add their tracks
 * in that order, so the n-th video transceiver is the same source on both ends.
 */
const SLOT: Record<MediaSource, { kind: 'audio' | 'video'; index: number }> = {
  microphone: { kind: 'audio', index: 0 },
  camera: { kind: 'video', index: 0 },
  screen: { kind: 'video', index: 1 },
};

export class PeerLink {
  readonly id: string;
  displayName: string;
  role: ParticipantRole;
  micEnabled = true;
  cameraEnabled = true;
  connection: ConnectionState = 'connecting';
  /** Their microphone and camera. */
  stream: MediaStream | null = null;
  /** Their shared screen while they share, else null. */
  screenStream: MediaStream | null = null;
  /** True once their state message arrived (until then mic/camera are unknown). */
  announced = false;
  /** False while the session still looks up who they are (kept out of `participants` and events). */
  listed = true;

  private readonly media: MediaConnection;
  private readonly handlers: PeerLinkHandlers;
  private channel: RTCDataChannel | null = null;
  private pending: string[] = [];
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The connection reached `connected` at least once (see the media `close` handler). */
  private everConnected = false;
  private lastHeard = 0;
  private closed = false;
  private saidBye = false;
  private maxBitrate = 0;
  private videoStep = 0;
  /** What the screen transceiver receives (live for the link's life; shown only while they share). */
  private screenTrack: MediaStreamTrack | null = null;
  private screenOn = false;
  /** The security code's exchange on this connection (one per RTCPeerConnection: a re-dial makes a new link). */
  private verification: VerificationExchange | null = null;
  /** Files to and from this participant, each on a negotiated channel of its own. */
  private files: LinkFiles | null = null;
  private readonly localId: string;
  /** Codecs to prefer (codecs.ts): set on the transceivers, again whenever an offer arrives. */
  private readonly codecs: CodecPreferences;
  /** While the link recovers: since when, which attempt, the next attempt and the deadline. */
  private recovery: { since: number; attempt: number; next: ReturnType<typeof setTimeout> | undefined; deadline: ReturnType<typeof setTimeout> } | null = null;
  /** Pending start of a recovery after ICE went `disconnected`. */
  private disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Applies the bitrate and camera step a moment after the link (re)connects. */
  private bitrateTimer: ReturnType<typeof setTimeout> | undefined;
  /** The generation of our latest ICE restart offer (answers to older ones are ignored). */
  private restartGen = 0;
  /** Recovery messages handled one at a time. */
  private signalChain: Promise<void> = Promise.resolve();
  /** Once a restart began, we forward our own candidates (PeerJS's trickle is off). */
  private trickling = false;
  /** Whether the remote may rename itself (rooms without tokens) or the server roster is final. */
  private readonly trustAnnouncedName: boolean;

  constructor(
    init: { id: string; localId: string; displayName: string; role: ParticipantRole; media: MediaConnection; trustAnnouncedName: boolean; codecs?: CodecPreferences },
    handlers: PeerLinkHandlers,
  ) {
    this.id = init.id;
    this.localId = init.localId;
    this.codecs = init.codecs ?? {};
    this.displayName = init.displayName;
    this.role = init.role;
    this.media = init.media;
    this.handlers = handlers;
    this.trustAnnouncedName = init.trustAnnouncedName;
  }

  /** The RTCPeerConnection (exists once the call was placed or answered). */
  get peerConnection(): RTCPeerConnection | null {
    return this.media.peerConnection ?? null;
  }

  /**
   * Wires the link up right after `peer.call()` / `mediaConnection.answer()`: the control channel,
   * the remote stream, connection state and the tracks to send.
   */
  attach(send: Record<MediaSource, MediaStreamTrack | null>, state: ControlMessage): void {
    const pc = this.peerConnection;
    if (!pc) throw new RtcError(RtcErrorCode.Internal, 'PeerJS created no RTCPeerConnection');
    this.media.on('stream', () => {
      // PeerJS hands one stream with every remote track; we split it by transceiver: microphone
      // and camera for the tile, the screen for a stage of its own.
      const mic = this.receiverTrack('microphone');
      const cam = this.receiverTrack('camera');
      this.stream = new MediaStream([mic, cam].filter((t): t is MediaStreamTrack => !!t));
      this.screenTrack = this.receiverTrack('screen');
      this.updateScreen();
      this.handlers.onUpdate(this);
    });
    this.media.on('close', () => {
      // A link that failed before it ever connected stays on the list as failed (the tile says
      // "Connection lost"), whether the connect timer gave up or PeerJS closed it on ICE failure.
      if (this.connection === 'failed' && !this.everConnected) this.finish(null);
      else if (!this.saidBye && this.recovery) this.finish('redial');
      else this.finish(this.saidBye ? 'left' : 'disconnected');
    });
    this.media.on('error', (error) => {
      if ((error as { type?: string }).type === 'negotiation-failed') {
        // PeerJS reports ICE failure, then closes the connection before any connectionstatechange
        // to `failed` can reach us. Chromium's ICE never gives up on a link without candidates
        // (the connect timer does), Firefox's does within seconds: report it the same way.
        if (!this.everConnected) this.markFailed();
        return;
      }
      this.handlers.onError(new RtcError(RtcErrorCode.Internal, `Connection to ${this.displayName}: ${error.message}`, { cause: error }));
    });
    pc.addEventListener('connectionstatechange', this.onConnectionState);
    if (this.codecs.audio?.length || this.codecs.video?.length) {
      applyCodecPreferences(pc, this.codecs);
      // An offer just applied (PeerJS answers next, in a later microtask): its transceivers take
      // the preferences before the answer is created.
      pc.addEventListener('signalingstatechange', () => {
        if (pc.signalingState === 'have-remote-offer') applyCodecPreferences(pc, this.codecs);
      });
    }
    // PeerJS closes a connection whose ICE `failed`; once it has been connected we recover it
    // instead (ICE restart), so PeerJS does not see that state.
    const peerJsIceHandler = pc.oniceconnectionstatechange;
    pc.oniceconnectionstatechange = (event) => {
      if (pc.iceConnectionState === 'failed' && this.everConnected && !this.closed) return;
      peerJsIceHandler?.call(pc, event);
    };

    const channel = pc.createDataChannel('rtc-call', { negotiated: true, id: CONTROL_CHANNEL_ID, ordered: true });
    this.channel = channel;
    channel.addEventListener('open', () => {
      this.lastHeard = performance.now();
      for (const msg of this.pending) channel.send(msg);
      this.pending = [];
    });
    channel.addEventListener('message', (e) => this.onMessage(e.data));
    this.files = new LinkFiles(
      {
        ...this.handlers.files(this),
        send: (msg) => this.send(msg),
        openChannel: (id) => {
          try {
            return pc.createDataChannel('rtc-call-file', { negotiated: true, id, ordered: true });
          } catch {
            return null; // the connection closed, or the id is still in use
          }
        },
      },
      // The side with the smaller id takes the even channel ids (both sides agree without asking).
      this.localId < this.id,
      () => this.displayName || 'the other participant',
    );
    this.heartbeat = setInterval(this.tick, HEARTBEAT_MS);
    this.connectTimer = setTimeout(() => {
      if (this.closed || this.connection !== 'connecting') return;
      this.markFailed();
    }, CONNECT_TIMEOUT_MS);

    // Every link carries microphone, camera and screen both ways from the first offer: PeerJS added
    // the tracks we gave it (real or placeholder); now send what we really have.
    for (const source of ['microphone', 'camera', 'screen'] as const) void this.replaceTrack(source, send[source]);
    this.send(state);
  }

  /** Sends a file on a channel of its own; see LinkFiles.send. */
  sendFile(offer: FileOffer, data: Blob, onProgress: (bytes: number) => void): Promise<void> {
    if (!this.files) return Promise.reject(new RtcError(RtcErrorCode.PeerUnavailable, `Not connected to ${this.displayName} yet.`));
    return this.files.send(offer, data, onProgress);
  }

  /** Cancels a transfer to or from this participant. */
  /** Whether a file is on its way on this link, either way. */
  get transferring(): boolean {
    return this.files?.busy ?? false;
  }

  cancelFile(id: string): boolean {
    return this.files?.cancel(id) ?? false;
  }

  /** The security code of this link (commit-then-reveal with the other side; see verification.ts). */
  verificationCode(): Promise<string> {
    return this.exchange().code();
  }

  private exchange(): VerificationExchange {
    this.verification ??= new VerificationExchange(
      (msg) => this.send(msg),
      () => ({ local: fingerprintOf(this.peerConnection?.localDescription?.sdp), remote: fingerprintOf(this.peerConnection?.remoteDescription?.sdp) }),
    );
    return this.verification;
  }

  /** Sends a control message (queued until the channel opens). */
  send(msg: ControlMessage): void {
    const data = JSON.stringify(msg);
    if (this.channel?.readyState === 'open') this.channel.send(data);
    else if (!this.closed) this.pending.push(data);
  }

  /** Swaps the track we send of a source without renegotiating. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    const sender = this.sender(source);
    if (!sender || sender.track === track) return;
    try {
      await sender.replaceTrack(track);
    } catch (error) {
      this.handlers.onError(new RtcError(RtcErrorCode.Internal, `Could not send ${source} to ${this.displayName}`, { cause: error }));
    }
    if (source !== 'microphone') void this.applyBitrate(source);
  }

  /** Steps the camera we send down (0 full, 1 half at 20 fps, 2 a quarter at 10 fps). */
  setVideoStep(step: number): Promise<void> {
    this.videoStep = Math.max(0, Math.min(2, step));
    return this.applyBitrate('camera');
  }

  /** Caps the bitrate of the video we send on this link, camera and screen alike (bits per second). */
  setMaxBitrate(bps: number): void {
    this.maxBitrate = bps;
    void this.applyBitrate('camera');
    void this.applyBitrate('screen');
  }

  /**
   * Closes the connection; with `sayBye`, first sends the goodbye and gives it a moment (at most
   * ~half a second) to leave, so the other side shows "left" instead of "connection lost".
   */
  async close(sayBye: boolean): Promise<void> {
    if (this.closed) return;
    const channel = this.channel;
    if (sayBye && channel?.readyState === 'open') {
      try {
        channel.send(JSON.stringify({ t: 'bye' } satisfies ControlMessage));
        const end = performance.now() + 500;
        while (channel.readyState === 'open' && channel.bufferedAmount > 0 && performance.now() < end) {
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 30));
      } catch {
        // Closing anyway.
      }
    }
    this.finish(null);
  }

  private transceiver(source: MediaSource): RTCRtpTransceiver | undefined {
    const pc = this.peerConnection;
    if (!pc) return undefined;
    const { kind, index } = SLOT[source];
    return pc.getTransceivers().filter((t) => t.receiver.track.kind === kind && t.currentDirection !== 'stopped')[index];
  }

  private sender(source: MediaSource): RTCRtpSender | undefined {
    return this.transceiver(source)?.sender;
  }

  private receiverTrack(source: MediaSource): MediaStreamTrack | null {
    return this.transceiver(source)?.receiver.track ?? null;
  }

  /** Their screen shows while their state says they share and the track has arrived. */
  private updateScreen(): void {
    const on = this.screenOn && !!this.screenTrack;
    if (on && !this.screenStream) this.screenStream = new MediaStream([this.screenTrack!]);
    else if (!on) this.screenStream = null;
  }

  private async applyBitrate(source: 'camera' | 'screen' = 'camera'): Promise<void> {
    // Not before the link first connects (applied then): getParameters() blocks the page's main
    // thread on WebRTC's signaling thread, which is busy with the offer and answer until then —
    // 5 ms a call in bench:join's profile, on the path to the first frame.
    if (!this.everConnected) return;
    const sender = this.sender(source);
    if (!sender) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return; // not negotiated yet; applied again when connected
    // A shared screen stays sharp (text) and drops frames rather than resolution.
    const degradation = source === 'screen' ? 'maintain-resolution' : undefined;
    const sameRate = !this.maxBitrate || params.encodings[0]!.maxBitrate === this.maxBitrate;
    const p = params as RTCRtpSendParameters & { degradationPreference?: string };
    const encoding = params.encodings[0]! as RTCRtpEncodingParameters & { maxFramerate?: number };
    const [scale, fps] = source === 'camera' ? STEPS[this.videoStep]! : [1, undefined];
    const sameStep = (encoding.scaleResolutionDownBy ?? 1) === scale && encoding.maxFramerate === fps;
    if (sameRate && sameStep && (!degradation || p.degradationPreference === degradation)) return;
    if (this.maxBitrate) params.encodings[0]!.maxBitrate = this.maxBitrate;
    if (source === 'camera') {
      encoding.scaleResolutionDownBy = scale;
      if (fps === undefined) delete encoding.maxFramerate;
      else encoding.maxFramerate = fps;
    }
    if (degradation) p.degradationPreference = degradation;
    try {
      await sender.setParameters(params);
    } catch {
      // A concurrent setParameters or a closed connection: the next change applies it.
    }
  }

  private onConnectionState = () => {
    const pc = this.peerConnection;
    if (!pc || this.closed) return;
    const previous = this.connection;
    switch (pc.connectionState) {
      case 'connected':
        clearTimeout(this.connectTimer);
        clearTimeout(this.disconnectTimer);
        this.everConnected = true;
        this.connection = 'connected';
        this.endRecovery();
        this.lastHeard = performance.now();
        // A moment later, off the path to the first frame: getParameters() blocks the main thread
        // on the signaling thread, busy right now (≈ 6 ms a call in bench:join's profile), and the
        // encoder is still ramping up to any cap anyway. A change meanwhile applies at once.
        clearTimeout(this.bitrateTimer);
        this.bitrateTimer = setTimeout(() => {
          void this.applyBitrate('camera');
          void this.applyBitrate('screen');
        }, BITRATE_SETTLE_MS);
        break;
      case 'disconnected':
        if (!this.everConnected) return;
        this.connection = 'reconnecting';
        // ICE often comes back by itself within a second or two; after that, restart it.
        clearTimeout(this.disconnectTimer);
        this.disconnectTimer = setTimeout(() => {
          if (this.peerConnection?.connectionState !== 'connected') this.startRecovery();
        }, DISCONNECTED_GRACE_MS);
        break;
      case 'failed':
        if (this.everConnected) {
          this.startRecovery();
          return;
        }
        this.markFailed();
        return;
      default:
        return;
    }
    if (previous !== this.connection) this.handlers.onUpdate(this);
  };

  private markFailed(): void {
    if (this.connection === 'failed') return;
    clearTimeout(this.connectTimer);
    this.connection = 'failed';
    this.handlers.onUpdate(this);
    this.handlers.onError(
      new RtcError(RtcErrorCode.IceFailed, `No media connection could be established with ${this.displayName || 'a participant'}.`),
    );
  }

  private onMessage(data: unknown): void {
    this.lastHeard = performance.now();
    const msg = parseControlMessage(data);
    if (!msg) return;
    if (msg.t === 'bye') {
      this.saidBye = true;
      this.finish('left');
      return;
    }
    if (msg.t === 'data') {
      this.handlers.onData(this, msg.data);
      return;
    }
    if (msg.t === 'chat') {
      const { t: _t, ...chat } = msg;
      this.handlers.onChat(this, chat);
      return;
    }
    if (msg.t === 'history') {
      this.handlers.onHistoryAsked(this);
      return;
    }
    if (msg.t === 'receiving') {
      this.handlers.onReceiving?.(this, msg.via);
      return;
    }
    if (msg.t === 'fo' || msg.t === 'fa' || msg.t === 'fd' || msg.t === 'fx') {
      this.files?.receive(msg);
      return;
    }
    if (msg.t === 'vc' || msg.t === 'vr') {
      void this.exchange().receive(msg);
      return;
    }
    if (msg.t === 'state') {
      const name = this.trustAnnouncedName ? msg.name.trim() || this.displayName : this.displayName;
      const screen = msg.screen === true;
      const changed = !this.announced || msg.mic !== this.micEnabled || msg.cam !== this.cameraEnabled || name !== this.displayName || screen !== this.screenOn;
      this.announced = true;
      this.micEnabled = msg.mic;
      this.cameraEnabled = msg.cam;
      this.displayName = name;
      this.screenOn = screen;
      this.updateScreen();
      if (changed) this.handlers.onUpdate(this);
    }
  }

  private tick = () => {
    if (this.channel?.readyState !== 'open') return;
    if (performance.now() - this.lastHeard > SILENCE_LIMIT_MS && !this.recovery) {
      // Silence: the path may be gone while ICE has not noticed yet. Recover rather than drop:
      // a participant whose browser died is dropped by the server's member-left (their socket is
      // gone), one whose link cannot come back by the recovery's deadline (`ice-failed`).
      this.startRecovery();
      return;
    }
    this.send({ t: 'ping' });
  };

  // ── recovery ───────────────────────────────────────────────────────────────────────────────

  /** Whether this end offers the ICE restarts (the other asks for them): the smaller participant id. */
  private get initiatesRestarts(): boolean {
    return this.localId < this.id;
  }

  /**
   * Starts recovering a link that was connected: ICE restarts with backoff (RESTART_BACKOFF_MS)
   * until it is connected again, for at most RECOVERY_LIMIT_MS; then the participant leaves with
   * `ice-failed`. The server's member-left ends it at once (the transport drops the link).
   */
  startRecovery(): void {
    if (this.closed || this.recovery || !this.everConnected) return;
    clearTimeout(this.disconnectTimer);
    this.recovery = {
      since: performance.now(),
      attempt: 0,
      next: undefined,
      deadline: setTimeout(() => this.finish('ice-failed'), RECOVERY_LIMIT_MS),
    };
    if (this.connection !== 'reconnecting') {
      this.connection = 'reconnecting';
      this.handlers.onUpdate(this);
    }
    this.attemptRestart();
  }

  /** Tries again now (the network came back: `online`), keeping the deadline. */
  retryNow(): void {
    if (!this.recovery) return;
    clearTimeout(this.recovery.next);
    this.attemptRestart();
  }

  private attemptRestart(): void {
    const r = this.recovery;
    if (!r || this.closed) return;
    const delay = RESTART_BACKOFF_MS[Math.min(r.attempt + 1, RESTART_BACKOFF_MS.length - 1)]!;
    r.attempt++;
    if (this.initiatesRestarts) void this.restartIce();
    else this.handlers.signal(this, { kind: 'ice-restart' });
    r.next = setTimeout(() => this.attemptRestart(), delay);
  }

  private endRecovery(): void {
    const r = this.recovery;
    if (!r) return;
    clearTimeout(r.next);
    clearTimeout(r.deadline);
    this.recovery = null;
  }

  /** Offers new ICE credentials with every candidate in the SDP (PeerJS's trickle is off by now). */
  private async restartIce(): Promise<void> {
    const pc = this.peerConnection;
    if (!pc || this.closed) return;
    const gen = ++this.restartGen;
    try {
      this.takeOverTrickle(pc);
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      if (pc.signalingState !== 'stable') return;
      pc.restartIce();
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
      await gathered(pc);
      if (gen !== this.restartGen || this.closed || !pc.localDescription) return;
      this.handlers.signal(this, { kind: 'ice-offer', gen, sdp: pc.localDescription.sdp });
    } catch {
      // Closed meanwhile, or a restart crossed ours: the next attempt tries again.
    }
  }

  /**
   * From the first restart on, our candidates go through the relay as recovery messages: PeerJS
   * would send them as CANDIDATE frames the other side's PeerJS adds before it has our new
   * credentials (and reports as errors). Those in the SDP travel with it; later ones (a network
   * that appeared meanwhile) one by one.
   */
  private takeOverTrickle(pc: RTCPeerConnection): void {
    pc.onicecandidate = null;
    if (this.trickling) return;
    this.trickling = true;
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate?.candidate && !this.closed) this.handlers.signal(this, { kind: 'ice-candidate', candidate: e.candidate.toJSON() });
    });
  }

  /** A recovery message from the other end (in order). */
  onSignal(message: RecoveryMessage): void {
    this.signalChain = this.signalChain.then(() => this.handleSignal(message)).catch(() => {});
  }

  private async handleSignal(message: RecoveryMessage): Promise<void> {
    const pc = this.peerConnection;
    if (!pc || this.closed) return;
    if (message.kind === 'ice-restart') {
      if (!this.initiatesRestarts) return;
      if (this.recovery) this.retryNow();
      else if (this.everConnected) this.startRecovery();
      return;
    }
    if (message.kind === 'ice-offer') {
      if (this.initiatesRestarts) return; // only the other end offers restarts
      this.takeOverTrickle(pc);
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      if (this.closed || !pc.localDescription) return;
      this.handlers.signal(this, { kind: 'ice-answer', gen: message.gen, sdp: pc.localDescription.sdp });
      return;
    }
    if (message.kind === 'redial') return; // the transport's (it dials a new link)
    if (message.kind === 'ice-candidate') {
      await pc.addIceCandidate(message.candidate).catch(() => {}); // one of an older restart: harmless
      return;
    }
    if (!this.initiatesRestarts || message.gen !== this.restartGen || pc.signalingState !== 'have-local-offer') return;
    await pc.setRemoteDescription({ type: 'answer', sdp: message.sdp });
  }

  /** When the recovery that ended in a re-dial began (performance.now()), else null. */
  recoverySince: number | null = null;

  /** Whether the connection is closed (a link closed for a re-dial stands in until the new one). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether this end dials again after a re-dial close (the same end that offers restarts). */
  get dialsAgain(): boolean {
    return this.initiatesRestarts;
  }

  private finish(reason: 'left' | 'disconnected' | 'ice-failed' | 'redial' | null): void {
    if (this.closed) return;
    this.closed = true;
    this.recoverySince = this.recovery?.since ?? null;
    if (reason === 'redial') this.connection = 'reconnecting';
    this.endRecovery();
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.bitrateTimer);
    clearInterval(this.heartbeat);
    clearTimeout(this.connectTimer);
    this.peerConnection?.removeEventListener('connectionstatechange', this.onConnectionState);
    this.pending = [];
    this.files?.close();
    try {
      this.channel?.close();
    } catch {
      // Already closed.
    }
    this.media.close();
    this.stream = null;
    this.screenStream = null;
    if (reason) this.handlers.onClose(this, reason);
  }
}

/** Resolves once the connection's candidates have gathered, or after GATHER_LIMIT_MS. */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, GATHER_LIMIT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
