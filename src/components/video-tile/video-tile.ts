import { LitElement, html, nothing, svg } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { resumeAudioContext } from '../../core/media/audio.js';
import type { ConnectionState, QualityLevel, QualityReason } from '../../core/types.js';
import { RtcAutoplayBlockedEvent } from '../../events/autoplay-blocked.js';
import { RtcPipChangeEvent } from '../../events/pip-change.js';
import type { Messages } from '../../i18n/messages.js';
import { DeferredDisconnectController } from '../../controllers/deferred-disconnect-controller.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { MediaStreamController } from '../../controllers/media-stream-controller.js';
import { SpeakingController } from '../../controllers/speaking-controller.js';
import { warnOnce } from '../../utils/define-element.js';
import { whenIdle } from '../../utils/idle.js';
import { exitFullscreenIcon, fullscreenIcon, micOffIcon, personIcon, pipIcon, soundIcon } from '../icons.js';
import { sharedStyles } from '../shared.styles.js';
import { styles } from './video-tile.styles.js';

/** Bars lit per quality level. */
const QUALITY_BARS: Record<QualityLevel, number> = { excellent: 4, good: 3, poor: 2, lost: 1 };

/** How the video fills the tile: `cover` crops to fill, `contain` letterboxes. */
export type VideoTileFit = 'cover' | 'contain';

const FITS: readonly VideoTileFit[] = ['cover', 'contain'];
const STATUSES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'failed'];
const AVATAR_COLOURS = 12;
/**
 * A removed tile's video lets go of its stream when the page is next idle, at most this long
 * after: `srcObject = null` on a playing video holds the main thread for 10–25 ms (bench:join's
 * profile: the preview's, as the call view replaces the pre-join view on the way to the first
 * remote frame). A removed video is paused meanwhile, and a tile put back keeps its stream.
 */
export const DETACH_IDLE_MAX_MS = 1_000;

/** Up to two initials from a display name: first letters of the first and last word. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  if (words.length === 0) return '';
  const first = (w: string) => (Array.from(w)[0] ?? '').toLocaleUpperCase();
  return words.length === 1 ? first(words[0]!) : first(words[0]!) + first(words[words.length - 1]!);
}

/** A stable colour index (0…11) for a display name (FNV-1a hash): the same name always gets the same colour. */
export function colourIndexOf(name: string): number {
  let hash = 0x811c9dc5;
  for (const ch of name.trim().toLocaleLowerCase()) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % AVATAR_COLOURS;
}


/** Tiles whose unmuted playback the browser refused; one click on any of them retries them all. */
const blockedTiles = new Set<RtcVideoTile>();

/**
 * One participant's camera and microphone: video (or a placeholder with their initials), their
 * name, a microphone-off indicator, a speaking ring, a connection-status overlay, and
 * picture-in-picture / full-screen buttons where the browser has them. Plays the participant's
 * audio (never for `local`), through the speaker chosen with `sink-id`. Usable on its own:
 * `<rtc-video-tile display-name="Ann" .stream=${stream}>`.
 *
 * The tile follows its stream by events, never by polling: setting `stream`, `camera-off` or
 * `mic-off`; the stream's `addtrack` / `removetrack` (tracks the browser adds or removes, such as a
 * remote peer's); each track's `ended`, `mute` and `unmute`; the video starting to play or changing
 * size. A script's own changes fire no event — a track's `enabled`, `track.stop()`,
 * `stream.addTrack()` / `removeTrack()` — so a page that makes them on a stream it shows sets
 * `camera-off` / `mic-off` to match, or calls `refresh()`. `<rtc-call>` does this for its own tiles
 * (and for any tile showing its `localStream`): use its `toggleMic()` / `toggleCamera()` rather
 * than disabling tracks yourself.
 *
 * @summary One participant's video, name, mute state and speaking ring.
 * @tag rtc-video-tile
 *
 * @slot avatar - Replaces the initials in the placeholder (for example an `<img>` of the person).
 * @slot badges - Extra badges shown in the top left corner (role, hand raised, …).
 * @slot actions - Extra buttons shown in the top right corner, before the picture-in-picture and full-screen buttons.
 *
 * @csspart base - The tile's wrapper; `role="group"` named "Video of …".
 * @csspart video - The `<video>` element.
 * @csspart placeholder - Covers the tile when there is no video (camera off, no live track, track muted).
 * @csspart avatar - The coloured circle with the initials inside the placeholder.
 * @csspart name - The display-name label.
 * @csspart mic-indicator - The "microphone off" indicator, shown with `mic-off`.
 * @csspart status - The connection-status overlay, shown when `status` is not `connected`.
 * @csspart quality - The signal bars of the connection's quality (with `quality`); its accessible name says the level and why.
 * @csspart quality-reason - The reason in words ("Pat's connection is unstable", "Your upload is limited"), shown while the quality is poor or lost.
 * @csspart actions - The container of the action buttons (top right).
 * @csspart pip-button - The picture-in-picture toggle (absent where the browser has no picture-in-picture).
 * @csspart fullscreen-button - The full-screen toggle (absent where the browser has no full screen).
 * @csspart unmute-audio-button - "Click to enable sound", shown while the browser blocks playback with sound.
 *
 * @cssproperty [--rtc-tile-radius=12px] - Corner radius of the tile.
 * @cssproperty [--rtc-tile-background=#202124] - Background behind the video and of the placeholder.
 * @cssproperty [--rtc-tile-foreground=#fff] - Text colour of labels and overlays.
 * @cssproperty [--rtc-tile-aspect-ratio=16 / 9] - Aspect ratio when the tile's height is not set.
 * @cssproperty [--rtc-tile-label-background=rgba(0, 0, 0, 0.6)] - Background of the name label and the buttons.
 * @cssproperty [--rtc-tile-status-background=rgba(0, 0, 0, 0.72)] - Background of the status overlay.
 * @cssproperty [--rtc-tile-font-size=0.875rem] - Font size of labels.
 * @cssproperty [--rtc-speaking-color=#8ab4f8] - Colour of the speaking ring.
 * @cssproperty [--rtc-mic-off-background=#b3261e] - Background of the microphone-off indicator.
 * @cssproperty [--rtc-mic-off-color=#fff] - Icon colour of the microphone-off indicator.
 * @cssproperty [--rtc-avatar-size=clamp(2.5rem, 28%, 7rem)] - Diameter of the avatar circle.
 * @cssproperty [--rtc-avatar-font-size=1.75rem] - Font size of the initials.
 * @cssproperty [--rtc-accent=#1a73e8] - Background of the "enable sound" button and of pressed toggles.
 * @cssproperty [--rtc-accent-foreground=#fff] - Text colour on the accent background.
 * @cssproperty [--rtc-focus-color=#fff] - Colour of the keyboard focus ring.
 * @cssproperty [--rtc-focus-ring-contrast=#000] - Outer ring around the focus outline, so focus shows on light and dark video alike.
 * @cssproperty [--rtc-font-family=system-ui] - Font of the labels.
 * @cssproperty [--rtc-quality-good-color=#81c995] - Lit bars of an excellent or good connection.
 * @cssproperty [--rtc-quality-poor-color=#fdd663] - Lit bars of a poor connection.
 * @cssproperty [--rtc-quality-lost-color=#f28b82] - The bar of a lost connection.
 * @cssproperty [--rtc-quality-off-color=rgba(255, 255, 255, 0.35)] - Bars that are not lit.
 *
 * @fires {RtcSpeakingChangeEvent} rtc-speaking-change - The participant started (`detail.speaking` true) or stopped speaking.
 * @fires {RtcAutoplayBlockedEvent} rtc-autoplay-blocked - The browser refused to play the participant's audio until the user interacts; the tile shows "Click to enable sound" and plays the video muted meanwhile.
 * @fires {RtcPipChangeEvent} rtc-pip-change - The tile's video entered (`detail.active` true) or left picture-in-picture.
 */
export class RtcVideoTile extends LitElement {
  static override styles = [sharedStyles, styles];

  private readonly localize = new LocalizeController(this);
  private readonly media = new MediaStreamController(this, () => this.stream);
  private readonly speech = new SpeakingController(this, () => (this.micOff ? undefined : this.media.audioTrack));
  private sinkRequest = 0;

  @query('video') private videoEl!: HTMLVideoElement;

  @state() private autoplayBlocked = false;
  @state() private pipActive = false;
  @state() private fullscreenActive = false;

  /** The participant's media. The tile never stops its tracks: whoever created the stream owns them. */
  @property({ attribute: false }) stream: MediaStream | null = null;

  /** The participant's name: shown on the tile, in its accessible name ("Video of Ann") and as initials. */
  @property({ attribute: 'display-name' }) displayName = '';

  /** The local participant's own tile: mirrored (unless `no-mirror`) and never plays its audio. */
  @property({ type: Boolean, reflect: true }) local = false;

  /** Do not mirror the local participant's video (for example when it shows a screen or a document camera). */
  @property({ type: Boolean, reflect: true, attribute: 'no-mirror' }) noMirror = false;

  /** `cover` (default) fills the tile and crops; `contain` shows the whole picture, letterboxed. */
  @property({ reflect: true }) fit: VideoTileFit = 'cover';

  /** The participant's microphone is off: shows the indicator and no speaking ring. */
  @property({ type: Boolean, reflect: true, attribute: 'mic-off' }) micOff = false;

  /** The participant's camera is off: shows the placeholder even if a video track is still live. */
  @property({ type: Boolean, reflect: true, attribute: 'camera-off' }) cameraOff = false;

  /** The media connection: `connecting`, `connected` (default), `reconnecting` or `failed`; shown as an overlay when not `connected`. */
  @property({ reflect: true }) status: ConnectionState = 'connected';

  /** The speaker (audio output `deviceId`) to play the participant's audio on; empty = the system default. Applied where the browser has `setSinkId`. */
  @property({ attribute: 'sink-id' }) sinkId = '';

  /** The connection's quality: `excellent`, `good`, `poor`, `lost`, or empty (unknown: no bars). */
  @property({ reflect: true }) quality: QualityLevel | '' = '';

  /** Why the quality is not excellent: `packet-loss`, `high-latency`, `low-bandwidth`, `cpu`, `no-media`, or empty. */
  @property({ attribute: 'quality-reason' }) qualityReason: QualityReason | '' = '';

  /**
   * True while the participant is speaking (detected from the stream's audio, also for `local`).
   * Read-only; reflected as the `speaking` attribute for styling: `rtc-video-tile[speaking]`.
   */
  get speaking(): boolean {
    return this.speech.speaking;
  }

  constructor() {
    super();
    // A DOM move keeps playback; a removal detaches the stream (the controllers release the rest).
    new DeferredDisconnectController(this, () => this.detach());
    this.addEventListener('fullscreenchange', () => (this.fullscreenActive = this.matches(':fullscreen')));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('fit') && !FITS.includes(this.fit)) {
      warnOnce('tile-fit', `<rtc-video-tile fit="${String(this.fit)}"> is not one of ${FITS.join(', ')}; using cover.`);
    }
    if (changed.has('status') && !STATUSES.includes(this.status)) {
      warnOnce(
        'tile-status',
        `<rtc-video-tile status="${String(this.status)}"> is not one of ${STATUSES.join(', ')}; using connected.`,
      );
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.isConnected) return;
    // Our own tile never plays sound, so it has nothing to unblock.
    if (changed.has('local') && this.local) this.unblock();
    // A local tile never plays its audio, so without a video track its <video> has nothing to
    // show; an audio-only source there (hidden, never reaching readyState 1) would hold the page's
    // load event. Attach the stream only while it has video.
    const source = this.local && !this.media.hasVideo ? null : this.stream;
    const video = this.videoEl;
    if (video.srcObject !== source) {
      video.srcObject = source;
      this.play();
    } else if (changed.has('local')) this.play();
    if (changed.has('sinkId') || changed.has('local') || changed.has('stream')) this.applySinkId();
  }

  /** Really removed from the page: the video lets go of the stream; a re-insertion attaches it again. */
  private detach(): void {
    this.unblock();
    if (this.pipActive && document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => {});
    const video = this.videoEl;
    if (video) whenIdle(() => {
      if (!this.isConnected) video.srcObject = null;
    }, DETACH_IDLE_MAX_MS);
  }

  /** Starts playback; when the browser refuses sound, plays muted and offers "Click to enable sound". */
  private play(): void {
    const video = this.videoEl;
    const stream = this.stream;
    if (!stream || !video.srcObject) return;
    video.muted = this.local || this.autoplayBlocked;
    video.play().catch((err: unknown) => {
      if (this.stream !== stream || !this.isConnected) return;
      if (err instanceof DOMException && err.name === 'NotAllowedError' && !video.muted) {
        this.blockAutoplay();
      }
      // AbortError: a newer srcObject or play() superseded this one; nothing to do.
    });
  }

  private blockAutoplay(): void {
    const video = this.videoEl;
    blockedTiles.add(this);
    if (!this.autoplayBlocked) {
      this.autoplayBlocked = true;
      const event = new RtcAutoplayBlockedEvent();
      this.dispatchEvent(event);
    }
    // Muted playback is always allowed: keep the picture moving while sound waits for a click.
    video.muted = true;
    video.play().catch(() => {});
  }

  private unblock(): void {
    blockedTiles.delete(this);
    this.autoplayBlocked = false;
  }

  /** Called in the click's user activation: unmutes every blocked tile on the page. */
  private enableSound(): void {
    void resumeAudioContext();
    for (const tile of [...blockedTiles]) tile.retrySound();
  }

  private retrySound(): void {
    const video = this.videoEl;
    if (!video || this.local) return;
    video.muted = false;
    video.play().then(
      () => this.unblock(),
      () => {
        video.muted = true;
        video.play().catch(() => {});
      },
    );
  }

  private applySinkId(): void {
    const video = this.videoEl;
    if (!video || this.local || !('setSinkId' in video)) return;
    const wanted = this.sinkId ?? '';
    if (video.sinkId === wanted) return;
    const request = ++this.sinkRequest;
    video.setSinkId(wanted).catch((err: unknown) => {
      if (request !== this.sinkRequest) return;
      console.warn(`rtc-call: could not play ${this.displayName || 'audio'} on speaker "${wanted}"; keeping the current one.`, err);
    });
  }

  private onPipChange = (e: Event): void => {
    const active = e.type === 'enterpictureinpicture';
    if (active === this.pipActive) return;
    this.pipActive = active;
    const event = new RtcPipChangeEvent({ active });
    this.dispatchEvent(event);
  };

  private async togglePip(): Promise<void> {
    try {
      if (this.pipActive) await document.exitPictureInPicture();
      else await this.videoEl.requestPictureInPicture();
    } catch (err) {
      console.warn('rtc-call: picture-in-picture failed', err);
    }
  }

  private async toggleFullscreen(): Promise<void> {
    try {
      if (this.fullscreenActive) await document.exitFullscreen();
      else await this.requestFullscreen();
    } catch (err) {
      console.warn('rtc-call: full screen failed', err);
    }
  }

  private get pipSupported(): boolean {
    return (
      Boolean((document as Document & { pictureInPictureEnabled?: boolean }).pictureInPictureEnabled) &&
      typeof HTMLVideoElement.prototype.requestPictureInPicture === 'function'
    );
  }

  private get fullscreenSupported(): boolean {
    return Boolean(document.fullscreenEnabled) && typeof this.requestFullscreen === 'function';
  }

  private label(m: Messages): string {
    const name = this.displayName.trim() || (this.local ? m.you : m.guest);
    return this.local && this.displayName.trim() ? m.selfName(name) : name;
  }

  /** Signal bars (1–4 lit by level) named with the level and the reason in words. */
  private renderQuality(m: Messages): TemplateResult | typeof nothing {
    const level = QUALITY_BARS[this.quality as QualityLevel] === undefined ? null : (this.quality as QualityLevel);
    if (!level) return nothing;
    const who = this.displayName.trim() || m.guest;
    const reason = this.qualityReason ? (this.local ? m.ownQualityReason[this.qualityReason] : m.qualityReason[this.qualityReason](who)) : '';
    const label = reason ? `${m.qualityLevel[level]}: ${reason}` : m.qualityLevel[level];
    const lit = QUALITY_BARS[level];
    return html`<span part="quality" class="quality" data-level=${level} role="img" aria-label=${label} title=${label}>
        <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">
          ${[0, 1, 2, 3].map((i) => svg`<rect x=${1 + i * 4} y=${12 - i * 3.5} width="3" height=${3 + i * 3.5} rx="0.5" class=${i < lit ? 'on' : 'off'}></rect>`)}
        </svg>
      </span>
      ${reason && (level === 'poor' || level === 'lost') ? html`<span part="quality-reason" class="quality-reason">${reason}</span>` : nothing}`;
  }

  private renderStatus(m: Messages, status: ConnectionState): TemplateResult | typeof nothing {
    const text =
      status === 'connecting' ? m.statusConnecting : status === 'reconnecting' ? m.statusReconnecting : status === 'failed' ? m.statusFailed : '';
    return html`<div part="status" class="status" role="status" ?hidden=${status === 'connected'}>
      ${status === 'connecting' || status === 'reconnecting' ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}
      <span>${text}</span>
    </div>`;
  }

  /**
   * Reads the stream's tracks again. The tile follows on its own what the browser announces (tracks
   * added or removed by the browser, `ended`, `mute`, `unmute`); call this after a change your
   * script made, which fires no event: a track's `enabled`, `track.stop()`, `stream.addTrack()` or
   * `removeTrack()`.
   */
  refresh(): void {
    this.requestUpdate();
  }

  protected override render(): TemplateResult {
    const m = this.localize.messages;
    const fit = FITS.includes(this.fit) ? this.fit : 'cover';
    const status = STATUSES.includes(this.status) ? this.status : 'connected';
    const name = this.label(m);
    const initials = initialsOf(this.displayName);
    const showPlaceholder = this.cameraOff || !this.media.videoLive;
    const mirrored = this.local && !this.noMirror;
    const videoClasses = ['video', fit === 'contain' ? 'contain' : '', mirrored ? 'mirrored' : ''].filter(Boolean).join(' ');
    return html`<div part="base" class="base" role="group" dir=${this.localize.dir} aria-label=${m.videoOf(name)}>
      <!-- tabindex -1: Firefox makes a <video> a tab stop even without controls; the tile's
           controls are its buttons, so keyboard users skip the picture as in Chromium. -->
      <video
        part="video"
        class=${videoClasses}
        tabindex="-1"
        playsinline
        autoplay
        aria-hidden=${showPlaceholder ? 'true' : 'false'}
        @playing=${this.refresh}
        @resize=${this.refresh}
        @ended=${this.refresh}
        @enterpictureinpicture=${this.onPipChange}
        @leavepictureinpicture=${this.onPipChange}
      ></video>
      <div part="placeholder" class="placeholder" ?hidden=${!showPlaceholder}>
        <div part="avatar" class="avatar c${colourIndexOf(this.displayName)}" aria-hidden="true">
          <slot name="avatar">${initials || personIcon}</slot>
        </div>
        <span class="visually-hidden">${m.cameraOff}</span>
      </div>
      ${this.renderStatus(m, status)}
      <div class="bar top">
        <slot name="badges"></slot>
        <span class="spacer"></span>
        <div part="actions" class="actions">
          <slot name="actions"></slot>
          ${this.pipSupported && (!showPlaceholder || this.pipActive)
            ? html`<button
                part="pip-button"
                class="icon-button"
                type="button"
                aria-label=${m.pictureInPicture}
                title=${this.pipActive ? m.exitPictureInPicture : m.pictureInPicture}
                aria-pressed=${this.pipActive ? 'true' : 'false'}
                @click=${this.togglePip}
              >
                ${pipIcon}
              </button>`
            : nothing}
          ${this.fullscreenSupported
            ? html`<button
                part="fullscreen-button"
                class="icon-button"
                type="button"
                aria-label=${m.fullscreen}
                title=${this.fullscreenActive ? m.exitFullscreen : m.fullscreen}
                aria-pressed=${this.fullscreenActive ? 'true' : 'false'}
                @click=${this.toggleFullscreen}
              >
                ${this.fullscreenActive ? exitFullscreenIcon : fullscreenIcon}
              </button>`
            : nothing}
        </div>
      </div>
      <div class="bar bottom">
        <span part="mic-indicator" class="mic" role="img" aria-label=${m.micOff} ?hidden=${!this.micOff}>${micOffIcon}</span>
        <span part="name" class="name">${name}</span>
        ${this.renderQuality(m)}
        <span class="visually-hidden">${this.speaking ? m.speaking : ''}</span>
      </div>
      ${this.autoplayBlocked
        ? html`<button part="unmute-audio-button" class="unmute" type="button" @click=${this.enableSound}>
            ${soundIcon}<span>${m.enableSound}</span>
          </button>`
        : nothing}
    </div>`;
  }
}
