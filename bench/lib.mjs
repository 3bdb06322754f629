// Shared helpers of the benchmarks: the loopback-only sandbox (re-exec under `unshare --net`),
// statistics (median / min / max / quantiles of interleaved trials), tables, result files, and
// starting the servers and Chromium the browser benchmarks use.
import { spawnSync, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const resultsDir = join(root, 'bench', 'results');
export const bundleFile = join(root, 'dist', 'cdn', 'rtc-call.js');

/** `--name value` / `--name=value` from argv. */
export function arg(name, dflt) {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1] ?? dflt;
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return dflt;
}
export const flag = (name) => process.argv.slice(2).includes(`--${name}`);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function nofileLimit(which) {
  const r = spawnSync('sh', ['-c', `ulimit -${which}n`], { encoding: 'utf8' });
  const v = r.stdout.trim();
  return v === 'unlimited' ? Infinity : Number(v);
}

/**
 * Runs the calling script inside a fresh network namespace with only loopback up (as root, like
 * `npm test`; with `veth`, also the veth pair of scripts/in-netns.sh), and with `ulimit -n` raised to `nofile` when asked. Returns only in the sandboxed
 * process; the outer process exits with the inner one's status.
 */
export function sandbox(scriptUrl, { nofile = 0, veth = false } = {}) {
  const inNetns = process.env.RTC_BENCH_NETNS || process.env.RTC_TEST_NETNS;
  const needNetns = isRoot && !inNetns && !process.env.RTC_BENCH_NO_NETNS;
  // Without CAP_SYS_RESOURCE (containers) the hard limit cannot be raised: go as high as it allows.
  if (nofile > 0) nofile = Math.min(nofile, nofileLimit('H'));
  const needUlimit = nofile > 0 && !process.env.RTC_BENCH_ULIMIT && nofileLimit('S') < nofile;
  if (!needNetns && !needUlimit) {
    if (!isRoot && !inNetns) console.error('bench: not root, so not in a private network namespace (loopback is still the only address used).');
    return;
  }
  const steps = [];
  // `veth`: the namespace also gets scripts/in-netns.sh's veth pair (Janus skips loopback).
  if (needNetns && !veth) steps.push('ip link set lo up');
  if (!steps.length && !needUlimit) steps.push('true');
  if (needUlimit) steps.push(`ulimit -n ${nofile}`);
  const shell = ['sh', '-c', `${steps.join(' && ')} && exec "$0" "$@"`, process.execPath, ...process.execArgv, fileURLToPath(scriptUrl), ...process.argv.slice(2)];
  const cmd = needNetns ? ['unshare', '--net', '--', ...(veth ? [join(root, 'scripts', 'in-netns.sh')] : []), ...shell] : shell;
  const env = { ...process.env, ...(needNetns ? { RTC_BENCH_NETNS: '1' } : {}), ...(needUlimit ? { RTC_BENCH_ULIMIT: '1' } : {}) };
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  if (r.error) {
    console.error(`bench: could not sandbox (${r.error.message}); set RTC_BENCH_NO_NETNS=1 to run without a network namespace.`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

// ── statistics ───────────────────────────────────────────────────────────────────────────────
export function quantile(values, q) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}
export const median = (v) => quantile(v, 0.5);
/** { median, min, max, n } of finite values. */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { median: median(v), min: v.length ? Math.min(...v) : NaN, max: v.length ? Math.max(...v) : NaN, n: v.length };
}
/** Pairwise (trial i of a with trial i of b) ratio and difference summaries. */
export function paired(a, b) {
  const n = Math.min(a.length, b.length);
  const ratios = [];
  const diffs = [];
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      ratios.push(a[i] / b[i]);
      diffs.push(a[i] - b[i]);
    }
  }
  return { ratio: summary(ratios), diff: summary(diffs) };
}

export function fmt(x, digits = 1) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  if (typeof x === 'string') return x;
  return x.toFixed(digits);
}
/** "median [min–max]". */
export function fmtS(s, digits = 1, unit = '') {
  if (!s || !Number.isFinite(s.median)) return '–';
  return `${fmt(s.median, digits)}${unit} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
}

/** Prints rows (arrays of strings) as an aligned table, first row the header. Returns the text. */
export function table(rows, title) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  const out = [];
  if (title) out.push(title);
  out.push(line(rows[0]));
  out.push(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) out.push(line(r));
  const text = out.join('\n');
  console.log(text);
  return text;
}

/** Markdown version of the same rows (for the README). */
export function markdown(rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [
    `| ${rows[0].map(esc).join(' | ')} |`,
    `|${rows[0].map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    load: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

export function writeResult(name, data) {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  writeFileSync(file, `${JSON.stringify({ bench: name, machine: machine(), commit, bundle: bundleCopy && { bytes: bundleCopy.bytes, sha256: bundleCopy.sha256 }, ...data }, null, 2)}\n`);
  console.log(`\n→ ${file.replace(root, '')}`);
  return file;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ── servers ──────────────────────────────────────────────────────────────────────────────────
/** Builds dist/ (tsc + the one-tag bundle) when it is missing. */
export function ensureBuild() {
  if (existsSync(bundleFile) && existsSync(join(root, 'server', 'dist', 'index.js'))) return;
  console.log('bench: dist/ is missing; running `npm run build` …');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

export function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

let bundleCopy;
/**
 * A private copy of dist/cdn (rtc-call.js and its chunks) taken once per run: a rebuild in the
 * shared tree (`npm run build` empties dist/ first) must not change or remove the bundle
 * mid-benchmark. `bytes` and `sha256` are the entry's (it names the chunks by their hashes).
 */
export function bundleSnapshot() {
  if (bundleCopy) return bundleCopy;
  const dir = mkdtempSync(join(os.tmpdir(), 'rtc-bench-bundle-'));
  cpSync(dirname(bundleFile), dir, { recursive: true });
  const file = join(dir, 'rtc-call.js');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bytes = readFileSync(file);
  bundleCopy = { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
  return bundleCopy;
}

/** The rtc-call server (compiled server/dist) on a free loopback port, in this process, serving the bundle snapshot. */
export async function startRtcServer(options = {}) {
  const { createRtcServer } = await import(join(root, 'server', 'dist', 'index.js'));
  const instance = createRtcServer({
    bundleFile: bundleSnapshot().file,
    joinRateLimit: 0,
    log: () => {},
    staticDirs: { '/bench': join(root, 'bench', 'pages'), '/vendor': join(root, 'node_modules', 'peerjs', 'dist') },
    ...options,
  });
  const port = await listen(instance.server);
  return { ...instance, port, url: `http://127.0.0.1:${port}` };
}

/**
 * A plain PeerServer (`peer`'s ExpressPeerServer) at `/ps` on a free loopback port, in this
 * process. It also serves the bench pages and PeerJS (`/bench`, `/vendor`): our server's pages
 * carry `connect-src 'self'`, so a page that talks to this server must come from it.
 */
export async function startPlainPeerServer(options = {}) {
  const { default: express } = await import('express');
  const { ExpressPeerServer } = await import('peer');
  const app = express();
  const server = http.createServer(app);
  const peerServer = ExpressPeerServer(server, { path: '/', allow_discovery: false, ...options });
  app.use('/ps', peerServer);
  app.use('/bench', express.static(join(root, 'bench', 'pages')));
  app.use('/vendor', express.static(join(root, 'node_modules', 'peerjs', 'dist')));
  const port = await listen(server);
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    path: '/ps/',
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** coturn on loopback (as in ENVIRONMENT-NOTES.md and the test plugin); `stop()` kills it. */
export async function startCoturn(secret) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const net = await import('node:net');
  const port = await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const dir = mkdtempSync(join(os.tmpdir(), 'rtc-bench-coturn-'));
  const userdb = join(dir, 'turndb');
  writeFileSync(userdb, '');
  const minPort = 49152 + Math.floor(Math.random() * 60) * 200;
  const proc = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 199}`, '--realm=bench', '--fingerprint',
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--no-multicast-peers',
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--userdb=${userdb}`, '--log-file=stdout',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${out}`)), 10_000);
    const onData = (d) => {
      out += d;
      if (out.length > 100_000) out = out.slice(-50_000);
      if (/Total General servers|IPv4\. UDP listener opened on/i.test(out)) { clearTimeout(timer); resolve(); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('error', (e) => { clearTimeout(timer); reject(new Error(`turnserver could not start: ${e.message} (apt-get install coturn)`)); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`coturn exited with ${code}:\n${out}`)); });
  });
  proc.stdout.resume();
  proc.stderr.resume();
  return {
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    /** TURN REST credentials (the same formula as the server's). */
    credentials(user, ttl = 3600) {
      const username = `${Math.floor(Date.now() / 1000) + ttl}:${user}`;
      return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
    },
    stop() {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ── browser ──────────────────────────────────────────────────────────────────────────────────
export async function launchChromium(extraArgs = []) {
  const { findChrome, chromeArgs, NO_CHROME_MESSAGE } = await import(join(root, 'scripts', 'chrome.mjs'));
  const executablePath = findChrome();
  if (!executablePath) throw new Error(NO_CHROME_MESSAGE);
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ executablePath, headless: true, args: [...chromeArgs({ cameras: 1 }), ...extraArgs], protocolTimeout: 120_000 });
}

/** A fresh window (never a tab: hidden tabs never fire requestVideoFrameCallback) at `url`. */
export async function openWindow(browser, url) {
  const page = await browser.newPage({ type: 'window' });
  page.on('pageerror', (e) => console.error(`  page error: ${e.message ?? e}`));
  page.on('console', (m) => { if (m.type() === 'error' && process.env.BENCH_DEBUG) console.error(`  console: ${m.text()}`); });
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Runs every arm once per round, `warmup` rounds first (not recorded), then `trials` rounds, the
 * starting arm rotating from round to round (A B, B A, … for two arms). A trial that throws is
 * recorded in `failures` and counts as `failed`. Prints one line per round (`describe(arm, r)`).
 * Returns `{ results: { [arm.name]: r[] }, failures }` for the recorded rounds.
 */
export async function interleave({ arms, trials, warmup = 1, run, failed, describe, unit = '' }) {
  const results = Object.fromEntries(arms.map((a) => [a.name, []]));
  const failures = [];
  for (let round = 0; round < warmup + trials; round++) {
    const order = arms.map((_, i) => arms[(i + round) % arms.length]);
    const line = [];
    for (const arm of order) {
      let r;
      try {
        r = await run(arm);
      } catch (e) {
        failures.push({ round, arm: arm.name, error: String(e.message ?? e) });
        r = failed;
      }
      line.push(describe(arm, r));
      if (round >= warmup) results[arm.name][round - warmup] = r;
    }
    console.log(`${round < warmup ? 'warm-up' : `round ${round - warmup + 1}/${trials}`}: ${line.join(' · ')}${unit}`);
  }
  return { results, failures };
}
