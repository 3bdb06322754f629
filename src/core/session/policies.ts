/**
 * The session's pluggable policies (LiveKit's ReconnectPolicy is the model): plain objects, so a
 * page or a test can swap them and each is unit-tested on its own (test/unit/policies.test.ts).
 */
import { RECONNECT_TIMEOUT_MS, RECONNECT_WITHOUT_MEDIA_MS } from './timeouts.js';

/** When to retry the signaling socket after it was lost, and when to give up. */
export interface ReconnectPolicy {
  /**
   * Milliseconds to wait before retry number `attempt` (0 = the first), `elapsedMs` after the
   * loss; `null` = give up now (the call fails with `signaling-unreachable`).
   */
  nextDelay(attempt: number, elapsedMs: number): number | null;
  /** Give up this long after the loss even when no retry ever answers, media flowing or not. */
  readonly giveUpAfterMs: number;
  /**
   * Give up sooner when media flows with nobody (alone in the room, or every link down too) for
   * this long: then nothing is left of the call but the wait. (30 s.)
   */
  readonly giveUpWithoutMediaMs?: number;
}

export interface BackoffOptions {
  /** First delay (250 ms). */
  initialMs?: number;
  /** Longest delay (3 s): a restarted server has everyone back within about 3.6 s. */
  maxMs?: number;
  /** Growth per attempt (2). */
  factor?: number;
  /** ± this fraction of each delay at random (0.2), so a restarted server is not hit by every client at once. */
  jitter?: number;
  /** Give up after (10 min): while media flows, a call outlives a long signaling outage. */
  giveUpAfterMs?: number;
  /** Give up after this long without media with anyone (30 s). */
  giveUpWithoutMediaMs?: number;
  /** Source of randomness in [0, 1) (Math.random). */
  random?: () => number;
}

/** Exponential backoff with jitter and a deadline: the default reconnect policy. */
export class BackoffReconnectPolicy implements ReconnectPolicy {
  readonly giveUpAfterMs: number;
  readonly giveUpWithoutMediaMs: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = options.maxMs ?? 3_000;
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
    this.giveUpAfterMs = options.giveUpAfterMs ?? RECONNECT_TIMEOUT_MS;
    this.giveUpWithoutMediaMs = options.giveUpWithoutMediaMs ?? RECONNECT_WITHOUT_MEDIA_MS;
    this.random = options.random ?? Math.random;
  }

  nextDelay(attempt: number, elapsedMs: number): number | null {
    if (elapsedMs >= this.giveUpAfterMs) return null;
    const base = Math.min(this.initialMs * this.factor ** Math.max(0, attempt), this.maxMs);
    const jittered = base * (1 - this.jitter + 2 * this.jitter * this.random());
    return Math.round(Math.max(0, Math.min(jittered, this.giveUpAfterMs - elapsedMs)));
  }
}

/** The video bitrate each mesh link may send, by the number of people in the call. */
export interface BitratePolicy {
  videoBitrate(participants: number): number;
}

/** Everyone sends to everyone in a mesh: the more people, the less per link. */
export const meshBitratePolicy: BitratePolicy = {
  videoBitrate(participants: number): number {
    if (participants <= 2) return 1_500_000;
    if (participants === 3) return 900_000;
    if (participants === 4) return 650_000;
    return 450_000;
  },
};
