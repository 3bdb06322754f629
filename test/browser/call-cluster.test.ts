// Cluster mode in real calls (Chromium): signaling nodes that share rooms through Redis
// (RTC_REDIS_URL), with nginx in front as docs/deploy/nginx-cluster.conf has it, and a TURN fleet
// of two coturn servers sharing one secret.
import { expect } from '@open-wc/testing';
import type { RtcCall } from '../../src/components/call/call.js';
import { allConnected, createCall, openPeerConnections, remoteTile, uniqueRoom, videoOf } from './helpers/call.js';
import { framesAdvance, peakAudioLevel, until } from './helpers/media.js';
import { command, rtcServer } from './helpers/server.js';
import { selectedCandidates } from './helpers/stats.js';

const PEER_SECRET = 'cluster-peer-secret-0123456789abcdef0123456789';
const METRICS = 'cluster-metrics-token-0123456789abcdef01234';

describe('<rtc-call> on a cluster of signaling nodes', () => {
  // redis-server and nginx come from Debian's packages (.ci/run installs them); without them, skip and say why.
  before(async function () {
    const { reason } = await command<{ reason: string | null }>('cluster-missing');
    if (reason) {
      console.warn(`skipping the cluster tests: ${reason}`);
      this.skip();
    }
  });
  const made: RtcCall[] = [];
  const processes: string[] = [];
  const servers: string[] = [];
  afterEach(async () => {
    await Promise.all(made.map((c) => c.leave()));
    made.splice(0).forEach((c) => c.remove());
    for (const name of processes.splice(0)) await command('rtc-process-kill', { name });
    for (const id of servers.splice(0)) await command('cluster-server-stop', { id });
  });

  /** Redis and two nodes on it (server processes: SIGKILL-able), named uniquely for this run; `env`: more settings of both. */
  async function cluster(env: Record<string, string> = {}): Promise<{ redis: string; nodes: Array<{ name: string; url: string; port: number }> }> {
    const redis = await command<{ id: string; url: string }>('redis-start');
    servers.push(redis.id);
    const nodes = [];
    for (const n of ['x', 'y']) {
      const name = uniqueRoom(`node-${n}`);
      const node = await command<{ url: string; port: number }>('rtc-process-start', {
        name, env: { RTC_REDIS_URL: redis.url, RTC_PEER_SECRET: PEER_SECRET, RTC_METRICS_TOKEN: METRICS, RTC_TRUST_PROXY: 'true', ...env },
      });
      processes.push(name);
      nodes.push({ name, ...node });
    }
    return { redis: redis.id, nodes };
  }
  /** A Janus for this test (stopped after it). */
  async function janus(): Promise<string> {
    const j = await command<{ id: string; url: string }>('janus-start');
    januses.push(j.id);
    return j.url;
  }
  const januses: string[] = [];
  afterEach(async () => {
    for (const id of januses.splice(0)) await command('janus-kill', { id });
  });
  const sockets = (name: string) => command<number>('rtc-process-sockets', { name });
  /** The server process holding `room`'s lease in Redis `redis` (SFU rooms), or null. */
  const leaseHolder = async (redis: string, room: string) => (await command<{ name: string | null }>('cluster-lease-holder', { redis, room })).name;

  it('two participants on different nodes see and hear each other', async function () {
    this.timeout(60_000);
    const { nodes: [x, y] } = await cluster();
    const room = uniqueRoom('two-nodes');
    const a = await createCall({ room, server: x!.url, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server: y!.url, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2, 30_000);
    expect([await sockets(x!.name), await sockets(y!.name)], 'one signaling socket on each node').to.deep.equal([1, 1]);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    expect(await peakAudioLevel(a.participants.find((p) => !p.isLocal)!.stream!)).to.be.greaterThan(0.01);
    expect(await peakAudioLevel(b.participants.find((p) => !p.isLocal)!.stream!)).to.be.greaterThan(0.01);
  });

  it('a node killed mid-call behind nginx: media goes on, signaling is back within 10 s, a newcomer on the surviving node sees everyone', async function () {
    this.timeout(90_000);
    const { nodes } = await cluster();
    const nginx = await command<{ id: string; url: string }>('nginx-start', { upstreams: nodes.map((n) => n.port) });
    servers.push(nginx.id);
    const room = uniqueRoom('failover');
    const a = await createCall({ room, server: nginx.url, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server: nginx.url, name: 'Bob', autojoin: true });
    made.push(a, b);
    await allConnected([a, b], 2, 30_000);
    const left: string[] = [];
    for (const el of [a, b]) el.addEventListener('rtc-participant-left', (e) => left.push(e.detail.participant.displayName));
    // Kill a node that holds a socket (one each when round robin split them, else the one with both).
    const counts = [await sockets(nodes[0]!.name), await sockets(nodes[1]!.name)];
    expect(counts[0]! + counts[1]!, `sockets per node: ${counts}`).to.equal(2);
    const victim = counts[0]! >= 1 && (counts[0] === 1 || counts[1] === 0) ? 0 : 1;
    const survivor = nodes[1 - victim]!;
    const onVictim = counts[victim]!;
    const killedAt = performance.now();
    await command('rtc-process-kill', { name: nodes[victim]!.name });
    processes.splice(processes.indexOf(nodes[victim]!.name), 1);
    const calls = [a, b];
    await until(() => calls.filter((c) => c.state === 'reconnecting').length === onVictim, `the ${onVictim} participant(s) of the killed node reconnecting`, 5_000);
    // Peer-to-peer media does not go through the node.
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected again', 10_000);
    const back = performance.now() - killedAt;
    console.log(`cluster failover: ${onVictim} socket(s) on the killed node, both pages connected again ${Math.round(back)} ms after the SIGKILL`);
    expect(back, `signaling back in ${Math.round(back)} ms`).to.be.below(10_000);
    expect(await sockets(survivor.name), 'both sockets now on the surviving node').to.equal(2);
    expect(left, 'nobody left the call').to.deep.equal([]);
    expect(openPeerConnections().every((pc) => pc.connectionState === 'connected')).to.equal(true);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 3);
    // A newcomer on the surviving node sees and is seen by both.
    const c = await createCall({ room, server: survivor.url, name: 'Cleo', autojoin: true });
    made.push(c);
    await allConnected([a, b, c], 3, 30_000);
    expect(c.participants.map((p) => p.displayName).sort()).to.deep.equal(['Ann', 'Bob', 'Cleo']);
    await framesAdvance(videoOf(await remoteTile(c, 'Ann')), 3);
    await framesAdvance(videoOf(await remoteTile(c, 'Bob')), 3);
    expect(left).to.deep.equal([]);
  });

  it('an SFU room (RTC_MESH_MAX=0) with its two participants on different nodes: each sees the other through Janus, driven by one node', async function () {
    this.timeout(90_000);
    const { redis, nodes: [x, y] } = await cluster({ RTC_JANUS_URLS: await janus(), RTC_MESH_MAX: '0' });
    const room = uniqueRoom('sfu-nodes');
    const a = await createCall({ room, server: x!.url, name: 'Ann', autojoin: true });
    made.push(a);
    // Ann's join first (autojoin does not wait), so that her node is the one that opens the room.
    await until(() => a.state === 'connected', 'Ann connected', 30_000);
    const b = await createCall({ room, server: y!.url, name: 'Bob', autojoin: true });
    made.push(b);
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected', 30_000);
    expect([a.mode, b.mode]).to.deep.equal(['sfu', 'sfu']);
    expect([await sockets(x!.name), await sockets(y!.name)], 'one signaling socket on each node').to.deep.equal([1, 1]);
    expect(await leaseHolder(redis, room), 'the node of the first join drives the room').to.equal(x!.name);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5, 30_000);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5, 30_000);
  });

  it('the node driving an SFU room killed behind nginx: the other takes the room over (sfu-moved), both see each other again, signaling back within 10 s', async function () {
    this.timeout(120_000);
    const { redis, nodes } = await cluster({ RTC_JANUS_URLS: await janus(), RTC_MESH_MAX: '0' });
    const nginx = await command<{ id: string; url: string }>('nginx-start', { upstreams: nodes.map((n) => n.port) });
    servers.push(nginx.id);
    const room = uniqueRoom('sfu-failover');
    const a = await createCall({ room, server: nginx.url, name: 'Ann', autojoin: true });
    const b = await createCall({ room, server: nginx.url, name: 'Bob', autojoin: true });
    made.push(a, b);
    await until(() => a.state === 'connected' && b.state === 'connected', 'both connected', 30_000);
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5, 30_000);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5, 30_000);
    const holder = await leaseHolder(redis, room);
    const victim = nodes.find((n) => n.name === holder);
    expect(victim, `a node holds the lease (${holder})`).to.not.equal(undefined);
    const survivor = nodes.find((n) => n !== victim)!;
    const left: string[] = [];
    for (const el of [a, b]) el.addEventListener('rtc-participant-left', (e) => left.push(e.detail.participant.displayName));
    const killedAt = performance.now();
    await command('rtc-process-kill', { name: victim!.name });
    processes.splice(processes.indexOf(victim!.name), 1);
    // Measured apart: the lease's takeover, and both pages connected (their signaling back, and
    // their media, which the element counts in its state: `reconnecting` while it moves).
    const [taken, back] = await Promise.all([
      until(async () => (await leaseHolder(redis, room)) === survivor.name, 'the surviving node holds the lease', 10_000).then(() => performance.now() - killedAt),
      until(() => a.state === 'connected' && b.state === 'connected', 'both connected again', 10_000).then(() => performance.now() - killedAt),
    ]);
    // Both published again into the new VideoRoom: video flows both ways.
    await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5, 20_000);
    await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5, 20_000);
    const video = performance.now() - killedAt;
    console.log(`cluster SFU failover: lease taken over ${Math.round(taken)} ms, both pages connected ${Math.round(back)} ms, video both ways ${Math.round(video)} ms after the SIGKILL`);
    expect(back, `signaling back in ${Math.round(back)} ms`).to.be.below(10_000);
    expect(left, 'nobody left the call').to.deep.equal([]);
    expect(await sockets(survivor.name), 'both sockets on the surviving node').to.equal(2);
  });

  it('two coturn servers sharing one secret, one of them stopped: a relay-only call connects through the other', async function () {
    this.timeout(60_000);
    const secret = 'fleet-secret-0123456789abcdef0123';
    const down = await command<{ id: string; url: string; port: number }>('coturn-start', { secret });
    const up = await command<{ id: string; url: string; port: number }>('coturn-start', { secret });
    await command('coturn-stop', { id: down.id });
    try {
      const server = await rtcServer(uniqueRoom('fleet'), { turnUrls: [down.url, up.url], turnSecret: secret, iceTransportPolicy: 'relay' });
      const room = uniqueRoom('fleet');
      const a = await createCall({ room, server, name: 'Ann', autojoin: true });
      const b = await createCall({ room, server, name: 'Bob', autojoin: true });
      made.push(a, b);
      await allConnected([a, b], 2, 40_000);
      await framesAdvance(videoOf(await remoteTile(a, 'Bob')), 5);
      await framesAdvance(videoOf(await remoteTile(b, 'Ann')), 5);
      for (const pc of openPeerConnections()) {
        expect(pc.getConfiguration().iceServers?.flatMap((s) => s.urls).length, 'both TURN servers offered').to.equal(2);
        const pair = (await until(() => selectedCandidates(pc), 'a selected pair'))!;
        expect([pair.local.candidateType, pair.remote.candidateType]).to.deep.equal(['relay', 'relay']);
        // The relay candidate came from the server that is up.
        if (pair.local.url) expect(pair.local.url).to.include(`:${up.port}`);
      }
    } finally {
      await command('coturn-stop', { id: up.id });
    }
  });
});
