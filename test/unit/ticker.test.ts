// The page's one timer (src/core/ticker.ts): jobs at their own period on one setInterval, in the
// order added; the interval exists only while a job does; one job's exception stops no other.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onTick, TICK_MS, tickJobs } from '../../src/core/ticker.js';

describe('ticker', () => {
  test('runs each job at its period (rounded to ticks) on one interval, only while a job is on it', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const seen: string[] = [];
    const stopFast = onTick(() => seen.push('fast'));
    const stopSlow = onTick(() => seen.push('slow'), 1_000);
    assert.equal(tickJobs(), 2);
    t.mock.timers.tick(TICK_MS * 10);
    assert.equal(seen.filter((s) => s === 'fast').length, 10);
    assert.deepEqual(seen.filter((s) => s === 'slow'), ['slow']);
    assert.deepEqual(seen.slice(-2), ['fast', 'slow'], 'in the order added');
    stopFast();
    stopFast(); // idempotent
    t.mock.timers.tick(TICK_MS * 10);
    assert.equal(seen.filter((s) => s === 'fast').length, 10, 'a stopped job never runs again');
    assert.equal(seen.filter((s) => s === 'slow').length, 2);
    stopSlow();
    assert.equal(tickJobs(), 0);
  });

  test('a job that throws stops no other job, and says so on the console', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const logged = t.mock.method(console, 'error', () => {});
    let ran = 0;
    const stopBad = onTick(() => {
      throw new Error('bug');
    });
    const stopGood = onTick(() => ran++);
    t.mock.timers.tick(TICK_MS * 3);
    stopBad();
    stopGood();
    assert.equal(ran, 3);
    assert.equal(logged.mock.callCount(), 3);
    assert.match(String(logged.mock.calls[0]!.arguments[0]), /periodic job failed/);
  });

  test('a job stopped by an earlier job in the same tick does not run', (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let second = 0;
    let stopSecond = () => {};
    const stopFirst = onTick(() => stopSecond());
    stopSecond = onTick(() => second++);
    t.mock.timers.tick(TICK_MS);
    assert.equal(second, 0);
    stopFirst();
    assert.equal(tickJobs(), 0);
  });
});
