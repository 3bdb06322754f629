#!/usr/bin/env node
// bench:server — signaling capacity. For each N (`--n 1000` by default; `--n 1000,5000,10000`),
// interleaved trials of the two servers, each in a fresh child process (bench/server-child.mjs):
//   rtc-call  createRtcServer (joinRateLimit 0, concurrentLimit raised, leaveGraceMs 0), rooms of 6:
//             POST /api/rooms/<room>/join → websocket <signaling.path>/peerjs?key&id&token → OPEN
//             (our relay, server/signaling/relay.ts; OPEN is followed by the `members` room event)
//   plain     `peer`'s ExpressPeerServer (a dev dependency, kept for this baseline only):
//             websocket /peerjs?key&id&token → OPEN
// A participant opens one socket on either server, so "per peer" below is per participant, every
// socket it opens counted. N real websockets from this process, `--concurrency` joins in flight,
// every socket sending the PeerJS HEARTBEAT every 5 s. Measured: join / connect latency (p50,
// p99), RSS per connected peer (steady after GC, and peak VmHWM, minus the idle server; and the
// marginal cost, from N/2 to N connected, which leaves out what grows once — JIT code, the young
// generation), relay latency of a CANDIDATE message to a room-mate (both), and LEAVE fan-out to 5
// room-mates after a socket closes (rtc-call only: the plain server has no LEAVE push). Then an
// open-loop phase: `--rate` participants per second (200) for `--open-s` seconds (4) arrive on
// schedule, the same offered load for both servers, and their socket → OPEN (and arrival → OPEN)
// times are the servers' response times; the closed loop's latency is its cycle time at
// saturation, and our cycle has a join in it. Also: server CPU per participant (from
// /proc/<pid>/stat, every thread) and how V8's heap spaces grew. `BENCH_PROF=1` writes a CPU
// profile of the rtc-call child to /tmp/prof. Runs with `ulimit -n` raised.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  arg, ensureBuild, fmtS, markdown, paired, quantile, sandbox, sleep, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url, { nofile: 65536 });
ensureBuild();
const NS = String(arg('n', '1000')).split(',').map(Number);
const TRIALS = Number(arg('trials', 10));
const CONCURRENCY = Number(arg('concurrency', 32));
const ROOM_SIZE = 6;
const PROBES = 20;
// The open-loop phase: participants per second and seconds (see runTrial).
const OPEN_RATE = Number(arg('rate', 200));
const OPEN_S = Number(arg('open-s', 4));
// Issue 12: memory per participant ≤ 1.5× plain `peer`, socket → OPEN p99 ≤ 1.2× plain, and
// 10,000 participants connected on one node in every trial (join API p99 < 50 ms from issue 8).
const TARGETS = { memRatio: 1.5, openP99Ratio: 1.2, peers: 10_000, joinP99Ms: 50 };

function procStatus(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function startChild(kind) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./server-child.mjs', import.meta.url), [kind], { execArgv: ['--expose-gc', ...(process.env.BENCH_PROF && kind === 'rtc' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    child.once('message', (m) => resolve({ child, port: m.port }));
  });
}
const childGc = (child) => new Promise((resolve) => { child.once('message', resolve); child.send('gc'); });

function post(agent, port, path, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`join ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Opens a PeerJS socket and resolves with it once the server's OPEN arrives. */
function openSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.inbox = [];
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no OPEN within 30 s')); }, 30_000);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'OPEN') { clearTimeout(timer); resolve(ws); } else ws.emit('peer-message', msg);
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

async function runTrial(kind, n) {
  const { child, port } = await startChild(kind);
  child.removeAllListeners('exit');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const clients = [];
  const joinMs = [];
  const connectMs = [];
  const totalMs = [];
  let heartbeat;
  try {
    // Warm the idle server a little (JIT, first request), then its idle memory is the baseline.
    if (kind === 'rtc') await post(agent, port, '/api/rooms/warmup/join', { displayName: 'warm' });
    const idleAnswer = await childGc(child);
    const idleMem = idleAnswer.memory;
    const idleSpaces = idleAnswer.spaces;
    await sleep(200);
    const idle = procStatus(child.pid);
    const salt = randomBytes(4).toString('hex');
    let next = 0;
    let until = Math.floor(n / 2);
    /** One participant arrives: join (rtc-call), then its socket until OPEN. */
    async function arrive(i, roomPrefix) {
      const room = `${roomPrefix}${Math.floor(i / ROOM_SIZE)}`;
      const t0 = performance.now();
      let url;
      let id;
      if (kind === 'rtc') {
        const j = await post(agent, port, `/api/rooms/${room}/join`, { displayName: `p${i}` });
        id = j.peerId;
        url = `ws://127.0.0.1:${port}${j.signaling.path}/peerjs?key=${j.signaling.key}&id=${id}&token=${encodeURIComponent(j.peerToken)}`;
      } else {
        id = `p${salt}${roomPrefix}${i}`;
        url = `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=${salt}`;
      }
      const t1 = performance.now();
      const ws = await openSocket(url);
      const t2 = performance.now();
      clients[i] = { ws, id, room };
      return { join: t1 - t0, connect: t2 - t1, total: t2 - t0, t0 };
    }
    async function worker() {
      while (next < until) {
        const i = next++;
        const a = await arrive(i, 'r');
        if (kind === 'rtc') joinMs.push(a.join);
        connectMs.push(a.connect);
        totalMs.push(a.total);
      }
    }
    // Ramp to N/2, measure (after GC), ramp on to N: the difference is the marginal cost per peer.
    let t = Date.now();
    const cpu0 = cpuSeconds(child.pid);
    const own0 = process.cpuUsage();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    let rampMs = Date.now() - t;
    const midConnected = clients.filter((c) => c?.ws.readyState === WebSocket.OPEN).length;
    const midMem = (await childGc(child)).memory;
    await sleep(200);
    const mid = procStatus(child.pid);
    until = n;
    t = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    rampMs += Date.now() - t;
    const rampS = rampMs / 1000;
    const serverCpuS = cpuSeconds(child.pid) - cpu0;
    const own = process.cpuUsage(own0);
    const clientCpuS = (own.user + own.system) / 1e6;
    // PeerJS clients send HEARTBEAT every 5 s: spread over the sockets.
    let hb = 0;
    heartbeat = setInterval(() => {
      const per = Math.ceil(clients.length / 50);
      for (let k = 0; k < per; k++) {
        const c = clients[hb++ % clients.length];
        if (c.ws.readyState === WebSocket.OPEN) c.ws.send('{"type":"HEARTBEAT"}');
      }
    }, 100);
    const peak = procStatus(child.pid);
    const connected = clients.filter((c) => c.ws.readyState === WebSocket.OPEN).length;
    const gcAnswer = await childGc(child);
    const mem = gcAnswer.memory;
    await sleep(200);
    const steady = procStatus(child.pid);

    // Relay: a CANDIDATE from one member to a room-mate, both servers.
    const relayMs = [];
    const rooms = Math.floor(n / ROOM_SIZE);
    const probes = Math.min(PROBES, rooms);
    for (let p = 0; p < probes; p++) {
      const base = Math.floor((p * rooms) / probes) * ROOM_SIZE;
      const [a, b] = [clients[base], clients[base + 1]];
      // Only the CANDIDATE counts (our server also sends room events on the same socket).
      const got = new Promise((resolve) => {
        const on = (msg) => { if (msg.type === 'CANDIDATE' && msg.src === a.id) { b.ws.off('peer-message', on); resolve(); } };
        b.ws.on('peer-message', on);
      });
      const t0 = performance.now();
      a.ws.send(JSON.stringify({ type: 'CANDIDATE', dst: b.id, payload: { candidate: {}, connectionId: 'mc_bench', type: 'media' } }));
      await got;
      relayMs.push(performance.now() - t0);
    }
    // LEAVE fan-out (rtc-call): the last member of a room closes its socket; time until all 5 mates have LEAVE.
    const leaveMs = [];
    if (kind === 'rtc') {
      for (let p = 0; p < probes; p++) {
        const base = Math.floor((p * rooms) / probes) * ROOM_SIZE;
        const mates = clients.slice(base, base + ROOM_SIZE - 1);
        const leaver = clients[base + ROOM_SIZE - 1];
        const all = Promise.all(mates.map((m) => new Promise((resolve) => {
          const on = (msg) => { if (msg.type === 'LEAVE' && msg.src === leaver.id) { m.ws.off('peer-message', on); resolve(); } };
          m.ws.on('peer-message', on);
        })));
        const t0 = performance.now();
        leaver.ws.close();
        await Promise.race([all, sleep(10_000).then(() => { throw new Error('LEAVE fan-out took over 10 s'); })]);
        leaveMs.push(performance.now() - t0);
      }
    }
    // Open loop: OPEN_RATE participants per second arrive on schedule, whatever the server's speed
    // (the same offered load for both servers, below either's capacity). The closed loop above
    // measures throughput — with CONCURRENCY in flight a participant's wait is the whole cycle of
    // the others, and a cycle of ours includes the join — this measures the response time.
    const openConnect = [];
    const openTotal = [];
    const arrivals = Math.round(OPEN_RATE * OPEN_S);
    const start = performance.now() + 50;
    await Promise.all(Array.from({ length: arrivals }, async (_, k) => {
      const due = start + (k * 1000) / OPEN_RATE;
      await sleep(Math.max(0, due - performance.now()));
      const a = await arrive(n + k, 'o');
      openConnect.push(a.connect);
      openTotal.push(performance.now() - due); // from the scheduled arrival: no coordinated omission
    }));
    return {
      n,
      connected,
      rampS,
      serverCpuUs: (serverCpuS * 1e6) / n,
      serverBusy: serverCpuS / rampS,
      clientBusy: clientCpuS / rampS,
      joinP50: quantile(joinMs, 0.5),
      joinP99: quantile(joinMs, 0.99),
      connectP50: quantile(connectMs, 0.5),
      connectP99: quantile(connectMs, 0.99),
      openConnectP50: quantile(openConnect, 0.5),
      openConnectP99: quantile(openConnect, 0.99),
      openTotalP99: quantile(openTotal, 0.99),
      totalP50: quantile(totalMs, 0.5),
      totalP99: quantile(totalMs, 0.99),
      relayMs: quantile(relayMs, 0.5),
      leaveMs: leaveMs.length ? quantile(leaveMs, 0.5) : NaN,
      idleRss: idle.rss,
      rssPerPeer: (steady.rss - idle.rss) / connected,
      marginalRssPerPeer: (steady.rss - mid.rss) / (connected - midConnected),
      marginalHeapPerPeer: (mem.heapUsed - midMem.heapUsed) / (connected - midConnected),
      peakRssPerPeer: (Math.max(steady.hwm, peak.hwm) - idle.rss) / n,
      peakRss: Math.max(steady.hwm, peak.hwm),
      heapPerPeer: (mem.heapUsed - idleMem.heapUsed) / connected,
      newSpaceGrowth: gcAnswer.spaces.new_space - idleSpaces.new_space,
      oldSpaceGrowth: gcAnswer.spaces.old_space - idleSpaces.old_space,
      externalPerPeer: (mem.external - idleMem.external) / connected,
    };
  } finally {
    clearInterval(heartbeat);
    for (const c of clients) c?.ws.terminate();
    agent.destroy();
    if (process.env.BENCH_PROF) { child.disconnect(); await new Promise((r) => setTimeout(r, 1500)); } child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r()));
  }
}

const all = {};
const tables = [];
const failures = [];
for (const n of NS) {
  const res = { rtc: [], plain: [] };
  for (let round = 0; round < TRIALS; round++) {
    const order = round % 2 ? ['plain', 'rtc'] : ['rtc', 'plain'];
    const line = [];
    for (const kind of order) {
      try {
        const r = await runTrial(kind, n);
        res[kind][round] = r;
        line.push(`${kind} ${r.connected}/${n} in ${r.rampS.toFixed(1)} s, total p99 ${r.totalP99.toFixed(1)} ms, ${(r.rssPerPeer / 1024).toFixed(1)} KiB/peer`);
      } catch (e) {
        failures.push({ n, round, kind, error: String(e.message ?? e) });
        res[kind][round] = undefined;
        line.push(`${kind} failed: ${e.message}`);
      }
      await sleep(300);
    }
    console.log(`N=${n} round ${round + 1}/${TRIALS}: ${line.join(' · ')}`);
  }
  all[n] = res;
  const col = (kind, k) => res[kind].map((r) => r?.[k] ?? NaN);
  const kib = (k, kind) => col(kind, k).map((x) => x / 1024);
  const rows = [
    [`N = ${n} (${TRIALS} interleaved trials)`, 'rtc-call', 'plain peer', 'rtc-call vs plain (paired)'],
    ['join API p50 / p99, ms', `${fmtS(summary(col('rtc', 'joinP50')))} / ${fmtS(summary(col('rtc', 'joinP99')))}`, 'no join API', ''],
    ['socket → OPEN p50, ms', fmtS(summary(col('rtc', 'connectP50'))), fmtS(summary(col('plain', 'connectP50'))), `${fmtS(paired(col('rtc', 'connectP50'), col('plain', 'connectP50')).ratio, 2)}×`],
    ['socket → OPEN p99, ms', fmtS(summary(col('rtc', 'connectP99'))), fmtS(summary(col('plain', 'connectP99'))), `${fmtS(paired(col('rtc', 'connectP99'), col('plain', 'connectP99')).ratio, 2)}×`],
    [`open loop, ${OPEN_RATE}/s: socket → OPEN p50, ms`, fmtS(summary(col('rtc', 'openConnectP50'))), fmtS(summary(col('plain', 'openConnectP50'))), `${fmtS(paired(col('rtc', 'openConnectP50'), col('plain', 'openConnectP50')).ratio, 2)}×`],
    [`open loop, ${OPEN_RATE}/s: socket → OPEN p99, ms`, fmtS(summary(col('rtc', 'openConnectP99'))), fmtS(summary(col('plain', 'openConnectP99'))), `${fmtS(paired(col('rtc', 'openConnectP99'), col('plain', 'openConnectP99')).ratio, 2)}×`],
    [`open loop, ${OPEN_RATE}/s: arrival → OPEN p99, ms`, fmtS(summary(col('rtc', 'openTotalP99'))), fmtS(summary(col('plain', 'openTotalP99'))), `${fmtS(paired(col('rtc', 'openTotalP99'), col('plain', 'openTotalP99')).ratio, 2)}×`],
    ['join + OPEN p50 / p99, ms', `${fmtS(summary(col('rtc', 'totalP50')))} / ${fmtS(summary(col('rtc', 'totalP99')))}`, `${fmtS(summary(col('plain', 'totalP50')))} / ${fmtS(summary(col('plain', 'totalP99')))}`, `p99 ${fmtS(paired(col('rtc', 'totalP99'), col('plain', 'totalP99')).ratio, 2)}×`],
    ['RSS per connected peer (after GC), KiB', fmtS(summary(kib('rssPerPeer', 'rtc'))), fmtS(summary(kib('rssPerPeer', 'plain'))), `${fmtS(paired(col('rtc', 'rssPerPeer'), col('plain', 'rssPerPeer')).ratio, 2)}×`],
    ['peak RSS per peer (VmHWM − idle), KiB', fmtS(summary(kib('peakRssPerPeer', 'rtc'))), fmtS(summary(kib('peakRssPerPeer', 'plain'))), `${fmtS(paired(col('rtc', 'peakRssPerPeer'), col('plain', 'peakRssPerPeer')).ratio, 2)}×`],
    ['marginal RSS per peer (N/2 → N, after GC), KiB', fmtS(summary(kib('marginalRssPerPeer', 'rtc'))), fmtS(summary(kib('marginalRssPerPeer', 'plain'))), `${fmtS(paired(col('rtc', 'marginalRssPerPeer'), col('plain', 'marginalRssPerPeer')).ratio, 2)}×`],
    ['  of which JS heap (heapUsed), KiB', fmtS(summary(kib('marginalHeapPerPeer', 'rtc'))), fmtS(summary(kib('marginalHeapPerPeer', 'plain'))), `${fmtS(paired(col('rtc', 'marginalHeapPerPeer'), col('plain', 'marginalHeapPerPeer')).ratio, 2)}×`],
    ['JS heap per connected peer (heapUsed), KiB', fmtS(summary(kib('heapPerPeer', 'rtc'))), fmtS(summary(kib('heapPerPeer', 'plain'))), `${fmtS(paired(col('rtc', 'heapPerPeer'), col('plain', 'heapPerPeer')).ratio, 2)}×`],
    ['V8 young generation grown (new space, after GC), MiB', fmtS(summary(col('rtc', 'newSpaceGrowth').map((x) => x / 2 ** 20))), fmtS(summary(col('plain', 'newSpaceGrowth').map((x) => x / 2 ** 20))), `${fmtS(paired(col('rtc', 'newSpaceGrowth'), col('plain', 'newSpaceGrowth')).ratio, 2)}×`],
    ['V8 old space grown (after GC), KiB per peer', fmtS(summary(col('rtc', 'oldSpaceGrowth').map((x, k) => x / 1024 / (res.rtc[k]?.connected ?? NaN)))), fmtS(summary(col('plain', 'oldSpaceGrowth').map((x, k) => x / 1024 / (res.plain[k]?.connected ?? NaN)))), `${fmtS(paired(col('rtc', 'oldSpaceGrowth'), col('plain', 'oldSpaceGrowth')).ratio, 2)}×`],
    ['idle server RSS, MiB', fmtS(summary(col('rtc', 'idleRss').map((x) => x / 2 ** 20))), fmtS(summary(col('plain', 'idleRss').map((x) => x / 2 ** 20))), ''],
    ['relay to a room-mate, ms', fmtS(summary(col('rtc', 'relayMs')), 2), fmtS(summary(col('plain', 'relayMs')), 2), `${fmtS(paired(col('rtc', 'relayMs'), col('plain', 'relayMs')).ratio, 2)}×`],
    ['LEAVE fan-out to 5 mates, ms', fmtS(summary(col('rtc', 'leaveMs')), 2), 'no LEAVE push', ''],
    ['connected in every trial', `${res.rtc.filter((r) => r?.connected === n).length} of ${TRIALS}`, `${res.plain.filter((r) => r?.connected === n).length} of ${TRIALS}`, ''],
    ['time to connect all N, s', fmtS(summary(col('rtc', 'rampS')), 1), fmtS(summary(col('plain', 'rampS')), 1), `${fmtS(paired(col('rtc', 'rampS'), col('plain', 'rampS')).ratio, 2)}×`],
    ['server CPU per participant (join + socket), µs', fmtS(summary(col('rtc', 'serverCpuUs')), 0), fmtS(summary(col('plain', 'serverCpuUs')), 0), `${fmtS(paired(col('rtc', 'serverCpuUs'), col('plain', 'serverCpuUs')).ratio, 2)}×`],
    ['server / load generator busy while connecting, %', `${fmtS(summary(col('rtc', 'serverBusy').map((x) => 100 * x)), 0)} / ${fmtS(summary(col('rtc', 'clientBusy').map((x) => 100 * x)), 0)}`, `${fmtS(summary(col('plain', 'serverBusy').map((x) => 100 * x)), 0)} / ${fmtS(summary(col('plain', 'clientBusy').map((x) => 100 * x)), 0)}`, ''],
  ];
  console.log('');
  tables.push({ n, rows, markdown: markdown(rows) });
  table(rows, `Signaling server capacity, N = ${n} websockets, ${CONCURRENCY} joins in flight`);
  console.log('');
}

// Targets, at every N run (the ratios are medians of the per-trial paired ratios).
const verdict = (ok) => (ok ? 'met' : 'missed');
const targets = NS.map((n) => {
  const res = all[n];
  const col = (kind, k) => res[kind].map((r) => r?.[k] ?? NaN);
  const memRatio = paired(col('rtc', 'rssPerPeer'), col('plain', 'rssPerPeer')).ratio.median;
  const marginalMemRatio = paired(col('rtc', 'marginalRssPerPeer'), col('plain', 'marginalRssPerPeer')).ratio.median;
  const openP99Ratio = paired(col('rtc', 'connectP99'), col('plain', 'connectP99')).ratio.median;
  const openLoopRatio = paired(col('rtc', 'openConnectP99'), col('plain', 'openConnectP99')).ratio.median;
  const joinP99 = summary(col('rtc', 'joinP99')).median;
  const allConnected = res.rtc.length === TRIALS && res.rtc.every((r) => r?.connected === n);
  const t = {
    n, memRatio, memMet: memRatio <= TARGETS.memRatio, marginalMemRatio, marginalMemMet: marginalMemRatio <= TARGETS.memRatio,
    openP99Ratio, openP99Met: openP99Ratio <= TARGETS.openP99Ratio, openLoopRatio, openLoopMet: openLoopRatio <= TARGETS.openP99Ratio, joinP99Ms: joinP99, joinP99Met: joinP99 < TARGETS.joinP99Ms, allConnected,
  };
  console.log(`targets at N=${n}: memory per peer ${memRatio.toFixed(2)}× plain (≤ ${TARGETS.memRatio}: ${verdict(t.memMet)}; marginal ${marginalMemRatio.toFixed(2)}×: ${verdict(t.marginalMemMet)}), ` +
    `socket → OPEN p99 ${openP99Ratio.toFixed(2)}× plain in the closed loop (≤ ${TARGETS.openP99Ratio}: ${verdict(t.openP99Met)}), ` +
    `${openLoopRatio.toFixed(2)}× at ${OPEN_RATE}/s in the open loop (${verdict(t.openLoopMet)}), join API p99 ${joinP99.toFixed(1)} ms (< ${TARGETS.joinP99Ms}: ${verdict(t.joinP99Met)}), ` +
    `all ${n} connected in every trial: ${allConnected ? 'yes' : 'no'}`);
  return t;
});
const tenThousand = targets.find((t) => t.n >= TARGETS.peers);
console.log(tenThousand ? `${TARGETS.peers} peers in every trial: ${verdict(tenThousand.allConnected)}` : `${TARGETS.peers} peers not run (use --n ${TARGETS.peers})`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('server', {
  command: `npm run bench:server${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  ns: NS,
  trials: TRIALS,
  concurrency: CONCURRENCY,
  roomSize: ROOM_SIZE,
  perTrial: all,
  targets: { goals: TARGETS, perN: targets, tenThousandEveryTrial: tenThousand ? tenThousand.allConnected : null },
  failures,
  tables,
});

process.exit(failures.length ? 1 : 0);
