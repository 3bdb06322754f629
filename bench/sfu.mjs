#!/usr/bin/env node
// bench:sfu — what a participant's uplink and CPU cost at 2, 3, 4 and 6 participants, peer to
// peer (mesh) against through Janus (SFU), with the same capture (a fake camera, 480×270 at 15 fps by default)
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
const RAMP = Number(arg('ramp', 12));
const SIZES = String(arg('sizes', '2,3,4,6')).split(',').map(Number);
const [WIDTH, HEIGHT, FPS] = [Number(arg('width', 480)), Number(arg('height', 270)), Number(arg('fps', 15))];

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
let browser = await launchChromium();
let browserPid = browser.process().pid;
async function restartBrowser() {
  browser.process()?.kill('SIGKILL');
  browser = await launchChromium();
  browserPid = browser.process().pid;
}
let room = 0;
const arms = [
  { name: 'mesh', server: mesh },
  { name: 'sfu', server: sfu },
];

async function trial(arm, n) {
  const page = await openWindow(browser, `${arm.server.url}/bench/sfu.html`);
  await page.setViewport({ width: 1920, height: 1200 });
  try {
    const info = await page.evaluate((args) => window.bench.nRtcCall(args), { server: arm.server.url, room: `sfu-bench-${room++}`, n, width: WIDTH, height: HEIGHT, fps: FPS });
    if (info.mode !== arm.name) throw new Error(`expected mode ${arm.name}, got ${info.mode}`);
    if (info.moving < info.videos) console.error(`  ${arm.name} n=${n}: only ${info.moving} of ${info.videos} remote tiles showed frames within 60 s`);
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
      movingTiles: `${info.moving}/${info.videos}`,
    };
  } finally {
    await Promise.race([
      page.evaluate(() => window.__end?.()).catch(() => {}).then(() => page.close()).catch(() => {}),
      sleep(15_000),
    ]);
  }
}

const results = {};
try {
  for (let t = 0; t < TRIALS; t++) {
    for (const n of SIZES) {
      // Interleaved: the order of the arms alternates between rounds.
      for (const arm of t % 2 ? [...arms].reverse() : arms) {
        let r;
        try {
          r = await trial(arm, n);
        } catch (err) {
          // A page holding a whole mesh of six (30 connections, 30 encoders) can stall on 2 cores.
          console.error(`  trial ${t + 1} ${arm.name} n=${n}: did not complete (${String(err.message ?? err).split('\n')[0]})`);
          (results[`${arm.name}:${n}`] ??= []).push({ failed: true });
          await restartBrowser();
          continue;
        }
        (results[`${arm.name}:${n}`] ??= []).push(r);
        console.error(`  trial ${t + 1} ${arm.name} n=${n}: uplink ${fmt(r.uplinkKbps, 0)} kbit/s, CPU ${fmt(r.cpuPct)} %/participant${arm.name === 'sfu' ? `, Janus ${fmt(r.janusPct)} %` : ''}, ${r.connections} connections`);
      }
    }
  }
} finally {
  await Promise.race([browser.close(), sleep(10_000)]);
  browser.process()?.kill('SIGKILL');
  await mesh.close();
  await sfu.close();
  await janus.stop();
}

const rows = [];
for (const n of SIZES) {
  const m = (results[`mesh:${n}`] ?? []).filter((r) => !r.failed);
  const s = (results[`sfu:${n}`] ?? []).filter((r) => !r.failed);
  const med = (list, k) => (list.length ? median(list.map((r) => r[k])) : NaN);
  const last = (list, k) => list.at(-1)?.[k] ?? 'did not complete';
  rows.push({
    participants: n,
    'mesh uplink kbit/s': fmt(med(m, 'uplinkKbps'), 0),
    'SFU uplink kbit/s': fmt(med(s, 'uplinkKbps'), 0),
    'uplink SFU/mesh': fmt(med(s, 'uplinkKbps') / med(m, 'uplinkKbps'), 2),
    'mesh CPU %/participant': fmt(med(m, 'cpuPct')),
    'SFU CPU %/participant': fmt(med(s, 'cpuPct')),
    'Janus CPU %': fmt(med(s, 'janusPct')),
    'connections/page (mesh, SFU)': `${fmt(med(m, 'connections'), 0)}, ${fmt(med(s, 'connections'), 0)}`,
    'tiles with video (mesh, SFU)': `${last(m, 'movingTiles')}, ${last(s, 'movingTiles')}`,
  });
}
const grid = [Object.keys(rows[0]), ...rows.map((r) => Object.values(r).map(String))];
table(grid, `bench:sfu — per participant, medians of ${TRIALS} interleaved trials, ${SECONDS} s each after a ${RAMP} s ramp (${WIDTH}×${HEIGHT} at ${FPS} fps)`);
console.log(`\n${markdown(grid)}`);
writeResult('sfu', { machine: machine(), trials: TRIALS, seconds: SECONDS, ramp: RAMP, capture: { width: WIDTH, height: HEIGHT, fps: FPS }, results, rows });
