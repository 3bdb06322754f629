// Switching devices inside a live <rtc-call> (issue 6): replaceTrack into every link, no
// renegotiation, no drop; state kept; fallbacks and errors. Chromium's fake devices: three cameras
// (device-count=3), three microphones and three speakers. fake_device_1 is a Y16 depth camera,
// which Chromium's encoder cannot send (a raw RTCPeerConnection stops encoding after replaceTrack
// to it, too), so switches go between fake_device_0 (I420) and fake_device_2 (MJPEG).
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, errorsOf, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { SINK_ID_IN_FIREFOX, needsFakeDevices, skipIn } from './helpers/browser.js';
import { framesAdvance, peakAudioLevel, until } from './helpers/media.js';

async function devices(kind: MediaDeviceKind): Promise<MediaDeviceInfo[]> {
  const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  s.getTracks().forEach((t) => t.stop());
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind && d.deviceId !== 'default');
}

function localTrack(el: RtcCall, kind: 'audio' | 'video'): MediaStreamTrack {
  const stream = el.participants[0]!.stream!;
  return (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0]!;
}

describe('<rtc-call> device switching mid-call', () => {
  const made: RtcCall[] = [];
  const restore: (() => void)[] = [];
  async function pair() {
    const room = uniqueRoom('dev');
    const a = await createCall({ room, name: 'Ann', autojoin: true });
    const b = await createCall({ room, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    return { a, b };
  }
  afterEach(async () => {
    restore.splice(0).reverse().forEach((r) => r());
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
    localStorage.removeItem('rtc-call:devices');
  });

  it('switches the camera: the old track ends, the other side keeps seeing frames, same connection', async function () {
    needsFakeDevices(this, 'videoinput', 3);
    const cameras = await devices('videoinput');
    expect(cameras.length).to.be.at.least(2);
    const { a, b } = await pair();
    const pcsBefore = openPeerConnections();
    const old = localTrack(a, 'video');
    const target = cameras.find((c) => c.label === 'fake_device_2')!;
    expect(old.label).to.not.equal(target.label);
    await a.setDevices({ videoInput: target.deviceId });
    const next = localTrack(a, 'video');
    expect(next.label).to.equal(target.label);
    expect(old.readyState).to.equal('ended');
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    expect(openPeerConnections()).to.deep.equal(pcsBefore);
    expect(a.state).to.equal('connected');
  });

  it('switches the microphone and keeps it muted; audio flows again after unmuting', async function () {
    needsFakeDevices(this, 'audioinput', 2);
    const mics = await devices('audioinput');
    const { a, b } = await pair();
    await a.toggleMic(false);
    const old = localTrack(a, 'audio');
    const target = mics.find((m) => m.label !== old.label)!;
    await a.setDevices({ audioInput: target.deviceId });
    const next = localTrack(a, 'audio');
    expect(next.label).to.equal(target.label);
    expect(next.enabled).to.equal(false);
    expect(old.readyState).to.equal('ended');
    expect(a.participants[0]!.micEnabled).to.equal(false);
    await until(() => b.participants[1]?.micEnabled === false, 'still muted for Bob');
    await a.toggleMic(true);
    expect(await peakAudioLevel(b.participants[1]!.stream!)).to.be.greaterThan(0.01);
  });

  it('falls back to the other camera when the camera in use ends, with a notice and rtc-error', async function () {
    needsFakeDevices(this, 'videoinput', 3);
    const cameras = await devices('videoinput');
    const { a, b } = await pair();
    await a.setDevices({ videoInput: cameras.find((c) => c.label === 'fake_device_2')!.deviceId });
    const old = localTrack(a, 'video');
    expect(old.label).to.equal('fake_device_2');
    old.stop();
    old.dispatchEvent(new Event('ended')); // what the browser fires when a device is unplugged
    await until(() => localTrack(a, 'video') && localTrack(a, 'video') !== old && localTrack(a, 'video').readyState === 'live', 'a new camera track');
    expect(localTrack(a, 'video').label).to.not.equal(old.label);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    expect(errorsOf(a).map((e) => e.code)).to.include('device-not-found');
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="notice"][data-code="device-not-found"]')).to.exist;
    expect(a.state).to.equal('connected');
  });

  it('a device that fails to open leaves the old one working, with an error', async function () {
    needsFakeDevices(this, 'videoinput', 2);
    const cameras = await devices('videoinput');
    const { a, b } = await pair();
    const old = localTrack(a, 'video');
    const target = cameras.find((c) => c.label !== old.label)!;
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = (c) => {
      const wanted = (c?.video as MediaTrackConstraints | undefined)?.deviceId as { exact?: string } | undefined;
      if (wanted?.exact === target.deviceId) return Promise.reject(new DOMException('busy', 'NotReadableError'));
      return original.call(navigator.mediaDevices, c);
    };
    restore.push(() => (navigator.mediaDevices.getUserMedia = original));
    await a.setDevices({ videoInput: target.deviceId });
    expect(errorsOf(a).map((e) => e.code)).to.include('device-in-use');
    expect(localTrack(a, 'video')).to.equal(old);
    expect(old.readyState).to.equal('live');
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
  });

  it('uses the choice a device-check page stored under rtc-call:devices', async function () {
    needsFakeDevices(this, 'videoinput', 3);
    const cameras = await devices('videoinput');
    const second = cameras.find((c) => c.label === 'fake_device_2')!;
    localStorage.setItem('rtc-call:devices', JSON.stringify({ videoInput: second.deviceId }));
    const { a, b } = await pair();
    expect(localTrack(a, 'video').label).to.equal(second.label);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
  });

  it('applies the speaker to every remote tile', async function () {
    skipIn(this, 'firefox', SINK_ID_IN_FIREFOX);
    const speakers = await devices('audiooutput');
    const { a } = await pair();
    const target = speakers[speakers.length - 1]!;
    await a.setDevices({ audioOutput: target.deviceId });
    const tile = await remoteTile(a, 'Bob');
    await until(() => (videoOf(tile) as HTMLVideoElement & { sinkId: string }).sinkId === target.deviceId, 'sinkId applied');
  });

  it('the settings panel in the bar holds a device picker; accessible', async () => {
    const { a } = await pair();
    a.shadowRoot!.querySelector<HTMLButtonElement>('[part="settings-button"]')!.click();
    await a.updateComplete;
    const picker = a.shadowRoot!.querySelector('[part="settings"] rtc-device-picker');
    expect(picker).to.exist;
    await expect(a).to.be.accessible();
  });
});
