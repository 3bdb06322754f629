// The admin API (<base>/api/admin): off without RTC_ADMIN_TOKEN, bearer-protected with it, and the
// host actions carried out for the site's backend over real sockets — what the people in the room
// see is what a host's room request would have done.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signRoomToken, type JoinResponse } from '../../server/index.js';
import { connect, join, request, start, type PeerSocket, type Started } from './helpers.js';

const SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef0123456789abcdef';
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;

async function enter(s: Started, room: string, who: { name: string; role?: 'host' | 'guest'; sub?: string; wait?: boolean }) {
  const token = await signRoomToken({ secret: SECRET, room, name: who.name, role: who.role ?? 'guest', sub: who.sub ?? who.name.toLowerCase(), wait: who.wait });
  return join(s.base, room, { token });
}

async function seat(s: Started, room: string, who: Parameters<typeof enter>[2]): Promise<{ j: JoinResponse; p: PeerSocket }> {
  const r = await enter(s, room, who);
  assert.equal(r.status, 200, r.text);
  return { j: r.body, p: await connect(s.port, r.body) };
}

function admin(s: Started, method: 'GET' | 'POST', path: string, body?: unknown, token = ADMIN) {
  return request(`${s.base}/api/admin${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}

describe('admin API without RTC_ADMIN_TOKEN', () => {
  test('is off: 404 not-found on every route, even with a bearer token', async () => {
    const s = await start({ roomSecret: SECRET });
    try {
      for (const [method, path] of [['GET', '/rooms'], ['GET', '/rooms/r'], ['POST', '/rooms/r/end']] as const) {
        const r = await admin(s, method, path, method === 'POST' ? {} : undefined);
        assert.equal(r.status, 404, path);
        assert.equal(r.body.error.code, 'not-found');
        assert.equal(r.body.error.message, 'the admin API is off (set RTC_ADMIN_TOKEN)');
      }
    } finally {
      await s.close();
    }
  });
});

describe('admin API with RTC_ADMIN_TOKEN', () => {
  let s: Started;
  before(async () => { s = await start({ roomSecret: SECRET, waitingRoom: 'guests', adminToken: ADMIN, basePath: '/calls' }); });
  after(() => s.close());
  // The server runs under /calls: the admin API follows the base path.
  const at = (): Started => ({ ...s, base: `${s.base}/calls` });

  test('needs the bearer token: none, a wrong one, another scheme → 401 unauthorized with WWW-Authenticate; the token is never logged', async () => {
    for (const authorization of [undefined, `Bearer ${ADMIN}x`, `Bearer ${ADMIN.slice(0, -1)}`, `Basic ${ADMIN}`, ADMIN]) {
      const r = await request(`${at().base}/api/admin/rooms`, { headers: authorization ? { authorization } : {} });
      assert.equal(r.status, 401, String(authorization));
      assert.equal(r.body.error.code, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    }
    const post = await admin(at(), 'POST', '/rooms/r/end', {}, 'wrong-token');
    assert.equal(post.status, 401);
    assert.equal((await admin(at(), 'GET', '/rooms')).status, 200);
    assert.ok(!s.logs.some((l) => l.includes(ADMIN.slice(0, 12))), 'no admin token in the log');
  });

  test('lists rooms and a room’s members and waiting people', async () => {
    const host = await seat(at(), 'adm-list', { name: 'Rivera', role: 'host' });
    const guest = await seat(at(), 'adm-list', { name: 'Gil', wait: false });
    const knock = await enter(at(), 'adm-list', { name: 'Pat', sub: 'pat-sub' });
    assert.equal(knock.body.waiting, true);
    const list = await admin(at(), 'GET', '/rooms');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    assert.deepEqual(list.body.rooms.find((r: any) => r.room === 'adm-list'), { room: 'adm-list', members: 2, waiting: 1, locked: false });
    const one = await admin(at(), 'GET', '/rooms/adm-list');
    assert.equal(one.status, 200);
    assert.equal(one.body.room, 'adm-list');
    assert.equal(one.body.locked, false);
    assert.deepEqual(one.body.members.map((m: any) => [m.peerId, m.displayName, m.role, m.sub, m.connected]), [
      [host.j.peerId, 'Rivera', 'host', 'rivera', true],
      [guest.j.peerId, 'Gil', 'guest', 'gil', true],
    ]);
    assert.equal(one.body.waiting.length, 1);
    assert.equal(one.body.waiting[0].peerId, knock.body.peerId);
    assert.equal(one.body.waiting[0].displayName, 'Pat');
    assert.equal(one.body.waiting[0].sub, 'pat-sub');
    assert.equal(one.body.waiting[0].connected, false, 'its socket is not open yet');
    assert.equal(typeof one.body.waiting[0].since, 'number');
    assert.deepEqual((await admin(at(), 'GET', '/rooms/nobody-here')).body, { room: 'nobody-here', locked: false, members: [], waiting: [] });
    const bad = await admin(at(), 'GET', '/rooms/bad%20room');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid-room');
    assert.equal((await admin(at(), 'GET', '/rooms/bad%zz')).body.error.code, 'invalid-room');
  });

  test('admit: the waiting socket gets admitted with members and credentials; the host sees member-joined', async () => {
    const host = await seat(at(), 'adm-admit', { name: 'Rivera', role: 'host' });
    const r = await enter(at(), 'adm-admit', { name: 'Pat' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    const reply = await admin(at(), 'POST', '/rooms/adm-admit/admit', { peerId: r.body.peerId });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body, { ok: true });
    const admitted = (await pat.next(isEvent('admitted'))).payload.data;
    assert.deepEqual(admitted.members, [{ peerId: host.j.peerId, displayName: 'Rivera', role: 'host' }]);
    assert.equal(typeof admitted.peerToken, 'string');
    assert.equal((await host.p.next(isEvent('member-joined'))).payload.data.peerId, r.body.peerId);
    assert.ok(s.logs.some((l) => l === `rtc-call: admin action=admit room=adm-admit peer="${r.body.peerId}" ok`), s.logs.join('\n'));
    // Admitted once: a second admit names nobody waiting.
    const again = await admin(at(), 'POST', '/rooms/adm-admit/admit', { peerId: r.body.peerId });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'participant-not-found');
  });

  test('admit-all lets everyone waiting in and says how many', async () => {
    await seat(at(), 'adm-all', { name: 'Rivera', role: 'host' });
    await enter(at(), 'adm-all', { name: 'Pat' });
    await enter(at(), 'adm-all', { name: 'Sam' });
    const reply = await admin(at(), 'POST', '/rooms/adm-all/admit-all');
    assert.deepEqual(reply.body, { ok: true, admitted: 2, waiting: 0 });
  });

  test('deny with a message: the knocker is told and closed; the message rule applies', async () => {
    const host = await seat(at(), 'adm-deny', { name: 'Rivera', role: 'host' });
    const r = await enter(at(), 'adm-deny', { name: 'Pat' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    const tooLong = await admin(at(), 'POST', '/rooms/adm-deny/deny', { peerId: r.body.peerId, message: 'x'.repeat(281) });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'bad-request');
    const notString = await admin(at(), 'POST', '/rooms/adm-deny/deny', { peerId: r.body.peerId, message: 42 });
    assert.equal(notString.body.error.code, 'bad-request');
    const reply = await admin(at(), 'POST', '/rooms/adm-deny/deny', { peerId: r.body.peerId, message: 'Please use the link from your e-mail.' });
    assert.deepEqual(reply.body, { ok: true });
    assert.deepEqual((await pat.next(isEvent('denied'))).payload.data, { message: 'Please use the link from your e-mail.' });
    assert.equal((await pat.closed).code, 4001);
    assert.deepEqual((await host.p.next(isEvent('knock-withdrawn'))).payload.data, { peerId: r.body.peerId, reason: 'denied' });
  });

  test('remove: the guest is told and closed, its mates hear removed-by-host, and its sub is refused at join with 403 removed-by-host', async () => {
    const host = await seat(at(), 'adm-remove', { name: 'Rivera', role: 'host' });
    const guest = await seat(at(), 'adm-remove', { name: 'Gil', sub: 'gil-adm', wait: false });
    await host.p.next(isEvent('member-joined'));
    const reply = await admin(at(), 'POST', '/rooms/adm-remove/remove', { peerId: guest.j.peerId });
    assert.deepEqual(reply.body, { ok: true });
    assert.deepEqual((await guest.p.next(isEvent('removed'))).payload.data, { reason: 'removed-by-host' });
    assert.equal((await guest.p.closed).code, 4001);
    assert.deepEqual((await host.p.next(isEvent('member-left'))).payload.data, { peerId: guest.j.peerId, reason: 'removed-by-host' });
    const back = await enter(at(), 'adm-remove', { name: 'Gil', sub: 'gil-adm', wait: false });
    assert.equal(back.status, 403);
    assert.equal(back.body.error.code, 'removed-by-host');
  });

  test('mute reaches only the one asked, without a host name (the backend asked)', async () => {
    await seat(at(), 'adm-mute', { name: 'Rivera', role: 'host' });
    const guest = await seat(at(), 'adm-mute', { name: 'Gil', wait: false });
    const other = await seat(at(), 'adm-mute', { name: 'Oli', wait: false });
    assert.deepEqual((await admin(at(), 'POST', '/rooms/adm-mute/mute', { peerId: guest.j.peerId })).body, { ok: true });
    assert.deepEqual((await guest.p.next(isEvent('mute-requested'))).payload.data, {});
    assert.ok(await other.p.none(isEvent('mute-requested'), 200));
  });

  test('lock and unlock: the room is told; while locked a wait:false guest knocks; the list shows it', async () => {
    const host = await seat(at(), 'adm-lock', { name: 'Rivera', role: 'host' });
    assert.deepEqual((await admin(at(), 'POST', '/rooms/adm-lock/lock')).body, { ok: true, locked: true });
    assert.deepEqual((await host.p.next(isEvent('locked'))).payload.data, { locked: true });
    assert.equal((await admin(at(), 'GET', '/rooms')).body.rooms.find((r: any) => r.room === 'adm-lock').locked, true);
    assert.equal((await enter(at(), 'adm-lock', { name: 'Gil', wait: false })).body.waiting, true);
    assert.deepEqual((await admin(at(), 'POST', '/rooms/adm-lock/unlock')).body, { ok: true, locked: false });
    await host.p.next((m) => isEvent('locked')(m) && m.payload.data.locked === false);
    assert.equal((await enter(at(), 'adm-lock', { name: 'Oli', wait: false })).body.waiting, undefined);
    // Nobody in a room: nothing to lock.
    assert.equal((await admin(at(), 'POST', '/rooms/adm-empty/lock')).body.error.code, 'participant-not-found');
  });

  test('end: every socket, seated and waiting, gets ended and closes; the room is gone', async () => {
    const host = await seat(at(), 'adm-end', { name: 'Rivera', role: 'host' });
    const guest = await seat(at(), 'adm-end', { name: 'Gil', wait: false });
    const r = await enter(at(), 'adm-end', { name: 'Pat' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    assert.deepEqual((await admin(at(), 'POST', '/rooms/adm-end/end')).body, { ok: true });
    for (const p of [host.p, guest.p, pat]) {
      assert.deepEqual((await p.next(isEvent('ended'))).payload.data, {});
      assert.equal((await p.closed).code, 4001);
    }
    assert.ok(!(await admin(at(), 'GET', '/rooms')).body.rooms.some((x: any) => x.room === 'adm-end'));
    const twice = await admin(at(), 'POST', '/rooms/adm-end/end');
    assert.equal(twice.status, 404);
    assert.equal(twice.body.error.code, 'participant-not-found');
  });

  test('an unknown id is 404 participant-not-found; a bad body or peerId is 400 bad-request; a bad room is 400 invalid-room', async () => {
    const host = await seat(at(), 'adm-bad', { name: 'Rivera', role: 'host' });
    for (const action of ['admit', 'deny', 'remove', 'mute']) {
      const r = await admin(at(), 'POST', `/rooms/adm-bad/${action}`, { peerId: 'no-such-peer' });
      assert.equal(r.status, 404, action);
      assert.equal(r.body.error.code, 'participant-not-found', action);
    }
    // A host is seated, not waiting: admit names nobody waiting.
    assert.equal((await admin(at(), 'POST', '/rooms/adm-bad/admit', { peerId: host.j.peerId })).body.error.code, 'participant-not-found');
    // The right id in another room is nobody here.
    assert.equal((await admin(at(), 'POST', '/rooms/elsewhere/remove', { peerId: host.j.peerId })).body.error.code, 'participant-not-found');
    for (const body of ['[1]', '"x"', 'null', '{"peerId": 7}', '{}', '{not json']) {
      const r = await admin(at(), 'POST', '/rooms/adm-bad/remove', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.error.code, 'bad-request', body);
    }
    assert.equal((await admin(at(), 'POST', '/rooms/adm-bad/lock', '[1]')).body.error.code, 'bad-request');
    const big = await admin(at(), 'POST', '/rooms/adm-bad/deny', { peerId: 'x', message: 'y'.repeat(9000) });
    assert.equal(big.status, 400);
    assert.match(big.body.error.message, /too large/);
    const room = await admin(at(), 'POST', '/rooms/bad%20room/remove', { peerId: host.j.peerId });
    assert.equal(room.status, 400);
    assert.equal(room.body.error.code, 'invalid-room');
    assert.equal((await admin(at(), 'POST', '/rooms/adm-bad/nonsense', {})).body.error.code, 'not-found');
    assert.equal(host.p.ws.readyState, host.p.ws.OPEN, 'no refused request touched the room');
  });
});
