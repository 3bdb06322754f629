/**
 * Registers a custom element without ever throwing: a no-op when the same constructor is already
 * registered under `tag`, one console warning when a different one is (two copies of the script on
 * one CMS page must not break the page).
 */
export function defineElement(tag: string, ctor: CustomElementConstructor): void {
  const registry = globalThis.customElements;
  if (!registry) return;
  const existing = registry.get(tag);
  if (existing === ctor) return;
  if (existing) {
    // One warning per page for all elements, shared by every copy of the script.
    warnOnce(
      'define',
      `<${tag}> and its siblings are already defined by another copy of rtc-call; this copy is ignored. ` +
        'Load the rtc-call script once per page.',
    );
    return;
  }
  registry.define(tag, ctor);
}

// Shared across copies of the library on one page (module instances differ, globalThis does not).
const WARNED = Symbol.for('rtc-call.warned');
const warned: Set<string> = ((globalThis as unknown as Record<symbol, Set<string>>)[WARNED] ??= new Set());

/** Logs a console warning once per key for the lifetime of the page. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`rtc-call: ${message}`);
}
