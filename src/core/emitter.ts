/**
 * A small typed event emitter: `on(name, fn)` returns the function that unsubscribes. The
 * session and the transports speak through it (LiveKit's Room/engine split is the model).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventMap = { [name: string]: (...args: any[]) => void };

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof E>(name: K, fn: E[K]): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn);
    return () => this.off(name, fn);
  }

  off<K extends keyof E>(name: K, fn: E[K]): void {
    this.listeners.get(name)?.delete(fn);
  }

  /** Drops every listener (on teardown). */
  removeAllListeners(): void {
    this.listeners.clear();
  }

  protected emit<K extends keyof E>(name: K, ...args: Parameters<E[K]>): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) (fn as (...a: Parameters<E[K]>) => void)(...args);
  }
}
