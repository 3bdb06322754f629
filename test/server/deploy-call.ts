// A real call through a documented proxy (deploy-helpers.ts): two Chromium windows (Debian's
// chromium through puppeteer-core, fake camera and microphone) open a page over https through the
// proxy, whose <rtc-call> comes from https://<proxy>/rtc-call.js, join one room with tokens from
// the test, and each sees the other's video frames on its remote tile. The self-signed
// certificate is trusted by its public key only (--ignore-certificate-errors-spki-list).
import type { Browser, Page } from 'puppeteer-core';
import { chromeArgs, findChrome, NO_CHROME_MESSAGE } from '../../scripts/chrome.mjs';
import { signRoomToken } from '../../server/index.js';
import { existsSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { repoRoot, type Proxy, type SelfSigned } from './deploy-helpers.js';

/** What the server needs to serve the call page and the bundle (pass to start()). */
export const callPageOptions = {
  bundleFile: joinPath(repoRoot, 'dist', 'cdn', 'rtc-call.js'),
  staticDirs: { '/deploy-page': joinPath(repoRoot, 'test', 'pages', 'deploy') },
};

/** Why the call test skips here, or undefined. */
export function missingBrowser(): string | undefined {
  return findChrome() ? undefined : NO_CHROME_MESSAGE;
}

export interface CallSeen {
  /** Every participant's names as each window saw them. */
  names: string[][];
  /** Per window: the remote tile's video size and how far its currentTime moved while frames were counted. */
  remote: Array<{ width: number; height: number; frames: number; advancedS: number }>;
  /** Every resource each page loaded (scripts, chunks, API): all on the proxy's origin. */
  resources: string[][];
  errors: string[];
}

/** Two participants in `room` through `proxy`; resolves once both see the other's video frames, or throws. */
export async function callThrough(proxy: Proxy, tls: SelfSigned, roomSecret: string, room: string, timeoutMs = 45_000): Promise<CallSeen> {
  if (!existsSync(callPageOptions.bundleFile)) throw new Error(`${callPageOptions.bundleFile} is missing: run \`npm run build\` first (npm test does)`);
  const executablePath = findChrome();
  if (!executablePath) throw new Error(NO_CHROME_MESSAGE);
  const { default: puppeteer } = await import('puppeteer-core');
  const browser: Browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...chromeArgs({ cameras: 1 }), `--ignore-certificate-errors-spki-list=${tls.spki}`],
    protocolTimeout: 60_000,
  });
  const errors: string[] = [];
  try {
    const people = ['Ann', 'Ben'];
    const pages: Page[] = [];
    for (const name of people) {
      // A window each, never a tab: hidden tabs never fire requestVideoFrameCallback.
      const page = await browser.newPage({ type: 'window' });
      page.on('pageerror', (e) => errors.push(`${name}: ${(e as Error).message ?? e}`));
      // Failed loads by URL (the console only says "Failed to load resource"); other console errors as they are.
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${name}: ${r.status()} ${r.request().method()} ${r.url()}`); });
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`${name} console: ${m.text()}`); });
      const res = await page.goto(`${proxy.origin}/deploy-page/`, { waitUntil: 'load' });
      // (200, or 304 for the second window from the browser's cache)
      if (!res || res.status() >= 300 && res.status() !== 304) throw new Error(`the page through the proxy answered ${res?.status()}`);
      const token = await signRoomToken({ secret: roomSecret, room, name, sub: name.toLowerCase() });
      const state = await page.evaluate((r: string, n: string, t: string, ms: number) => (window as any).deployTest.join(r, n, t, ms), room, name, token, timeoutMs);
      if (state !== 'connected') throw new Error(`${name} joined in state ${state}`);
      pages.push(page);
    }
    const remote = await Promise.all(pages.map((p) => p.evaluate((ms: number) => (window as any).deployTest.remoteFrames(ms), timeoutMs)));
    const names = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).deployTest.names() as string[])));
    const resources = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).deployTest.resources() as string[])));
    return { names, remote, resources, errors };
  } finally {
    await browser.close().catch(() => {});
  }
}
