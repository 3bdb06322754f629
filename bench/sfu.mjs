#!/usr/bin/env node
// bench:sfu — what a participant's uplink and CPU cost at 2, 3, 4 and 6 participants, peer to
// peer (mesh) against through Janus (SFU), with the same capture (a fake camera at 640×360, 15 fps)
// and the same elements: the figures behind RTC_MESH_MAX. All participants of a size share ONE
// page in one Chromium, so per participant = the page's total / n:
//   uplink   outbound-rtp bytes of every connection in the page, per second, / n
//   CPU      the whole browser's CPU time (every Chromium process: encoders, decoders, rendering)
//            per second of wall time, / n (100 % = one core); Janus's own CPU apart (SFU arm)
// Measured over `--seconds` after `--ramp` seconds (the encoders' bandwidth ramp-up), arms
// interleaved, `--trials` rounds. Needs Janus (apt-get install janus); runs in a namespace with
// the veth pair (Janus skips loopback).
import { readFileSync, readdirSync } from 'node:fs';
import { arg, ensureBuild, fmt, launchChromium, machine, markdown, median, openWindow, sandbox, sleep, startRtcServer, table, writeResult } from './lib.mjs';
import { startJanus } from '../test/janus/janus-process.mjs';
import { createServer } from 'node:net';

sandbox(import.meta.url, { veth: true });
ensureBuild();
const TRIALS = Number(arg('trials', 3));
const SECONDS = Number(arg('seconds', 8));
const RAMP = Number(arg('ramp', 6));
const SIZES = String(arg('sizes', '2,3,4,6')).split(',').map(Number);

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const TICKS = 100; // USER_HZ
/** CPU seconds (user + system) of `pid` and every process below it. */
function treeCpu(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
      children.set(Number(name), { ppid, cpu });
    } catch { /* gone */ }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    total += children.get(p)?.cpu ?? 0;
    for (const [child, info] of children) if (info.ppid === p) stack.push(child);
  }
  return total;
}

const janus = await startJanus({ port: await freePort() });
const mesh = await startRtcServer();
const sfu = await startRtcServer({ janusUrls: [janus.url], meshMax: 0, maxParticipants: 50 });
const browser = await launchChromium();
const browserPid = browser.process().pid;
let room = 0;
const arms = [
  { name: 'mesh', server: mesh },
  { name: 'sfu', server: sfu },
];

async function trial(arm, n) {
  const page = await openWindow(browser, `${arm.server.url}/bench/sfu.html`);
  await page.setViewport({ width: 1920, height: 1200 });
  try {
    const info = await page.evaluate((args) => window.bench.nRtcCall(args), { server: arm.server.url, room: `sfu-bench-${room++}`, n });
    if (info.mode !== arm.name) throw new Error(`expected mode ${arm.name}, got ${info.mode}`);
    await sleep(RAMP * 1000);
    const t0 = performance.now();
    const u0 = await page.evaluate(() => window.__uplink());
    const c0 = treeCpu(browserPid);
    const j0 = treeCpu(janus.pid);
    await sleep(SECONDS * 1000);
    const u1 = await page.evaluate(() => window.__uplink());
    const c1 = treeCpu(browserPid);
    const j1 = treeCpu(janus.pid);
    const wall = (performance.now() - t0) / 1000;
    return {
      uplinkKbps: ((u1.bytes - u0.bytes) * 8) / wall / n / 1000,
      cpuPct: (100 * (c1 - c0)) / wall / n,
      janusPct: arm.name === 'sfu' ? (100 * (j1 - j0)) / wall : 0,
      connections: u1.connected,
    };
  } finally {
    await page.evaluate(() => window.__end?.()).catch(() => {});
    await page.close();
  }
}

const results = {};
try {
  for (let t = 0; t < TRIALS; t++) {
    for (const n of SIZES) {
      // Interleaved: the order of the arms alternates between rounds.
      for (const arm of t % 2 ? [...arms].reverse() : arms) {
        const r = await trial(arm, n);
        (results[`${arm.name}:${n}`] ??= []).push(r);
        console.error(`  trial ${t + 1} ${arm.name} n=${n}: uplink ${fmt(r.uplinkKbps, 0)} kbit/s, CPU ${fmt(r.cpuPct)} %/participant${arm.name === 'sfu' ? `, Janus ${fmt(r.janusPct)} %` : ''}, ${r.connections} connections`);
      }
    }
  }
} finally {
  await browser.close();
  await mesh.close();
  await sfu.close();
  await janus.stop();
}

const rows = [];
for (const n of SIZES) {
  const m = results[`mesh:${n}`];
  const s = results[`sfu:${n}`];
  const med = (list, k) => median(list.map((r) => r[k]));
  rows.push({
    participants: n,
    'mesh uplink kbit/s': fmt(med(m, 'uplinkKbps'), 0),
    'SFU uplink kbit/s': fmt(med(s, 'uplinkKbps'), 0),
    'uplink SFU/mesh': fmt(med(s, 'uplinkKbps') / med(m, 'uplinkKbps'), 2),
    'mesh CPU %/participant': fmt(med(m, 'cpuPct')),
    'SFU CPU %/participant': fmt(med(s, 'cpuPct')),
    'Janus CPU %': fmt(med(s, 'janusPct')),
    'connections/page (mesh, SFU)': `${med(m, 'connections')}, ${med(s, 'connections')}`,
  });
}
console.log(table(rows, `bench:sfu — per participant, medians of ${TRIALS} interleaved trials, ${SECONDS} s each after a ${RAMP} s ramp (640×360 at 15 fps)`));
console.log(markdown(rows));
writeResult('sfu', { machine: machine(), trials: TRIALS, seconds: SECONDS, ramp: RAMP, results, rows });
