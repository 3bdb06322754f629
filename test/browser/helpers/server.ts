/** Typed access to the commands of test/plugins/rtc-test-server.mjs. */
import { executeServerCommand } from '@web/test-runner-commands';

export function command<R>(name: string, payload?: unknown): Promise<R> {
  return executeServerCommand<R, unknown>(name, payload);
}

/** The default rtc-call server for this test run (or a named one started with `options`). */
export async function rtcServer(name = 'default', options?: Record<string, unknown>): Promise<string> {
  const { url } = await command<{ url: string }>('rtc-server', { name, options });
  return url;
}
