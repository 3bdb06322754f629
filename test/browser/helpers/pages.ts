/** Windows of the extra browsers the test plugin drives (page-* commands), for pages on other origins. */
import { command } from './server.js';
import { until } from './media.js';

export interface PageLog {
  console: { type: string; text: string }[];
  errors: string[];
  /** Responses ≥ 400 and failed requests, `status url`. */
  failed: string[];
}

export interface CallStatus {
  defined: boolean;
  state?: string;
  participants?: number;
  frames?: number;
}

export const evalIn = async <T>(id: string, expression: string) => (await command<{ value: T }>('page-eval', { id, expression })).value;
/** Opens `url` in a window of the plugin's extra Chromium (or Firefox). */
export const openPage = async (url: string, browser: 'chromium' | 'firefox' = 'chromium', viewport?: { width: number; height: number }) =>
  (await command<{ id: string }>('page-open', { url, browser, viewport })).id;
export const logOf = (id: string) => command<PageLog>('page-log', { id });
export const closePage = (id: string) => command('page-close', { id });

/** The call's state, participant count and how many frames a remote tile's video advanced (0 without one; 3 is enough). */
export const CALL_STATUS = (selector = 'rtc-call') => `(async () => {
  const call = document.querySelector(${JSON.stringify(selector)});
  if (!call || !customElements.get('rtc-call')) return { defined: false };
  const tiles = [...(call.shadowRoot?.querySelectorAll('rtc-video-tile[part~="tile"]') ?? [])].filter((t) => !t.local);
  const video = tiles[0]?.shadowRoot?.querySelector('video');
  let frames = 0;
  if (video && video.srcObject) {
    frames = await new Promise((resolve) => {
      let first;
      const done = setTimeout(() => resolve(0), 3000);
      const step = (_now, meta) => {
        first ??= meta.presentedFrames;
        if (meta.presentedFrames - first >= 3) { clearTimeout(done); resolve(meta.presentedFrames - first); }
        else video.requestVideoFrameCallback(step);
      };
      video.requestVideoFrameCallback(step);
    });
  }
  return { defined: true, state: call.state, participants: call.participants.length, frames };
})()`;

/** Waits until the call in every window is connected with `count` participants and (unless audio only) remote video. */
export async function inCall(ids: string[], count: number, { video = true, selector = 'rtc-call' } = {}): Promise<void> {
  const statuses: CallStatus[] = [];
  await until(
    async () => {
      statuses.length = 0;
      for (const id of ids) statuses.push(await evalIn<CallStatus>(id, CALL_STATUS(selector)));
      return statuses.every((s) => s.state === 'connected' && s.participants === count && (!video || (s.frames ?? 0) >= 3));
    },
    `${ids.length} windows in one call (last seen: ${JSON.stringify(statuses)})`,
    30_000,
  );
}
