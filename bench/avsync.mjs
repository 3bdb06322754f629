#!/usr/bin/env node
// bench:avsync — audio/video sync (lip sync). The sender's stream is a canvas and a WebAudio tone
// made in the page: a white flash and a 1 kHz beep start in the same task every 700 ms. It goes
// through <rtc-call> (A's `localStream`, received by B) or a raw RTCPeerConnection pair, direct
// and through coturn (relay only). The receiver times each flash (requestVideoFrameCallback's
// expectedDisplayTime of the first bright frame) and each beep (an AnalyserNode read every 2 ms):
// skew = audio onset − video onset, positive when the sound is late. A `local` arm runs the same
// detectors on the sender's own stream (no network): what the source and the measurement add.
// Target (issue 23): within the ITU-R BT.1359 detectability window (sound at most 45 ms early and
// 125 ms late) and no worse than raw by more than 10 ms.
import { randomBytes } from 'node:crypto';
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, openWindow, paired, quantile, sandbox, startCoturn, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 6));
const SECONDS = Number(arg('seconds', 8));
const WARMUP = 1;
const EARLY_MS = 45;
const LATE_MS = 125;
const WORSE_THAN_RAW_MS = 10;

const secret = randomBytes(16).toString('hex');
const coturn = await startCoturn(secret);
const rtc = await startRtcServer();
const rtcRelay = await startRtcServer({ turnUrls: [coturn.url], turnSecret: secret, iceTransportPolicy: 'relay' });
const browser = await launchChromium();
const relayIce = () => [{ urls: coturn.url, ...coturn.credentials('bench') }];
let room = 0;
const ms = SECONDS * 1000;
const arms = [
  { name: 'rtc-call', origin: rtc.url, page: 'rtc.html', fn: 'syncRtcCall', args: () => ({ server: rtc.url, room: `sync-${room++}`, ms }) },
  { name: 'raw', origin: rtc.url, page: 'raw.html', fn: 'syncRaw', args: () => ({ ms }) },
  { name: 'rtc-call relay', origin: rtcRelay.url, page: 'rtc.html', fn: 'syncRtcCall', args: () => ({ server: rtcRelay.url, room: `sync-${room++}`, ms }) },
  { name: 'raw relay', origin: rtc.url, page: 'raw.html', fn: 'syncRaw', args: () => ({ ms, iceServers: relayIce(), iceTransportPolicy: 'relay' }) },
  { name: 'local', origin: rtc.url, page: 'raw.html', fn: 'syncLocal', args: () => ({ ms }) },
];

let runs;
try {
  runs = await interleave({
    arms,
    trials: TRIALS,
    warmup: WARMUP,
    run: async (arm) => {
      const page = await openWindow(browser, `${arm.origin}/bench/${arm.page}`);
      try {
        const r = await page.evaluate((fn, args) => window.bench[fn](args), arm.fn, arm.args());
        if (r.skews.length < 3) throw new Error(`${arm.name}: only ${r.skews.length} flash/beep pairs (${r.flashes} flashes, ${r.beeps} beeps)`);
        return { ...r, median: quantile(r.skews, 0.5), p90: quantile(r.skews.map(Math.abs), 0.9) };
      } finally {
        await page.close();
      }
    },
    failed: { skews: [], median: NaN, p90: NaN },
    describe: (arm, r) => `${arm.name} ${r.median.toFixed(1)} (p90 |skew| ${r.p90.toFixed(1)}, ${r.skews.length} pairs)`,
    unit: ' ms',
  });
} finally {
  await browser.close().catch(() => {});
  await Promise.all([rtc.close(), rtcRelay.close()]);
  coturn.stop();
}

const { results: res, failures } = runs;
const col = (name, k) => res[name].map((r) => r?.[k] ?? NaN);
const all = (name) => res[name].flatMap((r) => r?.skews ?? []);
const rows = [['arm', 'skew median, ms (per trial)', 'p90 |skew|, ms (per trial)', 'all pairs: median / p10 / p90', 'pairs']];
for (const name of arms.map((a) => a.name)) {
  const s = all(name);
  rows.push([name, fmtS(summary(col(name, 'median'))), fmtS(summary(col(name, 'p90'))), `${quantile(s, 0.5).toFixed(1)} / ${quantile(s, 0.1).toFixed(1)} / ${quantile(s, 0.9).toFixed(1)}`, String(s.length)]);
}
const vsRaw = paired(col('rtc-call', 'median'), col('raw', 'median')).diff;
const vsRawRelay = paired(col('rtc-call relay', 'median'), col('raw relay', 'median')).diff;
rows.push(['rtc-call − raw (paired)', fmtS(vsRaw), '', '', '']);
rows.push(['rtc-call relay − raw relay (paired)', fmtS(vsRawRelay), '', '', '']);
console.log('');
table(rows, `Audio/video skew, audio − video (${TRIALS} interleaved trials × ${SECONDS} s, a flash and a beep every 700 ms; positive = sound late)`);
const inWindow = (name) => { const s = all(name); const lo = quantile(s, 0.1); const hi = quantile(s, 0.9); return lo >= -EARLY_MS && hi <= LATE_MS; };
const checks = {
  directInWindow: inWindow('rtc-call'),
  relayInWindow: inWindow('rtc-call relay'),
  directVsRaw: Math.abs(vsRaw.median) <= WORSE_THAN_RAW_MS || vsRaw.median < 0,
  relayVsRaw: Math.abs(vsRawRelay.median) <= WORSE_THAN_RAW_MS || vsRawRelay.median < 0,
};
console.log(`\ntarget: p10–p90 of the skew inside −${EARLY_MS}…+${LATE_MS} ms — direct ${checks.directInWindow ? 'met' : 'missed'}, relay ${checks.relayInWindow ? 'met' : 'missed'};`
  + ` no worse than raw by more than ${WORSE_THAN_RAW_MS} ms — direct ${vsRaw.median.toFixed(1)} ms (${checks.directVsRaw ? 'met' : 'missed'}), relay ${vsRawRelay.median.toFixed(1)} ms (${checks.relayVsRaw ? 'met' : 'missed'})`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('avsync', {
  command: 'npm run bench:avsync',
  trials: TRIALS,
  secondsPerTrial: SECONDS,
  perTrial: res,
  diffVsRawMs: { direct: vsRaw, relay: vsRawRelay },
  target: { earlyMs: EARLY_MS, lateMs: LATE_MS, worseThanRawMs: WORSE_THAN_RAW_MS, ...checks },
  failures,
  table: rows,
  markdown: markdown(rows),
});
process.exit(failures.length ? 1 : 0);
