// The shared protocol module: what both sides accept and refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isServerErrorCode, SERVER_ERROR_STATUS } from '../../src/protocol/errors.js';
import { parseRoomPayload, parseRoomRequest, roomFrame } from '../../src/protocol/room-events.js';
import { isValidRoom } from '../../src/protocol/rules.js';

describe('room events (client side)', () => {
  test('each event is validated; anything else is ignored', () => {
    const m = { peerId: 'p1', displayName: 'Ann', role: 'host' };
    assert.deepEqual(parseRoomPayload({ event: 'member-joined', data: m }), { event: 'member-joined', data: m });
    assert.deepEqual(parseRoomPayload({ event: 'members', data: { members: [m, { peerId: 1 }] } }), { event: 'members', data: { members: [m] } });
    assert.deepEqual(parseRoomPayload({ event: 'member-left', data: { peerId: 'p1', reason: 'left' } }), { event: 'member-left', data: { peerId: 'p1', reason: 'left' } });
    assert.deepEqual(parseRoomPayload({ event: 'member-updated', data: { peerId: 'p1', displayName: 'Bo' } }), { event: 'member-updated', data: { peerId: 'p1', displayName: 'Bo' } });
    assert.deepEqual(parseRoomPayload({ event: 'removed', data: { reason: 'replaced' } }), { event: 'removed', data: { reason: 'replaced' } });
    for (const bad of [null, 'x', [], { event: 'member-left', data: { peerId: 'p', reason: 'kicked' } }, { event: 'member-joined', data: { peerId: 'p', displayName: 'A', role: 'admin' } },
      { event: 'removed', data: { reason: 'because' } }, { event: 'nope', data: {} }, { event: 'members', data: {} }, { event: 'member-updated', data: { peerId: 'p', displayName: 3 } }]) {
      assert.equal(parseRoomPayload(bad), null, JSON.stringify(bad));
    }
  });

  test('replies: ok with data, or a typed error', () => {
    assert.deepEqual(parseRoomPayload({ reply: 'r1', ok: true, data: 5 }), { reply: 'r1', ok: true, data: 5 });
    assert.deepEqual(parseRoomPayload({ reply: 'r1', ok: false, error: { code: 'not-allowed', message: 'no' } }), { reply: 'r1', ok: false, error: { code: 'not-allowed', message: 'no' } });
    assert.equal(parseRoomPayload({ reply: 'r1', ok: false }), null);
  });
});

describe('room requests (server side)', () => {
  test('leave and update are accepted; ids are checked; unknown requests are refused with the id kept', () => {
    assert.deepEqual(parseRoomRequest({ request: 'leave' }), { ok: true, request: { request: 'leave' } });
    assert.deepEqual(parseRoomRequest({ request: 'update', id: 'a_1', data: { displayName: 'Ann' } }), { ok: true, request: { request: 'update', id: 'a_1', data: { displayName: 'Ann' } } });
    assert.equal(parseRoomRequest({ request: 'update', data: {} }).ok, false);
    assert.equal(parseRoomRequest({ request: 'leave', id: 'has space' }).ok, false);
    assert.equal(parseRoomRequest({ request: 'leave', id: 'x'.repeat(65) }).ok, false);
    assert.deepEqual(parseRoomRequest({ request: 'admin', id: 'q' }), { ok: false, id: 'q', message: 'unknown request "admin"' });
    assert.equal(parseRoomRequest('nope').ok, false);
  });

  test('frames are ROOM frames', () => {
    assert.equal(roomFrame({ request: 'leave' }), '{"type":"ROOM","payload":{"request":"leave"}}');
  });
});

describe('rules and codes', () => {
  test('room names', () => {
    for (const ok of ['visit-4711', 'a', 'A_b-9', 'x'.repeat(64)]) assert.ok(isValidRoom(ok), ok);
    for (const bad of ['', 'x'.repeat(65), 'with space', 'ü', '../x', 5, null]) assert.ok(!isValidRoom(bad), String(bad));
  });
  test('every server error code has a 4xx/5xx status', () => {
    for (const [code, status] of Object.entries(SERVER_ERROR_STATUS)) {
      assert.ok(isServerErrorCode(code));
      assert.ok(status >= 400 && status < 600, code);
    }
    assert.ok(!isServerErrorCode('toString'));
  });
});
