#!/usr/bin/env node
// bench:cluster — cluster mode (RTC_REDIS_URL): two signaling nodes on one Redis against one node,
// in the same run, interleaved trials (`--trials 3`), each arm on fresh processes and a fresh
// redis-server (127.0.0.1, no persistence; Debian's redis-server, as CI installs it):
//   one node    createRtcServer in memory (the default: nothing to install)
//   one+redis   one node in cluster mode (what Redis costs a node by itself)
//   two nodes   two nodes in cluster mode, no sticky sessions and the worst case of it: every
//               participant's join goes to one node and its socket to the other (round robin,
//               as nginx does it), and half the rooms' members are on each node
// `--n` participants (600) in rooms of 6, `--concurrency` (32) arrivals in flight: join p50/p99
// (POST → answer), socket → OPEN p50/p99, then relay latency of a CANDIDATE to a room-mate (200
// probes; in the two-node arm between members on different nodes: through Redis), and the open
// sockets and RSS of each node. Prints a table; JSON in bench/results/cluster.json.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { arg, ensureBuild, fmt, markdown, quantile, sandbox, sleep, table, writeResult } from './lib.mjs';

sandbox(import.meta.url, { nofile: 65536 });
ensureBuild();
const N = Number(arg('n', 600));
const TRIALS = Number(arg('trials', 3));
const CONCURRENCY = Number(arg('concurrency', 32));
const PROBES = Number(arg('probes', 200));
const ROOM_SIZE = 6;
const PEER_SECRET = 'bench-cluster-peer-secret-0123456789abcdef01234';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rtc-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  child.once('error', (e) => { console.error(`bench:cluster needs redis-server (apt-get install redis-server): ${e.message}`); process.exit(1); });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    await sleep(25);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

function startNode(options) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./cluster-child.mjs', import.meta.url), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
    child.once('message', (m) => { child.removeAllListeners('exit'); resolve({ child, port: m.port }); });
  });
}
const nodeStats = (child) => new Promise((resolve) => { child.once('message', resolve); child.send('stats'); });

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

function openSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no OPEN within 30 s')); }, 30_000);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'OPEN') { clearTimeout(timer); resolve(ws); } else ws.emit('peer-message', msg);
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

const ARMS = [
  { name: 'one node', nodes: 1, redis: false },
  { name: 'one+redis', nodes: 1, redis: true },
  { name: 'two nodes', nodes: 2, redis: true },
];

async function trial(arm) {
  const redis = arm.redis ? await startRedis() : undefined;
  const nodes = [];
  const clients = [];
  const agents = [];
  try {
    for (let i = 0; i < arm.nodes; i++) nodes.push(await startNode(redis ? { redisUrl: redis.url, peerSecret: PEER_SECRET } : {}));
    for (const _ of nodes) agents.push(new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }));
    const joinMs = [];
    const openMs = [];
    let next = 0;
    // Warm-up join per node (JIT, first connections).
    for (let k = 0; k < nodes.length; k++) await post(agents[k], nodes[k].port, '/api/rooms/warmup/join', { displayName: 'warm' });
    async function worker() {
      while (next < N) {
        const i = next++;
        const room = `c${Math.floor(i / ROOM_SIZE)}`;
        const joinNode = i % nodes.length;
        // Two nodes: the socket goes to the other node than the join; members alternate nodes in a room.
        const sockNode = (joinNode + 1) % nodes.length;
        const t0 = performance.now();
        const j = await post(agents[joinNode], nodes[joinNode].port, `/api/rooms/${room}/join`, { displayName: `p${i}` });
        const t1 = performance.now();
        const ws = await openSocket(`ws://127.0.0.1:${nodes[sockNode].port}${j.signaling.path}/peerjs?key=${j.signaling.key}&id=${j.peerId}&token=${encodeURIComponent(j.peerToken)}`);
        const t2 = performance.now();
        joinMs.push(t1 - t0);
        openMs.push(t2 - t1);
        clients[i] = { ws, id: j.peerId, node: sockNode };
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await sleep(300);
    // Relay: a CANDIDATE to a room-mate (two nodes: one on the other node, through Redis).
    const relayMs = [];
    const rooms = Math.floor(N / ROOM_SIZE);
    for (let p = 0; p < PROBES; p++) {
      const base = (p % rooms) * ROOM_SIZE;
      const a = clients[base];
      const b = clients.slice(base + 1, base + ROOM_SIZE).find((c) => nodes.length === 1 || c.node !== a.node);
      const got = new Promise((resolve) => {
        const on = (msg) => { if (msg.type === 'CANDIDATE' && msg.src === a.id) { b.ws.off('peer-message', on); resolve(); } };
        b.ws.on('peer-message', on);
      });
      const t0 = performance.now();
      a.ws.send(JSON.stringify({ type: 'CANDIDATE', dst: b.id, payload: { candidate: {}, connectionId: 'mc_bench', type: 'media' } }));
      await got;
      relayMs.push(performance.now() - t0);
    }
    const stats = [];
    for (const n of nodes) stats.push(await nodeStats(n.child));
    return {
      joinP50: quantile(joinMs, 0.5), joinP99: quantile(joinMs, 0.99),
      openP50: quantile(openMs, 0.5), openP99: quantile(openMs, 0.99),
      relayP50: quantile(relayMs, 0.5), relayP99: quantile(relayMs, 0.99),
      sockets: stats.map((s) => s.stats.sockets), rssMb: stats.map((s) => s.rss / 2 ** 20),
      participants: stats.map((s) => s.stats.participants),
    };
  } finally {
    for (const c of clients) c?.ws.terminate();
    for (const a of agents) a.destroy();
    for (const n of nodes) { n.child.removeAllListeners('exit'); n.child.kill('SIGKILL'); }
    redis?.stop();
  }
}

console.log(`bench:cluster: ${N} participants in rooms of ${ROOM_SIZE}, ${CONCURRENCY} in flight, ${TRIALS} trials per arm (interleaved)`);
const results = Object.fromEntries(ARMS.map((a) => [a.name, []]));
for (let round = 0; round < TRIALS + 1; round++) {
  const order = ARMS.map((_, i) => ARMS[(i + round) % ARMS.length]);
  const line = [];
  for (const arm of order) {
    const r = await trial(arm);
    if (round > 0) results[arm.name].push(r);
    line.push(`${arm.name}: join p99 ${fmt(r.joinP99)} ms, relay p50 ${fmt(r.relayP50, 2)} ms, sockets ${r.sockets.join('+')}`);
  }
  console.log(`${round === 0 ? 'warm-up' : `round ${round}/${TRIALS}`}: ${line.join(' · ')}`);
}
const med = (rs, k) => quantile(rs.map((r) => r[k]), 0.5);
const rows = [['', 'join p50', 'join p99', 'socket → OPEN p99', 'relay p50', 'relay p99', 'sockets per node', 'RSS per node']];
for (const arm of ARMS) {
  const rs = results[arm.name];
  const last = rs[rs.length - 1];
  rows.push([
    arm.name, `${fmt(med(rs, 'joinP50'))} ms`, `${fmt(med(rs, 'joinP99'))} ms`, `${fmt(med(rs, 'openP99'))} ms`,
    `${fmt(med(rs, 'relayP50'), 2)} ms`, `${fmt(med(rs, 'relayP99'), 2)} ms`, last.sockets.join(' + '), last.rssMb.map((m) => `${fmt(m, 0)} MB`).join(' + '),
  ]);
}
table(rows, `medians of ${TRIALS} trials (relay in the two-node arm: between members on different nodes)`);
console.log(`\n${markdown(rows)}`);
writeResult('cluster', { n: N, trials: TRIALS, concurrency: CONCURRENCY, probes: PROBES, results });
