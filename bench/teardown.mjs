#!/usr/bin/env node
// bench:teardown — teardown and leaks. In ONE page (instrumented: getUserMedia / captureStream /
// clone tracks, RTCPeerConnection and AudioContext constructors, counted through WeakRefs):
//   a partner <rtc-call> stays in the room; then `--cycles` join/leave cycles of one <rtc-call>
//   (join → its link to the partner is connected → screen share + a chat message the partner
//   receives → leave, still sharing), then `--cycles` create/remove cycles (a new <rtc-call
//   autojoin> → connected → share + chat → element removed); then the partner leaves.
// Counts of live tracks, open RTCPeerConnections and running AudioContexts at the end, and JS
// heap after GC (CDP HeapProfiler.collectGarbage + Runtime.getHeapUsage) every 10 cycles, as a
// difference against the same page after one warm-up cycle of each kind.
import {
  arg, ensureBuild, launchChromium, markdown, openWindow, sandbox, sleep, startRtcServer, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const CYCLES = Number(arg('cycles', 50));
const STEP = 10;
const MiB = 2 ** 20;

const rtc = await startRtcServer();
const browser = await launchChromium(['--js-flags=--expose-gc']);
const heap = [];
let counts;
let afterCycles;
let error;
const timing = {};
try {
  const page = await openWindow(browser, `${rtc.url}/bench/teardown.html`);
  const cdp = await page.createCDPSession();
  await cdp.send('HeapProfiler.enable');
  const usedHeap = async () => {
    for (let i = 0; i < 3; i++) {
      await page.evaluate(() => window.gc?.());
      await cdp.send('HeapProfiler.collectGarbage');
    }
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const room = 'teardown';
  await page.evaluate(async (server, room) => {
    const { bench } = window;
    window.partner = bench.makeCall({ server, room, name: 'Partner' });
    await window.partner.join();
    window.x = bench.makeCall({ server, room, name: 'X' });
    // Each cycle shares a screen and sends a chat message (the partner gets it) before it ends,
    // and ends while still sharing: the screen track and its sender must go with the rest.
    let said = 0;
    const heard = new Set();
    window.partner.addEventListener('rtc-message', (e) => { if (!e.detail.isLocal) heard.add(e.detail.text); });
    const use = async (call) => {
      if (!(await call.startScreenShare())) throw new Error('screen share refused');
      const text = `cycle ${++said}`;
      await call.sendMessage(text);
      for (let i = 0; i < 500 && !heard.has(text); i++) await bench.sleep(10);
      if (!heard.has(text)) throw new Error(`the partner never got "${text}"`);
      heard.delete(text);
    };
    window.joinLeave = async () => { await window.x.join(); await bench.linked(window.x); await use(window.x); await window.x.leave(); };
    window.createRemove = async () => {
      const y = bench.makeCall({ server, room, name: 'Y', autojoin: true });
      await bench.linked(y);
      await use(y);
      y.remove();
      await bench.sleep(0);
    };
  }, rtc.url, room);
  // Warm-up: one cycle of each kind (code compiled, caches filled), then the baseline.
  await page.evaluate(async () => { await window.joinLeave(); await window.createRemove(); });
  await sleep(1500);
  const base = await usedHeap();
  heap.push({ phase: 'baseline', cycles: 0, usedBytes: base });
  for (const kind of ['joinLeave', 'createRemove']) {
    const t = Date.now();
    for (let done = 0; done < CYCLES; done += STEP) {
      const n = Math.min(STEP, CYCLES - done);
      await page.evaluate(async (kind, n) => { for (let i = 0; i < n; i++) await window[kind](); }, kind, n);
      await sleep(500);
      heap.push({ phase: kind, cycles: done + n, usedBytes: await usedHeap() });
      console.log(`${kind} ${done + n}/${CYCLES}: heap ${((heap.at(-1).usedBytes - base) / MiB).toFixed(2)} MiB over baseline`, await page.evaluate(() => window.__resources()));
    }
    timing[kind] = (Date.now() - t) / CYCLES;
  }
  afterCycles = await page.evaluate(() => window.__resources());
  // The partner leaves too: now nothing of rtc-call's may be left running.
  await page.evaluate(async () => { await window.partner.leave(); window.x.remove(); });
  await sleep(2000);
  counts = await page.evaluate(() => window.__resources());
  heap.push({ phase: 'all left', cycles: 2 * CYCLES, usedBytes: await usedHeap() });
  await page.close();
} catch (e) {
  error = String(e.stack ?? e);
  console.error(e);
} finally {
  await browser.close().catch(() => {});
  await rtc.close();
}

const base = heap[0]?.usedBytes ?? NaN;
const at = (phase) => heap.filter((h) => h.phase === phase).at(-1)?.usedBytes ?? NaN;
const growth = (b) => `${((b - base) / MiB).toFixed(2)} MiB`;
const finalGrowth = at('createRemove') - base;
const zero = (n) => (n === 0 ? '0 ✓' : `${n} ✗`);
const rows = [
  ['after the cycles (partner still in the call; then all left)', 'value', 'target'],
  [`live local tracks (partner in call → all left)`, `${afterCycles?.liveTracks ?? '–'} → ${zero(counts?.liveTracks)}`, '0'],
  [`open RTCPeerConnections`, `${afterCycles?.openPeerConnections ?? '–'} → ${zero(counts?.openPeerConnections)}`, '0'],
  [`running AudioContexts`, `${afterCycles?.runningAudioContexts ?? '–'} → ${zero(counts?.runningAudioContexts)}`, '0'],
  [`JS heap after GC: ${CYCLES} join/leave vs baseline`, growth(at('joinLeave')), ''],
  [`JS heap after GC: + ${CYCLES} create/remove vs baseline`, growth(at('createRemove')), '< 1 MiB'],
  [`JS heap after GC: all left vs baseline`, growth(at('all left')), ''],
  [`created in total: tracks / RTCPeerConnections / AudioContexts`, counts ? `${counts.createdTracks} / ${counts.createdPeerConnections} / ${counts.createdAudioContexts}` : '–', ''],
  [`time per cycle: join/leave · create/remove`, `${(timing.joinLeave ?? NaN).toFixed(0)} · ${(timing.createRemove ?? NaN).toFixed(0)} ms`, ''],
];
console.log('');
table(rows, `Teardown and leaks (${CYCLES} + ${CYCLES} cycles in one page; baseline = the same page after 1 warm-up cycle of each kind)`);
const met = counts && counts.liveTracks === 0 && counts.openPeerConnections === 0 && counts.runningAudioContexts === 0 && finalGrowth < MiB;
console.log(`\ntarget (zero left, heap growth < 1 MiB): ${met ? 'met' : 'missed'}`);
writeResult('teardown', {
  command: 'npm run bench:teardown',
  cycles: CYCLES,
  heap,
  afterCycles,
  final: counts,
  heapGrowthBytes: finalGrowth,
  msPerCycle: timing,
  target: { met: !!met },
  error,
  table: rows,
  markdown: markdown(rows),
});
if (error) process.exit(1);
process.exit(0);
