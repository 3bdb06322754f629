// Relay-only calls through Debian's coturn with the server's TURN REST credentials, and the
// ice-failed error when the TURN server is dead.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, errorsOf, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';

/** Candidate types of the selected pair of a connection, e.g. ['relay', 'relay']. */
async function selectedPair(pc: RTCPeerConnection): Promise<[string, string] | null> {
  const stats = await pc.getStats();
  let pairId: string | undefined;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId ? stats.get(pairId) : undefined;
  if (!pair) return null;
  return [stats.get(pair.localCandidateId)?.candidateType, stats.get(pair.remoteCandidateId)?.candidateType];
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
