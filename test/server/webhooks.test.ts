// Webhooks (RTC_WEBHOOK_URL + RTC_WEBHOOK_SECRET): what happens in a room reaches the site's
// backend as signed JSON, in order, retried when the receiver stumbles, and never holds up the
// server's shutdown. The receiver is a real http server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join as joinPath } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signRoomToken } from '../../server/index.js';
import { WebhookSender } from '../../server/webhooks.js';
import { connect, join, request, start, waitFor, type PeerSocket, type Started } from './helpers.js';

const SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const HOOK_SECRET = 'webhook-secret-0123456789abcdef0123456789';
const METRICS = 'metrics-token-0123456789abcdef0123456789';
const VERSION = JSON.parse(readFileSync(joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'package.json'), 'utf8')).version;
const isReply = (id: string) => (m: any) => m.type === 'ROOM' && m.payload?.reply === id;

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: any;
  t: number;
}

/** A webhook receiver; `answer` picks each response's status (or 'hang': never answer). */
async function receiver(answer: (n: number, r: Received) => number | 'hang' = () => 204) {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')), t: Date.now() };
      got.push(r);
      const status = answer(got.length, r);
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/rtc`;
  return {
    url,
    got,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** What a receiver does with `X-Rtc-Signature` (the README's snippet). */
function verified(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function enter(s: Started, room: string, who: { name: string; role?: 'host' | 'guest'; sub?: string; wait?: boolean }) {
  const token = await signRoomToken({ secret: SECRET, room, name: who.name, role: who.role ?? 'guest', sub: who.sub ?? who.name.toLowerCase(), wait: who.wait });
  const r = await join(s.base, room, { token });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

let seq = 0;
async function ask(p: PeerSocket, req: string, data?: unknown): Promise<any> {
  const id = `w${++seq}`;
  p.send({ type: 'ROOM', payload: { request: req, id, ...(data !== undefined ? { data } : {}) } });
  return (await p.next(isReply(id))).payload;
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

const metricsOf = async (s: Started) => (await request(`${s.base}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text;

describe('webhooks', () => {
  test('a real call: host joins, a guest knocks, is admitted, leaves, the host ends the room — delivered in order, signed', async () => {
    const hook = await receiver();
    const s = await start({ roomSecret: SECRET, waitingRoom: 'guests', webhookUrl: hook.url, webhookSecret: HOOK_SECRET, metricsToken: METRICS });
    try {
      const t0 = Date.now();
      const hostJ = await enter(s, 'visit-w', { name: 'Dr. Müller 李', role: 'host', sub: 'doctor-17' });
      const host = await connect(s.port, hostJ);
      const patJ = await enter(s, 'visit-w', { name: 'Pat', sub: 'patient-4711' });
      assert.equal(patJ.waiting, true);
      const pat = await connect(s.port, patJ);
      assert.equal((await ask(host, 'admit', { peerId: patJ.peerId })).ok, true);
      await pat.next((m) => m.type === 'ROOM' && m.payload?.event === 'admitted');
      pat.send({ type: 'ROOM', payload: { request: 'leave' } });
      await pat.closed;
      assert.equal((await ask(host, 'end')).ok, true);
      await host.closed;
      await waitFor(() => hook.got.length >= 6, 5000, 'six webhooks');

      assert.deepEqual(hook.got.map((r) => [r.body.event, r.body.room]), [
        ['member-joined', 'visit-w'], ['knock', 'visit-w'], ['member-joined', 'visit-w'],
        ['member-left', 'visit-w'], ['member-left', 'visit-w'], ['room-ended', 'visit-w'],
      ]);
      assert.deepEqual(hook.got.map((r) => r.body.data), [
        { peerId: hostJ.peerId, displayName: 'Dr. Müller 李', role: 'host', sub: 'doctor-17' },
        { peerId: patJ.peerId, displayName: 'Pat', sub: 'patient-4711' },
        { peerId: patJ.peerId, displayName: 'Pat', role: 'guest', sub: 'patient-4711' },
        { peerId: patJ.peerId, reason: 'left', sub: 'patient-4711' },
        { peerId: hostJ.peerId, reason: 'ended', sub: 'doctor-17' },
        { reason: 'ended-by-host' },
      ]);
      for (const r of hook.got) {
        assert.equal(r.headers['content-type'], 'application/json');
        assert.equal(r.headers['x-rtc-event'], r.body.event);
        assert.equal(r.headers['x-rtc-delivery'], r.body.id);
        assert.equal(r.headers['user-agent'], `rtc-call-server/${VERSION}`);
        assert.match(r.body.id, /^[0-9a-f-]{36}$/);
        assert.deepEqual(Object.keys(r.body).sort(), ['at', 'data', 'event', 'id', 'room']);
        const at = Date.parse(r.body.at);
        assert.equal(new Date(at).toISOString(), r.body.at, 'ISO 8601');
        assert.ok(at >= t0 - 1000 && at <= Date.now(), r.body.at);
        assert.match(String(r.headers['x-rtc-signature']), /^sha256=[0-9a-f]{64}$/);
        assert.ok(verified(HOOK_SECRET, r.raw, r.headers['x-rtc-signature']), 'the secret verifies the raw body (UTF-8 bytes)');
        assert.ok(!verified(`${HOOK_SECRET}x`, r.raw, r.headers['x-rtc-signature']), 'another secret does not');
        assert.ok(!verified(HOOK_SECRET, Buffer.from(JSON.stringify(r.body, null, 1)), r.headers['x-rtc-signature']), 'other bytes do not');
      }
      assert.equal(new Set(hook.got.map((r) => r.body.id)).size, 6, 'an id per event');
      assert.equal(sample(await metricsOf(s), 'rtc_webhook_deliveries_total', 'result="delivered"'), 6);
      assert.ok(!s.logs.some((l) => l.includes(HOOK_SECRET) || l.includes('patient-4711')), 'no secret, no sub in the log');
    } finally {
      await s.close();
      await hook.close();
    }
  });

  test('a receiver answering 500 once gets the same delivery again about a second later', async () => {
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    const s = await start({ webhookUrl: hook.url, webhookSecret: HOOK_SECRET, metricsToken: METRICS });
    try {
      const r = await join(s.base, 'retry-room', { displayName: 'Ann' });
      assert.equal(r.status, 200);
      await waitFor(() => hook.got.length >= 2, 5000, 'the retry');
      const [first, second] = hook.got;
      assert.equal(second!.body.id, first!.body.id, 'the same delivery id');
      assert.ok(second!.raw.equals(first!.raw), 'the same bytes');
      assert.equal(second!.headers['x-rtc-signature'], first!.headers['x-rtc-signature']);
      const gap = second!.t - first!.t;
      assert.ok(gap >= 900 && gap < 3000, `retried after ${gap} ms`);
      const text = await metricsOf(s);
      assert.equal(sample(text, 'rtc_webhook_deliveries_total', 'result="delivered"'), 1);
      assert.equal(sample(text, 'rtc_webhook_deliveries_total', 'result="failed"'), undefined);
      assert.ok(await new Promise((res) => setTimeout(() => res(hook.got.length === 2), 300)), 'no third attempt');
    } finally {
      await s.close();
      await hook.close();
    }
  });

  test('no RTC_WEBHOOK_URL: a whole call sends nothing', async () => {
    const hook = await receiver();
    const s = await start({ roomSecret: SECRET, waitingRoom: 'guests', metricsToken: METRICS });
    try {
      const hostJ = await enter(s, 'quiet', { name: 'Rivera', role: 'host' });
      const host = await connect(s.port, hostJ);
      const patJ = await enter(s, 'quiet', { name: 'Pat' });
      assert.equal((await ask(host, 'admit', { peerId: patJ.peerId })).ok, true);
      assert.equal((await ask(host, 'end')).ok, true);
      await host.closed;
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(hook.got.length, 0);
      assert.doesNotMatch(await metricsOf(s), /rtc_webhook_deliveries_total\{/);
      // A sender that had tried anything would say so when it closes.
      await s.close();
      assert.ok(!s.logs.some((l) => /webhook/.test(l)), s.logs.join('\n'));
    } finally {
      await s.close();
      await hook.close();
    }
  });

  test('close() does not hang on a receiver that never answers: the one in flight is aborted, the rest dropped with a log line', async () => {
    const hook = await receiver(() => 'hang');
    const s = await start({ webhookUrl: hook.url, webhookSecret: HOOK_SECRET });
    try {
      for (const name of ['Ann', 'Bea', 'Cy']) assert.equal((await join(s.base, 'stuck', { displayName: name })).status, 200);
      await waitFor(() => hook.got.length === 1, 3000, 'the first delivery to reach the receiver');
      const t0 = Date.now();
      await s.close();
      const took = Date.now() - t0;
      assert.ok(took < 3000, `close took ${took} ms`);
      assert.ok(took >= 1500, `close gave the delivery its moment first (${took} ms)`);
      assert.ok(s.logs.some((l) => /^rtc-call: webhook failed event=member-joined room=stuck status=aborted attempts=1/.test(l)), s.logs.join('\n'));
      assert.ok(s.logs.includes('rtc-call: webhook: closing, 2 undelivered event(s) dropped'), s.logs.join('\n'));
      assert.equal(hook.got.length, 1);
    } finally {
      await s.close();
      await hook.close();
    }
  });
});

describe('WebhookSender', () => {
  const notice = (room: string) => ({ event: 'room-ended' as const, room, data: { reason: 'empty' as const } });

  test('3 attempts in all on 5xx / 429 / network errors, then one log line (event, room, status — no body); a 4xx is not retried; order holds', async () => {
    const statuses = [503, 429, 503, 400, 204];
    const hook = await receiver((n) => statuses[n - 1] ?? 204);
    const logs: string[] = [];
    const counted: string[] = [];
    const sender = new WebhookSender({ url: hook.url, secret: HOOK_SECRET, log: (l) => logs.push(l), counters: { webhook: (r) => counted.push(r) }, retryDelaysMs: [20, 40] });
    try {
      sender.send(notice('first'));
      sender.send(notice('second'));
      sender.send(notice('third'));
      await waitFor(() => counted.length === 3, 5000, 'three outcomes');
      assert.deepEqual(hook.got.map((r) => r.body.room), ['first', 'first', 'first', 'second', 'third']);
      assert.deepEqual(counted, ['failed', 'failed', 'delivered']);
      assert.deepEqual(logs, [
        'rtc-call: webhook failed event=room-ended room=first status=503 attempts=3',
        'rtc-call: webhook failed event=room-ended room=second status=400 attempts=1',
      ]);
      // Nothing answers at all: a network error is retried like a 5xx.
      await hook.close();
      sender.send(notice('gone'));
      await waitFor(() => counted.length === 4, 5000, 'the network error outcome');
      assert.equal(counted[3], 'failed');
      assert.equal(logs.at(-1), 'rtc-call: webhook failed event=room-ended room=gone status=network-error attempts=3');
    } finally {
      await sender.close();
      await hook.close();
    }
  });

  test('a bounded queue: overflow drops the oldest waiting event with a log line', async () => {
    let release: (() => void) | undefined;
    const hold = new Promise<void>((r) => (release = r));
    const hook = await receiver(() => 204);
    const logs: string[] = [];
    const counted: string[] = [];
    // The first delivery is held by a receiver that answers only once released.
    const slow = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => void hold.then(() => res.writeHead(204).end()));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const sender = new WebhookSender({ url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, secret: HOOK_SECRET, log: (l) => logs.push(l), counters: { webhook: (r) => counted.push(r) }, maxQueue: 2 });
    try {
      sender.send(notice('r1'));
      await new Promise((r) => setTimeout(r, 100));
      for (const room of ['r2', 'r3', 'r4']) sender.send(notice(room));
      assert.equal(sender.pending, 2);
      assert.deepEqual(counted, ['dropped']);
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /^rtc-call: webhook queue full \(2\): dropped the oldest event=room-ended room=r2 /);
      release!();
      await waitFor(() => counted.length === 4, 3000, 'the rest delivered');
      assert.deepEqual(counted, ['dropped', 'delivered', 'delivered', 'delivered']);
    } finally {
      release!();
      await sender.close();
      slow.closeAllConnections();
      slow.close();
      await hook.close();
    }
  });
});
