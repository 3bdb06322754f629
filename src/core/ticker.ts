/**
 * One page-wide timer for the periodic work of a call: audio levels (the tiles' speaking rings and
 * the active speaker, core/media/audio.ts), connection quality (session/quality.ts). Jobs run in
 * the order they were added, every `everyMs` rounded to whole ticks; the timer runs only while a
 * job is registered. One wake-up per tick instead of one per meter keeps the main thread idle
 * between ticks (issue 23: bench:mainthread).
 */

/** The tick: 10 Hz. */
export const TICK_MS = 100;

interface Job {
  fn: () => void;
  every: number;
  left: number;
}

const jobs = new Set<Job>();
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  for (const job of [...jobs]) {
    if (!jobs.has(job) || --job.left > 0) continue;
    job.left = job.every;
    try {
      job.fn();
    } catch (err) {
      // One job's bug must not stop the others: report it the way a timer callback would.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/** Runs `fn` every `everyMs` (at least one tick) on the shared timer; returns the function that stops it. */
export function onTick(fn: () => void, everyMs = TICK_MS): () => void {
  const every = Math.max(1, Math.round(everyMs / TICK_MS));
  const job: Job = { fn, every, left: every };
  jobs.add(job);
  timer ??= setInterval(tick, TICK_MS);
  return () => {
    if (!jobs.delete(job) || jobs.size) return;
    clearInterval(timer);
    timer = undefined;
  };
}

/** How many jobs are on the shared timer (for tests and diagnostics). */
export function tickJobs(): number {
  return jobs.size;
}
