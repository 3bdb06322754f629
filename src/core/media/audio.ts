/**
 * Audio analysis shared by the elements: one AudioContext per page, reference-counted, and
 * level metering / speaking detection on a MediaStream sampled on a timer (about 10 Hz) — never
 * per frame. DOM-free apart from Web Audio, so `<rtc-video-tile>` (speaking ring) and
 * `<rtc-device-picker>` (microphone level meter) use the same code and the same context.
 *
 * ```ts
 * const meter = new LevelMeter(stream, (level) => bar.value = level);   // 0…1, ~10 times a second
 * const detector = new SpeakingDetector(stream, (speaking) => …);       // on/off with a hold time
 * meter.stop(); detector.stop();                                        // releases the context
 * ```
 */

import { onTick } from '../ticker.js';

// Shared by every copy of the library on the page, like the warnings in define-element.ts: two
// copies must not open two contexts (Chromium limits how many a page may have running).
interface SharedAudio {
  context: AudioContext | undefined;
  users: number;
  /** Stream nodes made in `context` so far (see RECYCLE_AFTER_NODES). */
  nodes?: number;
  /** Earlier contexts still held by users, with their counts: each closes when its last user releases it. */
  retiring?: Map<AudioContext, number>;
}
const SHARED = Symbol.for('rtc-call.audio');
const shared: SharedAudio = ((globalThis as unknown as Record<symbol, SharedAudio>)[SHARED] ??= {
  context: undefined,
  users: 0,
});

/**
 * After this many stream nodes (MediaStreamAudioSourceNode, MediaStreamAudioDestinationNode) the
 * next user gets a new context. Chromium keeps every such node — and the stream and tracks it
 * holds — alive for as long as its context runs, disconnected or not, so a page that stays in a
 * call while people come and go would otherwise keep every one of them; the old context closes
 * when its last user (a meter still running, say) releases it. Measured with bench:teardown.
 */
export const RECYCLE_AFTER_NODES = 12;

/**
 * Returns the page's shared AudioContext, creating it on first use, and counts one more user.
 * Every call must be paired with one `releaseAudioContext(context)`. A suspended context
 * (autoplay policy) is asked to resume; call `resumeAudioContext()` again from a user gesture if
 * it stays suspended.
 */
export function acquireAudioContext(): AudioContext {
  if (shared.context && shared.context.state !== 'closed' && (shared.nodes ?? 0) >= RECYCLE_AFTER_NODES) {
    // Full of nodes the browser will not free: new users get a new context.
    if (shared.users > 0) (shared.retiring ??= new Map()).set(shared.context, shared.users);
    else void shared.context.close().catch(() => {});
    shared.context = undefined;
    shared.users = 0;
  }
  if (!shared.context || shared.context.state === 'closed') {
    shared.context = new AudioContext({ latencyHint: 'playback' });
    shared.nodes = 0;
  }
  shared.users++;
  void resumeAudioContext();
  return shared.context;
}

/** A stream node was made in `context` (counts towards RECYCLE_AFTER_NODES). */
export function countStreamNode(context: AudioContext): void {
  if (context === shared.context) shared.nodes = (shared.nodes ?? 0) + 1;
}

/**
 * Counts one user less of `context` (default: the current one); a context is closed when its
 * last user releases it.
 */
export function releaseAudioContext(context?: AudioContext): void {
  const retiring = context && context !== shared.context ? shared.retiring?.get(context) : undefined;
  if (context && retiring !== undefined) {
    if (retiring > 1) shared.retiring!.set(context, retiring - 1);
    else {
      shared.retiring!.delete(context);
      if (context.state !== 'closed') void context.close().catch(() => {});
    }
    return;
  }
  if (shared.users === 0) return;
  shared.users--;
  if (shared.users === 0 && shared.context) {
    const ctx = shared.context;
    shared.context = undefined;
    if (ctx.state !== 'closed') void ctx.close().catch(() => {});
  }
}

/** Resumes the shared context if it is suspended (call from a click handler after autoplay blocked it). */
export async function resumeAudioContext(): Promise<void> {
  const ctx = shared.context;
  if (ctx && ctx.state === 'suspended') {
    try {
      await ctx.resume();
    } catch {
      // Still blocked: the next user gesture tries again.
    }
  }
}

/** The shared context while anyone holds it, else undefined (for diagnostics and tests). */
export function currentAudioContext(): AudioContext | undefined {
  return shared.context;
}

/** How many users hold a context of ours right now, retiring ones included (0 = all closed). */
export function audioContextUsers(): number {
  let n = shared.users;
  for (const users of shared.retiring?.values() ?? []) n += users;
  return n;
}

/** Options of `LevelMeter`. */
export interface LevelMeterOptions {
  /** Sampling period in milliseconds; default 100 (10 Hz). */
  intervalMs?: number;
  /** No timer of its own: the owner calls `sample()` every `intervalMs` (one timer for many meters). */
  manual?: boolean;
}

/**
 * Measures the loudness of a stream's first audio track every `intervalMs`: `level` is the loudest
 * 10 ms RMS in the last window, 0…1 (1 = full scale sine ≈ 0.71). The analysed window is at least
 * as long as the sampling period, so short sounds between two samples are never missed.
 * Holds the shared AudioContext until `stop()`.
 */
export class LevelMeter {
  /** Loudest 10 ms RMS level (0…1) in the most recent window; 0 before the first sample. */
  level = 0;
  /** How many windows have been measured so far. */
  samples = 0;

  private readonly context: AudioContext;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;
  private readonly blockSize: number;
  /** Stops its job on the shared timer; null when the owner samples (`manual`); undefined once stopped. */
  private timer: (() => void) | null | undefined;

  /**
   * @param stream a stream with at least one audio track (throws `InvalidStateError` otherwise)
   * @param onLevel called after every sample with the new `level`
   */
  constructor(
    stream: MediaStream,
    private readonly onLevel?: (level: number) => void,
    options: LevelMeterOptions = {},
  ) {
    const intervalMs = options.intervalMs ?? 100;
    this.context = acquireAudioContext();
    try {
      this.source = this.context.createMediaStreamSource(stream);
    } catch (err) {
      releaseAudioContext(this.context);
      throw err;
    }
    countStreamNode(this.context);
    this.analyser = this.context.createAnalyser();
    // Smallest power of two covering the sampling period (plus slack for timer jitter).
    const needed = (this.context.sampleRate * intervalMs * 1.25) / 1000;
    this.analyser.fftSize = Math.min(32768, Math.max(256, 2 ** Math.ceil(Math.log2(needed))));
    this.buffer = new Float32Array(this.analyser.fftSize);
    this.blockSize = Math.max(1, Math.round(this.context.sampleRate / 100));
    // An AnalyserNode is pulled by the graph without reaching the destination: nothing is played.
    this.source.connect(this.analyser);
    // On the page's one timer (core/ticker.ts), not a timer of its own.
    this.timer = options.manual ? null : onTick(() => this.sample(), intervalMs);
  }

  /** Stops sampling, disconnects the nodes and releases the shared AudioContext. Idempotent. */
  stop(): void {
    if (this.timer === undefined) return;
    if (this.timer !== null) this.timer();
    this.timer = undefined;
    this.source.disconnect();
    this.analyser.disconnect();
    releaseAudioContext(this.context);
  }

  /** Measures the latest window now (the timer does this unless the meter is `manual`). */
  sample(): void {
    if (this.timer === undefined) return;
    this.analyser.getFloatTimeDomainData(this.buffer);
    let loudest = 0;
    const { buffer, blockSize } = this;
    for (let start = 0; start < buffer.length; start += blockSize) {
      const end = Math.min(buffer.length, start + blockSize);
      let sum = 0;
      for (let i = start; i < end; i++) sum += buffer[i]! * buffer[i]!;
      loudest = Math.max(loudest, Math.sqrt(sum / (end - start)));
    }
    this.level = Math.min(1, loudest);
    this.samples++;
    this.onLevel?.(this.level);
  }
}

/**
 * One meter per audio track for everyone who wants its level: `<rtc-video-tile>`'s speaking ring
 * and the session's active-speaker tracking watch the same microphones, so each track is analysed
 * once per tick, not once per watcher. `listener` hears every sample (~10 Hz). Throws
 * `InvalidStateError` for a track the browser cannot analyse (ended). Returns the function that
 * stops watching; the meter stops with its last watcher.
 */
export function watchLevel(track: MediaStreamTrack, listener: (level: number) => void): () => void {
  let entry = watched.get(track);
  if (!entry) {
    const listeners = new Set<(level: number) => void>();
    const meter = new LevelMeter(new MediaStream([track]), (level) => {
      for (const l of [...listeners]) l(level);
    });
    entry = { meter, listeners };
    watched.set(track, entry);
  }
  const e = entry;
  e.listeners.add(listener);
  return () => {
    if (!e.listeners.delete(listener) || e.listeners.size) return;
    e.meter.stop();
    if (watched.get(track) === e) watched.delete(track);
  };
}

const watched = new Map<MediaStreamTrack, { meter: LevelMeter; listeners: Set<(level: number) => void> }>();

/** Options of `SpeakingDetector` (it samples on the shared meter of its track, `watchLevel`: no period of its own). */
export interface SpeakingDetectorOptions {
  /** A window at or above this level (see `LevelMeter.level`) counts as loud; default 0.02 (≈ −34 dBFS). */
  threshold?: number;
  /** Speaking stays on at least this long after the last loud window, in ms; default 600. */
  holdMs?: number;
}

/**
 * Speaking detection: on at the first loud window, off once no window has been loud for `holdMs`.
 * Needs no sustained sound (Chromium's fake microphone beeps 20 ms every 500 ms and counts as
 * speaking); bridges the pauses between words. Holds the shared AudioContext until `stop()`.
 */
export class SpeakingDetector {
  /** True while the stream is considered to be speaking. */
  speaking = false;
  /** The latest level (0…1) of the track's meter. */
  level = 0;
  /** How many windows have been examined so far. */
  samples = 0;

  private readonly unwatch: () => void;
  private lastLoud = -Infinity;

  /**
   * @param stream a stream with at least one audio track (throws `InvalidStateError` otherwise);
   *   its first one is measured, on the meter every watcher of that track shares (`watchLevel`)
   * @param onChange called whenever `speaking` changes
   */
  constructor(
    stream: MediaStream,
    private readonly onChange: (speaking: boolean) => void,
    options: SpeakingDetectorOptions = {},
  ) {
    const threshold = options.threshold ?? 0.02;
    const holdMs = options.holdMs ?? 600;
    const track = stream.getAudioTracks()[0];
    if (!track) throw new DOMException('The stream has no audio track.', 'InvalidStateError');
    this.unwatch = watchLevel(track, (level) => {
      this.level = level;
      this.samples++;
      const now = performance.now();
      if (level >= threshold) this.lastLoud = now;
      const next = now - this.lastLoud < holdMs;
      if (next !== this.speaking) {
        this.speaking = next;
        this.onChange(next);
      }
    });
  }

  /** Stops detection and releases the shared AudioContext (no further `onChange`). Idempotent. */
  stop(): void {
    this.unwatch();
  }
}
