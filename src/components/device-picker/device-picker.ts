import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { LevelMeter } from '../../core/media/audio.js';
import { captureMedia } from '../../core/media/local-media.js';
import { DeferredDisconnectController } from '../../controllers/deferred-disconnect-controller.js';
import {
  CHOICE_KEYS,
  DEVICE_KINDS,
  isDeviceKind,
  kindLabel,
  listDevices,
  loadStoredDevices,
  requestDevicePermission,
  stopTracks,
  storeDevices,
  supportsSpeakerSelection,
  watchDeviceChanges,
  type DeviceEntry,
  type DeviceLists,
} from '../../core/media/devices.js';
import { RtcError, mediaError } from '../../core/errors.js';
import type { DeviceKind } from '../../core/types.js';
import { RtcDeviceChangeEvent } from '../../events/device-change.js';
import { RtcErrorEvent } from '../../events/error.js';
import type { Messages } from '../../i18n/messages.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { warnOnce } from '../../utils/define-element.js';
import { styles } from './device-picker.styles.js';

/** What the picker is doing, reflected as `<rtc-device-picker status>` for styling. */
export const DevicePickerStatus = {
  /** Listing the devices for the first time. */
  Loading: 'loading',
  /** The browser hides device names until permission: the "Allow" button is shown. */
  Prompt: 'prompt',
  /** The permission request is open. */
  Requesting: 'requesting',
  /** Devices are listed by name. */
  Ready: 'ready',
  /** Devices cannot be listed here at all (insecure page, no media devices API). */
  Unavailable: 'unavailable',
} as const;
export type DevicePickerStatus = (typeof DevicePickerStatus)[keyof typeof DevicePickerStatus];

type ChoiceProperty = 'videoInput' | 'audioInput' | 'audioOutput';

/** What the notice says, kept as data so a `lang` change re-translates it. */
type Notice = { readonly error: RtcError } | { readonly gone: readonly string[] };

const PARTS: Record<DeviceKind, string> = {
  videoinput: 'camera',
  audioinput: 'microphone',
  audiooutput: 'speaker',
};

const EMPTY_LISTS: DeviceLists = { videoinput: [], audioinput: [], audiooutput: [] };

/** -60 dBFS … 0 dBFS onto 0 … 1, so quiet speech moves the meter visibly. */
function meterValue(level: number): number {
  if (level <= 0) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(level) + 60) / 60));
}

/**
 * A camera, microphone and speaker chooser for a pre-call device check or a call's settings.
 *
 * @summary One labelled native `<select>` per device kind, an "Allow camera and microphone" button
 * until the browser reveals device names, an optional live camera preview with a microphone level
 * meter, and a remembered choice that `<rtc-call>` picks up.
 *
 * @tag rtc-device-picker
 *
 * @csspart base - The wrapper around everything (a labelled group).
 * @csspart permission-button - The "Allow camera and microphone" button, shown until permission.
 * @csspart field - The wrapper of any one label and its select.
 * @csspart camera-field - The camera's field (also `field`).
 * @csspart microphone-field - The microphone's field (also `field`).
 * @csspart speaker-field - The speaker's field (also `field`).
 * @csspart label - Any select's visible label.
 * @csspart camera-label - The camera select's label (also `label`).
 * @csspart microphone-label - The microphone select's label (also `label`).
 * @csspart speaker-label - The speaker select's label (also `label`).
 * @csspart select - Any of the native selects.
 * @csspart camera-select - The camera select (also `select`).
 * @csspart microphone-select - The microphone select (also `select`).
 * @csspart speaker-select - The speaker select (also `select`).
 * @csspart preview - The wrapper of the preview video and the level meter (with `preview`).
 * @csspart preview-video - The live, mirrored camera preview.
 * @csspart meter - The microphone level `<meter>` (0…1).
 * @csspart notice - The polite live region for "device disconnected" and error messages.
 *
 * @cssproperty [--rtc-font-family=system-ui, sans-serif] - Font of labels and controls.
 * @cssproperty [--rtc-picker-font-size=0.9375rem] - Font size.
 * @cssproperty [--rtc-picker-foreground=inherit] - Text colour of labels.
 * @cssproperty [--rtc-picker-gap=0.75rem] - Space between the fields.
 * @cssproperty [--rtc-picker-radius=8px] - Corner radius of the selects and the notice.
 * @cssproperty [--rtc-picker-border-color=#80868b] - Border of the selects.
 * @cssproperty [--rtc-picker-control-background=#fff] - Background of the selects.
 * @cssproperty [--rtc-picker-control-foreground=#202124] - Text colour of the selects.
 * @cssproperty [--rtc-accent=#1a73e8] - Background of the permission button.
 * @cssproperty [--rtc-accent-foreground=#fff] - Text colour of the permission button.
 * @cssproperty [--rtc-focus-color=var(--rtc-accent)] - Keyboard focus outline.
 * @cssproperty [--rtc-preview-width=320px] - Width of the preview (video and meter).
 * @cssproperty [--rtc-preview-radius=8px] - Corner radius of the preview video.
 * @cssproperty [--rtc-preview-background=#202124] - Preview background before the first frame.
 * @cssproperty [--rtc-notice-background=#fef7e0] - Background of the notice.
 * @cssproperty [--rtc-notice-foreground=#3c2a00] - Text colour of the notice.
 *
 * @fires {RtcDeviceChangeEvent} rtc-device-change - The user picked a device: `detail` is
 * `{ kind, deviceId, label }` (`deviceId` `''` = the default). Not fired when the page sets a
 * property, nor when a disconnected device falls back to the default.
 * @fires {RtcErrorEvent} rtc-error - Permission was denied, or the preview could not open a
 * device, or devices cannot be listed: `detail` is the `RtcError`.
 */
export class RtcDevicePicker extends LitElement {
  static override styles = styles;

  private stopWatching: (() => void) | undefined;
  private readonly localize = new LocalizeController(this);

  constructor() {
    super();
    // A DOM move keeps the preview; a removal turns the camera off.
    new DeferredDisconnectController(this, () => this.stopPreview());
  }
  private refreshSeq = 0;
  private requestedKinds: readonly DeviceKind[] = DEVICE_KINDS;
  /** Labels of devices seen while permitted, to name one after it disappeared. */
  private knownLabels = new Map<string, string>();
  /** The devices (`video|audio` ids) the preview runs, is opening, or failed to open. */
  private previewKey: string | undefined;
  private previewGen = 0;
  private meter: LevelMeter | undefined;
  private onTrackEnded = (): void => void this.onPreviewEnded();

  @state() private devices: DeviceLists = EMPTY_LISTS;
  @state() private _status: DevicePickerStatus = DevicePickerStatus.Loading;
  @state() private notice: Notice | null = null;
  @state() private previewStream: MediaStream | null = null;
  @state() private level = 0;

  /**
   * Which selects to show: a space-separated list of `videoinput`, `audioinput`, `audiooutput`
   * (default: all three). Unknown tokens are ignored with one console warning. The speaker select
   * appears only where the browser can route audio (`setSinkId`).
   */
  @property() kinds = 'videoinput audioinput audiooutput';

  /** The chosen camera's `deviceId`; `''` = the browser's default. */
  @property({ attribute: 'video-input' }) videoInput = '';

  /** The chosen microphone's `deviceId`; `''` = the browser's default. */
  @property({ attribute: 'audio-input' }) audioInput = '';

  /** The chosen speaker's `deviceId`; `''` = the browser's default. */
  @property({ attribute: 'audio-output' }) audioOutput = '';

  /**
   * Remember the user's choices in localStorage (`rtc-call:devices`, which `<rtc-call>` reads too)
   * and restore them when the element connects; a stored choice replaces the attributes.
   */
  @property({ type: Boolean, reflect: true }) persist = false;

  /**
   * Show a live camera preview and a microphone level meter. The devices open once names are
   * revealed (after permission) and close when `preview` is turned off or the element is removed.
   */
  @property({ type: Boolean, reflect: true }) preview = false;

  /** Language of labels and notices (BCP 47); default: the nearest `lang` in the page, else English. */
  @property() override lang = '';

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.persist) {
      const stored = loadStoredDevices();
      for (const kind of DEVICE_KINDS) {
        const value = stored[CHOICE_KEYS[kind]];
        if (value !== undefined) this[CHOICE_KEYS[kind] as ChoiceProperty] = value;
      }
    }
    this.stopWatching ??= watchDeviceChanges(() => void this.relist());
    void this.relist();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.refreshSeq++;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('kinds')) {
      this.requestedKinds = this.parseKinds(this.kinds);
      // A newly shown kind may still hide its names: re-list to know whether to ask.
      if (this.hasUpdated && this.isConnected) void this.relist();
    }
  }

  protected override updated(): void {
    if (this.getAttribute('status') !== this._status) this.setAttribute('status', this._status);
    // Show the chosen device, or the default option when the chosen one is not listed (yet).
    for (const select of this.renderRoot.querySelectorAll<HTMLSelectElement>('select[data-kind]')) {
      const kind = select.dataset['kind'] as DeviceKind;
      const shown = this.shownValue(kind);
      if (select.value !== shown) select.value = shown;
    }
    void this.syncPreview();
  }

  private get messages(): Messages {
    return this.localize.messages;
  }

  private parseKinds(value: string | null | undefined): readonly DeviceKind[] {
    const kinds: DeviceKind[] = [];
    for (const token of (value ?? '').split(/\s+/).filter(Boolean)) {
      if (isDeviceKind(token)) {
        if (!kinds.includes(token)) kinds.push(token);
      } else {
        warnOnce(`device-picker-kind:${token}`, `<rtc-device-picker kinds>: ignoring unknown kind "${token}".`);
      }
    }
    return kinds.length ? DEVICE_KINDS.filter((k) => kinds.includes(k)) : DEVICE_KINDS;
  }

  /** The kinds that get a select: the requested ones, minus speakers where they cannot be chosen. */
  private get shownKinds(): readonly DeviceKind[] {
    return this.requestedKinds.filter((kind) => kind !== 'audiooutput' || supportsSpeakerSelection());
  }

  /** Devices that can be chosen: with an id, and not the `default` alias (that is the default option). */
  private options(kind: DeviceKind): DeviceEntry[] {
    return this.devices[kind].filter((d) => d.deviceId !== '' && d.deviceId !== 'default');
  }

  private shownValue(kind: DeviceKind): string {
    const value = this[CHOICE_KEYS[kind] as ChoiceProperty];
    if (!value || value === 'default') return '';
    return this.options(kind).some((d) => d.deviceId === value) ? value : '';
  }

  private defaultLabel(kind: DeviceKind, messages: Messages): string {
    // Chromium lists the system default as its own `default` device ("Default - USB Headset").
    const alias = this.devices[kind].find((d) => d.deviceId === 'default' && d.labelled);
    return alias?.label ?? messages.defaultDevice;
  }

  /** Re-lists the devices; falls back to the default when the chosen one has disappeared. */
  private async relist(): Promise<void> {
    const seq = ++this.refreshSeq;
    let lists: DeviceLists;
    try {
      lists = await listDevices(undefined, this.messages);
    } catch (err) {
      if (seq !== this.refreshSeq) return;
      this._status = DevicePickerStatus.Unavailable;
      this.fail(mediaError(err, 'Listing media devices failed'));
      return;
    }
    if (seq !== this.refreshSeq) return;
    this.devices = lists;
    const kinds = this.shownKinds;
    const nothingListed = DEVICE_KINDS.every((kind) => lists[kind].length === 0);
    const hidden = nothingListed || kinds.some((kind) => lists[kind].some((d) => !d.labelled));
    if (hidden) {
      if (this._status !== DevicePickerStatus.Requesting) this._status = DevicePickerStatus.Prompt;
      return;
    }
    this._status = DevicePickerStatus.Ready;
    const gone: string[] = [];
    for (const kind of kinds) {
      for (const d of lists[kind]) this.knownLabels.set(`${kind}\n${d.deviceId}`, d.label);
      const key = CHOICE_KEYS[kind] as ChoiceProperty;
      const chosen = this[key];
      if (!chosen || chosen === 'default' || lists[kind].some((d) => d.deviceId === chosen)) continue;
      gone.push(this.knownLabels.get(`${kind}\n${chosen}`) ?? kindLabel(kind, this.messages));
      this[key] = '';
    }
    if (gone.length) this.notice = { gone };
  }

  private fail(error: RtcError): void {
    this.notice = { error };
    const event = new RtcErrorEvent(error);
    this.dispatchEvent(event);
  }

  private noticeText(messages: Messages): string {
    const notice = this.notice;
    if (!notice) return '';
    if ('error' in notice) return messages.errors[notice.error.code];
    return notice.gone.map((label) => messages.deviceGone(label)).join(' ');
  }

  private wantedPreview(): { key: string; video: boolean; audio: boolean } | null {
    if (!this.preview || !this.isConnected || this._status !== DevicePickerStatus.Ready) return null;
    const video = this.requestedKinds.includes('videoinput') && this.devices.videoinput.length > 0;
    const audio = this.requestedKinds.includes('audioinput') && this.devices.audioinput.length > 0;
    if (!video && !audio) return null;
    const key = `${video ? `v:${this.videoInput}` : '-'}|${audio ? `a:${this.audioInput}` : '-'}`;
    return { key, video, audio };
  }

  /** Opens, reopens (other device) or closes the preview so it matches the properties. */
  private async syncPreview(): Promise<void> {
    const wanted = this.wantedPreview();
    if (wanted?.key === this.previewKey) return;
    this.stopPreview();
    if (!wanted) return;
    this.previewKey = wanted.key;
    const gen = this.previewGen;
    let stream: MediaStream;
    try {
      // Our videoInput / audioInput are the device choice; the constraints are the call's, so the
      // preview shows what the call will send.
      stream = await captureMedia(wanted.audio, wanted.video, this);
    } catch (err) {
      // The key stays: the same devices are not retried until something changes.
      if (gen === this.previewGen) this.fail(err as RtcError);
      return;
    }
    if (gen !== this.previewGen) {
      stopTracks(stream);
      return;
    }
    for (const track of stream.getTracks()) track.addEventListener('ended', this.onTrackEnded);
    this.previewStream = stream;
    if (stream.getAudioTracks().length) {
      try {
        this.meter = new LevelMeter(stream, (level) => {
          this.level = meterValue(level);
        });
      } catch (err) {
        // No Web Audio here: the preview works without a meter.
        warnOnce('device-picker-meter', `no microphone level meter (${String(err)}).`);
      }
    }
  }

  /** A preview device ended (unplugged, revoked): re-list; reopen if the choice did not change. */
  private async onPreviewEnded(): Promise<void> {
    const key = this.previewKey;
    await this.relist();
    if (key !== undefined && this.previewKey === key && this.wantedPreview()?.key === key) {
      this.stopPreview();
    }
  }

  private stopPreview(): void {
    this.previewGen++;
    this.previewKey = undefined;
    this.meter?.stop();
    this.meter = undefined;
    for (const track of this.previewStream?.getTracks() ?? []) {
      track.removeEventListener('ended', this.onTrackEnded);
      track.stop();
    }
    this.previewStream = null;
    this.level = 0;
  }

  private onSelect(event: Event): void {
    const select = event.target as HTMLSelectElement;
    const kind = select.dataset['kind'] as DeviceKind;
    const deviceId = select.value;
    const key = CHOICE_KEYS[kind] as ChoiceProperty;
    this[key] = deviceId;
    this.notice = null;
    if (this.persist) storeDevices({ [key]: deviceId });
    const label = select.selectedOptions[0]?.text ?? '';
    const change = new RtcDeviceChangeEvent({ kind, deviceId, label });
    this.dispatchEvent(change);
  }

  private onAllow(): void {
    if (this._status === DevicePickerStatus.Requesting) return;
    this.requestPermission().catch(() => {
      // Already shown in the notice and fired as rtc-error.
    });
  }

  /** What the picker is doing: `loading`, `prompt`, `requesting`, `ready` or `unavailable`. */
  get status(): DevicePickerStatus {
    return this._status;
  }

  /**
   * Asks for camera/microphone permission (what the "Allow" button does), stops the temporary
   * tracks and lists the devices by name. Rejects with the `RtcError` that `rtc-error` carries.
   */
  async requestPermission(): Promise<void> {
    this._status = DevicePickerStatus.Requesting;
    this.notice = null;
    try {
      await requestDevicePermission(this.shownKinds);
    } catch (err) {
      const error = mediaError(err, 'Asking for camera/microphone permission failed');
      this._status = DevicePickerStatus.Prompt;
      this.fail(error);
      throw error;
    }
    this._status = DevicePickerStatus.Loading;
    await this.relist();
  }

  /** Lists the devices again (done on its own on `devicechange` and permission changes). */
  refresh(): Promise<void> {
    return this.relist();
  }

  private renderField(kind: DeviceKind, messages: Messages): TemplateResult {
    const part = PARTS[kind];
    const id = `${part}-select`;
    const shown = this.shownValue(kind);
    return html`<div part="field ${part}-field" class="field">
      <label part="label ${part}-label" class="label" for=${id}>${kindLabel(kind, messages)}</label>
      <select part="select ${id}" class="select" id=${id} data-kind=${kind} @change=${this.onSelect}>
        <option value="" ?selected=${shown === ''}>${this.defaultLabel(kind, messages)}</option>
        ${this.options(kind).map(
          (d, i) =>
            html`<option value=${d.deviceId} ?selected=${shown === d.deviceId}>${d.labelled
              ? d.label
              : messages.deviceN(kindLabel(kind, messages), i + 1)}</option>`,
        )}
      </select>
    </div>`;
  }

  private renderPreview(messages: Messages): TemplateResult {
    return html`<div part="preview" class="preview">
      ${this.requestedKinds.includes('videoinput')
        ? html`<video
            part="preview-video"
            class="preview-video"
            aria-label=${messages.cameraPreview}
            .srcObject=${this.previewStream}
            .muted=${true}
            muted
            autoplay
            playsinline
          ></video>`
        : nothing}
      ${this.requestedKinds.includes('audioinput')
        ? html`<meter part="meter" class="meter" aria-label=${messages.micLevel} min="0" max="1" .value=${this.level}></meter>`
        : nothing}
    </div>`;
  }

  protected override render(): TemplateResult {
    const messages = this.messages;
    const asking = this._status === DevicePickerStatus.Prompt || this._status === DevicePickerStatus.Requesting;
    return html`<div part="base" class="base" role="group" dir=${this.localize.dir} aria-label=${messages.devices}>
      ${asking
        ? html`<button
            part="permission-button"
            class="permission-button"
            type="button"
            aria-disabled=${this._status === DevicePickerStatus.Requesting ? 'true' : 'false'}
            @click=${this.onAllow}
          >
            ${messages.allowDevices}
          </button>`
        : nothing}
      ${this.shownKinds.map((kind) => this.renderField(kind, messages))}
      ${this.preview ? this.renderPreview(messages) : nothing}
      <p part="notice" class="notice" role="status" aria-live="polite">${this.noticeText(messages) || nothing}</p>
    </div>`;
  }
}
