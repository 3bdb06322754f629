// /metrics (prom-client): off without RTC_METRICS_TOKEN, bearer-protected with it, and counting
// what operators need — rooms, participants, sockets, joins, refusals by code, relayed and dropped frames.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, join, joinOk, start, type Started } from './helpers.js';

const TOKEN = 'metrics-token-for-tests-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('/metrics without RTC_METRICS_TOKEN', () => {
  test('is off: 404 not-found, even with a bearer token', async () => {
    const s = await start();
    try {
      const r = await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 404);
      assert.equal((await r.json()).error.code, 'not-found');
    } finally {
      await s.close();
    }
  });
});

describe('/metrics with RTC_METRICS_TOKEN', () => {
  let s: Started;
  before(async () => { s = await start({ metricsToken: TOKEN }); });
  after(() => s.close());
  const read = async () => {
    const r = await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return r.text();
  };

  test('needs the bearer token: none, a wrong one, another scheme → 401 unauthorized', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const r = await fetch(`${s.base}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(r.status, 401, String(authorization));
      assert.equal((await r.json()).error.code, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
  });

  test('rooms, participants, sockets, joins, refusals by code, relayed frames and the process metrics', async () => {
    const before = await read();
    assert.ok(sample(before, 'process_cpu_user_seconds_total') !== undefined, 'Node process metrics');
    assert.ok(sample(before, 'nodejs_eventloop_lag_seconds') !== undefined);
    const joins0 = sample(before, 'rtc_joins_total') ?? 0;
    const a = await joinOk(s.base, 'metrics-room', 'A');
    const b = await joinOk(s.base, 'metrics-room', 'B');
    const pa = await connect(s.port, a);
    const pb = await connect(s.port, b);
    assert.equal((await join(s.base, 'bad room!', { displayName: 'C' })).status, 400);
    assert.equal((await join(s.base, 'metrics-room', { displayName: '' })).status, 400);
    const offer = { type: 'OFFER', dst: b.peerId, payload: { sdp: { type: 'offer', sdp: 'v=0' }, connectionId: 'mc_1', type: 'media' } };
    pa.send(offer);
    await pb.next((m) => m.type === 'OFFER');
    const text = await read();
    assert.equal(sample(text, 'rtc_rooms'), 1);
    assert.equal(sample(text, 'rtc_participants'), 2);
    assert.equal(sample(text, 'rtc_signaling_sockets'), 2);
    assert.equal(sample(text, 'rtc_joins_total'), joins0 + 2);
    assert.equal(sample(text, 'rtc_refusals_total', 'code="invalid-room"'), 1);
    assert.equal(sample(text, 'rtc_refusals_total', 'code="invalid-name"'), 1);
    assert.equal(sample(text, 'rtc_relayed_messages_total'), 1);
    assert.ok((sample(text, 'rtc_relayed_bytes_total') ?? 0) > JSON.stringify(offer).length - 40);
    pa.destroy();
    pb.destroy();
  });

  test('frames for a member that never connects are counted as dropped when their queue expires', async () => {
    const a = await joinOk(s.base, 'metrics-queue', 'A');
    const b = await joinOk(s.base, 'metrics-queue', 'B'); // never opens its socket
    const pa = await connect(s.port, a);
    pa.send({ type: 'CANDIDATE', dst: b.peerId, payload: { candidate: {}, connectionId: 'mc_2', type: 'media' } });
    await pa.next((m) => m.type === 'EXPIRE', 8000);
    const text = await read();
    assert.equal(sample(text, 'rtc_dropped_messages_total', 'reason="queue-expired"'), 1);
    pa.destroy();
  });
});
