// DOM-free parts of the core: control-message parsing and the one place errors are mapped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RtcError, isRtcErrorCode, mediaError, peerError, toRtcError } from '../../src/core/errors.js';
import { MAX_CONTROL_MESSAGE, parseControlMessage } from '../../src/core/transport/mesh/control.js';
import { parseRecoveryMessage } from '../../src/core/transport/mesh/peer-link.js';
import { SERVER_ERROR_STATUS } from '../../src/protocol/errors.js';

describe('control messages', () => {
  test('state (with screen), ping, bye and app data are parsed; names are cut to 64; anything else is ignored', () => {
    assert.deepEqual(parseControlMessage('{"t":"ping"}'), { t: 'ping' });
    assert.deepEqual(parseControlMessage('{"t":"bye","x":1}'), { t: 'bye' });
    assert.deepEqual(parseControlMessage('{"t":"data","data":{"a":[1,null]}}'), { t: 'data', data: { a: [1, null] } });
    assert.deepEqual(parseControlMessage('{"t":"data","data":null}'), { t: 'data', data: null });
    assert.equal(parseControlMessage('{"t":"data"}'), null, 'data without data');
    assert.deepEqual(parseControlMessage(JSON.stringify({ t: 'state', mic: true, cam: true, name: 'a', screen: true })), { t: 'state', mic: true, cam: true, name: 'a', screen: true });
    assert.deepEqual(parseControlMessage(JSON.stringify({ t: 'state', mic: true, cam: false, name: 'x'.repeat(80) })), { t: 'state', mic: true, cam: false, name: 'x'.repeat(64) });
    assert.deepEqual(parseControlMessage(JSON.stringify({ t: 'state', mic: false, cam: true, name: 'a', hello: true })), { t: 'state', mic: false, cam: true, name: 'a', hello: true });
    assert.deepEqual(parseControlMessage(JSON.stringify({ t: 'state', mic: false, cam: true, name: 'a', hello: 'yes' })), { t: 'state', mic: false, cam: true, name: 'a' });
    for (const via of ['mesh', 'sfu']) assert.deepEqual(parseControlMessage(JSON.stringify({ t: 'receiving', via })), { t: 'receiving', via });
    assert.equal(parseControlMessage(JSON.stringify({ t: 'receiving', via: 'pigeon' })), null);
    assert.equal(parseControlMessage(JSON.stringify({ t: 'receiving' })), null);
    for (const bad of ['', 'nope', '{"t":"state","mic":"yes","cam":true,"name":"a"}', '{"t":"shout"}', '[]', 'null', 42, null, `{"t":"ping","pad":"${'x'.repeat(MAX_CONTROL_MESSAGE)}"}`]) {
      assert.equal(parseControlMessage(bad), null, String(bad).slice(0, 40));
    }
  });
});

describe('error mapping', () => {
  test('DOMException names from getUserMedia map to device codes, the original kept as cause', () => {
    const cases: Record<string, string> = {
      NotAllowedError: 'permission-denied', SecurityError: 'permission-denied', NotFoundError: 'device-not-found',
      OverconstrainedError: 'device-not-found', NotReadableError: 'device-in-use', AbortError: 'device-in-use', Weird: 'internal',
    };
    for (const [name, code] of Object.entries(cases)) {
      const original = Object.assign(new Error('boom'), { name });
      const e = mediaError(original, 'camera');
      assert.equal(e.code, code, name);
      assert.equal(e.cause, original);
    }
  });

  test('PeerJS error types map to codes; RtcErrors pass through; the rest is internal', () => {
    assert.equal(peerError({ type: 'peer-unavailable', message: 'x' }).code, 'peer-unavailable');
    assert.equal(peerError({ type: 'network', message: 'x' }).code, 'signaling-unreachable');
    assert.equal(peerError({ type: 'webrtc', message: 'x' }).code, 'ice-failed');
    assert.equal(peerError({ type: 'something-new', message: 'x' }).code, 'internal');
    const own = new RtcError('room-full', 'full', { fatal: true });
    assert.equal(toRtcError(own), own);
    assert.equal(toRtcError(new Error('x')).code, 'internal');
    assert.equal(own.withFatal(false).fatal, false);
  });

  test('every server error code the element can receive is one of its own codes, or deliberately internal', () => {
    const notForThePage = new Set(['bad-request', 'not-found', 'not-allowed', 'participant-not-found']);
    for (const code of Object.keys(SERVER_ERROR_STATUS)) {
      if (notForThePage.has(code)) continue;
      assert.ok(isRtcErrorCode(code), `${code} has no RtcError code`);
    }
  });
});

describe('recovery messages (the mesh\'s ICE restarts through the relay)', () => {
  test('offers, answers, candidates and restart requests are checked; anything else is ignored', () => {
    assert.deepEqual(parseRecoveryMessage({ kind: 'ice-restart', x: 1 }), { kind: 'ice-restart' });
    assert.deepEqual(parseRecoveryMessage({ kind: 'ice-offer', gen: 2, sdp: 'v=0' }), { kind: 'ice-offer', gen: 2, sdp: 'v=0' });
    assert.deepEqual(parseRecoveryMessage({ kind: 'ice-candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u', evil: 1 } }), { kind: 'ice-candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' } });
    for (const bad of [null, 'x', { kind: 'ice-offer', gen: 1.5, sdp: 'v' }, { kind: 'ice-answer', gen: 1 }, { kind: 'ice-offer', gen: 1, sdp: 'x'.repeat(70_000) }, { kind: 'ice-candidate', candidate: { candidate: 5 } }, { kind: 'other' }]) {
      assert.equal(parseRecoveryMessage(bad), null, JSON.stringify(bad)?.slice(0, 60));
    }
  });
});
