// CallSession on a fake transport: the state machine, the roster and the policies (one typed
// emitter), with the real join API of the test server but no PeerJS and no peer connection.
import { expect } from '@open-wc/testing';
import { CallSession, type SessionOptions } from '../../../src/core/session/call-session.js';
import { MediaSession, type CallConfig } from '../../../src/core/session/media-session.js';
import type { RtcError } from '../../../src/core/errors.js';
import { BackoffReconnectPolicy } from '../../../src/core/session/policies.js';
import type { CallState, LeaveReason, Participant, ParticipantLeaveReason } from '../../../src/core/types.js';
import { FakeNetwork } from '../helpers/fake-transport.js';
import { uniqueRoom } from '../helpers/call.js';
import { until } from '../helpers/media.js';
import { command, rtcServer } from '../helpers/server.js';

interface Recorded {
  states: CallState[];
  joined: Participant[];
  left: Array<[string, ParticipantLeaveReason]>;
  updated: Participant[];
  errors: RtcError[];
  leaveReasons: LeaveReason[];
}

function record(session: CallSession): Recorded {
  const seen: Recorded = { states: [], joined: [], left: [], updated: [], errors: [], leaveReasons: [] };
  session.on('state-change', (st) => seen.states.push(st));
  session.on('left', (r) => seen.leaveReasons.push(r));
  session.on('participant-joined', (p) => seen.joined.push(p));
  session.on('participant-left', (p, r) => seen.left.push([p.displayName, r]));
  session.on('participant-updated', (p) => seen.updated.push(p));
  session.on('error', (e) => seen.errors.push(e));
  return seen;
}

describe('CallSession on a fake transport', () => {
  let server: string;
  let net: FakeNetwork;
  const sessions: CallSession[] = [];
  const config = (room: string, displayName: string): CallConfig => ({ server, room, displayName, cameraOff: true });
  function session(options: SessionOptions = {}) {
    const s = new CallSession({ createTransport: () => net.transport(), ...options });
    sessions.push(s);
    return { s, seen: record(s) };
  }
  before(async () => { server = await rtcServer(); });
  beforeEach(() => { net = new FakeNetwork(); });
  afterEach(async () => { await Promise.all(sessions.splice(0).map((s) => s.leave())); });

  it('idle → joining → connected → left; participants local first, then the others as the transport reports them', async () => {
    const room = uniqueRoom('core');
    const a = session();
    const b = session();
    await a.s.join(config(room, 'Ann'));
    expect(a.s.state).to.equal('connected');
    await b.s.join(config(room, 'Bob'));
    expect(a.s.participants.map((p) => [p.displayName, p.isLocal])).to.deep.equal([['Ann', true], ['Bob', false]]);
    expect(a.seen.joined.map((p) => p.displayName)).to.deep.equal(['Bob']);
    expect(b.s.participants.map((p) => p.displayName)).to.deep.equal(['Bob', 'Ann']);
    await b.s.leave();
    expect(b.s.state).to.equal('left');
    expect(b.seen.states).to.deep.equal(['joining', 'connected', 'left']);
    expect(b.seen.leaveReasons).to.deep.equal(['user']);
    expect(a.seen.left).to.deep.equal([['Bob', 'left']], 'a hang-up reaches the other side as left');
    expect(a.s.participants).to.have.length(1);
  });

  it('two concurrent join() calls share one promise; leave() during join ends it without connecting', async () => {
    const room = uniqueRoom('core');
    const a = session();
    const p1 = a.s.join(config(room, 'Ann'));
    const p2 = a.s.join(config(room, 'Ann'));
    expect(p1).to.equal(p2);
    await p1;
    const b = session();
    const joining = b.s.join(config(room, 'Bob'));
    expect(b.s.state).to.equal('joining');
    await b.s.leave();
    await joining;
    expect(b.s.state).to.equal('left');
    expect(b.seen.states).to.not.include('connected');
  });

  it('signaling loss: reconnecting, back to connected when it returns; the policy gives up into failed', async () => {
    const room = uniqueRoom('core');
    const a = session({ reconnect: new BackoffReconnectPolicy({ giveUpAfterMs: 600, jitter: 0 }) });
    await a.s.join(config(room, 'Ann'));
    const id = a.s.localId!;
    net.setSignaling(id, false);
    expect(a.s.state).to.equal('reconnecting');
    net.setSignaling(id, true);
    expect(a.s.state).to.equal('connected');
    net.setSignaling(id, false);
    await until(() => a.s.state === 'failed', 'the policy gives up', 3000);
    expect(a.seen.errors.at(-1)?.code).to.equal('signaling-unreachable');
    expect(a.seen.states).to.deep.equal(['joining', 'connected', 'reconnecting', 'connected', 'reconnecting', 'failed']);
  });

  it('a signaling outage with media flowing outlasts the no-media limit; without media with anyone it fails at that limit', async () => {
    const room = uniqueRoom('core');
    const policy = () => new BackoffReconnectPolicy({ giveUpAfterMs: 1500, giveUpWithoutMediaMs: 300, jitter: 0 });
    const a = session({ reconnect: policy() });
    const b = session({ reconnect: policy() });
    await a.s.join(config(room, 'Ann'));
    await b.s.join(config(room, 'Bob'));
    await until(() => a.s.participants.length === 2, 'Ann sees Bob');
    const idA = a.s.localId!;
    const t0 = performance.now();
    net.setSignaling(idA, false);
    await new Promise((r) => setTimeout(r, 800));
    expect(a.s.state, 'media flows with Bob: still waiting for the server').to.equal('reconnecting');
    await until(() => a.s.state === 'failed', 'the overall limit', 3000);
    expect(performance.now() - t0).to.be.within(1400, 2400);
    expect(a.seen.errors.at(-1)?.message).to.contain('within 2 s');

    // Media down too: the no-media limit ends it.
    const c = session({ reconnect: policy() });
    await c.s.join(config(uniqueRoom('core'), 'Cleo'));
    const idC = c.s.localId!;
    net.transports.get(idC)!.mediaDown = true;
    const t1 = performance.now();
    net.setSignaling(idC, false);
    await until(() => c.s.state === 'failed', 'media down too: the no-media limit', 3000);
    expect(performance.now() - t1).to.be.within(250, 1200);
    expect(c.seen.errors.at(-1)?.message).to.contain('media flowed with nobody');
    expect(b.s.state).to.equal('connected');
  });

  it('a per-call reconnectTimeoutMs caps the wait even while media flows', async () => {
    const room = uniqueRoom('core');
    const a = session();
    const b = session();
    await a.s.join({ ...config(room, 'Ann'), reconnectTimeoutMs: 400 });
    await b.s.join(config(room, 'Bob'));
    await until(() => a.s.participants.length === 2, 'Ann sees Bob');
    const t0 = performance.now();
    net.setSignaling(a.s.localId!, false);
    await until(() => a.s.state === 'failed', 'the call limit', 3000);
    expect(performance.now() - t0).to.be.within(350, 1500);
  });

  it('a MediaSession hands its media over to a CallSession while the camera is still starting: the preview, its news and the track sink go with it; the old session says nothing more', async () => {
    const room = uniqueRoom('core');
    const pre = new MediaSession();
    const preEvents: string[] = [];
    for (const name of ['local-media-change', 'mic-change', 'camera-change', 'error', 'participant-updated'] as const) pre.on(name, () => preEvents.push(name));
    const starting = pre.startMedia({ server, room, displayName: 'Ann' });
    const s = new CallSession({ createTransport: () => net.transport() }, pre);
    sessions.push(s);
    const events: string[] = [];
    s.on('local-media-change', () => events.push('local-media-change'));
    s.on('mic-change', (on) => events.push(`mic ${on}`));
    s.on('camera-change', (on) => events.push(`camera ${on}`));
    await starting;
    expect(events, 'the started media is news for the new session').to.include('local-media-change');
    const camera = s.localStream?.getVideoTracks()[0];
    expect(camera?.readyState).to.equal('live');
    expect(pre.localStream, 'the old session holds no media').to.equal(null);
    await s.toggleMic(false);
    expect(events).to.include('mic false');
    expect(s.state).to.equal('idle');
    await s.join({ server, room, displayName: 'Ann' });
    expect(s.state).to.equal('connected');
    expect(s.localStream?.getVideoTracks()[0], 'the join keeps the preview').to.equal(camera);
    const sent = net.transports.get(s.localId!)!;
    expect(sent.published.get('camera')?.readyState, 'the preview camera is sent').to.equal('live');
    await s.toggleCamera(false);
    expect(sent.published.get('camera') ?? null, 'a track change reaches the transport (the sink moved too)').to.equal(null);
    expect(events).to.include('camera false');
    expect(preEvents, 'nothing from the old session').to.deep.equal([]);
  });

  it('mic and camera changes go to the transport as state; the others see them', async () => {
    const room = uniqueRoom('core');
    const a = session();
    const b = session();
    await a.s.join(config(room, 'Ann'));
    await b.s.join(config(room, 'Bob'));
    await b.s.toggleMic(false);
    await until(() => a.s.participants[1]?.micEnabled === false, 'Ann sees Bob muted');
    expect(a.seen.updated.some((p) => p.displayName === 'Bob' && !p.micEnabled)).to.equal(true);
  });

  it('a seat taken away (replaced) leaves with that reason; a name change is a room request', async () => {
    const room = uniqueRoom('core');
    const a = session();
    await a.s.join(config(room, 'Ann'));
    a.s.setDisplayName('Annie');
    const transport = net.transports.get(a.s.localId!)!;
    expect(transport.requests).to.deep.equal([{ request: 'update', data: { displayName: 'Annie' } }]);
    net.remove(a.s.localId!, 'replaced');
    await until(() => a.s.state === 'left', 'left');
    expect(a.seen.leaveReasons).to.deep.equal(['replaced']);
    expect(transport.closed).to.equal(true);
  });

  it('room events: a host keeps the waiting list (knocks, withdrawals, a fresh roster), the lock, a mute request, and an end', async () => {
    const secret = 'session-room-secret-0123456789abcdef01';
    const tokenServer = await rtcServer('session-tokens', { roomSecret: secret });
    const room = uniqueRoom('events');
    const token = await command<string>('rtc-sign-room-token', { secret, room, name: 'Dr. Rivera', role: 'host', sub: 'host', ttl: 600 });
    const host = session();
    const knocks: string[] = [];
    const withdrawn: Array<[string, string]> = [];
    const locks: boolean[] = [];
    let muteBy: string | undefined;
    host.s.on('knock', (w) => knocks.push(w.displayName));
    host.s.on('knock-withdrawn', (id, reason) => withdrawn.push([id, reason]));
    host.s.on('lock-change', (locked) => locks.push(locked));
    host.s.on('mute-requested', (by) => (muteBy = by));
    await host.s.join({ server: tokenServer, room, displayName: 'ignored', token, cameraOff: true });
    expect(host.s.participants[0]!.role).to.equal('host');
    const id = host.s.localId!;
    net.roomEvent(id, { event: 'knock', data: { participant: { peerId: 'p1', displayName: 'Pat', since: 1000 } } });
    net.roomEvent(id, { event: 'knock', data: { participant: { peerId: 'p2', displayName: 'Sam', since: 2000 } } });
    expect(host.s.waitingParticipants.map((w) => w.displayName)).to.deep.equal(['Pat', 'Sam']);
    expect(host.s.waitingParticipants[0]!.since.getTime()).to.equal(1000);
    net.roomEvent(id, { event: 'knock-withdrawn', data: { peerId: 'p1', reason: 'admitted' } });
    // After a reconnect the server sends the whole list: Sam gone, Kim new.
    net.roomEvent(id, { event: 'members', data: { members: [], waiting: [{ peerId: 'p3', displayName: 'Kim', since: 3000 }], locked: true } });
    expect(knocks).to.deep.equal(['Pat', 'Sam', 'Kim']);
    expect(withdrawn).to.deep.equal([['p1', 'admitted'], ['p2', 'left']]);
    expect(host.s.waitingParticipants.map((w) => w.id)).to.deep.equal(['p3']);
    expect(host.s.locked).to.equal(true);
    net.roomEvent(id, { event: 'locked', data: { locked: false } });
    expect(locks).to.deep.equal([true, false]);
    expect(host.s.micEnabled).to.equal(true);
    net.roomEvent(id, { event: 'mute-requested', data: { by: 'Nurse' } });
    await until(() => muteBy === 'Nurse', 'the mute request');
    expect(host.s.micEnabled).to.equal(false);
    net.roomEvent(id, { event: 'ended', data: { by: 'Nurse' } });
    await until(() => host.s.state === 'left', 'left');
    expect(host.seen.leaveReasons).to.deep.equal(['ended-by-host']);
    expect(host.s.waitingParticipants).to.deep.equal([]);
  });
});
