#!/usr/bin/env node
// bench:mainthread — main-thread cost of a call. An `--n`-person call in ONE page (n cameras;
// default 2, the two-party call issue 23's target is about; `--n 3` is the earlier 3-person arm):
//   rtc-call  n <rtc-call> elements in one room (n local tiles, n(n−1) remote tiles)
//   raw       a RTCPeerConnection pair per two cameras, signalled in the page, n local + n(n−1) remote <video>s
// `--profile` also records a CPU profile of each rtc-call window and prints the functions with the
// most self time over all trials (where the extra time goes).
// Once every remote video shows frames and 1 s has passed, a `--seconds` window is measured:
// busy time = Δ TaskDuration / Δ wall time of the page's main thread (CDP Performance.getMetrics),
// and long tasks (PerformanceObserver 'longtask'). Interleaved trials, one fresh window each.
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, openWindow, paired, sandbox, sleep, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 10));
const SECONDS = Number(arg('seconds', 5));
const WARMUP = 1;
const TARGET_PP = 1;
const N = Number(arg('n', 2));
const PROFILE = process.argv.includes('--profile');
if (!Number.isInteger(N) || N < 2 || N > 6) throw new Error('--n must be 2…6');

const rtc = await startRtcServer();
const browser = await launchChromium();
let room = 0;
const arms = [
  { name: 'rtc-call', page: 'rtc.html', fn: 'partyRtcCall', args: () => ({ server: rtc.url, room: `main-${room++}`, n: N }) },
  { name: 'raw', page: 'raw.html', fn: 'partyRaw', args: () => ({ n: N }) },
];

async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

async function trial(arm) {
  const page = await openWindow(browser, `${rtc.url}/bench/${arm.page}`);
  try {
    const cdp = await page.createCDPSession();
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    await page.evaluate((fn, args) => window.bench[fn](args), arm.fn, arm.args());
    await sleep(1000);
    await page.evaluate(() => window.bench.observeLongTasks());
    const profiling = PROFILE && arm.name === 'rtc-call';
    if (profiling) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const m0 = await metrics(cdp);
    await sleep(SECONDS * 1000);
    const m1 = await metrics(cdp);
    if (profiling) addProfile((await cdp.send('Profiler.stop')).profile);
    const longtasks = await page.evaluate(() => window.__longtasks);
    await page.evaluate(() => window.__end?.()).catch(() => {});
    const wall = m1.Timestamp - m0.Timestamp;
    return {
      busyPct: (100 * (m1.TaskDuration - m0.TaskDuration)) / wall,
      scriptPct: (100 * (m1.ScriptDuration - m0.ScriptDuration)) / wall,
      layoutPct: (100 * (m1.LayoutDuration + m1.RecalcStyleDuration - m0.LayoutDuration - m0.RecalcStyleDuration)) / wall,
      longTasksPerMin: (longtasks.length * 60) / wall,
      longTaskMs: longtasks.reduce((a, t) => a + t.duration, 0),
      wall,
    };
  } finally {
    await page.close();
  }
}

/** Self time per function over every profiled window, by `name url:line`. */
const selfTime = new Map();
let profiledMs = 0;
function addProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i]).callFrame;
    const ms = (dt[i + 1] ?? 0) / 1000;
    profiledMs += ms;
    if (f.functionName === '(idle)') continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
    selfTime.set(key, (selfTime.get(key) ?? 0) + ms);
  }
}

let runs;
try {
  runs = await interleave({
    arms,
    trials: TRIALS,
    warmup: WARMUP,
    run: trial,
    failed: { busyPct: NaN, scriptPct: NaN, layoutPct: NaN, longTasksPerMin: NaN, longTaskMs: NaN },
    describe: (arm, r) =>
      `${arm.name} busy ${r.busyPct.toFixed(2)} % (script ${r.scriptPct.toFixed(2)} %, ${r.longTaskMs.toFixed(0)} ms long tasks)`,
  });
} finally {
  await browser.close().catch(() => {});
  await rtc.close();
}

const { results: res, failures } = runs;
const col = (name, k) => res[name].map((r) => r?.[k] ?? NaN);
const rows = [['arm', 'main thread busy %', 'script %', 'style+layout %', 'long tasks / min', 'long-task ms / window']];
for (const name of ['rtc-call', 'raw']) {
  rows.push([name, fmtS(summary(col(name, 'busyPct')), 2), fmtS(summary(col(name, 'scriptPct')), 2), fmtS(summary(col(name, 'layoutPct')), 2), fmtS(summary(col(name, 'longTasksPerMin')), 1), fmtS(summary(col(name, 'longTaskMs')), 0)]);
}
const d = (k) => paired(col('rtc-call', k), col('raw', k)).diff;
rows.push(['rtc-call − raw (paired), pp', fmtS(d('busyPct'), 2), fmtS(d('scriptPct'), 2), fmtS(d('layoutPct'), 2), fmtS(d('longTasksPerMin'), 1), fmtS(d('longTaskMs'), 0)]);
console.log('');
table(rows, `Main-thread cost of a ${N}-person call in one page (${TRIALS} interleaved trials × ${SECONDS} s window)`);
let hot = [];
if (PROFILE) {
  hot = [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([fn, ms]) => ({ fn, msPerSecond: ms / (profiledMs / 1000) }));
  console.log(`\nrtc-call arm, self time per second of wall time (CPU profile, ${(profiledMs / 1000).toFixed(0)} s profiled, idle left out):`);
  for (const h of hot) console.log(`${h.msPerSecond.toFixed(2).padStart(8)} ms/s  ${h.fn}`);
}
const busy = d('busyPct');
const met = busy.median < TARGET_PP;
console.log(`\ntarget: < ${TARGET_PP} pp busy time over raw — ${busy.median.toFixed(2)} pp (${met ? 'met' : 'missed'})`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('mainthread', {
  command: `npm run bench:mainthread -- --n ${N}`,
  participants: N,
  trials: TRIALS,
  hot,
  secondsPerTrial: SECONDS,
  perTrial: res,
  busyDiffPp: busy,
  target: { maxPp: TARGET_PP, met },
  failures,
  table: rows,
  markdown: markdown(rows),
});

process.exit(failures.length ? 1 : 0);
