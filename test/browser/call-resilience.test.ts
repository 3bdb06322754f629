// Calls that survive what happens to real calls: a participant's browser killed without goodbye,
// the signaling server killed and restarted mid-call.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcParticipantLeftEvent } from '../../src/events/participant-left.js';
import { allConnected, createCall, createdPeerConnections, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

describe('<rtc-call> resilience', () => {
  const made: RtcCall[] = [];
  const browsers: string[] = [];
  afterEach(async () => {
    for (const id of browsers.splice(0)) await command('browser-kill', { id });
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
  });

  it('drops a participant whose browser process is killed (SIGKILL: no goodbye, no unload) within 10 s', async function () {
    this.timeout(60_000);
    const server = await rtcServer();
    const room = uniqueRoom('kill');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    const { id } = await command<{ id: string }>('browser-spawn', {
      url: `/test/pages/join.html?server=${encodeURIComponent(server)}&room=${room}&name=Carl`,
    });
    browsers.push(id);
    await allConnected([a, b], 3, 30_000);
    await framesAdvance(videoOf(await remoteTile(a, 'Carl')), 3);

    const left: { who: string; reason: string; at: number }[] = [];
    for (const el of [a, b]) {
      el.addEventListener('rtc-participant-left', (e: RtcParticipantLeftEvent) =>
        left.push({ who: e.detail.participant.displayName, reason: e.detail.reason, at: performance.now() }),
      );
    }
    const killedAt = performance.now();
    await command('browser-kill', { id });
    browsers.splice(browsers.indexOf(id), 1);
    await until(() => left.length >= 2, 'both remaining participants dropped Carl', 12_000);
    expect(left.map((l) => l.who)).to.deep.equal(['Carl', 'Carl']);
    expect(left.every((l) => l.reason === 'disconnected')).to.equal(true);
    expect(Math.max(...left.map((l) => l.at - killedAt))).to.be.below(10_000);
    expect(a.participants.map((p) => p.displayName)).to.not.include('Carl');
    // The survivors' own link is untouched.
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
  });

  it('keeps media flowing while the server is killed and restarted, then returns to connected', async function () {
    this.timeout(60_000);
    const server = await rtcServer('restartable', {});
    const room = uniqueRoom('restart');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    const states: string[] = [];
    a.addEventListener('rtc-state-change', (e) => states.push(e.detail.state));

    await command('rtc-server-stop', { name: 'restartable' });
    await until(() => a.state === 'reconnecting' && b.state === 'reconnecting', 'both reconnecting');
    // The server is down; peer-to-peer media is not.
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    expect(a.shadowRoot!.querySelector('[part="notice"][data-code="reconnecting"]')).to.exist;

    await command('rtc-server-restart', { name: 'restartable' });
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected again', 20_000);
    expect(states).to.deep.equal(['reconnecting', 'connected']);
    const health = await command<{ rooms: number; peers: number }>('rtc-server-health', { name: 'restartable' });
    expect(health.peers).to.equal(2);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    // A third participant can still join the room on the restarted server.
    const c = await createCall({ room, server, name: 'Cleo', autojoin: true });
    made.push(c);
    await allConnected([a, b, c], 3, 30_000);
  });

  it('restart drill, default configuration: the server process SIGKILLed and restarted with no secret set — both back to connected within 5 s, a newcomer sees both', async function () {
    this.timeout(60_000);
    const { url: server } = await command<{ url: string }>('rtc-process-start', { name: 'drill' });
    const room = uniqueRoom('drill');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    await command('rtc-process-kill', { name: 'drill' });
    await until(() => a.state === 'reconnecting' && b.state === 'reconnecting', 'both reconnecting');
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    await command('rtc-process-start', { name: 'drill' });
    const restarted = performance.now();
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected again', 10_000);
    const back = performance.now() - restarted;
    expect(back, `back in ${Math.round(back)} ms`).to.be.below(5_000);
    const c = await createCall({ room, server, name: 'Cleo', autojoin: true });
    made.push(c);
    await allConnected([a, b, c], 3, 30_000);
    expect(c.participants.map((p) => p.displayName).sort()).to.deep.equal(['Ann', 'Bob', 'Cleo']);
  });

  it('a restart that lost its data directory refuses every peer token: both re-join with their rejoin keys, keep their participant ids and their links, and are connected again', async function () {
    this.timeout(60_000);
    // A process of its own per run (Chromium's and Firefox's runs share the plugin): a port chosen
    // for an earlier run may be taken by another server by now.
    const name = uniqueRoom('amnesia');
    const { url: server } = await command<{ url: string }>('rtc-process-start', { name });
    const room = uniqueRoom('amnesia');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    const ids = (el: RtcCall) => el.participants.map((p) => p.id).sort();
    const before = { a: ids(a), b: ids(b) };
    const created = createdPeerConnections.length;
    const links = openPeerConnections();
    expect(links.length).to.equal(2, 'one link each way in this page (Ann’s and Bob’s)');
    const joined: string[] = [];
    const left: string[] = [];
    for (const el of [a, b]) {
      el.addEventListener('rtc-participant-joined', (e) => joined.push(e.detail.participant.displayName));
      el.addEventListener('rtc-participant-left', (e) => left.push(e.detail.participant.displayName));
    }
    await command('rtc-process-kill', { name });
    await until(() => a.state === 'reconnecting' && b.state === 'reconnecting', 'both reconnecting');
    await command('rtc-process-start', { name, lostData: true });
    const restarted = performance.now();
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected again', 15_000);
    const back = performance.now() - restarted;
    expect(back, `back in ${Math.round(back)} ms`).to.be.below(8_000);
    expect({ a: ids(a), b: ids(b) }).to.deep.equal(before);
    expect(joined, 'nobody joined or left as far as the page can tell').to.deep.equal([]);
    expect(left).to.deep.equal([]);
    expect(createdPeerConnections.length, 'no new RTCPeerConnection: the links stayed up').to.equal(created);
    expect(links.every((pc) => pc.connectionState === 'connected')).to.equal(true);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 3);
    // The new server knows both under their old ids: a newcomer calls them and sees both.
    const c = await createCall({ room, server, name: 'Cleo', autojoin: true });
    made.push(c);
    await allConnected([a, b, c], 3, 30_000);
    expect(c.participants.map((p) => p.displayName).sort()).to.deep.equal(['Ann', 'Bob', 'Cleo']);
    expect(c.participants.filter((p) => !p.isLocal).map((p) => p.id).sort()).to.deep.equal(before.a);
    await command('rtc-process-kill', { name });
  });

  it('with media flowing it waits past 30 s for a server that never comes back, up to reconnect-timeout (here 40 s), then fails with signaling-unreachable', async function () {
    this.timeout(75_000);
    const server = await rtcServer('gone', {});
    const room = uniqueRoom('gone');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true, attrs: { 'reconnect-timeout': '40' } });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2);
    await command('rtc-server-stop', { name: 'gone' });
    const lostAt = performance.now();
    await until(() => a.state === 'reconnecting', 'reconnecting');
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    await new Promise((r) => setTimeout(r, 33_000));
    expect(a.state, 'past the 30 s no-media limit: media still flows, so it still waits').to.equal('reconnecting');
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    await until(() => a.state === 'failed', 'failed after reconnect-timeout', 15_000);
    const after = performance.now() - lostAt;
    expect(after).to.be.within(39_000, 46_000);
    expect(a.error?.code).to.equal('signaling-unreachable');
    expect(a.error?.fatal).to.equal(true);
    await a.updateComplete;
    expect(a.shadowRoot!.querySelector('[part="ended"] .reason')?.getAttribute('data-code')).to.equal('signaling-unreachable');
    await expect(a).to.be.accessible();
  });
});
