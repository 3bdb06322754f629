// The documented deployment: nginx (docs/deploy/nginx-cluster.conf, no sticky sessions) in front of
// two rtc-call nodes sharing one Redis. Joins and sockets go through nginx to either node; members
// on different nodes reach each other; a node killed with SIGKILL: the sockets it held reconnect
// through nginx to the other node within 10 s, and joins go on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signRoomToken, type JoinResponse } from '../../server/index.js';
import { missing, startNginx, startRedis, type TestNginx, type TestRedis } from './cluster-helpers.js';
import { connect, join, request, spawnCli, type CliProcess, type PeerSocket } from './helpers.js';

const PEER_SECRET = 'peer-secret-0123456789abcdef0123456789abcdef';
const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef0123';
/** What a node served: joins answered and signaling sockets open (its /metrics). */
async function served(port: number): Promise<{ joins: number; sockets: number }> {
  const text = (await request(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { joins: value('rtc_joins_total'), sockets: value('rtc_signaling_sockets') };
}
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
      RTC_TRUST_PROXY: 'true', RTC_JOIN_RATE_LIMIT: '0', RTC_METRICS_TOKEN: METRICS,
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
    // Round robin, no stickiness: both nodes served part of it (joins or sockets: nginx's workers
    // each go round on their own, so which one gets what varies), and the sockets add up.
    const [sx, sy] = [await served(x.port), await served(y.port)];
    assert.ok(sx.joins + sx.sockets > 0 && sy.joins + sy.sockets > 0, `both nodes served requests: ${JSON.stringify([sx, sy])}`);
    assert.equal(sx.joins + sy.joins, 4);
    assert.equal(sx.sockets + sy.sockets, 4);
    const last = people[3]!;
    const roster = await last.p.next(isEvent('members'));
    assert.deepEqual(roster.payload.data.members.map((m: any) => m.displayName).sort(), ['Ann', 'Ben', 'Cid', 'Dee']);
    // The newcomer calls everyone, whatever node each one's socket is on.
    for (const other of people.slice(0, 3)) last.p.send({ type: 'OFFER', dst: other.j.peerId, payload: { sdp: `to-${other.j.displayName}` } });
    for (const other of people.slice(0, 3)) {
      const offer = await other.p.next((m) => m.type === 'OFFER');
      assert.equal(offer.src, last.j.peerId);
    }

    // Kill the node holding the most sockets (at least one of them).
    const [victim, survivor] = sx.sockets >= sy.sockets ? [x, y] : [y, x];
    const closedAt = Date.now();
    victim.child.kill('SIGKILL');
    // Its sockets close; each reconnects through nginx (to the survivor) with its own token.
    const closed = await Promise.race([
      Promise.any(people.map((h) => h.p.closed)),
      new Promise((r) => setTimeout(() => r(undefined), 3000)),
    ]);
    assert.ok(closed, 'the sockets of the killed node closed');
    await new Promise((r) => setTimeout(r, 200));
    const reconnected: PeerSocket[] = [];
    for (const h of people) {
      if (h.p.ws.readyState !== h.p.ws.OPEN) {
        h.p = await connect(nginx.port, h.j);
        reconnected.push(h.p);
      }
    }
    const back = Date.now() - closedAt;
    assert.equal(reconnected.length, Math.max(sx.sockets, sy.sockets), 'every socket of the killed node reconnected');
    assert.equal((await served(survivor.port)).sockets, 4, 'all four now on the surviving node');
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
