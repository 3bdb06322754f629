// The active-speaker rule on level patterns (10 samples a second, as the tracker takes them):
// sustained speech promotes after ~400 ms, a new speaker waits out the 2 s hold, a cough or the
// fake microphone's beeps never promote, and a loud room (noise floor) is not speech.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActiveSpeakerRule } from '../../src/core/session/active-speaker.js';

const QUIET = 0.002;
const SPEECH = 0.2;

/** Runs `ms` of samples every 100 ms from `t`; `level(id, t)` gives each participant's level. */
function run(rule: ActiveSpeakerRule, ids: string[], from: number, ms: number, level: (id: string, t: number) => number): Array<[number, string | null]> {
  const seen: Array<[number, string | null]> = [];
  let last = rule.current;
  for (let t = from; t < from + ms; t += 100) {
    const now = rule.update(new Map(ids.map((id) => [id, level(id, t)])), t);
    if (now !== last) seen.push([t, now]);
    last = now;
  }
  return seen;
}

describe('active speaker rule', () => {
  test('sustained speech promotes after about 400 ms, not at the first word', () => {
    const rule = new ActiveSpeakerRule();
    const changes = run(rule, ['ann', 'bob'], 0, 3000, (id, t) => (id === 'ann' && t >= 1000 ? SPEECH : QUIET));
    assert.deepEqual(changes.map(([, id]) => id), ['ann']);
    assert.ok(changes[0]![0] >= 1400 && changes[0]![0] <= 1500, `promoted at ${changes[0]![0]} ms`);
  });

  test('a cough (200 ms) and the fake microphone’s 20 ms beeps every 500 ms never promote', () => {
    const rule = new ActiveSpeakerRule();
    const changes = run(rule, ['ann', 'bob'], 0, 6000, (id, t) => {
      if (id === 'ann') return t >= 2000 && t < 2200 ? 0.5 : QUIET; // a cough
      return t % 500 === 0 ? 0.3 : QUIET; // a beep lands in one window of five
    });
    assert.deepEqual(changes, []);
  });

  test('held at least 2 s: a second speaker takes over only then; pauses between words do not end speech', () => {
    const rule = new ActiveSpeakerRule();
    // Ann speaks with 200 ms pauses from 0; Bob starts at 1000 and goes on.
    const changes = run(rule, ['ann', 'bob'], 0, 5000, (id, t) => {
      if (id === 'ann') return t < 1500 && t % 800 < 600 ? SPEECH : QUIET;
      return t >= 1000 ? SPEECH * 1.5 : QUIET;
    });
    assert.deepEqual(changes.map(([, id]) => id), ['ann', 'bob']);
    const [[annAt], [bobAt]] = changes as [[number, string], [number, string]];
    assert.ok(bobAt - annAt >= 2000, `Bob took over ${bobAt - annAt} ms after Ann`);
  });

  test('a loud steady background is a noise floor, not speech; someone who leaves is no longer the speaker', () => {
    const rule = new ActiveSpeakerRule();
    // A fan: 0.05 all the time from the start (its own floor); speech over it still counts.
    const fan = run(rule, ['ann'], 0, 4000, () => 0.05);
    assert.deepEqual(fan, []);
    const speech = run(rule, ['ann'], 4000, 2000, () => 0.4);
    assert.deepEqual(speech.map(([, id]) => id), ['ann']);
    assert.equal(rule.update(new Map([['bob', QUIET]]), 6100), null);
  });

  test('a stalled timer that samples only the beeps (no quiet sample between them) does not join them into speech', () => {
    const rule = new ActiveSpeakerRule();
    for (let t = 0; t < 5000; t += 500) {
      rule.update(new Map([['cleo', 0.46]]), t);
      rule.update(new Map([['cleo', 0.44]]), t + 100);
    }
    assert.equal(rule.current, null);
  });
});
