/**
 * One PeerLink per remote participant: the PeerJS media call (one RTCPeerConnection) and a
 * reliable, ordered control channel negotiated on that same connection (`negotiated: true`, fixed
 * id on both sides, so PeerJS neither takes it over nor opens a second connection per pair).
 */
import type { MediaConnection } from 'peerjs';
import { RtcError, RtcErrorCode } from '../../errors.js';
import type { ConnectionState, ParticipantRole } from '../../types.js';
import type { ChatWire, FileOffer, MediaSource } from '../transport.js';
import { parseControlMessage, type ControlMessage } from './control.js';
import { LinkFiles, type LinkFilesHooks } from './file-transfer.js';
import { VerificationExchange, fingerprintOf } from './verification.js';

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
export interface PeerLinkHandlers {
  /** Something about the participant changed (state, stream, connection). */
  onUpdate(link: PeerLink): void;
  /** The link is gone: `left` after their goodbye, `disconnected` when it died. */
  onClose(link: PeerLink, reason: 'left' | 'disconnected'): void;
  onError(error: RtcError): void;
  /** The page's own data from this participant (`sendData` on their side). */
  onData(link: PeerLink, data: unknown): void;
  /** A chat message from this participant, or one they replay. */
  onChat(link: PeerLink, message: ChatWire): void;
  /** This participant asks for the chat history. */
  onHistoryAsked(link: PeerLink): void;
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
  /** What the screen transceiver receives (live for the link's life; shown only while they share). */
  private screenTrack: MediaStreamTrack | null = null;
  private screenOn = false;
  /** The security code's exchange on this connection (one per RTCPeerConnection: a re-dial makes a new link). */
  private verification: VerificationExchange | null = null;
  /** Files to and from this participant, each on a negotiated channel of its own. */
  private files: LinkFiles | null = null;
  private readonly localId: string;
  /** Whether the remote may rename itself (rooms without tokens) or the server roster is final. */
  private readonly trustAnnouncedName: boolean;

  constructor(
    init: { id: string; localId: string; displayName: string; role: ParticipantRole; media: MediaConnection; trustAnnouncedName: boolean },
    handlers: PeerLinkHandlers,
  ) {
    this.id = init.id;
    this.localId = init.localId;
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
    const sender = this.sender(source);
    if (!sender) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return; // not negotiated yet; applied again when connected
    // A shared screen stays sharp (text) and drops frames rather than resolution.
    const degradation = source === 'screen' ? 'maintain-resolution' : undefined;
    const sameRate = !this.maxBitrate || params.encodings[0]!.maxBitrate === this.maxBitrate;
    const p = params as RTCRtpSendParameters & { degradationPreference?: string };
    if (sameRate && (!degradation || p.degradationPreference === degradation)) return;
    if (this.maxBitrate) params.encodings[0]!.maxBitrate = this.maxBitrate;
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
        this.everConnected = true;
        this.connection = 'connected';
        void this.applyBitrate('camera');
        void this.applyBitrate('screen');
        break;
      case 'disconnected':
        this.connection = 'reconnecting';
        break;
      case 'failed':
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
    if (performance.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      // Their browser died without a goodbye: drop them without waiting for ICE to time out.
      this.finish('disconnected');
      return;
    }
    this.send({ t: 'ping' });
  };

  private finish(reason: 'left' | 'disconnected' | null): void {
    if (this.closed) return;
    this.closed = true;
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
