import { LitElement, adoptStyles, html, nothing, supportsAdoptingStyleSheets } from 'lit';
import type { PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { CallController } from '../../controllers/call-controller.js';
import type { CallConfig } from '../../core/session/media-session.js';
import { loadStoredDevices } from '../../core/media/devices.js';
import { RtcError, RtcErrorCode } from '../../core/errors.js';
import { CallState, type CallStats, type ChatMessage, type DeviceChoice, type FileProgress, type LeaveReason, type Participant, type ReceivedFile, type SentFile, type WaitingParticipant } from '../../core/types.js';
import { RtcLeaveRequestEvent } from '../../events/leave-request.js';
import type { RtcDeviceChangeEvent } from '../../events/device-change.js';
import type { Messages } from '../../i18n/messages.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { checkDisplayName, ROOM_PATTERN } from '../../protocol/rules.js';
import type { CallMode } from '../../protocol/sfu.js';
import { warnOnce } from '../../utils/define-element.js';
import { whenIdle } from '../../utils/idle.js';
import { cameraIcon, cameraOffIcon, leaveIcon, micIcon, micOffIcon } from '../icons.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../core/files.js';
import { parseCodecList } from '../../core/transport/codec-names.js';
import { sharedStyles } from '../shared.styles.js';
import { styles } from './call.styles.js';

/** The in-call parts (call-view.ts): the call view, control bar, panels, knock banner, ended view. */
type CallView = typeof import('./call-view.js');
let callView: Promise<CallView> | undefined;
/**
 * Loads the in-call parts once per page (every element shares them). In the one-tag bundle they are
 * a chunk from the rtc-call server: a failed load becomes `signaling-unreachable` (the server that
 * serves the chunks cannot be reached) and is tried again at the next need.
 */
function importCallView(): Promise<CallView> {
  callView ??= import('./call-view.js').catch((cause: unknown) => {
    callView = undefined;
    const detail = (cause as { message?: string } | null)?.message ?? String(cause);
    throw new RtcError(RtcErrorCode.SignalingUnreachable, `The call view's code could not be loaded from the server (${detail}).`, { cause });
  });
  return callView;
}
/** With `no-prewarm`, how long after PREWARM_DELAY_MS the code a join needs waits for the page to be idle, at most. */
const PRELOAD_IDLE_MAX_MS = 1_000;
/** After a failed load of the in-call parts, how long before the element tries again by itself. */
const VIEW_RETRY_MS = 3_000;

const MAX_NOTICES = 3;
/** How long the mode notice says what changed when the call's media changes course. */
const MODE_CHANGE_SHOWN_MS = 8_000;
/** How long the pre-join view is up before the join is pre-warmed (see `no-prewarm`). */
const PREWARM_DELAY_MS = 300;
/** Rejoin keys held by the calls in this page (one per element in a call). */
const claimedRejoinKeys = new Set<string>();
const MEDIA_CODES = new Set<string>([
  RtcErrorCode.PermissionDenied,
  RtcErrorCode.DeviceNotFound,
  RtcErrorCode.DeviceInUse,
  RtcErrorCode.InsecureContext,
  RtcErrorCode.BlockedByPermissionsPolicy,
  RtcErrorCode.NotSupported,
]);

/** The values of the `layout` attribute. */
export type CallLayout = 'auto' | 'grid' | 'speaker';

/** A file in the chat: who sent it, and each recipient's (or the sender's) progress. */
export interface FileView {
  id: string;
  name: string;
  size: number;
  direction: 'send' | 'receive';
  /** The sender (received files). */
  from: string | null;
  at: Date;
  /** Shown after this many chat messages. */
  after: number;
  legs: Map<string, { bytes: number; status: FileProgress['status']; code: string | undefined }>;
  /** Received and checked: the blob URL to download. */
  url: string | null;
}

/** A notice above the call (errors, warnings, information). */
export interface Notice {
  id: number;
  text: string;
  code: string;
  /** Information (a host's mute request), not a problem. */
  info?: boolean;
  /** A button in the notice (audio only, when a connection stays poor). */
  action?: { label: string; run(): void };
}

/**
 * A complete call: pre-join check (self-preview, name, mic and camera), a responsive grid with one
 * `<rtc-video-tile>` per participant, a control bar, notices and screen-reader announcements, and a
 * rejoin view after the call. Peer-to-peer (PeerJS) through the site's own rtc-call server, for up
 * to six people. `<rtc-call room="visit-4711"></rtc-call>` is all a page needs.
 *
 * With no size set the element is never taller than the viewport (its controls stay in view);
 * give it a height and it fills it. The read-only `view` attribute says which view shows
 * (`prejoin`, `waiting`, `call`, `ended`), for CSS.
 *
 * @summary A drop-in peer-to-peer video call for a room.
 * @tag rtc-call
 *
 * @slot controls - Replaces the control bar. Call `toggleMic()`, `toggleCamera()` and `leave()` from your own buttons.
 * @slot prejoin-title - Replaces the pre-join heading ("Ready to join?").
 * @slot waiting - The page's own content in the waiting view (state `waiting`), e.g. what to prepare for the visit.
 *
 * @csspart base - The element's wrapper.
 * @csspart prejoin - The pre-join view (self-preview, name, toggles, join button).
 * @csspart preview - The self-preview tile in the pre-join view.
 * @csspart name-input - The name field of the pre-join view.
 * @csspart join-button - The Join button.
 * @csspart grid - The grid of equal tiles (layout `grid`, three or more in `auto`).
 * @csspart stage - The large tile (layouts `auto` and `speaker`, and whoever is pinned).
 * @csspart filmstrip - The other tiles beside or below the stage; in a 1:1 your own view, small in a corner of the stage.
 * @csspart invite-button - "Copy invite link" while you are alone in the call (with `invite-url`).
 * @csspart chat-button - Opens the chat panel; its badge counts unread messages (hidden with `no-chat`).
 * @csspart chat - The chat panel (messages, text field, Send).
 * @csspart chat-message - Each message in the chat panel (`data-replayed` on history relayed to you).
 * @csspart chat-input - The chat text field (Enter sends).
 * @csspart file-button - The chat panel's "Send a file" button (files can also be dropped on the panel).
 * @csspart chat-file - Each file in the chat panel (also a `chat-message`; `data-direction` `send | receive`, `data-status` `active | complete | failed`).
 * @csspart file-download - The download link of a received file (`<a download>`; never opened automatically).
 * @csspart file-cancel-button - Cancels a file while it is on its way (either side).
 * @csspart screen-tile - The `<rtc-video-tile>` of each shared screen (one per sharer, yours included), with the same re-exported `tile-*` parts.
 * @csspart screen-share-button - Starts / stops sharing your screen (where the browser can; hidden with `no-screen-share`).
 * @csspart tile - Each participant's `<rtc-video-tile>`; its own parts are re-exported as `tile-base`, `tile-video`, `tile-placeholder`, `tile-avatar`, `tile-name`, `tile-mic-indicator`, `tile-status`, `tile-quality`, `tile-quality-reason`, `tile-actions`, `tile-pip-button`, `tile-fullscreen-button`, `tile-unmute-audio-button`.
 * @csspart controls - The control bar (wraps the `controls` slot).
 * @csspart mic-button - The microphone toggle (pre-join and in call).
 * @csspart camera-button - The camera toggle (pre-join and in call).
 * @csspart settings-button - Opens the device settings in the call.
 * @csspart settings - The device settings panel.
 * @csspart leave-button - The hang-up button.
 * @csspart notice-action - The button of a notice that offers one ("Switch to audio only" when a connection stays poor for 10 s).
 * @csspart notice - Each notice (errors and warnings) shown above the call.
 * @csspart ended - The view after leaving or failing.
 * @csspart rejoin-button - Rejoin / Try again in the ended view.
 * @csspart waiting - The waiting view (self-preview, "Waiting for the host to let you in", toggles, Leave).
 * @csspart precall - The waiting view's "Test your connection" disclosure with its `<rtc-precall-check>` (the check runs when the person presses Start; it uses the call's `server` and `token`).
 * @csspart precall-button - "Test your connection" in the waiting view (opens and closes the check).
 * @csspart people-button - Opens the people panel; for hosts its badge counts who is waiting.
 * @csspart people - The people panel: everyone in the call with their security code; for hosts also the waiting list, ask to mute, Remove and Lock.
 * @csspart knock-banner - Hosts: "… is waiting to join" with Admit and Deny, while the people panel is closed.
 * @csspart admit-button - Hosts: Admit one waiting person (banner and panel).
 * @csspart deny-button - Hosts: Deny one waiting person (banner and panel).
 * @csspart admit-all-button - Hosts: Admit everyone waiting.
 * @csspart mute-participant-button - Hosts: ask one participant to mute.
 * @csspart remove-button - Hosts: remove one participant.
 * @csspart lock-button - Hosts: lock or unlock the call.
 * @csspart verify-button - In the People panel: shows the security code of your link to that participant (not in `sfu` mode: there is no end-to-end link to verify).
 * @csspart mode-notice - Above the tiles: in `sfu` mode, that the call's media goes through the call server, encrypted on the way there, not end to end; for 8 s after the media changed course mid-call (`data-changed`), what changed (`data-mode` `sfu | mesh`).
 * @csspart verification-code - "Compare this code with Pat: 493 201".
 * @csspart end-button - Hosts: end the call for everyone.
 *
 * @cssproperty [--rtc-accent=#1a73e8] - Accent colour: join button, pressed toggles, focus.
 * @cssproperty [--rtc-accent-foreground=#fff] - Text colour on the accent colour.
 * @cssproperty [--rtc-danger=#d93025] - Colour of the leave button and of muted toggles.
 * @cssproperty [--rtc-background=#202124] - Background of the call.
 * @cssproperty [--rtc-foreground=#e8eaed] - Text colour of the call.
 * @cssproperty [--rtc-surface=#3c4043] - Background of buttons, fields and notices.
 * @cssproperty [--rtc-radius=12px] - Corner radius of the call, buttons and fields.
 * @cssproperty [--rtc-gap=8px] - Space between tiles and controls.
 * @cssproperty [--rtc-font-family=system-ui, sans-serif] - Font of the call.
 * @cssproperty [--rtc-min-height=360px] - Minimum height of the call (never more than the viewport's).
 * @cssproperty [--rtc-aspect-ratio=16 / 10] - Shape of the call view when the page sets no height (3 / 4 on portrait screens); never taller than the viewport.
 *
 * @fires {RtcStateChangeEvent} rtc-state-change - The call state changed (`detail.state`, `detail.previous`).
 * @fires {RtcJoinedEvent} rtc-joined - Joined the room (`detail.room`, `detail.participantId`); after a wait, when a host let us in.
 * @fires {RtcLeftEvent} rtc-left - Left the call (`detail.reason`: `user`, `removed`, `reconfigured`, `error`, `replaced` — the same room token joined from another window or device, `denied` — a host did not let us in, `removed-by-host`, `ended-by-host`).
 * @fires {RtcParticipantJoinedEvent} rtc-participant-joined - A remote participant joined (`detail.participant`).
 * @fires {RtcParticipantLeftEvent} rtc-participant-left - A remote participant left (`detail.participant`, `detail.reason`: `left`, `disconnected`, `removed-by-host` or `ice-failed` — their link could not be recovered within 30 s).
 * @fires {RtcParticipantUpdatedEvent} rtc-participant-updated - A participant's name, mic, camera, stream or connection changed.
 * @fires {RtcMicChangeEvent} rtc-mic-change - The local microphone was turned on or off (`detail.enabled`).
 * @fires {RtcCameraChangeEvent} rtc-camera-change - The local camera was turned on or off (`detail.enabled`).
 * @fires {RtcErrorEvent} rtc-error - Something failed; `detail` is the `RtcError` (`code`, `message`, `fatal`).
 * @fires {RtcLeaveRequestEvent} rtc-leave-request - The user clicked leave; cancelable: `preventDefault()` keeps the call.
 * @fires {RtcMessageEvent} rtc-message - A chat message (`detail`: `id`, `from`, `displayName`, `text`, `sentAt`, `isLocal`, `replayed`, `relayedBy`), yours included, and history relayed to you when you joined.
 * @fires {RtcDataEvent} rtc-data - Another participant's page sent data with `sendData()` (`detail.from`, `detail.data`).
 * @fires {RtcFileProgressEvent} rtc-file-progress - A file transfer advanced, per file and other participant (`detail`: `id`, `name`, `size`, `bytes`, `direction` `send | receive`, `participantId`, `status` `active | complete | failed`, `error`); from bytes 0 (before `sendFile()` returns) to `complete` or `failed`.
 * @fires {RtcModeChangeEvent} rtc-mode-change - How the call's media travels changed (`detail`: `mode` `mesh | sfu`, `previous`): the server puts a room through its SFU (Janus) by size or configuration; in `sfu` mode media is encrypted to the server, not end to end, and the call says so.
 * @fires {RtcNetworkQualityEvent} rtc-network-quality - A participant's connection quality changed (`detail`: `participantId` — your own id for your uplink —, `level` `excellent | good | poor | lost`, `reason` `packet-loss | high-latency | low-bandwidth | cpu | no-media` or null); only on a change, not every reading.
 * @fires {RtcFileEvent} rtc-file - A file sent to you arrived whole and checked (`detail`: `id`, `name`, `size`, `type`, `from`, `url`: a blob URL for `<a download>`); never opened automatically.
 * @fires {RtcActiveSpeakerChangeEvent} rtc-active-speaker-change - The active speaker changed (`detail.participantId`, or null): after about 400 ms of sustained speech, held at least 2 s.
 * @fires {RtcScreenShareChangeEvent} rtc-screen-share-change - Someone (you included) started or stopped sharing a screen (`detail.participantId`, `detail.enabled`); also for a share already running when you join.
 * @fires {RtcKnockEvent} rtc-knock - Hosts: someone knocked (`detail.participant`: `id`, `displayName`, `since`).
 * @fires {RtcKnockWithdrawnEvent} rtc-knock-withdrawn - Hosts: someone is no longer waiting (`detail.participantId`, `detail.reason`: `admitted`, `denied`, `left`).
 * @fires {RtcLockChangeEvent} rtc-lock-change - The call was locked or unlocked (`detail.locked`).
 * @fires {RtcEndRequestEvent} rtc-end-request - A host clicked "End for everyone"; cancelable: `preventDefault()` keeps the call (then call `endCall()` yourself).
 * @fires {RtcRemoveRequestEvent} rtc-remove-request - A host clicked Remove (`detail.participant`); cancelable: `preventDefault()` keeps them.
 */
export class RtcCall extends LitElement {
  static override styles = [sharedStyles, styles];

  /** @internal For the in-call view (call-view.ts). */
  readonly controller = new CallController(this, {
    stateChange: (next) => this.onStateChange(next),
    participantJoined: (p) => this.announce(this.labels.joined(this.nameOf(p))),
    participantLeft: (p) => this.announce(this.labels.left(this.nameOf(p))),
    participantUpdated: (p, before) => this.announceUpdate(p, before),
    error: (error) => this.showError(error),
    joined: () => this.announce(this.labels.youJoined),
    left: (reason) => {
      this.leftReason = reason;
      this.peopleOpen = false;
      this.announce(this.leftText(reason) ?? this.labels.youLeft);
    },
    knock: (p) => this.onKnock(p),
    lockChange: (locked) => this.announce(locked ? this.labels.roomLocked : this.labels.roomUnlocked),
    modeChange: (mode) => this.onModeChange(mode),
    muteRequested: () => this.pushNotice('mute-requested', this.labels.hostMutedYou, true),
    message: (message) => this.onMessage(message),
    fileProgress: (progress) => this.onFileProgress(progress),
    audioOnlySuggested: () => {
      const m = this.labels;
      this.notices = [
        ...this.notices.filter((n) => n.code !== 'audio-only'),
        { id: this.nextNoticeId++, code: 'audio-only', text: m.audioOnlySuggested, info: true, action: { label: m.switchToAudioOnly, run: () => void this.toggleCamera(false) } },
      ].slice(-MAX_NOTICES);
      this.announce(m.audioOnlySuggested);
    },
    file: (file) => this.onFile(file),
    screenShareChange: (id, enabled) => {
      const p = this.participants.find((x) => x.id === id);
      if (p && !p.isLocal) this.announce(enabled ? this.labels.sharingStarted(this.nameOf(p)) : this.labels.sharingStopped(this.nameOf(p)));
    },
  });
  /** @internal For the in-call view (call-view.ts). */
  leftReason: LeaveReason | null = null;
  /**
   * The course the call's media took during the call, said for MODE_CHANGE_SHOWN_MS in the mode notice.
   * @internal For the in-call view (call-view.ts).
   */
  @state() modeChanged: CallMode | null = null;
  private modeChangedTimer: ReturnType<typeof setTimeout> | undefined;
  /** @internal For the in-call view (call-view.ts). */
  readonly localize = new LocalizeController(this);
  private nextNoticeId = 1;
  private autojoinPending = false;
  private pendingSwitch: Promise<void> = Promise.resolve();
  private claimedRejoinKey: string | undefined;

  @query('input[name="display-name"]') private nameInput?: HTMLInputElement;

  /** @internal For the in-call view (call-view.ts). */
  @state() notices: Notice[] = [];
  @state() private announcement = '';
  /** @internal For the in-call view (call-view.ts). */
  @state() settingsOpen = false;
  /** @internal For the in-call view (call-view.ts). */
  @state() peopleOpen = false;
  /** @internal For the in-call view (call-view.ts). */
  @state() pinned: string | null = null;
  /** @internal For the in-call view (call-view.ts). */
  @state() inviteCopied = false;
  /** @internal For the in-call view (call-view.ts). */
  @state() chatOpen = false;
  /** @internal For the in-call view (call-view.ts). */
  @state() unread = 0;
  /**
   * Files in this call's chat, by id, in the order they started.
   * @internal For the in-call view (call-view.ts).
   */
  @state() files = new Map<string, FileView>();
  /**
   * Security codes shown in the People panel, by participant id.
   * @internal For the in-call view (call-view.ts).
   */
  @state() codes = new Map<string, string>();
  /** True while a join started from the pre-join view is under way (keeps that view). */
  @state() private joiningFromPrejoin = false;

  /** The room to join: 1–64 letters, digits, `_` or `-`. Changing it during a call leaves (and rejoins with `autojoin`). */
  @property() room = '';

  /**
   * Base URL of the rtc-call server. Default: where the rtc-call script was loaded from. Apps that
   * bundle rtc-call from npm (so the script is not served by the rtc-call server) must set it.
   */
  @property() server = '';

  /** The local participant's name (default "Guest", localised). With a room token the token's name wins. */
  @property({ attribute: 'display-name' }) displayName = '';

  /** Room token (a JWT from the site's backend) when the server requires one. */
  @property() token = '';

  /** Join as soon as the element is on the page with a room, skipping the pre-join view. */
  @property({ type: Boolean }) autojoin = false;

  /** Join with the microphone acquired but muted. */
  @property({ type: Boolean, attribute: 'mic-off' }) micOff = false;

  /** Join without acquiring the camera (it can be turned on later). */
  @property({ type: Boolean, attribute: 'camera-off' }) cameraOff = false;

  /** Never ask for a camera: audio only, avatar tiles. */
  @property({ type: Boolean, attribute: 'audio-only' }) audioOnly = false;

  /** Camera to use (a `deviceId`); default: the stored choice (`rtc-call:devices`), else the browser's default. */
  @property({ attribute: 'video-input' }) videoInput = '';

  /** Microphone to use (a `deviceId`); default: the stored choice, else the browser's default. */
  @property({ attribute: 'audio-input' }) audioInput = '';

  /** Speaker for remote audio (a `deviceId`, where the browser supports `setSinkId`); default: the stored choice. */
  @property({ attribute: 'audio-output' }) audioOutput = '';

  /**
   * Seconds the call waits for a lost call server while media still flows peer to peer (600);
   * with media to nobody it gives up after 30 s. Then it fails with `signaling-unreachable`.
   */
  @property({ type: Number, attribute: 'reconnect-timeout' }) reconnectTimeout = 600;

  /**
   * How the call is laid out: `auto` (default) — in a 1:1 the other person fills the stage with
   * your own view small in a corner, a shared screen takes the stage with the cameras in a
   * filmstrip, three and more share a grid; `speaker` — the active speaker (or a share) on the
   * stage, the rest in a filmstrip; `grid` — equal tiles. `pin()` overrides any of them.
   */
  @property({ reflect: true }) layout: CallLayout = 'auto';

  /** A link to this call the page wants people to share: alone in the call, a "Copy invite link" button copies it. */
  @property({ attribute: 'invite-url' }) inviteUrl = '';

  /**
   * The largest file you can send, and accept, in bytes (default 26,214,400: 25 MiB). Larger ones
   * are refused with `file-too-large` on either side. An invalid value means the default.
   */
  @property({ type: Number, attribute: 'max-file-size' }) maxFileSize = DEFAULT_MAX_FILE_SIZE;

  /**
   * Video codecs to prefer, most preferred first, e.g. `vp9 vp8 h264` (`vp8`, `vp9`, `h264`, `av1`,
   * `h265`); ones this browser lacks are skipped, the others stay as fallbacks. Read at join.
   */
  @property({ attribute: 'video-codecs' }) videoCodecs = '';

  /** Audio codecs to prefer, most preferred first (`opus`, `red`, `g722`, `pcmu`, `pcma`). Read at join. */
  @property({ attribute: 'audio-codecs' }) audioCodecs = '';

  /** No chat button or panel (`sendMessage()`, `messages` and `rtc-message` still work). */
  @property({ type: Boolean, attribute: 'no-chat' }) noChat = false;

  /** No Share button (screen sharing stays available through `startScreenShare()`). */
  @property({ type: Boolean, attribute: 'no-screen-share' }) noScreenShare = false;

  /** Hosts: no chime when someone knocks (the knock is still announced to screen readers). */
  @property({ type: Boolean, attribute: 'no-knock-sound' }) noKnockSound = false;

  /**
   * Do not pre-warm. By default, while the pre-join view is up, the element asks the server for a
   * pre-warmed join and opens signaling, so Join connects sooner: that takes no seat, tells the
   * room nothing and shows nothing to anyone; it is released if Join is never pressed. With
   * `no-prewarm` the element asks nothing of the server before Join and only loads, once the page
   * is idle, the code a join needs (the in-call view and PeerJS).
   */
  @property({ type: Boolean, attribute: 'no-prewarm' }) noPrewarm = false;

  /** Language of labels and messages (BCP 47, e.g. `de`); default: the page's. */
  @property({ reflect: true }) override lang = '';

  /**
   * A page-provided MediaStream to send instead of capturing camera and microphone (for example
   * processed video). Set before joining; its tracks are never stopped by the element.
   */
  @property({ attribute: false }) localStream: MediaStream | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.autojoinPending = this.autojoin;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.tileSizes?.disconnect();
    this.observedTiles.clear();
    this.settingsOpen = false;
    this.peopleOpen = false;
    clearTimeout(this.modeChangedTimer);
    this.modeChanged = null;
    clearTimeout(this.prewarmTimer);
    clearTimeout(this.viewRetryTimer);
    clearTimeout(this.autojoinRetryTimer);
  }

  private prewarmTimer: ReturnType<typeof setTimeout> | undefined;
  /** An autojoin whose call code did not load tries again (VIEW_RETRY_MS later). */
  private autojoinRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The in-call parts once loaded (loadView()); null before. */
  private view: CallView | null = null;
  /** A load of the in-call parts under way. */
  private viewLoading: Promise<void> | undefined;
  /** Whether this element's shadow root has the in-call parts' styles (they come with them). */
  private viewStyled = false;
  /** When the last load failed (0: none did), and the timer that tries again. */
  private viewFailedAt = 0;
  private viewRetryTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Loads the in-call parts if they are not here yet, then renders them. Called at pre-warm, at
   * Join (beside the join request, not after it), at autojoin and whenever the element is past
   * `idle` without them. Never rejects: a failure is reported as `rtc-error` and a notice (nothing
   * the call keeps is lost: the element still holds it) and tried again VIEW_RETRY_MS later.
   */
  private loadView(): Promise<void> {
    if (this.view) return Promise.resolve();
    this.viewLoading ??= importCallView().then(
      (view) => {
        this.view = view;
        this.viewFailedAt = 0;
        this.viewLoading = undefined;
        this.requestUpdate();
      },
      (error: RtcError) => {
        this.viewFailedAt = Date.now();
        this.viewLoading = undefined;
        this.reportError(error);
        clearTimeout(this.viewRetryTimer);
        this.viewRetryTimer = setTimeout(() => this.requestUpdate(), VIEW_RETRY_MS);
      },
    );
    return this.viewLoading;
  }

  /** Past the pre-join view (or about to leave it by itself): the in-call parts are needed. */
  private get needsView(): boolean {
    return this.controller.state !== CallState.Idle || this.autojoin;
  }

  /** `updateComplete` also waits for the in-call parts while they are on their way, and their first render. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let complete = await super.getUpdateComplete();
    while (this.viewLoading) {
      await this.viewLoading;
      complete = await super.getUpdateComplete();
    }
    return complete;
  }

  /**
   * The pre-join view is up with a room: pre-warm the join shortly (not at once, so an element
   * about to join or be removed costs the server nothing). Again whenever the room, server or
   * token changes; `no-prewarm` or leaving the view releases it. With `no-prewarm`, only the code
   * a join needs comes (the in-call parts, the mesh transport with PeerJS), when the page is idle
   * after the same delay: nothing is asked of the call server's API and no socket opens.
   */
  private schedulePrewarm(): void {
    clearTimeout(this.prewarmTimer);
    if (this.noPrewarm || !ROOM_PATTERN.test(this.room)) {
      this.controller.releasePrewarm();
      if (ROOM_PATTERN.test(this.room) && !this.autojoin) this.prewarmTimer = setTimeout(() => whenIdle(() => this.preloadCode(), PRELOAD_IDLE_MAX_MS), PREWARM_DELAY_MS);
      return;
    }
    this.prewarmTimer = setTimeout(() => {
      if (!this.isConnected || this.noPrewarm || this.controller.state !== CallState.Idle || this.autojoin) return;
      const config = this.config();
      if (!ROOM_PATTERN.test(config.room)) return;
      // A join is likely: the in-call parts come now, beside the pre-warm.
      void this.loadView();
      void this.controller.prewarm({ ...config, rejoinKey: this.claimedRejoinKey ?? this.rejoinKey() });
    }, PREWARM_DELAY_MS);
  }

  /** The code a join needs, for one that is not pre-warmed (see schedulePrewarm). */
  private preloadCode(): void {
    if (!this.isConnected || this.controller.state !== CallState.Idle || this.autojoin) return;
    void this.loadView();
    this.controller.preloadCode();
  }

  /** The room changed course mid-call (it grew past the server's mesh size, or shrank back): say so, visibly and aloud. */
  private onModeChange(mode: CallMode): void {
    clearTimeout(this.modeChangedTimer);
    if (!this.inCall) {
      this.modeChanged = null;
      return;
    }
    this.modeChanged = mode;
    this.announce(mode === 'sfu' ? this.labels.nowViaServer : this.labels.nowPeerToPeer);
    this.modeChangedTimer = setTimeout(() => (this.modeChanged = null), MODE_CHANGE_SHOWN_MS);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The in-call parts' styles join the element's own (after them) before those parts first render.
    if (this.view && !this.viewStyled) {
      const own = (this.constructor as typeof RtcCall).elementStyles;
      adoptStyles(this.renderRoot as ShadowRoot, supportsAdoptingStyleSheets ? [...own, this.view.styles] : [this.view.styles]);
      this.viewStyled = true;
    }
    if (changed.has('autojoin') && this.autojoin) this.autojoinPending = true;
    if (changed.has('maxFileSize')) {
      const valid = Number.isSafeInteger(this.maxFileSize) && this.maxFileSize > 0;
      if (!valid) warnOnce(`max-file-size ${this.maxFileSize}`, `max-file-size="${this.getAttribute('max-file-size') ?? this.maxFileSize}" is not a positive whole number of bytes; using ${DEFAULT_MAX_FILE_SIZE} (25 MiB).`);
      this.controller.maxFileSize = valid ? this.maxFileSize : DEFAULT_MAX_FILE_SIZE;
    }
    // The pre-join view shows a live self-preview: asked for before the view renders (the first
    // time, before its first render), so the camera starts while the page draws it.
    const call = this.controller;
    if (call.state === CallState.Idle && !this.autojoin && this.isConnected && !call.localStream) void call.startMedia(this.config());
  }

  /** Each remote tile's width, for an SFU that sends the simulcast layer a tile needs. */
  private readonly tileSizes = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver((entries) => {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset['id'];
      if (id) this.controller.receiveVideoSize(id, entry.contentRect.width * (globalThis.devicePixelRatio || 1));
    }
  });
  private readonly observedTiles = new Set<Element>();

  private observeTiles(): void {
    if (!this.tileSizes) return;
    const tiles = new Set(this.renderRoot.querySelectorAll('rtc-video-tile[data-id]:not([local])'));
    for (const t of this.observedTiles) {
      if (tiles.has(t)) continue;
      this.tileSizes.unobserve(t);
      this.observedTiles.delete(t);
    }
    for (const t of tiles) {
      if (this.observedTiles.has(t)) continue;
      this.tileSizes.observe(t);
      this.observedTiles.add(t);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    const call = this.controller;
    const inCall = this.inCall;
    if (call.mode === 'sfu' || this.observedTiles.size) this.observeTiles();
    if (this.getAttribute('state') !== call.state) this.setAttribute('state', call.state);
    const view = this.currentView();
    if (this.getAttribute('view') !== view) this.setAttribute('view', view);
    if (!this.view && !this.viewLoading && this.isConnected && this.needsView && Date.now() - this.viewFailedAt >= VIEW_RETRY_MS) void this.loadView();
    const reconfigured = (['room', 'server', 'token'] as const).some((k) => changed.has(k) && changed.get(k) !== undefined);
    if ((inCall || this.waiting) && reconfigured) {
      void call.leave('reconfigured').then(() => {
        if (this.autojoin && this.isConnected) this.autojoinPending = true;
        this.requestUpdate();
      });
      return;
    }
    if (inCall && changed.has('displayName') && changed.get('displayName') !== undefined) {
      call.setDisplayName(this.effectiveName);
    }
    // A device change applies at once to live media (pre-join preview or call); otherwise at join.
    if (call.localStream) {
      const switches: Promise<void>[] = [];
      if (changed.has('videoInput') && changed.get('videoInput') !== undefined) switches.push(this.switchDevice('videoinput', this.videoInput));
      if (changed.has('audioInput') && changed.get('audioInput') !== undefined) switches.push(this.switchDevice('audioinput', this.audioInput));
      if (switches.length) this.pendingSwitch = Promise.all(switches).then(() => {});
    }
    if (this.autojoinPending && this.isConnected && this.room && call.state !== CallState.Joining && !inCall && !this.waiting) {
      this.autojoinPending = false;
      this.join().catch((error: RtcError) => {
        // Reported as rtc-error and shown; join() callers get the rejection themselves. The call's
        // code not loading leaves the element idle: the autojoin tries again a moment later.
        if (error.code !== RtcErrorCode.SignalingUnreachable || this.controller.state !== CallState.Idle) return;
        clearTimeout(this.autojoinRetryTimer);
        this.autojoinRetryTimer = setTimeout(() => {
          if (!this.autojoin || !this.isConnected || this.controller.state !== CallState.Idle) return;
          this.autojoinPending = true;
          this.requestUpdate();
        }, VIEW_RETRY_MS);
      });
    }
    if (call.state === CallState.Idle && !this.autojoin && this.isConnected) {
      const configChanged = (['room', 'server', 'token', 'noPrewarm'] as const).some((k) => changed.has(k));
      // A rejoin key is per room: a new room claims its own.
      if (changed.has('room') && changed.get('room') !== undefined) this.releaseRejoinKey();
      if (configChanged || changed.has('autojoin')) this.schedulePrewarm();
    }
  }

  /** @internal For the in-call view (call-view.ts). */
  get labels(): Messages {
    return this.localize.messages;
  }

  /**
   * In the call proper (let in): the grid and the control bar show.
   * @internal For the in-call view (call-view.ts).
   */
  get inCall(): boolean {
    const s = this.controller.state;
    return s === CallState.Connected || (s === CallState.Reconnecting && this.controller.admitted);
  }

  /** Which view shows (reflected as the `view` attribute, for CSS). */
  private currentView(): 'prejoin' | 'waiting' | 'call' | 'ended' {
    const state = this.controller.state;
    if (state === CallState.Left || state === CallState.Failed) return 'ended';
    if (this.waiting) return 'waiting';
    if ((state === CallState.Idle && !this.autojoin) || (state === CallState.Joining && this.joiningFromPrejoin)) return 'prejoin';
    return 'call';
  }

  /** Knocked and not let in yet (also while reconnecting): the waiting view shows. */
  private get waiting(): boolean {
    const s = this.controller.state;
    return s === CallState.Waiting || (s === CallState.Reconnecting && !this.controller.admitted);
  }

  /** @internal For the in-call view (call-view.ts). */
  get isHost(): boolean {
    return this.controller.localRole === 'host';
  }

  private get effectiveName(): string {
    const name = this.displayName.trim();
    return name || this.labels.guest;
  }

  /** @internal For the in-call view (call-view.ts). */
  get devices(): DeviceChoice {
    const stored = loadStoredDevices();
    return {
      videoInput: this.videoInput || stored.videoInput || undefined,
      audioInput: this.audioInput || stored.audioInput || undefined,
      audioOutput: this.audioOutput || stored.audioOutput || undefined,
    };
  }

  private config(): CallConfig {
    let server = this.server;
    if (server) {
      try {
        new URL(server, location.href);
      } catch {
        warnOnce(`server:${server}`, `<rtc-call server="${server}"> is not a URL; using the script's own server.`);
        server = '';
      }
    }
    return {
      server,
      room: this.room,
      displayName: this.effectiveName,
      token: this.token || undefined,
      micOff: this.micOff,
      cameraOff: this.cameraOff,
      audioOnly: this.audioOnly,
      localStream: this.localStream,
      devices: this.devices,
      reconnectTimeoutMs: Number.isFinite(this.reconnectTimeout) && this.reconnectTimeout > 0 ? this.reconnectTimeout * 1000 : undefined,
      codecs: { video: this.codecList('video', this.videoCodecs), audio: this.codecList('audio', this.audioCodecs) },
    };
  }

  /** A codec attribute's names (unknown ones are warned about once and skipped). */
  private codecList(kind: 'audio' | 'video', value: string): string[] {
    const { names, unknown } = parseCodecList(kind, value);
    if (unknown.length) warnOnce(`${kind}-codecs ${unknown.join(' ')}`, `${kind}-codecs: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a ${kind} codec name (${kind === 'video' ? 'vp8, vp9, h264, av1, h265' : 'opus, red, g722, pcmu, pcma'}); skipped.`);
    return names;
  }

  /**
   * A key kept per tab (sessionStorage) and room, so a reload within the server's grace period
   * replaces our old seat instead of counting twice. Several elements in one page in the same room
   * each claim a different key.
   */
  private rejoinKey(): string | undefined {
    this.releaseRejoinKey();
    try {
      const storageKey = `rtc-call:rejoin:${this.room}`;
      let keys: string[] = [];
      try {
        const parsed: unknown = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]');
        if (Array.isArray(parsed)) keys = parsed.filter((k): k is string => typeof k === 'string' && /^[a-f0-9]{24}$/.test(k));
      } catch {
        keys = [];
      }
      let key = keys.find((k) => !claimedRejoinKeys.has(k));
      if (!key) {
        key = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
        keys.push(key);
        sessionStorage.setItem(storageKey, JSON.stringify(keys.slice(-8)));
      }
      claimedRejoinKeys.add(key);
      this.claimedRejoinKey = key;
      return key;
    } catch {
      return undefined; // storage disabled: no reload replacement; the server's grace period handles it
    }
  }

  private releaseRejoinKey(): void {
    if (this.claimedRejoinKey) claimedRejoinKeys.delete(this.claimedRejoinKey);
    this.claimedRejoinKey = undefined;
  }

  /** @internal For the in-call view (call-view.ts). */
  nameOf(p: Participant): string {
    return p.displayName || this.labels.guest;
  }

  private onStateChange(next: CallState): void {
    this.setAttribute('state', next);
    if (next === CallState.Left || next === CallState.Failed) this.releaseRejoinKey();
    if (next !== CallState.Joining) this.joiningFromPrejoin = false;
    // A new join starts a new chat (the session's messages and file URLs are reset too).
    if (next === CallState.Joining && this.files.size) this.files = new Map();
    if (next === CallState.Connected) this.notices = this.notices.filter((n) => n.code !== 'reconnecting');
    // Nothing a finished call said still holds once the user has left it.
    if (next === CallState.Left) this.notices = [];
    if (next === CallState.Reconnecting) this.pushNotice('reconnecting', this.labels.reconnecting);
    // Back in the pre-join view (Rejoin): pre-warm again.
    if (next === CallState.Idle) this.schedulePrewarm();
  }

  /** @internal For the in-call view (call-view.ts). */
  announce(text: string): void {
    // Re-set even when equal so screen readers repeat it.
    this.announcement = '';
    queueMicrotask(() => (this.announcement = text));
  }

  private announceUpdate(p: Participant, before: Participant | undefined): void {
    if (!before || p.isLocal) return;
    const m = this.labels;
    const name = this.nameOf(p);
    if (before.micEnabled !== p.micEnabled) this.announce(p.micEnabled ? m.unmutedThem(name) : m.mutedThem(name));
    else if (before.cameraEnabled !== p.cameraEnabled) this.announce(p.cameraEnabled ? m.cameraOnThem(name) : m.cameraOffThem(name));
  }

  /** @internal For the in-call view (call-view.ts). */
  showError(error: RtcError): void {
    const text = this.labels.errors[error.code] ?? error.message;
    if (!error.fatal) this.pushNotice(error.code, text);
    this.announce(text);
  }

  /** An error found by the element itself (not the session): remembered, shown and dispatched. */
  private reportError(error: RtcError): void {
    this.showError(error);
    this.controller.reportError(error);
  }

  /** @internal For the in-call view (call-view.ts). */
  pushNotice(code: string, text: string, info = false): void {
    const notices = this.notices.filter((n) => n.code !== code);
    notices.push({ id: this.nextNoticeId++, code, text, info });
    this.notices = notices.slice(-MAX_NOTICES);
  }

  /**
   * What the ended view and the announcement say for a host's doing, or null.
   * @internal For the in-call view (call-view.ts).
   */
  leftText(reason: LeaveReason | null): string | null {
    const m = this.labels;
    switch (reason) {
      case 'replaced': return m.replaced;
      case 'denied': return m.denied;
      case 'removed-by-host': return m.removedByHost;
      case 'ended-by-host': return m.endedByHost;
      default: return null;
    }
  }

  private onMessage(message: ChatMessage): void {
    if (message.isLocal || message.replayed || (this.chatOpen && !this.noChat)) return;
    this.unread++;
    const text = message.text.length > 140 ? `${message.text.slice(0, 140)}…` : message.text;
    this.announce(this.labels.newMessage(message.displayName || this.labels.guest, text));
  }

  private onFileProgress(p: FileProgress): void {
    const files = new Map(this.files);
    const before = files.get(p.id);
    const view: FileView = before ?? {
      id: p.id,
      name: p.name,
      size: p.size,
      direction: p.direction,
      from: p.direction === 'receive' ? p.participantId : null,
      at: new Date(),
      after: this.controller.messages.length,
      legs: new Map(),
      url: null,
    };
    // An ended leg stays ended (a listener may cancel while an earlier update is still being delivered).
    if (view.legs.get(p.participantId)?.status !== undefined && view.legs.get(p.participantId)?.status !== 'active') return;
    const legs = new Map(view.legs);
    legs.set(p.participantId, { bytes: p.bytes, status: p.status, code: p.error?.code });
    files.set(p.id, { ...view, legs });
    this.files = files;
    if (p.direction === 'receive' && p.status === 'failed' && p.error && p.error.code !== RtcErrorCode.FileCancelled) this.showError(p.error);
  }

  private onFile(file: ReceivedFile): void {
    const view = this.files.get(file.id);
    if (view) this.files = new Map(this.files).set(file.id, { ...view, url: file.url });
    if (this.chatOpen && !this.noChat) return;
    this.unread++;
    const sender = this.participants.find((p) => p.id === file.from);
    this.announce(this.labels.fileArrived(sender ? this.nameOf(sender) : this.labels.guest, file.name));
  }

  private onKnock(p: WaitingParticipant): void {
    this.announce(this.labels.knocked(p.displayName || this.labels.guest));
    if (!this.noKnockSound) void this.loadView().then(() => this.view?.playChime());
  }

  private dismissNotice(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  private async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    try {
      await this.controller.switchDevice(kind, deviceId);
    } catch (error) {
      const rtcError = error instanceof RtcError ? error : new RtcError(RtcErrorCode.Internal, String(error), { cause: error });
      this.reportError(rtcError);
    }
  }

  private onJoinClick(e: Event): void {
    e.preventDefault();
    const input = this.nameInput;
    if (input) {
      const typed = input.value.trim();
      // The server's own rule (src/protocol): no round trip for a name it would refuse.
      const check = checkDisplayName(typed);
      if (typed && !check.ok) {
        this.showError(new RtcError(RtcErrorCode.InvalidName, check.message));
        input.focus();
        return;
      }
      if (check.ok) this.displayName = check.name;
    }
    this.joiningFromPrejoin = true;
    this.join().catch(() => {});
  }

  /** @internal For the in-call view (call-view.ts). */
  onLeaveClick(): void {
    const request = new RtcLeaveRequestEvent();
    this.dispatchEvent(request);
    if (request.defaultPrevented) return;
    void this.leave();
  }

  private onDeviceChange(e: RtcDeviceChangeEvent): void {
    const { kind, deviceId } = e.detail;
    if (kind === 'videoinput') void this.setDevices({ videoInput: deviceId });
    else if (kind === 'audioinput') void this.setDevices({ audioInput: deviceId });
    else void this.setDevices({ audioOutput: deviceId });
  }

  /** The call state: `idle`, `joining`, `waiting`, `connected`, `reconnecting`, `left` or `failed` (reflected as the `state` attribute). */
  get state(): CallState {
    return this.controller.state;
  }

  /** Everyone in the call, local participant first (read-only snapshots; a new array after each change). */
  get participants(): readonly Participant[] {
    return this.controller.participants;
  }

  /** The last error, or null. */
  get error(): RtcError | null {
    return this.controller.error;
  }

  /** The participant whose audio has been the loudest for a while (sustained speech, not a cough), or null. */
  get activeSpeaker(): string | null {
    return this.controller.activeSpeaker;
  }

  /** Puts a participant (their shared screen, if they share) on the stage, whatever the layout; `unpin()` undoes it. */
  pin(participantId: string): void {
    this.pinned = participantId;
  }

  /** Back to what the layout puts on the stage. */
  unpin(): void {
    this.pinned = null;
  }

  /**
   * How this call's media travels, as the server decided for the room: `mesh` (peer to peer, end
   * to end encrypted) or `sfu` (through the server's media server). Read-only; `rtc-mode-change`
   * fires when it changes.
   */
  get mode(): CallMode {
    return this.controller.mode;
  }

  /**
   * The six-digit security code of your media link to a participant: read it to each other — the
   * same code on both sides means nobody sits in between (it is bound to both DTLS fingerprints
   * through a commit-then-reveal exchange). Rejects with an `RtcError`: `participant-not-found`,
   * `not-allowed` (not in a call), `not-supported` (in `sfu` mode: media is not peer to peer), `peer-unavailable`.
   */
  async verificationCode(participantId: string): Promise<string> {
    return this.controller.verificationCode(participantId);
  }

  /** Chat since you joined — history relayed to you included (`replayed`) — in arrival order. */
  get messages(): readonly ChatMessage[] {
    return this.controller.messages;
  }

  /**
   * Sends a chat message (text only, 1–4,000 characters) to everyone in the call; resolves with it.
   * Rejects with an `RtcError` `message-too-long`, or `not-allowed` when not in a call.
   */
  async sendMessage(text: string): Promise<ChatMessage> {
    return this.controller.sendMessage(text);
  }

  /**
   * Sends your page's own data — any JSON value, at most 16 KiB as UTF-8 — to everyone in the call,
   * or only to the participant id(s) in `to`; they receive it as `rtc-data`, in order and reliably.
   * Rejects with an `RtcError`: `message-too-large` (too big, or not JSON), `participant-not-found`,
   * `not-allowed` (not in a call).
   */
  async sendData(data: unknown, options: { to?: string | readonly string[] } = {}): Promise<void> {
    await this.controller.sendData(data, options);
  }

  /**
   * Sends a file (a `File` or `Blob`, at most `max-file-size` bytes) to everyone in the call, or
   * to the participant id(s) in `to`, each copy SHA-256 checked at the receiver. Progress comes as
   * `rtc-file-progress` from bytes 0 (before this returns, carrying the id for `cancelFile`).
   * Resolves when every recipient has it or failed (`deliveredTo` lists who has it); rejects with
   * an `RtcError` when nobody got it: `file-too-large`, `file-cancelled`, `file-corrupt`,
   * `peer-unavailable`; or `participant-not-found`, `not-allowed` (not in a call, or alone),
   * `not-supported` (not a File or Blob, or in `sfu` mode: files go peer to peer).
   */
  async sendFile(file: Blob, options: { to?: string | readonly string[] } = {}): Promise<SentFile> {
    return this.controller.sendFile(file, options);
  }

  /**
   * For support staff: what arrives from a participant right now — `codec`, `width`, `height`,
   * `fps`, `bitrate` (bits/s), `rtt` (ms), `loss` (0–1); figures the browser does not have are null.
   * Rejects with an `RtcError` `participant-not-found`, or `not-allowed` when not in a call.
   */
  async getStats(participantId: string): Promise<CallStats> {
    return this.controller.getStats(participantId);
  }

  /**
   * Cancels a file on its way, sent or received; the other side's transfer ends with
   * `file-cancelled` too. Returns false when no transfer has this id.
   */
  cancelFile(id: string): boolean {
    return this.controller.cancelFile(id);
  }

  /** Whether you are sharing a screen. */
  get screenSharing(): boolean {
    return this.controller.screenSharing;
  }

  /**
   * Shares a screen (the browser's picker): resolves `true` when sharing, `false` when the person
   * cancelled the picker (not an error). Rejects with an `RtcError` `screen-share-denied` when the
   * page or the system does not allow it; the call goes on. Your camera keeps going meanwhile.
   */
  async startScreenShare(): Promise<boolean> {
    return this.controller.startScreenShare();
  }

  /** Stops sharing your screen (the browser's own "Stop sharing" does the same). */
  async stopScreenShare(): Promise<void> {
    await this.controller.stopScreenShare();
  }

  /** Hosts: who is waiting to be let in, longest waiting first (`id`, `displayName`, `since`). Empty for guests. */
  get waitingParticipants(): readonly WaitingParticipant[] {
    return this.controller.waitingParticipants;
  }

  /** Whether the call is locked: newcomers then knock and wait even without a waiting room. */
  get locked(): boolean {
    return this.controller.locked;
  }

  /** Hosts: lets a waiting participant in. Rejects with an `RtcError` (`not-allowed`, `participant-not-found`, `room-full`). */
  async admit(participantId: string): Promise<void> {
    await this.controller.hostAction({ request: 'admit', data: { peerId: participantId } });
  }

  /** Hosts: turns a waiting participant away, with an optional message they see (up to 280 characters). */
  async deny(participantId: string, message?: string): Promise<void> {
    await this.controller.hostAction({ request: 'deny', data: { peerId: participantId, ...(message ? { message } : {}) } });
  }

  /** Hosts: lets everyone waiting in (as many as there are seats, longest waiting first). */
  async admitAll(): Promise<void> {
    await this.controller.hostAction({ request: 'admit-all' });
  }

  /** Hosts: removes a participant; they cannot come back until the call has ended. */
  async removeParticipant(participantId: string): Promise<void> {
    await this.controller.hostAction({ request: 'remove', data: { peerId: participantId } });
  }

  /** Hosts: asks a participant to mute (their microphone goes off with a notice; they may turn it on again). */
  async requestMute(participantId: string): Promise<void> {
    await this.controller.hostAction({ request: 'mute', data: { peerId: participantId } });
  }

  /** Hosts: locks the call (newcomers knock and wait). */
  async lock(): Promise<void> {
    await this.controller.hostAction({ request: 'lock' });
  }

  /** Hosts: unlocks the call. */
  async unlock(): Promise<void> {
    await this.controller.hostAction({ request: 'unlock' });
  }

  /** Hosts: ends the call for everyone, those waiting included (everyone's `rtc-left` says `ended-by-host`). */
  async endCall(): Promise<void> {
    await this.controller.hostAction({ request: 'end' });
  }

  /**
   * Joins the room. Resolves once signaling is open and every present member has been called;
   * rejects with an `RtcError` (the same object `rtc-error` carries) only when the call cannot go
   * on. Concurrent calls share one promise; after `left` or `failed` it starts a new call.
   */
  async join(): Promise<void> {
    // Device problems found in the pre-join view still hold in the call; the rest is stale now.
    this.notices = this.notices.filter((n) => MEDIA_CODES.has(n.code));
    const config = this.config();
    if (!ROOM_PATTERN.test(config.room)) {
      const error = new RtcError(
        RtcErrorCode.InvalidRoom,
        config.room ? `The room "${config.room}" is not 1–64 of A–Z, a–z, 0–9, _ and -.` : 'No room set: add a room attribute.',
        { fatal: true },
      );
      this.reportError(error);
      throw error;
    }
    // With a room token the token's name may win on the server; without one this name is final.
    const name = checkDisplayName(config.displayName);
    if (!config.token && !name.ok) {
      const error = new RtcError(RtcErrorCode.InvalidName, `display-name: ${name.message}.`, { fatal: true });
      this.reportError(error);
      throw error;
    }
    this.leftReason = null;
    // The key a pre-warm claimed, so the join can take that pre-warm.
    // The in-call parts load beside the join request (at once if a pre-warm already has them).
    await Promise.all([this.controller.join({ ...config, rejoinKey: this.claimedRejoinKey ?? this.rejoinKey() }), this.loadView()]);
  }

  /** Leaves the call: says goodbye, closes every connection and stops every local track. */
  async leave(): Promise<void> {
    await this.controller.leave('user');
  }

  /** Turns the microphone on or off (`enabled` omitted: toggles). Muting keeps the device open. */
  async toggleMic(enabled?: boolean): Promise<void> {
    await this.controller.toggleMic(enabled);
    this.requestUpdate();
  }

  /** Turns the camera on or off (`enabled` omitted: toggles). Off releases the camera (its light goes off). */
  async toggleCamera(enabled?: boolean): Promise<void> {
    await this.controller.toggleCamera(enabled);
    this.requestUpdate();
  }

  /**
   * Chooses devices by `deviceId`: a camera or microphone switch takes effect mid-call without
   * renegotiation (the old device stays in use if the new one fails), a speaker applies to every
   * remote tile.
   */
  async setDevices(choice: DeviceChoice): Promise<void> {
    if (choice.audioOutput !== undefined) this.audioOutput = choice.audioOutput;
    if (choice.videoInput !== undefined) this.videoInput = choice.videoInput;
    if (choice.audioInput !== undefined) this.audioInput = choice.audioInput;
    // updated() performs the switches; failures are reported as rtc-error and a notice.
    await this.updateComplete;
    await this.pendingSwitch;
  }

  protected override render() {
    const call = this.controller;
    const state = call.state;
    const m = this.labels;
    const showPrejoin = (state === CallState.Idle && !this.autojoin) || (state === CallState.Joining && this.joiningFromPrejoin);
    const waiting = this.waiting;
    const showCall = !showPrejoin && !waiting && (state === CallState.Idle || state === CallState.Joining || this.inCall);
    const showEnded = state === CallState.Left || state === CallState.Failed;
    // The in-call parts render once their module is here (loadView(): at pre-warm, at Join, at
    // autojoin); until then nothing stands in for them.
    const view = this.view;
    return html`
      <div part="base" class="base" dir=${this.localize.dir}>
        <div class="notices" role="region" aria-label=${m.controls}>
          ${this.notices.map(
            (n) => html`<div part="notice" class="notice ${n.info ? 'info' : ''}" data-code=${n.code}>
              <span>${n.text}</span>
              ${n.action
                ? html`<button part="notice-action" type="button" class="notice-action" @click=${() => {
                    this.dismissNotice(n.id);
                    n.action!.run();
                  }}>${n.action.label}</button>`
                : nothing}
              <button type="button" class="dismiss" aria-label=${m.dismiss} @click=${() => this.dismissNotice(n.id)}>×</button>
            </div>`,
          )}
        </div>
        ${showPrejoin ? this.renderPrejoin(state === CallState.Joining) : nothing}
        ${this.renderWaiting(waiting)}
        ${view && this.inCall && this.isHost && !this.peopleOpen ? view.renderKnockBanner(this) : nothing}
        ${view && showCall ? view.renderCallView(this) : nothing}
        ${view && showEnded ? view.renderEnded(this, state) : nothing}
        <div part="controls" class="controls" role="toolbar" aria-label=${m.controls} ?hidden=${!this.inCall}>
          <slot name="controls">${view ? view.renderBar(this) : nothing}</slot>
        </div>
        ${view && this.settingsOpen && this.inCall ? view.renderSettings(this) : nothing}
        ${view && this.peopleOpen && this.inCall ? view.renderPeople(this) : nothing}
        ${view && this.chatOpen && this.inCall && !this.noChat ? view.renderChat(this) : nothing}
        <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      </div>
    `;
  }

  private renderPrejoin(joining: boolean) {
    const m = this.labels;
    const call = this.controller;
    return html`
      <form part="prejoin" class="prejoin" @submit=${this.onJoinClick}>
        <rtc-video-tile
          part="preview"
          class="preview"
          local
          .stream=${call.localStream}
          display-name=${this.effectiveName}
          ?mic-off=${!call.micEnabled}
          ?camera-off=${!call.cameraEnabled}
        ></rtc-video-tile>
        <div class="prejoin-side">
          <h2 class="title"><slot name="prejoin-title">${m.prejoinTitle}</slot></h2>
          <label class="field">
            <span>${m.yourName}</span>
            <input
              part="name-input"
              name="display-name"
              autocomplete="name"
              maxlength="64"
              .value=${this.displayName}
              placeholder=${m.guest}
            />
          </label>
          <div class="toggles">${this.renderMicButton()} ${this.renderCameraButton()}</div>
          ${customElements.get('rtc-device-picker') && !this.localStream ? this.renderDevicePicker() : nothing}
          <button part="join-button" class="join" type="submit" ?disabled=${joining}>${joining ? m.joining : m.join}</button>
        </div>
      </form>
    `;
  }

  /** The waiting view; always rendered (its slot is never conditional), hidden unless waiting. */
  private renderWaiting(waiting: boolean) {
    const m = this.labels;
    const call = this.controller;
    return html`<section part="waiting" class="waiting" aria-labelledby="waiting-title" ?hidden=${!waiting}>
      <rtc-video-tile
        class="preview"
        local
        .stream=${waiting ? call.localStream : null}
        display-name=${this.effectiveName}
        ?mic-off=${!call.micEnabled}
        ?camera-off=${!call.cameraEnabled}
        lang=${this.localize.lang}
      ></rtc-video-tile>
      <div class="prejoin-side">
        <h2 class="title" id="waiting-title">${m.waitingTitle}</h2>
        <p class="hint" data-host-present=${call.hostPresent ? 'true' : 'false'}>${call.hostPresent ? m.waitingHost : m.waitingNoHost}</p>
        <slot name="waiting"></slot>
        <div class="toggles">
          ${this.renderMicButton()} ${this.audioOnly ? nothing : this.renderCameraButton()}
          <button part="leave-button" type="button" class="leave" aria-label=${m.leave} title=${m.leave} @click=${this.onLeaveClick}>${leaveIcon}</button>
        </div>
        ${waiting && customElements.get('rtc-precall-check')
          ? // A check while waiting: the server gives relay credentials for the token and nothing
            // about the room; admission removes it (and stops a run: camera, tone, connections).
            html`<details part="precall" class="precall">
              <summary part="precall-button" class="precall-button">${m.testConnection}</summary>
              <rtc-precall-check server=${this.server} token=${this.token} checks=${this.audioOnly ? 'microphone speaker server network relay' : 'camera microphone speaker server network relay'} lang=${this.localize.lang}></rtc-precall-check>
            </details>`
          : nothing}
      </div>
    </section>`;
  }

  /** @internal For the in-call view (call-view.ts). */
  renderMicButton() {
    const on = this.controller.micEnabled;
    return this.renderToggle('mic-button', this.labels.mic, on, false, on ? micIcon : micOffIcon, () => this.toggleMic());
  }

  /** @internal For the in-call view (call-view.ts). */
  renderCameraButton() {
    const on = this.controller.cameraEnabled;
    return this.renderToggle('camera-button', this.labels.camera, on, this.audioOnly, on ? cameraIcon : cameraOffIcon, () =>
      this.toggleCamera(),
    );
  }

  private renderToggle(part: string, label: string, on: boolean, disabled: boolean, icon: unknown, toggle: () => unknown) {
    return html`<button
      part=${part}
      type="button"
      class="toggle ${on ? 'on' : 'off'}"
      aria-label=${label}
      title=${label}
      aria-pressed=${on ? 'true' : 'false'}
      ?disabled=${disabled}
      @click=${toggle}
    >${icon}</button>`;
  }

  /**
   * The device choice, in the pre-join view and in the settings panel; remembered for next time.
   * @internal For the in-call view (call-view.ts).
   */
  renderDevicePicker() {
    const devices = this.devices;
    return html`<rtc-device-picker
      kinds=${this.audioOnly ? 'audioinput audiooutput' : 'videoinput audioinput audiooutput'}
      video-input=${devices.videoInput ?? ''}
      audio-input=${devices.audioInput ?? ''}
      audio-output=${devices.audioOutput ?? ''}
      persist
      lang=${this.localize.lang}
      @rtc-device-change=${this.onDeviceChange}
    ></rtc-device-picker>`;
  }

}
