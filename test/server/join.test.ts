import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join, joinOk, request, start, type Started } from './helpers.js';

const PEERJS_ID = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;

describe('join API', () => {
  let s: Started;
  before(async () => { s = await start({ maxParticipants: 3 }); });
  after(() => s.close());

  test('answers peer id, URL-safe peer token, ICE servers, members and PeerJS options', async () => {
    const r = await join(s.base, 'answer-shape', { displayName: '  Dr. Rivera  ' });
    assert.equal(r.status, 200);
    const j = r.body;
    assert.match(j.peerId, PEERJS_ID);
    assert.ok(!j.peerId.includes(':'));
    assert.match(j.peerToken, /^[A-Za-z0-9_.-]+$/);
    assert.deepEqual(j.iceServers, [], 'no ICE servers unless configured — never a public default');
    assert.equal(j.iceTransportPolicy, 'all');
    assert.deepEqual(j.members, []);
    assert.deepEqual(j.signaling, { path: '/peerjs', key: 'peerjs' });
    assert.equal(j.maxParticipants, 3);
    assert.equal(j.displayName, 'Dr. Rivera');
    assert.equal(j.role, 'guest');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  test('members are the others, including those whose socket is not open yet', async () => {
    const a = await joinOk(s.base, 'members', 'Ann');
    const b = await joinOk(s.base, 'members', 'Bob');
    assert.deepEqual(b.members, [{ peerId: a.peerId, displayName: 'Ann', role: 'guest' }]);
    assert.notEqual(a.peerId, b.peerId);
    const c = await joinOk(s.base, 'other-room', 'Cid');
    assert.deepEqual(c.members, [], 'rooms are separate');
  });

  test('two joins at the same moment see each other', async () => {
    const [a, b] = await Promise.all([joinOk(s.base, 'same-moment', 'A'), joinOk(s.base, 'same-moment', 'B')]);
    const seen = [...a.members.map((m) => m.peerId), ...b.members.map((m) => m.peerId)];
    // Whoever was second sees the first: one of the two lists names the other peer.
    assert.ok(seen.includes(a.peerId) || seen.includes(b.peerId), JSON.stringify({ a: a.members, b: b.members }));
    assert.equal(a.members.length + b.members.length, 1);
  });

  test('room-full (409) at capacity, counted per room', async () => {
    for (const n of ['a', 'b', 'c']) await joinOk(s.base, 'full', n);
    const r = await join(s.base, 'full', { displayName: 'd' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'room-full');
    assert.equal((await join(s.base, 'not-full', { displayName: 'd' })).status, 200);
  });

  test('invalid-room (400)', async () => {
    for (const room of ['has.dot', 'x'.repeat(65), 'a%20b', '%C3%A4']) {
      const r = await join(s.base, room);
      assert.equal(r.status, 400, room);
      assert.equal(r.body.error.code, 'invalid-room', room);
    }
    assert.equal((await join(s.base, 'x'.repeat(64))).status, 200);
  });

  test('invalid-name (400): empty, too long, control characters, wrong type', async () => {
    for (const displayName of ['', '   ', 'x'.repeat(65), 'a\u0000b', 'a\nb', 'tab\there', 'evil\u202Eman', 42, null]) {
      const r = await join(s.base, 'names', { displayName });
      assert.equal(r.status, 400, JSON.stringify(displayName));
      assert.equal(r.body.error.code, 'invalid-name', JSON.stringify(displayName));
    }
    assert.equal((await join(s.base, 'names', { displayName: '😀'.repeat(64) })).status, 200, '64 code points fit');
  });

  test('bad-request (400) for malformed bodies, and the server keeps serving', async () => {
    const bodies = ['{"displayName":', 'not json', '[1,2]', '"str"', '{"displayName":"A","rejoinKey":"x"}', '{"displayName":"A","token":5}'];
    for (const body of bodies) {
      const r = await join(s.base, 'bad', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.error.code, 'bad-request', body);
      assert.equal(typeof r.body.error.message, 'string');
    }
    const huge = await join(s.base, 'bad', { displayName: 'A', pad: 'x'.repeat(20000) });
    assert.equal(huge.status, 400);
    assert.equal(huge.body.error.code, 'bad-request');
    assert.equal((await request(`${s.base}/healthz`)).status, 200);
    assert.equal((await join(s.base, 'bad', { displayName: 'A' })).status, 200);
  });

  test('errors are JSON { error: { code, message } } also for unknown API routes', async () => {
    const r = await request(`${s.base}/api/nope`);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not-found');
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  });

  test('healthz answers exactly {"ok":true}: no counts for anyone to read', async () => {
    await joinOk(s.base, 'health-room', 'A');
    const r = await fetch(`${s.base}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '{"ok":true}');
  });
});

describe('origins', () => {
  test('default: own origin and localhost origins on any port; others 403 origin-not-allowed', async () => {
    const s = await start();
    try {
      const ok = ['http://localhost:1234', 'https://127.0.0.1:9', 'http://[::1]:5000', s.base, undefined];
      for (const origin of ok) {
        const r = await join(s.base, 'o', { displayName: 'A' }, origin ? { origin } : {});
        assert.equal(r.status, 200, String(origin));
      }
      for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'file://']) {
        const r = await join(s.base, 'o', { displayName: 'A' }, { origin });
        assert.equal(r.status, 403, origin);
        assert.equal(r.body.error.code, 'origin-not-allowed', origin);
        assert.equal(r.headers.get('access-control-allow-origin'), origin, 'readable by the page so it can show the reason');
      }
      assert.ok(s.logs.some((l) => l.includes('code=origin-not-allowed')));
    } finally {
      await s.close();
    }
  });

  test('configured list: listed origins and own origin only; "*" allows any', async () => {
    const s = await start({ allowedOrigins: ['https://clinic.example/'] });
    const star = await start({ allowedOrigins: '*' });
    try {
      assert.equal((await join(s.base, 'o', { displayName: 'A' }, { origin: 'https://clinic.example' })).status, 200);
      assert.equal((await join(s.base, 'o', { displayName: 'A' }, { origin: s.base })).status, 200);
      assert.equal((await join(s.base, 'o', { displayName: 'A' }, { origin: 'http://localhost:3000' })).status, 403);
      assert.equal((await join(s.base, 'o', { displayName: 'A' }, { origin: 'https://clinic.example:8443' })).status, 403);
      assert.equal((await join(star.base, 'o', { displayName: 'A' }, { origin: 'https://anything.example' })).status, 200);
    } finally {
      await Promise.all([s.close(), star.close()]);
    }
  });

  test('CORS preflight answers allowed methods and headers', async () => {
    const s = await start();
    try {
      const r = await request(`${s.base}/api/rooms/x/join`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), 'http://localhost:3000');
      assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(r.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    } finally {
      await s.close();
    }
  });
});

describe('rate limit', () => {
  test('429 rate-limited after RTC_JOIN_RATE_LIMIT joins per minute from one IP, with Retry-After', async () => {
    const s = await start({ joinRateLimit: 5 });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await join(s.base, `rl${i}`, { displayName: 'A' });
        assert.equal(r.status, 200, `join ${i}`);
      }
      // Even a malformed attempt counts against the limit and is refused first.
      const r = await join(s.base, 'rl', 'garbage');
      assert.equal(r.status, 429);
      assert.equal(r.body.error.code, 'rate-limited');
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
      assert.equal((await request(`${s.base}/healthz`)).status, 200, 'other routes are not limited');
    } finally {
      await s.close();
    }
  });

  test('0 turns it off', async () => {
    const s = await start({ joinRateLimit: 0 });
    try {
      for (let i = 0; i < 70; i++) assert.equal((await join(s.base, `nl${i}`, { displayName: 'A' })).status, 200);
    } finally {
      await s.close();
    }
  });
});
