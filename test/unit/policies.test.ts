// The session's policies, on their own: no browser, no server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackoffReconnectPolicy, meshBitratePolicy } from '../../src/core/session/policies.js';

describe('BackoffReconnectPolicy', () => {
  test('doubles from 250 ms up to 3 s without jitter, and gives up at the deadline (10 min; 30 s without media)', () => {
    const p = new BackoffReconnectPolicy({ jitter: 0 });
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((a) => p.nextDelay(a, 0)), [250, 500, 1000, 2000, 3000, 3000, 3000]);
    assert.equal(p.giveUpAfterMs, 600_000);
    assert.equal(p.giveUpWithoutMediaMs, 30_000);
    assert.equal(p.nextDelay(3, 31_000), 2_000, 'past 30 s it keeps retrying: the session decides about media');
    assert.equal(p.nextDelay(3, 600_000), null, 'at the deadline: give up');
    assert.equal(p.nextDelay(9, 598_500), 1_500, 'never waits past the deadline');
  });

  test('jitter stays within ± the fraction and uses the given randomness', () => {
    const low = new BackoffReconnectPolicy({ jitter: 0.2, random: () => 0 });
    const high = new BackoffReconnectPolicy({ jitter: 0.2, random: () => 0.999999 });
    assert.equal(low.nextDelay(2, 0), 800);
    assert.equal(high.nextDelay(2, 0), 1200);
    const real = new BackoffReconnectPolicy();
    for (let i = 0; i < 200; i++) {
      const d = real.nextDelay(1, 0)!;
      assert.ok(d >= 400 && d <= 600, String(d));
    }
  });

  test('options: initial, factor, max, deadline', () => {
    const p = new BackoffReconnectPolicy({ initialMs: 100, factor: 3, maxMs: 1000, giveUpAfterMs: 5000, jitter: 0 });
    assert.deepEqual([0, 1, 2, 3].map((a) => p.nextDelay(a, 0)), [100, 300, 900, 1000]);
    assert.equal(p.nextDelay(0, 5000), null);
  });
});

describe('meshBitratePolicy', () => {
  test('less per link as the mesh grows', () => {
    const rates = [1, 2, 3, 4, 5, 6].map((n) => meshBitratePolicy.videoBitrate(n));
    assert.deepEqual(rates, [1_500_000, 1_500_000, 900_000, 650_000, 450_000, 450_000]);
    for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! <= rates[i - 1]!);
  });
});
