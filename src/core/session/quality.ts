/**
 * Connection quality from getStats readings (transport/stats.ts), per remote participant (what we
 * receive from them) and for our own uplink (what the others report of what we send).
 *
 * Thresholds, from the products people compare us with:
 * - packet loss: up to 2.5 % is excellent, up to 7.5 % good, more is poor (LiveKit's ladder for
 *   Opus, which also matches where video starts to visibly break up);
 * - round trip: under 150 ms excellent, under 300 ms good (Daily's "good" bound), more is poor;
 * - the sender's encoder limited by bandwidth: at most good, poor under 150 kbit/s of estimated
 *   bandwidth (too little for any video beside audio); limited by CPU: at most good;
 * - video freezes (two or more in the window): at most good;
 * - nothing at all received for 5 s: lost (`no-media`).
 * Loss is measured over the last 3 s. Hysteresis: a worse level takes 2 readings in a row
 * (about 2 s), a better one 4 (about 4 s); `lost` applies at once.
 */
import type { LinkSample } from '../transport/stats.js';

export type QualityLevel = 'excellent' | 'good' | 'poor' | 'lost';
export type QualityReason = 'packet-loss' | 'high-latency' | 'low-bandwidth' | 'cpu' | 'no-media';

/** A participant's connection quality: the level, and what holds it back (null when nothing does). */
export interface NetworkQuality {
  readonly level: QualityLevel;
  readonly reason: QualityReason | null;
}

export const LOSS_GOOD = 0.025;
export const LOSS_POOR = 0.075;
export const RTT_GOOD_S = 0.15;
export const RTT_POOR_S = 0.3;
export const LOW_BANDWIDTH_BPS = 150_000;
export const NO_MEDIA_MS = 5_000;
const LOSS_WINDOW_MS = 3_000;
const WORSE_AFTER = 2;
const BETTER_AFTER = 4;

const RANK: Record<QualityLevel, number> = { excellent: 0, good: 1, poor: 2, lost: 3 };

function worst(a: NetworkQuality, b: NetworkQuality): NetworkQuality {
  return RANK[b.level] > RANK[a.level] ? b : a;
}

function byLoss(loss: number): NetworkQuality {
  return loss > LOSS_POOR ? { level: 'poor', reason: 'packet-loss' } : loss > LOSS_GOOD ? { level: 'good', reason: 'packet-loss' } : { level: 'excellent', reason: null };
}

function byRtt(rtt: number | null): NetworkQuality {
  if (rtt === null) return { level: 'excellent', reason: null };
  return rtt >= RTT_POOR_S ? { level: 'poor', reason: 'high-latency' } : rtt >= RTT_GOOD_S ? { level: 'good', reason: 'high-latency' } : { level: 'excellent', reason: null };
}

/** What the readings say now, without hysteresis (exported for unit tests). */
export function assessInbound(window: readonly LinkSample[]): NetworkQuality {
  const last = window.at(-1);
  if (!last) return { level: 'excellent', reason: null };
  const quiet = silentFor(window);
  if (quiet >= NO_MEDIA_MS) return { level: 'lost', reason: 'no-media' };
  const first = window.find((s) => last.at - s.at <= LOSS_WINDOW_MS) ?? last;
  const received = last.packetsReceived - first.packetsReceived;
  const lost = last.packetsLost - first.packetsLost;
  let q = received + lost > 20 ? byLoss(lost / (received + lost)) : ({ level: 'excellent', reason: null } as NetworkQuality);
  q = worst(q, byRtt(last.roundTripTime));
  if (last.freezeCount - first.freezeCount >= 2) q = worst(q, { level: 'good', reason: 'packet-loss' });
  return q;
}

/** Our uplink as one link's receiver reports it. */
export function assessOutbound(last: LinkSample | undefined): NetworkQuality {
  if (!last) return { level: 'excellent', reason: null };
  let q = byLoss(last.outboundFractionLost ?? 0);
  q = worst(q, byRtt(last.roundTripTime));
  if (last.qualityLimitationReason === 'bandwidth') {
    const starved = last.availableOutgoingBitrate !== null && last.availableOutgoingBitrate < LOW_BANDWIDTH_BPS;
    q = worst(q, { level: starved ? 'poor' : 'good', reason: 'low-bandwidth' });
  } else if (last.qualityLimitationReason === 'cpu') q = worst(q, { level: 'good', reason: 'cpu' });
  return q;
}

/** How long nothing at all has arrived (ms), judged by the connection's received bytes. */
function silentFor(window: readonly LinkSample[]): number {
  const last = window.at(-1)!;
  for (let i = window.length - 2; i >= 0; i--) {
    // A different (or restarted) candidate pair counts from zero again: that is arrival too.
    if (window[i]!.transportBytesReceived !== last.transportBytesReceived) return last.at - window[i + 1]!.at;
  }
  return last.at - window[0]!.at;
}

/** One participant's (or our uplink's) level with hysteresis; `update` returns true when it changed. */
export class QualityState {
  current: NetworkQuality | null = null;
  /** The other level the last readings agree on, and how many in a row. */
  private candidate: QualityLevel | null = null;
  private count = 0;

  update(next: NetworkQuality): boolean {
    if (!this.current || next.level === 'lost') return this.set(next);
    if (next.level === this.current.level) {
      this.candidate = null;
      return next.reason !== this.current.reason ? this.set(next) : false;
    }
    if (this.candidate !== next.level) {
      this.candidate = next.level;
      this.count = 0;
    }
    this.count++;
    const needed = RANK[next.level] > RANK[this.current.level] ? WORSE_AFTER : BETTER_AFTER;
    // Coming back from lost needs no wait: media arrives again.
    if (this.current.level === 'lost' || this.count >= needed) return this.set(next);
    return false;
  }

  private set(q: NetworkQuality): boolean {
    this.candidate = null;
    this.count = 0;
    const changed = !this.current || this.current.level !== q.level || this.current.reason !== q.reason;
    this.current = q;
    return changed;
  }
}

/** Readings kept per participant: enough for the no-media limit. */
export const SAMPLE_HISTORY = 8;

/** The worst of several (our uplink over every link). */
export function worstOf(list: readonly NetworkQuality[]): NetworkQuality {
  return list.reduce((a, b) => worst(a, b), { level: 'excellent', reason: null } as NetworkQuality);
}
