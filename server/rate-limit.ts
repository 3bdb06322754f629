/** Fixed-window counter per key (client IP): at most `limit` hits per `windowMs`. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly limit: number, private readonly windowMs = 60_000) {
    if (limit > 0) {
      this.sweeper = setInterval(() => this.sweep(), windowMs);
      this.sweeper.unref();
    }
  }

  /** Count one hit; returns seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    if (this.limit <= 0) return 0;
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.limit) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  /** Takes back one hit of `key`'s current window (a join its pre-warm already paid for). */
  refund(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (w && now - w.start < this.windowMs && w.count > 0) w.count--;
  }

  private sweep(now = Date.now()): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.windows.clear();
  }
}
