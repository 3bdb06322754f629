// Credential lifetimes: peer tokens of an hour (RTC_PEER_TOKEN_TTL), refreshed over the room-event
// channel; TURN credentials that never outlive them; room tokens capped by RTC_MAX_TOKEN_TTL.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signRoomToken } from '../../server/index.js';
import { connect, join, joinOk, refusedStatus, start } from './helpers.js';

const now = () => Math.floor(Date.now() / 1000);
const turnExpiry = (j: { iceServers: Array<{ username?: string }> }) => Number(j.iceServers.find((s) => s.username)?.username?.split(':')[0]);

describe('credential lifetimes', () => {
  test('peer tokens last an hour by default; TURN credentials never outlive them', async () => {
    const s = await start({ turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'turn-secret-0123456789abcdef0123' });
    const short = await start({ turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'turn-secret-0123456789abcdef0123', peerTokenTtl: 120 });
    try {
      const j = await joinOk(s.base, 'ttl', 'A');
      assert.ok(Math.abs(j.peerTokenExpires - (now() + 3600)) <= 2, `peer token exp ${j.peerTokenExpires - now()} s`);
      assert.ok(turnExpiry(j) <= j.peerTokenExpires, 'TURN ≤ peer token (RTC_TURN_TTL is a day)');
      const k = await joinOk(short.base, 'ttl', 'A');
      assert.ok(Math.abs(k.peerTokenExpires - (now() + 120)) <= 2);
      assert.ok(Math.abs(turnExpiry(k) - (now() + 120)) <= 2);
    } finally {
      await s.close();
      await short.close();
    }
  });

  test('refresh: a new peer token (same identity, later expiry) and TURN credentials, in a reply; it opens the next socket', async () => {
    const s = await start({ peerTokenTtl: 60, turnUrls: ['turn:127.0.0.1:3478'], turnSecret: 'turn-secret-0123456789abcdef0123' });
    try {
      const j = await joinOk(s.base, 'refresh', 'Ann');
      const p = await connect(s.port, j);
      await new Promise((r) => setTimeout(r, 1100)); // a later second, so the expiry can move
      p.send({ type: 'ROOM', payload: { request: 'refresh', id: 'r1' } });
      const reply = await p.next((m) => m.type === 'ROOM' && m.payload?.reply === 'r1');
      assert.equal(reply.payload.ok, true);
      const fresh = reply.payload.data;
      assert.ok(fresh.peerTokenExpires > j.peerTokenExpires, 'later expiry');
      assert.notEqual(fresh.peerToken, j.peerToken);
      assert.ok(turnExpiry(fresh) > turnExpiry(j));
      assert.ok(turnExpiry(fresh) <= fresh.peerTokenExpires);
      p.destroy();
      await p.closed;
      const again = await connect(s.port, { ...j, peerToken: fresh.peerToken });
      await again.next((m) => m.type === 'OPEN');
      again.close();
      // A refreshed token is still bound to its peer id: it opens no other.
      const other = await joinOk(s.base, 'refresh', 'Bob');
      assert.equal(await refusedStatus(connect(s.port, { ...other, peerToken: fresh.peerToken })), 401);
    } finally {
      await s.close();
    }
  });

  test('RTC_MAX_TOKEN_TTL: a room token that lives longer is refused, whoever signed it', async () => {
    const secret = 'room-secret-0123456789abcdef0123';
    const s = await start({ roomSecret: secret, maxTokenTtl: 3600 });
    try {
      const ok = await signRoomToken({ secret, room: 'cap', ttl: 3600 });
      assert.equal((await join(s.base, 'cap', { displayName: 'A', token: ok })).status, 200);
      const long = await signRoomToken({ secret, room: 'cap', ttl: 7200 });
      const r = await join(s.base, 'cap', { displayName: 'B', token: long });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'unauthorized');
      assert.match(r.body.error.message, /RTC_MAX_TOKEN_TTL=3600/);
    } finally {
      await s.close();
    }
  });
});

describe('keeping the participant id across a restart that lost its state', () => {
  const secretA = 'peer-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const secretB = 'peer-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

  test('a new server (other peer secret) refuses the old token; a re-join naming the old id with its rejoin key keeps it, and room-mates hear of it once', async () => {
    const old = await start({ peerSecret: secretA });
    const first = await joinOk(old.base, 'keep', 'Ann', { rejoinKey: 'ann-tab-key-0001' });
    const bob = await joinOk(old.base, 'keep', 'Bob', { rejoinKey: 'bob-tab-key-0001' });
    await old.close();
    const s = await start({ peerSecret: secretB });
    try {
      assert.equal(await refusedStatus(connect(s.port, first)), 401, 'the old token means nothing to the new secret');
      const probe = await fetch(`${s.base}/api/rooms/keep/members`, { headers: { authorization: `Bearer ${first.peerToken}` } });
      assert.equal(probe.status, 401, 'what the client asks before re-joining');
      const again = await joinOk(s.base, 'keep', 'Ann', { rejoinKey: 'ann-tab-key-0001', peerId: first.peerId });
      assert.equal(again.peerId, first.peerId);
      const ann = await connect(s.port, again);
      const bobAgain = await joinOk(s.base, 'keep', 'Bob', { rejoinKey: 'bob-tab-key-0001', peerId: bob.peerId });
      assert.equal(bobAgain.peerId, bob.peerId);
      assert.deepEqual(bobAgain.members.map((m) => m.peerId), [first.peerId]);
      const announced = await ann.next((m) => m.type === 'ROOM' && m.payload?.event === 'member-joined');
      assert.equal(announced.payload.data.peerId, bob.peerId);
    } finally {
      await s.close();
    }
  });

  test('an id is kept only with the rejoin key it was made from, in its room; a fresh join with the same key gets a new one', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'bound', 'Ann', { rejoinKey: 'ann-tab-key-0002' });
      for (const body of [
        { displayName: 'Eve', rejoinKey: 'eve-tab-key-0002', peerId: a.peerId },
        { displayName: 'Eve', peerId: a.peerId },
        { displayName: 'Eve', rejoinKey: 'ann-tab-key-0002', peerId: 'f'.repeat(24) },
        { displayName: 'Eve', rejoinKey: 'ann-tab-key-0002', peerId: 42 },
      ]) {
        const r = await join(s.base, 'bound', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'bad-request');
      }
      const otherRoom = await join(s.base, 'elsewhere', { displayName: 'Ann', rejoinKey: 'ann-tab-key-0002', peerId: a.peerId });
      assert.equal(otherRoom.status, 400, 'ids are bound to their room too');
      const reload = await joinOk(s.base, 'bound', 'Ann', { rejoinKey: 'ann-tab-key-0002' });
      assert.notEqual(reload.peerId, a.peerId, 'a reload (no peerId) takes a new seat and replaces the old one');
    } finally {
      await s.close();
    }
  });

  test('still seated: the same seat with new credentials, nobody is told anything; after leaving, the id stays out', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'seated', 'Ann', { rejoinKey: 'ann-tab-key-0003' });
      const b = await joinOk(s.base, 'seated', 'Bob');
      const bob = await connect(s.port, b);
      await connect(s.port, a);
      const again = await joinOk(s.base, 'seated', 'Ann', { rejoinKey: 'ann-tab-key-0003', peerId: a.peerId });
      assert.equal(again.peerId, a.peerId);
      assert.deepEqual(again.members.map((m) => m.peerId), [b.peerId]);
      assert.equal(s.rtc.stats().participants, 2);
      const ann = await connect(s.port, again);
      ann.send({ type: 'ROOM', payload: { request: 'leave' } });
      await bob.next((m) => m.type === 'ROOM' && m.payload?.event === 'member-left');
      assert.ok(!bob.messages.some((m) => m.type === 'ROOM' && m.payload?.event === 'member-joined'), 'no second announcement');
      const back = await join(s.base, 'seated', { displayName: 'Ann', rejoinKey: 'ann-tab-key-0003', peerId: a.peerId });
      assert.equal(back.status, 401);
      assert.equal(back.body.error.code, 'unauthorized');
    } finally {
      await s.close();
    }
  });
});
