// The shared protocol module: what both sides accept and refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isServerErrorCode, SERVER_ERROR_STATUS } from '../../src/protocol/errors.js';
import { EVERYONE, parseRoomPayload, parseRoomRequest, roomFrame, SIGNAL_FRAME } from '../../src/protocol/room-events.js';
import { isValidRoom } from '../../src/protocol/rules.js';
import { MAX_SDP_CHARS, parseSfuClientMessage, parseSfuServerMessage, SFU_FRAME } from '../../src/protocol/sfu.js';

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

describe('SFU mode', () => {
  const offer = { type: 'offer', sdp: 'v=0\r\n' };
  const answer = { type: 'answer', sdp: 'v=0\r\n' };
  const refused = (payload: unknown) => {
    const r = parseSfuClientMessage(payload);
    assert.equal(r.ok, false, JSON.stringify(payload)?.slice(0, 200));
    assert.equal(typeof r.message, 'string');
  };

  test('frame names: SFU frames, SIGNAL to everyone is dst *', () => {
    assert.equal(SFU_FRAME, 'SFU');
    assert.equal(SIGNAL_FRAME, 'SIGNAL');
    assert.equal(EVERYONE, '*');
  });

  test('client publish: an offer of at most 60,000 characters with 1–3 sources, unique mids and sources', () => {
    const sources = [{ mid: '0', source: 'microphone' }, { mid: '1', source: 'camera' }, { mid: 'scr_2-a', source: 'screen' }];
    assert.deepEqual(parseSfuClientMessage({ kind: 'publish', jsep: offer, sources, extra: 1 }), { ok: true, message: { kind: 'publish', jsep: offer, sources } });
    assert.deepEqual(parseSfuClientMessage({ kind: 'publish', jsep: { ...offer, extra: 'dropped' }, sources: [{ mid: '0', source: 'camera', x: 1 }] }),
      { ok: true, message: { kind: 'publish', jsep: offer, sources: [{ mid: '0', source: 'camera' }] } }, 'only known fields are kept');
    assert.equal(parseSfuClientMessage({ kind: 'publish', jsep: { type: 'offer', sdp: 'x'.repeat(MAX_SDP_CHARS) }, sources: [sources[0]] }).ok, true);
    assert.equal(MAX_SDP_CHARS, 60_000);
    refused({ kind: 'publish', jsep: { type: 'offer', sdp: 'x'.repeat(MAX_SDP_CHARS + 1) }, sources: [sources[0]] });
    refused({ kind: 'publish', jsep: answer, sources });
    refused({ kind: 'publish', jsep: { type: 'offer' }, sources });
    refused({ kind: 'publish', jsep: { type: 'offer', sdp: 5 }, sources });
    refused({ kind: 'publish', sources });
    refused({ kind: 'publish', jsep: offer });
    refused({ kind: 'publish', jsep: offer, sources: [] });
    refused({ kind: 'publish', jsep: offer, sources: [...sources, { mid: '3', source: 'camera' }] });
    refused({ kind: 'publish', jsep: offer, sources: { mid: '0', source: 'camera' } });
    refused({ kind: 'publish', jsep: offer, sources: [{ mid: '0', source: 'camera' }, { mid: '0', source: 'screen' }] });
    refused({ kind: 'publish', jsep: offer, sources: [{ mid: '0', source: 'camera' }, { mid: '1', source: 'camera' }] });
    for (const mid of ['', 'a b', 'x'.repeat(17), 'ü', 0, null]) refused({ kind: 'publish', jsep: offer, sources: [{ mid, source: 'camera' }] });
    assert.equal(parseSfuClientMessage({ kind: 'publish', jsep: offer, sources: [{ mid: 'x'.repeat(16), source: 'camera' }] }).ok, true, '16 characters fit');
    for (const source of ['webcam', 'Camera', '', undefined]) refused({ kind: 'publish', jsep: offer, sources: [{ mid: '0', source }] });
    refused({ kind: 'publish', jsep: offer, sources: [null] });
  });

  test('client answer, candidate and layer', () => {
    assert.deepEqual(parseSfuClientMessage({ kind: 'answer', jsep: answer, seq: 3 }), { ok: true, message: { kind: 'answer', jsep: answer, seq: 3 } });
    for (const seq of [undefined, 0, -1, 1.5, '3', null, 2 ** 53]) refused({ kind: 'answer', jsep: answer, seq });
    refused({ kind: 'answer', jsep: offer, seq: 1 });
    refused({ kind: 'answer', jsep: { type: 'answer', sdp: 'x'.repeat(MAX_SDP_CHARS + 1) } });
    refused({ kind: 'answer' });

    const c = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    assert.deepEqual(parseSfuClientMessage({ kind: 'candidate', pc: 'pub', candidate: c }), { ok: true, message: { kind: 'candidate', pc: 'pub', candidate: c } });
    assert.deepEqual(parseSfuClientMessage({ kind: 'candidate', pc: 'sub', candidate: null }), { ok: true, message: { kind: 'candidate', pc: 'sub', candidate: null } }, 'null: gathering complete');
    assert.deepEqual(parseSfuClientMessage({ kind: 'candidate', pc: 'pub', candidate: { candidate: 'x', sdpMid: 'a b', sdpMLineIndex: -1 } }),
      { ok: true, message: { kind: 'candidate', pc: 'pub', candidate: { candidate: 'x' } } }, 'a bad sdpMid or index is left out, not refused');
    assert.deepEqual(parseSfuClientMessage({ kind: 'candidate', pc: 'pub', candidate: { candidate: 'x', sdpMid: null, sdpMLineIndex: 512 } }),
      { ok: true, message: { kind: 'candidate', pc: 'pub', candidate: { candidate: 'x' } } });
    assert.equal(parseSfuClientMessage({ kind: 'candidate', pc: 'pub', candidate: { candidate: 'x'.repeat(1024) } }).ok, true);
    refused({ kind: 'candidate', pc: 'pub', candidate: { candidate: 'x'.repeat(1025) } });
    refused({ kind: 'candidate', pc: 'pub', candidate: { candidate: 5 } });
    refused({ kind: 'candidate', pc: 'pub', candidate: 'candidate:1' });
    refused({ kind: 'candidate', pc: 'pub' });
    refused({ kind: 'candidate', pc: 'both', candidate: null });
    refused({ kind: 'candidate', candidate: null });

    for (const substream of [0, 1, 2] as const) {
      assert.deepEqual(parseSfuClientMessage({ kind: 'layer', mid: '1', substream }), { ok: true, message: { kind: 'layer', mid: '1', substream } });
    }
    for (const substream of [3, -1, 1.5, '1', null, undefined]) refused({ kind: 'layer', mid: '1', substream });
    refused({ kind: 'layer', mid: 'a b', substream: 0 });
    refused({ kind: 'layer', substream: 0 });
  });

  test('client: anything else is refused with a reason', () => {
    for (const bad of [null, undefined, 'publish', 5, [], [{ kind: 'answer', jsep: answer, seq: 1 }], {}, { kind: 'offer', jsep: offer }, { kind: 'error', code: 'x', message: 'y' }, { kind: 'PUBLISH' }]) refused(bad);
    const unknown = parseSfuClientMessage({ kind: 'x'.repeat(100) });
    assert.ok(!unknown.ok && unknown.message.length < 80, 'an unknown kind is quoted, cut short');
  });

  test('server messages (client side): answer, offer with its streams, candidate, error; anything else is null', () => {
    assert.deepEqual(parseSfuServerMessage({ kind: 'answer', jsep: answer }), { kind: 'answer', jsep: answer });
    const streams = [{ mid: '0', peerId: 'p1', source: 'camera' }, { mid: '1', peerId: 'p1', source: 'microphone' }];
    assert.deepEqual(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq: 1, streams: [...streams, { mid: '2', peerId: 'p2', source: 'hologram' }, { mid: 3, peerId: 'p2', source: 'screen' }, null, { mid: '4', source: 'screen' }] }),
      { kind: 'offer', jsep: offer, seq: 1, streams }, 'malformed streams are left out');
    assert.deepEqual(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq: 2, streams: [{ ...streams[0], extra: 1 }] }), { kind: 'offer', jsep: offer, seq: 2, streams: [streams[0]] });
    assert.deepEqual(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq: 3, streams: [] }), { kind: 'offer', jsep: offer, seq: 3, streams: [] });
    assert.deepEqual(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq: 4, streams: [], fresh: true }), { kind: 'offer', jsep: offer, seq: 4, streams: [], fresh: true }, 'a fresh subscription says so');
    assert.deepEqual(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq: 5, streams: [], fresh: 'yes' }), { kind: 'offer', jsep: offer, seq: 5, streams: [] }, 'fresh is true or absent');
    for (const seq of [undefined, 0, 1.5, '1']) assert.equal(parseSfuServerMessage({ kind: 'offer', jsep: offer, seq, streams: [] }), null, `an offer needs its seq (${String(seq)})`);
    assert.deepEqual(parseSfuServerMessage({ kind: 'candidate', pc: 'sub', candidate: null }), { kind: 'candidate', pc: 'sub', candidate: null });
    assert.deepEqual(parseSfuServerMessage({ kind: 'candidate', pc: 'pub', candidate: { candidate: 'c', sdpMLineIndex: 1 } }), { kind: 'candidate', pc: 'pub', candidate: { candidate: 'c', sdpMLineIndex: 1 } });
    assert.deepEqual(parseSfuServerMessage({ kind: 'error', code: 'sfu-unavailable', message: 'gone' }), { kind: 'error', code: 'sfu-unavailable', message: 'gone' });
    for (const bad of [
      null, 'answer', [], {}, { kind: 'publish', jsep: offer, sources: [] },
      { kind: 'answer', jsep: offer }, { kind: 'answer', jsep: { type: 'answer', sdp: 'x'.repeat(MAX_SDP_CHARS + 1) } },
      { kind: 'offer', jsep: answer, streams: [] }, { kind: 'offer', jsep: offer }, { kind: 'offer', jsep: offer, streams: {} },
      { kind: 'candidate', pc: 'x', candidate: null }, { kind: 'candidate', pc: 'pub', candidate: { candidate: 1 } },
      { kind: 'error', code: 'x' }, { kind: 'error', message: 'y' }, { kind: 'error', code: 5, message: 'y' },
    ]) {
      assert.equal(parseSfuServerMessage(bad), null, JSON.stringify(bad)?.slice(0, 120));
    }
  });

  test('the room event sfu-unavailable, with or without a message', () => {
    assert.deepEqual(parseRoomPayload({ event: 'sfu-unavailable', data: { message: 'Janus lost' } }), { event: 'sfu-unavailable', data: { message: 'Janus lost' } });
    assert.deepEqual(parseRoomPayload({ event: 'sfu-unavailable', data: {} }), { event: 'sfu-unavailable', data: {} });
    for (const bad of [{ event: 'sfu-unavailable' }, { event: 'sfu-unavailable', data: null }, { event: 'sfu-unavailable', data: { message: 5 } }, { event: 'sfu-unavailable', data: 'gone' }]) {
      assert.equal(parseRoomPayload(bad), null, JSON.stringify(bad));
    }
    assert.equal(roomFrame({ event: 'sfu-unavailable', data: {} }), '{"type":"ROOM","payload":{"event":"sfu-unavailable","data":{}}}');
  });

  test('the room event sfu-moved carries nothing, and needs its data object', () => {
    assert.deepEqual(parseRoomPayload({ event: 'sfu-moved', data: {} }), { event: 'sfu-moved', data: {} });
    assert.equal(parseRoomPayload({ event: 'sfu-moved' }), null);
    assert.equal(parseRoomPayload({ event: 'sfu-moved', data: null }), null);
  });

  test('the room event mode-changed names mesh or sfu; the admitted event may carry the mode', () => {
    for (const mode of ['mesh', 'sfu']) assert.deepEqual(parseRoomPayload({ event: 'mode-changed', data: { mode } }), { event: 'mode-changed', data: { mode } });
    for (const bad of [{ event: 'mode-changed', data: {} }, { event: 'mode-changed', data: { mode: 'p2p' } }, { event: 'mode-changed' }, { event: 'mode-changed', data: { mode: null } }]) {
      assert.equal(parseRoomPayload(bad), null, JSON.stringify(bad));
    }
    const admitted = { peerToken: 't', peerTokenExpires: 1, iceServers: [], members: [] };
    assert.deepEqual(parseRoomPayload({ event: 'admitted', data: { ...admitted, mode: 'sfu' } }), { event: 'admitted', data: { ...admitted, mode: 'sfu' } });
    assert.deepEqual(parseRoomPayload({ event: 'admitted', data: { ...admitted, mode: 'hologram' } }), { event: 'admitted', data: admitted }, 'an unknown mode is left out');
  });

  test('the client SFU message stop carries nothing', () => {
    assert.deepEqual(parseSfuClientMessage({ kind: 'stop' }), { ok: true, message: { kind: 'stop' } });
    assert.deepEqual(parseSfuClientMessage({ kind: 'stop', extra: 1 }), { ok: true, message: { kind: 'stop' } });
    assert.equal(parseSfuServerMessage({ kind: 'stop' }), null, 'only a browser says stop');
  });

  test('sfu-unavailable is a 503', () => {
    assert.ok(isServerErrorCode('sfu-unavailable'));
    assert.equal(SERVER_ERROR_STATUS['sfu-unavailable'], 503);
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
