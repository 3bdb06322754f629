// Recovery from network trouble in the test namespace (Chromium and Firefox; the loss figures Chromium only) (nftables: the namespace's UDP is this test's
// alone, one test file runs at a time): all UDP dropped for 12 s, then restored — nobody is dropped, the tiles
// say reconnecting meanwhile, frames come back within 10 s of the restore; a link that cannot come
// back within 30 s ends with `ice-failed`.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcParticipantLeftEvent } from '../../src/events/participant-left.js';
import { allConnected, openPeerConnections, trackedCalls, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { command } from './helpers/server.js';
import { inboundMedia, mediaFlowing, selectedCandidates } from './helpers/stats.js';

/** The selected candidate pair of a connection, as `local → remote` addresses and ports. */
async function selectedPair(pc: RTCPeerConnection): Promise<string> {
  const c = await selectedCandidates(pc);
  return c ? `${c.local.address}:${c.local.port}→${c.remote.address}:${c.remote.port}` : 'none';
}

function leftEvents(els: RtcCall[]): string[] {
  const left: string[] = [];
  for (const el of els) el.addEventListener('rtc-participant-left', (e: RtcParticipantLeftEvent) => left.push(`${e.detail.participant.displayName}:${e.detail.reason}`));
  return left;
}

describe('<rtc-call> recovery from network trouble', function () {
  this.timeout(120_000);
  const calls = trackedCalls();
  let moved = false;
  afterEach(async () => {
    await command('net-fault-clear');
    if (moved) await command('net-readdress', { from: '10.213.0.3', to: '10.213.0.1' });
    moved = false;
    await calls.cleanup();
  });

  it('a 12-second outage of all UDP drops nobody; frames resume within 10 s of the restore', async () => {
    const room = uniqueRoom('outage');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2, 30_000);
    const pcsOf = () => openPeerConnections();
    await mediaFlowing(() => inboundMedia(pcsOf()));
    const left = leftEvents([a, b]);
    const before = await selectedPair(pcsOf()[0]!);
    await command('net-fault', {});
    const outageStart = performance.now();
    // During the outage: both stay in the call, shown as reconnecting. Where ICE does not report
    // `disconnected` (Firefox here), the control channel's silence does: 8 s without a message,
    // checked at each 2 s heartbeat, so up to 10 s after the last ping, more on a loaded machine
    // (CI once saw Firefox miss an 11 s wait); the outage lasts until the test lifts it.
    await until(() => a.participants[1]?.connection === 'reconnecting' && b.participants[1]?.connection === 'reconnecting', 'both tiles say reconnecting', 16_000);
    console.log(`both tiles reconnecting ${Math.round(performance.now() - outageStart)} ms into the outage`);
    await until(() => ['poor', 'lost'].includes(a.participants[1]?.quality?.level ?? ''), 'quality reads poor or lost during the outage', 11_000);
    await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (performance.now() - outageStart))));
    expect(a.participants.map((p) => p.displayName)).to.deep.equal(['Ann', 'Bob']);
    expect(b.participants.map((p) => p.displayName)).to.deep.equal(['Bob', 'Ann']);
    expect(left).to.deep.equal([]);

    await command('net-fault-clear');
    const restored = performance.now();
    await mediaFlowing(() => inboundMedia(pcsOf()), 10_000);
    const resumeMs = performance.now() - restored;
    await until(() => a.participants[1]?.connection === 'connected' && b.participants[1]?.connection === 'connected', 'connected again', 10_000);
    console.log(`media back ${Math.round(resumeMs)} ms after a 12 s UDP outage (pair ${before} → ${await selectedPair(pcsOf()[0]!)})`);
    expect(left).to.deep.equal([]);
    expect(a.state).to.equal('connected');
  });

  it('the address in use changes mid-call: the call recovers on the new one (ICE restart through the relay)', async () => {
    // Each step says when it is done, so a failure shows where the time went.
    const t0 = performance.now();
    const step = (what: string) => console.log(`[moved] ${what} at ${Math.round(performance.now() - t0)} ms`);
    const room = uniqueRoom('moved');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2, 30_000);
    step('connected');
    await mediaFlowing(() => inboundMedia(openPeerConnections()));
    const left = leftEvents([a, b]);
    const before = await selectedPair(openPeerConnections()[0]!);
    step(`media flowing on ${before}`);
    // Only the new address carries UDP (loopback and the old addresses are dead), then v0 moves to it.
    await command('net-fault', { exceptTo: '10.213.0.3' });
    await command('net-readdress', { from: '10.213.0.1', to: '10.213.0.3' });
    moved = true;
    step('moved to 10.213.0.3');
    const changed = performance.now();
    await mediaFlowing(() => inboundMedia(openPeerConnections()), 30_000);
    step('media flowing again');
    const after = await selectedPair(openPeerConnections()[0]!);
    console.log(`media on the new address ${Math.round(performance.now() - changed)} ms after the change (pair ${before} → ${after})`);
    expect(after).to.not.equal(before);
    expect(after).to.contain('10.213.0.3');
    expect(left).to.deep.equal([]);
    await until(() => a.participants[1]?.connection === 'connected' && b.participants[1]?.connection === 'connected', 'connected again', 10_000);
  });

  for (const loss of [10, 30]) {
    it(`${loss} % UDP loss: the call holds, quality reads poor (rtc-network-quality, tile bars)${loss === 30 ? ', audio continues and audio only is offered' : ', at least 10 fps'}`, async function () {
      this.timeout(90_000);
      // Firefox holds these calls too (audio throughout), but decodes fewer frames under random
      // loss (6.7 fps at 10 % measured here) and none at 30 %: the frame-rate figures are Chromium's.
      if (navigator.userAgent.includes('Firefox')) this.skip();
      const room = uniqueRoom(`loss${loss}`);
      const a = await calls.call({ room, name: 'Ann', autojoin: true });
      const b = await calls.call({ room, name: 'Bob', autojoin: true });
      await allConnected([a, b], 2, 30_000);
      await mediaFlowing(() => inboundMedia(openPeerConnections()));
      const events: { participantId: string; level: string; reason: string | null }[] = [];
      a.addEventListener('rtc-network-quality', (e) => events.push(e.detail));
      await until(() => a.participants[1]?.quality?.level === 'excellent', 'excellent before the loss', 10_000);
      const bobId = a.participants[1]!.id;
      await command('net-fault', { lossPercent: loss });
      await until(() => a.participants[1]?.quality?.level === 'poor', `poor at ${loss} % loss`, 20_000);
      expect(events.some((e) => e.participantId === bobId && e.level === 'poor' && e.reason === 'packet-loss')).to.equal(true);
      // The tile shows it: bars with an accessible name, the reason in words.
      await a.updateComplete;
      const tile = [...a.shadowRoot!.querySelectorAll('rtc-video-tile')].find((t) => t.getAttribute('data-id') === bobId)!;
      await (tile as unknown as { updateComplete: Promise<unknown> }).updateComplete;
      const bars = tile.shadowRoot!.querySelector('[part~="quality"]')!;
      expect(bars.getAttribute('aria-label')).to.equal("Poor connection: Bob's connection is unstable");
      expect(tile.shadowRoot!.querySelector('[part~="quality-reason"]')!.textContent).to.equal("Bob's connection is unstable");
      const stats = await a.getStats(bobId);
      expect(stats.loss).to.be.greaterThan(0.05);
      expect(stats.codec).to.match(/^video\//);
      // Media still flows.
      const pcs = openPeerConnections();
      const first = await inboundMedia(pcs);
      await new Promise((r) => setTimeout(r, 3000));
      const second = await inboundMedia(pcs);
      const fps = (second.video.framesDecoded - first.video.framesDecoded) / 2 / 3; // two directions, 3 s
      console.log(`${loss} % loss: ${fps.toFixed(1)} fps per direction, ${second.audio.packetsReceived - first.audio.packetsReceived} audio packets in 3 s, stats ${JSON.stringify(stats)}`);
      expect(second.audio.packetsReceived - first.audio.packetsReceived, 'audio continues').to.be.greaterThan(150);
      if (loss === 10) expect(fps).to.be.at.least(10);
      else {
        // The strained uplink stepped the camera down (resolution and frame rate) before audio suffers.
        await until(
          () => pcs.some((pc) => pc.getSenders().some((s) => s.track?.kind === 'video' && (s.getParameters().encodings?.[0]?.scaleResolutionDownBy ?? 1) >= 2)),
          'the camera stepped down',
          15_000,
        );
        await until(() => a.shadowRoot!.querySelector('[part~="notice"][data-code="audio-only"]'), 'the audio-only notice', 20_000);
        const button = a.shadowRoot!.querySelector<HTMLButtonElement>('[data-code="audio-only"] [part~="notice-action"]')!;
        expect(button.textContent).to.equal('Switch to audio only');
        await expect(a).to.be.accessible();
        button.click();
        await until(() => a.participants[0]?.cameraEnabled === false, 'the camera is off');
      }
    });
  }

  it('a link that stays cut leaves with ice-failed after about 30 s of recovery', async function () {
    // Firefox also gathers ICE-TCP candidates: with only UDP cut it reconnects over TCP (a
    // re-dial does), so this cut is not one for it. Cutting TCP too would cut the test's own
    // control connections to the browser.
    if (navigator.userAgent.includes('Firefox')) this.skip();
    const room = uniqueRoom('cut');
    const a = await calls.call({ room, name: 'Ann', autojoin: true });
    const b = await calls.call({ room, name: 'Bob', autojoin: true });
    await allConnected([a, b], 2, 30_000);
    const reasons: { reason: string; at: number }[] = [];
    a.addEventListener('rtc-participant-left', (e: RtcParticipantLeftEvent) => reasons.push({ reason: e.detail.reason, at: performance.now() }));
    await command('net-fault', {});
    const cut = performance.now();
    await until(() => reasons.length > 0, 'Bob leaves Ann\'s call', 60_000);
    const after = (reasons[0]!.at - cut) / 1000;
    expect(reasons[0]!.reason).to.equal('ice-failed');
    // Recovery starts once ICE notices (a few seconds) or the control channel falls silent (8 s), then lasts 30 s.
    expect(after).to.be.within(30, 45);
    expect(a.state).to.equal('connected');
  });
});
