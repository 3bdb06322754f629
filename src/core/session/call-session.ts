/**
 * CallSession: one per `<rtc-call>`. The state machine (idle → joining → connected ⇄ reconnecting →
 * left | failed) and the participants as the transport reports them, over a MediaSession's local
 * media (media-session.ts: what the pre-join view needs, handed over to a CallSession as a join
 * comes near). How media and signaling travel is the Transport's (transport/: the PeerJS mesh
 * first); the session imports no PeerJS. DOM-free apart from media APIs; the element renders what
 * it reports.
 */
import { RtcError, RtcErrorCode, toRtcError } from '../errors.js';
import type { LocalMedia } from '../media/local-media.js';
import { MediaSession, type CallConfig } from './media-session.js';
import { captureScreen } from '../media/screen.js';
import { ActiveSpeakerTracker } from './active-speaker.js';
import { QualityState, SAMPLE_HISTORY, assessInbound, assessOutbound, worstOf, type NetworkQuality } from './quality.js';
import type { LinkSample } from '../transport/stats.js';
import { RoomClient, type JoinResponse, type PrewarmResponse } from '../room-client.js';
import { onTick } from '../ticker.js';
import { BackoffReconnectPolicy, type BitratePolicy, type ReconnectPolicy } from './policies.js';
import { RECONNECT_WITHOUT_MEDIA_MS } from './timeouts.js';
import { MAX_APP_DATA_BYTES, MAX_CHAT_CODE_POINTS, type ChatWire, type FileOffer, type LocalState, type RemotePeer, type Transport } from '../transport/transport.js';
import { safeFileName, sha256Hex } from '../files.js';
import {
  CallState,
  type LeaveReason,
  type Participant,
  type WaitingParticipant,
  type ChatMessage,
  type FileProgress,
  type SentFile,
  type CallStats,
} from '../types.js';
import type { RoomEvent, RoomRequest } from '../../protocol/room-events.js';
import type { WaitingMember } from '../../protocol/join.js';
import type { CallMode } from '../../protocol/sfu.js';

/** Re-join answers that say "not now" rather than "no": the reconnect loop goes on. */
const TRANSIENT_JOIN_ERRORS = new Set<string>([RtcErrorCode.SignalingUnreachable, RtcErrorCode.RateLimited, RtcErrorCode.Internal]);

/** How many chat messages a newcomer gets as history. */
const HISTORY_SIZE = 100;

/** How often every link's quality is read. */
const QUALITY_SAMPLE_MS = 1_000;
/** How long a poor connection lasts before audio only is suggested. */
const AUDIO_ONLY_AFTER_MS = 10_000;

/** How often a reconnecting call checks whether media still flows. */
const MEDIA_CHECK_MS = 1_000;

/** What a session runs with: its policies and the transport it creates for each join. */
export interface SessionOptions {
  reconnect?: ReconnectPolicy;
  /** The mesh's bitrate rule (used by the default transport). */
  bitrate?: BitratePolicy;
  /**
   * Makes the transport of one join for the mode the server gives the room (default: the PeerJS
   * mesh for `mesh`, the SFU transport — loaded on first use — for `sfu`).
   */
  createTransport?: (mode: CallMode, join: JoinResponse) => Transport | Promise<Transport>;
}

export class CallSession extends MediaSession {
  private join$: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private transport: Transport | null = null;
  private client: RoomClient | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectDeadline: ReturnType<typeof setTimeout> | undefined;
  private mediaWatch: ReturnType<typeof setInterval> | undefined;
  private reconnectAttempt = 0;
  private tearingDown = false;
  private readonly reconnectPolicy: ReconnectPolicy;
  private readonly createTransport: (mode: CallMode, join: JoinResponse) => Transport | Promise<Transport>;
  private readonly preloadTransport: (() => void) | undefined;
  private signalingLostAt = 0;
  /** Hosts: who waits, longest first. */
  private waitingList: WaitingParticipant[] = [];
  /** The screen we share (the local participant shows it in `screenStream`). */
  private screenTrack: MediaStreamTrack | null = null;
  /** Chat since we joined (history included), and the ids seen (no duplicates). */
  private chat: ChatMessage[] = [];
  private readonly chatIds = new Set<string>();
  /** Files coming to us, by sender and id (what their progress events need). */
  private readonly incomingFiles = new Map<string, { offer: FileOffer; bytes: number }>();
  /** Quality per remote participant (with their recent readings), and of our uplink. */
  private readonly qualities = new Map<string, { state: QualityState; samples: LinkSample[] }>();
  private uplink = new QualityState();
  /** Stops the quality job on the page's one timer (core/ticker.ts). */
  private qualityTimer: (() => void) | undefined;
  /** The camera's step down (0 full, 1 half at 20 fps, 2 quarter at 10 fps), and when it last changed. */
  private videoStep = 0;
  private videoStepAt = 0;
  /** Since when some connection is poor, and whether audio only was suggested in this stretch. */
  private poorSince = 0;
  private audioOnlySuggested = false;
  private sampling = false;
  /** Files of ours still being hashed (not offered yet), and whether they were cancelled meanwhile. */
  private readonly preparingFiles = new Map<string, boolean>();
  /** Blob URLs of the files received in this call (revoked at the next join). */
  private fileUrls: string[] = [];
  /** Who to ask for the history: the member present longest when we joined (asked once). */
  private historyFrom: string | null = null;
  /** Who speaks (one timer over everyone's microphone while in the call). */
  private speakers: ActiveSpeakerTracker | null = null;
  /** Takes our listener off the shared screen's track. */
  private screenEnded: (() => void) | undefined;
  /** Who of the others shares a screen (to tell when that changes). */
  private readonly remoteScreens = new Set<string>();
  /** `from`: the pre-join session whose media and config this one takes over. */
  constructor(options: SessionOptions = {}, from?: MediaSession) {
    super();
    if (from) this.takeOver(from);
    this.reconnectPolicy = options.reconnect ?? new BackoffReconnectPolicy();
    // With the default transports, a join that was not pre-warmed loads the mesh's code (PeerJS)
    // while its join request is on its way, not after the answer.
    if (!options.createTransport) {
      this.preloadTransport = () => {
        import('../transport/mesh/mesh-transport.js').then((m) => m.preloadPeerJs()).catch(() => {
          // Loaded again, and reported, when the transport is made.
        });
      };
    }
    this.createTransport = options.createTransport ?? (async (mode, join) => {
      // A room that switches between mesh and SFU as it grows and shrinks runs both, on one socket.
      if (join.switchable) {
        const { SwitchingTransport } = await import('../transport/switching-transport.js');
        return new SwitchingTransport(options.bitrate);
      }
      // Loaded at the first join, not with the page (the one-tag bundle's mesh chunk holds PeerJS).
      if (mode !== 'sfu') {
        const { MeshTransport } = await import('../transport/mesh/mesh-transport.js');
        return new MeshTransport(options.bitrate);
      }
      // Only calls through an SFU pay for its code.
      const { SfuTransport } = await import('../transport/sfu/sfu-transport.js');
      return new SfuTransport();
    });
  }

  override get peerConnections(): RTCPeerConnection[] {
    return this.transport?.peerConnections ?? [];
  }

  /** Every track change goes into every link with replaceTrack before the old track is stopped. */
  protected override attachMedia(media: LocalMedia): void {
    media.addSink((kind, track) => this.transport?.publish(kind === 'audio' ? 'microphone' : 'camera', track) ?? Promise.resolve());
  }

  protected override announceMedia(): void {
    this.transport?.sendState(this.localState());
  }

  protected override announceName(name: string): void {
    this.transport?.request({ request: 'update', data: { displayName: name } });
  }

  protected override remoteParticipants(): Participant[] {
    return (this.transport?.peers ?? []).map((p) => this.remoteParticipant(p));
  }

  protected override uplinkQuality(): NetworkQuality | null {
    return this.uplink.current;
  }

  /**
   * Joins the room. Resolves once signaling is open and every present member has been called;
   * rejects with an RtcError when the call cannot go on. Concurrent calls share one promise;
   * `leave()` during a join ends it (the promise then resolves, state `left`).
   */
  join(config: CallConfig): Promise<void> {
    if (this.join$) return this.join$;
    if (this.state === CallState.Connected || this.state === CallState.Waiting || this.state === CallState.Reconnecting) return Promise.resolve();
    this.join$ = this.runJoin(config).finally(() => {
      this.join$ = null;
    });
    return this.join$;
  }

  // ── pre-warm ─────────────────────────────────────────────────────────────────────────────
  // While the pre-join view is up, the join's slow parts that reveal nothing can be done ahead:
  // the server checks a pre-warmed join (no seat, nothing of the room told), the transport's code
  // loads and its signaling socket opens, parked. The join then takes that socket. None of it
  // changes `state` or emits anything; it is released when the page leaves or the config changes.

  private warm: { key: string; abort: AbortController; info: PrewarmResponse | null; transport: Transport | null; ready: boolean } | null = null;

  /**
   * Pre-warms a join with `config` (the same server, room, token and rejoin key as the join that
   * follows). Only while `idle`; best effort: any failure only loses the head start.
   */
  async prewarm(config: CallConfig): Promise<void> {
    if (this.state !== CallState.Idle || this.transport || this.join$) return;
    const key = prewarmKey(config);
    if (this.warm?.key === key) return;
    this.releasePrewarm();
    const entry: NonNullable<CallSession['warm']> = { key, abort: new AbortController(), info: null, transport: null, ready: false };
    this.warm = entry;
    const signal = entry.abort.signal;
    try {
      const client = new RoomClient(config.server, config.room);
      const info = await client.prewarm({ displayName: config.displayName, token: config.token, rejoinKey: config.rejoinKey, signal });
      if (signal.aborted) return;
      entry.info = info;
      const mode: CallMode = info.transport === 'sfu' ? 'sfu' : 'mesh';
      const transport = await this.createTransport(mode, { mode, ...(info.transport === 'switching' ? { switchable: true } : {}) } as JoinResponse);
      if (signal.aborted) {
        void transport.close(false);
        return;
      }
      entry.transport = transport;
      await transport.prewarm?.(info, { endpoint: client.signalingHost, signal });
      if (!signal.aborted) entry.ready = true;
    } catch {
      // Best effort: the join does it all again and reports what goes wrong.
      if (this.warm === entry) this.releasePrewarm();
    }
  }

  /**
   * Loads the code a mesh join needs (its transport with PeerJS) and nothing more: no request to
   * the call server's API, no socket. For a join that is not pre-warmed, while the pre-join view
   * is up; the join loads it anyway (and reports a failure), so a failure here is dropped.
   */
  preloadCode(): void {
    this.preloadTransport?.();
  }

  /** Drops a pre-warm not taken by a join: its parked socket closes (it held no seat). */
  releasePrewarm(): void {
    const warm = this.warm;
    if (!warm) return;
    this.warm = null;
    warm.abort.abort();
    void warm.transport?.close(false);
  }

  /** The finished pre-warm for `config`, handed over; anything else is released. */
  private takePrewarm(config: CallConfig): { info: PrewarmResponse; transport: Transport } | null {
    const warm = this.warm;
    if (!warm || !warm.ready || warm.key !== prewarmKey(config) || !warm.info || !warm.transport) {
      this.releasePrewarm();
      return null;
    }
    this.warm = null;
    return { info: warm.info, transport: warm.transport };
  }

  /** Says goodbye to everyone, closes every connection and stops every local track. */
  override async leave(reason: LeaveReason = 'user'): Promise<void> {
    if (this.state === CallState.Idle || this.state === CallState.Left || this.state === CallState.Failed) {
      this.releasePrewarm();
      this.stopMedia();
      return;
    }
    if (this.tearingDown) return;
    await this.teardown(true);
    this.setState(CallState.Left);
    this.emit('left', reason);
  }

  /** After `left` or `failed`: back to `idle` (the pre-join view), ready for a new join. */
  restart(): void {
    if (this.state !== CallState.Left && this.state !== CallState.Failed) return;
    this.reset();
    this.setState(CallState.Idle);
  }

  // ── joining ────────────────────────────────────────────────────────────────────────────────

  private async runJoin(config: CallConfig): Promise<void> {
    if (this.state === CallState.Left || this.state === CallState.Failed) this.reset();
    this.error = null;
    const abort = new AbortController();
    this.abort = abort;
    this.setState(CallState.Joining);
    try {
      // Reuse the pre-join preview's media unless the page swapped its stream meanwhile.
      if (this.mediaReady && (this.config?.localStream ?? null) !== (config.localStream ?? null)) this.releaseMedia();
      void this.startMedia(config);
      this.config = config;
      await this.mediaReady;
      if (abort.signal.aborted) return;

      const warm = this.takePrewarm(config);
      if (!warm) this.preloadTransport?.();
      const client = new RoomClient(config.server, config.room);
      this.client = client;
      let info: JoinResponse;
      try {
        info = await client.join({
          displayName: config.displayName,
          token: config.token,
          rejoinKey: config.rejoinKey,
          // Only with its socket open does the pre-warm's id save anything.
          ...(warm?.transport.prewarmedId === warm?.info.peerId && warm ? { prewarmToken: warm.info.peerToken } : {}),
          signal: abort.signal,
        });
      } catch (error) {
        void warm?.transport.close(false);
        throw error;
      }
      if (abort.signal.aborted) {
        void warm?.transport.close(false);
        return;
      }
      this.localId = info.peerId;
      this.room = config.room;
      // With room tokens the server decides our name and role (the token's claims win).
      const self = info as JoinResponse & { displayName?: string; role?: string };
      if (self.role === 'host' || self.role === 'guest') this.localRole = self.role;
      if (typeof self.displayName === 'string' && self.displayName) this.config = { ...config, displayName: self.displayName };

      this.chat = [];
      this.chatIds.clear();
      this.revokeFiles();
      // The history comes from the member present longest (the server lists members in join order).
      this.historyFrom = info.members[0]?.peerId ?? null;
      const mode: CallMode = info.mode === 'sfu' ? 'sfu' : 'mesh';
      // The pre-warmed transport when it is the kind this answer needs (a room kept peer to peer
      // by an earlier token is a plain mesh, say); else a new one.
      const kind = info.switchable ? 'switching' : mode;
      let transport: Transport;
      if (warm && warm.info.transport === kind) transport = warm.transport;
      else {
        void warm?.transport.close(false);
        transport = await this.createTransport(mode, info);
      }
      if (abort.signal.aborted) {
        void transport.close(false);
        return;
      }
      this.setMode(mode);
      this.transport = transport;
      this.watchTransport(transport);
      await transport.connect(info, {
        endpoint: client.signalingHost,
        tracks: { microphone: this.media?.sendTrack('audio') ?? null, camera: this.media?.sendTrack('video') ?? null },
        state: this.localState(),
        signal: abort.signal,
        maxIncomingFile: () => this.maxFileSize,
        codecs: config.codecs,
      });
      if (abort.signal.aborted) return;
      this.invalidate();
      if (info.waiting) {
        // Knocked: the server lets us in (the `admitted` room event) or not.
        this.admitted = false;
        this.setState(CallState.Waiting);
        return;
      }
      this.admitted = true;
      this.setState(CallState.Connected);
      this.startSpeakerTracking();
      this.emit('joined', config.room, info.peerId);
    } catch (error) {
      if (abort.signal.aborted) return;
      const rtcError = toRtcError(error).withFatal(true);
      await this.fail(rtcError);
      throw rtcError;
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }

  /** The transport's events, each re-emitted in one hop (the controller renders them). */
  private watchTransport(t: Transport): void {
    t.on('participant-joined', (p) => {
      this.invalidate();
      this.emit('participant-joined', this.remoteParticipant(p));
      this.checkRemoteScreen(p);
    });
    t.on('participant-updated', (p) => {
      this.invalidate();
      this.emit('participant-updated', this.remoteParticipant(p));
      this.checkRemoteScreen(p);
    });
    t.on('participant-left', (p, reason) => {
      this.invalidate();
      this.emit('participant-left', this.remoteParticipant(p), reason);
      this.checkRemoteScreen(p, true);
    });
    t.on('signaling-lost', () => this.onSignalingLost());
    t.on('signaling-restored', () => this.onSignalingBack());
    // Our seat went to a newer join with the same room token (one seat per person), or a host removed us.
    t.on('removed', (reason) => void this.leave(reason));
    t.on('room-event', (event) => this.onRoomEvent(event));
    t.on('data', (from, data) => this.emit('data', from, data));
    t.on('chat', (from, message) => this.onChat(from, message));
    t.on('history-asked', (from) => {
      // The last 100, ours and others', history we got included (its first sender named).
      for (const m of this.chat.slice(-HISTORY_SIZE)) {
        t.sendChat({ id: m.id, text: m.text, at: m.sentAt.getTime(), replayOf: { from: m.from, name: m.displayName } }, [from]);
      }
    });
    t.on('participant-joined', (p) => {
      if (p.id === this.historyFrom) {
        this.historyFrom = null;
        t.askHistory(p.id);
      }
    });
    t.on('file-incoming', (from, offer) => {
      this.incomingFiles.set(`${from} ${offer.id}`, { offer, bytes: 0 });
      this.fileProgress(offer, from, 'receive', 0, 'active');
    });
    t.on('file-progress', (from, id, bytes) => {
      const incoming = this.incomingFiles.get(`${from} ${id}`);
      if (!incoming || bytes >= incoming.offer.size) return;
      incoming.bytes = bytes;
      this.fileProgress(incoming.offer, from, 'receive', bytes, 'active');
    });
    t.on('file-received', (from, offer, data) => {
      this.incomingFiles.delete(`${from} ${offer.id}`);
      // Typed as bytes, whatever the sender called it: opening the link downloads, never renders
      // (a sender's HTML must not run in this page's origin).
      const url = URL.createObjectURL(new Blob([data], { type: 'application/octet-stream' }));
      this.fileUrls.push(url);
      this.fileProgress(offer, from, 'receive', offer.size, 'complete');
      this.emit('file', { id: offer.id, name: offer.name, size: offer.size, type: offer.type, from, url });
    });
    t.on('file-failed', (from, id, error) => {
      const incoming = this.incomingFiles.get(`${from} ${id}`);
      this.incomingFiles.delete(`${from} ${id}`);
      if (incoming) this.fileProgress(incoming.offer, from, 'receive', incoming.bytes, 'failed', error);
    });
    t.on('error', (error) => this.report(error));
    t.on('mode-change', (mode) => this.setMode(mode));
  }

  private fileProgress(offer: FileOffer, participantId: string, direction: 'send' | 'receive', bytes: number, status: FileProgress['status'], error?: RtcError): void {
    this.emit('file-progress', { id: offer.id, name: offer.name, size: offer.size, bytes, direction, participantId, status, ...(error ? { error } : {}) });
  }

  private revokeFiles(): void {
    for (const url of this.fileUrls) URL.revokeObjectURL(url);
    this.fileUrls = [];
    this.incomingFiles.clear();
  }

  private localState(): LocalState {
    return { mic: this.micEnabled, cam: this.cameraEnabled, name: this.config?.displayName ?? '', screen: !!this.screenTrack };
  }

  /** A remote participant's share started or stopped (also: joined sharing, left while sharing). */
  private checkRemoteScreen(p: RemotePeer, gone = false): void {
    const on = !gone && !!p.screenStream;
    if (on === this.remoteScreens.has(p.id)) return;
    if (on) this.remoteScreens.add(p.id);
    else this.remoteScreens.delete(p.id);
    this.emit('screen-share-change', p.id, on);
  }

  /** The transport of the call we are in (connected or reconnecting), or `not-allowed` with `why`. */
  private callTransport(why: string): Transport {
    const transport = this.transport;
    if (!transport || (this.state !== CallState.Connected && this.state !== CallState.Reconnecting)) {
      throw new RtcError(RtcErrorCode.NotAllowed, why);
    }
    return transport;
  }

  // ── screen sharing ──────────────────────────────────────────────────────────────────────────

  // ── connection quality ──────────────────────────────────────────────────────────────────────

  /** Every link is read about once a second, on the page's one timer (quality.ts has the rules). */
  private startQualityWatch(): void {
    if (this.qualityTimer) return;
    this.qualityTimer = onTick(() => void this.sampleQuality(), QUALITY_SAMPLE_MS);
  }

  private async sampleQuality(): Promise<void> {
    const transport = this.transport;
    if (!transport || this.sampling) return;
    this.sampling = true;
    try {
      const peers = transport.peers;
      const outbound: NetworkQuality[] = [];
      const changed: string[] = [];
      for (const p of peers) {
        const sample = await transport.linkSample(p.id);
        if (this.transport !== transport) return;
        let entry = this.qualities.get(p.id);
        if (!entry) this.qualities.set(p.id, (entry = { state: new QualityState(), samples: [] }));
        if (!sample) continue;
        entry.samples = [...entry.samples, sample].slice(-SAMPLE_HISTORY);
        if (entry.state.update(assessInbound(entry.samples))) changed.push(p.id);
        if (p.connection === 'connected') outbound.push(assessOutbound(sample));
      }
      for (const id of this.qualities.keys()) if (!peers.some((p) => p.id === id)) this.qualities.delete(id);
      if (outbound.length && this.uplink.update(worstOf(outbound))) changed.push(this.localId ?? 'local');
      this.adapt(transport);
      if (!changed.length) return;
      this.invalidate();
      for (const id of changed) {
        const q = id === (this.localId ?? 'local') ? this.uplink.current : this.qualities.get(id)?.state.current;
        if (q) this.emit('network-quality', id, q);
        const participant = this.participants.find((x) => x.id === id);
        if (participant && !participant.isLocal) this.emit('participant-updated', participant);
      }
    } finally {
      this.sampling = false;
    }
  }

  /**
   * Adaptation, once per reading. Our uplink limited or lossy: the camera steps down (half the
   * resolution at 20 fps, then a quarter at 10 fps, one step per 4 s) before audio suffers; back up
   * one step per 10 s of a good uplink. Any connection poor for 10 s: audio only is suggested
   * (the element offers it in a notice with a button; nothing switches by itself).
   */
  private adapt(transport: Transport): void {
    const now = performance.now();
    const up = this.uplink.current;
    const strained = !!up && (up.level === 'poor' || (up.level === 'good' && (up.reason === 'low-bandwidth' || up.reason === 'packet-loss')));
    if (strained && this.videoStep < 2 && now - this.videoStepAt >= 4_000) this.setVideoStep(transport, this.videoStep + 1, now);
    else if (!strained && this.videoStep > 0 && now - this.videoStepAt >= 10_000) this.setVideoStep(transport, this.videoStep - 1, now);
    const poor = [up, ...[...this.qualities.values()].map((q) => q.state.current)].some((q) => q?.level === 'poor');
    if (!poor) {
      this.poorSince = 0;
      this.audioOnlySuggested = false;
    } else {
      this.poorSince ||= now;
      if (!this.audioOnlySuggested && now - this.poorSince >= AUDIO_ONLY_AFTER_MS && this.cameraEnabled) {
        this.audioOnlySuggested = true;
        this.emit('audio-only-suggested');
      }
    }
  }

  private setVideoStep(transport: Transport, step: number, now: number): void {
    this.videoStep = step;
    this.videoStepAt = now;
    void transport.adaptVideo(step);
  }

  /**
   * For support staff: codec, frame size and rate, inbound bitrate, round trip (ms) and loss of the
   * media from a participant, measured now. Rejects with `participant-not-found` or `not-allowed`.
   */
  async getStats(participantId: string): Promise<CallStats> {
    const transport = this.callTransport('Join the call before asking for statistics.');
    if (!transport.peers.some((p) => p.id === participantId)) throw new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${participantId} in this call.`);
    const now = await transport.linkSample(participantId);
    // Rates over the last few seconds of readings (the newest may be a moment old only).
    const history = this.qualities.get(participantId)?.samples ?? [];
    const before = history.find((x) => performance.now() - x.at <= 3_500) ?? history.at(-1);
    if (!now) return { codec: null, width: null, height: null, fps: null, bitrate: null, rtt: null, loss: null };
    const span = before ? (now.at - before.at) / 1000 : 0;
    const received = before ? now.packetsReceived - before.packetsReceived : now.packetsReceived;
    const lost = before ? now.packetsLost - before.packetsLost : now.packetsLost;
    return {
      codec: now.videoCodec ?? now.audioCodec,
      width: now.width,
      height: now.height,
      fps: now.fps,
      bitrate: before && span > 0.2 ? Math.max(0, Math.round(((now.inboundBytes - before.inboundBytes) * 8) / span)) : null,
      rtt: now.roundTripTime === null ? null : Math.round(now.roundTripTime * 1000),
      loss: received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : null,
    };
  }

  /** The participant with sustained speech right now (held at least 2 s), or null. */
  override get activeSpeaker(): string | null {
    return this.speakers?.current ?? null;
  }

  private startSpeakerTracking(): void {
    this.startQualityWatch();
    if (this.speakers) return;
    this.speakers = new ActiveSpeakerTracker(
      () => {
        const tracks = new Map<string, MediaStreamTrack>();
        for (const p of this.participants) {
          const track = p.isLocal ? (this.micEnabled ? this.media?.sendTrack('audio') : null) : p.micEnabled ? p.stream?.getAudioTracks()[0] : null;
          if (track) tracks.set(p.id, track);
        }
        return tracks;
      },
      (id) => this.emit('active-speaker-change', id),
    );
  }

  /**
   * The six-digit security code of the link to a participant — the same on both sides, changing
   * when either DTLS fingerprint does. Rejects with `participant-not-found`, `not-allowed` (not in a
   * call), `not-supported` (media not peer to peer) or `peer-unavailable` (no answer in 15 s).
   */
  async verificationCode(participantId: string): Promise<string> {
    const transport = this.callTransport('Join the call before asking for a security code.');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RtcError(RtcErrorCode.PeerUnavailable, 'The other side did not answer the security-code exchange within 15 s.')), 15_000);
    });
    try {
      return await Promise.race([transport.verificationCode(participantId), timeout]);
    } catch (error) {
      throw toRtcError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Chat since we joined, history included, in the order it arrived. */
  override get messages(): readonly ChatMessage[] {
    return this.chat;
  }

  /**
   * Sends a chat message (1–4,000 characters) to everyone; resolves with it. Rejects with
   * `message-too-long` or `not-allowed` (not in a call).
   */
  async sendMessage(text: string): Promise<ChatMessage> {
    const transport = this.callTransport('Join the call before sending a message.');
    const body = typeof text === 'string' ? text.replace(/^\s+|\s+$/g, '') : '';
    const length = [...body].length;
    if (length === 0 || length > MAX_CHAT_CODE_POINTS) {
      throw new RtcError(RtcErrorCode.MessageTooLong, `A chat message needs 1–${MAX_CHAT_CODE_POINTS} characters, not ${length}.`);
    }
    const id = randomId();
    const at = Date.now();
    const message: ChatMessage = { id, from: this.localId ?? 'local', displayName: this.config?.displayName ?? '', text: body, sentAt: new Date(at), isLocal: true, replayed: false };
    this.addChat(message);
    transport.sendChat({ id, text: body, at });
    return message;
  }

  private onChat(linkFrom: string, wire: ChatWire): void {
    if (this.chatIds.has(wire.id)) return;
    const sender = this.transport?.peers.find((p) => p.id === linkFrom);
    const replay = wire.replayOf;
    this.addChat({
      id: wire.id,
      from: replay ? replay.from : linkFrom,
      displayName: replay ? replay.name : sender?.displayName ?? '',
      text: wire.text,
      sentAt: new Date(wire.at),
      isLocal: !!replay && replay.from === this.localId,
      replayed: !!replay,
      ...(replay ? { relayedBy: linkFrom } : {}),
    });
  }

  private addChat(message: ChatMessage): void {
    this.chatIds.add(message.id);
    this.chat = [...this.chat, message];
    this.emit('message', message);
  }

  /**
   * Sends the page's own data — any JSON value up to 16 KiB as UTF-8 — to everyone or to the
   * participant ids in `to`, ordered and reliable. Rejects with `message-too-large` (too big, or not
   * JSON), `participant-not-found` (an id not in the call) or `not-allowed` (not in a call).
   */
  async sendData(data: unknown, options: { to?: string | readonly string[] } = {}): Promise<void> {
    const transport = this.callTransport('Join the call before sending data.');
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (error) {
      throw new RtcError(RtcErrorCode.MessageTooLarge, 'sendData needs a JSON value (this one cannot be serialised).', { cause: error });
    }
    if (json === undefined) throw new RtcError(RtcErrorCode.MessageTooLarge, 'sendData needs a JSON value (undefined, a function or a symbol is none).');
    const bytes = new TextEncoder().encode(json).length;
    if (bytes > MAX_APP_DATA_BYTES) throw new RtcError(RtcErrorCode.MessageTooLarge, `sendData: ${bytes} bytes of JSON, more than ${MAX_APP_DATA_BYTES}.`);
    const to = options.to === undefined ? undefined : typeof options.to === 'string' ? [options.to] : [...options.to];
    const present = new Set(transport.peers.map((p) => p.id));
    const missing = to?.find((id) => !present.has(id));
    if (missing !== undefined) throw new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${missing} in this call.`);
    transport.sendData(JSON.parse(json), to);
  }

  /**
   * Sends a file (a File or Blob, at most `maxFileSize` bytes) to everyone or to the ids in `to`,
   * each copy on a channel of its own; `file-progress` reports each recipient from bytes 0 (emitted
   * before this returns, so the id is known at once). Resolves when every recipient has it or
   * failed, with those who have it checked; rejects when nobody got it (`file-cancelled`,
   * `file-corrupt`, `file-too-large` — theirs or ours —, `peer-unavailable`), and with
   * `participant-not-found`, `not-allowed` (not in a call, or nobody else in it) or
   * `not-supported` (not a File or Blob).
   */
  async sendFile(file: Blob, options: { to?: string | readonly string[]; name?: string } = {}): Promise<SentFile> {
    const transport = this.callTransport('Join the call before sending a file.');
    if (typeof Blob === 'undefined' || !(file instanceof Blob)) throw new RtcError(RtcErrorCode.NotSupported, 'sendFile needs a File or a Blob.');
    if (this.mode === 'sfu') throw new RtcError(RtcErrorCode.NotSupported, 'Files go peer to peer, and this call sends its media through the call server (SFU mode).');
    const name = safeFileName(options.name ?? (typeof (file as File).name === 'string' ? (file as File).name : '') ?? '');
    if (file.size > this.maxFileSize) {
      throw new RtcError(RtcErrorCode.FileTooLarge, `${name} has ${file.size} bytes; files up to ${this.maxFileSize} bytes can be sent (max-file-size).`);
    }
    const to = options.to === undefined ? transport.peers.map((p) => p.id) : typeof options.to === 'string' ? [options.to] : [...options.to];
    const present = new Set(transport.peers.map((p) => p.id));
    const missing = to.find((id) => !present.has(id));
    if (missing !== undefined) throw new RtcError(RtcErrorCode.ParticipantNotFound, `No participant ${missing} in this call.`);
    if (!to.length) throw new RtcError(RtcErrorCode.NotAllowed, 'Nobody else is in the call to send a file to.');
    const offer: FileOffer = { id: randomId(), name, size: file.size, type: file.type, sha256: '' };
    for (const id of to) this.fileProgress(offer, id, 'send', 0, 'active');
    this.preparingFiles.set(offer.id, false);
    try {
      offer.sha256 = await sha256Hex(file);
    } finally {
      if (this.preparingFiles.get(offer.id)) {
        const cancelled = new RtcError(RtcErrorCode.FileCancelled, `Sending ${name} was cancelled.`);
        for (const id of to) this.fileProgress(offer, id, 'send', 0, 'failed', cancelled);
        // eslint-disable-next-line no-unsafe-finally
        throw cancelled;
      }
      this.preparingFiles.delete(offer.id);
    }
    const results = await Promise.allSettled(
      to.map(async (id) => {
        let last = 0;
        try {
          await transport.sendFile(id, offer, file, (bytes) => {
            if (bytes >= offer.size || bytes === last) return;
            last = bytes;
            this.fileProgress(offer, id, 'send', bytes, 'active');
          });
        } catch (error) {
          const e = toRtcError(error);
          this.fileProgress(offer, id, 'send', last, 'failed', e);
          throw e;
        }
        this.fileProgress(offer, id, 'send', offer.size, 'complete');
        return id;
      }),
    );
    const deliveredTo = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (!deliveredTo.length) throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as RtcError;
    return { id: offer.id, name, size: file.size, deliveredTo };
  }

  /** Cancels a file being sent or received (`file-cancelled` on both sides); false when no transfer has this id. */
  cancelFile(id: string): boolean {
    if (this.preparingFiles.has(id)) {
      this.preparingFiles.set(id, true);
      return true;
    }
    return this.transport?.cancelFile(id) ?? false;
  }

  /** Whether we share a screen. */
  override get screenSharing(): boolean {
    return !!this.screenTrack;
  }

  /**
   * Shares a screen (the browser's picker): true when sharing, false when the person cancelled the
   * picker. Rejects with `screen-share-denied` when sharing is not allowed here; the call goes on.
   * The camera keeps going; the browser's own "Stop sharing" ends the share as stopScreenShare() does.
   */
  async startScreenShare(): Promise<boolean> {
    if (this.screenTrack) return true;
    const transport = this.callTransport('Join the call before sharing your screen.');
    const track = await captureScreen();
    if (!track) return false;
    if (this.transport !== transport || this.screenTrack) {
      track.stop(); // left meanwhile, or a second share won the race
      return !!this.screenTrack;
    }
    // Removed when the share ends: the browser may keep a captured track (and so this listener,
    // and through it the session and its element) alive long after the call.
    const onEnded = () => {
      if (this.screenTrack === track) void this.stopScreenShare();
    };
    track.addEventListener('ended', onEnded);
    this.screenEnded = () => track.removeEventListener('ended', onEnded);
    this.screenTrack = track;
    this.screenStream = new MediaStream([track]);
    await transport.publish('screen', track);
    this.screenChanged(true);
    return true;
  }

  /** Stops sharing the screen (no-op when not sharing). */
  async stopScreenShare(): Promise<void> {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    this.screenStream = null;
    this.screenEnded?.();
    this.screenEnded = undefined;
    track.stop();
    await this.transport?.publish('screen', null);
    this.screenChanged(false);
  }

  private screenChanged(on: boolean): void {
    this.invalidate();
    this.transport?.sendState(this.localState());
    this.emit('screen-share-change', this.localId ?? 'local', on);
    this.emit('participant-updated', this.participants[0]!);
  }

  // ── signaling loss ────────────────────────────────────────────────────────────────────────

  private onSignalingLost(): void {
    // A call being torn down closes its own socket: that is no signaling loss.
    if (this.tearingDown) return;
    if (this.state !== CallState.Connected && this.state !== CallState.Waiting && this.state !== CallState.Reconnecting) return;
    const policy = this.reconnectPolicy;
    const limitMs = this.config?.reconnectTimeoutMs ?? policy.giveUpAfterMs;
    const withoutMediaMs = Math.min(policy.giveUpWithoutMediaMs ?? RECONNECT_WITHOUT_MEDIA_MS, limitMs);
    const giveUp = (why: string) =>
      void this.fail(new RtcError(RtcErrorCode.SignalingUnreachable, `The call server could not be reached again ${why}.`, { fatal: true }));
    if (this.state === CallState.Connected || this.state === CallState.Waiting) {
      this.setState(CallState.Reconnecting);
      this.reconnectAttempt = 0;
      this.signalingLostAt = Date.now();
      clearTimeout(this.reconnectDeadline);
      this.reconnectDeadline = setTimeout(() => giveUp(`within ${Math.round(limitMs / 1000)} s`), limitMs);
      // While media flows the call waits for the server as long as the limit allows; once media
      // flows with nobody for `withoutMediaMs`, there is no call left to keep.
      let noMediaSince = this.transport?.mediaFlowing ? undefined : Date.now();
      clearInterval(this.mediaWatch);
      this.mediaWatch = setInterval(() => {
        if (this.transport?.mediaFlowing) noMediaSince = undefined;
        else if (noMediaSince === undefined) noMediaSince = Date.now();
        else if (Date.now() - noMediaSince >= withoutMediaMs) giveUp(`within ${Math.round(withoutMediaMs / 1000)} s, and media flowed with nobody meanwhile`);
      }, Math.min(MEDIA_CHECK_MS, withoutMediaMs));
    }
    // Media keeps flowing meanwhile; retry the socket as the policy says.
    clearTimeout(this.reconnectTimer);
    const delay = policy.nextDelay(this.reconnectAttempt++, Date.now() - this.signalingLostAt);
    if (delay === null) {
      giveUp(`within ${Math.round((Date.now() - this.signalingLostAt) / 1000)} s`);
      return;
    }
    const attempt = this.reconnectAttempt - 1;
    this.reconnectTimer = setTimeout(() => void this.retrySignaling(attempt), delay);
  }

  /**
   * One retry of the signaling socket. From the second retry on, first ask the server whether our
   * peer token still counts (a browser cannot tell a refused socket from a server that is down):
   * a refused one — a restarted server that lost its data directory, a token that ran out during
   * the outage — is replaced by a re-join that keeps our participant id, so every link stays up.
   */
  private async retrySignaling(attempt: number): Promise<void> {
    const transport = this.transport;
    const client = this.client;
    const config = this.config;
    const id = this.localId;
    const token = transport?.peerToken;
    const current = () => this.transport === transport && this.state === CallState.Reconnecting;
    if (attempt >= 1 && transport && token && client && config && id) {
      const verdict = await client.checkPeerToken(token);
      if (!current()) return;
      if (verdict === 'refused') {
        try {
          const info = await client.join({ displayName: config.displayName, token: config.token, rejoinKey: config.rejoinKey, peerId: id });
          if (!current()) return;
          if (info.peerId !== id) throw new RtcError(RtcErrorCode.Internal, 'The call server gave this participant a new id on re-joining.');
          transport.resume(info);
          return;
        } catch (error) {
          if (!current()) return;
          const e = toRtcError(error);
          // Refused for good (left or removed meanwhile, the room token expired): no way back.
          if (!TRANSIENT_JOIN_ERRORS.has(e.code)) {
            void this.fail(e.withFatal(true));
            return;
          }
        }
      }
    }
    transport?.reconnectSignaling();
  }

  private onSignalingBack(): void {
    if (this.state !== CallState.Reconnecting) return;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.reconnectDeadline);
    clearInterval(this.mediaWatch);
    this.reconnectAttempt = 0;
    this.setState(this.admitted ? CallState.Connected : CallState.Waiting);
  }

  // ── room events: the waiting room and host controls ────────────────────────────────────────

  private onRoomEvent(event: RoomEvent): void {
    switch (event.event) {
      case 'members':
        if (event.data.locked !== undefined) this.setLocked(event.data.locked);
        // Hosts get the whole waiting list on every (re)opened socket: reconcile it.
        if (event.data.waiting && this.localRole === 'host') this.setWaitingList(event.data.waiting);
        break;
      case 'waiting':
        if (this.hostPresent !== event.data.hostPresent || this.state === CallState.Waiting) {
          this.hostPresent = event.data.hostPresent;
          this.emit('waiting-change', this.hostPresent);
        }
        break;
      case 'knock':
        if (this.localRole === 'host') this.setWaitingList([...this.waitingList.map(toMember), event.data.participant]);
        break;
      case 'knock-withdrawn':
        if (this.waitingList.some((w) => w.id === event.data.peerId)) {
          this.waitingList = this.waitingList.filter((w) => w.id !== event.data.peerId);
          this.emit('knock-withdrawn', event.data.peerId, event.data.reason);
        }
        break;
      case 'admitted':
        // The transport already has the credentials and is calling everyone present.
        if (this.admitted) break;
        this.admitted = true;
        {
          // The transport is calling everyone already: ask the one present longest now, or when its link appears.
          const oldest = event.data.members[0]?.peerId ?? null;
          if (oldest && this.transport?.peers.some((p) => p.id === oldest)) this.transport.askHistory(oldest);
          else this.historyFrom = oldest;
        }
        if (this.state === CallState.Waiting) this.setState(CallState.Connected);
        this.startSpeakerTracking();
        this.emit('joined', this.room ?? '', this.localId ?? '');
        break;
      case 'denied':
        this.hostMessage = event.data.message;
        void this.leave('denied');
        break;
      case 'ended':
        void this.leave('ended-by-host');
        break;
      case 'mute-requested':
        void this.toggleMic(false).then(() => this.emit('mute-requested', event.data.by));
        break;
      case 'locked':
        this.setLocked(event.data.locked);
        break;
    }
  }

  private setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.emit('lock-change', locked);
  }

  /** Replace the waiting list, telling of each newcomer and each one gone. */
  private setWaitingList(members: WaitingMember[]): void {
    const before = new Map(this.waitingList.map((w) => [w.id, w]));
    const next = members.map((m) => before.get(m.peerId) ?? { id: m.peerId, displayName: m.displayName, since: new Date(m.since) });
    const ids = new Set(next.map((w) => w.id));
    this.waitingList = next.sort((a, b) => a.since.getTime() - b.since.getTime());
    for (const w of before.values()) if (!ids.has(w.id)) this.emit('knock-withdrawn', w.id, 'left');
    for (const w of next) if (!before.has(w.id)) this.emit('knock', w);
  }

  /** Hosts: who waits to be let in, longest first. Empty for guests. */
  override get waitingParticipants(): readonly WaitingParticipant[] {
    return this.waitingList;
  }

  /**
   * A host action (admit, deny, admit-all, remove, mute, lock, unlock, end): the server checks the
   * role and the id; rejects with its RtcError (`not-allowed`, `participant-not-found`, …).
   */
  async hostAction(request: RoomRequest): Promise<unknown> {
    const transport = this.callTransport('Not in a call: join first.');
    return transport.ask(request);
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────

  private async fail(error: RtcError): Promise<void> {
    if (this.state === CallState.Failed || this.state === CallState.Left) return;
    this.error = error;
    await this.teardown(true);
    this.setState(CallState.Failed);
    this.emit('error', error);
  }

  private async teardown(sayBye: boolean): Promise<void> {
    this.tearingDown = true;
    this.abort?.abort();
    this.abort = null;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.reconnectDeadline);
    clearInterval(this.mediaWatch);
    const transport = this.transport;
    // Closing says goodbye (to the server first, then on every link) and ends every connection.
    await transport?.close(sayBye);
    if (this.transport === transport) this.transport = null;
    this.speakers?.stop();
    this.speakers = null;
    this.qualityTimer?.();
    this.qualityTimer = undefined;
    this.qualities.clear();
    this.uplink = new QualityState();
    this.videoStep = 0;
    this.poorSince = 0;
    this.audioOnlySuggested = false;
    this.screenEnded?.();
    this.screenEnded = undefined;
    this.screenTrack?.stop();
    this.screenTrack = null;
    this.screenStream = null;
    this.remoteScreens.clear();
    this.releaseMedia();
    this.waitingList = [];
    this.locked = false;
    this.hostPresent = false;
    this.admitted = false;
    this.invalidate();
    this.tearingDown = false;
  }

  private reset(): void {
    this.localId = null;
    this.localRole = 'guest';
    this.error = null;
    this.hostMessage = undefined;
  }

  /** How wide (device pixels) a participant's camera is shown: an SFU sends the layer that fills it. */
  receiveVideoSize(participantId: string, width: number): void {
    if (Number.isFinite(width) && width > 0) this.transport?.receiveVideoSize(participantId, Math.round(width));
  }

  private setMode(next: CallMode): void {
    const previous = this.mode;
    if (next === previous) return;
    this.mode = next;
    this.invalidate();
    this.emit('mode-change', next, previous);
  }

  private setState(next: CallState): void {
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.invalidate();
    this.emit('state-change', next, previous);
  }

  private remoteParticipant(p: RemotePeer): Participant {
    return {
      id: p.id,
      displayName: p.displayName,
      role: p.role,
      isLocal: false,
      micEnabled: p.micEnabled,
      cameraEnabled: p.cameraEnabled,
      connection: p.connection,
      stream: p.stream,
      screenStream: p.screenStream,
      quality: this.qualities.get(p.id)?.state.current ?? null,
    };
  }
}

function toMember(w: WaitingParticipant): WaitingMember {
  return { peerId: w.id, displayName: w.displayName, since: w.since.getTime() };
}

/** A random id for a chat message or a file (24 hex digits). */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What a pre-warm is for: a join with another server, room, token or rejoin key cannot use it. */
function prewarmKey(config: CallConfig): string {
  return JSON.stringify([config.server, config.room, config.token ?? '', config.rejoinKey ?? '']);
}
