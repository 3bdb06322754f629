// <rtc-device-picker> and src/core/devices.ts in real Chromium with its fake devices (two cameras,
// three microphones, three speakers). Only `navigator.mediaDevices` is faked, and only for what a
// browser cannot produce on demand here: label-less devices before permission, a denied
// permission, devices appearing and disappearing.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/rtc-device-picker.js';
import type { RtcDevicePicker } from '../../src/components/device-picker/device-picker.js';
import {
  DEVICES_STORAGE_KEY,
  hasDeviceLabels,
  listDevices,
  loadStoredDevices,
  requestDevicePermission,
  storeDevices,
  watchDeviceChanges,
} from '../../src/core/media/devices.js';
import { RtcError } from '../../src/core/errors.js';
import type { RtcDeviceChangeEvent } from '../../src/events/device-change.js';
import type { RtcErrorEvent } from '../../src/events/error.js';
import { en } from '../../src/i18n/messages.js';
import { framesAdvance, until } from './helpers/media.js';

const md = navigator.mediaDevices;
const realEnumerate = md.enumerateDevices.bind(md);
const realGetUserMedia = md.getUserMedia.bind(md);
type Writable = { enumerateDevices: MediaDevices['enumerateDevices']; getUserMedia: MediaDevices['getUserMedia'] };
const writable = md as unknown as Writable;

function fakeInfo(kind: MediaDeviceKind, deviceId: string, label: string): MediaDeviceInfo {
  return { kind, deviceId, label, groupId: '', toJSON: () => ({}) } as MediaDeviceInfo;
}

/** What Chromium lists before permission: one entry per kind, no id, no label. */
const HIDDEN = [
  fakeInfo('audioinput', '', ''),
  fakeInfo('videoinput', '', ''),
  fakeInfo('audiooutput', '', ''),
];

/**
 * Enumerates as a browser does before permission until getUserMedia has been called, then for real.
 * Returns the streams getUserMedia handed out, so tests can check they were stopped.
 */
function fakeNoPermissionYet(): { streams: MediaStream[]; constraints: MediaStreamConstraints[] } {
  const streams: MediaStream[] = [];
  const constraints: MediaStreamConstraints[] = [];
  writable.enumerateDevices = async () => (streams.length ? realEnumerate() : HIDDEN);
  writable.getUserMedia = async (c?: MediaStreamConstraints) => {
    constraints.push(c ?? {});
    const stream = await realGetUserMedia(c);
    streams.push(stream);
    return stream;
  };
  return { streams, constraints };
}

function denyPermission(): void {
  writable.enumerateDevices = async () => HIDDEN;
  writable.getUserMedia = async () => {
    throw new DOMException('Permission denied', 'NotAllowedError');
  };
}

async function realDevices(kind: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
  return (await realEnumerate()).filter((d) => d.kind === kind);
}

function part<T extends Element = HTMLElement>(el: RtcDevicePicker, name: string): T | null {
  return el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);
}

function select(el: RtcDevicePicker, name: 'camera' | 'microphone' | 'speaker'): HTMLSelectElement {
  const found = part<HTMLSelectElement>(el, `${name}-select`);
  if (!found) throw new Error(`no ${name} select`);
  return found;
}

function optionTexts(s: HTMLSelectElement): string[] {
  return [...s.options].map((o) => o.text);
}

/** What a user does: choose an option of a native select. */
function pick(s: HTMLSelectElement, value: string): void {
  s.value = value;
  s.dispatchEvent(new Event('change', { bubbles: true }));
}

function events<T extends Event>(target: EventTarget, name: string): T[] {
  const seen: T[] = [];
  target.addEventListener(name, (e) => seen.push(e as T));
  return seen;
}

async function ready(el: RtcDevicePicker): Promise<RtcDevicePicker> {
  await until(() => el.status === 'ready', 'the picker to list devices by name');
  await el.updateComplete;
  return el;
}

function allEnded(stream: MediaStream | null | undefined): boolean {
  return !!stream && stream.getTracks().every((t) => t.readyState === 'ended');
}

afterEach(() => {
  delete (md as Partial<Writable>).enumerateDevices;
  delete (md as Partial<Writable>).getUserMedia;
  localStorage.removeItem(DEVICES_STORAGE_KEY);
});

describe('core/devices', () => {
  it('lists the fake cameras, microphones and speakers by kind, with their labels', async () => {
    const lists = await listDevices();
    expect(lists.videoinput.map((d) => d.label)).to.deep.equal(['fake_device_0', 'fake_device_1', 'fake_device_2']);
    expect(lists.audioinput.map((d) => d.label)).to.include.members(['Fake Audio Input 1', 'Fake Audio Input 2']);
    expect(lists.audiooutput.map((d) => d.label)).to.include.members(['Fake Audio Output 1', 'Fake Audio Output 2']);
    expect(Object.values(lists).flat().every((d) => d.labelled && d.deviceId)).to.equal(true);
    expect((await listDevices('videoinput')).length).to.equal(3);
    expect(await hasDeviceLabels()).to.equal(true);
  });

  it('names label-less devices from the catalogue before permission', async () => {
    writable.enumerateDevices = async () => [...HIDDEN, fakeInfo('videoinput', '', '')];
    const lists = await listDevices();
    expect(lists.videoinput.map((d) => d.label)).to.deep.equal(['Camera 1', 'Camera 2']);
    expect(lists.audioinput.map((d) => [d.label, d.labelled])).to.deep.equal([['Microphone 1', false]]);
    expect(await hasDeviceLabels()).to.equal(false);
  });

  it('asks permission only for the kinds wanted and stops the temporary tracks at once', async () => {
    const { streams, constraints } = fakeNoPermissionYet();
    await requestDevicePermission(['audiooutput']);
    expect(constraints).to.deep.equal([{ video: false, audio: true }]);
    expect(streams.length).to.equal(1);
    expect(allEnded(streams[0])).to.equal(true);
    await requestDevicePermission();
    expect(constraints[1]).to.deep.equal({ video: true, audio: true });
    expect(allEnded(streams[1])).to.equal(true);
  });

  it('maps a denied permission to RtcError permission-denied', async () => {
    denyPermission();
    const error = await requestDevicePermission().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RtcError);
    expect((error as RtcError).code).to.equal('permission-denied');
    expect((error as RtcError).cause).to.be.instanceOf(DOMException);
  });

  it('stores the choice under rtc-call:devices, merging kinds, and tolerates garbage', () => {
    expect(loadStoredDevices()).to.deep.equal({});
    storeDevices({ videoInput: 'cam-1' });
    storeDevices({ audioInput: 'mic-2', audioOutput: '' });
    expect(JSON.parse(localStorage.getItem(DEVICES_STORAGE_KEY)!)).to.deep.equal({
      videoInput: 'cam-1',
      audioInput: 'mic-2',
      audioOutput: '',
    });
    expect(loadStoredDevices()).to.deep.equal({ videoInput: 'cam-1', audioInput: 'mic-2', audioOutput: '' });
    localStorage.setItem(DEVICES_STORAGE_KEY, '{not json');
    expect(loadStoredDevices()).to.deep.equal({});
    localStorage.setItem(DEVICES_STORAGE_KEY, '["cam"]');
    expect(loadStoredDevices()).to.deep.equal({});
    localStorage.setItem(DEVICES_STORAGE_KEY, JSON.stringify({ videoInput: 42, audioInput: 'mic' }));
    expect(loadStoredDevices()).to.deep.equal({ audioInput: 'mic' });
  });

  it('reports devicechange until unwatched', async () => {
    let calls = 0;
    const stop = watchDeviceChanges(() => calls++);
    md.dispatchEvent(new Event('devicechange'));
    expect(calls).to.equal(1);
    stop();
    md.dispatchEvent(new Event('devicechange'));
    expect(calls).to.equal(1);
  });
});

describe('<rtc-device-picker>', () => {
  it('lists the fake cameras, microphones and speakers by name after permission', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    expect(el.getAttribute('status')).to.equal('ready');
    expect(part(el, 'permission-button')).to.equal(null);
    const labels = [...el.shadowRoot!.querySelectorAll('label')].map((l) => [l.textContent, l.control?.id]);
    expect(labels).to.deep.equal([
      ['Camera', 'camera-select'],
      ['Microphone', 'microphone-select'],
      ['Speaker', 'speaker-select'],
    ]);
    expect(optionTexts(select(el, 'camera'))).to.deep.equal(['Default', 'fake_device_0', 'fake_device_1', 'fake_device_2']);
    // Chromium's `default` alias names the default option instead of appearing twice.
    expect(optionTexts(select(el, 'microphone'))).to.deep.equal([
      'Fake Default Audio Input',
      'Fake Audio Input 1',
      'Fake Audio Input 2',
    ]);
    expect(optionTexts(select(el, 'speaker'))).to.deep.equal([
      'Fake Default Audio Output',
      'Fake Audio Output 1',
      'Fake Audio Output 2',
    ]);
    expect(select(el, 'camera').value).to.equal('');
    await expect(el).to.be.accessible();
  });

  it('shows the Allow button before permission; it asks, stops the temporary tracks and lists names', async () => {
    const { streams } = fakeNoPermissionYet();
    const el = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await until(() => el.status === 'prompt', 'the permission prompt state');
    await el.updateComplete;
    const button = part<HTMLButtonElement>(el, 'permission-button')!;
    expect(button.textContent!.trim()).to.equal('Allow camera and microphone');
    expect(optionTexts(select(el, 'camera'))).to.deep.equal(['Default']);
    await expect(el).to.be.accessible();

    button.click();
    await ready(el);
    expect(streams.length).to.equal(1);
    expect(streams[0]!.getTracks().map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);
    expect(allEnded(streams[0])).to.equal(true);
    expect(part(el, 'permission-button')).to.equal(null);
    expect(optionTexts(select(el, 'camera'))).to.deep.equal(['Default', 'fake_device_0', 'fake_device_1', 'fake_device_2']);
    await expect(el).to.be.accessible();
  });

  it('fires rtc-device-change when the user picks a device, not when the page sets the property', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    const fired = events<RtcDeviceChangeEvent>(document, 'rtc-device-change');
    const [, camera1] = await realDevices('videoinput');
    const mic1 = (await realDevices('audioinput')).find((d) => d.label === 'Fake Audio Input 1')!;

    pick(select(el, 'camera'), camera1!.deviceId);
    pick(select(el, 'microphone'), mic1.deviceId);
    expect(fired.map((e) => e.detail)).to.deep.equal([
      { kind: 'videoinput', deviceId: camera1!.deviceId, label: 'fake_device_1' },
      { kind: 'audioinput', deviceId: mic1.deviceId, label: 'Fake Audio Input 1' },
    ]);
    expect(fired[0]!.composed && fired[0]!.bubbles).to.equal(true);
    expect(el.videoInput).to.equal(camera1!.deviceId);
    expect(el.audioInput).to.equal(mic1.deviceId);

    el.videoInput = '';
    el.audioInput = '';
    await el.updateComplete;
    expect(select(el, 'camera').value).to.equal('');
    el.setAttribute('video-input', camera1!.deviceId);
    await el.updateComplete;
    expect(select(el, 'camera').value).to.equal(camera1!.deviceId);
    expect(fired.length).to.equal(2);
  });

  it('can be operated with the keyboard', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    const fired = events<RtcDeviceChangeEvent>(el, 'rtc-device-change');
    select(el, 'camera').focus();
    expect(el.shadowRoot!.activeElement).to.equal(select(el, 'camera'));
    await sendKeys({ press: 'ArrowDown' });
    await until(() => fired.length === 1, 'a device change from the keyboard');
    expect(fired[0]!.detail).to.include({ kind: 'videoinput', label: 'fake_device_0' });
  });

  it('shows only the requested kinds and ignores unknown ones with one warning', async () => {
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const el = await ready(
        await fixture<RtcDevicePicker>(html`<rtc-device-picker kinds="audioinput bogus-kind"></rtc-device-picker>`),
      );
      el.kinds = 'bogus-kind audioinput audiooutput';
      await el.updateComplete;
      expect(part(el, 'camera-select')).to.equal(null);
      expect(part(el, 'microphone-select')).to.not.equal(null);
      expect(part(el, 'speaker-select')).to.not.equal(null);
      expect(warnings.filter((w) => String(w[0]).includes('bogus-kind')).length).to.equal(1);
    } finally {
      console.warn = warn;
    }
  });

  it('persist writes rtc-call:devices and a fresh element restores it', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker persist></rtc-device-picker>`));
    const [, camera1] = await realDevices('videoinput');
    const out2 = (await realDevices('audiooutput')).find((d) => d.label === 'Fake Audio Output 2')!;
    pick(select(el, 'camera'), camera1!.deviceId);
    pick(select(el, 'speaker'), out2.deviceId);
    expect(JSON.parse(localStorage.getItem(DEVICES_STORAGE_KEY)!)).to.deep.equal({
      videoInput: camera1!.deviceId,
      audioOutput: out2.deviceId,
    });
    el.remove();

    const fresh = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker persist></rtc-device-picker>`));
    expect(fresh.videoInput).to.equal(camera1!.deviceId);
    expect(fresh.audioOutput).to.equal(out2.deviceId);
    expect(select(fresh, 'camera').value).to.equal(camera1!.deviceId);
    expect(select(fresh, 'speaker').value).to.equal(out2.deviceId);

    const forgetful = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    expect(forgetful.videoInput).to.equal('');
  });

  it('re-enumerates on devicechange', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    const real = await realEnumerate();
    writable.enumerateDevices = async () => [...real, fakeInfo('videoinput', 'usb-cam', 'USB Camera')];
    md.dispatchEvent(new Event('devicechange'));
    await until(() => optionTexts(select(el, 'camera')).includes('USB Camera'), 'the new camera to be listed');
    expect(optionTexts(select(el, 'camera'))).to.deep.equal(['Default', 'fake_device_0', 'fake_device_1', 'fake_device_2', 'USB Camera']);
  });

  it('falls back to the default with a notice when the chosen device disappears', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    const fired = events<RtcDeviceChangeEvent>(el, 'rtc-device-change');
    const [, camera1] = await realDevices('videoinput');
    pick(select(el, 'camera'), camera1!.deviceId);
    await el.updateComplete;
    const notice = part(el, 'notice')!;
    expect(notice.textContent).to.equal('');
    expect(notice.getAttribute('aria-live')).to.equal('polite');

    const real = await realEnumerate();
    writable.enumerateDevices = async () => real.filter((d) => d.deviceId !== camera1!.deviceId);
    md.dispatchEvent(new Event('devicechange'));
    await until(() => el.videoInput === '', 'the fallback to the default camera');
    await el.updateComplete;
    expect(select(el, 'camera').value).to.equal('');
    expect(optionTexts(select(el, 'camera'))).to.deep.equal(['Default', 'fake_device_0', 'fake_device_2']);
    expect(notice.textContent).to.equal('fake_device_1 was disconnected; using the default device.');
    expect(notice.checkVisibility()).to.equal(true);
    expect(fired.length).to.equal(1);
  });

  it('shows a notice and fires rtc-error when permission is denied', async () => {
    denyPermission();
    const el = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await until(() => el.status === 'prompt', 'the permission prompt state');
    await el.updateComplete;
    const errors = events<RtcErrorEvent>(document, 'rtc-error');
    part<HTMLButtonElement>(el, 'permission-button')!.click();
    await until(() => errors.length === 1, 'rtc-error');
    expect(errors[0]!.detail).to.be.instanceOf(RtcError);
    expect(errors[0]!.detail.code).to.equal('permission-denied');
    await el.updateComplete;
    expect(part(el, 'notice')!.textContent).to.equal(en.errors['permission-denied']);
    expect(part(el, 'permission-button')).to.not.equal(null);
    expect(el.status).to.equal('prompt');
    await expect(el).to.be.accessible();
  });

  it('previews the camera and microphone, and releases them on removal', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker preview></rtc-device-picker>`));
    const video = part<HTMLVideoElement>(el, 'preview-video')!;
    await until(() => video.srcObject, 'the preview stream');
    const stream = video.srcObject as MediaStream;
    expect(stream.getTracks().map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);
    await framesAdvance(video, 5);
    const meter = part<HTMLMeterElement>(el, 'meter')!;
    await until(() => meter.value > 0, 'the level meter to move with the fake beeps');
    await expect(el).to.be.accessible();

    el.remove();
    await until(() => allEnded(stream), 'the preview tracks to end after removal');
  });

  it('reopens the preview on another device and stops it when preview is turned off', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker preview></rtc-device-picker>`));
    const video = part<HTMLVideoElement>(el, 'preview-video')!;
    await until(() => video.srcObject, 'the preview stream');
    const first = video.srcObject as MediaStream;
    const [camera0, camera1] = await realDevices('videoinput');
    expect(first.getVideoTracks()[0]!.getSettings().deviceId).to.equal(camera0!.deviceId);

    pick(select(el, 'camera'), camera1!.deviceId);
    await until(() => video.srcObject && video.srcObject !== first, 'a new preview stream');
    const second = video.srcObject as MediaStream;
    expect(second.getVideoTracks()[0]!.getSettings().deviceId).to.equal(camera1!.deviceId);
    expect(allEnded(first)).to.equal(true);
    await framesAdvance(video, 3);

    el.preview = false;
    await until(() => allEnded(second), 'the preview tracks to end when preview is turned off');
    await el.updateComplete;
    expect(part(el, 'preview-video')).to.equal(null);
  });

  it('reopens the preview when its camera ends (unplugged, revoked)', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker preview></rtc-device-picker>`));
    const video = part<HTMLVideoElement>(el, 'preview-video')!;
    await until(() => video.srcObject, 'the preview stream');
    const first = video.srcObject as MediaStream;
    const track = first.getVideoTracks()[0]!;
    // What the browser does when a device goes away: the track ends and fires `ended`.
    track.stop();
    track.dispatchEvent(new Event('ended'));
    await until(() => video.srcObject && video.srcObject !== first, 'a reopened preview');
    await framesAdvance(video, 3);
    expect(allEnded(first)).to.equal(true);
  });

  it('shows a notice and fires rtc-error when the preview cannot open a device', async () => {
    writable.getUserMedia = async () => {
      throw new DOMException('Could not start video source', 'NotReadableError');
    };
    const errors = events<RtcErrorEvent>(document, 'rtc-error');
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker preview></rtc-device-picker>`));
    await until(() => errors.length === 1, 'rtc-error');
    expect(errors[0]!.detail.code).to.equal('device-in-use');
    await el.updateComplete;
    expect(part(el, 'notice')!.textContent).to.equal(en.errors['device-in-use']);
    expect(part<HTMLVideoElement>(el, 'preview-video')!.srcObject).to.equal(null);
  });

  it('keeps the preview through a DOM move', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker preview></rtc-device-picker>`));
    const video = part<HTMLVideoElement>(el, 'preview-video')!;
    await until(() => video.srcObject, 'the preview stream');
    const stream = video.srcObject as MediaStream;
    const other = document.createElement('div');
    el.parentElement!.append(other);
    other.append(el);
    await framesAdvance(video, 3);
    expect(allEnded(stream)).to.equal(false);
    expect(video.srcObject).to.equal(stream);
  });

  it('stops listening for device changes after removal', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`));
    let enumerations = 0;
    writable.enumerateDevices = async () => {
      enumerations++;
      return realEnumerate();
    };
    md.dispatchEvent(new Event('devicechange'));
    expect(enumerations).to.equal(1);
    el.remove();
    md.dispatchEvent(new Event('devicechange'));
    expect(enumerations).to.equal(1);
  });

  it('speaks German with lang="de"', async () => {
    const el = await ready(await fixture<RtcDevicePicker>(html`<rtc-device-picker lang="de"></rtc-device-picker>`));
    const labels = [...el.shadowRoot!.querySelectorAll('label')].map((l) => l.textContent);
    expect(labels).to.deep.equal(['Kamera', 'Mikrofon', 'Lautsprecher']);
    expect(optionTexts(select(el, 'camera'))[0]).to.equal('Standard');
  });
});
