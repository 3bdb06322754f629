/**
 * Webhooks: every room notice (member joined / left, knock, room ended) POSTed to the site's
 * backend as signed JSON, one at a time and in order, with a few retries. Nothing here can hold
 * up a join or a host action: `send()` only queues, and the server's `close()` waits at most
 * `closeGraceMs` for what is on its way.
 *
 * Body: `{ id, event, room, at, data }` (`at` ISO 8601, when it happened). Headers:
 * `X-Rtc-Event`, `X-Rtc-Delivery` (the id, the same on every attempt), `X-Rtc-Signature:
 * sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with RTC_WEBHOOK_SECRET>`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { serverVersion } from './config.js';
import type { WebhookCounters } from './http/metrics.js';
import type { RoomNotice } from './rooms/control.js';

/** What the receiver gets as the body. */
export interface WebhookPayload {
  /** Unique per event (a UUID): the same on a retry, so a receiver can drop repeats. */
  id: string;
  event: RoomNotice['event'];
  room: string;
  /** When it happened on the server, ISO 8601. */
  at: string;
  data: RoomNotice['data'];
}

export interface WebhookOptions {
  url: string;
  secret: string;
  log: (line: string) => void;
  counters?: WebhookCounters;
  /** Waits before the 2nd, 3rd, … attempt (1000, 5000 ms): attempts in all = length + 1. */
  retryDelaysMs?: number[];
  /** Each attempt is aborted after this long (5000 ms). */
  timeoutMs?: number;
  /** Events waiting to be sent (1000); beyond it the oldest is dropped. */
  maxQueue?: number;
  /** How long `close()` lets the queue drain before it aborts (2000 ms). */
  closeGraceMs?: number;
}

interface Delivery {
  id: string;
  event: string;
  room: string;
  /** The JSON text; fetch sends it as UTF-8, the bytes the signature covers. */
  body: string;
  signature: string;
}

type Attempt = { ok: true } | { ok: false; retry: boolean; status: string };

/** The HMAC a receiver recomputes over the raw body it got: `sha256=<hex>`. */
export function webhookSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSender {
  private readonly queue: Delivery[] = [];
  private readonly retryDelaysMs: number[];
  private readonly timeoutMs: number;
  private readonly maxQueue: number;
  private readonly closeGraceMs: number;
  private readonly userAgent = `rtc-call-server/${serverVersion()}`;
  /** Aborts the attempt in flight and any retry wait (on close, after the grace). */
  private readonly abort = new AbortController();
  private pumping: Promise<void> | null = null;
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Cuts a retry wait short (close). */
  private wake: (() => void) | null = null;
  private overflowed = 0;
  private lastOverflowLog = 0;

  constructor(private readonly opts: WebhookOptions) {
    this.retryDelaysMs = opts.retryDelaysMs ?? [1000, 5000];
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.maxQueue = opts.maxQueue ?? 1000;
    this.closeGraceMs = opts.closeGraceMs ?? 2000;
  }

  /** Events queued and not yet sent (the one in flight excluded). */
  get pending(): number {
    return this.queue.length;
  }

  /** Queue one notice; never throws, never waits. */
  send(notice: RoomNotice): void {
    if (this.closing) {
      this.opts.counters?.webhook('dropped');
      return;
    }
    const payload: WebhookPayload = { id: randomUUID(), event: notice.event, room: notice.room, at: new Date().toISOString(), data: notice.data };
    // Signed once over the bytes that go out, on every attempt.
    const body = JSON.stringify(payload);
    this.queue.push({ id: payload.id, event: notice.event, room: notice.room, body, signature: webhookSignature(this.opts.secret, body) });
    if (this.queue.length > this.maxQueue) this.dropOldest();
    this.pumping ??= this.pump();
  }

  /**
   * Stop taking events; give the queue up to `closeGraceMs` to drain (no more retry waits), then
   * abort what is in flight and drop the rest with one log line.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.wake?.();
    this.closed = (async () => {
      if (this.pumping) {
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.closeGraceMs); });
        await Promise.race([this.pumping, grace]);
        clearTimeout(timer);
        this.abort.abort();
        const left = this.queue.length;
        this.queue.length = 0;
        await this.pumping;
        if (left) {
          for (let i = 0; i < left; i++) this.opts.counters?.webhook('dropped');
          this.opts.log(`rtc-call: webhook: closing, ${left} undelivered event(s) dropped`);
        }
      }
    })();
    return this.closed;
  }

  private dropOldest(): void {
    const dropped = this.queue.shift()!;
    this.opts.counters?.webhook('dropped');
    this.overflowed++;
    // One line per 10 s at most: a receiver that is down for long would otherwise flood the log.
    const now = Date.now();
    if (now - this.lastOverflowLog >= 10_000) {
      this.opts.log(`rtc-call: webhook queue full (${this.maxQueue}): dropped the oldest event=${dropped.event} room=${dropped.room} (${this.overflowed} dropped so far)`);
      this.lastOverflowLog = now;
    }
  }

  private async pump(): Promise<void> {
    try {
      for (let d = this.queue.shift(); d && !this.abort.signal.aborted; d = this.queue.shift()) await this.deliver(d);
    } finally {
      this.pumping = null;
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    const attempts = this.retryDelaysMs.length + 1;
    for (let n = 1; ; n++) {
      const outcome = await this.attempt(d);
      if (outcome.ok) {
        this.opts.counters?.webhook('delivered');
        return;
      }
      if (outcome.retry && n < attempts && !this.closing) await this.pause(this.retryDelaysMs[n - 1]!);
      // Closing: no more retries (the grace is for what is on its way, not for waits).
      if (!outcome.retry || n >= attempts || this.closing) {
        this.opts.counters?.webhook('failed');
        this.opts.log(`rtc-call: webhook failed event=${d.event} room=${d.room} status=${outcome.status} attempts=${n}${this.closing && outcome.retry && n < attempts ? ' (closing)' : ''}`);
        return;
      }
    }
  }

  private async attempt(d: Delivery): Promise<Attempt> {
    if (this.abort.signal.aborted) return { ok: false, retry: false, status: 'aborted' };
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(), this.timeoutMs);
    timer.unref();
    const cut = () => attempt.abort();
    this.abort.signal.addEventListener('abort', cut, { once: true });
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': this.userAgent,
          'X-Rtc-Event': d.event,
          'X-Rtc-Delivery': d.id,
          'X-Rtc-Signature': d.signature,
        },
        body: d.body,
        // A redirect is the receiver's misconfiguration: following it would re-send (or drop) the body elsewhere.
        redirect: 'manual',
        signal: attempt.signal,
      });
      // The answer's body is not read (a receiver could send anything): free the connection.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, retry: res.status === 429 || res.status >= 500, status: String(res.status) };
    } catch {
      const status = this.abort.signal.aborted ? 'aborted' : attempt.signal.aborted ? 'timeout' : 'network-error';
      return { ok: false, retry: status !== 'aborted', status };
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', cut);
    }
  }

  /** Wait before a retry; cut short by close(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }
}
