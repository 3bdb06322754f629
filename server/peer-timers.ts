import { createHook, executionAsyncId, type AsyncHook } from 'node:async_hooks';

/**
 * PeerServer (peer 1.0.2) starts two self-rescheduling `setTimeout` loops when it is mounted
 * (heartbeat check every 300 ms, queued-message expiry every `cleanup_out_msgs`) and offers no
 * way to stop them, so a closed server would keep the process alive forever.
 *
 * A `TimerCapture` records the Timeouts created synchronously inside `capture(fn)` and, through
 * an async hook, every Timeout created while one of those is firing (the next link of each loop),
 * so `clearAll()` can end the loops. Only `Timeout` resources are tracked.
 */
export class TimerCapture {
  /** @internal */ readonly tracked = new Map<number, NodeJS.Timeout>();
  /** @internal */ capturing = false;

  capture<T>(fn: () => T): T {
    captures.add(this);
    ensureHook();
    this.capturing = true;
    try {
      return fn();
    } finally {
      this.capturing = false;
    }
  }

  /** Clear every live captured timer and stop tracking. */
  clearAll(): void {
    for (const t of this.tracked.values()) clearTimeout(t);
    this.tracked.clear();
    captures.delete(this);
    if (captures.size === 0 && hook) {
      hook.disable();
      hook = undefined;
    }
  }
}

const captures = new Set<TimerCapture>();
let hook: AsyncHook | undefined;

function ensureHook(): void {
  if (hook) return;
  hook = createHook({
    init(asyncId, type, _triggerAsyncId, resource) {
      if (type !== 'Timeout') return;
      const current = executionAsyncId();
      for (const c of captures) {
        if (c.capturing || c.tracked.has(current)) {
          c.tracked.set(asyncId, resource as NodeJS.Timeout);
          return;
        }
      }
    },
    destroy(asyncId) {
      for (const c of captures) c.tracked.delete(asyncId);
    },
  });
  hook.enable();
}
