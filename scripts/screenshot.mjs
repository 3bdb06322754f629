#!/usr/bin/env node
// docs/screenshot.png: the call UI as a person sees it — a 1:1 call between two <rtc-call>
// elements (the one-tag bundle, Chromium's fake cameras) on the real server, in a loopback-only
// network namespace like the benchmarks. `npm run build && npm run screenshot`; the README shows it.
import { join } from 'node:path';
import { ensureBuild, launchChromium, openWindow, root, sandbox, sleep, startRtcServer } from '../bench/lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const out = join(root, 'docs', 'screenshot.png');
const rtc = await startRtcServer();
const browser = await launchChromium();
try {
  const page = await openWindow(browser, `${rtc.url}/bench/rtc.html`);
  await page.setViewport({ width: 960, height: 640, deviceScaleFactor: 1 });
  await page.evaluate(async (server) => {
    document.body.style.cssText = 'margin: 0; padding: 16px; background: #f1f3f4';
    const { bench } = window;
    const room = 'screenshot';
    const ann = bench.makeCall({ server, room, name: 'Dr. Rivera' });
    ann.style.cssText = 'display: block; width: 928px; height: 580px';
    await ann.join();
    // The other participant is in the page too, out of the picture.
    const pat = bench.makeCall({ server, room, name: 'Pat' });
    pat.style.cssText = 'position: fixed; left: -2000px; width: 320px; height: 240px';
    await pat.join();
    await bench.linked(ann);
  }, rtc.url);
  // Frames on the remote tile, and the notices of a fresh join faded.
  await page.waitForFunction(() => {
    const call = document.querySelector('rtc-call');
    return window.bench.remoteTileVideos(call).some((v) => v.readyState >= 2 && v.videoWidth > 0);
  }, { timeout: 20_000 });
  await sleep(1500);
  const el = await page.$('rtc-call');
  await el.screenshot({ path: out });
  console.log(`→ ${out}`);
} finally {
  await browser.close().catch(() => {});
  await rtc.close();
}
process.exit(0);
