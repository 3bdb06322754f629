import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, jwtVerify } from 'jose';
import { signRoomToken, verifyRoomToken } from '../../server/index.js';
import { signPeerToken, verifyPeerToken } from '../../server/tokens.js';
import { connect, join, joinOk, start, type Started, refusedStatus } from './helpers.js';

const SECRET = 'room-secret-for-tests';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('room tokens (RTC_ROOM_SECRET set)', () => {
  let s: Started;
  before(async () => { s = await start({ roomSecret: SECRET, leaveGraceMs: 5000, maxParticipants: 2 }); });
  after(() => s.close());

  const expectStatus = async (token: unknown, status: number, code: string, room = 'visit-1') => {
    const r = await join(s.base, room, { displayName: 'Body Name', ...(token === undefined ? {} : { token }) });
    assert.equal(r.status, status, `${JSON.stringify(token)} → ${r.text}`);
    assert.equal(r.body.error.code, code);
  };

  test('missing token → 401 unauthorized', async () => {
    await expectStatus(undefined, 401, 'unauthorized');
    await expectStatus('', 401, 'unauthorized');
  });

  test('forged, malformed, expired and alg:none tokens → 401 unauthorized', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await signRoomToken({ secret: 'another-secret', room: 'visit-1', name: 'X', role: 'host' });
    const good = await signRoomToken({ secret: SECRET, room: 'visit-1', name: 'X', role: 'guest' });
    const [h, , sig] = good.split('.');
    const tampered = `${h}.${b64({ room: 'visit-1', name: 'X', role: 'host', exp: now + 600 })}.${sig}`;
    const expired = await signRoomToken({ secret: SECRET, room: 'visit-1', name: 'X', ttl: -120 });
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ room: 'visit-1', name: 'X', role: 'host', exp: now + 600 })}.`;
    const hs512 = (() => {
      const head = b64({ alg: 'HS512', typ: 'JWT' });
      const body = b64({ room: 'visit-1', role: 'host', exp: now + 600 });
      return `${head}.${body}.${createHmac('sha512', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    })();
    const noExp = (() => {
      const head = b64({ alg: 'HS256', typ: 'JWT' });
      const body = b64({ room: 'visit-1', role: 'host' });
      return `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    })();
    const badRole = await signRoomToken({ secret: SECRET, room: 'visit-1' }).then(() => {
      const head = b64({ alg: 'HS256', typ: 'JWT' });
      const body = b64({ room: 'visit-1', role: 'admin', exp: now + 600 });
      return `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    });
    for (const [name, token] of Object.entries({ other, tampered, expired, none, hs512, noExp, badRole, garbage: 'a.b.c' })) {
      await expectStatus(token, 401, 'unauthorized').catch((e) => { throw new Error(`${name}: ${e.message}`); });
    }
    // Control: the untampered token is accepted, so the cases above fail for the stated reason.
    assert.equal((await join(s.base, 'visit-1', { displayName: 'B', token: good })).status, 200);
  });

  test('a token for another room → 403 wrong-room', async () => {
    const t = await signRoomToken({ secret: SECRET, room: 'visit-2', name: 'X' });
    await expectStatus(t, 403, 'wrong-room', 'visit-3');
  });

  test("the token's name and role win over the body", async () => {
    const t = await signRoomToken({ secret: SECRET, room: 'names', name: 'Dr. Rivera', role: 'host', sub: 'doc-1' });
    const j = await joinOk(s.base, 'names', 'I am the host', { token: t });
    assert.equal(j.displayName, 'Dr. Rivera');
    assert.equal(j.role, 'host');
    const g = await signRoomToken({ secret: SECRET, room: 'names', role: 'guest', sub: 'pat-1' });
    const k = await joinOk(s.base, 'names', 'Patient', { token: g });
    assert.equal(k.displayName, 'Patient', 'without a name claim the body name is used');
    assert.deepEqual(k.members, [{ peerId: j.peerId, displayName: 'Dr. Rivera', role: 'host' }]);
  });

  test('a rejoin with the same token sub while the old socket is in grace replaces it (no room-full)', async () => {
    const doc = await signRoomToken({ secret: SECRET, room: 'sub-rejoin', name: 'Doc', role: 'host', sub: 'doc-7' });
    const pat = await signRoomToken({ secret: SECRET, room: 'sub-rejoin', name: 'Pat', sub: 'pat-7' });
    const p = await joinOk(s.base, 'sub-rejoin', 'x', { token: pat });
    const d1 = await joinOk(s.base, 'sub-rejoin', 'x', { token: doc });
    const pp = await connect(s.port, p);
    const pd1 = await connect(s.port, d1);
    pd1.destroy();
    await pd1.closed;
    const d2 = await joinOk(s.base, 'sub-rejoin', 'x', { token: doc });
    assert.deepEqual(d2.members.map((m) => m.peerId), [p.peerId]);
    await pp.next((m) => m.type === 'LEAVE' && m.src === d1.peerId, 2000);
    pp.close();
  });

  test('one seat per sub: a second join with the same sub replaces the first even while it is connected', async () => {
    const doc = await signRoomToken({ secret: SECRET, room: 'one-seat', name: 'Doc', role: 'host', sub: 'doc-8' });
    const pat = await signRoomToken({ secret: SECRET, room: 'one-seat', name: 'Pat', sub: 'pat-8' });
    const p = await joinOk(s.base, 'one-seat', 'x', { token: pat });
    const d1 = await joinOk(s.base, 'one-seat', 'x', { token: doc });
    const pp = await connect(s.port, p);
    const pd1 = await connect(s.port, d1);
    const d2 = await joinOk(s.base, 'one-seat', 'x', { token: doc });
    assert.deepEqual(d2.members.map((m) => m.peerId), [p.peerId], 'the connected first seat is gone');
    // The replaced page is told why before its socket closes, then cannot come back with its token.
    const notice = await pd1.next((m) => m.type === 'ROOM' && m.payload.event === 'removed', 2000);
    assert.deepEqual(notice.payload, { event: 'removed', data: { reason: 'replaced' } });
    assert.equal((await pd1.closed).code, 4001);
    assert.equal(await refusedStatus(connect(s.port, d1)), 401);
    await pp.next((m) => m.type === 'LEAVE' && m.src === d1.peerId, 2000);
    pp.close();
  });

  test('the p2p-only claim round-trips: written as "p2p-only" when given, read back as p2pOnly', async () => {
    for (const p2pOnly of [true, false]) {
      const t = await signRoomToken({ secret: SECRET, room: 'e2e', name: 'X', p2pOnly });
      assert.equal(decodeJwt(t)['p2p-only'], p2pOnly, 'the claim name on the wire');
      assert.equal((await verifyRoomToken(t, SECRET)).p2pOnly, p2pOnly);
      assert.equal((await join(s.base, 'e2e', { token: t })).status, 200);
    }
    const plain = await signRoomToken({ secret: SECRET, room: 'e2e', name: 'X' });
    assert.equal('p2p-only' in decodeJwt(plain), false, 'absent unless given');
    assert.equal('p2pOnly' in (await verifyRoomToken(plain, SECRET)), false);
  });

  test('a p2p-only claim that is not a boolean → 401 unauthorized', async () => {
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ alg: 'HS256', typ: 'JWT' });
    for (const value of ['true', 1, null, {}]) {
      const body = b64({ room: 'e2e-bad', name: 'X', 'p2p-only': value, exp: now + 600 });
      const token = `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
      await assert.rejects(verifyRoomToken(token, SECRET), (e: Error & { code?: string }) => e.code === 'unauthorized' && /p2p-only/.test(e.message), JSON.stringify(value));
      await expectStatus(token, 401, 'unauthorized', 'e2e-bad');
    }
    // Control: the same token with a boolean claim is accepted.
    const body = b64({ room: 'e2e-bad', name: 'X', 'p2p-only': true, exp: now + 600 });
    const ok = `${head}.${body}.${createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url')}`;
    assert.equal((await join(s.base, 'e2e-bad', { token: ok })).status, 200);
  });

  test('six joins with one guest token take one seat: the host still gets in', async () => {
    const big = await start({ roomSecret: SECRET, maxParticipants: 6 });
    try {
      const guest = await signRoomToken({ secret: SECRET, room: 'seats', name: 'Guest', sub: 'same-guest' });
      const joins = [];
      const sockets = [];
      for (let i = 0; i < 6; i++) {
        const j = await joinOk(big.base, 'seats', 'x', { token: guest });
        joins.push(j);
        sockets.push(await connect(big.port, j)); // each seat taken for real before the next join
      }
      const host = await signRoomToken({ secret: SECRET, room: 'seats', name: 'Host', role: 'host', sub: 'the-host' });
      const h = await join(big.base, 'seats', { token: host });
      assert.equal(h.status, 200, h.text);
      assert.deepEqual(h.body.members.map((m: { peerId: string }) => m.peerId), [joins[5]!.peerId], 'only the last guest join holds a seat');
      for (const p of sockets) p.destroy();
    } finally {
      await big.close();
    }
  });
});

describe('without RTC_ROOM_SECRET', () => {
  test('everyone is a guest; a token in the body is ignored', async () => {
    const s = await start();
    try {
      const t = await signRoomToken({ secret: 'whatever', room: 'open', name: 'Boss', role: 'host' });
      const j = await joinOk(s.base, 'open', 'Visitor', { token: t });
      assert.equal(j.role, 'guest');
      assert.equal(j.displayName, 'Visitor');
    } finally {
      await s.close();
    }
  });
});

describe('peer tokens (signed and checked with node:crypto HMAC)', () => {
  const PEER_SECRET = 'peer-secret-for-tests-0123456789';
  const claims = { pid: 'p1', room: 'visit-1', name: 'Ada', role: 'guest' as const };

  test('a peer token is a standard HS256 JWT that jose verifies', async () => {
    const { token, exp } = signPeerToken(claims, PEER_SECRET);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(PEER_SECRET), { algorithms: ['HS256'] });
    assert.deepEqual(protectedHeader, { alg: 'HS256', typ: 'rtc-peer+jwt' });
    assert.equal(payload.exp, exp);
    assert.deepEqual(verifyPeerToken(token, PEER_SECRET), { ...claims, exp });
  });

  test('forged, tampered, expired, other-algorithm and room tokens are refused', async () => {
    const { token } = signPeerToken(claims, PEER_SECRET);
    const head = token.split('.')[0]!;
    const now = Math.floor(Date.now() / 1000);
    const mac = (h: string, b: string, secret = PEER_SECRET, alg = 'sha256') => createHmac(alg, secret).update(`${h}.${b}`).digest('base64url');
    const hostBody = b64({ ...claims, role: 'host', exp: now + 600 });
    const expiredBody = b64({ ...claims, exp: now - 60 });
    const hs512 = b64({ alg: 'HS512', typ: 'rtc-peer+jwt' });
    const cases: Record<string, [string, RegExp]> = {
      otherSecret: [signPeerToken(claims, 'another-secret-0123456789abcdef').token, /signature invalid/],
      tampered: [`${head}.${hostBody}.${token.split('.')[2]}`, /signature invalid/],
      none: [`${b64({ alg: 'none', typ: 'rtc-peer+jwt' })}.${hostBody}.`, /malformed|algorithm/],
      hs512: [`${hs512}.${hostBody}.${mac(hs512, hostBody, PEER_SECRET, 'sha512')}`, /algorithm not allowed/],
      expired: [`${head}.${expiredBody}.${mac(head, expiredBody)}`, /expired/],
      roomToken: [await signRoomToken({ secret: PEER_SECRET, room: 'visit-1', role: 'host' }), /typ/],
      badClaims: [`${head}.${b64({ pid: 1, exp: now + 60 })}.${mac(head, b64({ pid: 1, exp: now + 60 }))}`, /claims malformed/],
      garbage: ['a.b.c', /signature invalid|malformed/],
      extraParts: [`${token}.x`, /malformed/],
    };
    for (const [name, [bad, message]] of Object.entries(cases)) {
      assert.throws(() => verifyPeerToken(bad, PEER_SECRET), (e: Error & { code?: string }) => e.code === 'unauthorized' && message.test(e.message), name);
    }
  });
});
