// The quality rules on made-up getStats readings: the loss and round-trip ladders, the uplink's
// limits, no media, and the hysteresis.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QualityState, assessInbound, assessOutbound, worstOf } from '../../src/core/session/quality.js';
import type { LinkSample } from '../../src/core/transport/stats.js';

function sample(at: number, over: Partial<LinkSample> = {}): LinkSample {
  return {
    at, packetsReceived: at / 10, packetsLost: 0, freezeCount: 0, transportBytesReceived: at * 100, outboundFractionLost: 0, roundTripTime: 0.02,
    availableOutgoingBitrate: 2e6, qualityLimitationReason: 'none', videoCodec: 'video/VP8', audioCodec: 'audio/opus', width: 640, height: 480, fps: 30, inboundBytes: at * 100, ...over,
  };
}

/** Readings once a second with `lossRate` of packets lost. */
function lossy(lossRate: number, n = 5): LinkSample[] {
  return Array.from({ length: n }, (_, i) => sample(i * 1000, { packetsReceived: i * 100 * (1 - lossRate), packetsLost: i * 100 * lossRate }));
}

describe('connection quality', () => {
  test('loss ladder: ≤ 2.5 % excellent, ≤ 7.5 % good, more poor (packet-loss)', () => {
    assert.deepEqual(assessInbound(lossy(0)), { level: 'excellent', reason: null });
    assert.deepEqual(assessInbound(lossy(0.02)), { level: 'excellent', reason: null });
    assert.deepEqual(assessInbound(lossy(0.05)), { level: 'good', reason: 'packet-loss' });
    assert.deepEqual(assessInbound(lossy(0.1)), { level: 'poor', reason: 'packet-loss' });
  });

  test('round trip: under 150 ms excellent, under 300 ms good, more poor (high-latency)', () => {
    assert.equal(assessInbound([sample(0), sample(1000, { roundTripTime: 0.2 })]).level, 'good');
    assert.deepEqual(assessInbound([sample(0), sample(1000, { roundTripTime: 0.4 })]), { level: 'poor', reason: 'high-latency' });
  });

  test('nothing received for 5 s is lost (no-media); received bytes of a new pair count as arrival', () => {
    const still = Array.from({ length: 7 }, (_, i) => sample(i * 1000, { transportBytesReceived: 500, packetsReceived: 10 }));
    assert.deepEqual(assessInbound(still), { level: 'lost', reason: 'no-media' });
    assert.notEqual(assessInbound(still.slice(0, 4)).level, 'lost', '3 s of silence is not lost yet');
    const reset = [...still.slice(0, 6), sample(6000, { transportBytesReceived: 10, packetsReceived: 10 })];
    assert.notEqual(assessInbound(reset).level, 'lost');
  });

  test('uplink: the receiver\'s loss, bandwidth-limited (poor when starved), cpu', () => {
    assert.deepEqual(assessOutbound(sample(0, { outboundFractionLost: 0.1 })), { level: 'poor', reason: 'packet-loss' });
    assert.deepEqual(assessOutbound(sample(0, { qualityLimitationReason: 'bandwidth', availableOutgoingBitrate: 500_000 })), { level: 'good', reason: 'low-bandwidth' });
    assert.deepEqual(assessOutbound(sample(0, { qualityLimitationReason: 'bandwidth', availableOutgoingBitrate: 100_000 })), { level: 'poor', reason: 'low-bandwidth' });
    assert.deepEqual(assessOutbound(sample(0, { qualityLimitationReason: 'cpu' })), { level: 'good', reason: 'cpu' });
    assert.equal(worstOf([{ level: 'good', reason: 'cpu' }, { level: 'poor', reason: 'packet-loss' }]).level, 'poor');
  });

  test('hysteresis: worse after 2 readings, better after 4, lost at once; a change is reported once', () => {
    const q = new QualityState();
    const poor = { level: 'poor', reason: 'packet-loss' } as const;
    const fine = { level: 'excellent', reason: null } as const;
    assert.equal(q.update(fine), true);
    assert.equal(q.update(poor), false);
    assert.equal(q.update(poor), true);
    assert.equal(q.current?.level, 'poor');
    assert.equal(q.update(poor), false, 'no repeat');
    for (let i = 0; i < 3; i++) assert.equal(q.update(fine), false, `better reading ${i + 1}`);
    assert.equal(q.update(fine), true);
    assert.equal(q.update({ level: 'lost', reason: 'no-media' }), true, 'lost at once');
    assert.equal(q.update(fine), true, 'back from lost at once');
  });
});
