// Cluster mode (RTC_REDIS_URL): two signaling nodes share rooms through a real redis-server. Members
// of one room on different nodes reach each other (room events and PeerJS frames), the waiting
// room and host actions work across nodes, revocations, bars and rate limits hold on every node,
// a node killed with SIGKILL loses no room (its members reconnect to the other node; those who
// do not are taken off after their grace period), and Redis lost and back is survived.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, signRoomToken, type JoinResponse } from '../../server/index.js';
import { missing, startRedis, type TestRedis } from './cluster-helpers.js';
import { connect, freeTcpPort, join, joinOk, request, spawnCli, start, waitFor, type CliProcess, type PeerSocket, type Started } from './helpers.js';

const PEER_SECRET = 'peer-secret-0123456789abcdef0123456789abcdef';
const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef0123';
const ADMIN = 'admin-token-0123456789abcdef01234567';
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;
const isReply = (id: string) => (m: any) => m.type === 'ROOM' && m.payload?.reply === id;
const noRedis = missing('redis-server');

let seq = 0;
async function ask(p: PeerSocket, request: string, data?: unknown): Promise<any> {
  const id = `c${++seq}`;
  p.send({ type: 'ROOM', payload: { request, id, ...(data !== undefined ? { data } : {}) } });
  return (await p.next(isReply(id))).payload;
}

async function node(redis: TestRedis, extra: Parameters<typeof start>[0] = {}): Promise<Started> {
  const s = await start({ redisUrl: redis.url, peerSecret: PEER_SECRET, metricsToken: METRICS, adminToken: ADMIN, ...extra });
  await s.rtc.ready;
  return s;
}

async function enter(s: { base: string }, room: string, who: { name: string; role?: 'host' | 'guest'; sub?: string; wait?: boolean }) {
  const token = await signRoomToken({ secret: ROOM_SECRET, room, name: who.name, role: who.role ?? 'guest', sub: who.sub ?? who.name.toLowerCase(), wait: who.wait });
  return join(s.base, room, { token });
}

async function seat(s: { base: string; port: number }, room: string, who: Parameters<typeof enter>[2]): Promise<{ j: JoinResponse; p: PeerSocket }> {
  const r = await enter(s, room, who);
  assert.equal(r.status, 200, r.text);
  return { j: r.body, p: await connect(s.port, r.body) };
}

async function metric(s: { base: string }, name: string): Promise<number> {
  const r = await request(`${s.base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
  return m ? Number(m[1]) : NaN;
}

describe('cluster mode: configuration', () => {
  test('RTC_REDIS_URL without RTC_PEER_SECRET refuses to start, saying why', () => {
    assert.throws(() => createRtcServer({ redisUrl: 'redis://127.0.0.1:6379' }), /cluster mode \(RTC_REDIS_URL\) needs RTC_PEER_SECRET/);
  });

  test('a malformed RTC_REDIS_URL is refused with a one-line reason; Janus in cluster mode is accepted (one node per room drives it: cluster-sfu.test.ts)', async () => {
    assert.throws(() => createRtcServer({ redisUrl: 'http://127.0.0.1:6379', peerSecret: PEER_SECRET }), /RTC_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    const port = await freeTcpPort();
    const rtc = createRtcServer({ redisUrl: `redis://127.0.0.1:${port}`, peerSecret: PEER_SECRET, janusUrls: [`ws://127.0.0.1:${port}`], log: () => {} });
    await assert.rejects(rtc.ready, /does not answer/);
    await rtc.close();
  });

  test('Redis not answering at start: ready rejects with the URL (no password) and what to do; the CLI exits 1 with it', async () => {
    const port = await freeTcpPort();
    const rtc = createRtcServer({ redisUrl: `redis://:hunter2-secret@127.0.0.1:${port}`, peerSecret: PEER_SECRET, log: () => {} });
    await assert.rejects(rtc.ready, (err: Error) => {
      assert.match(err.message, new RegExp(`Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? \\(RTC_REDIS_URL\\) does not answer`));
      assert.doesNotMatch(err.message, /hunter2/);
      assert.match(err.message, /Start redis-server or fix RTC_REDIS_URL/);
      return true;
    });
    await rtc.close();
    await assert.rejects(
      spawnCli(['--port', '0'], { ...process.env, RTC_REDIS_URL: `redis://127.0.0.1:${port}`, RTC_PEER_SECRET: PEER_SECRET }),
      /does not answer[\s\S]*Start redis-server/,
    );
  });
});

describe('cluster mode: two nodes, one Redis', { skip: noRedis }, () => {
  let redis: TestRedis;
  let a: Started;
  let b: Started;
  before(async () => {
    redis = await startRedis();
    a = await node(redis, { roomSecret: ROOM_SECRET });
    b = await node(redis, { roomSecret: ROOM_SECRET });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('members of one room on different nodes: roster, member-joined, OFFER/ANSWER/CANDIDATE both ways, member-left', async () => {
    const alice = await seat(a, 'r1', { name: 'Alice' });
    const bobJoin = await enter(b, 'r1', { name: 'Bob' });
    assert.equal(bobJoin.status, 200, bobJoin.text);
    // Node b answers the join with who is on node a.
    assert.deepEqual(bobJoin.body.members.map((m: any) => m.displayName), ['Alice']);
    const joined = await alice.p.next(isEvent('member-joined'));
    assert.equal(joined.payload.data.peerId, bobJoin.body.peerId);
    const bob = await connect(b.port, bobJoin.body);
    const roster = await bob.next(isEvent('members'));
    assert.deepEqual(roster.payload.data.members.map((m: any) => m.displayName).sort(), ['Alice', 'Bob']);

    // The newcomer calls: b → Redis → a, with `src` rebuilt from b's verified identity.
    bob.send({ type: 'OFFER', dst: alice.j.peerId, src: 'forged', payload: { sdp: 'offer-sdp', connectionId: 'mc_1' } });
    const offer = await alice.p.next((m) => m.type === 'OFFER');
    assert.equal(offer.src, bobJoin.body.peerId);
    assert.equal(offer.payload.sdp, 'offer-sdp');
    alice.p.send({ type: 'ANSWER', dst: bobJoin.body.peerId, payload: { sdp: 'answer-sdp', connectionId: 'mc_1' } });
    const answer = await bob.next((m) => m.type === 'ANSWER');
    assert.equal(answer.src, alice.j.peerId);
    for (let i = 0; i < 5; i++) alice.p.send({ type: 'CANDIDATE', dst: bobJoin.body.peerId, payload: { candidate: { candidate: `c${i}` } } });
    await waitFor(() => bob.messages.filter((m) => m.type === 'CANDIDATE').length === 5, 3000, 'five candidates, in order');
    assert.deepEqual(bob.messages.filter((m) => m.type === 'CANDIDATE').map((m) => m.payload.candidate.candidate), ['c0', 'c1', 'c2', 'c3', 'c4']);

    // Name changes, leaving: told across nodes; the admin API of either node lists the room alike.
    const listA = await request(`${a.base}/api/admin/rooms/r1`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const listB = await request(`${b.base}/api/admin/rooms/r1`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(listA.status, 200, listA.text);
    assert.deepEqual(listA.body, listB.body);
    assert.equal(listA.body.members.length, 2);
    assert.ok(listA.body.members.every((m: any) => m.connected), 'both connected, each on its own node');

    bob.send({ type: 'ROOM', payload: { request: 'leave' } });
    const left = await alice.p.next(isEvent('member-left'));
    assert.deepEqual(left.payload.data, { peerId: bobJoin.body.peerId, reason: 'left' });
    await alice.p.next((m) => m.type === 'LEAVE' && m.src === bobJoin.body.peerId);
    // Revoked on every node: its token opens no socket on a, the other node.
    await assert.rejects(connect(a.port, bobJoin.body), (e: any) => e.status === 401);
    alice.p.close();
  });

  test('two joins at the same moment on two nodes: exactly one of them calls the other (no one is missed, no glare)', async () => {
    for (let i = 0; i < 10; i++) {
      const room = `race${i}`;
      const [ra, rb] = await Promise.all([enter(a, room, { name: 'A' }), enter(b, room, { name: 'B' })]);
      assert.equal(ra.status + rb.status, 400, `${ra.text} ${rb.text}`);
      const [ja, jb] = [ra.body as JoinResponse, rb.body as JoinResponse];
      const listed = [ja.members.length, jb.members.length].sort();
      assert.deepEqual(listed, [0, 1], `room ${room}: one answer lists the other, one lists nobody (got ${ja.members.length}, ${jb.members.length})`);
      const [earlier, later, earlierNode] = ja.members.length === 0 ? [ja, jb, a] : [jb, ja, b];
      assert.equal(later.members[0]!.peerId, earlier.peerId);
      // The earlier one hears of the later one: member-joined, or the roster its socket gets on opening.
      const p = await connect(earlierNode.port, earlier);
      await p.next((m) => (isEvent('member-joined')(m) && m.payload.data.peerId === later.peerId) ||
        (isEvent('members')(m) && m.payload.data.members.some((x: any) => x.peerId === later.peerId)));
      p.close();
    }
  });

  test('the waiting room across nodes: knock reaches the host on the other node; admit, deny (cooldown), remove (barred), lock', async () => {
    const host = await seat(a, 'w1', { name: 'Rivera', role: 'host' });
    await host.p.next(isEvent('members'));
    const pat = await enter(b, 'w1', { name: 'Pat', wait: true });
    assert.equal(pat.body.waiting, true);
    const knock = await host.p.next(isEvent('knock'));
    assert.equal(knock.payload.data.participant.peerId, pat.body.peerId);
    const patSock = await connect(b.port, pat.body);
    await patSock.next(isEvent('waiting'));
    // Someone waiting reaches nobody, across nodes too.
    patSock.send({ type: 'OFFER', dst: host.j.peerId, payload: { sdp: 'x' } });
    assert.ok(await host.p.none((m) => m.type === 'OFFER', 300));

    // A guest cannot admit; the host on node a admits the guest on node b.
    const guest = await seat(b, 'w1', { name: 'Sam', wait: false });
    assert.equal((await ask(guest.p, 'admit', { peerId: pat.body.peerId })).error.code, 'not-allowed');
    assert.equal((await ask(host.p, 'admit', { peerId: pat.body.peerId })).ok, true);
    const admitted = await patSock.next(isEvent('admitted'));
    assert.ok(admitted.payload.data.peerToken);
    assert.deepEqual(admitted.payload.data.members.map((m: any) => m.displayName).sort(), ['Rivera', 'Sam']);
    // Now seated: its offer reaches the host on the other node.
    patSock.send({ type: 'OFFER', dst: host.j.peerId, payload: { sdp: 'after-admit' } });
    assert.equal((await host.p.next((m) => m.type === 'OFFER')).payload.sdp, 'after-admit');

    // Deny across nodes: the knocker on a is told and closed; its cooldown holds on node b.
    const kim = await enter(a, 'w1', { name: 'Kim', wait: true });
    const kimSock = await connect(a.port, kim.body);
    await kimSock.next(isEvent('waiting'));
    const hostB = await seat(b, 'w1', { name: 'Lee', role: 'host' });
    await hostB.p.next(isEvent('members'));
    assert.equal((await ask(hostB.p, 'deny', { peerId: kim.body.peerId })).ok, true);
    await kimSock.next(isEvent('denied'));
    assert.equal((await kimSock.closed).code, 4001);
    const again = await enter(b, 'w1', { name: 'Kim', wait: true });
    assert.equal(again.status, 429, again.text);
    assert.equal(again.body.error.code, 'knock-cooldown');

    // Remove across nodes: Sam (on b) removed by the host on a; barred on both nodes.
    assert.equal((await ask(host.p, 'remove', { peerId: guest.j.peerId })).ok, true);
    const removed = await guest.p.next(isEvent('removed'));
    assert.equal(removed.payload.data.reason, 'removed-by-host');
    assert.equal((await guest.p.closed).code, 4001);
    const left = await hostB.p.next((m) => isEvent('member-left')(m) && m.payload.data.peerId === guest.j.peerId);
    assert.equal(left.payload.data.reason, 'removed-by-host');
    for (const s of [a, b]) {
      const back = await enter(s, 'w1', { name: 'Sam', wait: false });
      assert.equal(back.status, 403, back.text);
      assert.equal(back.body.error.code, 'removed-by-host');
    }

    // Lock on node b: a newcomer on node a knocks.
    assert.deepEqual((await ask(hostB.p, 'lock')).data, { locked: true });
    await host.p.next((m) => isEvent('locked')(m) && m.payload.data.locked === true);
    const late = await enter(a, 'w1', { name: 'Ada', wait: false });
    assert.equal(late.body.waiting, true, 'a locked room makes newcomers knock on every node');

    // Mute request across nodes.
    assert.equal((await ask(hostB.p, 'mute', { peerId: pat.body.peerId })).ok, true);
    assert.equal((await patSock.next(isEvent('mute-requested'))).payload.data.by, 'Lee');
    for (const p of [host.p, patSock, hostB.p]) p.close();
  });

  test('end on one node dismisses everyone on both', async () => {
    const host = await seat(a, 'e1', { name: 'Rivera', role: 'host' });
    const g1 = await seat(b, 'e1', { name: 'Una' });
    const g2 = await seat(a, 'e1', { name: 'Dos' });
    const knocker = await enter(b, 'e1', { name: 'Tres', wait: true });
    const k = await connect(b.port, knocker.body);
    await k.next(isEvent('waiting'));
    assert.equal((await ask(host.p, 'end')).ok, true);
    for (const p of [g1.p, g2.p, k]) {
      await p.next(isEvent('ended'));
      assert.equal((await p.closed).code, 4001);
    }
    for (const s of [a, b]) {
      const left = await request(`${s.base}/api/admin/rooms/e1`, { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.deepEqual([left.body.members, left.body.waiting], [[], []], 'nobody left in the room, on either node');
    }
  });

  test("only the node that holds a member moves it: another node's record with a stale node does not cut its socket", async () => {
    const { j, p } = await seat(b, 'own1', { name: 'Oda' });
    await p.next(isEvent('members'));
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis.url);
    try {
      const record = JSON.parse((await raw.hget('rtc:members', j.peerId))!);
      const holder = record.node;
      // What an admission on a node with an old view would publish: the member on some other node.
      const stale = { ...record, node: 'stale-node-view', displayName: 'Oda' };
      await raw.publish('rtc:roster', JSON.stringify({ from: 'some-other-node', op: 'saved', r: stale }));
      assert.ok(await p.none(() => false, 300));
      assert.equal(p.ws.readyState, p.ws.OPEN, 'the socket stays open');
      // The holder wrote its own view again.
      await waitFor(() => false, 200, '').catch(() => {});
      assert.equal(JSON.parse((await raw.hget('rtc:members', j.peerId))!).node, holder);
      // The holder's own word does move it: the same record from that node cuts the socket here.
      await raw.publish('rtc:roster', JSON.stringify({ from: 'stale-node-view', op: 'saved', r: stale }));
      assert.ok((await p.closed).code >= 1000);
    } finally {
      raw.disconnect();
    }
  });

  test('a pre-warmed socket parked on one node, its join answered by the other: the parked socket becomes the member\'s', async () => {
    const host = await seat(a, 'pwc', { name: 'Rivera', role: 'host' });
    const tok = await signRoomToken({ secret: ROOM_SECRET, room: 'pwc', name: 'Pat', role: 'guest', sub: 'pat', wait: false });
    const pw = await join(b.base, 'pwc', { token: tok, rejoinKey: 'tab-key-0123456789', prewarm: true });
    assert.equal(pw.status, 200, pw.text);
    const parked = await connect(b.port, pw.body);
    const r = await join(a.base, 'pwc', { token: tok, rejoinKey: 'tab-key-0123456789', prewarmToken: pw.body.peerToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.peerId, pw.body.peerId);
    const members = await parked.next(isEvent('members'));
    assert.deepEqual(members.payload.data.members.map((m: any) => m.displayName).sort(), ['Pat', 'Rivera']);
    await host.p.next((m) => isEvent('member-joined')(m) && m.payload.data.peerId === pw.body.peerId);
    parked.send({ type: 'OFFER', dst: host.j.peerId, payload: { sdp: 'warm' } });
    assert.equal((await host.p.next((m) => m.type === 'OFFER')).src, pw.body.peerId);
    for (const p of [host.p, parked]) p.close();
  });

  test('the join rate limit is counted across nodes', async () => {
    const redis2 = await startRedis();
    const x = await node(redis2, { joinRateLimit: 3 });
    const y = await node(redis2, { joinRateLimit: 3 });
    try {
      assert.equal((await join(x.base, 'rl', { displayName: 'a' })).status, 200);
      assert.equal((await join(y.base, 'rl', { displayName: 'b' })).status, 200);
      assert.equal((await join(x.base, 'rl', { displayName: 'c' })).status, 200);
      const fourth = await join(y.base, 'rl', { displayName: 'd' });
      assert.equal(fourth.status, 429, 'the fourth join within the minute, on the other node');
      assert.equal(fourth.body.error.code, 'rate-limited');
      assert.ok(Number(fourth.headers.get('retry-after')) >= 1);
    } finally {
      await x.close();
      await y.close();
      await redis2.stop();
    }
  });

  test('/metrics: rtc_redis_up and rtc_cluster_nodes; rooms count the cluster, sockets this node', async () => {
    const socketsA = a.rtc.stats().sockets;
    const socketsB = b.rtc.stats().sockets;
    const p = await seat(a, 'm1', { name: 'Mo' });
    const seen = await request(`${b.base}/api/admin/rooms/m1`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(seen.body.members.length, 1, 'node b knows the seat taken on node a');
    assert.equal(await metric(a, 'rtc_redis_up'), 1);
    await waitFor(() => false, 1200, 'a heartbeat').catch(() => {});
    assert.equal(await metric(b, 'rtc_cluster_nodes'), 2);
    assert.equal(b.rtc.stats().sockets, socketsB, 'the socket is on node a only');
    assert.equal(a.rtc.stats().sockets, socketsA + 1);
    p.p.close();
  });
});

describe('cluster mode: the last seats, taken on two nodes at once', { skip: noRedis }, () => {
  let redis: TestRedis;
  let a: Started;
  let b: Started;
  before(async () => {
    redis = await startRedis();
    a = await node(redis, { roomSecret: ROOM_SECRET, maxParticipants: 2 });
    b = await node(redis, { roomSecret: ROOM_SECRET, maxParticipants: 2 });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('12 joins at the same moment, split over two nodes, for a 2-seat room: exactly 2 seated, the other 10 get 409 room-full', async () => {
    for (const round of [1, 2, 3]) {
      const room = `race-${round}`;
      const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        signRoomToken({ secret: ROOM_SECRET, room, name: `P${i}`, role: 'guest', sub: `p${i}` })));
      const answers = await Promise.all(tokens.map((token, i) => join((i % 2 ? b : a).base, room, { token })));
      const seated = answers.filter((r) => r.status === 200);
      const refused = answers.filter((r) => r.status !== 200);
      assert.equal(seated.length, 2, `round ${round}: ${answers.map((r) => r.status).join(' ')}`);
      for (const r of refused) {
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.error.code, 'room-full', r.text);
      }
      // Both nodes see the same two.
      for (const s of [a, b]) {
        const r = await request(`${s.base}/api/rooms/${room}/members`, { headers: { authorization: `Bearer ${seated[0]!.body.peerToken}` } });
        assert.equal(r.body.members.length, 2, r.text);
      }
      // A seat given up is free again at once (its claim was spent when it was taken): a newcomer
      // on the other node gets it.
      const leaver = await connect(a.port, seated[0]!.body);
      leaver.send({ type: 'ROOM', payload: { request: 'leave' } });
      await leaver.closed;
      const late = await signRoomToken({ secret: ROOM_SECRET, room, name: 'Late', role: 'guest', sub: 'late' });
      const t0 = Date.now();
      let again = await join(b.base, room, { token: late });
      while (again.status !== 200 && Date.now() - t0 < 5_000) {
        await new Promise((r) => setTimeout(r, 100));
        again = await join(b.base, room, { token: late });
      }
      assert.equal(again.status, 200, again.text);
    }
  });
});

describe('cluster mode: the last seat, given by two admissions on two nodes at once', { skip: noRedis }, () => {
  test('a host on one node and the admin API on the other each admit someone into the last seat: exactly one gets it, the other is 409 room-full and still waits', async () => {
    const redis = await startRedis();
    const a = await node(redis, { roomSecret: ROOM_SECRET, maxParticipants: 2 });
    const b = await node(redis, { roomSecret: ROOM_SECRET, maxParticipants: 2 });
    try {
      for (const round of [1, 2, 3]) {
        const room = `adm-${round}`;
        const host = await seat(a, room, { name: 'Host', role: 'host' });
        const w1 = await enter(a, room, { name: 'Wes', wait: true });
        const w2 = await enter(b, room, { name: 'Val', wait: true });
        const p1 = await connect(a.port, w1.body);
        const p2 = await connect(b.port, w2.body);
        await Promise.all([p1.next(isEvent('waiting')), p2.next(isEvent('waiting'))]);
        await host.p.next((m) => isEvent('knock')(m) && m.payload.data.participant.peerId === w2.body.peerId);
        const [byHost, byAdmin] = await Promise.all([
          ask(host.p, 'admit', { peerId: w1.body.peerId }),
          request(`${b.base}/api/admin/rooms/${room}/admit`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ peerId: w2.body.peerId }) }),
        ]);
        const oks = [byHost.ok === true, byAdmin.status === 200];
        assert.equal(oks.filter(Boolean).length, 1, `round ${round}: host ${JSON.stringify(byHost)}, admin ${byAdmin.status} ${byAdmin.text}`);
        if (!oks[0]) assert.equal(byHost.error.code, 'room-full');
        if (!oks[1]) {
          assert.equal(byAdmin.status, 409, byAdmin.text);
          assert.equal(byAdmin.body.error.code, 'room-full');
        }
        const snapshot = (await request(`${a.base}/api/admin/rooms/${room}`, { headers: { authorization: `Bearer ${ADMIN}` } })).body;
        assert.equal(snapshot.members.length, 2, JSON.stringify(snapshot));
        assert.equal(snapshot.waiting.length, 1, JSON.stringify(snapshot));
        for (const p of [host.p, p1, p2]) p.close();
      }
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
    }
  });
});

describe('cluster mode: Redis lost and back', { skip: noRedis }, () => {
  test('while Redis is down the nodes say so (log, rtc_redis_up 0) and calls on a node go on; when it is back, routing across nodes works again', async () => {
    const redis = await startRedis();
    const a = await node(redis);
    const b = await node(redis);
    try {
      const j1 = await joinOk(a.base, 'lost', 'One');
      const p1 = await connect(a.port, j1);
      const j2 = await joinOk(b.base, 'lost', 'Two');
      const p2 = await connect(b.port, j2);
      await p1.next(isEvent('member-joined'));
      await redis.stop();
      await waitFor(() => a.logs.some((l) => /cluster: lost Redis/.test(l)), 5000, 'the lost-Redis log line');
      assert.equal(await metric(a, 'rtc_redis_up'), 0);
      // The same node still relays between its own sockets.
      const j3 = await joinOk(a.base, 'lost', 'Three');
      const p3 = await connect(a.port, j3);
      p3.send({ type: 'OFFER', dst: j1.peerId, payload: { sdp: 'local' } });
      assert.equal((await p1.next((m) => m.type === 'OFFER')).src, j3.peerId);

      await redis.restart();
      await waitFor(() => a.logs.some((l) => /cluster: Redis at .* is back/.test(l)) && b.logs.some((l) => /re-read the shared state/.test(l)), 8000, 'both nodes back');
      assert.equal(await metric(a, 'rtc_redis_up'), 1);
      // Redis came back empty: each node wrote its own members again, so the other node knows them.
      await waitFor(() => b.rtc.stats().participants === 3, 5000, 'node b to know all three again');
      p2.send({ type: 'OFFER', dst: j3.peerId, payload: { sdp: 'across-again' } });
      const offer = await p3.next((m) => m.type === 'OFFER' && m.payload.sdp === 'across-again', 5000);
      assert.equal(offer.src, j2.peerId);
      for (const p of [p1, p2, p3]) p.close();
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
    }
  });
});

describe('cluster mode: a node killed (SIGKILL)', { skip: noRedis }, () => {
  let redis: TestRedis;
  let x: CliProcess;
  let y: CliProcess;
  const env = () => ({ ...process.env, RTC_REDIS_URL: redis.url, RTC_PEER_SECRET: PEER_SECRET, RTC_ROOM_SECRET: ROOM_SECRET, RTC_JOIN_RATE_LIMIT: '0', RTC_ADMIN_TOKEN: ADMIN });
  before(async () => {
    redis = await startRedis();
    x = await spawnCli(['--port', '0'], env());
    y = await spawnCli(['--port', '0'], env());
  });
  after(async () => {
    for (const p of [x, y]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('its members reconnect to the other node within seconds and stay in the call; who does not is taken off; the waiting list survives; a newcomer sees everyone', async () => {
    const X = { base: `http://127.0.0.1:${x.port}`, port: x.port };
    const Y = { base: `http://127.0.0.1:${y.port}`, port: y.port };
    const host = await seat(Y, 'k1', { name: 'Rivera', role: 'host' });
    const ann = await seat(X, 'k1', { name: 'Ann' });
    const ben = await seat(X, 'k1', { name: 'Ben' });
    const waiting = await enter(X, 'k1', { name: 'Wes', wait: true });
    const wes = await connect(X.port, waiting.body);
    await wes.next(isEvent('waiting'));
    await host.p.next(isEvent('knock'));

    const killedAt = Date.now();
    x.child.kill('SIGKILL');
    await Promise.all([ann.p.closed, wes.closed, ben.p.closed]);
    // Ann and Wes come back at once through the surviving node, with the tokens they had; Ben does not.
    const ann2 = await connect(Y.port, ann.j);
    const wes2 = await connect(Y.port, waiting.body);
    const back = Date.now() - killedAt;
    assert.ok(back < 10_000, `signaling back within 10 s (${back} ms)`);
    const roster = await ann2.next(isEvent('members'));
    assert.deepEqual(roster.payload.data.members.map((m: any) => m.displayName).sort(), ['Ann', 'Ben', 'Rivera']);
    await wes2.next(isEvent('waiting'));

    // Ben's seat: taken over by node y, then off after its grace period; Ann stays.
    const benLeft = await host.p.next((m) => isEvent('member-left')(m) && m.payload.data.peerId === ben.j.peerId, 12_000);
    assert.equal(benLeft.payload.data.reason, 'disconnected');
    assert.ok(!host.p.messages.some((m) => isEvent('member-left')(m) && m.payload.data.peerId === ann.j.peerId), 'Ann never left');
    assert.ok(!ann2.messages.some((m) => isEvent('member-left')(m) && m.payload.data.peerId === host.j.peerId));

    // Ann and the host still reach each other, now on one node.
    ann2.send({ type: 'CANDIDATE', dst: host.j.peerId, payload: { candidate: 'after-failover' } });
    assert.equal((await host.p.next((m) => m.type === 'CANDIDATE')).src, ann.j.peerId);

    // The waiting list survived: the host admits Wes.
    assert.equal((await ask(host.p, 'admit', { peerId: waiting.body.peerId })).ok, true);
    await wes2.next(isEvent('admitted'));

    // A newcomer on the surviving node sees everyone still in the call.
    const cy = await enter(Y, 'k1', { name: 'Cy' });
    assert.deepEqual(cy.body.members.map((m: any) => m.displayName).sort(), ['Ann', 'Rivera', 'Wes']);
    assert.match(y.err(), /node \w+ is gone \(no heartbeat for 3 s\); node \w+ took over its \d+ members/);
    for (const p of [host.p, ann2, wes2]) p.close();
  });
});
