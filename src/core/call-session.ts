/**
 * CallSession: one per `<rtc-call>`. The state machine (idle → joining → connected ⇄ reconnecting →
 * left | failed), the roster of participants, one PeerLink per remote participant, and the local
 * media. DOM-free apart from media APIs; the element renders what it reports.
 */
import type { MediaConnection, Peer, PeerOptions } from 'peerjs';
import { RtcError, RtcErrorCode, peerError, toRtcError } from './errors.js';
import { LocalMedia } from './local-media.js';
import { PeerLink, type ControlMessage } from './peer-link.js';
import { loadPeerJs } from './peerjs-loader.js';
import { parseRoomPayload, ROOM_FRAME, type RoomRequest } from '../protocol/room-events.js';
import { BackoffReconnectPolicy, meshBitratePolicy, type BitratePolicy, type ReconnectPolicy } from './session/policies.js';
import { createPlaceholderTracks } from './placeholder.js';
import { RoomClient, type JoinResponse, type RoomMember } from './room-client.js';
import {
  CallState,
  type DeviceChoice,
  type LeaveReason,
  type Participant,
  type ParticipantLeaveReason,
  type ParticipantRole,
} from './types.js';

/** How long the PeerJS signaling socket may take to open on join. */
export const SIGNALING_OPEN_TIMEOUT_MS = 10_000;
/** How long a call from a room-mate the server has not announced yet is held before it is refused. */
export const HOLD_UNANNOUNCED_MS = 5_000;
/** How long the call stays `reconnecting` before it fails with `signaling-unreachable` (the default policy's). */
export const RECONNECT_TIMEOUT_MS = 30_000;

/** The policies a session runs with (see session/policies.ts). */
export interface SessionPolicies {
  reconnect?: ReconnectPolicy;
  bitrate?: BitratePolicy;
}

export interface CallConfig {
  /** Base URL of the rtc-call server ('' = where the script came from). */
  server: string;
  room: string;
  displayName: string;
  /** Room token from the site's backend. */
  token?: string;
  micOff?: boolean;
  cameraOff?: boolean;
  audioOnly?: boolean;
  /** A page-provided stream to send instead of capturing. */
  localStream?: MediaStream | null;
  devices?: DeviceChoice;
  /** Kept per tab so a reload within the grace period replaces our old membership. */
  rejoinKey?: string;
}

/** What a session reports. The element turns these into DOM events and renders. */
export interface CallSessionListener {
  stateChange(state: CallState, previous: CallState): void;
  joined(room: string, participantId: string): void;
  left(reason: LeaveReason): void;
  participantJoined(participant: Participant): void;
  participantLeft(participant: Participant, reason: ParticipantLeaveReason): void;
  participantUpdated(participant: Participant): void;
  micChange(enabled: boolean): void;
  cameraChange(enabled: boolean): void;
  error(error: RtcError): void;
  /** The local preview stream or its tracks changed. */
  localMediaChange(): void;
}

export class CallSession {
  state: CallState = CallState.Idle;
  error: RtcError | null = null;
  localId: string | null = null;
  room: string | null = null;

  private readonly listener: CallSessionListener;
  private config: CallConfig | null = null;
  private media: LocalMedia | null = null;
  private mediaReady: Promise<void> | null = null;
  private join$: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private peer: Peer | null = null;
  private readonly links = new Map<string, PeerLink>();
  private readonly roster = new Map<string, RoomMember>();
  private localRole: ParticipantRole = 'guest';
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectDeadline: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempt = 0;
  private snapshot: readonly Participant[] | null = null;
  private tearingDown = false;
  /** Calls from peers not announced yet (see answer()). */
  private readonly held = new Map<string, { media: MediaConnection; timer: ReturnType<typeof setTimeout> }>();

  private readonly reconnectPolicy: ReconnectPolicy;
  private readonly bitratePolicy: BitratePolicy;
  private signalingLostAt = 0;

  constructor(listener: CallSessionListener, policies: SessionPolicies = {}) {
    this.listener = listener;
    this.reconnectPolicy = policies.reconnect ?? new BackoffReconnectPolicy({ giveUpAfterMs: RECONNECT_TIMEOUT_MS });
    this.bitratePolicy = policies.bitrate ?? meshBitratePolicy;
  }

  /** Everyone in the call, local first. A new array (and new objects) after any change. */
  get participants(): readonly Participant[] {
    this.snapshot ??= [
      this.localParticipant(),
      ...[...this.links.values()].filter((l) => l.listed).map((l) => this.remoteParticipant(l)),
    ];
    return this.snapshot;
  }

  /** The local media stream (own tile, pre-join preview); null before media was started. */
  get localStream(): MediaStream | null {
    return this.media?.stream ?? null;
  }

  get micEnabled(): boolean {
    return this.media ? this.media.micEnabled : !this.config?.micOff;
  }

  get cameraEnabled(): boolean {
    return this.media ? this.media.cameraEnabled : !(this.config?.cameraOff || this.config?.audioOnly);
  }

  /** The RTCPeerConnections of the call (for stats and tests). */
  get peerConnections(): RTCPeerConnection[] {
    return [...this.links.values()].flatMap((l) => (l.peerConnection ? [l.peerConnection] : []));
  }

  /**
   * Starts local media without joining (the pre-join preview). Safe to call repeatedly; join()
   * reuses what it acquired.
   */
  startMedia(config: CallConfig): Promise<void> {
    if (this.mediaReady && this.config === config) return this.mediaReady;
    if (this.mediaReady) return this.mediaReady;
    this.config = config;
    const media = new LocalMedia({
      onError: (error) => this.report(error),
      onChange: () => this.onLocalMediaChange(),
    });
    this.media = media;
    // Every track change goes into every link with replaceTrack before the old track is stopped.
    media.addSink((kind, track) => Promise.all([...this.links.values()].map((l) => l.replaceTrack(kind, track))).then(() => {}));
    this.mediaReady = media
      .start({
        micOff: config.micOff,
        cameraOff: config.cameraOff,
        audioOnly: config.audioOnly,
        provided: config.localStream ?? null,
        devices: config.devices,
      })
      .then(() => {
        this.lastMic = media.micEnabled;
        this.lastCamera = media.cameraEnabled;
        this.invalidate();
        this.listener.localMediaChange();
      });
    return this.mediaReady;
  }

  /** Stops the local media of a session that is not in a call (pre-join preview closed). */
  stopMedia(): void {
    if (this.state === CallState.Joining || this.state === CallState.Connected || this.state === CallState.Reconnecting) return;
    this.releaseMedia();
  }

  private releaseMedia(): void {
    this.media?.stop();
    this.media = null;
    this.mediaReady = null;
    this.invalidate();
  }

  /**
   * Joins the room. Resolves once signaling is open and every present member has been called;
   * rejects with an RtcError when the call cannot go on. Concurrent calls share one promise;
   * `leave()` during a join ends it (the promise then resolves, state `left`).
   */
  join(config: CallConfig): Promise<void> {
    if (this.join$) return this.join$;
    if (this.state === CallState.Connected || this.state === CallState.Reconnecting) return Promise.resolve();
    this.join$ = this.runJoin(config).finally(() => {
      this.join$ = null;
    });
    return this.join$;
  }

  /** Says goodbye to everyone, closes every connection and stops every local track. */
  async leave(reason: LeaveReason = 'user'): Promise<void> {
    if (this.state === CallState.Idle || this.state === CallState.Left || this.state === CallState.Failed) {
      this.stopMedia();
      return;
    }
    if (this.tearingDown) return;
    await this.teardown(true);
    this.setState(CallState.Left);
    this.listener.left(reason);
  }

  /** After `left` or `failed`: back to `idle` (the pre-join view), ready for a new join. */
  restart(): void {
    if (this.state !== CallState.Left && this.state !== CallState.Failed) return;
    this.reset();
    this.setState(CallState.Idle);
  }

  /** Mutes / unmutes; `enabled` omitted toggles. */
  async toggleMic(enabled?: boolean): Promise<void> {
    const next = enabled ?? !this.micEnabled;
    if (!this.media) {
      if (this.config) this.config = { ...this.config, micOff: !next };
      return;
    }
    await this.media.setMic(next);
  }

  /** Turns the camera on (re-acquiring it) or off (releasing it); `enabled` omitted toggles. */
  async toggleCamera(enabled?: boolean): Promise<void> {
    const next = enabled ?? !this.cameraEnabled;
    if (!this.media) {
      if (this.config) this.config = { ...this.config, cameraOff: !next };
      return;
    }
    await this.media.setCamera(next);
  }

  /** Switches camera or microphone mid-call; the old device stays in use if the new one fails. */
  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    if (!this.media) {
      if (this.config) {
        const devices = { ...this.config.devices, [kind === 'audioinput' ? 'audioInput' : 'videoInput']: deviceId };
        this.config = { ...this.config, devices };
      }
      return;
    }
    await this.media.switchDevice(kind, deviceId);
  }

  /**
   * Announces a new display name to the others, through the server (which refuses it under room
   * tokens: then the token's name stays).
   */
  setDisplayName(name: string): void {
    if (this.config) this.config = { ...this.config, displayName: name };
    this.invalidate();
    this.sendRoomRequest({ request: 'update', data: { displayName: name } });
    this.listener.participantUpdated(this.participants[0]!);
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

      const client = new RoomClient(config.server, config.room);
      const info = await client.join({
        displayName: config.displayName,
        token: config.token,
        rejoinKey: config.rejoinKey,
        signal: abort.signal,
      });
      if (abort.signal.aborted) return;
      this.localId = info.peerId;
      this.room = config.room;
      // With room tokens the server decides our name and role (the token's claims win).
      const self = info as JoinResponse & { displayName?: string; role?: string };
      if (self.role === 'host' || self.role === 'guest') this.localRole = self.role;
      if (typeof self.displayName === 'string' && self.displayName) this.config = { ...config, displayName: self.displayName };
      for (const m of info.members) this.roster.set(m.peerId, m);

      const { Peer } = await loadPeerJs();
      if (abort.signal.aborted) return;
      const peer = new Peer(info.peerId, this.peerOptions(client, info));
      this.peer = peer;
      await this.waitForOpen(peer, abort.signal);
      if (abort.signal.aborted) return;
      this.watchPeer(peer);

      // The newcomer calls everyone already present (one direction only: no glare).
      for (const member of info.members) this.call(member);
      this.invalidate();
      this.setState(CallState.Connected);
      this.listener.joined(config.room, info.peerId);
    } catch (error) {
      if (abort.signal.aborted) return;
      const rtcError = toRtcError(error).withFatal(true);
      await this.fail(rtcError);
      throw rtcError;
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }

  private peerOptions(client: RoomClient, info: JoinResponse): PeerOptions {
    const { host, port, secure } = client.signalingHost;
    return {
      host,
      port,
      secure,
      path: info.signaling.path,
      key: info.signaling.key,
      token: info.peerToken,
      // Never PeerJS's defaults (a public STUN/TURN): exactly what our server says.
      config: { iceServers: info.iceServers, iceTransportPolicy: info.iceTransportPolicy ?? 'all' },
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
    peer.on('call', (media) => void this.answer(media));
    peer.on('disconnected', () => this.onSignalingLost());
    peer.on('open', () => this.onSignalingBack());
    peer.on('error', (error) => this.onPeerError(error));
    // The server's LEAVE (a room-mate's socket closed and did not come back) drops them at once,
    // also when their media link had already failed.
    peer.socket.on('message', (msg: { type?: string; src?: string; payload?: unknown }) => {
      if (msg?.type === 'LEAVE' && msg.src) this.dropParticipant(msg.src, 'disconnected');
      // Room events (src/protocol/room-events.ts) ride the same socket; PeerJS ignores them.
      else if (msg?.type === ROOM_FRAME) this.onRoomEvent(msg.payload);
    });
  }

  // ── links ──────────────────────────────────────────────────────────────────────────────────

  /** Tracks to offer: real ones where we have them, placeholders elsewhere (swapped right after). */
  private sendStream() {
    const audio = this.media?.audioTrack ?? null;
    const video = this.media?.videoTrack ?? null;
    const placeholders = audio && video ? null : createPlaceholderTracks();
    const stream = new MediaStream([audio ?? placeholders!.audio, video ?? placeholders!.video]);
    return { stream, placeholders };
  }

  private call(member: RoomMember): void {
    const peer = this.peer;
    if (!peer || this.links.has(member.peerId)) return;
    const { stream, placeholders } = this.sendStream();
    const media = peer.call(member.peerId, stream);
    this.addLink(member, media);
    // The offer already has an audio and a video m-line; the placeholders have served.
    placeholders?.dispose();
  }

  /**
   * A call from a room-mate. Answered at once when the server has announced them; otherwise held
   * until their `member-joined` arrives (at most HOLD_UNANNOUNCED_MS), then answered — never on the
   * caller's word, never after an HTTP look-up. A name and role always come from the server.
   */
  private answer(media: MediaConnection): void {
    if (!this.peer) return;
    if (this.roster.has(media.peer)) {
      this.answerKnown(media);
      return;
    }
    this.held.get(media.peer)?.media.close();
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
    this.links.get(media.peer)?.close(false);
    this.links.delete(media.peer);
    const { stream, placeholders } = this.sendStream();
    media.answer(stream);
    this.addLink(member, media);
    placeholders?.dispose();
  }

  private releaseHeld(peerId?: string): void {
    for (const [id, h] of this.held) {
      if (peerId !== undefined && id !== peerId) continue;
      clearTimeout(h.timer);
      this.held.delete(id);
    }
  }

  // ── room events ───────────────────────────────────────────────────────────────────────────

  private onRoomEvent(payload: unknown): void {
    const event = parseRoomPayload(payload);
    if (!event || 'reply' in event) return;
    switch (event.event) {
      case 'members':
        for (const m of event.data.members) if (m.peerId !== this.localId) this.rememberMember(m);
        break;
      case 'member-joined':
        if (event.data.peerId !== this.localId) this.rememberMember(event.data);
        break;
      case 'member-left':
        this.releaseHeld(event.data.peerId);
        this.dropParticipant(event.data.peerId, event.data.reason === 'left' ? 'left' : 'disconnected');
        break;
      case 'member-updated': {
        const { peerId, displayName } = event.data;
        const member = this.roster.get(peerId);
        if (member && displayName !== undefined) this.roster.set(peerId, { ...member, displayName });
        const link = this.links.get(peerId);
        if (link && displayName !== undefined && link.displayName !== displayName) {
          link.displayName = displayName;
          this.invalidate();
          if (link.listed) this.listener.participantUpdated(this.remoteParticipant(link));
        }
        break;
      }
      case 'removed':
        // Our seat went to a newer join with the same room token (one seat per person).
        if (event.data.reason === 'replaced') void this.leave('replaced');
        break;
    }
  }

  /** The server announced a member: keep what it says, and answer their call if it was held. */
  private rememberMember(member: RoomMember): void {
    this.roster.set(member.peerId, member);
    const link = this.links.get(member.peerId);
    if (link && link.displayName !== member.displayName) {
      link.displayName = member.displayName;
      this.invalidate();
      if (link.listed) this.listener.participantUpdated(this.remoteParticipant(link));
    }
    const held = this.held.get(member.peerId);
    if (held) {
      clearTimeout(held.timer);
      this.held.delete(member.peerId);
      this.answerKnown(held.media);
    }
  }

  private sendRoomRequest(request: RoomRequest): void {
    const socket = (this.peer as unknown as { socket?: { send(data: unknown): void } } | null)?.socket;
    if (this.peer?.open) socket?.send({ type: ROOM_FRAME, payload: request });
  }

  /** Creates the link; `listed` false keeps it out of `participants` and events until its name is known. */
  private addLink(member: RoomMember, media: MediaConnection, listed = true): PeerLink {
    const link = new PeerLink(
      {
        id: member.peerId,
        displayName: member.displayName,
        role: member.role === 'host' ? 'host' : 'guest',
        media,
        // Names come from the server's room events only, never from the caller.
        trustAnnouncedName: false,
      },
      {
        onUpdate: (l) => {
          if (this.links.get(l.id) !== l || !l.listed) return;
          this.invalidate();
          this.listener.participantUpdated(this.remoteParticipant(l));
        },
        onClose: (l, reason) => {
          if (this.links.get(l.id) !== l) return;
          this.links.delete(l.id);
          this.afterRosterChange();
          if (l.listed) this.listener.participantLeft(this.remoteParticipant(l), reason);
        },
        onError: (error) => this.report(error),
      },
    );
    link.listed = listed;
    this.links.set(member.peerId, link);
    link.attach(
      { audio: this.media?.sendTrack('audio') ?? null, video: this.media?.sendTrack('video') ?? null },
      this.stateMessage(),
    );
    this.afterRosterChange();
    if (listed) this.listener.participantJoined(this.remoteParticipant(link));
    return link;
  }

  private dropParticipant(id: string, reason: ParticipantLeaveReason): void {
    const link = this.links.get(id);
    this.roster.delete(id);
    if (!link) return;
    this.links.delete(id);
    void link.close(false);
    this.afterRosterChange();
    if (link.listed) this.listener.participantLeft(this.remoteParticipant(link), reason);
  }

  private afterRosterChange(): void {
    this.invalidate();
    const bitrate = this.bitratePolicy.videoBitrate(this.links.size + 1);
    for (const link of this.links.values()) link.setMaxBitrate(bitrate);
  }

  private stateMessage(): ControlMessage {
    return { t: 'state', mic: this.micEnabled, cam: this.cameraEnabled, name: this.config?.displayName ?? '' };
  }

  private broadcastState(): void {
    const msg = this.stateMessage();
    for (const link of this.links.values()) link.send(msg);
  }

  private lastMic: boolean | undefined;
  private lastCamera: boolean | undefined;

  private onLocalMediaChange(): void {
    const media = this.media;
    if (!media) return;
    this.invalidate();
    this.broadcastState();
    if (media.micEnabled !== this.lastMic) {
      this.lastMic = media.micEnabled;
      this.listener.micChange(media.micEnabled);
    }
    if (media.cameraEnabled !== this.lastCamera) {
      this.lastCamera = media.cameraEnabled;
      this.listener.cameraChange(media.cameraEnabled);
    }
    this.listener.localMediaChange();
    if (this.state !== CallState.Idle) this.listener.participantUpdated(this.participants[0]!);
  }

  // ── signaling loss ────────────────────────────────────────────────────────────────────────

  private onSignalingLost(): void {
    // A call being torn down closes its own socket: that is no signaling loss.
    if (this.tearingDown) return;
    if (this.state !== CallState.Connected && this.state !== CallState.Reconnecting) return;
    const policy = this.reconnectPolicy;
    const giveUp = () =>
      void this.fail(
        new RtcError(RtcErrorCode.SignalingUnreachable, `The call server could not be reached again within ${Math.round(policy.giveUpAfterMs / 1000)} s.`, {
          fatal: true,
        }),
      );
    if (this.state === CallState.Connected) {
      this.setState(CallState.Reconnecting);
      this.reconnectAttempt = 0;
      this.signalingLostAt = Date.now();
      clearTimeout(this.reconnectDeadline);
      this.reconnectDeadline = setTimeout(giveUp, policy.giveUpAfterMs);
    }
    // Media keeps flowing meanwhile; retry the socket as the policy says.
    clearTimeout(this.reconnectTimer);
    const delay = policy.nextDelay(this.reconnectAttempt++, Date.now() - this.signalingLostAt);
    if (delay === null) {
      giveUp();
      return;
    }
    this.reconnectTimer = setTimeout(() => {
      const peer = this.peer;
      if (peer && peer.disconnected && !peer.destroyed) peer.reconnect();
    }, delay);
  }

  private onSignalingBack(): void {
    if (this.state !== CallState.Reconnecting) return;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.reconnectDeadline);
    this.reconnectAttempt = 0;
    this.setState(CallState.Connected);
  }

  private onPeerError(error: unknown): void {
    const type = (error as { type?: string }).type;
    if (type === 'network' || type === 'socket-closed' || type === 'socket-error' || type === 'disconnected' || type === 'server-error') {
      // Socket trouble: `disconnected` drives the reconnect loop; no error until it gives up.
      return;
    }
    if (type === 'peer-unavailable') {
      const id = /peer (\S+)$/.exec((error as Error).message ?? '')?.[1];
      if (id) this.dropParticipant(id, 'disconnected');
      this.report(peerError(error));
      return;
    }
    this.report(peerError(error));
  }

  // ── state ──────────────────────────────────────────────────────────────────────────────────

  private report(error: RtcError): void {
    this.error = error;
    this.listener.error(error);
  }

  private async fail(error: RtcError): Promise<void> {
    if (this.state === CallState.Failed || this.state === CallState.Left) return;
    this.error = error;
    await this.teardown(true);
    this.setState(CallState.Failed);
    this.listener.error(error);
  }

  private async teardown(sayBye: boolean): Promise<void> {
    this.tearingDown = true;
    // Tell the server first: room-mates learn `left` at once, even if a goodbye on a link is lost.
    if (sayBye) this.sendRoomRequest({ request: 'leave' });
    for (const h of this.held.values()) h.media.close();
    this.releaseHeld();
    this.abort?.abort();
    this.abort = null;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.reconnectDeadline);
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.close(sayBye)));
    const peer = this.peer;
    this.peer = null;
    peer?.destroy();
    this.releaseMedia();
    this.roster.clear();
    this.invalidate();
    this.tearingDown = false;
  }

  private reset(): void {
    this.localId = null;
    this.localRole = 'guest';
    this.error = null;
  }

  private setState(next: CallState): void {
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.invalidate();
    this.listener.stateChange(next, previous);
  }

  private invalidate(): void {
    this.snapshot = null;
  }

  private localParticipant(): Participant {
    const connection =
      this.state === CallState.Reconnecting ? 'reconnecting' : this.state === CallState.Connected ? 'connected' : this.state === CallState.Failed ? 'failed' : 'connecting';
    return {
      id: this.localId ?? 'local',
      displayName: this.config?.displayName ?? '',
      role: this.localRole,
      isLocal: true,
      micEnabled: this.micEnabled,
      cameraEnabled: this.cameraEnabled,
      connection,
      stream: this.media?.stream ?? null,
    };
  }

  private remoteParticipant(link: PeerLink): Participant {
    return {
      id: link.id,
      displayName: link.displayName,
      role: link.role,
      isLocal: false,
      micEnabled: link.micEnabled,
      cameraEnabled: link.cameraEnabled,
      connection: link.connection,
      stream: link.stream,
    };
  }
}
