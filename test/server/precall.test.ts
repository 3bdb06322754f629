// POST <base>/api/precall: relay credentials for <rtc-precall-check>, on real sockets.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PRECALL_CREDENTIAL_TTL_S } from 'rtc-call/protocol';
import { signRoomToken } from '../../server/index.js';
import { join, joinOk, request, start, startCoturn, uclient, type Coturn, type HttpAnswer } from './helpers.js';

const TURN_SECRET = 'precall-turn-secret';
const ROOM_SECRET = 'precall-room-secret-of-at-least-32-bytes!';
const TURN = { turnUrls: ['turn:127.0.0.1:3478?transport=udp'], turnSecret: TURN_SECRET, stunUrls: ['stun:127.0.0.1:3478'] };

function precall(base: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return request(`${base}/api/precall`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function turnEntry(r: HttpAnswer) {
  const entry = r.body.iceServers.find((s: { username?: string }) => s.username);
  assert.ok(entry, `a TURN entry in ${r.text}`);
  return entry as { urls: string[]; username: string; credential: string };
}

describe('POST /api/precall', () => {
  test('answers STUN and TURN with REST credentials that live 2 minutes, under a name of their own, and nothing else', async () => {
    const s = await start(TURN);
    try {
      const before = Math.floor(Date.now() / 1000);
      const r = await precall(s.base);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.body).sort(), ['expires', 'iceServers']);
      assert.deepEqual(r.body.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
      const turn = turnEntry(r);
      assert.deepEqual(turn.urls, TURN.turnUrls);
      const [expiry, id, ...rest] = turn.username.split(':');
      assert.equal(rest.length, 0);
      assert.match(id!, /^precall-[0-9a-f]{16}$/);
      assert.equal(PRECALL_CREDENTIAL_TTL_S, 120);
      assert.ok(Number(expiry) >= before + 120 && Number(expiry) <= before + 122, `expiry ${expiry} ≈ now + 120`);
      assert.equal(r.body.expires, Number(expiry));
      assert.equal(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
      assert.equal(r.headers.get('cache-control'), 'no-store');
      // Each check its own name: two answers share no credentials.
      assert.notEqual(turnEntry(await precall(s.base)).username.split(':')[1], id);
      assert.ok(s.logs.some((l) => /precall id=precall-[0-9a-f]{16} turn ttl=120/.test(l)));
    } finally {
      await s.close();
    }
  });

  test('never longer than RTC_TURN_TTL; without TURN only STUN (or nothing) and no expiry', async () => {
    const short = await start({ ...TURN, turnTtl: 30 });
    const none = await start({ stunUrls: ['stun:127.0.0.1:3478'] });
    const bare = await start();
    try {
      const r = await precall(short.base);
      assert.ok(r.body.expires - Date.now() / 1000 <= 31, `short TTL kept: ${r.text}`);
      assert.deepEqual((await precall(none.base)).body, { iceServers: [{ urls: ['stun:127.0.0.1:3478'] }] });
      assert.deepEqual((await precall(bare.base)).body, { iceServers: [] });
    } finally {
      await Promise.all([short.close(), none.close(), bare.close()]);
    }
  });

  test('origin check: allowed origins get credentials; others 403 origin-not-allowed, readable by the page', async () => {
    const s = await start({ ...TURN, allowedOrigins: ['https://clinic.example'] });
    try {
      assert.equal((await precall(s.base, {}, { origin: 'https://clinic.example' })).status, 200);
      assert.equal((await precall(s.base, {}, { origin: s.base })).status, 200, 'own origin');
      for (const origin of ['https://evil.example', 'http://localhost:3000', 'null']) {
        const r = await precall(s.base, {}, { origin });
        assert.equal(r.status, 403, origin);
        assert.equal(r.body.error.code, 'origin-not-allowed');
        assert.equal(r.body.iceServers, undefined);
        assert.equal(r.headers.get('access-control-allow-origin'), origin);
      }
      // The preflight a page's fetch with a JSON body sends first.
      const pre = await request(`${s.base}/api/precall`, {
        method: 'OPTIONS',
        headers: { origin: 'https://clinic.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    } finally {
      await s.close();
    }
  });

  test('with RTC_ROOM_SECRET: a valid room token of any room; missing, forged, expired, too long-lived or peer tokens get 401', async () => {
    const s = await start({ ...TURN, roomSecret: ROOM_SECRET, maxTokenTtl: 3600, precallRateLimit: 0 });
    try {
      const missing = await precall(s.base);
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error.code, 'unauthorized');
      for (const room of ['visit-4711', 'a-room-nobody-ever-joined']) {
        const r = await precall(s.base, { token: await signRoomToken({ secret: ROOM_SECRET, room, role: 'guest' }) });
        assert.equal(r.status, 200, `${room}: ${r.text}`);
        turnEntry(r);
      }
      const refused = {
        forged: await signRoomToken({ secret: 'another-secret-of-at-least-32-bytes!!', room: 'visit-4711' }),
        expired: await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', ttl: -60 }),
        'too long-lived': await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', ttl: 7200 }),
        garbage: 'not.a.jwt',
        'a peer token': (await joinOk(s.base, 'visit-4711', 'A', { token: await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711' }) })).peerToken,
      };
      for (const [what, token] of Object.entries(refused)) {
        const r = await precall(s.base, { token });
        assert.equal(r.status, 401, `${what}: ${r.text}`);
        assert.equal(r.body.error.code, 'unauthorized', what);
      }
      for (const body of [{ token: 42 }, [], '"token"', 'not json']) {
        const r = await precall(s.base, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'bad-request');
      }
    } finally {
      await s.close();
    }
  });

  test('someone who would wait gets the same relay-only answer as a host, learns nothing about the room and knocks nowhere', async () => {
    const s = await start({ ...TURN, roomSecret: ROOM_SECRET, waitingRoom: 'guests' });
    try {
      const hostToken = await signRoomToken({ secret: ROOM_SECRET, room: 'clinic', role: 'host', name: 'Dr. Rivera', sub: 'dr' });
      await joinOk(s.base, 'clinic', 'x', { token: hostToken });
      const guestToken = await signRoomToken({ secret: ROOM_SECRET, room: 'clinic', role: 'guest', name: 'Pat', sub: 'pat' });
      const waiting = await joinOk(s.base, 'clinic', 'x', { token: guestToken });
      assert.equal(waiting.waiting, true);
      assert.deepEqual(waiting.iceServers, [], 'the join gives someone waiting no ICE servers');
      const before = s.rtc.stats();
      const guest = await precall(s.base, { token: guestToken });
      const host = await precall(s.base, { token: hostToken });
      assert.equal(guest.status, 200, guest.text);
      assert.deepEqual(Object.keys(guest.body).sort(), Object.keys(host.body).sort());
      assert.doesNotMatch(guest.text, /clinic|Rivera|Pat|host|guest|members|peer/i);
      assert.deepEqual(s.rtc.stats(), before, 'no seat, no knock, no room');
      assert.equal(turnEntry(guest).username.split(':')[1]!.startsWith('precall-'), true);
    } finally {
      await s.close();
    }
  });

  test('with demo tokens, as for joins, a check without a token is allowed (and a bad token is still refused)', async () => {
    const s = await start({ ...TURN, demoTokens: true });
    try {
      assert.equal((await precall(s.base)).status, 200);
      assert.equal((await precall(s.base, { token: 'not.a.jwt' })).status, 401);
    } finally {
      await s.close();
    }
  });

  test('rate limit: RTC_PRECALL_RATE_LIMIT checks per minute per IP (default 10), then 429 with Retry-After; joins keep their own limit', async () => {
    const s = await start({ ...TURN, precallRateLimit: 3, joinRateLimit: 5 });
    const dflt = await start(TURN);
    const off = await start({ ...TURN, precallRateLimit: 0 });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await precall(s.base)).status, 200, `check ${i + 1}`);
      const limited = await precall(s.base);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate-limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1 && Number(limited.headers.get('retry-after')) <= 60);
      assert.equal(limited.body.iceServers, undefined);
      assert.equal((await join(s.base, 'room')).status, 200, 'checks do not use up the joins');
      // A refused origin is refused before it is counted (as for joins).
      const evil = await start({ ...TURN, precallRateLimit: 1, allowedOrigins: ['https://clinic.example'] });
      try {
        assert.equal((await precall(evil.base, {}, { origin: 'https://evil.example' })).status, 403);
        assert.equal((await precall(evil.base, {}, { origin: 'https://clinic.example' })).status, 200);
      } finally {
        await evil.close();
      }
      for (let i = 0; i < 10; i++) assert.equal((await precall(dflt.base)).status, 200, `default, check ${i + 1}`);
      assert.equal((await precall(dflt.base)).status, 429, 'the 11th in a minute');
      for (let i = 0; i < 15; i++) assert.equal((await precall(off.base)).status, 200);
    } finally {
      await Promise.all([s.close(), dflt.close(), off.close()]);
    }
  });

  test('GET and sub-paths are JSON 404s', async () => {
    const s = await start();
    try {
      const r = await request(`${s.base}/api/precall`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'not-found');
      assert.equal((await precall(`${s.base}/api/precall`)).status, 404);
    } finally {
      await s.close();
    }
  });
});

describe('precall credentials against coturn', () => {
  let coturn: Coturn;
  before(async () => {
    coturn = await startCoturn(TURN_SECRET);
  });
  after(async () => {
    await coturn?.stop();
  });

  test('coturn relays with them, and refuses them once their lifetime is over', async () => {
    // A 2 s lifetime (RTC_TURN_TTL caps the precall's 120 s) so the test can see the end.
    const s = await start({ turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`], turnSecret: TURN_SECRET, turnTtl: 2 });
    try {
      const { username, credential } = turnEntry(await precall(s.base));
      const good = uclient(coturn.port, username, credential);
      assert.ok(good.ok, `allocation with fresh precall credentials failed:\n${good.output}\n--- turnserver:\n${coturn.log().slice(-2000)}`);
      assert.match(good.output, /tot_recv_msgs=[1-9]/, 'data went through the relay');
      const expiry = Number(username.split(':')[0]);
      await new Promise((r) => setTimeout(r, Math.max(0, (expiry + 1.2) * 1000 - Date.now())));
      const late = uclient(coturn.port, username, credential);
      assert.equal(late.ok, false, late.output);
      assert.match(late.output, /allocate response received/, 'coturn answered (and refused), it was not unreachable');
    } finally {
      await s.close();
    }
  });
});
