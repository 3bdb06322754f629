// Pre-warmed joins (issue 23): the page opens signaling while its pre-join view is up, before Join
// is pressed. The server checks it like a join and does nothing more: no seat, no room state read,
// nothing of the room told, nobody in the room told of it; its socket is parked (heartbeats only)
// until the join that names its token seats the member on that very socket.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signRoomToken } from '../../server/index.js';
import { connect, join, start, waitFor, wsUrl, type PeerSocket, type Started } from './helpers.js';
import { WebSocket } from 'ws';

const SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;

const token = (room: string, name: string, extra: Record<string, unknown> = {}) =>
  signRoomToken({ secret: SECRET, room, name, role: 'guest', sub: name.toLowerCase(), ...extra });

async function prewarm(s: Started, room: string, body: Record<string, unknown>) {
  const r = await join(s.base, room, { ...body, prewarm: true });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** Nothing more arrives on `p` within `ms`. */
async function silent(p: PeerSocket, ms = 300): Promise<void> {
  const before = p.messages.length;
  await new Promise((r) => setTimeout(r, ms));
  assert.deepEqual(p.messages.slice(before), [], 'no frame');
}

describe('pre-warmed join', () => {
  let s: Started;
  before(async () => { s = await start({ roomSecret: SECRET, waitingRoom: 'guests', turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'turn-secret-0123456789abcdef0123' }); });
  after(() => s.close());

  test('tells nothing of the room, takes no seat, and nobody in it hears of it; its socket opens parked', async () => {
    const host = await join(s.base, 'pw-1', { token: await token('pw-1', 'Rivera', { role: 'host' }) });
    const hostSocket = await connect(s.port, host.body);
    await hostSocket.next(isEvent('members'));
    const pw = await prewarm(s, 'pw-1', { token: await token('pw-1', 'Pat') });
    assert.deepEqual(Object.keys(pw).sort(), ['peerId', 'peerToken', 'peerTokenExpires', 'prewarm', 'signaling', 'transport']);
    assert.equal(pw.transport, 'mesh');
    assert.ok(pw.peerTokenExpires - Date.now() / 1000 <= 600 + 1, 'a pre-warm lasts 10 minutes at most');
    const parked = await connect(s.port, pw);
    assert.equal(parked.messages[0]?.type, 'OPEN');
    parked.send({ type: 'HEARTBEAT' });
    await silent(parked);
    await silent(hostSocket, 0);
    const members = await join(s.base, 'pw-1', { token: await token('pw-1', 'Sam', { role: 'host', sub: 'sam' }) });
    assert.equal(members.status, 200);
    assert.deepEqual(members.body.members.map((m: any) => m.displayName), ['Rivera'], 'no seat, no member');
    assert.equal(s.rtc.stats().participants, 2, 'Rivera and Sam: the pre-warm holds no seat');
    assert.equal(s.rtc.stats().sockets, 2, "Rivera's socket and the parked one (Sam opened none)");
    assert.ok(s.logs.some((l) => l.includes(`prewarm room=pw-1 peer=${pw.peerId}`)));
    parked.ws.close();
    await waitFor(() => s.rtc.stats().sockets === 1, 2000, 'parked socket gone');
    hostSocket.ws.close();
  });

  test('a parked socket relays nothing: a signaling frame closes it (1008)', async () => {
    const a = await join(s.base, 'pw-2', { token: await token('pw-2', 'Rivera', { role: 'host' }) });
    const aSocket = await connect(s.port, a.body);
    const pw = await prewarm(s, 'pw-2', { token: await token('pw-2', 'Pat') });
    const parked = await connect(s.port, pw);
    parked.send({ type: 'OFFER', dst: a.body.peerId, payload: { sdp: 'v=0', type: 'media', connectionId: 'mc_x' } });
    assert.equal((await parked.closed).code, 1008);
    await silent(aSocket);
  });

  test('the join that names it takes its id and its socket: the roster arrives on the parked socket, no second OPEN', async () => {
    const host = await join(s.base, 'pw-3', { token: await token('pw-3', 'Rivera', { role: 'host' }) });
    const hostSocket = await connect(s.port, host.body);
    const tok = await token('pw-3', 'Pat', { role: 'host', sub: 'pat' });
    const pw = await prewarm(s, 'pw-3', { token: tok, rejoinKey: 'tab-key-0123456789' });
    const parked = await connect(s.port, pw);
    const r = await join(s.base, 'pw-3', { token: tok, rejoinKey: 'tab-key-0123456789', prewarmToken: pw.peerToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.peerId, pw.peerId);
    assert.deepEqual(r.body.members.map((m: any) => m.displayName), ['Rivera']);
    assert.ok(r.body.iceServers.length > 0);
    const members = await parked.next(isEvent('members'));
    assert.deepEqual(members.payload.data.members.map((m: any) => m.displayName).sort(), ['Pat', 'Rivera']);
    assert.equal(parked.messages.filter((m) => m.type === 'OPEN').length, 1);
    const joined = await hostSocket.next(isEvent('member-joined'));
    assert.equal(joined.payload.data.peerId, pw.peerId);
    assert.ok(s.logs.some((l) => l.includes(`join room=pw-3 peer=${pw.peerId}`) && l.includes('(pre-warmed)')));
    // Now a member's socket: signaling reaches the host.
    parked.send({ type: 'OFFER', dst: host.body.peerId, payload: { sdp: 'v=0', type: 'media', connectionId: 'mc_y' } });
    const offer = await hostSocket.next((m) => m.type === 'OFFER');
    assert.equal(offer.src, pw.peerId);
    // The pre-warm token is spent: it opens nothing now.
    const again = new WebSocket(wsUrl(s.port, pw));
    const status = await new Promise<number>((resolve) => again.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('open', () => resolve(101)));
    assert.equal(status, 401);
  });

  test('someone who must wait still only knocks at Join; the parked socket carries the wait', async () => {
    const host = await join(s.base, 'pw-4', { token: await token('pw-4', 'Rivera', { role: 'host' }) });
    const hostSocket = await connect(s.port, host.body);
    const tok = await token('pw-4', 'Pat');
    const pw = await prewarm(s, 'pw-4', { token: tok });
    const parked = await connect(s.port, pw);
    await silent(hostSocket);
    const r = await join(s.base, 'pw-4', { token: tok, prewarmToken: pw.peerToken });
    assert.equal(r.body.waiting, true);
    assert.deepEqual(r.body.members, []);
    await parked.next(isEvent('waiting'));
    const knock = await hostSocket.next(isEvent('knock'));
    assert.equal(knock.payload.data.participant.peerId, pw.peerId);
  });

  test("a pre-warm token that is not this join's is only a lost head start: a new id, its socket stays parked", async () => {
    const tok = await token('pw-5', 'Pat', { role: 'host', sub: 'pat' });
    const other = await prewarm(s, 'pw-5', { token: await token('pw-5', 'Kim', { role: 'host', sub: 'kim' }) });
    const parked = await connect(s.port, other);
    const r = await join(s.base, 'pw-5', { token: tok, prewarmToken: other.peerToken });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.body.peerId, other.peerId);
    const forged = await join(s.base, 'pw-5', { token: tok, prewarmToken: 'not.a.token' });
    assert.equal(forged.status, 200);
    await silent(parked);
    assert.equal(parked.ws.readyState, WebSocket.OPEN);
    parked.ws.close();
  });

  test('bad input: prewarm not a boolean, prewarmToken not a string, a pre-warm that keeps an id → 400', async () => {
    for (const body of [{ prewarm: 'yes' }, { prewarmToken: 42 }, { prewarm: true, prewarmToken: 'x' }]) {
      const r = await join(s.base, 'pw-6', { token: await token('pw-6', 'Pat'), ...body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'bad-request');
    }
    const noToken = await join(s.base, 'pw-6', { prewarm: true, displayName: 'Pat' });
    assert.equal(noToken.status, 401, 'checked like a join: a room token is needed');
  });
});

describe('pre-warmed join: the join rate limit', () => {
  let s: Started;
  before(async () => { s = await start({ joinRateLimit: 3 }); });
  after(() => s.close());

  test('counts against the join rate limit like a join', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await join(s.base, 'pw-rl', { displayName: 'Pat', prewarm: true })).status);
    assert.deepEqual(answers, [200, 200, 200, 429]);
  });

  test('a pre-warm and the join that takes it count once; a spent pre-warm token refunds nothing', async () => {
    const s2 = await start({ joinRateLimit: 2 });
    try {
      const pw = (await join(s2.base, 'pw-rl2', { displayName: 'Pat', prewarm: true })).body;
      const first = await join(s2.base, 'pw-rl2', { displayName: 'Pat', prewarmToken: pw.peerToken });
      assert.equal(first.status, 200);
      assert.equal(first.body.peerId, pw.peerId);
      // One hit left: this join takes it; the spent token earns no refund; the next is refused.
      assert.equal((await join(s2.base, 'pw-rl2', { displayName: 'Kim', prewarmToken: pw.peerToken })).status, 200);
      assert.equal((await join(s2.base, 'pw-rl2', { displayName: 'Lee', prewarmToken: pw.peerToken })).status, 429);
    } finally {
      await s2.close();
    }
  });

});

describe('pre-warmed join: expiry', () => {
  let s: Started;
  before(async () => { s = await start(); });
  after(() => s.close());

  test('a parked socket is closed (4002) when its token ends', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const pw = await (await join(s.base, 'pw-exp', { displayName: 'Pat', prewarm: true, rejoinKey: 'other-tab-key-0123' })).body;
    const parked = await connect(s.port, pw);
    t.mock.timers.tick(601_000);
    assert.equal((await parked.closed).code, 4002);
  });
});
