// The documented deployment: nginx (docs/deploy/nginx-cluster.conf, no sticky sessions) in front of
// two rtc-call nodes sharing one Redis. Joins and sockets go through nginx to either node; members
// on different nodes reach each other; a node killed with SIGKILL: the sockets it held reconnect
// through nginx to the other node within 10 s, and joins go on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signRoomToken, type JoinResponse } from '../../server/index.js';
import { missing, startNginx, startRedis, type TestNginx, type TestRedis } from './cluster-helpers.js';
import { connect, join, spawnCli, type CliProcess, type PeerSocket } from './helpers.js';

const PEER_SECRET = 'peer-secret-0123456789abcdef0123456789abcdef';
const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;
const skip = missing('redis-server') ?? missing('nginx');

describe('cluster mode behind nginx (docs/deploy/nginx-cluster.conf)', { skip }, () => {
  let redis: TestRedis;
  let nginx: TestNginx;
  let x: CliProcess;
  let y: CliProcess;
  before(async () => {
    redis = await startRedis();
    const env = {
      ...process.env, RTC_REDIS_URL: redis.url, RTC_PEER_SECRET: PEER_SECRET, RTC_ROOM_SECRET: ROOM_SECRET,
      RTC_TRUST_PROXY: 'true', RTC_JOIN_RATE_LIMIT: '0',
    };
    x = await spawnCli(['--port', '0'], env);
    y = await spawnCli(['--port', '0'], env);
    nginx = await startNginx([x.port, y.port]);
  });
  after(async () => {
    await nginx?.stop();
    for (const p of [x, y]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await redis?.stop();
  });

  const enter = async (room: string, name: string, role: 'host' | 'guest' = 'guest') => {
    const token = await signRoomToken({ secret: ROOM_SECRET, room, name, role, sub: name.toLowerCase() });
    const r = await join(nginx.base, room, { token });
    assert.equal(r.status, 200, r.text);
    return r.body as JoinResponse;
  };

  test('the documented file passes nginx -t and has no sticky sessions', () => {
    const directives = nginx.config.replace(/#.*$/gm, '');
    assert.doesNotMatch(directives, /\b(ip_hash|hash\s+\$\S+|sticky)\b/);
    assert.match(nginx.config, /proxy_set_header Upgrade \$http_upgrade;/);
  });

  test('joins and sockets through nginx land on both nodes; everyone sees and reaches everyone; a node killed: its sockets are back through nginx within 10 s', async () => {
    const people: Array<{ j: JoinResponse; p: PeerSocket }> = [];
    for (const name of ['Ann', 'Ben', 'Cid', 'Dee']) {
      const j = await enter('n1', name);
      people.push({ j, p: await connect(nginx.port, j) });
    }
    // Round robin, no stickiness: both nodes answered joins.
    assert.match(x.err(), /rtc-call: join room=n1/);
    assert.match(y.err(), /rtc-call: join room=n1/);
    const last = people[3]!;
    const roster = await last.p.next(isEvent('members'));
    assert.deepEqual(roster.payload.data.members.map((m: any) => m.displayName).sort(), ['Ann', 'Ben', 'Cid', 'Dee']);
    // The newcomer calls everyone, whatever node each one's socket is on.
    for (const other of people.slice(0, 3)) last.p.send({ type: 'OFFER', dst: other.j.peerId, payload: { sdp: `to-${other.j.displayName}` } });
    for (const other of people.slice(0, 3)) {
      const offer = await other.p.next((m) => m.type === 'OFFER');
      assert.equal(offer.src, last.j.peerId);
    }

    const closedAt = Date.now();
    x.child.kill('SIGKILL');
    // Some sockets were on x: they close; each reconnects through nginx (to y) with its own token.
    const closed = await Promise.race([
      Promise.any(people.map((h) => h.p.closed)),
      new Promise((r) => setTimeout(() => r(undefined), 3000)),
    ]);
    assert.ok(closed, 'at least one socket was on the killed node');
    await new Promise((r) => setTimeout(r, 200));
    const reconnected: PeerSocket[] = [];
    for (const h of people) {
      if (h.p.ws.readyState !== h.p.ws.OPEN) {
        h.p = await connect(nginx.port, h.j);
        reconnected.push(h.p);
      }
    }
    const back = Date.now() - closedAt;
    assert.ok(reconnected.length >= 1 && reconnected.length <= 3, `${reconnected.length} sockets reconnected`);
    assert.ok(back < 10_000, `back within 10 s (${back} ms)`);
    for (const p of reconnected) {
      const again = await p.next(isEvent('members'));
      assert.equal(again.payload.data.members.length, 4, 'the whole room, after the failover');
    }
    // Everyone reaches everyone on the surviving node; joins through nginx go on.
    const first = people[0]!;
    for (const other of people.slice(1)) first.p.send({ type: 'CANDIDATE', dst: other.j.peerId, payload: { candidate: 'after' } });
    for (const other of people.slice(1)) assert.equal((await other.p.next((m) => m.type === 'CANDIDATE' && m.payload.candidate === 'after', 5000)).src, first.j.peerId);
    const eve = await enter('n1', 'Eve');
    assert.deepEqual(eve.members.map((m) => m.displayName).sort(), ['Ann', 'Ben', 'Cid', 'Dee']);
    for (const h of people) h.p.close();
  });
});
