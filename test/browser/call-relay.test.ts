// Relay-only calls through Debian's coturn with the server's TURN REST credentials, and the
// ice-failed error when the TURN server is dead.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, errorsOf, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';
import { selectedCandidates } from './helpers/stats.js';

/** Candidate types of the selected pair of a connection, e.g. ['relay', 'relay']. */
async function selectedPair(pc: RTCPeerConnection): Promise<[string, string] | null> {
  const c = await selectedCandidates(pc);
  return c ? [c.local.candidateType, c.remote.candidateType] : null;
}

describe('<rtc-call> through TURN', () => {
  const made: RtcCall[] = [];
  const coturns: string[] = [];
  afterEach(async () => {
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
    for (const id of coturns.splice(0)) await command('coturn-stop', { id });
  });

  it('relay-only (RTC_ICE_TRANSPORT_POLICY=relay): media flows and the selected pair is relay on both sides', async function () {
    this.timeout(60_000);
    const turn = await command<{ id: string; url: string; secret: string }>('coturn-start');
    coturns.push(turn.id);
    const server = await rtcServer('relay', { turnUrls: [turn.url], turnSecret: turn.secret, iceTransportPolicy: 'relay' });
    const room = uniqueRoom('relay');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2, 30_000);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    const pcs = openPeerConnections();
    expect(pcs).to.have.length(2);
    for (const pc of pcs) {
      expect(pc.getConfiguration().iceTransportPolicy).to.equal('relay');
      expect(await until(() => selectedPair(pc), 'a selected pair')).to.deep.equal(['relay', 'relay']);
    }
  });

  it('10 s credentials: peer token and TURN credentials are refreshed, the relay-only call stays up for 30 s and survives a restart after the first token expired', async function () {
    this.timeout(90_000);
    const turn = await command<{ id: string; url: string; secret: string }>('coturn-start');
    coturns.push(turn.id);
    const server = await rtcServer('short-lived', { turnUrls: [turn.url], turnSecret: turn.secret, iceTransportPolicy: 'relay', peerTokenTtl: 10 });
    const room = uniqueRoom('ttl');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2, 30_000);
    const start = performance.now();
    const turnUser = (pc: RTCPeerConnection) => pc.getConfiguration().iceServers?.find((s) => s.username)?.username ?? '';
    const expiresOf = (user: string) => Number(user.split(':')[0]);
    const pcs = openPeerConnections();
    const first = pcs.map(turnUser);
    // TURN credentials never outlive the peer token: 10 s, not RTC_TURN_TTL's day.
    for (const user of first) expect(expiresOf(user) - Date.now() / 1000).to.be.below(11);
    await until(() => pcs.every((pc, i) => expiresOf(turnUser(pc)) > expiresOf(first[i]!)), 'new TURN credentials on the running links', 15_000);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    // Past the first token's end: a restart makes both reconnect, which needs the refreshed token.
    await new Promise((r) => setTimeout(r, Math.max(0, 22_000 - (performance.now() - start))));
    await command('rtc-server-restart', { name: 'short-lived' });
    await until(() => a.state === 'reconnecting' || a.state === 'connected', 'the socket noticed');
    await until(() => a.state === 'connected' && b.state === 'connected', 'both back with refreshed tokens', 15_000);
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (performance.now() - start))));
    expect(a.state).to.equal('connected');
    expect(b.state).to.equal('connected');
    expect(errorsOf(a).concat(errorsOf(b)).map((e) => e.code)).to.deep.equal([]);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
  });

  it('ice-failed: relay-only with a dead TURN server', async function () {
    this.timeout(60_000);
    const port = await command<number>('free-port');
    const server = await rtcServer('dead-turn', {
      turnUrls: [`turn:127.0.0.1:${port}?transport=udp`],
      turnSecret: 'no-turn-server-listens-here',
      iceTransportPolicy: 'relay',
    });
    const room = uniqueRoom('deadturn');
    const a = await createCall({ room, server, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server, name: 'Bob', autojoin: true });
    made.push(a, b);
    await until(() => errorsOf(a).some((e) => e.code === 'ice-failed') && errorsOf(b).some((e) => e.code === 'ice-failed'), 'ice-failed on both sides', 40_000);
    expect(errorsOf(a).find((e) => e.code === 'ice-failed')!.fatal).to.equal(false);
    expect(a.state).to.equal('connected');
    // The tile says the link failed instead of showing black.
    expect(a.participants[1]?.connection).to.equal('failed');
    await a.updateComplete;
    const tile = await remoteTile(a, 'Bob');
    expect(tile.status).to.equal('failed');
  });
});
