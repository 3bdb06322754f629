import { LitElement, html, nothing } from 'lit';
import type { PropertyValues, TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { SpeakingDetector, resumeAudioContext } from '../../core/media/audio.js';
import type { ConnectionState } from '../../core/types.js';
import { RtcAutoplayBlockedEvent } from '../../events/autoplay-blocked.js';
import { RtcPipChangeEvent } from '../../events/pip-change.js';
import { RtcSpeakingChangeEvent } from '../../events/speaking-change.js';
import type { Messages } from '../../i18n/messages.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { warnOnce } from '../../utils/define-element.js';
import { exitFullscreenIcon, fullscreenIcon, micOffIcon, personIcon, pipIcon, soundIcon } from '../icons.js';
import { DeferredDisconnectController } from '../../controllers/deferred-disconnect-controller.js';
import { sharedStyles } from '../shared.styles.js';
import { styles } from './video-tile.styles.js';

/** How the video fills the tile: `cover` crops to fill, `contain` letterboxes. */
export type VideoTileFit = 'cover' | 'contain';

const FITS: readonly VideoTileFit[] = ['cover', 'contain'];
const STATUSES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'failed'];
const AVATAR_COLOURS = 12;
/** How often the tile re-checks its tracks for changes no event announces (`enabled`, `stop()`, script `addTrack`). */
const TRACK_POLL_MS = 250;

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
 *
 * @fires {RtcSpeakingChangeEvent} rtc-speaking-change - The participant started (`detail.speaking` true) or stopped speaking.
 * @fires {RtcAutoplayBlockedEvent} rtc-autoplay-blocked - The browser refused to play the participant's audio until the user interacts; the tile shows "Click to enable sound" and plays the video muted meanwhile.
 * @fires {RtcPipChangeEvent} rtc-pip-change - The tile's video entered (`detail.active` true) or left picture-in-picture.
 */
export class RtcVideoTile extends LitElement {
  static override styles = [sharedStyles, styles];

  private boundStream: MediaStream | null = null;
  private appliedStream: MediaStream | null | undefined = undefined;
  private boundTracks = new Set<MediaStreamTrack>();
  private detector: SpeakingDetector | undefined;
  private detectorKey = '';
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly localize = new LocalizeController(this);

  constructor() {
    super();
    // A DOM move keeps playback; a removal detaches the stream and the speaking meter.
    new DeferredDisconnectController(this, () => this.detach());
  }
  private attached = false;
  private sinkRequest = 0;

  @query('video') private videoEl!: HTMLVideoElement;

  @state() private videoLive = false;
  @state() private autoplayBlocked = false;
  @state() private pipActive = false;
  @state() private fullscreenActive = false;
  @state() private speakingNow = false;

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

  /**
   * True while the participant is speaking (detected from the stream's audio, also for `local`).
   * Read-only; reflected as the `speaking` attribute for styling: `rtc-video-tile[speaking]`.
   */
  get speaking(): boolean {
    return this.speakingNow;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Moved within the page in one task: nothing was released, nothing to restart.
    if (!this.attached) this.attach();
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
    if (!this.attached) return;
    if (changed.has('local') && this.local && this.autoplayBlocked) {
      // Our own tile never plays sound, so it has nothing to unblock.
      blockedTiles.delete(this);
      this.autoplayBlocked = false;
    }
    if (this.appliedStream !== this.stream) this.applyStream();
    else if (changed.has('local') && this.stream) this.play();
    if (changed.has('micOff') || changed.has('local')) this.syncTracks();
    if (changed.has('sinkId') || changed.has('local') || changed.has('stream')) this.applySinkId();
  }

  private attach(): void {
    this.attached = true;
    this.addEventListener('fullscreenchange', this.onFullscreenChange);
    this.pollTimer = setInterval(() => this.syncTracks(), TRACK_POLL_MS);
    // First connection: the first update binds the stream. Re-connection after a teardown: rebind now.
    if (this.hasUpdated) {
      this.applyStream();
      this.applySinkId();
    }
  }

  private detach(): void {
    this.attached = false;
    this.removeEventListener('fullscreenchange', this.onFullscreenChange);
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.unbindStream();
    this.stopDetector();
    this.setSpeaking(false, false);
    blockedTiles.delete(this);
    this.autoplayBlocked = false;
    if (this.pipActive && document.pictureInPictureElement) void document.exitPictureInPicture().catch(() => {});
    if (this.videoEl) {
      this.videoEl.srcObject = null;
      this.appliedStream = undefined;
    }
  }

  /** Points the video element at the current stream and rebinds every listener to it. */
  private applyStream(): void {
    this.unbindStream();
    const video = this.videoEl;
    this.appliedStream = this.stream;
    this.boundStream = this.stream;
    if (this.stream) {
      this.stream.addEventListener('addtrack', this.onTracksChanged);
      this.stream.addEventListener('removetrack', this.onTracksChanged);
    }
    video.muted = this.local || this.autoplayBlocked;
    if (video.srcObject !== this.stream) video.srcObject = this.stream;
    this.syncTracks();
    if (this.stream) this.play();
  }

  private unbindStream(): void {
    if (this.boundStream) {
      this.boundStream.removeEventListener('addtrack', this.onTracksChanged);
      this.boundStream.removeEventListener('removetrack', this.onTracksChanged);
      this.boundStream = null;
    }
    for (const track of this.boundTracks) this.unbindTrack(track);
    this.boundTracks.clear();
  }

  private unbindTrack(track: MediaStreamTrack): void {
    track.removeEventListener('mute', this.onTracksChanged);
    track.removeEventListener('unmute', this.onTracksChanged);
    track.removeEventListener('ended', this.onTracksChanged);
  }

  private onTracksChanged = (): void => this.syncTracks();

  /**
   * Re-reads the stream's tracks: listens to new ones, forgets removed ones, decides whether live
   * video is showing, and (re)starts speaking detection for the live audio track. Cheap: runs on
   * every track event and on a slow poll for what no event reports (`enabled`, `stop()`).
   */
  private syncTracks(): void {
    const stream = this.attached ? this.boundStream : null;
    const tracks = stream ? stream.getTracks() : [];
    for (const track of this.boundTracks) {
      if (!tracks.includes(track)) {
        this.unbindTrack(track);
        this.boundTracks.delete(track);
      }
    }
    for (const track of tracks) {
      if (!this.boundTracks.has(track)) {
        track.addEventListener('mute', this.onTracksChanged);
        track.addEventListener('unmute', this.onTracksChanged);
        track.addEventListener('ended', this.onTracksChanged);
        this.boundTracks.add(track);
      }
    }
    const usable = (t: MediaStreamTrack) => t.readyState === 'live' && t.enabled && !t.muted;
    const live = tracks.some((t) => t.kind === 'video' && usable(t));
    if (live !== this.videoLive) this.videoLive = live;

    // A local tile never plays its audio, so without a video track its <video> has nothing to
    // show; an audio-only source there (hidden, never reaching readyState 1) would hold the page's
    // load event. Attach the stream only while it has video.
    const video = this.videoEl;
    if (this.local && video && stream) {
      const source = tracks.some((t) => t.kind === 'video') ? stream : null;
      if (video.srcObject !== source) {
        video.srcObject = source;
        if (source) this.play();
      }
    }

    const audio = this.micOff ? undefined : tracks.find((t) => t.kind === 'audio' && t.readyState === 'live');
    const key = audio ? audio.id : '';
    if (key === this.detectorKey) return;
    this.stopDetector();
    this.setSpeaking(false, true);
    if (!audio) return;
    this.detectorKey = key;
    try {
      this.detector = new SpeakingDetector(new MediaStream([audio]), (speaking) => this.setSpeaking(speaking, true));
    } catch (err) {
      warnOnce('tile-audio', `speaking detection is unavailable: ${(err as Error).message}`);
    }
  }

  private stopDetector(): void {
    this.detector?.stop();
    this.detector = undefined;
    this.detectorKey = '';
  }

  private setSpeaking(speaking: boolean, announce: boolean): void {
    if (speaking === this.speakingNow) return;
    this.speakingNow = speaking;
    this.toggleAttribute('speaking', speaking);
    if (announce) {
      const event = new RtcSpeakingChangeEvent({ speaking });
      this.dispatchEvent(event);
    }
  }

  /** Starts playback; when the browser refuses sound, plays muted and offers "Click to enable sound". */
  private play(): void {
    const video = this.videoEl;
    const stream = this.stream;
    if (!stream || !video || !video.srcObject) return;
    video.muted = this.local || this.autoplayBlocked;
    video.play().catch((err: unknown) => {
      if (this.stream !== stream || !this.attached) return;
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
      () => {
        blockedTiles.delete(this);
        this.autoplayBlocked = false;
      },
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

  private onFullscreenChange = (): void => {
    this.fullscreenActive = this.matches(':fullscreen');
  };

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

  private renderStatus(m: Messages, status: ConnectionState): TemplateResult | typeof nothing {
    const text =
      status === 'connecting' ? m.statusConnecting : status === 'reconnecting' ? m.statusReconnecting : status === 'failed' ? m.statusFailed : '';
    return html`<div part="status" class="status" role="status" ?hidden=${status === 'connected'}>
      ${status === 'connecting' || status === 'reconnecting' ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}
      <span>${text}</span>
    </div>`;
  }

  protected override render(): TemplateResult {
    const m = this.localize.messages;
    const fit = FITS.includes(this.fit) ? this.fit : 'cover';
    const status = STATUSES.includes(this.status) ? this.status : 'connected';
    const name = this.label(m);
    const initials = initialsOf(this.displayName);
    const showPlaceholder = this.cameraOff || !this.videoLive;
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
        <span class="visually-hidden">${this.speakingNow ? m.speaking : ''}</span>
      </div>
      ${this.autoplayBlocked
        ? html`<button part="unmute-audio-button" class="unmute" type="button" @click=${this.enableSound}>
            ${soundIcon}<span>${m.enableSound}</span>
          </button>`
        : nothing}
    </div>`;
  }
}
