/** Runs `run` when the page is next idle, and at most `maxMs` from now (a timer where there is no requestIdleCallback). */
export function whenIdle(run: () => void, maxMs: number): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: maxMs });
  else setTimeout(run, Math.min(200, maxMs));
}
