/**
 * The call's active speaker: who has been talking — sustained speech above their own noise floor,
 * not a cough, not a beep — for long enough, held long enough that the stage does not flicker.
 * `ActiveSpeakerRule` is the pure decision (unit-tested on level patterns, test/unit/
 * active-speaker.test.ts); `ActiveSpeakerTracker` feeds it from one timer that samples a
 * LevelMeter per participant.
 */
import { watchLevel } from '../media/audio.js';
import { onTick, TICK_MS } from '../ticker.js';

export interface ActiveSpeakerOptions {
  /** Speech must last this long before it promotes (400 ms). */
  sustainMs?: number;
  /** A new speaker takes over no sooner than this after the last change (2 s). */
  holdMs?: number;
  /** Quiet shorter than this is a pause between words, not the end of speech (250 ms). */
  gapMs?: number;
  /** Loud = at least this level (0.02 ≈ −34 dBFS)… */
  minLevel?: number;
  /** …and this many times the participant's own noise floor (3). */
  floorRatio?: number;
}

interface Voice {
  floor: number;
  speechStart: number | null;
  lastLoud: number;
  level: number;
}

export class ActiveSpeakerRule {
  /** The active speaker's id, or null. */
  current: string | null = null;
  private since = -Infinity;
  private readonly voices = new Map<string, Voice>();
  private readonly o: Required<ActiveSpeakerOptions>;

  constructor(options: ActiveSpeakerOptions = {}) {
    this.o = { sustainMs: 400, holdMs: 2_000, gapMs: 250, minLevel: 0.02, floorRatio: 3, ...options };
  }

  /** One sample of everyone's level (0…1) at `now` (ms); returns the active speaker. */
  update(levels: ReadonlyMap<string, number>, now: number): string | null {
    const o = this.o;
    for (const id of this.voices.keys()) if (!levels.has(id)) this.voices.delete(id);
    if (this.current !== null && !levels.has(this.current)) this.current = null;
    let best: string | null = null;
    let bestLevel = 0;
    for (const [id, level] of levels) {
      let v = this.voices.get(id);
      if (!v) this.voices.set(id, (v = { floor: level, speechStart: null, lastLoud: -Infinity, level }));
      // The noise floor follows quiet at once and loudness only slowly (speech stays above it).
      v.floor = level < v.floor ? level : v.floor + (level - v.floor) * 0.01;
      v.level = level;
      const loud = level >= Math.max(o.minLevel, v.floor * o.floorRatio);
      if (loud) {
        // A long gap since the last loud sample ends the speech even if no quiet sample was seen
        // in between (a busy page's timer can skip them): two beeps are not one word.
        if (v.speechStart === null || now - v.lastLoud > o.gapMs) v.speechStart = now;
        v.lastLoud = now;
      } else if (now - v.lastLoud > o.gapMs) {
        v.speechStart = null;
      }
      // Loud now, and loud (with only short pauses) for `sustainMs`: a cough is over before that.
      const sustained = loud && v.speechStart !== null && v.lastLoud - v.speechStart >= o.sustainMs;
      if (sustained && level >= bestLevel) {
        best = id;
        bestLevel = level;
      }
    }
    if (best !== null && best !== this.current && (this.current === null || now - this.since >= o.holdMs)) {
      this.current = best;
      this.since = now;
    }
    return this.current;
  }
}

/**
 * Watches every participant's microphone (the meters the tiles share, `watchLevel`) and decides the
 * active speaker on the page's one timer (core/ticker.ts).
 */
export class ActiveSpeakerTracker {
  private readonly rule: ActiveSpeakerRule;
  private readonly watched = new Map<string, { track: MediaStreamTrack; level: number; unwatch: () => void }>();
  private readonly stopTick: () => void;

  /**
   * @param audio the participants' audio tracks now (id → track; none = not speaking)
   * @param onChange called when the active speaker changes
   */
  constructor(
    private readonly audio: () => ReadonlyMap<string, MediaStreamTrack>,
    private readonly onChange: (id: string | null) => void,
    options: ActiveSpeakerOptions & { intervalMs?: number } = {},
  ) {
    this.rule = new ActiveSpeakerRule(options);
    this.stopTick = onTick(() => this.tick(), options.intervalMs ?? TICK_MS);
  }

  get current(): string | null {
    return this.rule.current;
  }

  stop(): void {
    this.stopTick();
    for (const { unwatch } of this.watched.values()) unwatch();
    this.watched.clear();
  }

  private tick(): void {
    const tracks = this.audio();
    for (const [id, entry] of this.watched) {
      if (tracks.get(id) !== entry.track) {
        entry.unwatch();
        this.watched.delete(id);
      }
    }
    const levels = new Map<string, number>();
    for (const [id, track] of tracks) {
      let entry = this.watched.get(id);
      if (!entry) {
        const e = { track, level: 0, unwatch: () => {} };
        try {
          e.unwatch = watchLevel(track, (level) => (e.level = level));
        } catch {
          continue; // no audio graph for this track (ended): not a speaker
        }
        entry = e;
        this.watched.set(id, entry);
      }
      levels.set(id, track.enabled && track.readyState === 'live' ? entry.level : 0);
    }
    const before = this.rule.current;
    const after = this.rule.update(levels, performance.now());
    if (after !== before) this.onChange(after);
  }
}
