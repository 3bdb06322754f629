/**
 * Cameras, microphones and speakers: listing them, asking for the permission that reveals their
 * names, remembering the user's choice, and noticing when they come and go. DOM-free apart from
 * `navigator.mediaDevices`, `navigator.permissions` and `localStorage`, so `<rtc-device-picker>`
 * (choosing) and `<rtc-call>` (switching mid-call) share the same rules.
 *
 * ```ts
 * const { videoinput } = await listDevices();            // grouped by kind, labels or "Camera 1"
 * if (!(await hasDeviceLabels())) await requestDevicePermission(['videoinput', 'audioinput']);
 * storeDevices({ videoInput: videoinput[1]!.deviceId });  // localStorage 'rtc-call:devices'
 * const stop = watchDeviceChanges(() => refresh());       // plugged, unplugged, permission changed
 * ```
 */
import { RtcError, RtcErrorCode, mediaError } from '../errors.js';
import type { DeviceChoice, DeviceKind } from '../types.js';
import { en, type Messages } from '../../i18n/messages.js';
import { warnOnce } from '../../utils/define-element.js';

/** Every device kind, in the order a picker shows them. */
export const DEVICE_KINDS: readonly DeviceKind[] = ['videoinput', 'audioinput', 'audiooutput'];

/** The localStorage key of the remembered choice, shared by `<rtc-device-picker persist>` and `<rtc-call>`. */
export const DEVICES_STORAGE_KEY = 'rtc-call:devices';

/** One camera, microphone or speaker as `listDevices` reports it. */
export interface DeviceEntry {
  readonly kind: DeviceKind;
  /**
   * The browser's id for the device. Empty before permission (browsers hide ids until then);
   * `'default'` is the system default audio device where the browser lists one (Chromium).
   */
  readonly deviceId: string;
  /** Devices of one physical unit (a headset's microphone and speaker) share a group id. */
  readonly groupId: string;
  /** The browser's label, or a numbered fallback from the catalogue ("Camera 1") when it hides it. */
  readonly label: string;
  /** True when `label` is the browser's own, false when it is the fallback (no permission yet). */
  readonly labelled: boolean;
}

/** The devices of every kind, each list in the browser's order. */
export type DeviceLists = Record<DeviceKind, DeviceEntry[]>;

/** The choice property of `DeviceChoice` for each kind. */
export const CHOICE_KEYS: Readonly<Record<DeviceKind, keyof DeviceChoice>> = {
  videoinput: 'videoInput',
  audioinput: 'audioInput',
  audiooutput: 'audioOutput',
};

/** True when `value` is one of `videoinput`, `audioinput`, `audiooutput`. */
export function isDeviceKind(value: unknown): value is DeviceKind {
  return value === 'videoinput' || value === 'audioinput' || value === 'audiooutput';
}

/**
 * The browser's `MediaDevices`, or a rejection that names why there is none: `insecure-context`
 * (http page that is not localhost) or `not-supported`.
 */
function mediaDevices(): MediaDevices {
  const devices: MediaDevices | undefined = globalThis.navigator?.mediaDevices;
  if (typeof devices?.enumerateDevices === 'function') return devices;
  if (globalThis.isSecureContext === false) {
    throw new RtcError(
      RtcErrorCode.InsecureContext,
      'Cameras and microphones need a secure context: serve the page over https (or from localhost).',
    );
  }
  throw new RtcError(RtcErrorCode.NotSupported, 'This browser cannot list media devices (no navigator.mediaDevices).');
}

/** The localised name of a device kind ("Camera", "Microphone", "Speaker"). */
export function kindLabel(kind: DeviceKind, messages: Messages): string {
  return kind === 'videoinput'
    ? messages.cameraLabel
    : kind === 'audioinput'
      ? messages.microphoneLabel
      : messages.speakerLabel;
}

/**
 * The label to show for the `index`-th (0-based) device of a kind: the browser's label, else the
 * catalogue's numbered fallback ("Camera 1", "Mikrofon 2").
 */
export function deviceLabel(kind: DeviceKind, label: string, index: number, messages: Messages = en): string {
  return label || messages.deviceN(kindLabel(kind, messages), index + 1);
}

/**
 * Lists the devices, grouped by kind (`listDevices()`), or those of one kind
 * (`listDevices('videoinput')`). Devices whose label the browser hides (before permission) get a
 * numbered fallback label from `messages` (English by default) and `labelled: false`.
 * Rejects with an `RtcError` (`insecure-context`, `not-supported`, `internal`).
 */
export function listDevices(kind?: undefined, messages?: Messages): Promise<DeviceLists>;
export function listDevices(kind: DeviceKind, messages?: Messages): Promise<DeviceEntry[]>;
export async function listDevices(
  kind?: DeviceKind,
  messages: Messages = en,
): Promise<DeviceLists | DeviceEntry[]> {
  let infos: MediaDeviceInfo[];
  try {
    infos = await mediaDevices().enumerateDevices();
  } catch (err) {
    throw err instanceof RtcError ? err : mediaError(err, 'Listing media devices failed');
  }
  const lists: DeviceLists = { videoinput: [], audioinput: [], audiooutput: [] };
  for (const info of infos) {
    if (!isDeviceKind(info.kind)) continue;
    const list = lists[info.kind];
    list.push({
      kind: info.kind,
      deviceId: info.deviceId,
      groupId: info.groupId,
      label: deviceLabel(info.kind, info.label, list.length, messages),
      labelled: info.label !== '',
    });
  }
  return kind ? lists[kind] : lists;
}

/**
 * True when the browser shows device labels for the given kinds (default: any kind it lists),
 * which it does once the page has camera/microphone permission. Kinds without any device count
 * as labelled (there is nothing to reveal). Rejects like `listDevices`.
 */
export async function hasDeviceLabels(kinds: Iterable<DeviceKind> = DEVICE_KINDS): Promise<boolean> {
  const lists = await listDevices();
  return [...kinds].every((kind) => lists[kind].every((d) => d.labelled));
}

/** Stops every track of a stream (nothing for none). */
export function stopTracks(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * Asks for camera and/or microphone permission so the browser reveals device labels and ids:
 * `getUserMedia` for the kinds that exist (`videoinput` → camera; `audioinput` or `audiooutput` →
 * microphone, which is what unlocks speaker labels), then stops the temporary tracks at once.
 * When asking for both fails for a reason other than a denial (a camera busy in another app), each
 * kind is tried alone so one broken device does not hide the other's names. Rejects with an
 * `RtcError` (`permission-denied`, `device-not-found`, `device-in-use`, …).
 */
export async function requestDevicePermission(kinds: Iterable<DeviceKind> = DEVICE_KINDS): Promise<void> {
  const wanted = new Set(kinds);
  const devices = mediaDevices();
  if (typeof devices.getUserMedia !== 'function') {
    throw new RtcError(RtcErrorCode.NotSupported, 'This browser cannot capture media (no getUserMedia).');
  }
  const lists = await listDevices();
  // Some browsers list nothing at all before permission: then ask for what was wanted.
  const unknown = DEVICE_KINDS.every((kind) => lists[kind].length === 0);
  const video = wanted.has('videoinput') && (unknown || lists.videoinput.length > 0);
  const audio =
    (wanted.has('audioinput') || wanted.has('audiooutput')) && (unknown || lists.audioinput.length > 0);
  if (!video && !audio) {
    throw new RtcError(RtcErrorCode.DeviceNotFound, 'No camera or microphone to ask permission for.');
  }
  const open = async (constraints: MediaStreamConstraints) => stopTracks(await devices.getUserMedia(constraints));
  try {
    await open({ video, audio });
  } catch (err) {
    const error = mediaError(err, 'Asking for camera/microphone permission failed');
    if (!(video && audio) || error.code === RtcErrorCode.PermissionDenied) throw error;
    const alone = await Promise.allSettled([open({ video: true }), open({ audio: true })]);
    if (!alone.some((r) => r.status === 'fulfilled')) throw error;
  }
}

/**
 * Reads the remembered choice from localStorage (`rtc-call:devices`). Returns `{}` when nothing is
 * stored, when the stored value is not the expected JSON, or when storage is unavailable
 * (disabled, sandboxed iframe); the last two warn once in the console. Only string ids are kept.
 */
export function loadStoredDevices(): DeviceChoice {
  let raw: string | null;
  try {
    raw = globalThis.localStorage?.getItem(DEVICES_STORAGE_KEY) ?? null;
  } catch (err) {
    warnOnce('devices-storage', `cannot read the remembered devices (${String(err)}); using the defaults.`);
    return {};
  }
  if (raw === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    warnOnce('devices-malformed', `localStorage '${DEVICES_STORAGE_KEY}' is not a device choice; ignoring it.`);
    return {};
  }
  const record = parsed as Record<string, unknown>;
  const choice: DeviceChoice = {};
  for (const key of Object.values(CHOICE_KEYS)) {
    const value = record[key];
    if (typeof value === 'string') choice[key] = value;
  }
  return choice;
}

/**
 * Remembers a choice in localStorage (`rtc-call:devices`) as `{ videoInput, audioInput,
 * audioOutput }`. Keys absent (undefined) in `choice` keep their stored value; an empty string
 * stores "the default device". Returns false (and warns once) when storage is unavailable or full.
 */
export function storeDevices(choice: DeviceChoice): boolean {
  const merged: DeviceChoice = { ...loadStoredDevices() };
  for (const key of Object.values(CHOICE_KEYS)) {
    const value = choice[key];
    if (typeof value === 'string') merged[key] = value;
  }
  try {
    const storage = globalThis.localStorage;
    if (!storage) return false;
    storage.setItem(DEVICES_STORAGE_KEY, JSON.stringify(merged));
    return true;
  } catch (err) {
    warnOnce('devices-storage-write', `cannot remember the chosen devices (${String(err)}).`);
    return false;
  }
}

/** True when the browser can route audio to a chosen speaker (`HTMLMediaElement.setSinkId`). */
export function supportsSpeakerSelection(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/**
 * `getUserMedia` constraints for a device id: exactly that device, or `true` (the browser's
 * default) for `''`, `'default'` or undefined. `base` constraints (size, echo cancellation…) are kept.
 */
export function deviceConstraints(
  deviceId: string | undefined,
  base: MediaTrackConstraints = {},
): MediaTrackConstraints | true {
  if (deviceId && deviceId !== 'default') return { ...base, deviceId: { exact: deviceId } };
  return Object.keys(base).length ? { ...base } : true;
}

/**
 * Calls `callback` whenever the set of devices may have changed: `devicechange` (plugged,
 * unplugged) and camera/microphone permission changes (granted by another element on the page,
 * revoked in the site settings), where the Permissions API reports them. Returns the function that
 * stops watching. Does nothing (and returns a no-op) without `navigator.mediaDevices`.
 */
export function watchDeviceChanges(callback: () => void): () => void {
  const devices = globalThis.navigator?.mediaDevices;
  if (!devices) return () => {};
  let stopped = false;
  const onChange = () => {
    if (!stopped) callback();
  };
  devices.addEventListener('devicechange', onChange);
  const statuses: PermissionStatus[] = [];
  for (const name of ['camera', 'microphone'] as PermissionName[]) {
    globalThis.navigator.permissions
      ?.query({ name })
      .then((status) => {
        if (stopped) return;
        status.addEventListener('change', onChange);
        statuses.push(status);
      })
      // Firefox and Safari do not know every name: devicechange alone is then the signal.
      .catch(() => {});
  }
  return () => {
    stopped = true;
    devices.removeEventListener('devicechange', onChange);
    for (const status of statuses) status.removeEventListener('change', onChange);
    statuses.length = 0;
  };
}
