// Rooms whose media goes through Janus (SFU mode), as the server decides and enforces them: the
// settings, which room gets which mode and how many seats, the p2p-only rooms and tokens, joins
// refused without a Janus, every member told when Janus goes mid-call, what the server answers to
// SFU frames, switching a room between mesh and SFU as it grows and shrinks (with a made-up offer
// Janus answers: no media flows), and SIGNAL frames to everyone in the room. Media through Janus
// needs a browser (test/browser/call-sfu.test.ts). Janus is Debian's (test/janus/janus-process.mjs), on loopback:
// run inside the test namespace (`unshare --net -- scripts/in-netns.sh …`, as npm run test:server
// is in CI); without Janus these tests fail with its install hint, they are never skipped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRtcServer, optionsFromEnv, signRoomToken, type JoinResponse, type RtcServerOptions } from '../../server/index.js';
import { MESH_LIMIT, resolveConfig } from '../../server/config.js';
import { SFU_GRACE_MS, SWITCH_DOWN_AFTER_MS } from '../../server/sfu/modes.js';
import { startJanus, type JanusProcess } from '../janus/janus-process.mjs';
import { WebSocket, WebSocketServer } from 'ws';
import { connect, freeTcpPort, join, joinOk, request, start, waitFor, type PeerSocket, type Started } from './helpers.js';
import { probe, untilAsync } from './janus-helpers.js';

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

/** A server driving Janus `j` with `options`, for `body`, closed after it. */
async function withJanusServer(j: Pick<JanusProcess, 'url'>, options: RtcServerOptions, body: (s: Started) => Promise<void>): Promise<void> {
  const s = await start({ janusUrls: [j.url], ...options });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

async function janus(): Promise<JanusProcess> {
  return startJanus({ port: await freeTcpPort() });
}

const isMode = (mode: 'mesh' | 'sfu') => (m: any) => isEvent('mode-changed')(m) && m.payload.data.mode === mode;
const joinedBy = (peerId: string) => (m: any) => isEvent('member-joined')(m) && m.payload.data.peerId === peerId;
const leftBy = (peerId: string) => (m: any) => isEvent('member-left')(m) && m.payload.data.peerId === peerId;

/**
 * A publisher offer Janus takes without a browser (one Opus m-line, made-up ICE credentials and
 * fingerprint): it answers it, and the participant joins the VideoRoom, though no media ever flows.
 */
const OFFER = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS s',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=ice-options:trickle',
  `a=fingerprint:sha-256 ${Array.from({ length: 32 }, (_, i) => ((i * 7) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
  'a=setup:actpass', 'a=mid:0', 'a=sendonly', 'a=msid:s t', 'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=ssrc:1111 cname:x', 'a=ssrc:1111 msid:s t', '',
].join('\r\n');
const publish = (p: PeerSocket) => p.send({ type: 'SFU', payload: { kind: 'publish', jsep: { type: 'offer', sdp: OFFER }, sources: [{ mid: '0', source: 'microphone' }] } });

/** The first SFU frame `p` got from message index `from` on. */
async function nextSfu(p: PeerSocket, from: number, timeoutMs = 15_000): Promise<any> {
  await waitFor(() => p.messages.slice(from).some(isSfu), timeoutMs, 'an SFU reply');
  return p.messages.slice(from).find(isSfu);
}

/** The Janus room ids of `room`'s VideoRooms, in the order the server made them (its log). */
const videoRooms = (s: Started, room: string): number[] =>
  s.logs.filter((l) => l.startsWith(`rtc-call: sfu room=${room} janus=`)).map((l) => Number(/videoroom=(\d+)/.exec(l)![1]));

/** One frame between the server and Janus, as `withJanusWire` saw it (`ack`: the request it answers). */
interface WireFrame {
  dir: 'out' | 'in';
  t: number;
  janus?: string;
  request?: string;
  transaction?: string;
  ack?: string;
}

/**
 * `body` gets a websocket relay in front of Janus `j` (its url, for the server) and the frames
 * through it, both ways: which requests the server sent when, and when Janus answered each.
 */
async function withJanusWire(j: JanusProcess, body: (wire: WireFrame[], url: string) => Promise<void>): Promise<void> {
  const wire: WireFrame[] = [];
  const asked = new Map<string, string>();
  const relay = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  await new Promise((r) => relay.once('listening', r));
  relay.on('connection', (client, req) => {
    const upstream = new WebSocket(j.url, req.headers['sec-websocket-protocol']);
    const pending: string[] = [];
    upstream.on('open', () => { for (const m of pending.splice(0)) upstream.send(m); });
    client.on('message', (data) => {
      const text = data.toString();
      const m = JSON.parse(text);
      const name = m.janus === 'message' ? m.body?.request : m.janus;
      if (m.transaction) asked.set(m.transaction, name);
      wire.push({ dir: 'out', t: Date.now(), janus: m.janus, request: m.body?.request, transaction: m.transaction });
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else pending.push(text);
    });
    upstream.on('message', (data) => {
      const m = JSON.parse(data.toString());
      const ack = m.transaction && (m.janus === 'success' || m.janus === 'error') ? asked.get(m.transaction) : undefined;
      wire.push({ dir: 'in', t: Date.now(), janus: m.janus, transaction: m.transaction, ack });
      client.send(data.toString());
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.close());
  });
  try {
    await body(wire, `ws://127.0.0.1:${(relay.address() as { port: number }).port}`);
  } finally {
    for (const c of relay.clients) c.terminate();
    await new Promise((r) => relay.close(r));
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Asks Janus itself (a janode session of the test's own) about a VideoRoom. */


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
        assert.equal(a.switchable, undefined, 'without Janus a room never switches');
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

  const withServer = (options: RtcServerOptions, body: (s: Started) => Promise<void>) => withJanusServer(j, options, body);

  test('RTC_MESH_MAX=0: a room goes through the SFU with 50 seats, for everyone who joins it; the log names the VideoRoom', () => withServer({ meshMax: 0 }, async (s) => {
    const a = await joinOk(s.base, 'big', 'Ann');
    assert.equal(a.mode, 'sfu');
    assert.equal(a.maxParticipants, 50);
    assert.equal(a.switchable, undefined, 'with RTC_MESH_MAX 0 a room stays on the SFU');
    const b = await joinOk(s.base, 'big', 'Bob');
    assert.equal(b.mode, 'sfu');
    assert.equal(b.maxParticipants, 50);
    assert.deepEqual(b.members.map((m) => m.peerId), [a.peerId]);
    assert.ok(s.logs.some((l) => /sfu room=big janus="?ws:\/\/127\.0\.0\.1:\d+"? videoroom=\d+/.test(l)), s.logs.join('\n'));
    assert.equal((await joinOk(s.base, 'big-2', 'Cid')).mode, 'sfu', 'every room, not only the first');
  }));

  test('a room ending never has its VideoRoom destroyed while a handle in it is being detached (Janus 1.1 crashes on that): the last member\'s handles go after the destroy, earlier ones well before it', () => withJanusWire(j, async (wire, url) => withJanusServer({ url }, { meshMax: 0, leaveGraceMs: 0 }, async (s) => {
    for (let round = 0; round < 3; round++) {
      const room = `ending-${round}`;
      const sockets = await Promise.all((await fill(s.base, room, 3)).map((x) => connect(s.port, x)));
      for (const p of sockets) publish(p);
      await waitFor(() => sockets.every((p) => p.messages.some((m) => isSfu(m) && m.payload.kind === 'answer')), 15_000, 'three publisher answers');
      const from = wire.length;
      // One leaves a moment before the last two (a detach answered shortly before the room ends),
      // then the last two in one turn: the room ends in the same turn as the last leave.
      sockets[0]!.destroy();
      await new Promise((r) => setTimeout(r, round * 100));
      sockets[1]!.destroy();
      sockets[2]!.destroy();
      await waitFor(() => wire.slice(from).some((w) => w.dir === 'in' && w.ack === 'destroy'), 10_000, 'the VideoRoom destroyed');
      await waitFor(() => wire.slice(from).filter((w) => w.dir === 'in' && w.ack === 'detach').length >= 3, 10_000, 'the three publisher handles detached');
      const seen = wire.slice(from);
      const destroy = seen.find((w) => w.dir === 'out' && w.request === 'destroy')!;
      const destroyed = seen.find((w) => w.dir === 'in' && w.ack === 'destroy')!;
      for (const d of seen.filter((w) => w.dir === 'out' && w.janus === 'detach')) {
        const answer = seen.find((w) => w.dir === 'in' && w.transaction === d.transaction);
        assert.ok(answer, 'every detach answered');
        const before = d.t < destroy.t;
        if (before) assert.ok(answer.t + 250 <= destroy.t, `a detach answered ${destroy.t - answer.t} ms before the destroy was sent (round ${round})`);
        else assert.ok(d.t >= destroyed.t, `a detach sent ${destroyed.t - d.t} ms before the destroy was answered (round ${round})`);
      }
      assert.ok(seen.some((w) => w.dir === 'out' && w.janus === 'detach' && w.t >= destroyed.t), 'the last member\'s handles go after the destroy');
      assert.equal(await probe(j.url, (p) => p.exists(videoRooms(s, room)[0]!)), false, 'the VideoRoom is gone');
    }
    assert.equal(j.pid !== undefined && isAlive(j.pid), true, `Janus is still running:\n${j.log().slice(-2000)}`);
  })));

  test('RTC_MAX_PARTICIPANTS caps an SFU room: room-full at it', () => withServer({ meshMax: 0, maxParticipants: 3 }, async (s) => {
    const answers = await fill(s.base, 'capped', 3);
    assert.deepEqual(answers.map((a) => [a.mode, a.maxParticipants]), [['sfu', 3], ['sfu', 3], ['sfu', 3]]);
    const r = await join(s.base, 'capped', { displayName: 'D' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'room-full');
  }));

  test('RTC_MESH_MAX=4: rooms open peer to peer (mesh, switchable, 50 seats) and stay so up to 4; SFU frames there are not-allowed', () => withServer({ meshMax: 4 }, async (s) => {
    const answers = await fill(s.base, 'small', 4);
    for (const a of answers) assert.deepEqual([a.mode, a.switchable, a.maxParticipants], ['mesh', true, 50]);
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
      assert.equal(answers[0]!.switchable, undefined, 'a room kept peer to peer never switches');
      const other = await joinOk(s.base, 'townhall', 'T');
      assert.deepEqual([other.mode, other.switchable, other.maxParticipants], ['mesh', true, 50], 'a room the setting does not name opens as a switchable mesh');
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
    assert.deepEqual([open.body.mode, open.body.maxParticipants], ['mesh', 50], 'rooms without the claim are switchable, with the SFU\'s seats');
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
      { kind: 'answer', jsep: { type: 'answer', sdp: 'v=0' } },
      { kind: 'answer', jsep: { type: 'answer', sdp: 'v=0' }, seq: 0 },
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
    pa.send({ type: 'SFU', payload: { kind: 'answer', jsep: { type: 'answer', sdp: 'v=0' }, seq: 1 } });
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

describe('switching between mesh and SFU (RTC_MESH_MAX above 0, with a Janus)', () => {
  let j: JanusProcess;
  before(async () => { j = await janus(); });
  after(() => j?.stop());

  const withServer = (options: RtcServerOptions, body: (s: Started) => Promise<void>) => withJanusServer(j, options, body);

  test('up: with RTC_MESH_MAX 2 the first two are a switchable mesh of 50 seats; the third goes through the SFU — its answer says sfu, the first two get mode-changed sfu before its member-joined (one whose socket opens later, on opening), and SFU frames are taken', () => withServer({ meshMax: 2 }, async (s) => {
    const [a, b] = await fill(s.base, 'grows', 2);
    for (const x of [a!, b!]) assert.deepEqual([x.mode, x.switchable, x.maxParticipants], ['mesh', true, 50]);
    const pa = await connect(s.port, a!);
    await pa.next(isEvent('members'));
    pa.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
    assert.equal((await pa.next(isSfu)).payload.code, 'not-allowed', 'on the mesh, SFU frames are refused');
    const c = await joinOk(s.base, 'grows', 'A3');
    assert.deepEqual([c.mode, c.switchable, c.maxParticipants], ['sfu', true, 50]);
    await pa.next(joinedBy(c.peerId));
    const order = [pa.messages.findIndex(isMode('sfu')), pa.messages.findIndex(joinedBy(c.peerId))];
    assert.ok(order[0]! >= 0 && order[0]! < order[1]!, `mode-changed before member-joined: ${JSON.stringify(pa.messages)}`);
    // B joined on the mesh but opens its socket only now: the roster, then the mode it missed.
    const pb = await connect(s.port, b!);
    await pb.next(isMode('sfu'));
    assert.ok(pb.messages.findIndex(isEvent('members')) < pb.messages.findIndex(isMode('sfu')), 'after the roster');
    const pc = await connect(s.port, c);
    assert.ok(await pc.none(isEvent('mode-changed'), 200), 'its answer said sfu: nothing to catch up');
    for (const p of [pa, pb]) assert.equal(p.messages.filter(isEvent('mode-changed')).length, 1, 'told once');
    assert.ok(s.logs.some((l) => /^rtc-call: mode room=grows sfu \(n=2\): 3 seated/.test(l)), s.logs.join('\n'));
    assert.equal(videoRooms(s, 'grows').length, 1);
    // Through the SFU now: Janus answers a publish.
    const from = pa.messages.length;
    publish(pa);
    assert.equal((await nextSfu(pa, from)).payload.kind, 'answer');
    pa.close(); pb.close(); pc.close();
  }));

  test('down: at 2 seated for 10 s (not before 9 s; 3 again meanwhile starts the count again) the room goes back to the mesh; its VideoRoom stays 20 s (frames taken, the same VideoRoom when it grows again), then goes, and SFU frames are not-allowed', () => withServer({ meshMax: 2 }, async (s) => {
    const answers = await fill(s.base, 'shrinks', 3);
    const sockets = await Promise.all(answers.map((x) => connect(s.port, x)));
    const [pa, pb, pc] = sockets as [PeerSocket, PeerSocket, PeerSocket];
    await Promise.all([pa.next(isMode('sfu')), pb.next(isMode('sfu'))]);
    const [videoRoom] = videoRooms(s, 'shrinks');
    pc.send({ type: 'ROOM', payload: { request: 'leave' } });
    await pa.next(leftBy(answers[2]!.peerId));
    assert.ok(await pa.none(isMode('mesh'), 4000));
    const back = await joinOk(s.base, 'shrinks', 'C2');
    assert.equal(back.mode, 'sfu', 'still on the SFU');
    const pback = await connect(s.port, back);
    pback.send({ type: 'ROOM', payload: { request: 'leave' } });
    await pa.next(leftBy(back.peerId));
    const left = Date.now();
    assert.ok(await pa.none(isMode('mesh'), SWITCH_DOWN_AFTER_MS - 1000), 'not before 9 s');
    await Promise.all([pa.next(isMode('mesh'), 3000), pb.next(isMode('mesh'), 3000)]);
    const down = Date.now();
    console.log(`mode-changed mesh ${down - left} ms after the room went down to 2`);
    assert.ok(down - left < SWITCH_DOWN_AFTER_MS + 2000, `${down - left} ms`);
    assert.ok(s.logs.some((l) => /^rtc-call: mode room=shrinks mesh \(n=2\): at most 2 seated for 10 s/.test(l)), s.logs.join('\n'));
    // In the grace its VideoRoom still takes frames.
    let from = pa.messages.length;
    publish(pa);
    assert.equal((await nextSfu(pa, from)).payload.kind, 'answer', 'SFU frames taken in the grace');
    // Growing again meanwhile: on the SFU again, in the same VideoRoom.
    const d = await joinOk(s.base, 'shrinks', 'D');
    assert.equal(d.mode, 'sfu');
    await waitFor(() => pa.messages.filter(isMode('sfu')).length === 2 && pb.messages.filter(isMode('sfu')).length === 2, 3000, 'mode-changed sfu again');
    assert.deepEqual(videoRooms(s, 'shrinks'), [videoRoom], 'no new VideoRoom');
    assert.ok(await probe(j.url, (p) => p.exists(videoRoom!)));
    // Down again, and this time the grace runs out.
    const pd = await connect(s.port, d);
    pd.send({ type: 'ROOM', payload: { request: 'leave' } });
    await waitFor(() => pa.messages.filter(isMode('mesh')).length === 2, SWITCH_DOWN_AFTER_MS + 3000, 'mode-changed mesh again');
    const down2 = Date.now();
    for (;;) {
      from = pa.messages.length;
      pa.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
      await new Promise((r) => setTimeout(r, 250));
      if (pa.messages.slice(from).some(sfuError('not-allowed'))) break;
      assert.ok(Date.now() - down2 < SFU_GRACE_MS + 5000, 'SFU frames still taken 25 s after going back to the mesh');
    }
    const ended = Date.now() - down2;
    console.log(`SFU frames not-allowed ${ended} ms after going back to the mesh`);
    assert.ok(ended >= SFU_GRACE_MS - 1000, `taken only ${ended} ms`);
    assert.ok(s.logs.some((l) => l === 'rtc-call: sfu room=shrinks ends: on the mesh for 20 s'), s.logs.join('\n'));
    await untilAsync(() => probe(j.url, async (p) => !(await p.exists(videoRoom!))), 5000, 'the VideoRoom destroyed in Janus');
    pa.close(); pb.close();
  }));

  test('stop: the member leaves the VideoRoom (no reply), a publish after it is answered and joins it again; a stop with nothing to stop is quiet, other frames there not-allowed', () => withServer({ meshMax: 2 }, async (s) => {
    const answers = await fill(s.base, 'stops', 3);
    const sockets = await Promise.all(answers.map((x) => connect(s.port, x)));
    const [pa] = sockets as [PeerSocket];
    await pa.next(isMode('sfu'));
    const [videoRoom] = videoRooms(s, 'stops');
    const inRoom = () => probe(j.url, async (p) => (await p.participants(videoRoom!)).includes(answers[0]!.peerId));
    let from = pa.messages.length;
    publish(pa);
    assert.equal((await nextSfu(pa, from)).payload.kind, 'answer');
    await untilAsync(inRoom, 5000, 'A in the VideoRoom');
    from = pa.messages.length;
    pa.send({ type: 'SFU', payload: { kind: 'stop' } });
    await untilAsync(async () => !(await inRoom()), 5000, 'A out of the VideoRoom after stop');
    assert.equal(pa.messages.slice(from).filter(isSfu).length, 0, 'no reply to stop');
    from = pa.messages.length;
    publish(pa);
    const again = await nextSfu(pa, from);
    assert.equal(again.payload.kind, 'answer', JSON.stringify(again));
    await untilAsync(inRoom, 5000, 'A in the VideoRoom again (a fresh token in its allowed list)');
    // A mesh room with no VideoRoom: stop is quiet, anything else is refused.
    const lone = await joinOk(s.base, 'lone', 'L');
    const pl = await connect(s.port, lone);
    pl.send({ type: 'SFU', payload: { kind: 'stop' } });
    pl.send({ type: 'SFU', payload: { kind: 'layer', mid: '0', substream: 1 } });
    assert.equal((await pl.next(isSfu)).payload.code, 'not-allowed');
    assert.equal(pl.messages.filter(isSfu).length, 1, 'nothing for the stop');
    for (const p of [...sockets, pl]) p.close();
  }));

  test('admission: a host letting in the third takes the room to the SFU right after — the admitted data says mesh, then everyone (the admitted one too) gets mode-changed sfu, after its member-joined; admitted into the SFU room, the data says sfu', () => withServer({ meshMax: 2, roomSecret: SECRET, waitingRoom: 'guests' }, async (s) => {
    const host = await joinWith(s, 'clinic', { name: 'Rivera', role: 'host' });
    const guest = await joinWith(s, 'clinic', { name: 'Gus', wait: false });
    const knocker = await joinWith(s, 'clinic', { name: 'Pat' });
    assert.equal(knocker.body.waiting, true);
    assert.equal(knocker.body.switchable, true);
    const [ph, pg, pw] = await Promise.all([connect(s.port, host.body), connect(s.port, guest.body), connect(s.port, knocker.body)]);
    await pw.next(isEvent('waiting'));
    ph.send({ type: 'ROOM', payload: { request: 'admit', id: 'a1', data: { peerId: knocker.body.peerId } } });
    const admitted = await pw.next(isEvent('admitted'));
    assert.equal(admitted.payload.data.mode, 'mesh');
    await Promise.all([ph, pg, pw].map((p) => p.next(isMode('sfu'), 10_000)));
    assert.ok(pw.messages.indexOf(admitted) < pw.messages.findIndex(isMode('sfu')));
    for (const p of [ph, pg]) assert.ok(p.messages.findIndex(joinedBy(knocker.body.peerId)) < p.messages.findIndex(isMode('sfu')), 'member-joined first');
    assert.ok(s.logs.some((l) => /^rtc-call: mode room=clinic sfu \(n=3\)/.test(l)), s.logs.join('\n'));
    const late = await joinWith(s, 'clinic', { name: 'Lou' });
    const pl = await connect(s.port, late.body);
    await pl.next(isEvent('waiting'));
    ph.send({ type: 'ROOM', payload: { request: 'admit', id: 'a2', data: { peerId: late.body.peerId } } });
    assert.equal((await pl.next(isEvent('admitted'))).payload.data.mode, 'sfu');
    assert.ok(await pl.none(isEvent('mode-changed'), 200));
    for (const p of [ph, pg, pw, pl]) p.close();
  }));

  test('p2p rooms never switch: RTC_P2P_ONLY rooms and a mesh room a p2p-only newcomer joined hold RTC_MESH_MAX and are not switchable; a p2p-only token for a switchable room on the SFU is 403 not-allowed', () => withServer({ meshMax: 2, roomSecret: SECRET, p2pOnly: ['visit-*'] }, async (s) => {
    for (const name of ['Ann', 'Bob']) {
      const r = await joinWith(s, 'visit-1', { name });
      assert.deepEqual([r.status, r.body.mode, r.body.switchable, r.body.maxParticipants], [200, 'mesh', undefined, 2]);
    }
    assert.equal((await joinWith(s, 'visit-1', { name: 'Cid' })).body.error.code, 'room-full');
    const first = await joinWith(s, 'open', { name: 'Ann' });
    assert.deepEqual([first.body.switchable, first.body.maxParticipants], [true, 50]);
    const e2e = await joinWith(s, 'open', { name: 'Pat', p2pOnly: true });
    assert.deepEqual([e2e.status, e2e.body.mode, e2e.body.switchable, e2e.body.maxParticipants], [200, 'mesh', undefined, 2]);
    const third = await joinWith(s, 'open', { name: 'Cid' });
    assert.equal(third.status, 409, third.text);
    assert.equal(third.body.error.code, 'room-full', 'kept peer to peer: full, not switched');
    for (const name of ['Dee', 'Eve', 'Fay']) await joinWith(s, 'big', { name });
    const e2eLate = await joinWith(s, 'big', { name: 'Pat', p2pOnly: true });
    assert.equal(e2eLate.status, 403, e2eLate.text);
    assert.equal(e2eLate.body.error.code, 'not-allowed');
    assert.ok(!s.logs.some((l) => /mode room=(visit-1|open)/.test(l)), s.logs.join('\n'));
    assert.ok(s.logs.some((l) => /mode room=big sfu/.test(l)), s.logs.join('\n'));
  }));

  test('its only Janus killed: a room on the SFU that fits a mesh gets sfu-unavailable, then mode-changed mesh; joins up to 6 are mesh, a 7th is 503 sfu-unavailable; Janus back, the room goes through the SFU again (tried every 10 s)', async () => {
    const own = await janus();
    let back: JanusProcess | undefined;
    const s = await start({ janusUrls: [own.url], meshMax: 2 });
    const sockets: PeerSocket[] = [];
    try {
      const answers = await fill(s.base, 'fallback', 3);
      sockets.push(...(await Promise.all(answers.map((x) => connect(s.port, x)))));
      await Promise.all(sockets.slice(0, 2).map((p) => p.next(isMode('sfu'))));
      const t0 = Date.now();
      await own.kill();
      for (const p of sockets) {
        const mesh = await p.next(isMode('mesh'), 20_000);
        const unavailable = p.messages.findIndex(isEvent('sfu-unavailable'));
        assert.ok(unavailable >= 0 && unavailable < p.messages.indexOf(mesh), 'sfu-unavailable, then mode-changed mesh');
      }
      console.log(`mode-changed mesh ${Date.now() - t0} ms after the only Janus was killed`);
      assert.ok(s.logs.some((l) => /^rtc-call: mode room=fallback mesh \(n=3\): its media server was lost/.test(l)), s.logs.join('\n'));
      for (let i = 4; i <= MESH_LIMIT; i++) {
        const more = await joinOk(s.base, 'fallback', `A${i}`);
        assert.deepEqual([more.mode, more.switchable], ['mesh', true]);
        sockets.push(await connect(s.port, more));
      }
      assert.ok(s.logs.some((l) => /^rtc-call: mode room=fallback stays mesh \(n=3\): .*trying again in 10 s/.test(l)), s.logs.join('\n'));
      const seventh = await join(s.base, 'fallback', { displayName: 'A7' });
      assert.equal(seventh.status, 503, seventh.text);
      assert.equal(seventh.body.error.code, 'sfu-unavailable');
      back = await startJanus({ port: own.port });
      const t1 = Date.now();
      const lastMode = (p: PeerSocket) => p.messages.filter(isEvent('mode-changed')).at(-1)?.payload.data.mode;
      await Promise.all(sockets.map((p) => waitFor(() => lastMode(p) === 'sfu', 30_000, 'mode-changed sfu again')));
      console.log(`back on the SFU ${Date.now() - t1} ms after Janus came back`);
      assert.ok(s.logs.some((l) => /^rtc-call: mode room=fallback sfu \(n=6\): .*trying again/.test(l)), s.logs.join('\n'));
    } finally {
      for (const p of sockets) p.destroy();
      await s.close();
      await own.kill();
      await back?.kill();
    }
  });
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

  test('RTC_MESH_MAX 2 and a Janus that never answers: a room stays a mesh up to 6 (each join above 2 tries the SFU first); a 7th seat is 503 sfu-unavailable, by join and by admission alike', async () => {
    const dead = `ws://127.0.0.1:${await freeTcpPort()}`;
    const s = await start({ janusUrls: [dead], meshMax: 2, roomSecret: SECRET, waitingRoom: 'guests' });
    const sockets: PeerSocket[] = [];
    try {
      const host = await joinWith(s, 'stuck', { name: 'Rivera', role: 'host' });
      assert.deepEqual([host.body.mode, host.body.switchable], ['mesh', true]);
      const ph = await connect(s.port, host.body);
      sockets.push(ph);
      for (let i = 2; i <= MESH_LIMIT; i++) {
        const r = await joinWith(s, 'stuck', { name: `G${i}`, wait: false });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.mode, 'mesh');
      }
      assert.equal(s.logs.filter((l) => /^rtc-call: mode room=stuck stays mesh/.test(l)).length, MESH_LIMIT - 2, s.logs.join('\n'));
      const seventh = await joinWith(s, 'stuck', { name: 'G7', wait: false });
      assert.equal(seventh.status, 503, seventh.text);
      assert.equal(seventh.body.error.code, 'sfu-unavailable');
      const knocker = await joinWith(s, 'stuck', { name: 'Pat' });
      assert.equal(knocker.body.waiting, true);
      const pw = await connect(s.port, knocker.body);
      sockets.push(pw);
      await pw.next(isEvent('waiting'));
      ph.send({ type: 'ROOM', payload: { request: 'admit', id: 'in', data: { peerId: knocker.body.peerId } } });
      const reply = await ph.next((m) => m.type === 'ROOM' && m.payload?.reply === 'in');
      assert.deepEqual([reply.payload.ok, reply.payload.error?.code], [false, 'sfu-unavailable']);
      ph.send({ type: 'ROOM', payload: { request: 'admit-all', id: 'all' } });
      const all = await ph.next((m) => m.type === 'ROOM' && m.payload?.reply === 'all');
      assert.deepEqual(all.payload.data, { admitted: 0, waiting: 1 });
      assert.ok(await pw.none(isEvent('admitted'), 100), 'still waiting');
    } finally {
      for (const p of sockets) p.destroy();
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
      // SIGKILL ends it stopped or not.
      await second?.kill();
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
      await first.kill();
      await second.kill();
    }
  });
});
