import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { WebSocket, WebSocketServer } from 'ws';
import { createRtcServer } from '../../server/index.js';
import { connect, join, joinOk, refusedStatus, request, start, waitFor, wsUrl, type Started } from './helpers.js';

const isLeaveFrom = (peerId: string) => (m: any) => m.type === 'LEAVE' && m.src === peerId;

describe('websocket upgrade', () => {
  let s: Started;
  before(async () => { s = await start({ allowedOrigins: ['https://clinic.example'] }); });
  after(() => s.close());

  test('a valid peer token opens a PeerJS socket (OPEN), with or without an allowed Origin', async () => {
    const a = await joinOk(s.base, 'up', 'A');
    const pa = await connect(s.port, a, { origin: 'https://clinic.example' });
    const b = await joinOk(s.base, 'up', 'B');
    const pb = await connect(s.port, b);
    pa.close(); pb.close();
  });

  test('refused without a valid peer token: 401 and no socket', async () => {
    const a = await joinOk(s.base, 'up', 'A');
    const other = await joinOk(s.base, 'up', 'B');
    const forged = a.peerToken.slice(0, -4) + (a.peerToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cases: Record<string, string> = {
      'no token': wsUrl(s.port, a).replace(/&token=[^&]*/, ''),
      'empty token': wsUrl(s.port, a, { token: '' }),
      'garbage token': wsUrl(s.port, a, { token: 'abc' }),
      'forged signature': wsUrl(s.port, a, { token: forged }),
      "another peer's token": wsUrl(s.port, a, { token: other.peerToken }),
      'wrong key': wsUrl(s.port, a, { key: 'other' }),
      'no id': wsUrl(s.port, a).replace(/&id=[^&]*/, ''),
    };
    for (const [name, url] of Object.entries(cases)) {
      assert.equal(await refusedStatus(connect(s.port, a, { url })), 401, name);
    }
    assert.equal(s.logs.filter((l) => l.includes('reject websocket')).length >= 7, true);
    assert.ok(!s.logs.some((l) => l.includes(a.peerToken)), 'tokens never logged');
  });

  test('refused from a foreign Origin: 403', async () => {
    const a = await joinOk(s.base, 'up', 'A');
    assert.equal(await refusedStatus(connect(s.port, a, { origin: 'https://evil.example' })), 403);
    assert.equal(await refusedStatus(connect(s.port, a, { origin: 'http://localhost:8000' })), 403, 'list replaces the localhost default');
    // The same token still works from an allowed origin: the refusal did not burn it.
    (await connect(s.port, a, { origin: 'https://clinic.example' })).close();
  });

  test('a token signed by another server secret is refused', async () => {
    const other = await start();
    try {
      const foreign = await joinOk(other.base, 'up', 'X');
      assert.equal(await refusedStatus(connect(s.port, foreign)), 401);
    } finally {
      await other.close();
    }
  });

  test('other paths get 404 on a server we own', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/somewhere`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    assert.equal(status, 404);
  });

  test('an oversized frame (> 64 KiB) closes the socket; the server keeps serving', async () => {
    const a = await joinOk(s.base, 'big', 'A');
    const b = await joinOk(s.base, 'big', 'B');
    const pa = await connect(s.port, a);
    const pb = await connect(s.port, b);
    pa.send({ type: 'OFFER', dst: b.peerId, payload: { sdp: 'x'.repeat(70 * 1024) } });
    const { code } = await pa.closed;
    assert.equal(code, 1009, 'message too big');
    assert.ok(await pb.none((m) => m.type === 'OFFER', 100), 'nothing relayed');
    const c = await joinOk(s.base, 'big', 'C');
    const pc = await connect(s.port, c);
    pc.send({ type: 'OFFER', dst: b.peerId, payload: { sdp: 'x'.repeat(60 * 1024) } });
    await pb.next((m) => m.type === 'OFFER' && m.src === c.peerId);
    pb.close(); pc.close();
  });
});

describe('relaying', () => {
  let s: Started;
  before(async () => { s = await start(); });
  after(() => s.close());

  test('a cross-room OFFER is not delivered while a same-room one is', async () => {
    const a = await joinOk(s.base, 'room-1', 'A');
    const b = await joinOk(s.base, 'room-1', 'B');
    const c = await joinOk(s.base, 'room-2', 'C');
    const [pa, pb, pc] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, c)]);
    pc.send({ type: 'OFFER', dst: a.peerId, payload: { sdp: 'from-c' } });
    pc.send({ type: 'CANDIDATE', dst: a.peerId, payload: { candidate: 'from-c' } });
    pc.send({ type: 'LEAVE', dst: a.peerId });
    pb.send({ type: 'OFFER', dst: a.peerId, payload: { sdp: 'from-b' } });
    const got = await pa.next((m) => m.type === 'OFFER');
    assert.equal(got.src, b.peerId);
    assert.deepEqual(got.payload, { sdp: 'from-b' });
    assert.ok(await pa.none((m) => m.src === c.peerId, 150), JSON.stringify(pa.messages));
    // src cannot be forged either: PeerServer stamps the sender's id.
    pb.send({ type: 'ANSWER', src: c.peerId, dst: a.peerId, payload: {} });
    const answer = await pa.next((m) => m.type === 'ANSWER');
    assert.equal(answer.src, b.peerId);
    pa.close(); pb.close(); pc.close();
  });

  test('an OFFER to a room-mate whose socket is not open yet is delivered when it connects', async () => {
    const [a, b] = await Promise.all([joinOk(s.base, 'race', 'A'), joinOk(s.base, 'race', 'B')]);
    const pb = await connect(s.port, b);
    pb.send({ type: 'OFFER', dst: a.peerId, payload: { sdp: 'early' } });
    await new Promise((r) => setTimeout(r, 50));
    const pa = await connect(s.port, a);
    const got = await pa.next((m) => m.type === 'OFFER');
    assert.equal(got.src, b.peerId);
    pa.close(); pb.close();
  });
});

describe('leaving', () => {
  test('LEAVE reaches room-mates after a socket is destroyed without goodbye, after the grace period', async () => {
    const s = await start({ leaveGraceMs: 300 });
    try {
      const a = await joinOk(s.base, 'leave', 'A');
      const b = await joinOk(s.base, 'leave', 'B');
      const o = await joinOk(s.base, 'elsewhere', 'O');
      const [pa, pb, po] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, o)]);
      const t0 = Date.now();
      pb.destroy();
      const leave = await pa.next(isLeaveFrom(b.peerId), 3000);
      const waited = Date.now() - t0;
      assert.equal(leave.dst, a.peerId);
      assert.ok(waited >= 250, `LEAVE only after the grace period (${waited} ms)`);
      assert.ok(await po.none((m) => m.type === 'LEAVE', 50), 'other rooms are not told');
      assert.equal(s.rtc.stats().participants, 2);
      assert.equal(await refusedStatus(connect(s.port, b)), 401, 'a peer that left must join again');
      assert.ok(s.logs.some((l) => l.includes(`leave room=leave peer=${b.peerId} reason=socket-closed`)));
      // Last one out: the room is forgotten.
      pa.destroy();
      await waitFor(() => !s.logs.every((l) => !l.includes(`peer=${a.peerId} reason=socket-closed`)), 3000, 'A left');
      assert.equal(s.rtc.stats().rooms, 1);
      po.close();
    } finally {
      await s.close();
    }
  });

  test('no LEAVE when the socket comes back within grace', async () => {
    const s = await start({ leaveGraceMs: 600 });
    try {
      const a = await joinOk(s.base, 'blip', 'A');
      const b = await joinOk(s.base, 'blip', 'B');
      const pa = await connect(s.port, a);
      const pb = await connect(s.port, b);
      pb.destroy();
      await pb.closed;
      const pb2 = await connect(s.port, b);
      assert.ok(await pa.none((m) => m.type === 'LEAVE', 900), JSON.stringify(pa.messages));
      pb2.send({ type: 'OFFER', dst: a.peerId, payload: {} });
      await pa.next((m) => m.type === 'OFFER' && m.src === b.peerId);
      pa.close(); pb2.close();
    } finally {
      await s.close();
    }
  });

  test('a second socket for the same peer replaces the first', async () => {
    const s = await start({ leaveGraceMs: 300 });
    try {
      const a = await joinOk(s.base, 'dup', 'A');
      const b = await joinOk(s.base, 'dup', 'B');
      const pa = await connect(s.port, a);
      const pb1 = await connect(s.port, b);
      const pb2 = await connect(s.port, b);
      await pb1.closed;
      pa.send({ type: 'OFFER', dst: b.peerId, payload: {} });
      await pb2.next((m) => m.type === 'OFFER');
      assert.ok(await pa.none((m) => m.type === 'LEAVE', 500));
      pa.close(); pb2.close();
    } finally {
      await s.close();
    }
  });

  test('a rejoin (same rejoinKey) while the old socket is in grace replaces the old member', async () => {
    const s = await start({ leaveGraceMs: 5000, maxParticipants: 2 });
    try {
      const key = 'tab-key-1234567890';
      const a = await joinOk(s.base, 'reload', 'A');
      const b1 = await joinOk(s.base, 'reload', 'B', { rejoinKey: key });
      const pa = await connect(s.port, a);
      const pb1 = await connect(s.port, b1);
      pb1.destroy();
      await pb1.closed;
      const t0 = Date.now();
      const b2 = await joinOk(s.base, 'reload', 'B', { rejoinKey: key }); // not room-full
      assert.notEqual(b2.peerId, b1.peerId);
      assert.deepEqual(b2.members.map((m) => m.peerId), [a.peerId], 'the old B is gone, not listed twice');
      await pa.next(isLeaveFrom(b1.peerId), 2000);
      assert.ok(Date.now() - t0 < 2000, 'room-mates drop the old B at once, not after the grace period');
      // Its next socket only hears why (it was away when it was replaced), then it is closed for good.
      const told = await connect(s.port, b1);
      assert.deepEqual((await told.next((m) => m.type === 'ROOM' && m.payload?.event === 'removed')).payload.data, { reason: 'replaced' });
      assert.equal((await told.closed).code, 4001);
      assert.equal(await refusedStatus(connect(s.port, b1)), 401, 'the replaced peer cannot come back');
      // Another tab (different key) does not replace anyone: the room is full.
      const c = await join(s.base, 'reload', { displayName: 'B', rejoinKey: 'another-tab-key-000' });
      assert.equal(c.status, 409);
      pa.close();
    } finally {
      await s.close();
    }
  });

  test('a join never followed by a socket expires, and room-mates are told', async () => {
    const s = await start({ pendingJoinMs: 300 });
    try {
      const a = await joinOk(s.base, 'ghost', 'A');
      const pa = await connect(s.port, a);
      const g = await joinOk(s.base, 'ghost', 'G');
      await pa.next(isLeaveFrom(g.peerId), 3000);
      assert.equal(s.rtc.stats().participants, 1);
      assert.ok(s.logs.some((l) => l.includes(`peer=${g.peerId} reason=never-connected`)));
      pa.close();
    } finally {
      await s.close();
    }
  });
});

describe('members endpoint', () => {
  test('lists everyone in the room (caller included) for a peer token of that room', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'mem', 'Ann');
      const b = await joinOk(s.base, 'mem', 'Bob');
      const x = await joinOk(s.base, 'other', 'Xavier');
      const url = `${s.base}/api/rooms/mem/members`;
      const ok = await request(url, { headers: { authorization: `Bearer ${a.peerToken}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, {
        members: [
          { peerId: a.peerId, displayName: 'Ann', role: 'guest' },
          { peerId: b.peerId, displayName: 'Bob', role: 'guest' },
        ],
      });
      assert.equal((await request(url)).status, 401);
      assert.equal((await request(url, { headers: { authorization: 'Bearer nope' } })).body.error.code, 'unauthorized');
      const wrong = await request(url, { headers: { authorization: `Bearer ${x.peerToken}` } });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error.code, 'wrong-room');
      const foreign = await request(url, { headers: { authorization: `Bearer ${a.peerToken}`, origin: 'https://evil.example' } });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error.code, 'origin-not-allowed');
    } finally {
      await s.close();
    }
  });
});

describe('restart', () => {
  test('a restarted server with the same peerSecret accepts reconnecting peers and rebuilds the room', async () => {
    const peerSecret = 'shared-peer-secret-for-restart-test';
    const s1 = await start({ peerSecret, leaveGraceMs: 200 });
    const a = await joinOk(s1.base, 'restart', 'Ann');
    const b = await joinOk(s1.base, 'restart', 'Bob');
    const [pa1, pb1] = await Promise.all([connect(s1.port, a), connect(s1.port, b)]);
    await s1.close();
    await Promise.all([pa1.closed, pb1.closed]);

    const s2 = await start({ peerSecret, leaveGraceMs: 200 });
    const stranger = await start();
    try {
      const [pa, pb] = await Promise.all([connect(s2.port, a), connect(s2.port, b)]);
      const members = await request(`${s2.base}/api/rooms/restart/members`, { headers: { authorization: `Bearer ${a.peerToken}` } });
      assert.deepEqual(members.body.members.map((m: any) => m.displayName).sort(), ['Ann', 'Bob']);
      pa.send({ type: 'OFFER', dst: b.peerId, payload: { sdp: 'after-restart' } });
      await pb.next((m) => m.type === 'OFFER' && m.src === a.peerId);
      const c = await joinOk(s2.base, 'restart', 'Cid');
      assert.deepEqual(c.members.map((m) => m.peerId).sort(), [a.peerId, b.peerId].sort());
      pb.destroy();
      await pa.next(isLeaveFrom(b.peerId), 3000);
      assert.equal(await refusedStatus(connect(stranger.port, a)), 401, 'another secret does not accept them');
      pa.close();
    } finally {
      await Promise.all([s2.close(), stranger.close()]);
    }
  });
});

describe('mounting', () => {
  test('inside a site app on its server: paths follow the real mount; other websockets on the server still work', async () => {
    const site = express();
    const server = http.createServer(site);
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/chat') other.handleUpgrade(req, socket, head, (ws) => ws.send('hello from the site'));
    });
    const rtc = createRtcServer({ server, basePath: '/calls', joinRateLimit: 0, log: () => {} });
    site.get('/', (_q, r) => { r.send('site home'); });
    site.use('/site', rtc.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}/site/calls`;
    try {
      assert.equal((await request(`http://127.0.0.1:${port}/`)).text, 'site home');
      const a = await joinOk(base, 'mounted', 'A');
      assert.deepEqual(a.signaling, { path: '/site/calls/peerjs', key: 'peerjs' });
      const pa = await connect(port, a);
      pa.close();
      assert.equal((await request(`${base}/healthz`)).body.ok, true);
      const chat = new WebSocket(`ws://127.0.0.1:${port}/chat`);
      const msg = await new Promise<string>((resolve, reject) => {
        chat.on('message', (d) => resolve(d.toString()));
        chat.on('error', reject);
      });
      assert.equal(msg, 'hello from the site');
      chat.close();
    } finally {
      other.close();
      await rtc.close();
    }
    assert.equal(server.listening, false, 'close() closes a given server too');
  });
});
