// Rooms whose media goes through Janus (SFU mode), as the server decides and enforces them: the
// settings, which room gets which mode and how many seats, the p2p-only rooms and tokens, joins
// refused without a Janus, every member told when Janus goes mid-call, what the server answers to
// SFU frames, and SIGNAL frames to everyone in the room. A real publish needs a browser
// (test/browser/call-sfu.test.ts). Janus is Debian's (test/janus/janus-process.mjs), on loopback:
// run inside the test namespace (`unshare --net -- scripts/in-netns.sh …`, as npm run test:server
// is in CI); without Janus these tests fail with its install hint, they are never skipped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, optionsFromEnv, signRoomToken, type JoinResponse, type RtcServerOptions } from '../../server/index.js';
import { MESH_LIMIT, resolveConfig } from '../../server/config.js';
import { startJanus, type JanusProcess } from '../janus/janus-process.mjs';
import { connect, freeTcpPort, join, joinOk, request, start, waitFor, type PeerSocket, type Started } from './helpers.js';

const SECRET = 'sfu-room-secret-0123456789abcdef0123456789';
const isEvent = (name: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === name;
const isSfu = (m: any) => m.type === 'SFU';
const sfuError = (code: string) => (m: any) => isSfu(m) && m.payload?.kind === 'error' && m.payload.code === code;

/** A join with a room token signed with SECRET. */
async function joinWith(s: Started, room: string, claims: { name: string; role?: 'host' | 'guest'; wait?: boolean; p2pOnly?: boolean }) {
  const token = await signRoomToken({ secret: SECRET, room, sub: claims.name.toLowerCase(), ...claims });
  return join(s.base, room, { token });
}

/** Join `room` `n` times (names A1, A2, …), each answer checked 200. */
async function fill(base: string, room: string, n: number): Promise<JoinResponse[]> {
  const answers: JoinResponse[] = [];
  for (let i = 1; i <= n; i++) answers.push(await joinOk(base, room, `A${i}`));
  return answers;
}

async function janus(): Promise<JanusProcess> {
  return startJanus({ port: await freeTcpPort() });
}

describe('SFU settings', () => {
  test('RTC_JANUS_URLS, RTC_MESH_MAX and RTC_P2P_ONLY from the environment, flags winning over them', () => {
    const env = { RTC_JANUS_URLS: 'ws://janus-1:8188, wss://janus-2.example/ws', RTC_MESH_MAX: '0', RTC_P2P_ONLY: 'visit-*, lobby' };
    const { options } = optionsFromEnv(env, ['--demo-dir', '']);
    assert.deepEqual(options.janusUrls, ['ws://janus-1:8188', 'wss://janus-2.example/ws']);
    assert.equal(options.meshMax, 0, 'RTC_MESH_MAX=0 is a value, not unset');
    assert.deepEqual(options.p2pOnly, ['visit-*', 'lobby']);
    const flagged = optionsFromEnv(env, ['--demo-dir', '', '--janus-urls', 'ws://other:8188', '--mesh-max=3', '--p2p-only', '*']).options;
    assert.deepEqual(flagged.janusUrls, ['ws://other:8188']);
    assert.equal(flagged.meshMax, 3);
    assert.deepEqual(flagged.p2pOnly, ['*']);
    const none = optionsFromEnv({ RTC_JANUS_URLS: '', RTC_MESH_MAX: '', RTC_P2P_ONLY: '' }, ['--demo-dir', '']).options;
    assert.equal('janusUrls' in none || 'meshMax' in none || 'p2pOnly' in none, false, 'empty variables are unset');
  });

  test('defaults: no Janus, mesh max 4, 6 seats; with Janus 50 seats unless RTC_MAX_PARTICIPANTS says otherwise', () => {
    const plain = resolveConfig({});
    assert.deepEqual(plain.janusUrls, []);
    assert.equal(plain.meshMax, 4);
    assert.equal(plain.maxParticipants, 6);
    assert.equal(plain.maxParticipants, MESH_LIMIT);
    assert.equal(plain.p2pOnly('any-room'), false, 'no room is kept peer to peer by default');
    const withJanus = resolveConfig({ janusUrls: ['ws://127.0.0.1:8188'] });
    assert.equal(withJanus.maxParticipants, 50);
    assert.equal(withJanus.meshMax, 4);
    assert.equal(resolveConfig({ janusUrls: ['ws://127.0.0.1:8188'], maxParticipants: 20 }).maxParticipants, 20);
    assert.equal(resolveConfig({ maxParticipants: 3 }).maxParticipants, 3);
    assert.equal(resolveConfig({ janusUrls: [] }).maxParticipants, 6, 'an empty list is no Janus');
  });

  test('bad values are errors that name the setting', () => {
    for (const url of ['http://janus:8088', 'janus:8188', 'ws://', 'ws://a b', '']) {
      assert.throws(() => resolveConfig({ janusUrls: [url] }), /RTC_JANUS_URLS/, JSON.stringify(url));
    }
    for (const url of ['ws://janus:8188', 'wss://janus.example/janus', 'ws://[::1]:8188']) resolveConfig({ janusUrls: [url] });
    for (const meshMax of [0, 1, 4, MESH_LIMIT]) assert.equal(resolveConfig({ meshMax }).meshMax, meshMax);
    assert.throws(() => resolveConfig({ meshMax: MESH_LIMIT + 1 }), /RTC_MESH_MAX\) must be at most 6/);
    for (const meshMax of [-1, 1.5, NaN]) assert.throws(() => resolveConfig({ meshMax }), /meshMax/, String(meshMax));
    assert.throws(() => optionsFromEnv({ RTC_MESH_MAX: 'four' }), /RTC_MESH_MAX/);
    assert.throws(() => optionsFromEnv({ RTC_MESH_MAX: '-1' }), /RTC_MESH_MAX/);
    assert.throws(() => optionsFromEnv({}, ['--mesh-max', 'x']), /--mesh-max/);
    for (const entry of ['a b', 'visit/1', '**', 'a*b', '*visit', 'x'.repeat(65), '']) {
      assert.throws(() => resolveConfig({ p2pOnly: [entry] }), /RTC_P2P_ONLY entry/, JSON.stringify(entry));
    }
  });

  test('RTC_P2P_ONLY matches room names exactly, prefixes ending in *, and * for every room', () => {
    const cfg = resolveConfig({ p2pOnly: ['visit-*', 'lobby'] });
    for (const room of ['visit-1', 'visit-', 'lobby']) assert.equal(cfg.p2pOnly(room), true, room);
    for (const room of ['lobby2', 'a-lobby', 'visit', 'Visit-1', 'other']) assert.equal(cfg.p2pOnly(room), false, room);
    const all = resolveConfig({ p2pOnly: ['*'] });
    for (const room of ['a', 'visit-1', 'x'.repeat(64)]) assert.equal(all.p2pOnly(room), true, room);
  });

  test('a server given a bad SFU setting does not start', () => {
    assert.throws(() => createRtcServer({ janusUrls: ['http://janus:8088'] }), /ws:\/\/ or wss:\/\//);
    assert.throws(() => createRtcServer({ meshMax: 9 }), /RTC_MESH_MAX/);
    assert.throws(() => createRtcServer({ p2pOnly: ['no spaces'] }), /RTC_P2P_ONLY/);
  });
});

describe('without Janus', () => {
  test('every room is a mesh of 6: the join answer says mode mesh and maxParticipants 6; the 7th is room-full', async () => {
    const s = await start();
    try {
      const answers = await fill(s.base, 'plain', 6);
      for (const a of answers) {
        assert.equal(a.mode, 'mesh');
        assert.equal(a.maxParticipants, 6);
      }
      const seventh = await join(s.base, 'plain', { displayName: 'G' });
      assert.equal(seventh.status, 409);
      assert.equal(seventh.body.error.code, 'room-full');
    } finally {
      await s.close();
    }
  });

  test('an SFU frame in a mesh room gets an SFU error not-allowed, and the socket keeps working', async () => {
    const s = await start();
    try {
      const [a, b] = await fill(s.base, 'mesh-sfu', 2);
      const [pa, pb] = await Promise.all([connect(s.port, a!), connect(s.port, b!)]);
      pa.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
      const refused = await pa.next(isSfu);
      assert.equal(refused.payload.kind, 'error');
      assert.equal(refused.payload.code, 'not-allowed');
      assert.equal(typeof refused.payload.message, 'string');
      assert.ok(await pb.none(isSfu, 100), 'nothing reaches the others');
      pa.send({ type: 'OFFER', dst: b!.peerId, payload: { connectionId: 'c' } });
      await pb.next((m) => m.type === 'OFFER' && m.src === a!.peerId);
      pa.close(); pb.close();
    } finally {
      await s.close();
    }
  });
});

describe('with a Janus', () => {
  let j: JanusProcess;
  before(async () => { j = await janus(); });
  after(() => j?.stop());

  const withServer = async (options: RtcServerOptions, body: (s: Started) => Promise<void>) => {
    const s = await start({ janusUrls: [j.url], ...options });
    try {
      await body(s);
    } finally {
      await s.close();
    }
  };

  test('RTC_MESH_MAX=0: a room goes through the SFU with 50 seats, for everyone who joins it; the log names the VideoRoom', () => withServer({ meshMax: 0 }, async (s) => {
    const a = await joinOk(s.base, 'big', 'Ann');
    assert.equal(a.mode, 'sfu');
    assert.equal(a.maxParticipants, 50);
    const b = await joinOk(s.base, 'big', 'Bob');
    assert.equal(b.mode, 'sfu');
    assert.equal(b.maxParticipants, 50);
    assert.deepEqual(b.members.map((m) => m.peerId), [a.peerId]);
    assert.ok(s.logs.some((l) => /sfu room=big janus="?ws:\/\/127\.0\.0\.1:\d+"? videoroom=\d+/.test(l)), s.logs.join('\n'));
    assert.equal((await joinOk(s.base, 'big-2', 'Cid')).mode, 'sfu', 'every room, not only the first');
  }));

  test('RTC_MAX_PARTICIPANTS caps an SFU room: room-full at it', () => withServer({ meshMax: 0, maxParticipants: 3 }, async (s) => {
    const answers = await fill(s.base, 'capped', 3);
    assert.deepEqual(answers.map((a) => [a.mode, a.maxParticipants]), [['sfu', 3], ['sfu', 3], ['sfu', 3]]);
    const r = await join(s.base, 'capped', { displayName: 'D' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'room-full');
  }));

  test('RTC_MESH_MAX=4: rooms stay peer to peer (mesh, at most 6 seats) and SFU frames there are not-allowed', () => withServer({ meshMax: 4 }, async (s) => {
    const answers = await fill(s.base, 'small', 6);
    for (const a of answers) assert.deepEqual([a.mode, a.maxParticipants], ['mesh', 6]);
    assert.equal((await join(s.base, 'small', { displayName: 'G' })).body.error.code, 'room-full');
    const pa = await connect(s.port, answers[0]!);
    pa.send({ type: 'SFU', payload: { kind: 'candidate', pc: 'pub', candidate: null } });
    assert.equal((await pa.next(isSfu)).payload.code, 'not-allowed');
    pa.close();
  }));

  test('RTC_P2P_ONLY rooms stay mesh: 6 seats with RTC_MESH_MAX 0, RTC_MESH_MAX seats when it is above 0; others follow RTC_MESH_MAX', async () => {
    await withServer({ meshMax: 0, p2pOnly: ['visit-*'] }, async (s) => {
      const answers = await fill(s.base, 'visit-1', 6);
      for (const a of answers) assert.deepEqual([a.mode, a.maxParticipants], ['mesh', 6]);
      assert.equal((await join(s.base, 'visit-1', { displayName: 'G' })).status, 409);
      const other = await joinOk(s.base, 'townhall', 'T');
      assert.deepEqual([other.mode, other.maxParticipants], ['sfu', 50], 'a room the setting does not name goes through the SFU');
    });
    await withServer({ meshMax: 3, p2pOnly: ['visit-*'] }, async (s) => {
      const answers = await fill(s.base, 'visit-2', 3);
      for (const a of answers) assert.deepEqual([a.mode, a.maxParticipants], ['mesh', 3]);
      const fourth = await join(s.base, 'visit-2', { displayName: 'D' });
      assert.equal(fourth.status, 409);
      assert.equal(fourth.body.error.code, 'room-full');
      assert.match(fourth.body.error.message, /3 participants/);
      const other = await joinOk(s.base, 'townhall', 'T');
      assert.deepEqual([other.mode, other.maxParticipants], ['mesh', 6], 'a room the setting does not name is an ordinary mesh');
    });
  });

  test('a room token with p2p-only: true opens a mesh room that stays one (capped at RTC_MESH_MAX); the claim false changes nothing', () => withServer({ meshMax: 0, roomSecret: SECRET }, async (s) => {
    const first = await joinWith(s, 'e2e', { name: 'Rivera', role: 'host', p2pOnly: true });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual([first.body.mode, first.body.maxParticipants], ['mesh', 6]);
    const second = await joinWith(s, 'e2e', { name: 'Pat' });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual([second.body.mode, second.body.maxParticipants], ['mesh', 6], 'a newcomer without the claim joins the mesh');
    const plain = await joinWith(s, 'not-e2e', { name: 'Ann', p2pOnly: false });
    assert.deepEqual([plain.body.mode, plain.body.maxParticipants], ['sfu', 50]);
  }));

  test('a p2p-only token cannot join a room already on the SFU: 403 not-allowed, and the room is untouched', () => withServer({ meshMax: 0, roomSecret: SECRET }, async (s) => {
    const host = await joinWith(s, 'on-sfu', { name: 'Rivera', role: 'host' });
    assert.equal(host.body.mode, 'sfu');
    const e2e = await joinWith(s, 'on-sfu', { name: 'Pat', p2pOnly: true });
    assert.equal(e2e.status, 403, e2e.text);
    assert.equal(e2e.body.error.code, 'not-allowed');
    const later = await joinWith(s, 'on-sfu', { name: 'Sam' });
    assert.equal(later.status, 200, later.text);
    assert.deepEqual([later.body.mode, later.body.maxParticipants], ['sfu', 50], 'the refused token did not make the room p2p-only');
    assert.deepEqual(later.body.members.map((m: { peerId: string }) => m.peerId), [host.body.peerId], 'the refused one took no seat');
  }));

  test('room-full at the p2p-only capacity: RTC_MESH_MAX 2, a p2p-only token opens the room, the third is refused', () => withServer({ meshMax: 2, roomSecret: SECRET }, async (s) => {
    const a = await joinWith(s, 'pair', { name: 'Ann', p2pOnly: true });
    assert.deepEqual([a.body.mode, a.body.maxParticipants], ['mesh', 2]);
    const b = await joinWith(s, 'pair', { name: 'Bob' });
    assert.deepEqual([b.body.mode, b.body.maxParticipants], ['mesh', 2]);
    const c = await joinWith(s, 'pair', { name: 'Cid' });
    assert.equal(c.status, 409, c.text);
    assert.equal(c.body.error.code, 'room-full');
    const open = await joinWith(s, 'open', { name: 'Dee' });
    assert.deepEqual([open.body.mode, open.body.maxParticipants], ['mesh', 6], 'rooms without the claim keep the mesh size');
  }));

  test('SFU frames in an SFU room: a malformed payload gets an SFU error bad-request each time; well-formed ones none; Janus refusing an SDP is an error too', () => withServer({ meshMax: 0 }, async (s) => {
    const [a, b] = await fill(s.base, 'frames', 2);
    const [pa, pb] = await Promise.all([connect(s.port, a!), connect(s.port, b!)]);
    const malformed: unknown[] = [
      'nonsense', null, [], {}, { kind: 'dance' },
      { kind: 'publish' },
      { kind: 'publish', jsep: { type: 'answer', sdp: 'v=0' }, sources: [{ mid: '0', source: 'camera' }] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'x'.repeat(60_001) }, sources: [{ mid: '0', source: 'camera' }] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0' }, sources: [] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0' }, sources: [{ mid: '0', source: 'camera' }, { mid: '0', source: 'screen' }] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0' }, sources: [{ mid: '0', source: 'camera' }, { mid: '1', source: 'camera' }] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0' }, sources: [{ mid: 'a b', source: 'camera' }] },
      { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0' }, sources: [{ mid: '0', source: 'webcam' }] },
      { kind: 'answer', jsep: { type: 'offer', sdp: 'v=0' } },
      { kind: 'candidate', pc: 'both', candidate: null },
      { kind: 'candidate', pc: 'pub', candidate: { candidate: 5 } },
      { kind: 'layer', mid: '0', substream: 3 },
      { kind: 'layer', mid: '0', substream: '1' },
    ];
    for (const payload of malformed) pa.send({ type: 'SFU', payload });
    await waitFor(() => pa.messages.filter(isSfu).length >= malformed.length, 3000, `${malformed.length} SFU replies`);
    const replies = pa.messages.filter(isSfu);
    assert.equal(replies.length, malformed.length);
    for (const r of replies) {
      assert.equal(r.payload.kind, 'error');
      assert.equal(r.payload.code, 'bad-request', JSON.stringify(r));
      assert.equal(typeof r.payload.message, 'string');
    }
    // Well formed, with nothing to act on yet (no publisher, no subscription, no offer pending): quiet.
    pa.send({ type: 'SFU', payload: { kind: 'candidate', pc: 'pub', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' } } });
    pa.send({ type: 'SFU', payload: { kind: 'layer', mid: '1', substream: 0 } });
    pa.send({ type: 'SFU', payload: { kind: 'answer', jsep: { type: 'answer', sdp: 'v=0' } } });
    const seen = pa.messages.length;
    assert.ok(await pa.none((m) => isSfu(m) && pa.messages.indexOf(m) >= seen, 300), 'no reply to well-formed frames');
    // A publish Janus cannot take (no real SDP): the server says so instead of leaving it unanswered.
    pa.send({ type: 'SFU', payload: { kind: 'publish', jsep: { type: 'offer', sdp: 'v=0\r\n' }, sources: [{ mid: '0', source: 'microphone' }] } });
    await waitFor(() => pa.messages.filter(isSfu).length > malformed.length, 15_000, 'an answer to the publish');
    const refused = pa.messages.filter(isSfu).at(-1);
    assert.equal(refused.payload.kind, 'error', JSON.stringify(refused));
    assert.equal(typeof refused.payload.code, 'string');
    assert.match(refused.payload.message, /publish/, 'says what was refused');
    assert.ok(await pb.none(isSfu, 50), 'nothing of it reaches the other member');
    pa.close(); pb.close();
  }));
});

describe('without a Janus that answers', () => {
  test('RTC_JANUS_URLS where nothing listens, RTC_MESH_MAX 0: joins are refused 503 sfu-unavailable within 10 s; p2p-only rooms still open', async () => {
    const dead = `ws://127.0.0.1:${await freeTcpPort()}`;
    const s = await start({ janusUrls: [dead], meshMax: 0, p2pOnly: ['e2e-*'] });
    try {
      const t0 = Date.now();
      const r = await join(s.base, 'nobody-home', { displayName: 'Ann' });
      const took = Date.now() - t0;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error.code, 'sfu-unavailable');
      assert.equal(typeof r.body.error.message, 'string');
      assert.ok(took < 10_000, `refused after ${took} ms`);
      const again = await join(s.base, 'nobody-home', { displayName: 'Bob' });
      assert.equal(again.body.error.code, 'sfu-unavailable', 'the refused join left no room behind');
      const e2e = await joinOk(s.base, 'e2e-1', 'Cid');
      assert.deepEqual([e2e.mode, e2e.maxParticipants], ['mesh', 6], 'the refusal is about the media server, not the room');
    } finally {
      await s.close();
    }
  });

  test('Janus killed mid-call: every member of the SFU room gets the room event sfu-unavailable within 20 s; a mesh room is not told', async () => {
    const j = await janus();
    const s = await start({ janusUrls: [j.url], meshMax: 0, p2pOnly: ['e2e'] });
    let sockets: PeerSocket[] = [];
    try {
      const [a, b] = await fill(s.base, 'doomed', 2);
      assert.equal(a!.mode, 'sfu');
      const m = await joinOk(s.base, 'e2e', 'Mesh');
      sockets = await Promise.all([connect(s.port, a!), connect(s.port, b!), connect(s.port, m)]);
      const [pa, pb, pm] = sockets as [PeerSocket, PeerSocket, PeerSocket];
      await Promise.all([pa.next(isEvent('members')), pb.next(isEvent('members'))]);
      const t0 = Date.now();
      await j.kill();
      const [ea, eb] = await Promise.all([pa.next(isEvent('sfu-unavailable'), 20_000), pb.next(isEvent('sfu-unavailable'), 20_000)]);
      console.log(`sfu-unavailable ${Date.now() - t0} ms after Janus was killed`);
      for (const e of [ea, eb]) assert.match(e.payload.data.message, /media server/);
      assert.ok(await pm.none(isEvent('sfu-unavailable'), 100), 'the mesh room is not told');
      assert.ok(s.logs.some((l) => /janus .* lost/.test(l)), s.logs.join('\n'));
      const late = await join(s.base, 'doomed-too', { displayName: 'Late' });
      assert.equal(late.status, 503, late.text);
      assert.equal(late.body.error.code, 'sfu-unavailable');
    } finally {
      for (const p of sockets) p.destroy();
      await s.close();
      await j.kill();
    }
  });
  test('a member\'s SFU frame while its room\'s VideoRoom is re-created on a Janus that stops answering: an SFU error, and the server keeps running', async () => {
    // The room lost its Janus; a new one comes up on the same address and the server reconnects to
    // it; then that Janus hangs (SIGSTOP) while a join re-creates the room's VideoRoom on it.
    const first = await janus();
    const s = await start({ janusUrls: [first.url], meshMax: 0 });
    let second: JanusProcess | undefined;
    let pa: PeerSocket | undefined;
    try {
      const a = await joinOk(s.base, 'phoenix', 'Ann');
      pa = await connect(s.port, a);
      await first.kill();
      await pa.next(isEvent('sfu-unavailable'), 20_000);
      second = await startJanus({ port: first.port });
      await waitFor(() => s.logs.filter((l) => / connected$/.test(l)).length >= 2, 15_000, 'the server reconnected to Janus');
      process.kill(second.pid!, 'SIGSTOP');
      // While the join waits for the VideoRoom (5 s, then refused), Ann keeps asking for a layer.
      const asking = setInterval(() => pa!.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } }), 100);
      const refused = await join(s.base, 'phoenix', { displayName: 'Bob' }).finally(() => clearInterval(asking));
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.error.code, 'sfu-unavailable');
      const reply = await pa.next(isSfu, 5000);
      assert.equal(reply.payload.code, 'sfu-unavailable');
      assert.equal((await request(`${s.base}/healthz`)).status, 200, 'the server still answers');
    } finally {
      pa?.destroy();
      if (second) {
        process.kill(second.pid!, 'SIGKILL');
        await second.kill();
      }
      await s.close();
      await first.kill();
    }
  });
});

describe('SIGNAL to everyone (dst *)', () => {
  test('reaches every other seated member once, src set by the server; not the sender, not other rooms', async () => {
    const s = await start();
    try {
      const [a, b, c] = await fill(s.base, 'all', 3);
      const x = await joinOk(s.base, 'elsewhere', 'X');
      const [pa, pb, pc, px] = await Promise.all([connect(s.port, a!), connect(s.port, b!), connect(s.port, c!), connect(s.port, x)]);
      pa.send({ type: 'SIGNAL', src: c!.peerId, dst: '*', payload: { kind: 'chat', text: 'hello' } });
      for (const [p, me] of [[pb, b!], [pc, c!]] as const) {
        const got = await p.next((m) => m.type === 'SIGNAL');
        assert.deepEqual(got, { type: 'SIGNAL', src: a!.peerId, dst: me.peerId, payload: { kind: 'chat', text: 'hello' } });
      }
      assert.ok(await pa.none((m) => m.type === 'SIGNAL', 100), 'not back to the sender');
      assert.ok(await px.none((m) => m.type === 'SIGNAL', 0), 'nothing crosses rooms');
      assert.equal(pb.messages.filter((m) => m.type === 'SIGNAL').length, 1, 'one copy each');
      // Only SIGNAL broadcasts: an OFFER to '*' goes nowhere.
      pa.send({ type: 'OFFER', dst: '*', payload: { connectionId: 'x' } });
      assert.ok(await pb.none((m) => m.type === 'OFFER', 100));
      pa.close(); pb.close(); pc.close(); px.close();
    } finally {
      await s.close();
    }
  });

  test('a member whose socket is not open yet gets it when it opens; alone in the room, a broadcast goes nowhere', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'alone', 'A');
      const pa = await connect(s.port, a);
      pa.send({ type: 'SIGNAL', dst: '*', payload: { n: 1 } });
      // A reply to a request sent after it: the server has handled the broadcast before B joins.
      pa.send({ type: 'ROOM', payload: { request: 'update', id: 'sync', data: { displayName: 'A' } } });
      await pa.next((m) => m.type === 'ROOM' && m.payload?.reply === 'sync');
      const b = await joinOk(s.base, 'alone', 'B'); // joined, socket not open
      pa.send({ type: 'SIGNAL', dst: '*', payload: { n: 2 } });
      await pa.next(isEvent('member-joined'));
      const pb = await connect(s.port, b);
      const got = await pb.next((m) => m.type === 'SIGNAL');
      assert.deepEqual(got.payload, { n: 2 }, 'queued like any relayed frame');
      assert.ok(await pb.none((m) => m.type === 'SIGNAL' && m.payload.n === 1, 100), 'the one sent before B joined reached nobody');
      pa.close(); pb.close();
    } finally {
      await s.close();
    }
  });

  test('someone waiting neither gets broadcasts nor sends them, and their SFU frames are dropped', async () => {
    const s = await start({ roomSecret: SECRET, waitingRoom: 'guests' });
    try {
      const host = await joinWith(s, 'clinic', { name: 'Rivera', role: 'host' });
      const guest = await joinWith(s, 'clinic', { name: 'Gus', wait: false });
      const knocker = await joinWith(s, 'clinic', { name: 'Pat' });
      assert.equal(knocker.body.waiting, true);
      assert.equal(guest.body.waiting, undefined);
      const [ph, pg, pw] = await Promise.all([connect(s.port, host.body), connect(s.port, guest.body), connect(s.port, knocker.body)]);
      await pw.next(isEvent('waiting'));
      ph.send({ type: 'SIGNAL', dst: '*', payload: { kind: 'state', from: 'host' } });
      const got = await pg.next((m) => m.type === 'SIGNAL');
      assert.equal(got.src, host.body.peerId);
      pw.send({ type: 'SIGNAL', dst: '*', payload: { kind: 'state', from: 'waiting' } });
      pw.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
      pw.send({ type: 'SFU', payload: 'garbage' });
      // Control: the same SFU frame from a seated member is answered (not-allowed: a mesh room).
      pg.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
      assert.equal((await pg.next(isSfu)).payload.code, 'not-allowed');
      assert.ok(await pw.none((m) => m.type === 'SIGNAL' || isSfu(m), 150), 'the waiting member got no broadcast and no SFU reply');
      assert.ok(!ph.messages.some((m) => m.type === 'SIGNAL') && !pg.messages.some((m) => m.type === 'SIGNAL' && m.src === knocker.body.peerId), 'its broadcast reached nobody');
      ph.close(); pg.close(); pw.close();
    } finally {
      await s.close();
    }
  });

  test('the sender pays for every copy: with a budget of 10 messages, three broadcasts to three mates pass and the fourth closes it (1008)', async () => {
    const s = await start({ relayLimits: { messageBurst: 10, messagesPerSecond: 1 } });
    try {
      const [a, b, c, d] = await fill(s.base, 'budget', 4);
      const sockets = await Promise.all([a, b, c, d].map((m) => connect(s.port, m!)));
      const [pa, ...mates] = sockets as [PeerSocket, ...PeerSocket[]];
      for (let n = 1; n <= 3; n++) pa.send({ type: 'SIGNAL', dst: '*', payload: { n } });
      for (const p of mates) await waitFor(() => p.messages.filter((m) => m.type === 'SIGNAL').length === 3, 3000, 'three broadcasts');
      pa.send({ type: 'SIGNAL', dst: '*', payload: { n: 4 } });
      assert.equal((await pa.closed).code, 1008);
      for (const p of mates) assert.ok(!p.messages.some((m) => m.type === 'SIGNAL' && m.payload.n === 4), 'the fourth reached nobody');
      // Control: the same 10-message budget spent on single frames lets ten through.
      const [pb, pc] = mates as [PeerSocket, PeerSocket];
      for (let n = 1; n <= 10; n++) pb.send({ type: 'SIGNAL', dst: c!.peerId, payload: { single: n } });
      await waitFor(() => pc.messages.filter((m) => m.type === 'SIGNAL' && m.payload.single).length === 10, 3000, 'ten single frames');
      assert.equal(pb.ws.readyState, pb.ws.OPEN);
      for (const p of mates) p.close();
    } finally {
      await s.close();
    }
  });
});

describe('with two Janus servers', () => {
  test('the one holding a room is killed: the room moves to the other and every member is told sfu-moved (not sfu-unavailable) within 10 s', async () => {
    const [first, second] = [await janus(), await janus()];
    const s = await start({ janusUrls: [first.url, second.url], meshMax: 0 });
    let sockets: PeerSocket[] = [];
    try {
      await waitFor(() => s.logs.filter((l) => / connected$/.test(l)).length >= 2, 10_000, 'both Janus connected');
      const [a, b] = await fill(s.base, 'movable', 2);
      // Both empty: the first listed gets the room.
      assert.ok(s.logs.some((l) => l.includes('sfu room=movable') && l.includes(first.url)), s.logs.join('\n'));
      sockets = await Promise.all([connect(s.port, a!), connect(s.port, b!)]);
      const [pa, pb] = sockets as [PeerSocket, PeerSocket];
      const t0 = Date.now();
      await first.kill();
      await Promise.all([pa.next(isEvent('sfu-moved'), 10_000), pb.next(isEvent('sfu-moved'), 10_000)]);
      console.log(`sfu-moved ${Date.now() - t0} ms after the room's Janus was killed`);
      assert.ok(await pa.none(isEvent('sfu-unavailable'), 100));
      assert.ok(s.logs.some((l) => l.includes('sfu room=movable moved') && l.includes(second.url)), s.logs.join('\n'));
      // New rooms go to the Janus that answers.
      await joinOk(s.base, 'newcomer-room', 'Cy');
      assert.ok(s.logs.some((l) => l.includes('sfu room=newcomer-room') && l.includes(second.url)), s.logs.join('\n'));
    } finally {
      for (const p of sockets) p.destroy();
      await s.close();
      await first.kill();
      await second.kill();
    }
  });

  test('the one holding a room hangs (its websocket stays open): it is given up within 10 s and the room moves', async () => {
    const [first, second] = [await janus(), await janus()];
    const s = await start({ janusUrls: [first.url, second.url], meshMax: 0 });
    let pa: PeerSocket | undefined;
    try {
      await waitFor(() => s.logs.filter((l) => / connected$/.test(l)).length >= 2, 10_000, 'both Janus connected');
      const [a] = await fill(s.base, 'hung', 1);
      pa = await connect(s.port, a!);
      const t0 = Date.now();
      process.kill(first.pid!, 'SIGSTOP');
      await pa.next(isEvent('sfu-moved'), 10_000);
      console.log(`sfu-moved ${Date.now() - t0} ms after the room's Janus hung`);
      assert.ok(s.logs.some((l) => /janus .* lost: it stopped answering/.test(l)), s.logs.join('\n'));
    } finally {
      pa?.destroy();
      await s.close();
      process.kill(first.pid!, 'SIGKILL');
      await first.kill();
      await second.kill();
    }
  });
});
