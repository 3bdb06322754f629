// Layouts, fitting the page, and the active speaker, as a person sees them: where each tile is,
// how big, whether the controls are on screen at 1280×800 and 390×844, and who is promoted to
// the stage by sustained speech (page-provided WebAudio voices; the fake microphone's beeps would
// look like a cough — ENVIRONMENT-NOTES).
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcVideoTile } from '../../src/components/video-tile/video-tile.js';
import { allConnected, tilesOf, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';

const q = (el: RtcCall, sel: string) => el.shadowRoot!.querySelector<HTMLElement>(sel);
const names = (root: Element | null) => [...(root?.querySelectorAll<RtcVideoTile>('rtc-video-tile') ?? [])].map((t) => t.displayName);
const box = (node: Element) => node.getBoundingClientRect();

/** A voice the page hands the element as its microphone: a tone switched on and off on demand. */
function voice(): { stream: MediaStream; on(): void; off(): void; stop(): void } {
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = 220;
  const gain = ctx.createGain();
  gain.gain.value = 0;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 180;
  const paint = setInterval(() => canvas.getContext('2d')!.fillRect(0, 0, Math.random() * 320, 180), 100);
  const video = canvas.captureStream(10).getVideoTracks()[0]!;
  return {
    stream: new MediaStream([dest.stream.getAudioTracks()[0]!, video]),
    on: () => gain.gain.setValueAtTime(0.5, ctx.currentTime),
    off: () => gain.gain.setValueAtTime(0, ctx.currentTime),
    stop: () => { clearInterval(paint); video.stop(); void ctx.close(); },
  };
}

describe('<rtc-call> layouts, fit and active speaker', function () {
  this.timeout(90_000);
  const calls = trackedCalls();
  afterEach(async () => {
    await calls.cleanup();
    await setViewport({ width: 800, height: 600 });
  });

  it('auto: alone — a grid of one with "Copy invite link"; 1:1 — the other on the stage, you small in a corner; three — a grid; pin and unpin', async () => {
    const room = uniqueRoom('layout');
    const a = await calls.call({ room, name: 'Ann', autojoin: true, attrs: { 'invite-url': `https://clinic.example/visit/${room}` } });
    await until(() => a.state === 'connected', 'Ann connected');
    await a.updateComplete;
    expect(names(q(a, '[part="grid"]'))).to.deep.equal(['Ann']);
    expect(q(a, '.alone')!.textContent).to.contain('Waiting for others to join');
    const copied: string[] = [];
    const clip = navigator.clipboard;
    const realWrite = clip.writeText;
    clip.writeText = async (text: string) => { copied.push(text); };
    try {
      q(a, '[part="invite-button"]')!.click();
      await until(() => copied.length === 1, 'the link copied');
    } finally {
      clip.writeText = realWrite;
    }
    expect(copied).to.deep.equal([`https://clinic.example/visit/${room}`]);
    await a.updateComplete;
    expect(q(a, '[part="invite-button"]')!.textContent).to.contain('Invite link copied');
    await expect(a).to.be.accessible();

    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2);
    await a.updateComplete;
    expect(q(a, '[part="grid"]')).to.equal(null);
    expect(names(q(a, '[part="stage"]'))).to.deep.equal(['Bob']);
    expect(names(q(a, '[part="filmstrip"]'))).to.deep.equal(['Ann']);
    expect(q(a, '.layout')!.classList.contains('corner')).to.equal(true);
    const stage = box(q(a, '[part="stage"] rtc-video-tile')!);
    const self = box(q(a, '[part="filmstrip"] rtc-video-tile')!);
    expect(self.width * 3, 'the self view is small').to.be.below(stage.width);
    // Every control has an accessible name and the same visible tooltip.
    const buttons = [...a.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="controls"] button')];
    expect(buttons.length).to.be.at.least(4);
    for (const button of buttons) {
      expect(button.title, button.outerHTML.slice(0, 80)).to.not.equal('');
      expect(button.getAttribute('aria-label') ?? button.textContent!.trim()).to.equal(button.title);
    }
    expect(self.right <= stage.right + 1 && self.bottom <= stage.bottom + 1 && self.left >= stage.left, 'inside a corner of the stage').to.equal(true);
    await expect(a).to.be.accessible();

    // Pinning yourself puts you on the stage; unpin goes back.
    a.pin(a.participants[0]!.id);
    await a.updateComplete;
    expect(names(q(a, '[part="stage"]'))).to.deep.equal(['Ann']);
    a.unpin();
    await a.updateComplete;
    expect(names(q(a, '[part="stage"]'))).to.deep.equal(['Bob']);

    const c = await calls.call({ room, name: 'Cleo', autojoin: true });
    await allConnected([a, b, c], 3, 30_000);
    await a.updateComplete;
    expect(names(q(a, '[part="grid"]'))).to.deep.equal(['Ann', 'Bob', 'Cleo']);
    expect(q(a, '[part="stage"]')).to.equal(null);
    await expect(a).to.be.accessible();

    // layout="grid": equal tiles, also for two; layout="speaker": a stage and a filmstrip for three.
    a.layout = 'speaker';
    await a.updateComplete;
    expect(names(q(a, '[part="stage"]'))).to.have.length(1);
    expect(names(q(a, '[part="filmstrip"]'))).to.have.length(2);
    await expect(a).to.be.accessible();
    b.layout = 'grid';
    await c.leave();
    await until(() => b.participants.length === 2, 'Cleo gone at Bob’s');
    await b.updateComplete;
    expect(names(q(b, '[part="grid"]'))).to.deep.equal(['Bob', 'Ann']);
  });

  it('a shared screen takes the stage with the cameras in a filmstrip', async () => {
    const room = uniqueRoom('layout-share');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2);
    expect(await a.startScreenShare()).to.equal(true);
    await until(() => q(b, '[part="stage"] [part~="screen-tile"]'), 'the share on Bob’s stage');
    expect(names(q(b, '[part="filmstrip"]'))).to.deep.equal(['Bob', 'Ann']);
    expect(q(b, '.layout')!.classList.contains('corner')).to.equal(false);
    await expect(b).to.be.accessible();
    await a.stopScreenShare();
    await until(() => !q(b, '[part~="screen-tile"]'), 'the share gone');
    await until(() => names(q(b, '[part="stage"]')).join() === 'Ann', 'back to the 1:1');
  });

  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    it(`fits a ${width}×${height} viewport with no size set: Join, and in the call the control bar, fully visible; a set height is filled`, async () => {
      await setViewport({ width, height });
      const room = uniqueRoom('fit');
      const heading = document.createElement('h1');
      heading.textContent = 'A page with a heading above the call';
      document.body.prepend(heading);
      try {
        const a = await calls.call({ room, name: 'Ann' });
        await until(() => a.shadowRoot!.querySelector('[part="preview"]'), 'the pre-join view');
        a.scrollIntoView();
        await new Promise((r) => requestAnimationFrame(r));
        const join = box(q(a, '[part="join-button"]')!);
        expect(join.bottom, `Join button bottom at ${join.bottom}`).to.be.at.most(innerHeight);
        expect(box(a).height).to.be.at.most(innerHeight);
        await a.join();
        const b = await calls.call({ room, name: 'Bob', autojoin: true });
        await allConnected([a, b], 2);
        await a.updateComplete;
        a.scrollIntoView();
        await new Promise((r) => requestAnimationFrame(r));
        const bar = box(q(a, '[part="controls"]')!);
        expect(bar.height).to.be.above(40);
        expect(bar.top, 'the control bar starts inside the viewport').to.be.at.least(0);
        expect(bar.bottom, `control bar bottom at ${bar.bottom} of ${innerHeight}`).to.be.at.most(innerHeight);
        expect(box(a).height).to.be.at.most(innerHeight);
        // Tiles sit inside the element: nothing hangs out under the bar.
        for (const t of tilesOf(a)) expect(box(t).bottom).to.be.at.most(bar.top + 1);
        // A size the page sets is filled.
        a.style.height = '520px';
        await new Promise((r) => requestAnimationFrame(r));
        expect(box(a).height).to.equal(520);
        expect(box(q(a, '[part="controls"]')!).bottom).to.be.at.most(box(a).bottom);
      } finally {
        heading.remove();
      }
    });
  }

  it('in a 390 px column of a landscape window the call stays 390 px wide (a minimum height does not widen it)', async () => {
    await setViewport({ width: 1280, height: 800 });
    const column = document.createElement('div');
    column.style.width = '390px';
    document.body.append(column);
    try {
      const a = await calls.call({ room: uniqueRoom('column'), name: 'Ann', container: column });
      await a.join();
      await until(() => a.getAttribute('view') === 'call', 'the call view');
      await new Promise((r) => requestAnimationFrame(r));
      expect(box(a).width).to.equal(390);
      expect(box(a).height, 'the minimum height holds').to.be.at.least(360);
      expect(box(q(a, '[part="controls"]')!).right).to.be.at.most(box(a).right);
    } finally {
      column.remove();
    }
  });

  it('active speaker: promoted after sustained speech, not by a cough; held 2 s; the tile ring stays quick', async () => {
    const room = uniqueRoom('speaker');
    const annVoice = voice();
    const bobVoice = voice();
    try {
      const ann = await calls.call({ room, name: 'Ann' });
      ann.localStream = annVoice.stream;
      await ann.join();
      const bob = await calls.call({ room, name: 'Bob' });
      bob.localStream = bobVoice.stream;
      await bob.join();
      // Cleo watches (her fake microphone beeps: never a speaker).
      const cleo = await calls.call({ room, name: 'Cleo', autojoin: true, attrs: { layout: 'speaker' } });
      await allConnected([ann, bob, cleo], 3, 30_000);
      const annId = ann.participants[0]!.id;
      const bobId = bob.participants[0]!.id;
      const order = names(q(ann, '[part="grid"]'));
      expect(order).to.deep.equal(['Ann', 'Bob', 'Cleo']);
      const rings: string[] = [];
      cleo.addEventListener('rtc-speaking-change', (e) => {
        if (e.detail.speaking) rings.push((e.composedPath()[0] as RtcVideoTile).displayName);
      });
      const changes: Array<[string | null, number]> = [];
      cleo.addEventListener('rtc-active-speaker-change', (e) => changes.push([e.detail.participantId, performance.now()]));
      await new Promise((r) => setTimeout(r, 1500));
      const nameOf = (id: string | null) => cleo.participants.find((p) => p.id === id)?.displayName ?? id;
      expect(nameOf(cleo.activeSpeaker), 'nobody speaks yet (beeps are no speech)').to.equal(null);

      // A cough from Bob: 200 ms.
      bobVoice.on();
      await new Promise((r) => setTimeout(r, 200));
      bobVoice.off();
      await new Promise((r) => setTimeout(r, 1200));
      expect(cleo.activeSpeaker, 'a cough promotes no one').to.equal(null);
      expect(rings, 'the tile’s ring lit for the cough all the same (its own detector is quick)').to.include('Bob');

      // Ann speaks on: promoted after ~400 ms.
      const started = performance.now();
      annVoice.on();
      await until(() => cleo.activeSpeaker === annId, 'Ann promoted', 5_000);
      const promotedAfter = performance.now() - started;
      expect(promotedAfter, `promoted after ${Math.round(promotedAfter)} ms`).to.be.within(350, 2500);
      await cleo.updateComplete;
      expect(names(q(cleo, '[part="stage"]'))).to.deep.equal(['Ann']);
      // Bob takes over while Ann still talks: not before the 2 s hold.
      bobVoice.on();
      annVoice.off();
      await until(() => cleo.activeSpeaker === bobId, 'Bob promoted', 8_000);
      const [annAt, bobAt] = [changes.find(([id]) => id === annId)![1], changes.find(([id]) => id === bobId)![1]];
      expect(bobAt - annAt, 'held at least 2 s').to.be.at.least(1900);
      expect(changes.map(([id]) => id)).to.deep.equal([annId, bobId]);
      await cleo.updateComplete;
      expect(names(q(cleo, '[part="stage"]'))).to.deep.equal(['Bob']);
      // The grid never reorders on speaker changes.
      expect(names(q(ann, '[part="grid"]'))).to.deep.equal(order);
    } finally {
      annVoice.stop();
      bobVoice.stop();
    }
  });
});
