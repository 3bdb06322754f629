// Every RtcError code from its real condition: a dead port, a full room, bad tokens, a foreign
// origin, a vanished member; and, for devices and environment, a fake at that boundary only.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcError } from '../../src/core/errors.js';
import { createCall, errorsOf, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

/** Joins and returns the rejection together with the rtc-error events seen. */
async function joinExpectingFailure(el: RtcCall): Promise<{ rejection: RtcError; events: RtcError[] }> {
  const events: RtcError[] = [];
  el.addEventListener('rtc-error', (e) => events.push(e.detail));
  let rejection: RtcError | undefined;
  await el.join().catch((e: RtcError) => (rejection = e));
  if (!rejection) throw new Error('join() resolved; expected a rejection');
  return { rejection, events };
}

function shownError(el: RtcCall): string {
  return el.shadowRoot?.querySelector('[part="ended"] .reason')?.getAttribute('data-code') ?? '';
}

describe('<rtc-call> errors from real conditions', () => {
  const { call, cleanup } = trackedCalls();
  afterEach(cleanup);

  it('signaling-unreachable: a dead port fails within 10 s', async () => {
    const port = await command<number>('free-port');
    const el = await call({ room: uniqueRoom(), server: `http://127.0.0.1:${port}` });
    const t0 = performance.now();
    const { rejection, events } = await joinExpectingFailure(el);
    expect(rejection.code).to.equal('signaling-unreachable');
    expect(rejection.fatal).to.equal(true);
    expect(performance.now() - t0).to.be.below(10_000);
    expect(events[events.length - 1]).to.equal(rejection);
    expect(el.state).to.equal('failed');
    expect(el.error).to.equal(rejection);
    await el.updateComplete;
    expect(shownError(el)).to.equal('signaling-unreachable');
    await expect(el).to.be.accessible();
  });

  it('not-an-rtc-call-server: without `server` the npm build asks the page origin, here the test runner', async () => {
    const errors: string[] = [];
    const realError = console.error;
    console.error = (...args: unknown[]) => { errors.push(args.join(' ')); realError(...args); };
    try {
      const el = await call({ room: uniqueRoom(), server: '' });
      const { rejection } = await joinExpectingFailure(el);
      expect(rejection.code).to.equal('not-an-rtc-call-server');
      expect(rejection.message).to.contain(`${location.origin} is not an rtc-call server`);
      expect(errors.some((e) => e.startsWith('rtc-call: ') && e.includes('server` attribute'))).to.equal(true);
      await el.updateComplete;
      expect(shownError(el)).to.equal('not-an-rtc-call-server');
    } finally {
      console.error = realError;
    }
  });

  it('room-full: the seventh participant of a six-seat room, here the second of one seat', async () => {
    const server = await rtcServer('one-seat', { maxParticipants: 1 });
    const room = uniqueRoom();
    const first = await call({ room, server, name: 'First' });
    await first.join();
    const second = await call({ room, server, name: 'Second' });
    const { rejection } = await joinExpectingFailure(second);
    expect(rejection.code).to.equal('room-full');
    expect(first.state).to.equal('connected');
  });

  it('unauthorized, wrong-room: room tokens checked by the server', async () => {
    const secret = 'test-room-secret-0123456789abcdef';
    const server = await rtcServer('tokens', { roomSecret: secret });
    const room = uniqueRoom();
    const noToken = await call({ room, server });
    expect((await joinExpectingFailure(noToken)).rejection.code).to.equal('unauthorized');

    const forged = await command<string>('rtc-sign-room-token', { secret: 'another-secret-0123456789abcdef', room, name: 'Eve', role: 'host', ttl: 600 });
    const eve = await call({ room, server, attrs: { token: forged } });
    expect((await joinExpectingFailure(eve)).rejection.code).to.equal('unauthorized');

    const otherRoom = await command<string>('rtc-sign-room-token', { secret, room: `${room}-x`, name: 'Ann', role: 'guest', ttl: 600 });
    const ann = await call({ room, server, attrs: { token: otherRoom } });
    expect((await joinExpectingFailure(ann)).rejection.code).to.equal('wrong-room');

    const good = await command<string>('rtc-sign-room-token', { secret, room, name: 'Dr. Rivera', role: 'host', ttl: 600 });
    const doctor = await call({ room, server, name: 'Impostor', attrs: { token: good } });
    await doctor.join();
    // The token's name and role win over the attribute.
    expect(doctor.participants[0]).to.include({ displayName: 'Dr. Rivera', role: 'host' });
  });

  it('origin-not-allowed: this page is not in RTC_ALLOWED_ORIGINS', async () => {
    const server = await rtcServer('foreign', { allowedOrigins: ['https://clinic.example'] });
    const el = await call({ room: uniqueRoom(), server });
    expect((await joinExpectingFailure(el)).rejection.code).to.equal('origin-not-allowed');
  });

  it('invalid-room and invalid-name', async () => {
    const bad = await call({ room: 'no spaces allowed!' });
    expect((await joinExpectingFailure(bad)).rejection.code).to.equal('invalid-room');
    const longName = await call({ room: uniqueRoom(), name: 'x'.repeat(65) });
    expect((await joinExpectingFailure(longName)).rejection.code).to.equal('invalid-name');
  });

  it('rate-limited: too many joins from one address', async () => {
    const server = await rtcServer('limited', { joinRateLimit: 1 });
    const a = await call({ room: uniqueRoom(), server });
    await a.join();
    const b = await call({ room: uniqueRoom(), server });
    expect((await joinExpectingFailure(b)).rejection.code).to.equal('rate-limited');
  });

  it('peer-unavailable: a member who joined but never opened its socket', async () => {
    const server = await rtcServer();
    const room = uniqueRoom();
    // A join through the API only: the member exists in the roster but never connects.
    const res = await fetch(`${server}/api/rooms/${room}/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Ghost' }),
    });
    expect(res.status).to.equal(200);
    const el = await call({ room, server, name: 'Ann' });
    const errors: RtcError[] = [];
    el.addEventListener('rtc-error', (e) => errors.push(e.detail));
    await el.join();
    await until(() => errors.find((e) => e.code === 'peer-unavailable'), 'peer-unavailable', 20_000);
    expect(el.state).to.equal('connected');
    await until(() => el.participants.length === 1, 'the ghost dropped');
  });
});

describe('<rtc-call> device and environment errors (faked at the boundary)', () => {
  const restore: (() => void)[] = [];
  const made: RtcCall[] = [];
  afterEach(async () => {
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
    restore.splice(0).reverse().forEach((r) => r());
  });

  function fakeGetUserMedia(impl: (c?: MediaStreamConstraints) => Promise<MediaStream>) {
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = impl;
    restore.push(() => (navigator.mediaDevices.getUserMedia = original));
  }

  function rejectWith(name: string) {
    fakeGetUserMedia(() => Promise.reject(new DOMException('faked', name)));
  }

  for (const [name, code] of [
    ['NotAllowedError', 'permission-denied'],
    ['NotFoundError', 'device-not-found'],
    ['NotReadableError', 'device-in-use'],
  ] as const) {
    it(`${code}: ${name} → the call goes on receive-only with a notice`, async () => {
      rejectWith(name);
      const el = await createCall({ room: uniqueRoom() });
      made.push(el);
      const errors = errorsOf(el);
      await el.join();
      expect(el.state).to.equal('connected');
      expect(errors.map((e) => e.code)).to.include(code);
      expect(errors.every((e) => !e.fatal)).to.equal(true);
      expect(el.participants[0]).to.include({ micEnabled: false, cameraEnabled: false });
      await el.updateComplete;
      const notice = el.shadowRoot!.querySelector(`[part="notice"][data-code="${code}"]`);
      expect(notice, 'visible notice').to.exist;
      await expect(el).to.be.accessible();
    });
  }

  it('insecure-context: http on a non-localhost origin', async () => {
    const desc = Object.getOwnPropertyDescriptor(window, 'isSecureContext')!;
    Object.defineProperty(window, 'isSecureContext', { configurable: true, get: () => false });
    restore.push(() => Object.defineProperty(window, 'isSecureContext', desc));
    const el = await createCall({ room: uniqueRoom() });
    made.push(el);
    const errors = errorsOf(el);
    await el.join();
    expect(errors.map((e) => e.code)).to.include('insecure-context');
  });

  it('blocked-by-permissions-policy: an iframe without allow="camera; microphone"', async () => {
    const doc = document as Document & { featurePolicy?: unknown };
    const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'featurePolicy');
    Object.defineProperty(document, 'featurePolicy', { configurable: true, value: { allowsFeature: () => false } });
    restore.push(() => {
      delete (doc as { featurePolicy?: unknown }).featurePolicy;
      if (desc) Object.defineProperty(Document.prototype, 'featurePolicy', desc);
    });
    const el = await createCall({ room: uniqueRoom() });
    made.push(el);
    const errors = errorsOf(el);
    await el.join();
    expect(errors.map((e) => e.code)).to.include('blocked-by-permissions-policy');
  });

  it('not-supported: no navigator.mediaDevices', async () => {
    const desc = Object.getOwnPropertyDescriptor(Navigator.prototype, 'mediaDevices')!;
    Object.defineProperty(Navigator.prototype, 'mediaDevices', { configurable: true, get: () => undefined });
    restore.push(() => Object.defineProperty(Navigator.prototype, 'mediaDevices', desc));
    const el = await createCall({ room: uniqueRoom() });
    made.push(el);
    const errors = errorsOf(el);
    await el.join();
    expect(errors.map((e) => e.code)).to.include('not-supported');
    expect(el.state).to.equal('connected');
  });
});
