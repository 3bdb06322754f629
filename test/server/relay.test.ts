// Our signaling relay: room events, identity by construction, and its limits under abuse.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signRoomToken } from '../../server/index.js';
import { connect, joinOk, request, start } from './helpers.js';

const isRoom = (event: string) => (m: any) => m.type === 'ROOM' && m.payload?.event === event;
const reply = (id: string) => (m: any) => m.type === 'ROOM' && m.payload?.reply === id;

describe('room events', () => {
  test('member-joined reaches the room when someone joins, before their socket opens; members on every open', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'ev', 'Ann');
      const pa = await connect(s.port, a);
      const opened = await pa.next(isRoom('members'));
      assert.deepEqual(opened.payload.data.members, [{ peerId: a.peerId, displayName: 'Ann', role: 'guest' }]);
      const b = await joinOk(s.base, 'ev', 'Bob');
      const joined = await pa.next(isRoom('member-joined'));
      assert.deepEqual(joined.payload.data, { peerId: b.peerId, displayName: 'Bob', role: 'guest' });
      const o = await joinOk(s.base, 'other-room', 'Olga');
      const pb = await connect(s.port, b);
      const roster = await pb.next(isRoom('members'));
      assert.deepEqual(roster.payload.data.members.map((m: any) => m.displayName).sort(), ['Ann', 'Bob']);
      assert.ok(await pa.none((m) => isRoom('member-joined')(m) && m.payload.data.peerId === o.peerId, 100), 'other rooms are not told');
      pa.close(); pb.close();
    } finally {
      await s.close();
    }
  });

  test('a leave request tells the room `left` at once (no grace period); a vanished socket is `disconnected` after grace', async () => {
    const s = await start({ leaveGraceMs: 1500 });
    try {
      const [a, b, c] = [await joinOk(s.base, 'bye', 'A'), await joinOk(s.base, 'bye', 'B'), await joinOk(s.base, 'bye', 'C')];
      const [pa, pb, pc] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, c)]);
      const t0 = Date.now();
      pb.send({ type: 'ROOM', payload: { request: 'leave' } });
      const left = await pa.next(isRoom('member-left'));
      assert.deepEqual(left.payload.data, { peerId: b.peerId, reason: 'left' });
      assert.ok(Date.now() - t0 < 1000, 'no grace period for a goodbye');
      await pa.next((m) => m.type === 'LEAVE' && m.src === b.peerId);
      pc.destroy();
      const gone = await pa.next((m) => isRoom('member-left')(m) && m.payload.data.peerId === c.peerId, 4000);
      assert.equal(gone.payload.data.reason, 'disconnected');
      pa.close();
    } finally {
      await s.close();
    }
  });

  test('update renames without room tokens (member-updated, reply); bad names and bad requests get typed error replies', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'ren', 'Ann');
      const b = await joinOk(s.base, 'ren', 'Bob');
      const [pa, pb] = await Promise.all([connect(s.port, a), connect(s.port, b)]);
      pb.send({ type: 'ROOM', payload: { request: 'update', id: 'r1', data: { displayName: '  Robert ' } } });
      assert.deepEqual((await pb.next(reply('r1'))).payload, { reply: 'r1', ok: true });
      assert.deepEqual((await pa.next(isRoom('member-updated'))).payload.data, { peerId: b.peerId, displayName: 'Robert' });
      const members = await request(`${s.base}/api/rooms/ren/members`, { headers: { authorization: `Bearer ${a.peerToken}` } });
      assert.ok(members.body.members.some((m: any) => m.displayName === 'Robert'), 'the server keeps the new name');
      pb.send({ type: 'ROOM', payload: { request: 'update', id: 'r2', data: { displayName: '\u200B' } } });
      assert.equal((await pb.next(reply('r2'))).payload.error.code, 'invalid-name');
      pb.send({ type: 'ROOM', payload: { request: 'take-over', id: 'r3' } });
      assert.equal((await pb.next(reply('r3'))).payload.error.code, 'bad-request');
      pb.send({ type: 'ROOM', payload: 'nonsense' });
      pb.send({ type: 'ROOM', payload: { request: 'update', id: 'r4', data: { displayName: 'Bobby' } } });
      assert.equal((await pb.next(reply('r4'))).payload.ok, true, 'the socket survives a malformed request');
      pa.close(); pb.close();
    } finally {
      await s.close();
    }
  });

  test('with room tokens nobody renames themselves: not-allowed', async () => {
    const secret = 'relay-test-secret-0123456789';
    const s = await start({ roomSecret: secret });
    try {
      const t = await signRoomToken({ secret, room: 'tok', name: 'Dr. Rivera', role: 'host', sub: 'd' });
      const a = await joinOk(s.base, 'tok', 'x', { token: t });
      const pa = await connect(s.port, a);
      pa.send({ type: 'ROOM', payload: { request: 'update', id: 'u', data: { displayName: 'Mallory' } } });
      assert.equal((await pa.next(reply('u'))).payload.error.code, 'not-allowed');
      pa.close();
    } finally {
      await s.close();
    }
  });
});

describe('identity by construction', () => {
  test('a forged src is replaced by the sender id; unknown types and other rooms get nothing', async () => {
    const s = await start();
    try {
      const [a, b, c] = [await joinOk(s.base, 'id', 'A'), await joinOk(s.base, 'id', 'B'), await joinOk(s.base, 'id', 'C')];
      const [pa, pb, pc] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, c)]);
      pb.send({ type: 'OFFER', src: c.peerId, dst: a.peerId, payload: { connectionId: 'x' } });
      pb.send({ type: 'OPEN', dst: a.peerId });
      pb.send({ type: 'ID-TAKEN', dst: a.peerId });
      pb.send({ type: 'ERROR', dst: a.peerId, payload: { msg: 'fake' } });
      const offer = await pa.next((m) => m.type === 'OFFER');
      assert.equal(offer.src, b.peerId);
      assert.ok(await pa.none((m) => ['ID-TAKEN', 'ERROR'].includes(m.type) || m.messages, 150));
      assert.equal(pa.messages.filter((m) => m.type === 'OPEN').length, 1, 'only our own OPEN');
      pa.close(); pb.close(); pc.close();
    } finally {
      await s.close();
    }
  });

  test('SIGNAL frames (the mesh\'s ICE restarts) are relayed like OFFER: inside the room, src rebuilt, never to another room', async () => {
    const s = await start();
    try {
      const [a, b] = [await joinOk(s.base, 'sig', 'A'), await joinOk(s.base, 'sig', 'B')];
      const other = await joinOk(s.base, 'sig-other', 'X');
      const [pa, pb, px] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, other)]);
      pb.send({ type: 'SIGNAL', src: other.peerId, dst: a.peerId, payload: { kind: 'ice-restart' } });
      pb.send({ type: 'SIGNAL', dst: other.peerId, payload: { kind: 'ice-restart' } });
      const signal = await pa.next((m) => m.type === 'SIGNAL');
      assert.equal(signal.src, b.peerId);
      assert.deepEqual(signal.payload, { kind: 'ice-restart' });
      assert.ok(await px.none((m) => m.type === 'SIGNAL', 150), 'nothing crosses rooms');
      pa.close(); pb.close(); px.close();
    } finally {
      await s.close();
    }
  });

  test('frames for a member whose socket is not open wait (capped), and expire with EXPIRE to the sender', async () => {
    const s = await start({ relayLimits: { queueFrames: 5, queueMs: 1000 } });
    try {
      const a = await joinOk(s.base, 'q', 'A');
      const b = await joinOk(s.base, 'q', 'B');
      const late = await joinOk(s.base, 'q', 'Late');
      const pa = await connect(s.port, a);
      for (let i = 0; i < 20; i++) pa.send({ type: 'CANDIDATE', dst: late.peerId, payload: { n: i } });
      pa.send({ type: 'OFFER', dst: b.peerId, payload: { connectionId: 'c' } });
      await new Promise((r) => setTimeout(r, 200));
      const pl = await connect(s.port, late);
      await pl.next((m) => m.type === 'CANDIDATE' && m.payload.n === 4);
      assert.ok(await pl.none((m) => m.type === 'CANDIDATE' && m.payload.n >= 5, 100), 'at most queueFrames waited');
      const expire = await pa.next((m) => m.type === 'EXPIRE', 3000);
      assert.equal(expire.src, b.peerId, 'the sender learns the offer to B expired');
      pa.close(); pl.close();
    } finally {
      await s.close();
    }
  });

  test('a SIGNAL frame that expires in the queue goes without an EXPIRE (PeerJS would read one as a failed call)', async () => {
    const s = await start({ relayLimits: { queueMs: 500 } });
    try {
      const a = await joinOk(s.base, 'q-signal', 'A');
      const b = await joinOk(s.base, 'q-signal', 'B'); // never opens its socket
      const pa = await connect(s.port, a);
      pa.send({ type: 'SIGNAL', dst: b.peerId, payload: { ctl: '{"t":"state","mic":true,"cam":true,"name":"A"}' } });
      assert.ok(await pa.none((m) => m.type === 'EXPIRE', 2500), JSON.stringify(pa.messages));
      // PeerJS's own frames still expire with one.
      pa.send({ type: 'CANDIDATE', dst: b.peerId, payload: { n: 1 } });
      assert.equal((await pa.next((m) => m.type === 'EXPIRE', 3000)).src, b.peerId);
      pa.close();
    } finally {
      await s.close();
    }
  });
});

describe('limits under abuse', () => {
  test('a socket over its message budget is closed with 1008; others keep working', async () => {
    const s = await start({ relayLimits: { messageBurst: 50, messagesPerSecond: 10 } });
    try {
      const a = await joinOk(s.base, 'rate', 'A');
      const b = await joinOk(s.base, 'rate', 'B');
      const [pa, pb] = await Promise.all([connect(s.port, a), connect(s.port, b)]);
      for (let i = 0; i < 80; i++) pa.send({ type: 'CANDIDATE', dst: b.peerId, payload: { n: i } });
      assert.equal((await pa.closed).code, 1008);
      const c = await joinOk(s.base, 'rate', 'C');
      const pc = await connect(s.port, c);
      pc.send({ type: 'OFFER', dst: b.peerId, payload: {} });
      await pb.next((m) => m.type === 'OFFER' && m.src === c.peerId);
      pb.close(); pc.close();
    } finally {
      await s.close();
    }
  });

  const floods = {
    'default limits (the byte budget cuts the sender)': undefined,
    'rate budgets lifted (the destination-buffer and queue caps hold)': { messageBurst: 1e9, messagesPerSecond: 1e9, byteBurst: 1e12, bytesPerSecond: 1e12 },
  };
  for (const [what, limits] of Object.entries(floods)) test(`a flood into a socket that stops reading and into a not-yet-connected id, ${what}: RSS < 20 MB more, /healthz < 50 ms, other rooms connect`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/flood-server.ts', import.meta.url))], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...(limits ? { RELAY_LIMITS: JSON.stringify(limits) } : {}) },
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
        child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
      // Warm up (JIT, first sockets) before the baseline.
      for (let i = 0; i < 3; i++) {
        const w = await joinOk(base, `warm${i}`, 'W');
        (await connect(port, w)).close();
      }
      await new Promise((r) => setTimeout(r, 300));
      const before = rss();

      const sender = await joinOk(base, 'flood', 'Sender');
      const sink = await joinOk(base, 'flood', 'Sink');
      const ghost = await joinOk(base, 'flood', 'Ghost'); // joined, never connects
      const ps = await connect(port, sender);
      const pk = await connect(port, sink);
      (pk.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // stops reading
      const offer = JSON.stringify({ type: 'OFFER', dst: sink.peerId, payload: { sdp: 'x'.repeat(60 * 1024) } });
      const toGhost = offer.replace(sink.peerId, ghost.peerId);
      let sent = 0;
      const flooding = (async () => {
        while (ps.ws.readyState === ps.ws.OPEN && sent < 4000) {
          ps.ws.send(sent % 2 ? offer : toGhost);
          sent++;
          if (sent % 5 === 0) await new Promise((r) => setImmediate(r));
        }
      })();

      // Meanwhile: a legitimate pair in another room connects and talks; /healthz stays fast.
      const probes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        assert.equal((await request(`${base}/healthz`)).status, 200);
        probes.push(performance.now() - t0);
      }
      const healthMs = probes.sort((a, b) => a - b)[1]!; // the median of three: one GC pause is not the server's answer time
      const x = await joinOk(base, 'calm', 'X');
      const y = await joinOk(base, 'calm', 'Y');
      const [px, py] = await Promise.all([connect(port, x), connect(port, y)]);
      px.send({ type: 'OFFER', dst: y.peerId, payload: { connectionId: 'ok' } });
      await py.next((m) => m.type === 'OFFER' && m.src === x.peerId, 5000);
      await flooding;
      const peak = rss();
      const grew = (peak - before) / 2 ** 20;
      console.log(`flood: ${sent} frames sent, RSS +${grew.toFixed(1)} MB, /healthz ${probes.map((p) => p.toFixed(1)).join(' / ')} ms`);
      // With the real budgets the 50 ms holds; with them lifted (an artificial setting that
      // shows the buffer and queue caps bound memory) the server parses every 60 KB frame it is
      // sent as fast as it comes, so only a looser bound is asserted there.
      const healthLimit = limits ? 200 : 50;
      assert.ok(healthMs < healthLimit, `/healthz took ${healthMs.toFixed(1)} ms (limit ${healthLimit})`);
      assert.ok(grew < 20, `RSS grew ${grew.toFixed(1)} MB after ${sent} frames of 60 KB`);
      assert.ok(sent < 4000 || ps.ws.readyState !== ps.ws.OPEN, 'the flooding sender was cut off');
      px.close(); py.close(); pk.destroy(); ps.destroy();
    } finally {
      child.kill('SIGTERM');
    }
  });
});

