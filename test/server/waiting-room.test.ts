// The waiting room and host controls, enforced by the server: who waits, what someone waiting can
// see and send (nothing), who may admit, deny, remove, mute, lock and end (hosts only), and what
// survives a blip and a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, signRoomToken, type JoinResponse, type RtcServerOptions } from '../../server/index.js';
import { connect, join, request, start, waitFor, type PeerSocket, type Started } from './helpers.js';

const SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const TURN = { turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'turn-secret-0123456789abcdef0123' };
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;
const isReply = (id: string) => (m: any) => m.type === 'ROOM' && m.payload?.reply === id;

async function enter(s: Started, room: string, who: { name: string; role?: 'host' | 'guest'; sub?: string; wait?: boolean; rejoinKey?: string }) {
  const token = await signRoomToken({ secret: SECRET, room, name: who.name, role: who.role ?? 'guest', sub: who.sub ?? who.name.toLowerCase(), wait: who.wait });
  return join(s.base, room, { token, ...(who.rejoinKey ? { rejoinKey: who.rejoinKey } : {}) });
}

async function seat(s: Started, room: string, who: Parameters<typeof enter>[2]): Promise<{ j: JoinResponse; p: PeerSocket }> {
  const r = await enter(s, room, who);
  assert.equal(r.status, 200, r.text);
  return { j: r.body, p: await connect(s.port, r.body) };
}

let seq = 0;
async function ask(p: PeerSocket, request: string, data?: unknown): Promise<any> {
  const id = `q${++seq}`;
  p.send({ type: 'ROOM', payload: { request, id, ...(data !== undefined ? { data } : {}) } });
  return (await p.next(isReply(id))).payload;
}

describe('waiting room: configuration', () => {
  test('RTC_WAITING_ROOM=guests without RTC_ROOM_SECRET refuses to start, with a one-line reason', () => {
    assert.throws(() => createRtcServer({ waitingRoom: 'guests' }), /waiting room.*needs room tokens \(RTC_ROOM_SECRET\)/);
    assert.throws(() => createRtcServer({ waitingRoom: 'lobby' as RtcServerOptions['waitingRoom'] }), /must be "off" or "guests"/);
  });
});

describe('waiting room (RTC_WAITING_ROOM=guests)', () => {
  let s: Started;
  before(async () => { s = await start({ roomSecret: SECRET, waitingRoom: 'guests', denyCooldown: 1, metricsToken: 'metrics-token-0123456789abcdef0123', ...TURN }); });
  after(() => s.close());

  test('a guest knocks: no members, no ICE servers; the host is told; nothing it sends reaches anyone, nothing reaches it', async () => {
    const host = await seat(s, 'visit-1', { name: 'Rivera', role: 'host' });
    assert.ok(host.j.iceServers.length > 0);
    assert.equal(host.j.waiting, undefined);
    const r = await enter(s, 'visit-1', { name: 'Pat' });
    assert.equal(r.status, 200);
    assert.equal(r.body.waiting, true);
    assert.deepEqual(r.body.members, []);
    assert.deepEqual(r.body.iceServers, [], 'no TURN credentials while waiting');
    const knock = await host.p.next(isEvent('knock'));
    assert.equal(knock.payload.data.participant.peerId, r.body.peerId);
    assert.equal(knock.payload.data.participant.displayName, 'Pat');
    const pat = await connect(s.port, r.body);
    const hello = await pat.next(isEvent('waiting'));
    assert.deepEqual(hello.payload.data, { hostPresent: true });
    assert.ok(!pat.messages.some(isEvent('members')), 'no roster for someone waiting');
    // Signaling both ways is dropped.
    pat.send({ type: 'OFFER', dst: host.j.peerId, payload: { sdp: 'x' } });
    pat.send({ type: 'CANDIDATE', dst: host.j.peerId, payload: { candidate: 'x' } });
    host.p.send({ type: 'OFFER', dst: r.body.peerId, payload: { sdp: 'y' } });
    assert.ok(await host.p.none((m) => m.type === 'OFFER' || m.type === 'CANDIDATE', 300));
    assert.ok(await pat.none((m) => m.type === 'OFFER', 10));
    const metrics = await request(`${s.base}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789abcdef0123' } });
    assert.match(metrics.text, /rtc_dropped_messages_total\{reason="waiting"\} 3/);
    assert.match(metrics.text, /rtc_waiting 1/);
    // The members API says nothing to a waiting token either; a refresh brings no ICE servers.
    const members = await request(`${s.base}/api/rooms/visit-1/members`, { headers: { authorization: `Bearer ${r.body.peerToken}` } });
    assert.deepEqual(members.body, { members: [] });
    const refreshed = await ask(pat, 'refresh');
    assert.deepEqual(refreshed.data.iceServers, []);
  });

  test('a guest cannot admit, deny, remove, mute, lock or end — not-allowed whatever the id; a host naming an unknown id gets participant-not-found', async () => {
    const host = await seat(s, 'visit-2', { name: 'Rivera', role: 'host' });
    const guest = await seat(s, 'visit-2', { name: 'Gil', wait: false });
    const knocker = await enter(s, 'visit-2', { name: 'Kim' });
    for (const [req, data] of [
      ['admit', { peerId: knocker.body.peerId }], ['admit', { peerId: 'nobody' }], ['deny', { peerId: knocker.body.peerId }],
      ['admit-all', undefined], ['remove', { peerId: host.j.peerId }], ['mute', { peerId: host.j.peerId }],
      ['lock', undefined], ['unlock', undefined], ['end', undefined],
    ] as const) {
      const reply = await ask(guest.p, req, data);
      assert.equal(reply.ok, false, req);
      assert.equal(reply.error.code, 'not-allowed', req);
    }
    // Nobody waiting can act either, host token or not.
    const waitingHost = await seat(s, 'visit-2', { name: 'Dr. Wait', role: 'host', sub: 'wait-host', wait: true });
    assert.equal((await ask(waitingHost.p, 'end')).error.code, 'not-allowed');
    for (const req of ['admit', 'deny', 'remove', 'mute'] as const) {
      assert.equal((await ask(host.p, req, { peerId: 'no-such-peer' })).error.code, 'participant-not-found', req);
    }
    // admit / deny name someone waiting; remove / mute someone seated.
    assert.equal((await ask(host.p, 'admit', { peerId: guest.j.peerId })).error.code, 'participant-not-found');
    assert.equal((await ask(host.p, 'remove', { peerId: knocker.body.peerId })).error.code, 'participant-not-found');
    assert.equal((await ask(host.p, 'remove', { peerId: host.j.peerId })).error.code, 'not-allowed', 'a host does not remove themselves');
    // Still in the room: no request changed anything.
    assert.equal(s.rtc.stats().participants >= 2, true);
    assert.equal((await ask(host.p, 'deny', { peerId: knocker.body.peerId, message: 'x'.repeat(281) })).error.code, 'bad-request');
  });

  test('admit: the guest gets members, ICE servers and a seated token; the room is told; signaling flows', async () => {
    const host = await seat(s, 'visit-3', { name: 'Rivera', role: 'host' });
    const r = await enter(s, 'visit-3', { name: 'Pat' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    const reply = await ask(host.p, 'admit', { peerId: r.body.peerId });
    assert.equal(reply.ok, true);
    const admitted = (await pat.next(isEvent('admitted'))).payload.data;
    assert.deepEqual(admitted.members, [{ peerId: host.j.peerId, displayName: 'Rivera', role: 'host' }]);
    assert.ok(admitted.iceServers.length > 0);
    assert.ok(typeof admitted.peerToken === 'string');
    const joined = await host.p.next(isEvent('member-joined'));
    assert.equal(joined.payload.data.peerId, r.body.peerId);
    const withdrawn = await host.p.next(isEvent('knock-withdrawn'));
    assert.deepEqual(withdrawn.payload.data, { peerId: r.body.peerId, reason: 'admitted' });
    pat.send({ type: 'OFFER', dst: host.j.peerId, payload: { sdp: 'x' } });
    const offer = await host.p.next((m) => m.type === 'OFFER');
    assert.equal(offer.src, r.body.peerId);
    // The admitted token opens a seated socket; the one from the wait still works for the same seat.
    const again = await connect(s.port, { ...r.body, peerToken: admitted.peerToken });
    assert.ok(await again.next(isEvent('members')));
  });

  test('admitted while its socket was away: the next socket gets the credentials it missed', async () => {
    const host = await seat(s, 'visit-3b', { name: 'Rivera', role: 'host' });
    const r = await enter(s, 'visit-3b', { name: 'Pat' });
    assert.equal((await ask(host.p, 'admit', { peerId: r.body.peerId })).ok, true);
    const pat = await connect(s.port, r.body);
    const admitted = await pat.next(isEvent('admitted'));
    assert.deepEqual(admitted.payload.data.members.map((m: any) => m.peerId), [host.j.peerId]);
    assert.ok(await pat.next(isEvent('members')));
  });

  test('two knockers at once are both listed for every host; admit-all lets both in', async () => {
    const a = await seat(s, 'visit-4', { name: 'Rivera', role: 'host' });
    const b = await seat(s, 'visit-4', { name: 'Nurse', role: 'host', sub: 'nurse' });
    const [k1, k2] = await Promise.all([enter(s, 'visit-4', { name: 'Pat' }), enter(s, 'visit-4', { name: 'Sam' })]);
    for (const host of [a, b]) {
      await waitFor(() => host.p.messages.filter(isEvent('knock')).length === 2, 3000, 'two knocks');
      const ids = host.p.messages.filter(isEvent('knock')).map((m) => m.payload.data.participant.peerId).sort();
      assert.deepEqual(ids, [k1.body.peerId, k2.body.peerId].sort());
    }
    // A host whose socket opens later gets the list in `members`.
    const late = await seat(s, 'visit-4', { name: 'Late', role: 'host', sub: 'late' });
    const roster = await late.p.next(isEvent('members'));
    assert.deepEqual(roster.payload.data.waiting.map((w: any) => w.displayName).sort(), ['Pat', 'Sam']);
    const reply = await ask(a.p, 'admit-all');
    assert.deepEqual(reply.data, { admitted: 2, waiting: 0 });
  });

  test('deny with a message: the knocker is told and closed; the host stays; the same sub knocks again only after the cooldown', async () => {
    const host = await seat(s, 'visit-5', { name: 'Rivera', role: 'host' });
    const r = await enter(s, 'visit-5', { name: 'Pat', sub: 'pat-5' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    assert.equal((await ask(host.p, 'deny', { peerId: r.body.peerId, message: '  Please use the link from your e-mail.  ' })).ok, true);
    const denied = await pat.next(isEvent('denied'));
    assert.deepEqual(denied.payload.data, { message: 'Please use the link from your e-mail.' });
    assert.equal((await pat.closed).code, 4001);
    assert.deepEqual((await host.p.next(isEvent('knock-withdrawn'))).payload.data, { peerId: r.body.peerId, reason: 'denied' });
    assert.equal(host.p.ws.readyState, host.p.ws.OPEN, 'a deny never touches the host');
    const soon = await enter(s, 'visit-5', { name: 'Pat', sub: 'pat-5' });
    assert.equal(soon.status, 429);
    assert.equal(soon.body.error.code, 'knock-cooldown');
    await new Promise((res) => setTimeout(res, 1100));
    assert.equal((await enter(s, 'visit-5', { name: 'Pat', sub: 'pat-5' })).status, 200);
  });

  test('denied (or ended) before its socket opened: that socket still gets the notice, then closes', async () => {
    const host = await seat(s, 'visit-5b', { name: 'Rivera', role: 'host' });
    const r = await enter(s, 'visit-5b', { name: 'Pat', sub: 'pat-5b' });
    assert.equal((await ask(host.p, 'deny', { peerId: r.body.peerId, message: 'Not today.' })).ok, true);
    const pat = await connect(s.port, r.body);
    assert.deepEqual((await pat.next(isEvent('denied'))).payload.data, { message: 'Not today.' });
    assert.equal((await pat.closed).code, 4001);
    // Once told, the token is just revoked.
    assert.equal((await connect(s.port, r.body).then(() => 0, (e) => e.status)), 401);
  });

  test('remove: the guest is told, its mates hear removed-by-host, and its sub is refused until the room ends', async () => {
    const host = await seat(s, 'visit-6', { name: 'Rivera', role: 'host' });
    const guest = await seat(s, 'visit-6', { name: 'Gil', sub: 'gil-6', wait: false });
    await host.p.next(isEvent('member-joined'));
    assert.equal((await ask(host.p, 'remove', { peerId: guest.j.peerId })).ok, true);
    assert.deepEqual((await guest.p.next(isEvent('removed'))).payload.data, { reason: 'removed-by-host' });
    assert.equal((await guest.p.closed).code, 4001);
    assert.deepEqual((await host.p.next(isEvent('member-left'))).payload.data, { peerId: guest.j.peerId, reason: 'removed-by-host' });
    const back = await enter(s, 'visit-6', { name: 'Gil', sub: 'gil-6', wait: false });
    assert.equal(back.status, 403);
    assert.equal(back.body.error.code, 'removed-by-host');
    // The room ends when everyone has gone; then the bar is gone too.
    host.p.send({ type: 'ROOM', payload: { request: 'leave' } });
    await host.p.closed;
    const later = await enter(s, 'visit-6', { name: 'Gil', sub: 'gil-6', wait: false });
    assert.equal(later.status, 200, later.text);
  });

  test('ask to mute reaches only the one asked, with the host’s name', async () => {
    const host = await seat(s, 'visit-7', { name: 'Rivera', role: 'host' });
    const guest = await seat(s, 'visit-7', { name: 'Gil', wait: false });
    const other = await seat(s, 'visit-7', { name: 'Oli', wait: false });
    assert.equal((await ask(host.p, 'mute', { peerId: guest.j.peerId })).ok, true);
    assert.deepEqual((await guest.p.next(isEvent('mute-requested'))).payload.data, { by: 'Rivera' });
    assert.ok(await other.p.none(isEvent('mute-requested'), 200));
  });

  test('lock: newcomers knock even with wait:false; hosts walk in; unlock lets the next one in', async () => {
    const host = await seat(s, 'visit-8', { name: 'Rivera', role: 'host' });
    assert.deepEqual((await ask(host.p, 'lock')).data, { locked: true });
    assert.deepEqual((await host.p.next(isEvent('locked'))).payload.data, { locked: true, by: 'Rivera' });
    assert.equal((await enter(s, 'visit-8', { name: 'Gil', wait: false })).body.waiting, true);
    assert.equal((await enter(s, 'visit-8', { name: 'Nurse', role: 'host', sub: 'nurse-8' })).body.waiting, undefined);
    await ask(host.p, 'unlock');
    assert.equal((await enter(s, 'visit-8', { name: 'Oli', wait: false })).body.waiting, undefined);
  });

  test('end for everyone: seated and waiting are told and closed, the room is gone', async () => {
    const host = await seat(s, 'visit-9', { name: 'Rivera', role: 'host' });
    const guest = await seat(s, 'visit-9', { name: 'Gil', wait: false });
    const r = await enter(s, 'visit-9', { name: 'Pat' });
    const pat = await connect(s.port, r.body);
    await pat.next(isEvent('waiting'));
    assert.equal((await ask(host.p, 'end')).ok, true);
    for (const p of [guest.p, pat, host.p]) {
      assert.deepEqual((await p.next(isEvent('ended'))).payload.data, { by: 'Rivera' });
      assert.equal((await p.closed).code, 4001);
    }
    const snapshot = await request(`${s.base}/api/rooms/visit-9/members`, { headers: { authorization: `Bearer ${host.j.peerToken}` } });
    assert.equal(snapshot.status, 401, 'the host’s token ended with the room');
  });

  test('a knock never evicts a seated member with the same sub; a reload of the seated tab walks back in', async () => {
    const host = await seat(s, 'visit-10', { name: 'Rivera', role: 'host' });
    const gil = await seat(s, 'visit-10', { name: 'Gil', sub: 'gil-10', wait: false, rejoinKey: 'gil-tab-key-10' });
    // Another device with the same sub: knocks, and Gil's seat is untouched.
    const other = await enter(s, 'visit-10', { name: 'Gil', sub: 'gil-10', rejoinKey: 'gil-phone-key-10' });
    assert.equal(other.body.waiting, true);
    assert.ok(await gil.p.none(isEvent('removed'), 200));
    // Admitting it applies the one-seat rule now: the first seat is replaced.
    assert.equal((await ask(host.p, 'admit', { peerId: other.body.peerId })).ok, true);
    assert.deepEqual((await gil.p.next(isEvent('removed'))).payload.data, { reason: 'replaced' });
    // The admitted phone reloads (same rejoin key): no knocking for its own seat.
    const reload = await enter(s, 'visit-10', { name: 'Gil', sub: 'gil-10', rejoinKey: 'gil-phone-key-10' });
    assert.equal(reload.body.waiting, undefined);
    // Another device of Gil's knocks and is denied: the seated tab's reload still walks back in.
    const third = await enter(s, 'visit-10', { name: 'Gil', sub: 'gil-10', rejoinKey: 'gil-laptop-key-10' });
    assert.equal(third.body.waiting, true);
    assert.equal((await ask(host.p, 'deny', { peerId: third.body.peerId })).ok, true);
    const again = await enter(s, 'visit-10', { name: 'Gil', sub: 'gil-10', rejoinKey: 'gil-phone-key-10' });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.waiting, undefined);
  });

  test('someone waiting whose tab closes leaves hosts’ lists within the grace period; a host leaving does not admit anyone', async () => {
    const host = await seat(s, 'visit-11', { name: 'Rivera', role: 'host' });
    const r = await enter(s, 'visit-11', { name: 'Pat' });
    const stay = await enter(s, 'visit-11', { name: 'Sam' });
    const pat = await connect(s.port, r.body);
    const sam = await connect(s.port, stay.body);
    await pat.next(isEvent('waiting'));
    const closedAt = Date.now();
    pat.destroy();
    const withdrawn = await host.p.next(isEvent('knock-withdrawn'), 10_000);
    assert.deepEqual(withdrawn.payload.data, { peerId: r.body.peerId, reason: 'left' });
    assert.ok(Date.now() - closedAt < 10_000);
    host.p.send({ type: 'ROOM', payload: { request: 'leave' } });
    await host.p.closed;
    const told = await sam.next((m) => isEvent('waiting')(m) && m.payload.data.hostPresent === false);
    assert.ok(told);
    assert.ok(!sam.messages.some(isEvent('admitted')));
    assert.ok(sam.messages.filter(isEvent('waiting')).length >= 2);
  });
});

describe('waiting room: without a waiting room', () => {
  test('off (the default): guests walk in; a token with wait:true knocks; without room tokens nobody waits', async () => {
    const s = await start({ roomSecret: SECRET });
    const open = await start();
    try {
      assert.equal((await enter(s, 'r', { name: 'Gil' })).body.waiting, undefined);
      assert.equal((await enter(s, 'r', { name: 'Pat', wait: true })).body.waiting, true);
      assert.equal((await join(open.base, 'r', { displayName: 'Ann' })).body.waiting, undefined);
    } finally {
      await s.close();
      await open.close();
    }
  });
});

describe('waiting room: restarts', () => {
  test('the waiting list, locks and bars survive a restart (data directory); the one waiting reconnects and still waits', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-wait-'));
    const opts = { roomSecret: SECRET, waitingRoom: 'guests' as const, dataDir: dir };
    try {
      let s = await start(opts);
      const host = await seat(s, 'visit-r', { name: 'Rivera', role: 'host' });
      const guest = await seat(s, 'visit-r', { name: 'Gil', sub: 'gil-r', wait: false });
      const r = await enter(s, 'visit-r', { name: 'Pat' });
      const pat = await connect(s.port, r.body);
      await pat.next(isEvent('waiting'));
      await ask(host.p, 'remove', { peerId: guest.j.peerId });
      await ask(host.p, 'lock');
      await s.close();
      s = await start({ ...opts });
      try {
        // The restarted server listens elsewhere; the clients come back to it with their tokens.
        const hostAgain = await connect(s.port, host.j);
        const roster = await hostAgain.next(isEvent('members'));
        assert.deepEqual(roster.payload.data.waiting.map((w: any) => w.peerId), [r.body.peerId]);
        assert.equal(roster.payload.data.locked, true);
        const patAgain = await connect(s.port, r.body);
        assert.deepEqual((await patAgain.next(isEvent('waiting'))).payload.data, { hostPresent: true });
        patAgain.send({ type: 'OFFER', dst: host.j.peerId, payload: {} });
        assert.ok(await hostAgain.none((m) => m.type === 'OFFER', 200));
        assert.equal((await enter(s, 'visit-r', { name: 'Gil', sub: 'gil-r', wait: false })).body.error.code, 'removed-by-host');
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a token issued while waiting knocks again on a server that lost everything but the peer secret: it never takes a seat', async () => {
    const opts = { roomSecret: SECRET, waitingRoom: 'guests' as const, peerSecret: 'peer-secret-0123456789abcdef0123456789ab' };
    const first = await start(opts);
    const host = await seat(first, 'visit-t', { name: 'Rivera', role: 'host' });
    const r = await enter(first, 'visit-t', { name: 'Pat' });
    await first.close();
    const s = await start(opts);
    try {
      const hostAgain = await connect(s.port, host.j);
      await hostAgain.next(isEvent('members'));
      const pat = await connect(s.port, r.body);
      assert.deepEqual((await pat.next(isEvent('waiting'))).payload.data, { hostPresent: true });
      const knock = await hostAgain.next(isEvent('knock'));
      assert.equal(knock.payload.data.participant.peerId, r.body.peerId);
      assert.ok(!hostAgain.messages.some((m) => isEvent('member-joined')(m) && m.payload.data.peerId === r.body.peerId));
    } finally {
      await s.close();
    }
  });
});
