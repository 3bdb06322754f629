// <rtc-precall-check> in real Chromium against the real server and Debian's coturn: the relay
// check's loopback call goes through TURN (relay/relay), and fails with a remedy when the TURN
// server is gone. Only `navigator.mediaDevices.getUserMedia` is faked, and only for what the
// browser cannot produce on demand: a denied camera, a black picture.
import { expect } from '@open-wc/testing';
import '../../src/rtc-precall-check.js';
import type { RtcPrecallCheck } from '../../src/components/precall-check/precall-check.js';
import type { PrecallReport } from '../../src/core/precall/types.js';
import { en } from '../../src/i18n/messages.js';
import de from '../../src/i18n/locales/de.js';
import { createdPeerConnections, liveCapturedTracks, openPeerConnections, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';
import { selectedCandidates } from './helpers/stats.js';

const md = navigator.mediaDevices;
const realGetUserMedia = md.getUserMedia.bind(md);
type Writable = { getUserMedia: MediaDevices['getUserMedia'] };

interface Turn { id: string; url: string; secret: string }
const coturns: string[] = [];
async function coturn(): Promise<Turn> {
  const turn = await command<Turn>('coturn-start');
  coturns.push(turn.id);
  return turn;
}

/** A server of this file's own: TURN when given, no rate limit on checks (tests run many). */
function server(name: string, options: Record<string, unknown> = {}): Promise<string> {
  return rtcServer(`precall-${name}`, { precallRateLimit: 0, ...options });
}

const made: RtcPrecallCheck[] = [];
async function check(attrs: Record<string, string>): Promise<RtcPrecallCheck> {
  const el = document.createElement('rtc-precall-check');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  document.body.append(el);
  made.push(el);
  await el.updateComplete;
  return el;
}

function part<T extends Element = HTMLElement>(el: RtcPrecallCheck, name: string): T | null {
  return el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);
}

function rows(el: RtcPrecallCheck): Record<string, string> {
  return Object.fromEntries([...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="item"]')].map((li) => [li.dataset['check']!, li.dataset['status']!]));
}

/** Candidate types of a connection's selected pair, e.g. ['relay', 'relay']. */
async function selectedPair(pc: RTCPeerConnection): Promise<[string, string] | null> {
  if (pc.connectionState !== 'connected') return null;
  const c = await selectedCandidates(pc);
  return c ? [c.local.candidateType, c.remote.candidateType] : null;
}

afterEach(async () => {
  // Back to the page's own (helpers/call.ts counts the tracks it hands out).
  (md as unknown as Writable).getUserMedia = realGetUserMedia;
  made.splice(0).forEach((el) => el.remove());
  for (const id of coturns.splice(0)) await command('coturn-stop', { id });
});

describe('<rtc-precall-check>', function () {
  this.timeout(60_000);

  it('idle: shows the checklist and Start, runs nothing on its own, and is accessible', async () => {
    const before = createdPeerConnections.length;
    const el = await check({ server: await server('idle') });
    expect(el.state).to.equal('idle');
    expect(el.getAttribute('state')).to.equal('idle');
    expect(el.report).to.equal(null);
    expect(Object.keys(rows(el))).to.deep.equal(['camera', 'microphone', 'speaker', 'server', 'network', 'relay']);
    expect(Object.values(rows(el)).every((s) => s === 'pending')).to.equal(true);
    expect(part(el, 'start-button')!.textContent!.trim()).to.equal(en.precall.start);
    await new Promise((r) => setTimeout(r, 300));
    expect(createdPeerConnections.length).to.equal(before, 'no connection before it is asked');
    expect(liveCapturedTracks()).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('with coturn: the relay check is good, with figures from a relay/relay pair (selected candidate pair: relay, relay)', async () => {
    const turn = await coturn();
    const url = await server('turn', { turnUrls: [turn.url], turnSecret: turn.secret });
    const el = await check({ server: url, checks: 'server network relay' });
    const results: PrecallReport[] = [];
    el.addEventListener('rtc-precall-result', (e) => results.push(e.detail));
    const seen = createdPeerConnections.length;
    const running = el.run();
    expect(el.state).to.equal('running');
    // While media flows: the check's own connections, relay-only, on a relay/relay pair.
    const pairs = await until(async () => {
      const relayed = createdPeerConnections.slice(seen).filter((pc) => pc.getConfiguration().iceTransportPolicy === 'relay');
      if (relayed.length < 2) return null;
      const found = await Promise.all(relayed.map(selectedPair));
      return found.every(Boolean) ? found : null;
    }, 'the relay check connected through TURN', 20_000);
    for (const pair of pairs!) expect(pair).to.deep.equal(['relay', 'relay']);
    await el.updateComplete;
    await expect(el).to.be.accessible();
    const report = await running;
    expect(results).to.deep.equal([report]);
    const { relay, network, server: srv } = report.checks;
    console.log(`precall relay figures: ${JSON.stringify(relay.figures)}; network ${JSON.stringify(network.figures)}; server ${srv.figures.responseMs} ms`);
    expect(relay.status, JSON.stringify(relay)).to.equal('good');
    expect(relay.remedy).to.equal(null);
    expect(relay.figures.localCandidateType).to.equal('relay');
    expect(relay.figures.remoteCandidateType).to.equal('relay');
    expect(relay.figures.rttMs).to.be.a('number').and.below(300);
    expect(relay.figures.lossPercent).to.be.a('number').and.below(3);
    expect(relay.figures.bitrateKbps).to.be.a('number').and.above(100, 'media arrived through the relay');
    expect(Math.max(relay.figures.bitrateKbps!, relay.figures.estimatedKbps ?? 0)).to.be.at.least(500);
    expect(relay.figures.durationMs).to.be.within(4_500, 6_500);
    expect(network.figures.relay).to.be.at.least(1);
    expect(network.figures.host).to.be.at.least(1);
    expect(srv.status).to.equal('good');
    expect(srv.figures.relayOffered).to.equal(true);
    expect(report.checks.camera).to.deep.include({ status: 'skipped', problem: 'not-run', remedy: null });
    // Everything released: no connection of the check stays open.
    expect(createdPeerConnections.slice(seen).every((pc) => pc.connectionState === 'closed' || pc.signalingState === 'closed')).to.equal(true);
    await el.updateComplete;
    expect(el.state).to.equal('done');
    expect(part(el, 'summary')!.textContent).to.equal(en.precall.summary[report.status]);
    expect(part(el, 'item-relay')!.querySelector('[part~="figures"]')!.textContent).to.match(/^Round trip [\d.]+ ms, [\d.]+ % lost, [\d,]+ kbit\/s$/);
    await expect(el).to.be.accessible();
  });

  it('with the TURN server stopped: relay poor with a remedy; the network check says the relay is unreachable', async () => {
    const turn = await coturn();
    const url = await server('dead-turn', { turnUrls: [turn.url], turnSecret: turn.secret });
    await command('coturn-stop', { id: coturns.pop() });
    const el = await check({ server: url, checks: 'network relay' });
    const t0 = performance.now();
    const report = await el.run();
    expect(performance.now() - t0).to.be.below(15_000);
    const { relay, network } = report.checks;
    expect(relay).to.deep.include({ status: 'poor', problem: 'relay-unreachable', remedy: en.precall.remedies.relay['relay-unreachable'] });
    expect(network.status).to.equal('poor');
    expect(network.problem).to.equal('relay-unreachable');
    expect(network.figures.relay).to.equal(0);
    expect(report.status).to.equal('poor');
    await el.updateComplete;
    expect(part(el, 'item-relay')!.querySelector('[part~="remedy"]')!.textContent).to.equal(en.precall.remedies.relay['relay-unreachable']);
    expect(openPeerConnections().filter((pc) => pc.getConfiguration().iceTransportPolicy === 'relay')).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('camera denied: camera poor with a remedy, the microphone still checked (the fake microphone beeps: good)', async () => {
    (md as unknown as Writable).getUserMedia = async (c?: MediaStreamConstraints) => {
      if (c?.video) throw new DOMException('Permission denied', 'NotAllowedError');
      return realGetUserMedia(c);
    };
    const el = await check({ checks: 'camera microphone' });
    const running = el.run();
    await until(() => el.shadowRoot!.querySelector('[part~="prompt"]:not([hidden])'), 'the invitation to speak');
    expect(part(el, 'prompt')!.textContent).to.include(en.precall.speakPrompt);
    expect(part(el, 'meter')).to.not.equal(null);
    await expect(el).to.be.accessible();
    const report = await running;
    expect(report.checks.camera).to.deep.include({ status: 'poor', problem: 'permission-denied', remedy: en.precall.remedies.camera['permission-denied'] });
    expect(report.checks.microphone.status, JSON.stringify(report.checks.microphone)).to.equal('good');
    expect(report.checks.microphone.figures.peakDb).to.be.a('number');
    expect(report.status).to.equal('poor');
    expect(liveCapturedTracks()).to.deep.equal([], 'the microphone was released');
    await el.updateComplete;
    expect(rows(el)).to.deep.equal({ camera: 'poor', microphone: 'good' });
    expect(part(el, 'start-button')!.textContent!.trim()).to.equal(en.precall.again);
    await expect(el).to.be.accessible();
  });

  it('camera: frames of the fake camera are good (size, rate, brightness); a black picture is poor', async () => {
    const el = await check({ checks: 'camera' });
    const running = el.run();
    const preview = await until(() => el.shadowRoot!.querySelector<HTMLVideoElement>('[part~="preview"]:not([hidden])'), 'the camera preview');
    expect(preview!.srcObject).to.be.instanceOf(MediaStream);
    const good = (await running).checks.camera;
    expect(good.status, JSON.stringify(good)).to.equal('good');
    expect(good.figures).to.deep.include({ width: 640, height: 360 });
    expect(good.figures.frameRate).to.be.within(10, 31);
    expect(good.figures.brightness).to.be.above(10);
    expect(liveCapturedTracks()).to.deep.equal([]);

    // A covered lens: the browser delivers frames, all black.
    const canvases: HTMLCanvasElement[] = [];
    (md as unknown as Writable).getUserMedia = async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 640;
      canvas.height = 360;
      const ctx = canvas.getContext('2d')!;
      const paint = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 640, 360); };
      paint();
      const timer = setInterval(paint, 50);
      canvases.push(canvas);
      const stream = canvas.captureStream(20);
      stream.getVideoTracks()[0]!.addEventListener('ended', () => clearInterval(timer));
      const stop = MediaStreamTrack.prototype.stop;
      stream.getVideoTracks()[0]!.stop = function () { clearInterval(timer); stop.call(this); };
      return stream;
    };
    const black = (await el.run()).checks.camera;
    expect(black).to.deep.include({ status: 'poor', problem: 'black', remedy: en.precall.remedies.camera.black });
    expect(black.figures.brightness).to.be.below(10);
  });

  it('speaker: the person confirms the tone → good; says no → poor; no answer → skipped after 10 s', async () => {
    const el = await check({ checks: 'speaker' });
    const answer = async (button: 'yes-button' | 'no-button') => {
      const b = await until(() => el.shadowRoot!.querySelector<HTMLButtonElement>(`[part~="prompt"]:not([hidden]) [part~="${button}"]`), 'the question about the tone');
      expect(part(el, 'prompt')!.textContent).to.include(en.precall.tonePrompt);
      b!.click();
    };
    let running = el.run();
    await answer('yes-button');
    expect((await running).checks.speaker).to.deep.include({ status: 'good', problem: null, remedy: null });
    running = el.run();
    await until(() => part(el, 'yes-button'), 'the question');
    await el.updateComplete;
    await expect(el).to.be.accessible();
    await answer('no-button');
    const no = (await running).checks.speaker;
    expect(no).to.deep.include({ status: 'poor', problem: 'not-heard', remedy: en.precall.remedies.speaker['not-heard'] });
    expect(no.figures.heard).to.equal(false);

    const t0 = performance.now();
    const unanswered = (await el.run()).checks.speaker;
    const took = performance.now() - t0;
    expect(unanswered).to.deep.include({ status: 'skipped', problem: 'no-answer', remedy: en.precall.remedies.speaker['no-answer'] });
    expect(unanswered.figures.heard).to.equal(null);
    expect(took).to.be.within(9_500, 12_000);
    await el.updateComplete;
    expect(part(el, 'prompt')!.hidden).to.equal(true);
  });

  it('checks="camera microphone relay": only those run and show; the others are skipped (not-run)', async () => {
    const turn = await coturn();
    const el = await check({ server: await server('subset', { turnUrls: [turn.url], turnSecret: turn.secret }), checks: 'camera microphone relay bogus' });
    expect(Object.keys(rows(el))).to.deep.equal(['camera', 'microphone', 'relay']);
    let toned = false;
    const watch = setInterval(() => { toned ||= !!part(el, 'yes-button'); }, 20);
    const report = await el.run().finally(() => clearInterval(watch));
    expect(toned, 'the speaker question never showed').to.equal(false);
    expect({ camera: report.checks.camera.status, microphone: report.checks.microphone.status, relay: report.checks.relay.status }).to.deep.equal({ camera: 'good', microphone: 'good', relay: 'good' });
    for (const name of ['speaker', 'server', 'network'] as const) expect(report.checks[name]).to.deep.include({ status: 'skipped', problem: 'not-run', remedy: null });
    expect(report.status).to.equal('good');
    await el.updateComplete;
    expect(rows(el)).to.deep.equal({ camera: 'good', microphone: 'good', relay: 'good' });
    expect(part(el, 'summary')!.textContent).to.equal(en.precall.summary.good);
    await expect(el).to.be.accessible();
  });

  it('server: a foreign origin and a missing room token are poor with remedies; a valid token of any room is good', async () => {
    const secret = 'precall-browser-room-secret-32-bytes!!';
    const closed = await check({ server: await server('origins', { allowedOrigins: ['https://clinic.example'] }), checks: 'server network' });
    const refused = await closed.run();
    expect(refused.checks.server).to.deep.include({ status: 'poor', problem: 'origin-not-allowed', remedy: en.precall.remedies.server['origin-not-allowed'] });

    const tokens = await server('tokens', { roomSecret: secret });
    const el = await check({ server: tokens, checks: 'server', lang: 'de' });
    const missing = (await el.run()).checks.server;
    expect(missing).to.deep.include({ status: 'poor', problem: 'unauthorized', remedy: de.precall.remedies.server.unauthorized });
    el.token = await command<string>('rtc-sign-room-token', { secret, room: 'some-other-visit', role: 'guest' });
    const ok = (await el.run()).checks.server;
    expect(ok.status).to.equal('good');
    expect(ok.figures.url).to.equal(tokens);
    await el.updateComplete;
    expect(part(el, 'item-server')!.querySelector('[part~="status"]')!.textContent).to.equal(de.precall.states.good);
    expect(part(el, 'start-button')!.textContent!.trim()).to.equal(de.precall.again);

    const dead = await check({ server: `http://127.0.0.1:${await command<number>('free-port')}`, checks: 'server relay' });
    const down = await dead.run();
    expect(down.checks.server).to.deep.include({ status: 'poor', problem: 'signaling-unreachable' });
    expect(down.checks.relay).to.deep.include({ status: 'skipped', problem: 'no-credentials' });
  });

  it('removing the element stops a run: camera and microphone released, unfinished checks skipped (stopped)', async () => {
    const turn = await coturn();
    const el = await check({ server: await server('teardown', { turnUrls: [turn.url], turnSecret: turn.secret }) });
    const seen = createdPeerConnections.length;
    const running = el.run();
    expect(el.run()).to.equal(running, 'a second run() while running shares the promise');
    await until(() => liveCapturedTracks().length >= 2, 'camera and microphone open');
    el.remove();
    const report = await running;
    expect(report.checks.camera.problem === 'stopped' || report.checks.microphone.problem === 'stopped').to.equal(true);
    expect(report.checks.speaker).to.deep.include({ status: 'skipped', problem: 'stopped' });
    await until(() => liveCapturedTracks().length === 0, 'no live track');
    await until(() => createdPeerConnections.slice(seen).every((pc) => pc.signalingState === 'closed'), 'every connection of the check closed');
  });

  describe('in the waiting view of <rtc-call>', () => {
    const calls = trackedCalls();
    afterEach(() => calls.cleanup());

    it('"Test your connection" opens a check with the call\'s server and token: a waiting guest gets relay credentials and relay/relay media, and admission removes it', async () => {
      const secret = 'precall-waiting-room-secret-0123456789ab';
      const turn = await coturn();
      const url = await server('waiting', { roomSecret: secret, waitingRoom: 'guests', turnUrls: [turn.url], turnSecret: turn.secret });
      const room = uniqueRoom('precall');
      const sign = (name: string, role: string) => command<string>('rtc-sign-room-token', { secret, room, name, role, sub: `${name}-${room}`, ttl: 600 });
      const host = await calls.call({ room, server: url, name: 'Dr. Rivera', autojoin: true, attrs: { token: await sign('Dr. Rivera', 'host'), 'no-knock-sound': true } });
      await until(() => host.state === 'connected', 'host connected');
      const guest = await calls.call({ room, server: url, name: 'Pat', autojoin: true, attrs: { token: await sign('Pat', 'guest') } });
      await until(() => guest.state === 'waiting', 'guest waiting');
      await guest.updateComplete;
      const details = guest.shadowRoot!.querySelector<HTMLDetailsElement>('[part~="precall"]')!;
      expect(details.open).to.equal(false);
      const button = guest.shadowRoot!.querySelector<HTMLElement>('[part~="precall-button"]')!;
      expect(button.textContent).to.equal(en.testConnection);
      button.click();
      expect(details.open).to.equal(true);
      const el = details.querySelector('rtc-precall-check')!;
      expect(el.server).to.equal(url);
      expect(el.token).to.equal(guest.token);
      expect(el.state).to.equal('idle', 'opening it runs nothing');
      await expect(guest).to.be.accessible();
      // What the person does: Start, then "Yes" when the tone plays.
      const seen = createdPeerConnections.length;
      const result = new Promise<PrecallReport>((resolve) => el.addEventListener('rtc-precall-result', (e) => resolve(e.detail), { once: true }));
      el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="start-button"]')!.click();
      const yes = await until(() => el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="prompt"]:not([hidden]) [part~="yes-button"]'), 'the tone question', 20_000);
      yes!.click();
      const report = await result;
      expect(report.checks.server.status).to.equal('good');
      expect(report.checks.relay.status, JSON.stringify(report.checks.relay)).to.be.oneOf(['good', 'fair']);
      expect(report.checks.relay.figures).to.deep.include({ localCandidateType: 'relay', remoteCandidateType: 'relay' });
      expect(report.checks.speaker.status).to.equal('good');
      expect(report.checks.camera.status, JSON.stringify(report.checks.camera)).to.equal('good');
      expect(guest.state).to.equal('waiting', 'the check did not let anyone in');
      // Only the check's own connections: the waiting guest is connected to nobody.
      expect(createdPeerConnections.slice(seen).every((pc) => pc.getConfiguration().iceTransportPolicy === 'relay' || !pc.remoteDescription)).to.equal(true);
      await guest.updateComplete;
      await expect(guest).to.be.accessible();

      await until(() => host.waitingParticipants.length === 1, 'the knock');
      await host.admit(host.waitingParticipants[0]!.id);
      await until(() => guest.state === 'connected', 'admitted');
      await guest.updateComplete;
      expect(guest.shadowRoot!.querySelector('rtc-precall-check')).to.equal(null);
    });
  });
});

