import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcParticipantLeftEvent } from '../../src/events/participant-left.js';
import {
  allConnected,
  createCall,
  liveCapturedTracks,
  openPeerConnections,
  remoteTile,
  tilesOf,
  uniqueRoom,
  videoOf,
} from './helpers/call.js';
import { framesAdvance, peakAudioLevel, until } from './helpers/media.js';

describe('<rtc-call> calls', () => {
  let calls: RtcCall[] = [];
  async function call(room: string, name: string, attrs: Record<string, string | boolean> = {}, autojoin = true) {
    const el = await createCall({ room, name, autojoin, attrs });
    calls.push(el);
    return el;
  }
  afterEach(async () => {
    await Promise.all(calls.map((c) => c.leave()));
    calls.forEach((c) => c.remove());
    calls = [];
    await until(() => openPeerConnections().length === 0, 'no open peer connection after the test');
  });

  it('two elements in one page call each other: frames and audio in both directions', async () => {
    const room = uniqueRoom();
    const a = await call(room, 'Ann');
    await until(() => a.state === 'connected', 'Ann connected');
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    expect(await peakAudioLevel(a.participants[1]!.stream!)).to.be.greaterThan(0.01);
    expect(await peakAudioLevel(b.participants[1]!.stream!)).to.be.greaterThan(0.01);
    // Exactly one tile and one <video> per participant; our own is mirrored-local and silent.
    expect(tilesOf(a)).to.have.length(2);
    const own = tilesOf(a).find((t) => t.local)!;
    expect(videoOf(own).muted).to.equal(true);
    expect(a.shadowRoot!.querySelectorAll('rtc-video-tile[part~="tile"]').length, 'the stage and the corner: one tile each').to.equal(2);
    await expect(a).to.be.accessible();
  });

  it('three elements form a mesh: frames advance in every remote tile', async function () {
    this.timeout(60_000);
    const room = uniqueRoom('three');
    const a = await call(room, 'Ann');
    const b = await call(room, 'Bob');
    const c = await call(room, 'Cleo');
    await allConnected([a, b, c], 3, 30_000);
    for (const [el, names] of [[a, ['Bob', 'Cleo']], [b, ['Ann', 'Cleo']], [c, ['Ann', 'Bob']]] as const) {
      for (const name of names) await framesAdvance(videoOf(await remoteTile(el, name)), 3);
    }
    expect(openPeerConnections()).to.have.length(6);
  });

  it('two elements joining in the same tick find each other', async () => {
    const room = uniqueRoom('tick');
    const a = await call(room, 'Ann', {}, false);
    const b = await call(room, 'Bob', {}, false);
    await Promise.all([a.join(), b.join()]);
    await allConnected([a, b], 2);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
  });

  it('mic and camera state reach the others; camera off ends the local video track and releases the device', async () => {
    const room = uniqueRoom('state');
    const a = await call(room, 'Ann');
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    const micEvents: boolean[] = [];
    a.addEventListener('rtc-mic-change', (e) => micEvents.push(e.detail.enabled));
    await a.toggleMic(false);
    expect(micEvents).to.deep.equal([false]);
    await until(() => b.participants[1]?.micEnabled === false, 'Bob sees Ann muted');
    const annAtBob = await remoteTile(b, 'Ann');
    await until(() => annAtBob.micOff, 'the tile shows mic off');

    const videoTrack = a.participants[0]!.stream!.getVideoTracks()[0]!;
    await a.toggleCamera(false);
    expect(videoTrack.readyState).to.equal('ended');
    expect(a.participants[0]!.cameraEnabled).to.equal(false);
    await until(() => b.participants[1]?.cameraEnabled === false, 'Bob sees Ann camera off');
    await until(() => annAtBob.cameraOff, 'the tile shows the placeholder');

    await a.toggleMic(true);
    await a.toggleCamera(true);
    await until(() => b.participants[1]?.micEnabled && b.participants[1]?.cameraEnabled, 'Bob sees Ann back');
    await framesAdvance(videoOf(annAtBob), 5);
  });

  it('joining with camera-off, then turning the camera on: the others see frames', async () => {
    const room = uniqueRoom('camoff');
    const a = await call(room, 'Ann', { 'camera-off': true });
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    expect(liveCapturedTracks().filter((t) => t.kind === 'video')).to.have.length(1); // only Bob's camera
    // Ann's state message follows her connection by a moment (her camera reads as on until then).
    await until(() => b.participants[1]?.cameraEnabled === false, 'Bob sees Ann camera off');
    await a.toggleCamera(true);
    await until(() => b.participants[1]?.cameraEnabled, 'Bob sees Ann camera on');
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
  });

  it('a hang-up reaches the others as left; removal leaves no live track and no open connection', async () => {
    const room = uniqueRoom('bye');
    const a = await call(room, 'Ann');
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    const left: string[] = [];
    b.addEventListener('rtc-participant-left', (e: RtcParticipantLeftEvent) => left.push(e.detail.reason));
    await a.leave();
    expect(a.state).to.equal('left');
    await until(() => left.length === 1, 'Bob sees Ann leave');
    expect(left).to.deep.equal(['left']);
    b.remove();
    await until(() => b.state === 'left', 'removal hangs up');
    await until(() => openPeerConnections().length === 0, 'all peer connections closed');
    expect(liveCapturedTracks()).to.have.length(0);
  });

  it('a DOM move (remove and insert in the same task) does not hang up', async () => {
    const room = uniqueRoom('move');
    const a = await call(room, 'Ann');
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    const box = document.createElement('div');
    document.body.append(box);
    box.append(a); // moves it: disconnected and connected in one task
    await new Promise((r) => setTimeout(r, 50));
    expect(a.state).to.equal('connected');
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    box.remove();
  });

  it('the leave button asks first (rtc-leave-request, cancelable); the display name change is announced', async () => {
    const room = uniqueRoom('ask');
    const a = await call(room, 'Ann');
    const b = await call(room, 'Bob');
    await allConnected([a, b], 2);
    let asked = 0;
    const keep = (e: Event) => {
      asked++;
      e.preventDefault();
    };
    a.addEventListener('rtc-leave-request', keep);
    a.shadowRoot!.querySelector<HTMLButtonElement>('[part="leave-button"]')!.click();
    expect(asked).to.equal(1);
    expect(a.state).to.equal('connected');
    a.removeEventListener('rtc-leave-request', keep);

    a.displayName = 'Ann Smith';
    await until(() => b.participants[1]?.displayName === 'Ann Smith', 'Bob sees the new name');

    a.shadowRoot!.querySelector<HTMLButtonElement>('[part="leave-button"]')!.click();
    await until(() => a.state === 'left', 'left after an unprevented request');
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="rejoin-button"]')).to.exist;
    await expect(a).to.be.accessible();
  });

  it('pre-join view: self-preview, name, toggles and Join; accessible', async () => {
    const room = uniqueRoom('pre');
    const a = await call(room, 'Ann', {}, false);
    const prejoin = a.shadowRoot!.querySelector('[part="prejoin"]');
    expect(prejoin).to.exist;
    const preview = a.shadowRoot!.querySelector<HTMLElement & { stream: MediaStream | null }>('[part="preview"]')!;
    await until(() => preview.stream, 'a live self-preview');
    await framesAdvance(videoOf(preview as never), 3);
    await expect(a).to.be.accessible();
    const input = a.shadowRoot!.querySelector<HTMLInputElement>('[part="name-input"]')!;
    input.value = 'Annie';
    a.shadowRoot!.querySelector<HTMLButtonElement>('[part="join-button"]')!.click();
    await until(() => a.state === 'connected', 'joined from the pre-join view');
    expect(a.participants[0]!.displayName).to.equal('Annie');
  });

  it('sends a page-provided localStream instead of capturing, and never stops its tracks', async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 180;
    const ctx = canvas.getContext('2d')!;
    let n = 0;
    const paint = setInterval(() => {
      ctx.fillStyle = `hsl(${(n += 20) % 360} 80% 50%)`;
      ctx.fillRect(0, 0, 320, 180);
    }, 40);
    const provided = canvas.captureStream(25);
    try {
      const room = uniqueRoom('provided');
      const a = await createCall({ room, name: 'Ann', attrs: {} });
      calls.push(a);
      a.localStream = provided;
      await a.join();
      const b = await call(room, 'Bob', { 'audio-only': true });
      await allConnected([a, b], 2);
      expect(liveCapturedTracks().filter((t) => t.kind === 'video')).to.have.length(0);
      await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
      await a.leave();
      expect(provided.getVideoTracks()[0]!.readyState).to.equal('live');
    } finally {
      clearInterval(paint);
      provided.getTracks().forEach((t) => t.stop());
    }
  });

  it('changing the room during a call leaves it and, with autojoin, joins the new room', async () => {
    const first = uniqueRoom('first');
    const second = uniqueRoom('second');
    const a = await call(first, 'Ann');
    const b = await call(second, 'Bob');
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected');
    const reasons: string[] = [];
    a.addEventListener('rtc-left', (e) => reasons.push(e.detail.reason));
    a.room = second;
    await allConnected([a, b], 2);
    expect(reasons).to.deep.equal(['reconfigured']);
  });

  it('announces joins and leaves in an aria-live region', async () => {
    const room = uniqueRoom('live');
    const a = await call(room, 'Ann');
    await until(() => a.state === 'connected', 'Ann connected');
    await a.updateComplete;
    // Every text the region was given, as a screen reader hears it: a later announcement (Bob's
    // first state message comes a moment after his connection, sooner in one browser than the
    // other) may replace one between two polls.
    const live = a.shadowRoot!.querySelector('[aria-live="polite"]')!;
    const heard: string[] = [];
    const observer = new MutationObserver(() => live.textContent && heard.push(live.textContent));
    observer.observe(live, { childList: true, characterData: true, subtree: true });
    try {
      const b = await call(room, 'Bob');
      await allConnected([a, b], 2);
      await until(() => heard.some((t) => t.includes('Bob joined')), `announcement of Bob (heard ${JSON.stringify(heard)})`);
      await b.leave();
      await until(() => heard.some((t) => t.includes('Bob left')), `announcement of Bob leaving (heard ${JSON.stringify(heard)})`);
    } finally {
      observer.disconnect();
    }
  });
});
