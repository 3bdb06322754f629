/**
 * MediaSession: what `<rtc-call>`'s pre-join view needs of a session — the local media (preview,
 * microphone and camera, devices) and the config — with everything else as it is before a join.
 * CallSession (call-session.ts) extends it with the call. The element starts with a MediaSession
 * and hands it over to a CallSession when a join comes near (pre-warm, code preload or Join:
 * controllers/call-controller.ts), so the one-tag bundle shows the pre-join view without loading
 * the call's code; the hand-over takes the media as it is (even while the camera is still
 * starting) and is seen by nobody.
 */
import type { RtcError } from '../errors.js';
import { TypedEmitter } from '../emitter.js';
import { LocalMedia } from '../media/local-media.js';
import { DEFAULT_MAX_FILE_SIZE } from '../files.js';
import type { CodecPreferences } from '../transport/transport.js';
import type { NetworkQuality } from './quality.js';
import {
  CallState,
  type DeviceChoice,
  type LeaveReason,
  type Participant,
  type ParticipantLeaveReason,
  type ParticipantRole,
  type WaitingParticipant,
  type ChatMessage,
  type FileProgress,
  type ReceivedFile,
} from '../types.js';
import type { CallMode } from '../../protocol/sfu.js';

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
  /** How long signaling may stay lost while media flows before the call fails (the policy's, 10 min). */
  reconnectTimeoutMs?: number;
  /** Codecs to prefer, most preferred first (`{ video: ['vp9', 'vp8'], audio: ['opus'] }`). */
  codecs?: CodecPreferences;
}

/** What a session reports (one typed emitter; the controller turns them into DOM events). */
export type SessionEvents = {
  'state-change': (state: CallState, previous: CallState) => void;
  joined: (room: string, participantId: string) => void;
  left: (reason: LeaveReason) => void;
  'participant-joined': (participant: Participant) => void;
  'participant-left': (participant: Participant, reason: ParticipantLeaveReason) => void;
  'participant-updated': (participant: Participant) => void;
  'mic-change': (enabled: boolean) => void;
  'camera-change': (enabled: boolean) => void;
  error: (error: RtcError) => void;
  /** The local preview stream or its tracks changed. */
  'local-media-change': () => void;
  /** While waiting: whether a host is in the room changed. */
  'waiting-change': (hostPresent: boolean) => void;
  /** Hosts: someone knocked. */
  knock: (participant: WaitingParticipant) => void;
  /** Hosts: someone is no longer waiting. */
  'knock-withdrawn': (participantId: string, reason: 'admitted' | 'denied' | 'left') => void;
  /** The call was locked or unlocked. */
  'lock-change': (locked: boolean) => void;
  /** A host asked us to mute; the microphone is already off. */
  'mute-requested': (by: string | undefined) => void;
  /** Someone (we included) started or stopped sharing a screen. */
  'screen-share-change': (participantId: string, enabled: boolean) => void;
  /** The page's own data from a participant (`sendData` on their side). */
  data: (from: string, data: unknown) => void;
  /** A chat message (ours, someone's, or history relayed to us). */
  message: (message: ChatMessage) => void;
  /** The active speaker changed (sustained speech; see active-speaker.ts). */
  'active-speaker-change': (participantId: string | null) => void;
  /** A file transfer started, advanced or ended (per file and other participant). */
  'file-progress': (progress: FileProgress) => void;
  /** A file arrived whole and checked. */
  file: (file: ReceivedFile) => void;
  /** A connection has been poor for 10 s while our camera is on: offer audio only. */
  'audio-only-suggested': () => void;
  /** A participant's connection quality changed (the local id: our uplink). */
  'network-quality': (participantId: string, quality: NetworkQuality) => void;
  /** How the media travels changed (`mesh` ⇄ `sfu`), set by the server at join. */
  'mode-change': (mode: CallMode, previous: CallMode) => void;
};

export class MediaSession extends TypedEmitter<SessionEvents> {
  state: CallState = CallState.Idle;
  /** How this call's media travels (the server decides per room): peer to peer, or through its SFU. */
  mode: CallMode = 'mesh';
  error: RtcError | null = null;
  localId: string | null = null;
  room: string | null = null;
  /** While waiting: whether a host is in the room. */
  hostPresent = false;
  /** Whether the call is locked (newcomers knock). */
  locked = false;
  /** The host's message when we were denied. */
  hostMessage: string | undefined;
  /** Whether we have been let in (or never had to wait) in this call: `reconnecting` goes back to connected, else to waiting. */
  admitted = false;
  /** The largest file we send or accept (bytes). */
  maxFileSize = DEFAULT_MAX_FILE_SIZE;

  protected config: CallConfig | null = null;
  protected media: LocalMedia | null = null;
  protected mediaReady: Promise<void> | null = null;
  protected localRole: ParticipantRole = 'guest';
  /** The stream the local participant shows a shared screen in. */
  protected screenStream: MediaStream | null = null;
  private snapshot: readonly Participant[] | null = null;
  private lastMic: boolean | undefined;
  private lastCamera: boolean | undefined;
  /** The session this one handed its media to: the media's news goes there. */
  private successor: MediaSession | null = null;

  /** Everyone in the call, local first. A new array (and new objects) after any change. */
  get participants(): readonly Participant[] {
    this.snapshot ??= [this.localParticipant(), ...this.remoteParticipants()];
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
    return [];
  }

  /** Hosts: who waits, longest first. */
  get waitingParticipants(): readonly WaitingParticipant[] {
    return [];
  }

  /** The participant with sustained speech right now (held at least 2 s), or null. */
  get activeSpeaker(): string | null {
    return null;
  }

  /** Whether we share a screen. */
  get screenSharing(): boolean {
    return false;
  }

  /** Chat since we joined, history included, in the order it arrived. */
  get messages(): readonly ChatMessage[] {
    return [];
  }

  /**
   * Starts local media without joining (the pre-join preview). Safe to call repeatedly; join()
   * reuses what it acquired.
   */
  startMedia(config: CallConfig): Promise<void> {
    if (this.mediaReady) return this.mediaReady;
    this.config = config;
    // Through owner(): a hand-over while the camera starts sends the media's news to the new owner.
    const media = new LocalMedia({
      onError: (error) => this.owner().report(error),
      onChange: () => this.owner().onLocalMediaChange(),
    });
    this.media = media;
    this.attachMedia(media);
    this.mediaReady = media
      .start({
        micOff: config.micOff,
        cameraOff: config.cameraOff,
        audioOnly: config.audioOnly,
        provided: config.localStream ?? null,
        devices: config.devices,
      })
      .then(() => {
        const owner = this.owner();
        owner.lastMic = media.micEnabled;
        owner.lastCamera = media.cameraEnabled;
        owner.invalidate();
        owner.emit('local-media-change');
      });
    return this.mediaReady;
  }

  /** Stops the local media of a session that is not in a call (pre-join preview closed). */
  stopMedia(): void {
    if (this.state === CallState.Joining || this.state === CallState.Waiting || this.state === CallState.Connected || this.state === CallState.Reconnecting) return;
    this.releaseMedia();
  }

  /** Before a join, leaving is closing the preview. */
  async leave(_reason: LeaveReason = 'user'): Promise<void> {
    this.stopMedia();
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

  /** A new display name (announced to the others by a session in a call). */
  setDisplayName(name: string): void {
    if (this.config) this.config = { ...this.config, displayName: name };
    this.invalidate();
    this.announceName(name);
    this.emit('participant-updated', this.participants[0]!);
  }

  /**
   * Takes over `from`'s config and local media, as they are: its media's news comes here from
   * now on, and `from` is done (its listeners dropped).
   */
  protected takeOver(from: MediaSession): void {
    this.config = from.config;
    this.media = from.media;
    this.mediaReady = from.mediaReady;
    this.lastMic = from.lastMic;
    this.lastCamera = from.lastCamera;
    this.maxFileSize = from.maxFileSize;
    this.error = from.error;
    from.successor = this;
    from.media = null;
    from.mediaReady = null;
    from.removeAllListeners();
    if (this.media) this.attachMedia(this.media);
    this.invalidate();
  }

  /** The session that owns this one's media now (itself, unless handed over). */
  private owner(): MediaSession {
    return this.successor?.owner() ?? this;
  }

  /** Hooks for a session in a call. */
  protected attachMedia(_media: LocalMedia): void {}
  protected announceName(_name: string): void {}
  protected announceMedia(): void {}
  protected remoteParticipants(): Participant[] {
    return [];
  }
  protected uplinkQuality(): NetworkQuality | null {
    return null;
  }

  protected releaseMedia(): void {
    this.media?.stop();
    this.media = null;
    this.mediaReady = null;
    this.invalidate();
  }

  protected onLocalMediaChange(): void {
    const media = this.media;
    if (!media) return;
    this.invalidate();
    this.announceMedia();
    if (media.micEnabled !== this.lastMic) {
      this.lastMic = media.micEnabled;
      this.emit('mic-change', media.micEnabled);
    }
    if (media.cameraEnabled !== this.lastCamera) {
      this.lastCamera = media.cameraEnabled;
      this.emit('camera-change', media.cameraEnabled);
    }
    this.emit('local-media-change');
    if (this.state !== CallState.Idle) this.emit('participant-updated', this.participants[0]!);
  }

  protected report(error: RtcError): void {
    this.error = error;
    this.emit('error', error);
  }

  protected invalidate(): void {
    this.snapshot = null;
  }

  protected localParticipant(): Participant {
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
      screenStream: this.screenStream,
      quality: this.uplinkQuality(),
    };
  }
}
