import { LitElement, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { CallController } from '../../controllers/call-controller.js';
import type { CallConfig } from '../../core/session/call-session.js';
import { loadStoredDevices } from '../../core/media/devices.js';
import { RtcError, RtcErrorCode } from '../../core/errors.js';
import { CallState, type CallStats, type ChatMessage, type DeviceChoice, type FileProgress, type LeaveReason, type Participant, type ReceivedFile, type SentFile, type WaitingParticipant } from '../../core/types.js';
import { RtcLeaveRequestEvent } from '../../events/leave-request.js';
import { RtcEndRequestEvent } from '../../events/end-request.js';
import { RtcRemoveRequestEvent } from '../../events/remove-request.js';
import type { RtcDeviceChangeEvent } from '../../events/device-change.js';
import type { Messages } from '../../i18n/messages.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { checkDisplayName, ROOM_PATTERN } from '../../protocol/rules.js';
import type { CallMode } from '../../protocol/sfu.js';
import { warnOnce } from '../../utils/define-element.js';
import { attachIcon, cameraIcon, cameraOffIcon, chatIcon, leaveIcon, micIcon, micOffIcon, peopleIcon, screenShareIcon, settingsIcon } from '../icons.js';
import { canShareScreen } from '../../core/media/screen.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../core/files.js';
import { parseCodecList } from '../../core/transport/codecs.js';
import { sharedStyles } from '../shared.styles.js';
import { styles } from './call.styles.js';

/** The parts of each `<rtc-video-tile>`, re-exported from `<rtc-call>` with a `tile-` prefix. */
const TILE_PARTS = [
  'base', 'video', 'placeholder', 'avatar', 'name', 'mic-indicator', 'status', 'quality', 'quality-reason', 'actions',
  'pip-button', 'fullscreen-button', 'unmute-audio-button',
].map((p) => `${p}:tile-${p}`).join(', ');
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

/** One tile of the call view: a participant's camera, or their shared screen. */
interface TileItem {
  key: string;
  p: Participant;
  screen: boolean;
}

/** The values of the `layout` attribute. */
export type CallLayout = 'auto' | 'grid' | 'speaker';
const LAYOUTS: readonly string[] = ['auto', 'grid', 'speaker'];

/** A file in the chat: who sent it, and each recipient's (or the sender's) progress. */
interface FileView {
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

interface Notice {
  id: number;
  text: string;
  code: string;
  /** Information (a host's mute request), not a problem. */
  info?: boolean;
  /** A button in the notice (audio only, when a connection stays poor). */
  action?: { label: string; run(): void };
}

/** A size in bytes as people read it (KB / MB with one decimal, in the element's language). */
function formatBytes(bytes: number, lang: string): string {
  const [value, unit] = bytes >= 1e6 ? [bytes / 1e6, 'megabyte'] : bytes >= 1e3 ? [bytes / 1e3, 'kilobyte'] : [bytes, 'byte'];
  return new Intl.NumberFormat(lang || undefined, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: unit === 'byte' ? 0 : 1 }).format(value);
}

/** http(s) links in chat text as anchors that open a new tab without referrer or opener; everything else stays text. */
const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
function linkify(text: string) {
  const parts: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    const at = match.index ?? 0;
    parts.push(text.slice(last, at));
    parts.push(html`<a href=${url} target="_blank" rel="noopener noreferrer nofollow">${url}</a>`);
    last = at + url.length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** A short two-tone chime when someone knocks (Web Audio; silent where audio cannot start). */
function playChime(): void {
  try {
    const ctx = new AudioContext();
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.45);
    gain.connect(ctx.destination);
    for (const [freq, at] of [[880, 0], [660, 0.18]] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.25);
    }
    setTimeout(() => void ctx.close(), 800);
  } catch {
    // No audio here: the announcement still tells.
  }
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

  private readonly controller = new CallController(this, {
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
  private leftReason: LeaveReason | null = null;
  /** The course the call's media took during the call, said for MODE_CHANGE_SHOWN_MS in the mode notice. */
  @state() private modeChanged: CallMode | null = null;
  private modeChangedTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly localize = new LocalizeController(this);
  private nextNoticeId = 1;
  private autojoinPending = false;
  private pendingSwitch: Promise<void> = Promise.resolve();
  private claimedRejoinKey: string | undefined;

  @query('input[name="display-name"]') private nameInput?: HTMLInputElement;

  @state() private notices: Notice[] = [];
  @state() private announcement = '';
  @state() private settingsOpen = false;
  @state() private peopleOpen = false;
  @state() private pinned: string | null = null;
  @state() private inviteCopied = false;
  @state() private chatOpen = false;
  @state() private unread = 0;
  /** Files in this call's chat, by id, in the order they started. */
  @state() private files = new Map<string, FileView>();
  /** Security codes shown in the People panel, by participant id. */
  @state() private codes = new Map<string, string>();
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
   * room nothing and shows nothing to anyone; it is released if Join is never pressed.
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
  }

  private prewarmTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * The pre-join view is up with a room: pre-warm the join shortly (not at once, so an element
   * about to join or be removed costs the server nothing). Again whenever the room, server or
   * token changes; `no-prewarm` or leaving the view releases it.
   */
  private schedulePrewarm(): void {
    clearTimeout(this.prewarmTimer);
    if (this.noPrewarm || !ROOM_PATTERN.test(this.room)) {
      this.controller.releasePrewarm();
      return;
    }
    this.prewarmTimer = setTimeout(() => {
      if (!this.isConnected || this.noPrewarm || this.controller.state !== CallState.Idle || this.autojoin) return;
      const config = this.config();
      if (!ROOM_PATTERN.test(config.room)) return;
      void this.controller.prewarm({ ...config, rejoinKey: this.claimedRejoinKey ?? this.rejoinKey() });
    }, PREWARM_DELAY_MS);
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
    if (changed.has('autojoin') && this.autojoin) this.autojoinPending = true;
    if (changed.has('maxFileSize')) {
      const valid = Number.isSafeInteger(this.maxFileSize) && this.maxFileSize > 0;
      if (!valid) warnOnce(`max-file-size ${this.maxFileSize}`, `max-file-size="${this.getAttribute('max-file-size') ?? this.maxFileSize}" is not a positive whole number of bytes; using ${DEFAULT_MAX_FILE_SIZE} (25 MiB).`);
      this.controller.maxFileSize = valid ? this.maxFileSize : DEFAULT_MAX_FILE_SIZE;
    }
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
      this.join().catch(() => {
        // Reported as rtc-error and shown; join() callers get the rejection themselves.
      });
    } else if (call.state === CallState.Idle && !this.autojoin && this.isConnected && !call.localStream) {
      // The pre-join view shows a live self-preview.
      void call.startMedia(this.config());
    }
    if (call.state === CallState.Idle && !this.autojoin && this.isConnected) {
      const configChanged = (['room', 'server', 'token', 'noPrewarm'] as const).some((k) => changed.has(k));
      // A rejoin key is per room: a new room claims its own.
      if (changed.has('room') && changed.get('room') !== undefined) this.releaseRejoinKey();
      if (configChanged || changed.has('autojoin')) this.schedulePrewarm();
    }
  }

  private get labels(): Messages {
    return this.localize.messages;
  }

  /** In the call proper (let in): the grid and the control bar show. */
  private get inCall(): boolean {
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

  private get isHost(): boolean {
    return this.controller.localRole === 'host';
  }

  private get effectiveName(): string {
    const name = this.displayName.trim();
    return name || this.labels.guest;
  }

  private get devices(): DeviceChoice {
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

  private nameOf(p: Participant): string {
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

  private announce(text: string): void {
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

  private showError(error: RtcError): void {
    const text = this.labels.errors[error.code] ?? error.message;
    if (!error.fatal) this.pushNotice(error.code, text);
    this.announce(text);
  }

  /** An error found by the element itself (not the session): remembered, shown and dispatched. */
  private reportError(error: RtcError): void {
    this.showError(error);
    this.controller.reportError(error);
  }

  private pushNotice(code: string, text: string, info = false): void {
    const notices = this.notices.filter((n) => n.code !== code);
    notices.push({ id: this.nextNoticeId++, code, text, info });
    this.notices = notices.slice(-MAX_NOTICES);
  }

  /** What the ended view and the announcement say for a host's doing, or null. */
  private leftText(reason: LeaveReason | null): string | null {
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

  private pickFile(): void {
    this.shadowRoot?.querySelector<HTMLInputElement>('input[name="file"]')?.click();
  }

  private onFilePicked(e: Event): void {
    const input = e.target as HTMLInputElement;
    for (const file of input.files ?? []) this.sendPickedFile(file);
    input.value = '';
  }

  private onChatDrop(e: DragEvent): void {
    // Files go peer to peer: not through the SFU.
    if (!e.dataTransfer?.files.length || this.controller.mode === 'sfu') return;
    e.preventDefault();
    for (const file of e.dataTransfer.files) this.sendPickedFile(file);
  }

  private onChatDragOver(e: DragEvent): void {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  }

  private sendPickedFile(file: File): void {
    const before = this.files.size;
    this.sendFile(file).catch((error: RtcError) => {
      // A file that started shows its failure on its own line; one that never started, as a notice.
      if (this.files.size === before) this.showError(error);
    });
  }

  private toggleChat(): void {
    this.chatOpen = !this.chatOpen;
    if (this.chatOpen) {
      this.unread = 0;
      this.peopleOpen = false;
      this.settingsOpen = false;
      void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLInputElement>('[part~="chat-input"]')?.focus());
    }
  }

  private onChatSubmit(e: Event): void {
    e.preventDefault();
    const input = this.shadowRoot?.querySelector<HTMLInputElement>('[part~="chat-input"]');
    if (!input || !input.value.trim()) return;
    const text = input.value;
    this.sendMessage(text).then(
      () => {
        if (input.value === text) input.value = '';
      },
      (error: RtcError) => this.showError(error),
    );
  }

  private onKnock(p: WaitingParticipant): void {
    this.announce(this.labels.knocked(p.displayName || this.labels.guest));
    if (!this.noKnockSound) playChime();
  }

  /** A host action from the element's own buttons: failures are shown (and dispatched) by the controller. */
  private act(request: Parameters<CallController['hostAction']>[0]): void {
    this.controller.hostAction(request).catch((error: RtcError) => this.showError(error));
  }

  private onEndClick(): void {
    const request = new RtcEndRequestEvent();
    this.dispatchEvent(request);
    if (request.defaultPrevented) return;
    this.endCall().catch(() => {});
  }

  private onRemoveClick(p: Participant): void {
    const request = new RtcRemoveRequestEvent({ participant: p });
    this.dispatchEvent(request);
    if (request.defaultPrevented) return;
    this.act({ request: 'remove', data: { peerId: p.id } });
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

  private onLeaveClick(): void {
    const request = new RtcLeaveRequestEvent();
    this.dispatchEvent(request);
    if (request.defaultPrevented) return;
    void this.leave();
  }

  private onRejoinClick(): void {
    this.notices = [];
    if (this.autojoin) {
      this.join().catch(() => {});
    } else {
      // Back to the pre-join view with a fresh preview.
      this.controller.restart();
    }
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
    await this.controller.join({ ...config, rejoinKey: this.claimedRejoinKey ?? this.rejoinKey() });
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
        ${this.inCall && this.isHost && !this.peopleOpen ? this.renderKnockBanner() : nothing}
        ${showCall ? this.renderCallView() : nothing}
        ${showEnded ? this.renderEnded(state) : nothing}
        <div part="controls" class="controls" role="toolbar" aria-label=${m.controls} ?hidden=${!this.inCall}>
          <slot name="controls">${this.renderBar()}</slot>
        </div>
        ${this.settingsOpen && this.inCall ? this.renderSettings() : nothing}
        ${this.peopleOpen && this.inCall ? this.renderPeople() : nothing}
        ${this.chatOpen && this.inCall && !this.noChat ? this.renderChat() : nothing}
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

  /** Hosts, people panel closed: the longest-waiting knock with Admit / Deny, and how many more. */
  private renderKnockBanner() {
    const waiting = this.waitingParticipants;
    const first = waiting[0];
    if (!first) return nothing;
    const m = this.labels;
    const name = first.displayName || m.guest;
    return html`<div part="knock-banner" class="knock-banner" role="region" aria-label=${m.waitingList}>
      <span>${m.knocked(name)}${waiting.length > 1 ? ` (+${waiting.length - 1})` : ''}</span>
      <button part="admit-button" type="button" class="join" aria-label=${m.admitName(name)} @click=${() => this.act({ request: 'admit', data: { peerId: first.id } })}>${m.admit}</button>
      <button part="deny-button" type="button" aria-label=${m.denyName(name)} @click=${() => this.act({ request: 'deny', data: { peerId: first.id } })}>${m.deny}</button>
      ${waiting.length > 1 ? html`<button type="button" @click=${() => (this.peopleOpen = true)}>${m.people}</button>` : nothing}
    </div>`;
  }

  /** Hosts: the waiting list (Admit / Deny, Admit all), everyone in the call (Mute, Remove), lock. */
  private renderPeople() {
    const m = this.labels;
    const waiting = this.waitingParticipants;
    const others = this.participants.filter((p) => !p.isLocal);
    const locked = this.locked;
    const host = this.isHost;
    const sfu = this.controller.mode === 'sfu';
    return html`<div part="people" class="people" role="dialog" aria-label=${m.people}>
      ${host ? this.renderWaitingList(waiting) : nothing}
      <h3>${m.inCall} (${others.length + 1})</h3>
      <ul class="people-list">
        ${repeat(others, (p) => p.id, (p) => {
          const name = this.nameOf(p);
          const code = this.codes.get(p.id);
          return html`<li data-id=${p.id}>
            <span class="who">${name}</span>
            ${sfu ? nothing : html`<button part="verify-button" type="button" aria-label=${m.securityCodeOf(name)} title=${m.securityCodeOf(name)} @click=${() => this.showCode(p)}>${m.securityCode}</button>`}
            ${host
              ? html`<button part="mute-participant-button" type="button" aria-label=${m.muteName(name)} title=${m.muteName(name)} ?disabled=${!p.micEnabled} @click=${() => this.act({ request: 'mute', data: { peerId: p.id } })}>${micOffIcon}</button>
                  <button part="remove-button" type="button" aria-label=${m.removeName(name)} @click=${() => this.onRemoveClick(p)}>${m.removeName(name)}</button>`
              : nothing}
            ${code ? html`<p class="code" part="verification-code" data-code=${code}>${m.compareCode(name, `${code.slice(0, 3)} ${code.slice(3)}`)}</p>` : nothing}
          </li>`;
        })}
      </ul>
      ${host ? html`<button part="lock-button" type="button" aria-pressed=${locked ? 'true' : 'false'} @click=${() => this.act({ request: locked ? 'unlock' : 'lock' })}>${locked ? m.unlockRoom : m.lockRoom}</button>` : nothing}
      <button type="button" class="close-settings" @click=${() => (this.peopleOpen = false)}>${m.dismiss}</button>
    </div>`;
  }

  private showCode(p: Participant): void {
    this.verificationCode(p.id).then(
      (code) => {
        this.codes = new Map(this.codes).set(p.id, code);
      },
      (error: RtcError) => this.showError(error),
    );
  }

  private renderWaitingList(waiting: readonly WaitingParticipant[]) {
    const m = this.labels;
    return html`<h3>${m.waitingList} (${waiting.length})</h3>
      <ul class="people-list">
        ${repeat(waiting, (w) => w.id, (w) => {
          const name = w.displayName || m.guest;
          return html`<li data-id=${w.id}>
            <span class="who">${name}</span>
            <button part="admit-button" type="button" class="join" aria-label=${m.admitName(name)} @click=${() => this.act({ request: 'admit', data: { peerId: w.id } })}>${m.admit}</button>
            <button part="deny-button" type="button" aria-label=${m.denyName(name)} @click=${() => this.act({ request: 'deny', data: { peerId: w.id } })}>${m.deny}</button>
          </li>`;
        })}
      </ul>
      ${waiting.length > 1 ? html`<button part="admit-all-button" type="button" @click=${() => this.act({ request: 'admit-all' })}>${m.admitAll}</button>` : nothing}`;
  }

  /**
   * The call view. `grid`: equal tiles. A stage: one tile large (the pinned participant, a shared
   * screen, the active speaker, or in a 1:1 the other person) and the rest in a filmstrip — in a
   * 1:1 your own view sits small in a corner of the stage.
   */
  private renderCallView() {
    const participants = this.participants;
    const m = this.labels;
    const items: TileItem[] = [
      ...participants.filter((p) => p.screenStream).map((p) => ({ key: `screen:${p.id}`, p, screen: true })),
      ...participants.map((p) => ({ key: p.id, p, screen: false })),
    ];
    const onStage = this.stageItem(items);
    const alone = participants.length === 1 && this.inCall;
    const changed = this.modeChanged === this.controller.mode ? this.modeChanged : null;
    const modeText = changed === 'sfu' ? m.nowViaServer : changed === 'mesh' ? m.nowPeerToPeer : this.controller.mode === 'sfu' ? m.sfuMode : null;
    const modeNotice = modeText && this.inCall
      ? html`<p part="mode-notice" class="mode-notice" role="note" data-mode=${this.controller.mode} ?data-changed=${!!changed}>${modeText}</p>`
      : nothing;
    if (!onStage) {
      return html`
        ${modeNotice}
        <div part="grid" class="grid" data-count=${Math.min(items.length, 6)} aria-label=${m.participants} role="list">
          ${repeat(items, (i) => i.key, (i) => this.renderTile(i))}
        </div>
        ${alone ? this.renderAlone() : nothing}
      `;
    }
    const rest = items.filter((i) => i !== onStage);
    const corner = this.layout === 'auto' && rest.length === 1 && !onStage.screen && rest[0]!.p.isLocal && !this.pinned;
    return html`${modeNotice}<div class="layout ${corner ? 'corner' : ''}">
      <div part="stage" class="stage" role="list" aria-label=${m.stage}>${this.renderTile(onStage)}</div>
      <div part="filmstrip" class="filmstrip" role="list" aria-label=${m.participants}>
        ${repeat(rest, (i) => i.key, (i) => this.renderTile(i))}
      </div>
    </div>`;
  }

  /** What the stage shows, or null for the grid. */
  private stageItem(items: TileItem[]): TileItem | null {
    const layout = LAYOUTS.includes(this.layout) ? this.layout : 'auto';
    const pinned = this.pinned ? items.find((i) => i.p.id === this.pinned && i.screen) ?? items.find((i) => i.key === this.pinned) : undefined;
    if (pinned) return pinned;
    if (layout === 'grid' || items.length < 2) return null;
    const share = items.find((i) => i.screen && !i.p.isLocal) ?? items.find((i) => i.screen);
    if (layout === 'speaker') {
      const speaker = this.controller.activeSpeaker;
      return share ?? items.find((i) => !i.screen && i.p.id === speaker && !i.p.isLocal) ?? items.find((i) => !i.screen && !i.p.isLocal) ?? null;
    }
    // auto: a share takes the stage; a 1:1 puts the other person there; three and more: the grid.
    if (share) return share;
    const remote = items.filter((i) => !i.p.isLocal);
    return items.length === 2 && remote.length === 1 ? remote[0]! : null;
  }

  private renderTile(i: TileItem) {
    const m = this.labels;
    const p = i.p;
    if (i.screen) {
      return html`<rtc-video-tile
        part="screen-tile"
        class="screen"
        exportparts=${TILE_PARTS}
        role="listitem"
        fit="contain"
        .stream=${p.screenStream}
        display-name=${p.isLocal ? m.yourScreen : m.screenOf(this.nameOf(p))}
        status="connected"
        lang=${this.localize.lang}
      ></rtc-video-tile>`;
    }
    return html`<rtc-video-tile
      part="tile"
      exportparts=${TILE_PARTS}
      role="listitem"
      data-id=${p.id}
      .stream=${p.stream}
      display-name=${this.nameOf(p)}
      ?local=${p.isLocal}
      ?mic-off=${!p.micEnabled}
      ?camera-off=${!p.cameraEnabled || this.audioOnly}
      ?active-speaker=${!p.isLocal && this.controller.activeSpeaker === p.id}
      status=${p.isLocal ? 'connected' : p.connection}
      quality=${p.quality?.level ?? ''}
      quality-reason=${p.quality?.reason ?? ''}
      sink-id=${this.devices.audioOutput ?? ''}
      lang=${this.localize.lang}
    ></rtc-video-tile>`;
  }

  /** Alone in the call: say so, and offer the invite link when the page gave one. */
  private renderAlone() {
    const m = this.labels;
    return html`<div class="alone">
      <p>${m.aloneInRoom}</p>
      ${this.inviteUrl
        ? html`<button part="invite-button" type="button" title=${m.copyInvite} @click=${this.onCopyInvite}>${this.inviteCopied ? m.inviteCopied : m.copyInvite}</button>`
        : nothing}
    </div>`;
  }

  private onCopyInvite(): void {
    const url = this.inviteUrl;
    navigator.clipboard?.writeText(url).then(
      () => {
        this.inviteCopied = true;
        this.announce(this.labels.inviteCopied);
        setTimeout(() => (this.inviteCopied = false), 3000);
      },
      () => this.pushNotice('invite', this.labels.inviteCopyFailed(url), true),
    );
  }

  private renderMicButton() {
    const on = this.controller.micEnabled;
    return this.renderToggle('mic-button', this.labels.mic, on, false, on ? micIcon : micOffIcon, () => this.toggleMic());
  }

  private renderCameraButton() {
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

  private renderBar() {
    const m = this.labels;
    return html`
      ${this.renderMicButton()} ${this.audioOnly ? nothing : this.renderCameraButton()}
      ${customElements.get('rtc-device-picker')
        ? html`<button
            part="settings-button"
            type="button"
            class="toggle"
            aria-label=${m.settings}
            title=${m.settings}
            aria-expanded=${this.settingsOpen ? 'true' : 'false'}
            @click=${() => (this.settingsOpen = !this.settingsOpen)}
          >${settingsIcon}</button>`
        : nothing}
      ${canShareScreen() && !this.noScreenShare ? this.renderShareButton() : nothing}
      ${this.noChat ? nothing : this.renderChatButton()}
      ${this.renderPeopleButtons()}
      <button part="leave-button" type="button" class="leave" aria-label=${m.leave} title=${m.leave} @click=${this.onLeaveClick}>${leaveIcon}</button>
    `;
  }

  private renderChatButton() {
    const m = this.labels;
    const label = this.unread ? m.chatCount(this.unread) : m.chat;
    return html`<button
      part="chat-button"
      type="button"
      class="toggle people-button"
      aria-label=${label}
      title=${label}
      aria-expanded=${this.chatOpen ? 'true' : 'false'}
      @click=${this.toggleChat}
    >${chatIcon}${this.unread ? html`<span class="badge" aria-hidden="true">${this.unread}</span>` : nothing}</button>`;
  }

  /** The chat: messages as text (links clickable, never HTML), history marked, files with progress, a field that sends on Enter. */
  private renderChat() {
    const m = this.labels;
    const all = this.controller.messages;
    const relayer = all.find((x) => x.replayed)?.relayedBy;
    const relayerName = relayer ? this.participants.find((p) => p.id === relayer)?.displayName ?? m.guest : '';
    const files = [...this.files.values()];
    const items: ({ msg: ChatMessage; i: number } | { file: FileView })[] = [];
    for (let i = 0, f = 0; i <= all.length; i++) {
      while (f < files.length && files[f]!.after <= i) items.push({ file: files[f++]! });
      if (i < all.length) items.push({ msg: all[i]!, i });
    }
    return html`<div part="chat" class="chat people" role="dialog" aria-label=${m.chat} @dragover=${this.onChatDragOver} @drop=${this.onChatDrop}>
      <div class="chat-log" role="log" aria-label=${m.chat}><ol class="chat-list">
        ${items.length ? nothing : html`<li class="chat-empty">${m.chatEmpty}</li>`}
        ${repeat(items, (x) => ('msg' in x ? x.msg.id : `file ${x.file.id}`), (x) => {
          if ('file' in x) return this.renderFile(x.file);
          const { msg, i } = x;
          return html`
          ${msg.replayed && !all[i - 1]?.replayed ? html`<li class="chat-history">${m.earlierMessages(relayerName)}</li>` : nothing}
          <li part="chat-message" class="chat-message ${msg.isLocal ? 'local' : ''}" ?data-replayed=${msg.replayed}>
            <span class="who">${msg.isLocal ? m.you : msg.displayName || m.guest}</span>
            ${this.renderTime(msg.sentAt)}
            <p class="text">${linkify(msg.text)}</p>
          </li>`;
        })}
      </ol></div>
      <form class="chat-form" @submit=${this.onChatSubmit}>
        ${this.controller.mode === 'sfu' ? nothing : html`<button part="file-button" type="button" class="icon-button" aria-label=${m.sendFile} title=${m.sendFile} @click=${this.pickFile}>${attachIcon}</button>`}
        <input type="file" name="file" hidden multiple @change=${this.onFilePicked} />
        <input part="chat-input" name="chat" autocomplete="off" maxlength="4000" aria-label=${m.chatPlaceholder} placeholder=${m.chatPlaceholder} />
        <button type="submit" class="join">${m.send}</button>
      </form>
      <button type="button" class="close-settings" @click=${() => (this.chatOpen = false)}>${m.dismiss}</button>
    </div>`;
  }

  private renderTime(at: Date) {
    return html`<time datetime=${at.toISOString()}>${at.toLocaleTimeString(this.localize.lang || undefined, { hour: '2-digit', minute: '2-digit' })}</time>`;
  }

  /** A file in the chat: its name and size, progress with Cancel while on its way, then a download link (received) or its outcome. */
  private renderFile(f: FileView) {
    const m = this.labels;
    const legs = [...f.legs.values()];
    const active = legs.some((l) => l.status === 'active');
    const complete = !active && legs.some((l) => l.status === 'complete');
    const status = active ? 'active' : complete ? 'complete' : 'failed';
    const bytes = legs.reduce((n, l) => n + (l.status === 'failed' ? 0 : l.bytes), 0);
    const total = f.size * Math.max(1, legs.filter((l) => l.status !== 'failed').length);
    const size = formatBytes(f.size, this.localize.lang);
    const sender = f.from ? this.participants.find((p) => p.id === f.from) : undefined;
    const who = f.direction === 'send' ? m.you : sender ? this.nameOf(sender) : m.guest;
    const cancelled = legs.every((l) => l.code === RtcErrorCode.FileCancelled);
    return html`<li part="chat-message chat-file" class="chat-message chat-file ${f.direction === 'send' ? 'local' : ''}" data-direction=${f.direction} data-status=${status} data-file-id=${f.id}>
      <span class="who">${who}</span>
      ${this.renderTime(f.at)}
      <p class="text file-line">${attachIcon}<span class="file-name">${f.name}</span> <span class="file-size">${size}</span></p>
      ${active
        ? html`<div class="file-progress">
            <progress max=${total || 1} value=${total ? bytes : 0} aria-label=${f.direction === 'send' ? m.fileSending(f.name) : m.fileReceiving(f.name)}></progress>
            <button part="file-cancel-button" type="button" class="link-button" aria-label=${m.cancelFile(f.name)} @click=${() => this.cancelFile(f.id)}>${m.cancel}</button>
          </div>`
        : status === 'complete'
          ? f.direction === 'receive' && f.url
            ? html`<a part="file-download" class="file-download" href=${f.url} download=${f.name}>${m.downloadFile(f.name, size)}</a>`
            : html`<span class="file-status">${m.fileDelivered}</span>`
          : html`<span class="file-status" role="status">${cancelled ? m.fileCancelled : m.fileFailed}</span>`}
    </li>`;
  }

  private renderShareButton() {
    const sharing = this.screenSharing;
    const m = this.labels;
    return html`<button
      part="screen-share-button"
      type="button"
      class="toggle ${sharing ? 'sharing' : ''}"
      aria-label=${sharing ? m.stopSharing : m.shareScreen}
      title=${sharing ? m.stopSharing : m.shareScreen}
      aria-pressed=${sharing ? 'true' : 'false'}
      @click=${this.onShareClick}
    >${screenShareIcon}</button>`;
  }

  private onShareClick(): void {
    const done = this.screenSharing ? this.stopScreenShare() : this.startScreenShare();
    done.then(() => this.requestUpdate(), (error: RtcError) => this.showError(error));
  }

  /** The People button for everyone (the security codes; for hosts also the waiting list and actions); End for hosts. */
  private renderPeopleButtons() {
    const m = this.labels;
    const count = this.waitingParticipants.length;
    return html`<button
        part="people-button"
        type="button"
        class="toggle people-button"
        aria-label=${count ? m.peopleCount(count) : m.people}
        title=${count ? m.peopleCount(count) : m.people}
        aria-expanded=${this.peopleOpen ? 'true' : 'false'}
        @click=${() => (this.peopleOpen = !this.peopleOpen)}
      >${peopleIcon}${count ? html`<span class="badge" aria-hidden="true">${count}</span>` : nothing}</button>
      ${this.isHost ? html`<button part="end-button" type="button" class="leave end" title=${m.endForAll} @click=${this.onEndClick}>${m.endForAll}</button>` : nothing}`;
  }

  /** The device choice, in the pre-join view and in the settings panel; remembered for next time. */
  private renderDevicePicker() {
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

  private renderSettings() {
    const m = this.labels;
    return html`<div part="settings" class="settings" role="dialog" aria-label=${m.settings}>
      ${this.renderDevicePicker()}
      <button type="button" class="close-settings" @click=${() => (this.settingsOpen = false)}>${m.dismiss}</button>
    </div>`;
  }

  private renderEnded(state: CallState) {
    const m = this.labels;
    const error = this.error;
    const failed = state === CallState.Failed;
    const reasonText = this.leftText(this.leftReason);
    // A removed person cannot come back into this call: no Rejoin that can only fail.
    const canRejoin = !(this.leftReason === 'removed-by-host' || error?.code === RtcErrorCode.RemovedByHost);
    return html`<div part="ended" class="ended" role="alert">
      <h2>${failed ? m.failedTitle : this.leftReason === 'denied' ? m.deniedTitle : m.leftTitle}</h2>
      ${!failed && reasonText ? html`<p class="reason" data-code=${this.leftReason!}>${reasonText}</p>` : nothing}
      ${!failed && this.leftReason === 'denied' && this.controller.hostMessage
        ? html`<blockquote class="host-message"><span>${m.hostMessage}</span> <q>${this.controller.hostMessage}</q></blockquote>`
        : nothing}
      ${failed && error ? html`<p class="reason" data-code=${error.code}>${m.errors[error.code] ?? error.message}</p>` : nothing}
      ${canRejoin ? html`<button part="rejoin-button" type="button" class="join" @click=${this.onRejoinClick}>${failed ? m.tryAgain : m.rejoin}</button>` : nothing}
    </div>`;
  }
}
