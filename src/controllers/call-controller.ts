/**
 * Binds a session to an element's lifecycle: the session's events become DOM events on the host
 * and re-renders; a removed host hangs up (after the current task, so a DOM move does not). The
 * element reads state and calls actions here and never touches the session.
 *
 * The session starts as a MediaSession (the pre-join view's media) and becomes a CallSession when
 * a join comes near — at pre-warm, code preload, Join, or any call action — once the call's code
 * (core/session/call-session.js, a chunk of its own in the one-tag bundle) has loaded. The new
 * session takes the media over as it is; nothing is dispatched for it.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { DeferredDisconnectController } from './deferred-disconnect-controller.js';
import { whenIdle } from '../utils/idle.js';
import type { CallSession, SessionOptions } from '../core/session/call-session.js';
import { MediaSession, type CallConfig } from '../core/session/media-session.js';
import { RtcError, RtcErrorCode, toRtcError } from '../core/errors.js';
import type { CallState, CallStats, NetworkQuality, ChatMessage, FileProgress, LeaveReason, Participant, ParticipantLeaveReason, ReceivedFile, SentFile, WaitingParticipant } from '../core/types.js';
import { RtcCameraChangeEvent } from '../events/camera-change.js';
import { RtcErrorEvent } from '../events/error.js';
import { RtcJoinedEvent } from '../events/joined.js';
import { RtcLeftEvent } from '../events/left.js';
import { RtcMicChangeEvent } from '../events/mic-change.js';
import { RtcParticipantJoinedEvent } from '../events/participant-joined.js';
import { RtcParticipantLeftEvent } from '../events/participant-left.js';
import { RtcParticipantUpdatedEvent } from '../events/participant-updated.js';
import { RtcStateChangeEvent } from '../events/state-change.js';
import { RtcKnockEvent } from '../events/knock.js';
import { RtcKnockWithdrawnEvent } from '../events/knock-withdrawn.js';
import { RtcLockChangeEvent } from '../events/lock-change.js';
import { RtcScreenShareChangeEvent } from '../events/screen-share-change.js';
import { RtcActiveSpeakerChangeEvent } from '../events/active-speaker-change.js';
import { RtcDataEvent } from '../events/data.js';
import { RtcModeChangeEvent } from '../events/mode-change.js';
import type { CallMode } from '../protocol/sfu.js';
import { RtcFileEvent } from '../events/file.js';
import { RtcNetworkQualityEvent } from '../events/network-quality.js';
import { RtcFileProgressEvent } from '../events/file-progress.js';
import { RtcMessageEvent } from '../events/message.js';
import type { RoomRequest } from '../protocol/room-events.js';

/** What the host hears about besides re-rendering (announcements, notices). */
export interface CallControllerCallbacks {
  stateChange?(state: CallState, previous: CallState): void;
  participantJoined?(participant: Participant): void;
  participantLeft?(participant: Participant, reason: ParticipantLeaveReason): void;
  participantUpdated?(participant: Participant, before: Participant | undefined): void;
  error?(error: RtcError): void;
  left?(reason: LeaveReason): void;
  joined?(): void;
  knock?(participant: WaitingParticipant): void;
  lockChange?(locked: boolean): void;
  /** The call's media changed course (mesh ⇄ SFU). */
  modeChange?(mode: CallMode, previous: CallMode): void;
  muteRequested?(by: string | undefined): void;
  screenShareChange?(participantId: string, enabled: boolean): void;
  message?(message: ChatMessage): void;
  fileProgress?(progress: FileProgress): void;
  networkQuality?(participantId: string, quality: NetworkQuality): void;
  audioOnlySuggested?(): void;
  file?(file: ReceivedFile): void;
}

type CallSessionModule = typeof import('../core/session/call-session.js');
/**
 * Once the preview's media has started, the call's code waits this long (its first frames show
 * meanwhile: loading and parsing it then would hold them up), then for the page to be idle, at
 * most CALL_CODE_IDLE_MAX_MS.
 */
const CALL_CODE_AFTER_MEDIA_MS = 200;
const CALL_CODE_IDLE_MAX_MS = 500;
/** The call's code, once loaded (one load per page). */
let callCode: CallSessionModule | null = null;
let callCodeLoading: Promise<CallSessionModule> | null = null;

/**
 * Loads the call's code. In the one-tag bundle that is a chunk from the rtc-call server: a failed
 * load is `signaling-unreachable` (the server that serves the chunks cannot be reached), tried
 * again at the next need.
 */
function loadCallCode(): Promise<CallSessionModule> {
  callCodeLoading ??= import('../core/session/call-session.js').then(
    (m) => (callCode = m),
    (cause: unknown) => {
      callCodeLoading = null;
      const detail = (cause as { message?: string } | null)?.message ?? String(cause);
      throw new RtcError(RtcErrorCode.SignalingUnreachable, `The call's code could not be loaded from the server (${detail}).`, { cause });
    },
  );
  return callCodeLoading;
}

export class CallController implements ReactiveController {
  private session: MediaSession;
  /** The session once it is a CallSession. */
  private call: CallSession | null = null;
  private readonly host: ReactiveControllerHost & HTMLElement;
  private readonly callbacks: CallControllerCallbacks;
  private readonly options: SessionOptions;
  private lastError: RtcError | null = null;
  private readonly previousById = new Map<string, Participant>();
  /** Counts leave() and releasePrewarm() calls: a join or pre-warm that waited for the call's code does not start after one. */
  private leaves = 0;
  private releases = 0;

  constructor(host: ReactiveControllerHost & HTMLElement, callbacks: CallControllerCallbacks = {}, options: SessionOptions = {}) {
    this.host = host;
    this.callbacks = callbacks;
    this.options = options;
    host.addController(this);
    this.session = new MediaSession();
    this.listen(this.session);
    // Removal hangs up and releases the devices; a DOM move does not.
    new DeferredDisconnectController(host, () => {
      void this.session.leave('removed');
      this.session.stopMedia();
    });
  }

  /** The CallSession, made now if the call's code is loaded; null if it is not yet. */
  private callSession(): CallSession | null {
    if (!this.call && callCode) {
      const call = new callCode.CallSession(this.options, this.session);
      this.call = call;
      this.session = call;
      this.listen(call);
    }
    return this.call;
  }

  /** The CallSession, once the call's code has loaded; rejects (an RtcError) if it cannot load. */
  private async inCall(): Promise<CallSession> {
    const ready = this.callSession();
    if (ready) return ready;
    await loadCallCode();
    return this.callSession()!;
  }

  /** The session's events, as DOM events and callbacks. */
  private listen(session: MediaSession): void {
    const previousById = this.previousById;
    session.on('state-change', (state, previous) => {
      if (state === 'joining') this.lastError = null;
      this.update();
      this.dispatch(new RtcStateChangeEvent({ state, previous }));
      this.callbacks.stateChange?.(state, previous);
    });
    session.on('joined', (room, participantId) => {
      this.update();
      this.dispatch(new RtcJoinedEvent({ room, participantId }));
      this.callbacks.joined?.();
    });
    session.on('left', (reason) => {
      previousById.clear();
      this.update();
      this.dispatch(new RtcLeftEvent({ reason }));
      this.callbacks.left?.(reason);
    });
    session.on('participant-joined', (participant) => {
      previousById.set(participant.id, participant);
      this.update();
      this.dispatch(new RtcParticipantJoinedEvent({ participant }));
      this.callbacks.participantJoined?.(participant);
    });
    session.on('participant-left', (participant, reason) => {
      previousById.delete(participant.id);
      this.update();
      this.dispatch(new RtcParticipantLeftEvent({ participant, reason }));
      this.callbacks.participantLeft?.(participant, reason);
    });
    session.on('participant-updated', (participant) => {
      const before = previousById.get(participant.id);
      previousById.set(participant.id, participant);
      this.update();
      this.dispatch(new RtcParticipantUpdatedEvent({ participant }));
      this.callbacks.participantUpdated?.(participant, before);
    });
    session.on('mic-change', (enabled) => {
      this.update();
      this.dispatch(new RtcMicChangeEvent({ enabled }));
    });
    session.on('camera-change', (enabled) => {
      this.update();
      this.dispatch(new RtcCameraChangeEvent({ enabled }));
    });
    session.on('error', (error) => this.sessionError(error));
    session.on('local-media-change', () => this.update());
    session.on('waiting-change', () => this.update());
    session.on('knock', (participant) => {
      this.update();
      this.dispatch(new RtcKnockEvent({ participant }));
      this.callbacks.knock?.(participant);
    });
    session.on('knock-withdrawn', (participantId, reason) => {
      this.update();
      this.dispatch(new RtcKnockWithdrawnEvent({ participantId, reason }));
    });
    session.on('lock-change', (locked) => {
      this.update();
      this.dispatch(new RtcLockChangeEvent({ locked }));
      this.callbacks.lockChange?.(locked);
    });
    session.on('screen-share-change', (participantId, enabled) => {
      this.update();
      this.dispatch(new RtcScreenShareChangeEvent({ participantId, enabled }));
      this.callbacks.screenShareChange?.(participantId, enabled);
    });
    session.on('data', (from, data) => this.dispatch(new RtcDataEvent({ from, data })));
    session.on('message', (message) => {
      this.update();
      this.dispatch(new RtcMessageEvent(message));
      this.callbacks.message?.(message);
    });
    session.on('file-progress', (progress) => {
      this.update();
      this.dispatch(new RtcFileProgressEvent(progress));
      this.callbacks.fileProgress?.(progress);
    });
    session.on('file', (file) => {
      this.update();
      this.dispatch(new RtcFileEvent(file));
      this.callbacks.file?.(file);
    });
    session.on('network-quality', (participantId, quality) => {
      this.update();
      this.dispatch(new RtcNetworkQualityEvent({ participantId, level: quality.level, reason: quality.reason }));
      this.callbacks.networkQuality?.(participantId, quality);
    });
    session.on('audio-only-suggested', () => this.callbacks.audioOnlySuggested?.());
    session.on('mode-change', (mode, previous) => {
      this.update();
      this.dispatch(new RtcModeChangeEvent({ mode, previous }));
      this.callbacks.modeChange?.(mode, previous);
    });
    session.on('active-speaker-change', (participantId) => {
      this.update();
      this.dispatch(new RtcActiveSpeakerChangeEvent({ participantId }));
    });
    session.on('mute-requested', (by) => {
      this.update();
      this.callbacks.muteRequested?.(by);
    });
  }

  hostConnected(): void {}

  // ── what the element reads ──

  get state(): CallState {
    return this.session.state;
  }

  get mode(): CallMode {
    return this.session.mode;
  }

  /** How wide (device pixels) a participant's camera shows, for transports that pick what they receive. */
  receiveVideoSize(participantId: string, width: number): void {
    this.call?.receiveVideoSize(participantId, width);
  }

  get participants(): readonly Participant[] {
    return this.session.participants;
  }

  get localStream(): MediaStream | null {
    return this.session.localStream;
  }

  get micEnabled(): boolean {
    return this.session.micEnabled;
  }

  get cameraEnabled(): boolean {
    return this.session.cameraEnabled;
  }

  get waitingParticipants(): readonly WaitingParticipant[] {
    return this.session.waitingParticipants;
  }

  get hostPresent(): boolean {
    return this.session.hostPresent;
  }

  get locked(): boolean {
    return this.session.locked;
  }

  get activeSpeaker(): string | null {
    return this.session.activeSpeaker;
  }

  get screenSharing(): boolean {
    return this.session.screenSharing;
  }

  /** Starts sharing; a failure is also reported as `rtc-error` (non-fatal). */
  async startScreenShare(): Promise<boolean> {
    return this.withCall((c) => c.startScreenShare());
  }

  get messages(): readonly ChatMessage[] {
    return this.session.messages;
  }

  /** A link's security code; a failure is also reported as `rtc-error` (non-fatal). */
  async verificationCode(participantId: string): Promise<string> {
    return this.withCall((c) => c.verificationCode(participantId));
  }

  /** Sends a chat message; a failure is also reported as `rtc-error` (non-fatal). */
  async sendMessage(text: string): Promise<ChatMessage> {
    return this.withCall((c) => c.sendMessage(text));
  }

  /** Sends the page's data; a failure is also reported as `rtc-error` (non-fatal). */
  async sendData(data: unknown, options: { to?: string | readonly string[] }): Promise<void> {
    return this.withCall((c) => c.sendData(data, options));
  }

  /** Statistics of the media from a participant; a failure is also reported as `rtc-error` (non-fatal). */
  async getStats(participantId: string): Promise<CallStats> {
    return this.withCall((c) => c.getStats(participantId));
  }

  /** Sends a file; a failure is also reported as `rtc-error` (non-fatal). */
  async sendFile(file: Blob, options: { to?: string | readonly string[] }): Promise<SentFile> {
    return this.withCall((c) => c.sendFile(file, options));
  }

  cancelFile(id: string): boolean {
    return this.call?.cancelFile(id) ?? false;
  }

  set maxFileSize(bytes: number) {
    this.session.maxFileSize = bytes;
  }

  stopScreenShare(): Promise<void> {
    return this.call?.stopScreenShare() ?? Promise.resolve();
  }

  /** Let in (or never had to wait) in this call. */
  get admitted(): boolean {
    return this.session.admitted;
  }

  get hostMessage(): string | undefined {
    return this.session.hostMessage;
  }

  get localRole(): 'host' | 'guest' {
    return this.session.participants[0]?.role ?? 'guest';
  }

  /** The last error of this call (the session's, or one the element found itself). */
  get error(): RtcError | null {
    return this.lastError;
  }

  // ── what the element does ──

  /**
   * Joins — after loading the call's code if a join comes before it has (then not after a leave
   * meanwhile). The code not loading is reported (`rtc-error`, non-fatal) and rejects; the element
   * stays `idle` with its media, and a new join tries again.
   */
  join(config: CallConfig): Promise<void> {
    const call = this.callSession();
    if (call) return call.join(config);
    const leaves = this.leaves;
    return this.inCall().then(
      (c) => (this.leaves === leaves ? c.join(config) : undefined),
      (error: RtcError) => {
        this.sessionError(error);
        throw error;
      },
    );
  }

  leave(reason: LeaveReason): Promise<void> {
    this.leaves++;
    return this.session.leave(reason);
  }

  /**
   * See CallSession.prewarm: nothing changes, nothing is dispatched. Best effort: a failure to
   * load the call's code only loses the head start; released or left while it loads, none starts.
   */
  prewarm(config: CallConfig): Promise<void> {
    const call = this.callSession();
    if (call) return call.prewarm(config);
    const [leaves, releases] = [this.leaves, this.releases];
    return this.inCall().then((c) => (this.leaves === leaves && this.releases === releases ? c.prewarm(config) : undefined), () => {});
  }

  /** The call's code (see CallSession.preloadCode): nothing asked of the server's API. A failure is dropped (the join loads it again, and reports it). */
  preloadCode(): void {
    const call = this.callSession();
    if (call) call.preloadCode();
    else this.inCall().then((c) => c.preloadCode(), () => {});
  }

  releasePrewarm(): void {
    this.releases++;
    this.call?.releasePrewarm();
  }

  /**
   * Starts the preview. Once it plays, the call's code loads soon after, when the page is idle
   * (only code, from the same server, as `no-prewarm` allows): a Join pressed soon after the
   * preview shows does not wait for it. A failure is dropped here (the join loads it again and reports it).
   */
  startMedia(config: CallConfig): Promise<void> {
    const started = this.session.startMedia(config);
    if (!callCode) {
      started.then(() => setTimeout(() => whenIdle(() => void loadCallCode().catch(() => {}), CALL_CODE_IDLE_MAX_MS), CALL_CODE_AFTER_MEDIA_MS), () => {});
    }
    return started;
  }

  restart(): void {
    this.call?.restart();
  }

  toggleMic(enabled?: boolean): Promise<void> {
    return this.session.toggleMic(enabled);
  }

  toggleCamera(enabled?: boolean): Promise<void> {
    return this.session.toggleCamera(enabled);
  }

  switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    return this.session.switchDevice(kind, deviceId);
  }

  /** A host action; its failure is also reported as `rtc-error` (non-fatal: the call goes on). */
  async hostAction(request: RoomRequest): Promise<unknown> {
    return this.withCall((c) => c.hostAction(request));
  }

  setDisplayName(name: string): void {
    this.session.setDisplayName(name);
  }

  /**
   * A page-called call action, run as reported() runs it: at once when the session is a
   * CallSession already (what it does synchronously, such as a file's first progress event, is
   * done before this returns), else once the call's code has loaded.
   */
  private withCall<T>(action: (call: CallSession) => Promise<T>): Promise<T> {
    const call = this.callSession();
    return this.reported(call ? () => action(call) : async () => action(await this.inCall()));
  }

  /** Runs a page-called action: a failure is remembered and dispatched as `rtc-error`, then rethrown as the RtcError. */
  private async reported<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const rtcError = toRtcError(error);
      this.reportError(rtcError);
      throw rtcError;
    }
  }

  /** An error of the call (the session's, or its code not loading): remembered, dispatched and shown. */
  private sessionError(error: RtcError): void {
    this.lastError = error;
    this.update();
    this.dispatch(new RtcErrorEvent(error));
    this.callbacks.error?.(error);
  }

  /** An error the element found itself (a bad attribute, a refused name): remembered and dispatched. */
  reportError(error: RtcError): void {
    this.lastError = error;
    this.update();
    this.dispatch(new RtcErrorEvent(error));
  }

  private update(): void {
    this.host.requestUpdate();
  }

  private dispatch(event: Event): void {
    this.host.dispatchEvent(event);
  }
}
