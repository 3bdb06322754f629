#!/usr/bin/env node
// bench:join — join → first remote frame. A second participant joins a room where the first is
// already connected; t0 = the moment joining starts (local media already acquired), t1 = the
// first frame of the first participant's video presented on the joiner's page
// (requestVideoFrameCallback). Arms, interleaved round by round, one fresh window per trial:
//   rtc-call  <rtc-call> (one-tag bundle) through our server: join API + PeerJS socket + call;
//             the member already in the room answers once B's member-joined room event is in
//   PeerJS    raw PeerJS pair through a plain PeerServer (`peer`): new Peer → open → call
//   raw       raw RTCPeerConnection pair, signalled in the page
// each direct (host candidates) and through coturn on loopback (iceTransportPolicy relay).
import { randomBytes } from 'node:crypto';
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, openWindow, paired, sandbox, startCoturn,
  startPlainPeerServer, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 10));
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
const arms = [
  { name: 'rtc-call', origin: rtc.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}` }) },
  { name: 'rtc-call pre-warmed', origin: rtc.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtc.url, room: `join-${room++}`, prewarm: true }) },
  { name: 'PeerJS', origin: plain.url, page: 'peerjs.html', fn: 'joinPeerJs', args: () => ({ host: '127.0.0.1', port: plain.port, path: plain.path, iceServers: [], iceTransportPolicy: 'all' }) },
  { name: 'raw', origin: rtc.url, page: 'raw.html', fn: 'joinRaw', args: () => ({ iceServers: [], iceTransportPolicy: 'all' }) },
  { name: 'rtc-call relay', origin: rtcRelay.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtcRelay.url, room: `join-${room++}` }) },
  { name: 'rtc-call pre-warmed relay', origin: rtcRelay.url, page: 'rtc.html', fn: 'joinRtcCall', args: () => ({ server: rtcRelay.url, room: `join-${room++}`, prewarm: true }) },
  { name: 'PeerJS relay', origin: plain.url, page: 'peerjs.html', fn: 'joinPeerJs', args: () => ({ host: '127.0.0.1', port: plain.port, path: plain.path, iceServers: relayIce(), iceTransportPolicy: 'relay' }) },
  { name: 'raw relay', origin: rtc.url, page: 'raw.html', fn: 'joinRaw', args: () => ({ iceServers: relayIce(), iceTransportPolicy: 'relay' }) },
];
async function trial(arm) {
  const page = await openWindow(browser, `${arm.origin}/bench/${arm.page}`);
  try {
    return await page.evaluate((fn, args) => window.bench[fn](args), arm.fn, arm.args());
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
const results = Object.fromEntries(arms.map((a) => [a.name, runs.results[a.name].map((r) => r.ms)]));
const extra = Object.fromEntries(arms.map((a) => [a.name, runs.results[a.name].map((r) => r.open ?? r.phases)]));
const rows = [['arm', 'ms: median [min–max]', '× PeerJS (paired)', '× raw (paired)', '− PeerJS, ms']];
for (const [name, base, raw] of [
  ['rtc-call', 'PeerJS', 'raw'], ['rtc-call pre-warmed', 'PeerJS', 'raw'], ['PeerJS', 'PeerJS', 'raw'], ['raw', 'PeerJS', 'raw'],
  ['rtc-call relay', 'PeerJS relay', 'raw relay'], ['rtc-call pre-warmed relay', 'PeerJS relay', 'raw relay'], ['PeerJS relay', 'PeerJS relay', 'raw relay'], ['raw relay', 'PeerJS relay', 'raw relay'],
]) {
  const p = paired(results[name], results[base]);
  const r = paired(results[name], results[raw]);
  rows.push([name, fmtS(summary(results[name]), 0), fmtS(p.ratio, 2), fmtS(r.ratio, 2), name === base ? '' : fmtS(p.diff, 0)]);
}
console.log('');
table(rows, `Join → first remote frame (${TRIALS} interleaved rounds; median [min–max]; ratios per round)`);
// Where rtc-call's time goes (median ms after t0 of each step, direct and relay).
// A learns of B from the member-joined room event on its socket (no HTTP look-up since the relay),
// so the callee answers as soon as B's offer arrives.
const PHASES = ['joinApiStart', 'joinApiEnd', 'aMemberJoined', 'bJoined', 'bLinkAdded', 'aOffer', 'aLinkAdded', 'bRemoteStream', 'bConnected'];
const phaseRows = [['rtc-call step (ms after t0)', 'direct', 'relay', 'pre-warmed', 'pre-warmed relay']];
const phaseMedian = (list, k) => summary((list ?? []).map((p) => p?.[k] ?? NaN));
const LABELS = {
  joinApiStart: 'B: join API request sent',
  joinApiEnd: 'B: join API answered',
  bJoined: 'B: PeerJS socket open (rtc-joined)',
  bLinkAdded: 'B: calls A (rtc-participant-joined)',
  aMemberJoined: "A: B's member-joined arrives",
  aOffer: "A: B's offer arrives",
  aLinkAdded: 'A: answers (rtc-participant-joined)',
  bRemoteStream: "B: A's stream arrives",
  bConnected: 'B: link connected',
};
const RTC_ARMS = ['rtc-call', 'rtc-call relay', 'rtc-call pre-warmed', 'rtc-call pre-warmed relay'];
for (const k of PHASES) phaseRows.push([LABELS[k], ...RTC_ARMS.map((a) => fmtS(phaseMedian(extra[a], k), 0))]);
phaseRows.push(['B: first remote frame presented', ...RTC_ARMS.map((a) => fmtS(summary(results[a]), 0))]);
phaseRows.push(['PeerJS arm: peer open', fmtS(summary(extra.PeerJS.map(Number)), 0), fmtS(summary(extra['PeerJS relay'].map(Number)), 0), '', '']);
console.log('');
table(phaseRows);
const direct = paired(results['rtc-call'], results.PeerJS).ratio;
const relay = paired(results['rtc-call relay'], results['PeerJS relay']).ratio;
const warmDirect = paired(results['rtc-call pre-warmed'], results.PeerJS).ratio;
const warmRelay = paired(results['rtc-call pre-warmed relay'], results['PeerJS relay']).ratio;
const verdict = (r, t) => `${r.median.toFixed(2)}× (${r.median <= t ? 'met' : 'missed'})`;
console.log(`\ncold target ≤ ${TARGET_RATIO}× bare PeerJS: direct ${verdict(direct, TARGET_RATIO)}, relay ${verdict(relay, TARGET_RATIO)}`);
console.log(`pre-warmed target ≤ ${PREWARMED_TARGET_RATIO}× bare PeerJS: direct ${verdict(warmDirect, PREWARMED_TARGET_RATIO)}, relay ${verdict(warmRelay, PREWARMED_TARGET_RATIO)}`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('join', {
  command: 'npm run bench:join',
  trials: TRIALS,
  ms: results,
  peerOpenMs: { PeerJS: extra.PeerJS, 'PeerJS relay': extra['PeerJS relay'] },
  rtcCallPhasesMs: { direct: extra['rtc-call'], relay: extra['rtc-call relay'], prewarmed: extra['rtc-call pre-warmed'], prewarmedRelay: extra['rtc-call pre-warmed relay'] },
  summary: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, summary(v)])),
  ratioVsPeerJS: { direct, relay, prewarmed: warmDirect, prewarmedRelay: warmRelay },
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
