#!/usr/bin/env node
// bench:glass — glass-to-glass latency. A canvas paints a 12-bit frame counter (with its
// complement, as 24 black/white blocks) 30 times a second; its captureStream() is sent through
// <rtc-call> (as A's `localStream`, received by B's remote tile) or through a raw RTCPeerConnection
// pair. The receiver reads the counter back from the pixels of every presented frame
// (requestVideoFrameCallback → drawImage → getImageData): latency = presented − painted.
// Interleaved trials in fresh windows, `--seconds` of frames each.
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, openWindow, paired, sandbox, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 10));
const SECONDS = Number(arg('seconds', 3));
const WARMUP = 1;
const TARGET_MS = 3;

const rtc = await startRtcServer();
const browser = await launchChromium();
let room = 0;
const arms = [
  { name: 'rtc-call', page: 'rtc.html', fn: 'glassRtcCall', args: () => ({ server: rtc.url, room: `glass-${room++}`, ms: SECONDS * 1000 }) },
  { name: 'raw', page: 'raw.html', fn: 'glassRaw', args: () => ({ ms: SECONDS * 1000 }) },
];

let runs;
try {
  runs = await interleave({
    arms,
    trials: TRIALS,
    warmup: WARMUP,
    run: async (arm) => {
      const page = await openWindow(browser, `${rtc.url}/bench/${arm.page}`);
      try {
        return await page.evaluate((fn, args) => window.bench[fn](args), arm.fn, arm.args());
      } finally {
        await page.close();
      }
    },
    failed: { median: NaN, p90: NaN, frames: 0, unreadable: 0 },
    describe: (arm, r) => `${arm.name} ${r.median.toFixed(1)} / p90 ${r.p90.toFixed(1)} (${r.frames} frames)`,
  });
} finally {
  await browser.close().catch(() => {});
  await rtc.close();
}

const { results: res, failures } = runs;
const col = (name, k) => res[name].map((r) => r?.[k] ?? NaN);
const dMed = paired(col('rtc-call', 'median'), col('raw', 'median')).diff;
const dP90 = paired(col('rtc-call', 'p90'), col('raw', 'p90')).diff;
const rows = [['arm', 'median ms', 'p90 ms', 'frames / trial', 'unreadable']];
for (const name of ['rtc-call', 'raw']) {
  rows.push([name, fmtS(summary(col(name, 'median'))), fmtS(summary(col(name, 'p90'))), fmtS(summary(col(name, 'frames')), 0), String(col(name, 'unreadable').reduce((a, b) => a + (b || 0), 0))]);
}
rows.push(['rtc-call − raw (paired)', fmtS(dMed), fmtS(dP90), '', '']);
console.log('');
table(rows, `Glass-to-glass latency (${TRIALS} interleaved trials × ${SECONDS} s; per-trial median and p90, then median [min–max] over trials)`);
const met = Math.abs(dMed.median) <= TARGET_MS;
console.log(`\ntarget: median within ${TARGET_MS} ms of raw — ${dMed.median.toFixed(1)} ms (${met ? 'met' : 'missed'})`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('glass', {
  command: 'npm run bench:glass',
  trials: TRIALS,
  secondsPerTrial: SECONDS,
  perTrial: res,
  diffMedianMs: dMed,
  diffP90Ms: dP90,
  target: { maxAbsDiffMs: TARGET_MS, met },
  failures,
  table: rows,
  markdown: markdown(rows),
});

process.exit(failures.length ? 1 : 0);
