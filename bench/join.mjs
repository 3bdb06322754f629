#!/usr/bin/env node
// bench:join — join → first remote frame. A second participant joins a room where the first is
// already connected; t0 = the moment joining starts (local media already acquired), t1 = the
// first frame of the first participant's video presented on the joiner's page
// (requestVideoFrameCallback). Arms, interleaved round by round, one fresh window per trial:
//   rtc-call  <rtc-call> (one-tag bundle) through our server: join API + PeerJS socket + call;
//             the member already in the room answers once B's member-joined room event is in
//   PeerJS    raw PeerJS pair through a plain PeerServer (`peer`): new Peer → open → call
//   raw       raw RTCPeerConnection pair, signalled in the page
//   … 2 pages rtc-call (cold, pre-warmed) and PeerJS with A and B in windows of their own
// each direct (host candidates) and through coturn on loopback (iceTransportPolicy relay).
import { randomBytes } from 'node:crypto';
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, openWindow, paired, sandbox, startCoturn,
  startPlainPeerServer, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 10));
// --profile: a CPU profile of every pre-warmed direct join (Join pressed → first frame); the
// functions with the most self time over all of them are printed (where the script time goes).
// On two pages, pre-warmed: both pages' CPU profiles and main threads, and their long tasks on
// one clock (addTwoPageTrace).
// --profile-cold: the same for the cold direct joins (`rtc-call`) instead of the pre-warmed ones.
const PROFILE_COLD = process.argv.includes('--profile-cold');
const PROFILE = process.argv.includes('--profile') || PROFILE_COLD;
const PROFILED = PROFILE_COLD ? 'cold' : 'pre-warmed';
const WARMUP = 1;
// Issue 23: cold joins ≤ 1.1× bare PeerJS, pre-warmed ones (Join pressed after the pre-join view
// has been open for 2 s) ≤ 1.0×.
const TARGET_RATIO = 1.1;
const PREWARMED_TARGET_RATIO = 1.0;

const secret = randomBytes(16).toString('hex');
const coturn = await startCoturn(secret);
const rtc = await startRtcServer();
const rtcRelay = await startRtcServer({ turnUrls: [coturn.url], turnSecret: secret, iceTransportPolicy: 'relay' });
const plain = await startPlainPeerServer();
const browser = await launchChromium();

const relayIce = () => [{ urls: coturn.url, ...coturn.credentials('bench') }];
let room = 0;
// Each page comes from the server it talks to (our pages carry CSP `connect-src 'self'`).
const ALL_ARMS = [
  { name: 'rtc-call', origin: rtc.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}`, profile: PROFILE_COLD }) },
  { name: 'rtc-call pre-warmed', origin: rtc.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}`, prewarm: true, profile: PROFILE && !PROFILE_COLD }) },
  { name: 'PeerJS', origin: plain.url, page: 'peerjs.html', fn: 'joinPeerJs', args: () => ({ host: '127.0.0.1', port: plain.port, path: plain.path, iceServers: [], iceTransportPolicy: 'all' }) },
  { name: 'raw', origin: rtc.url, page: 'raw.html', fn: 'joinRaw', args: () => ({ iceServers: [], iceTransportPolicy: 'all' }) },
  { name: 'rtc-call relay', origin: rtcRelay.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtcRelay.url, room: `join-${room++}` }) },
  { name: 'rtc-call pre-warmed relay', origin: rtcRelay.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtcRelay.url, room: `join-${room++}`, prewarm: true }) },
  { name: 'PeerJS relay', origin: plain.url, page: 'peerjs.html', fn: 'joinPeerJs', args: () => ({ host: '127.0.0.1', port: plain.port, path: plain.path, iceServers: relayIce(), iceTransportPolicy: 'relay' }) },
  { name: 'raw relay', origin: rtc.url, page: 'raw.html', fn: 'joinRaw', args: () => ({ iceServers: relayIce(), iceTransportPolicy: 'relay' }) },
  // The same joins with A and B on two pages (two windows, a renderer each, as on two devices):
  // in the arms above both share one page's main thread, so B's call view and A's new tile are
  // rendered on the thread that also runs both ends' signaling and WebRTC calls.
  { name: 'rtc-call 2 pages', origin: rtc.url, page: 'rtc.html', host: 'hostRtcCall', fn: 'guestRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}` }) },
  { name: 'rtc-call pre-warmed 2 pages', origin: rtc.url, page: 'rtc.html', host: 'hostRtcCall', fn: 'guestRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}`, prewarm: true }) },
  { name: 'PeerJS 2 pages', origin: plain.url, page: 'peerjs.html', host: 'hostPeerJs', fn: 'guestPeerJs', args: () => ({ host: '127.0.0.1', port: plain.port, path: plain.path, iceServers: [], iceTransportPolicy: 'all' }) },
];
// --arms 'rtc-call pre-warmed 2 pages,PeerJS 2 pages': only these (a quicker look at one change);
// the tables leave the others' rows empty.
const only = arg('arms', '').split(',').map((a) => a.trim()).filter(Boolean);
const unknownArms = only.filter((name) => !ALL_ARMS.some((a) => a.name === name));
if (unknownArms.length) throw new Error(`--arms: no arm named ${unknownArms.join(', ')} (arms: ${ALL_ARMS.map((a) => a.name).join(', ')})`);
const arms = only.length ? ALL_ARMS.filter((a) => only.includes(a.name)) : ALL_ARMS;
/** Self time per function over every profiled join, by `name file:line`; total profiled ms. */
const selfTime = new Map();
let profiledMs = 0;
let profiles = 0;
function addProfile(profile) {
  profiles++;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const f = byId.get(profile.samples[i]).callFrame;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    profiledMs += ms;
    if (f.functionName === '(idle)') continue;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    selfTime.set(key, (selfTime.get(key) ?? 0) + ms);
  }
}

/**
 * The main thread's time between the page's join-t0 and join-t1 marks, by trace event name
 * (inclusive durations of complete events on the renderer's main thread; nested names overlap).
 */
const traceTime = new Map();
let traces = 0;
function addTrace(trace) {
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === name && (e.cat ?? '').includes('blink.user_timing'));
  const [t0, t1] = [mark('join-t0'), mark('join-t1')];
  if (!t0 || !t1) return;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === t0.pid);
  if (!main) return;
  traces++;
  for (const e of events) {
    if (e.ph !== 'X' || e.pid !== main.pid || e.tid !== main.tid || e.ts < t0.ts || e.ts > t1.ts) continue;
    const where = e.name === 'RunTask' && e.args?.src_func ? ` posted from ${String(e.args.src_file ?? '').replace(/^.*\//, '')} ${e.args.src_func}` : '';
    traceTime.set(e.name + where, (traceTime.get(e.name + where) ?? 0) + (e.dur ?? 0) / 1000);
  }
}

/**
 * --profile, two pages pre-warmed: both renderers' main threads between B's join-t0 and join-t1
 * (A's found by its join-host mark), by event name, and each page's tasks of 8 ms or more on one
 * clock with what they spent their time on — which page's work holds up which step. A's renderer
 * is the one with the join-host mark, made on A's page once B's trial is over.
 */
const twoPageTime = { A: new Map(), B: new Map() };
const twoPageTasks = [];
let twoPageTraces = 0;
function addTwoPageTrace(trace, [hostProfile, guestProfile] = []) {
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === name && (e.cat ?? '').includes('blink.user_timing'));
  const [t0, t1, hostMark] = [mark('join-t0'), mark('join-t1'), mark('join-host')];
  if (!t0 || !t1 || !hostMark) return;
  const mainOf = (pid) => events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === pid);
  const threads = { A: mainOf(hostMark.pid), B: mainOf(t0.pid) };
  if (!threads.A || !threads.B) return;
  twoPageTraces++;
  if (hostProfile) addPageProfile('A', hostProfile, t0.ts, t1.ts);
  if (guestProfile) addPageProfile('B', guestProfile, t0.ts, t1.ts);
  const tasks = [];
  for (const [who, main] of Object.entries(threads)) {
    const own = events.filter((e) => e.ph === 'X' && e.pid === main.pid && e.tid === main.tid && e.ts >= t0.ts && e.ts <= t1.ts);
    for (const e of own) twoPageTime[who].set(e.name, (twoPageTime[who].get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
    for (const task of own.filter((e) => e.name === 'RunTask' && e.dur >= 8000)) {
      const inside = new Map();
      for (const e of own) {
        if (e === task || e.ts < task.ts || e.ts + (e.dur ?? 0) > task.ts + task.dur || /RunTask|ThreadController/.test(e.name)) continue;
        const what = e.name === 'EventDispatch' ? `EventDispatch ${e.args?.data?.type}` : e.name === 'FunctionCall' ? `FunctionCall ${String(e.args?.data?.url ?? '').replace(/^.*\//, '')}:${e.args?.data?.lineNumber ?? ''}` : e.name;
        inside.set(what, Math.max(inside.get(what) ?? 0, (e.dur ?? 0) / 1000));
      }
      const top = [...inside].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([n, ms]) => `${n} ${ms.toFixed(0)}`).join(', ');
      tasks.push({ who, at: (task.ts - t0.ts) / 1000, ms: task.dur / 1000, top });
    }
  }
  twoPageTasks.push({ total: (t1.ts - t0.ts) / 1000, tasks: tasks.sort((a, b) => a.at - b.at) });
}

/**
 * Each page's CPU profile over a traced two-page join, from B's t0 to t1 (the trace's clock): self
 * time and time including callees per function (a native call is named with its caller).
 */
const pageTimes = { A: { self: new Map(), total: new Map() }, B: { self: new Map(), total: new Map() } };
let pageProfiles = 0;
function addPageProfile(who, profile, t0, t1) {
  if (who === 'A') pageProfiles++;
  const { self: selfTimes, total: totalTimes } = pageTimes[who];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const name = (node) => {
    const f = node.callFrame;
    if (f.url) return `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    const up = parent.get(node.id);
    return up?.callFrame.url ? `${f.functionName || '(anonymous)'} ← ${name(up)}` : f.functionName || '(anonymous)';
  };
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    ts += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (ts < t0 || ts > t1 || node.callFrame.functionName === '(idle)') continue;
    selfTimes.set(name(node), (selfTimes.get(name(node)) ?? 0) + ms);
    const seen = new Set();
    for (let n = node; n; n = parent.get(n.id)) {
      const key = name(n);
      if (seen.has(key) || key === '(root)') continue;
      seen.add(key);
      totalTimes.set(key, (totalTimes.get(key) ?? 0) + ms);
    }
  }
}

/** A two-page trial: A joins on its page, then B on another; the time is B's. */
async function twoPageTrial(arm) {
  const hostPage = await openWindow(browser, `${arm.origin}/bench/${arm.page}`);
  let page;
  try {
    const args = arm.args();
    const hostId = await hostPage.evaluate((fn, a) => window.bench[fn](a), arm.host, args);
    page = await openWindow(browser, `${arm.origin}/bench/${arm.page}`);
    const tracing = PROFILE && !PROFILE_COLD && args.prewarm;
    // A CPU profile of each page, and a browser-wide trace (both renderers) over B's join.
    const cdps = tracing ? await Promise.all([hostPage.createCDPSession(), page.createCDPSession()]) : [];
    for (const cdp of cdps) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    if (tracing) await page.tracing.start({ categories: ['devtools.timeline', 'blink.user_timing', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8.execute'] });
    let r;
    try {
      r = await page.evaluate((fn, a) => window.bench[fn](a), arm.fn, { ...args, hostId });
    } finally {
      const profiles = await Promise.all(cdps.map(async (cdp) => (await cdp.send('Profiler.stop')).profile));
      // A's renderer is found in the trace by this mark.
      if (tracing) await hostPage.evaluate(() => performance.mark('join-host')).catch(() => {});
      if (tracing) addTwoPageTrace(JSON.parse(Buffer.from(await page.tracing.stop()).toString('utf8')), profiles);
    }
    // A's steps on its own page, on the same wall clock as B's t0.
    if (r.phases) Object.assign(r.phases, await hostPage.evaluate((t) => window.bench.hostPhases(t), r.t0Wall));
    return r;
  } finally {
    await hostPage.evaluate(() => window.bench.leaveHost()).catch(() => {});
    await Promise.all([hostPage.close(), page?.close()]);
  }
}

async function trial(arm) {
  if (arm.host) return twoPageTrial(arm);
  const page = await openWindow(browser, `${arm.origin}/bench/${arm.page}`);
  try {
    const args = arm.args();
    if (args.profile) {
      const cdp = await page.createCDPSession();
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      cdp.on('Profiler.consoleProfileFinished', (e) => addProfile(e.profile));
    }
    if (!args.profile) return await page.evaluate((fn, a) => window.bench[fn](a), arm.fn, args);
    await page.tracing.start({ categories: ['devtools.timeline', 'blink.user_timing', 'disabled-by-default-devtools.timeline', 'toplevel', 'webrtc', 'media'] });
    try {
      return await page.evaluate((fn, a) => window.bench[fn](a), arm.fn, args);
    } finally {
      addTrace(JSON.parse(Buffer.from(await page.tracing.stop()).toString('utf8')));
    }
  } finally {
    await page.close();
  }
}

let runs;
try {
  runs = await interleave({
    arms,
    trials: TRIALS,
    warmup: WARMUP,
    run: trial,
    failed: { ms: NaN },
    describe: (arm, r) => `${arm.name} ${r.ms.toFixed(0)}`,
    unit: ' ms',
  });
} finally {
  await browser.close().catch(() => {});
  await Promise.all([rtc.close(), rtcRelay.close(), plain.close()]);
  coturn.stop();
}

const { failures } = runs;
const results = Object.fromEntries(ALL_ARMS.map((a) => [a.name, (runs.results[a.name] ?? []).map((r) => r.ms)]));
const extra = Object.fromEntries(ALL_ARMS.map((a) => [a.name, (runs.results[a.name] ?? []).map((r) => r.open ?? r.phases)]));
const rows = [['arm', 'ms: median [min–max]', '× PeerJS (paired)', '× raw (paired)', '− PeerJS, ms']];
for (const [name, base, raw] of [
  ['rtc-call', 'PeerJS', 'raw'], ['rtc-call pre-warmed', 'PeerJS', 'raw'], ['PeerJS', 'PeerJS', 'raw'], ['raw', 'PeerJS', 'raw'],
  ['rtc-call 2 pages', 'PeerJS 2 pages', 'raw'], ['rtc-call pre-warmed 2 pages', 'PeerJS 2 pages', 'raw'], ['PeerJS 2 pages', 'PeerJS 2 pages', 'raw'],
  ['rtc-call relay', 'PeerJS relay', 'raw relay'], ['rtc-call pre-warmed relay', 'PeerJS relay', 'raw relay'], ['PeerJS relay', 'PeerJS relay', 'raw relay'], ['raw relay', 'PeerJS relay', 'raw relay'],
]) {
  if (!results[name].length) continue;
  const p = paired(results[name], results[base]);
  const r = paired(results[name], results[raw]);
  rows.push([name, fmtS(summary(results[name]), 0), fmtS(p.ratio, 2), fmtS(r.ratio, 2), name === base ? '' : fmtS(p.diff, 0)]);
}
console.log('');
table(rows, `Join → first remote frame (${TRIALS} interleaved rounds; median [min–max]; ratios per round)`);
// Where rtc-call's time goes (median ms after t0 of each step, direct and relay).
// A learns of B from the member-joined room event on its socket (no HTTP look-up since the relay),
// so the callee answers as soon as B's offer arrives.
const PHASES = ['joinApiStart', 'joinApiEnd', 'aMemberJoined', 'bJoined', 'bLinkAdded', 'bOfferSent', 'aOffer', 'aAnswerStart', 'aConnectionMade', 'aOfferApplied', 'aAnswerMade', 'aAnswerApplied', 'aLinkAdded', 'aAnswerSent', 'bAnswer', 'bRemoteStream', 'bConnected'];
const phaseRows = [['rtc-call step (ms after t0)', 'direct', 'relay', 'pre-warmed', 'pre-warmed relay', '2 pages', 'pre-warmed, 2 pages']];
const phaseMedian = (list, k) => summary((list ?? []).map((p) => p?.[k] ?? NaN));
const LABELS = {
  joinApiStart: 'B: join API request sent',
  joinApiEnd: 'B: join API answered',
  bJoined: 'B: PeerJS socket open (rtc-joined)',
  bLinkAdded: 'B: calls A (rtc-participant-joined)',
  aMemberJoined: "A: B's member-joined arrives",
  aOffer: "A: B's offer arrives",
  bOfferSent: 'B: its offer leaves (socket send)',
  aAnswerStart: 'A: makes its connection (2 pages)',
  aConnectionMade: 'A: connection made (2 pages)',
  aOfferApplied: "A: B's offer applied (2 pages)",
  aAnswerMade: 'A: answer created (2 pages)',
  aAnswerApplied: 'A: answer applied (2 pages)',
  aLinkAdded: 'A: answers (rtc-participant-joined)',
  aAnswerSent: 'A: its answer leaves (socket send)',
  bAnswer: "B: A's answer arrives",
  bRemoteStream: "B: A's stream arrives",
  bConnected: 'B: link connected',
};
const RTC_ARMS = ['rtc-call', 'rtc-call relay', 'rtc-call pre-warmed', 'rtc-call pre-warmed relay', 'rtc-call 2 pages', 'rtc-call pre-warmed 2 pages'];
for (const k of PHASES) phaseRows.push([LABELS[k], ...RTC_ARMS.map((a) => fmtS(phaseMedian(extra[a], k), 0))]);
phaseRows.push(['B: first remote frame presented', ...RTC_ARMS.map((a) => fmtS(summary(results[a]), 0))]);
phaseRows.push(['PeerJS arm: peer open', fmtS(summary(extra.PeerJS.map(Number)), 0), fmtS(summary(extra['PeerJS relay'].map(Number)), 0), '', '', '', '']);
console.log('');
table(phaseRows);
const direct = paired(results['rtc-call'], results.PeerJS).ratio;
const relay = paired(results['rtc-call relay'], results['PeerJS relay']).ratio;
const warmDirect = paired(results['rtc-call pre-warmed'], results.PeerJS).ratio;
const warmRelay = paired(results['rtc-call pre-warmed relay'], results['PeerJS relay']).ratio;
const twoPages = paired(results['rtc-call 2 pages'], results['PeerJS 2 pages']).ratio;
const warmTwoPages = paired(results['rtc-call pre-warmed 2 pages'], results['PeerJS 2 pages']).ratio;
const verdict = (r, t) => `${r.median.toFixed(2)}× (${r.median <= t ? 'met' : 'missed'})`;
if (PROFILE && profiles) {
  console.log(`\n${PROFILED} direct joins, self time per join (CPU profile of ${profiles} joins, ${(profiledMs / profiles).toFixed(0)} ms each; idle left out):`);
  for (const [fn, ms] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(ms / profiles).toFixed(1).padStart(7)} ms  ${fn}`);
}
if (PROFILE && traces) {
  console.log(`\n${PROFILED} direct joins, main-thread trace events per join (${traces} joins; inclusive ms, nested names overlap):`);
  for (const [name, ms] of [...traceTime].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(ms / traces).toFixed(1).padStart(7)} ms  ${name}`);
}
if (PROFILE && twoPageTraces) {
  console.log(`\npre-warmed joins on two pages, main-thread trace events per join (${twoPageTraces} joins; inclusive ms, nested names overlap):`);
  for (const who of ['A', 'B']) {
    console.log(`  ${who === 'A' ? "A's page (in the room, answers)" : "B's page (joins)"}:`);
    for (const [name, ms] of [...twoPageTime[who]].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`${(ms / twoPageTraces).toFixed(1).padStart(9)} ms  ${name}`);
  }
  if (pageProfiles) {
    for (const [who, what, times] of [['A', 'self time', pageTimes.A.self], ['A', 'time with callees', pageTimes.A.total], ['B', 'self time', pageTimes.B.self], ['B', 'time with callees', pageTimes.B.total]]) {
      console.log(`  ${who}'s page, ${what} per join, t0 → t1 (CPU profile, ${pageProfiles} joins):`);
      for (const [fn, ms] of [...times].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(ms / pageProfiles).toFixed(1).padStart(9)} ms  ${fn}`);
    }
  }
  for (const [i, trial] of twoPageTasks.entries()) {
    console.log(`  join ${i + 1} (${trial.total.toFixed(0)} ms): tasks of 8 ms or more, ms after t0`);
    for (const t of trial.tasks) console.log(`    ${t.who} ${t.at.toFixed(0).padStart(5)} +${t.ms.toFixed(0).padStart(3)}  ${t.top}`);
  }
}
console.log(`\ncold target ≤ ${TARGET_RATIO}× bare PeerJS: direct ${verdict(direct, TARGET_RATIO)}, relay ${verdict(relay, TARGET_RATIO)}`);
console.log(`pre-warmed target ≤ ${PREWARMED_TARGET_RATIO}× bare PeerJS: direct ${verdict(warmDirect, PREWARMED_TARGET_RATIO)}, relay ${verdict(warmRelay, PREWARMED_TARGET_RATIO)}`);
console.log(`two pages (A and B in windows of their own): cold ${verdict(twoPages, TARGET_RATIO)}, pre-warmed ${verdict(warmTwoPages, PREWARMED_TARGET_RATIO)}`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('join', {
  command: 'npm run bench:join',
  trials: TRIALS,
  ms: results,
  peerOpenMs: { PeerJS: extra.PeerJS, 'PeerJS relay': extra['PeerJS relay'] },
  rtcCallPhasesMs: { direct: extra['rtc-call'], relay: extra['rtc-call relay'], prewarmed: extra['rtc-call pre-warmed'], prewarmedRelay: extra['rtc-call pre-warmed relay'], twoPages: extra['rtc-call 2 pages'], prewarmedTwoPages: extra['rtc-call pre-warmed 2 pages'] },
  summary: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summary(v)])),
  ratioVsPeerJS: { direct, relay, prewarmed: warmDirect, prewarmedRelay: warmRelay, twoPages, prewarmedTwoPages: warmTwoPages },
  target: {
    maxRatio: TARGET_RATIO, direct: direct.median <= TARGET_RATIO, relay: relay.median <= TARGET_RATIO,
    prewarmedMaxRatio: PREWARMED_TARGET_RATIO, prewarmed: warmDirect.median <= PREWARMED_TARGET_RATIO, prewarmedRelay: warmRelay.median <= PREWARMED_TARGET_RATIO,
  },
  failures,
  phases: phaseRows,
  table: rows,
  markdown: markdown(rows),
});

process.exit(failures.length ? 1 : 0);
