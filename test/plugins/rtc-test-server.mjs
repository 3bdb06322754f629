// web-test-runner plugin: runs the real rtc-call server (server/index.ts, through tsx) on free
// loopback ports for the browser tests, and gives test pages commands (executeServerCommand) to
// start, stop and restart servers, run coturn, sign room tokens and drive extra browser processes
// (Chromium by default, Firefox with `browser: 'firefox'`); for cluster mode, redis-server and
// nginx (test/server/cluster-helpers.ts) and server processes with an environment of their own.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';
import { findChrome, chromeArgs } from '../../scripts/chrome.mjs';
import { firefoxLaunchOptions } from '../../scripts/firefox.mjs';
import { startJanus } from '../janus/janus-process.mjs';

/** Launches an extra headless browser for a test: `chromium` (the default) or `firefox`. */
async function launchBrowser(kind = 'chromium') {
  const { default: puppeteer } = await import('puppeteer-core');
  if (kind === 'firefox') return puppeteer.launch(firefoxLaunchOptions());
  if (kind !== 'chromium') throw new Error(`unknown browser ${kind} (chromium, firefox)`);
  return puppeteer.launch({ executablePath: findChrome(), headless: true, args: chromeArgs() });
}

let clusterHelpers;
async function loadClusterHelpers() {
  if (!clusterHelpers) {
    register();
    clusterHelpers = await import('../server/cluster-helpers.ts');
  }
  return clusterHelpers;
}

let serverModule;
async function loadServer() {
  if (!serverModule) {
    register();
    serverModule = await import('../../server/index.ts');
  }
  return serverModule;
}

/** A free TCP port on 127.0.0.1 (also used for coturn's UDP listener: both are free in a fresh namespace). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/**
 * Where coturn listens and relays: the test namespace's own veth address (scripts/in-netns.sh)
 * when there is one, else 127.0.0.1. Firefox never gathers a relay candidate from a TURN server on
 * loopback (nor uses loopback addresses at all); Chromium relays through either.
 */
function turnAddress() {
  const own = process.env.RTC_TEST_NETNS_ADDR;
  const present = own && Object.values(networkInterfaces()).flat().some((a) => a?.address === own);
  return present ? own : '127.0.0.1';
}

export function rtcTestServerPlugin() {
  return withHostPages(baseRtcTestServerPlugin());
}

function baseRtcTestServerPlugin() {
  /** name → { options, port, instance } */
  const servers = new Map();
  /** Copies of dist/cdn made by `cdn-copy`, removed when the runner stops. */
  const cdnCopies = new Set();
  const coturns = new Map();
  const browsers = new Map();
  let nextBrowser = 1;
  /** The test runner's own dev server (serves test/pages and compiles src/ on the fly). */
  let devServer = 'http://127.0.0.1';

  async function start(name, options = {}, port = 0) {
    await loadServer();
    // Browser tests join far more often than a person: the rate limit is off unless a test sets it.
    // RTC_TEST_SERVER_LOG=1 prints the servers' log lines (for debugging a test).
    // Its last log lines are kept for `rtc-server-log` (what a test asks of the server's side),
    // one list per name across restarts (a restart passes this `log` back in with its options).
    const lines = servers.get(name)?.lines ?? [];
    const log = (line) => {
      lines.push(line);
      if (lines.length > 2_000) lines.splice(0, lines.length - 2_000);
      if (process.env.RTC_TEST_SERVER_LOG) process.stderr.write(`[${name}] ${line}\n`);
    };
    const opts = { peerSecret: randomBytes(32).toString('base64url'), joinRateLimit: 0, log, ...options };
    const instance = serverModule.createRtcServer(opts);
    const bound = await listen(instance.server, port);
    const entry = { options: opts, port: bound, instance, lines };
    servers.set(name, entry);
    return { name, url: `http://127.0.0.1:${bound}` };
  }

  async function stop(name) {
    const entry = servers.get(name);
    if (!entry?.instance) return;
    const { instance } = entry;
    entry.instance = undefined;
    await instance.close();
  }

  /**
   * The server as its own process, the CLI with its defaults (no RTC_PEER_SECRET, a data
   * directory of its own), for the restart drill: `rtc-process-kill` SIGKILLs it, and
   * `rtc-process-start` again starts it on the same port with the same data directory — or, with
   * `lostData: true`, with a new empty one (a restart that lost its state and secrets).
   */
  const processes = new Map();
  async function startProcess({ name = 'process', lostData = false, env: extraEnv = {} } = {}) {
    let entry = processes.get(name);
    if (entry?.child) return { name, url: `http://127.0.0.1:${entry.port}` };
    if (!entry) entry = { port: await freePort(), dir: mkdtempSync(join(tmpdir(), 'rtc-data-')) };
    else if (lostData) {
      rmSync(entry.dir, { recursive: true, force: true });
      entry.dir = mkdtempSync(join(tmpdir(), 'rtc-data-'));
    }
    const env = { ...process.env };
    delete env.RTC_PEER_SECRET;
    delete env.RTC_DATA_DIR;
    // `env`: e.g. a cluster node's RTC_REDIS_URL and RTC_PEER_SECRET (kept for its restarts).
    entry.env = { ...entry.env, ...extraEnv };
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', String(entry.port), '--host', '127.0.0.1',
      '--demo-dir', '', '--join-rate-limit', '0'], { env: { ...env, RTC_DATA_DIR: entry.dir, ...entry.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    // Its log (stderr), for what a test asks of a cluster node (`cluster-lease-holder`).
    entry.log = '';
    child.stderr.on('data', (d) => { entry.log = (entry.log + d).slice(-200_000); });
    processes.set(name, entry);
    await new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`rtc-call-server did not start: ${out}${err}`)), 20_000);
      child.stdout.on('data', (d) => { out += d; if (/listening on/.test(out)) { clearTimeout(timer); resolve(); } });
      child.stderr.on('data', (d) => (err += d));
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`rtc-call-server exited ${code}: ${out}${err}`)); });
      // RTC_TEST_SERVER_LOG=1: the process's log lines too.
      if (process.env.RTC_TEST_SERVER_LOG) child.stderr.on('data', (d) => process.stderr.write(String(d).replace(/^(?=.)/gm, `[${name}] `)));
    });
    return { name, url: `http://127.0.0.1:${entry.port}`, port: entry.port };
  }
  async function killProcess({ name = 'process' } = {}) {
    const entry = processes.get(name);
    const child = entry?.child;
    if (!child) return false;
    entry.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); });
    }
    return true;
  }

  async function startCoturn({ secret = randomBytes(16).toString('hex'), realm = 'rtc-test' } = {}) {
    const port = await freePort();
    const ip = turnAddress();
    const dir = mkdtempSync(join(tmpdir(), 'rtc-coturn-'));
    const userdb = join(dir, 'turndb');
    writeFileSync(userdb, '');
    const minPort = 49152 + Math.floor(Math.random() * 60) * 200;
    const proc = spawn('turnserver', [
      '-n', `--listening-ip=${ip}`, `--relay-ip=${ip}`, `--listening-port=${port}`,
      `--min-port=${minPort}`, `--max-port=${minPort + 199}`, `--realm=${realm}`, '--fingerprint',
      '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--no-multicast-peers',
      '--use-auth-secret', `--static-auth-secret=${secret}`, `--userdb=${userdb}`, '--log-file=stdout',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${out}`)), 10_000);
      const onData = (d) => {
        out += d;
        if (/Total General servers|IPv4\. UDP listener opened on/i.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('error', (e) => { clearTimeout(timer); reject(new Error(`coturn (turnserver) could not be started: ${e.message}. Install it: apt-get install coturn`)); });
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`coturn exited with ${code}:\n${out}`)); });
    });
    await ready;
    const id = `coturn-${port}`;
    coturns.set(id, { proc, dir });
    return { id, port, secret, url: `turn:${ip}:${port}?transport=udp` };
  }

  function stopCoturn(id) {
    const entry = coturns.get(id);
    if (!entry) return;
    coturns.delete(id);
    entry.proc.kill('SIGKILL');
    rmSync(entry.dir, { recursive: true, force: true });
  }

  async function spawnBrowser({ url, browser: kind }) {
    const browser = await launchBrowser(kind);
    const page = await browser.newPage({ type: 'window' });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(new URL(url, devServer).href);
    const id = String(nextBrowser++);
    browsers.set(id, { browser, page, errors });
    return { id, pid: browser.process()?.pid };
  }

  async function killBrowser({ id }) {
    const entry = browsers.get(id);
    if (!entry) return false;
    browsers.delete(id);
    const proc = entry.browser.process();
    proc?.kill('SIGKILL');
    await new Promise((r) => (proc && proc.exitCode === null ? proc.once('exit', r) : r()));
    return true;
  }

  /**
   * Network faults in the test namespace (nftables, input hook: a drop on output fails sendto):
   * UDP is dropped — all of it, or `lossPercent` at random, once per packet; only to or from
   * `ports` when given. One test file runs at a time (concurrency and concurrentBrowsers 1), so the
   * namespace's UDP is the test's own. `clear` removes it. Only inside a namespace the test runner
   * created (RTC_TEST_NETNS_ADDR, set by scripts/in-netns.sh).
   */
  async function netFault({ ports = [], lossPercent = 100, clear = false, exceptTo }) {
    if (!process.env.RTC_TEST_NETNS_ADDR) throw new Error('net-fault runs only inside the test namespace (scripts/in-netns.sh)');
    const table = 'rtc_test_fault';
    let script = `add table inet ${table}\ndelete table inet ${table}\n`;
    if (!clear) {
      const list = ports.map((p) => Number(p)).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
      const loss = Math.max(0, Math.min(100, Number(lossPercent)));
      if (exceptTo !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(exceptTo)) throw new Error('net-fault: exceptTo must be an IPv4 address');
      const match = list.length
        ? 'udp sport @ports jump lossy; udp dport @ports jump lossy;'
        : exceptTo
          ? `meta nfproto ipv4 meta l4proto udp ip daddr != ${exceptTo} jump lossy; meta nfproto ipv6 meta l4proto udp jump lossy;`
          : 'meta l4proto udp jump lossy;';
      script += `table inet ${table} {
  ${list.length ? `set ports { type inet_service; elements = { ${list.join(', ')} } }` : ''}
  chain lossy { ${loss >= 100 ? 'drop' : `numgen random mod 100 < ${loss} drop`}; accept; }
  chain input { type filter hook input priority -10; policy accept; ${match} }
}
`;
    }
    await new Promise((resolve, reject) => {
      const nft = spawn('nft', ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      nft.stderr.on('data', (d) => (err += d));
      nft.on('error', reject);
      nft.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft: ${err.trim()}`))));
      nft.stdin.end(script);
    });
    return true;
  }

  /**
   * Moves the namespace's v0 (scripts/in-netns.sh) from one address to another, as a network
   * change does, and puts the default route back. Only inside the test namespace.
   */
  async function readdress({ from, to }) {
    if (!process.env.RTC_TEST_NETNS_ADDR) throw new Error('net-readdress runs only inside the test namespace (scripts/in-netns.sh)');
    for (const a of [from, to]) if (!/^10\.213\.0\.\d{1,3}$/.test(a ?? '')) throw new Error('net-readdress: addresses must be in 10.213.0.0/24');
    const run = (args) =>
      new Promise((resolve, reject) => {
        const ip = spawn('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        ip.stderr.on('data', (d) => (err += d));
        ip.on('error', reject);
        ip.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')}: ${err.trim()}`))));
      });
    // In this order: deleting a subnet's primary address takes its secondaries with it.
    await run(['addr', 'del', `${from}/24`, 'dev', 'v0']);
    await run(['addr', 'add', `${to}/24`, 'dev', 'v0']);
    await run(['route', 'replace', 'default', 'via', '10.213.0.2', 'dev', 'v0']);
    return true;
  }

  async function evaluateInBrowser({ id, expression }) {
    const entry = browsers.get(id);
    if (!entry) throw new Error(`no browser ${id}`);
    return entry.page.evaluate(expression);
  }

  /** Janus servers of this run (test/janus/janus-process.mjs), by id. */
  const januses = new Map();
  async function janusStart() {
    const janus = await startJanus({ port: await freePort() });
    const id = `janus-${janus.port}`;
    januses.set(id, janus);
    return { id, url: janus.url };
  }
  async function janusEnd({ id, kill = false }) {
    const janus = januses.get(id);
    if (!janus) return false;
    januses.delete(id);
    await (kill ? janus.kill() : janus.stop());
    return true;
  }

  /** Cluster mode: redis-server and nginx (docs/deploy/nginx-cluster.conf) of this run, by id. */
  const clusterServers = new Map();
  let nextClusterServer = 1;
  async function redisStart() {
    const redis = await (await loadClusterHelpers()).startRedis();
    const id = `redis-${nextClusterServer++}`;
    clusterServers.set(id, redis);
    return { id, url: redis.url };
  }
  async function nginxStart({ upstreams }) {
    const nginx = await (await loadClusterHelpers()).startNginx(upstreams);
    const id = `nginx-${nextClusterServer++}`;
    clusterServers.set(id, nginx);
    return { id, url: nginx.base };
  }
  async function clusterServerStop({ id }) {
    const entry = clusterServers.get(id);
    clusterServers.delete(id);
    await entry?.stop();
    return true;
  }
  /** Open signaling sockets of a server process (its /metrics, RTC_METRICS_TOKEN in its env). */
  async function processSockets({ name }) {
    const entry = processes.get(name);
    const token = entry?.env?.RTC_METRICS_TOKEN;
    if (!entry?.child || !token) return -1;
    const text = await (await fetch(`http://127.0.0.1:${entry.port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    return Number(/^rtc_signaling_sockets (\d+)/m.exec(text)?.[1] ?? -1);
  }

  /**
   * Cluster mode with Janus: `{ name }` of the server process (`rtc-process-start`) holding the
   * lease of `room` in the Redis `redis` (`redis-start`), or `{ name: null }`: read from Redis (rtc:lease:<room>)
   * and matched to the node id each process logs at start.
   */
  async function leaseHolder({ redis, room }) {
    const server = clusterServers.get(redis);
    if (!server) throw new Error(`no Redis ${redis}`);
    const { Redis } = await import('ioredis');
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      const node = await client.get(`rtc:lease:${room}`);
      // Wrapped: a bare null would read as "unknown command".
      if (!node) return { name: null };
      for (const [name, entry] of processes) if (entry.child && entry.log?.includes(`cluster node ${node} on Redis`)) return { name };
      return { name: null };
    } finally {
      client.disconnect();
    }
  }

  const commands = {
    'cluster-lease-holder': leaseHolder,
    // Wrapped: an undefined answer would read as "unknown command".
    'cluster-missing': async () => {
      const { missing } = await loadClusterHelpers();
      return { reason: missing('redis-server') ?? missing('nginx') ?? null };
    },
    'redis-start': redisStart,
    'nginx-start': async (payload) => nginxStart(payload ?? {}),
    'cluster-server-stop': clusterServerStop,
    'rtc-process-sockets': processSockets,
    'janus-start': janusStart,
    'janus-stop': async ({ id }) => janusEnd({ id }),
    'janus-kill': async ({ id }) => janusEnd({ id, kill: true }),
    'rtc-server': async ({ name = 'default', options } = {}) => {
      const entry = servers.get(name);
      if (entry?.instance && !options) return { name, url: `http://127.0.0.1:${entry.port}` };
      if (entry?.instance) await stop(name);
      return start(name, options ?? {});
    },
    'rtc-server-stop': async ({ name = 'default' } = {}) => {
      await stop(name);
      return true;
    },
    'rtc-server-restart': async ({ name = 'default', downMs = 0 } = {}) => {
      const entry = servers.get(name);
      if (!entry) throw new Error(`no server ${name}`);
      await stop(name);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      return start(name, entry.options, entry.port);
    },
    // The in-process server's last 2,000 log lines.
    'rtc-server-log': async ({ name = 'default' } = {}) => {
      const entry = servers.get(name);
      if (!entry) throw new Error(`no server ${name}`);
      return { lines: entry.lines };
    },
    'rtc-server-health': async ({ name = 'default' } = {}) => {
      const { rooms, participants, sockets, waiting } = servers.get(name).instance.stats();
      return { rooms, peers: participants, sockets, waiting };
    },
    'rtc-sign-room-token': async (payload) => (await loadServer()).signRoomToken(payload),
    'free-port': async () => freePort(),
    // A copy of the built one-tag bundle (dist/cdn) whose chunks named with `without` are held
    // back (a server missing a chunk: a page open across a deploy, a proxy that drops it), for an
    // rtc-server's `bundleFile`; `cdn-restore` puts them back.
    'cdn-copy': async ({ without }) => {
      const dir = mkdtempSync(join(tmpdir(), 'rtc-cdn-'));
      cdnCopies.add(dir);
      cpSync(join(process.cwd(), 'dist', 'cdn'), join(dir, 'cdn'), { recursive: true });
      mkdirSync(join(dir, 'held'));
      const held = readdirSync(join(dir, 'cdn', 'chunks')).filter((f) => f.includes(without));
      for (const f of held) renameSync(join(dir, 'cdn', 'chunks', f), join(dir, 'held', f));
      return { dir, bundleFile: join(dir, 'cdn', 'rtc-call.js'), held };
    },
    'cdn-restore': async ({ dir }) => {
      for (const f of readdirSync(join(dir, 'held'))) renameSync(join(dir, 'held', f), join(dir, 'cdn', 'chunks', f));
      return true;
    },
    'rtc-process-start': startProcess,
    'rtc-process-kill': killProcess,
    'net-fault': async (payload) => netFault(payload ?? {}),
    'net-fault-clear': async () => netFault({ clear: true }),
    'net-readdress': async (payload) => readdress(payload ?? {}),
    'coturn-start': async (payload) => startCoturn(payload ?? {}),
    'coturn-stop': async ({ id }) => {
      stopCoturn(id);
      return true;
    },
    'browser-spawn': spawnBrowser,
    'browser-kill': killBrowser,
    'browser-eval': evaluateInBrowser,
  };

  return {
    name: 'rtc-test-server',
    // Servers start on first use (`rtc-server` command), so test files that need none pay nothing.
    serverStart({ config }) {
      devServer = `http://${config.hostname ?? '127.0.0.1'}:${config.port}`;
    },
    async serverStop() {
      for (const name of servers.keys()) await stop(name);
      for (const [name, entry] of processes) {
        await killProcess({ name });
        rmSync(entry.dir, { recursive: true, force: true });
      }
      for (const id of [...coturns.keys()]) stopCoturn(id);
      for (const id of [...clusterServers.keys()]) await clusterServerStop({ id });
      for (const id of [...januses.keys()]) await janusEnd({ id, kill: true });
      for (const dir of cdnCopies) rmSync(dir, { recursive: true, force: true });
      cdnCopies.clear();
      if (process.env.RTC_TEST_NETNS_ADDR) await netFault({ clear: true }).catch(() => {});
      for (const { browser } of browsers.values()) await browser.close().catch(() => {});
      browsers.clear();
    },
    async executeCommand({ command, payload }) {
      const fn = commands[command];
      if (!fn) return undefined;
      return fn(payload);
    },
  };
}

// ── Host pages on other origins (issue 7: one script tag, strict CSP, double loading) ──────────
// `static-server` serves a folder on its own loopback port (another origin than the test runner
// and the rtc-call server) with the response headers a test asks for (e.g. a strict CSP) and
// placeholders replaced in its HTML (e.g. `__RTC__` → the rtc-call server's URL).
// `page-open` / `page-eval` (answers `{ value }`) / `page-log` / `page-close` drive windows of ONE extra puppeteer
// browser per kind (`page-open { url, browser: 'firefox' }` opens it in Firefox), recording console messages, page errors and `securitypolicyviolation` events from
// before the page's first script (an init script runs outside the page's CSP).
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { extname, normalize, resolve as resolvePath } from 'node:path';

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

function withHostPages(plugin) {
  const statics = new Set();
  /** kind → Promise<Browser> */
  const extraBrowsers = new Map();
  const pages = new Map();
  let nextPage = 1;

  async function staticServer({ dir, headers = {}, replace = {}, port = 0 }) {
    const root = resolvePath(dir);
    const server = createHttpServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path === '/favicon.ico') return void res.writeHead(204).end();
      const file = normalize(resolvePath(root, `.${path.endsWith('/') ? `${path}index.html` : path}`));
      if (!file.startsWith(root)) return void res.writeHead(403).end();
      try {
        let body = await readFile(file, extname(file) === '.html' ? 'utf8' : undefined);
        if (typeof body === 'string') for (const [from, to] of Object.entries(replace)) body = body.split(from).join(to);
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...headers });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
    const bound = await listen(server, port);
    statics.add(server);
    return { url: `http://127.0.0.1:${bound}` };
  }

  async function pageOpen({ url, browser: kind = 'chromium', viewport }) {
    if (!extraBrowsers.has(kind)) extraBrowsers.set(kind, launchBrowser(kind));
    const browser = await extraBrowsers.get(kind);
    const page = await browser.newPage({ type: 'window' });
    const log = { console: [], errors: [], failed: [] };
    page.on('console', (m) => log.console.push({ type: m.type(), text: m.text() }));
    page.on('response', (r) => r.status() >= 400 && log.failed.push(`${r.status()} ${r.url()}`));
    page.on('requestfailed', (r) => log.failed.push(`${r.failure()?.errorText ?? 'failed'} ${r.url()}`));
    page.on('dialog', (d) => d.accept());
    page.on('pageerror', (e) => log.errors.push(String(e?.message ?? e)));
    await page.evaluateOnNewDocument(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile });
      });
    });
    const id = String(nextPage++);
    pages.set(id, { page, log });
    if (viewport) await page.setViewport(viewport);
    await page.goto(url, { waitUntil: 'load' });
    return { id };
  }

  const commands = {
    'static-server': staticServer,
    'page-open': pageOpen,
    'page-eval': async ({ id, expression }) => {
      const entry = pages.get(id);
      if (!entry) throw new Error(`no page ${id}`);
      // Wrapped: a bare undefined / null would read as "unknown command" to the test runner.
      return { value: await entry.page.evaluate(expression) };
    },
    'page-log': async ({ id }) => pages.get(id)?.log,
    'page-close': async ({ id }) => {
      const entry = pages.get(id);
      pages.delete(id);
      await entry?.page.close().catch(() => {});
      return true;
    },
  };

  return {
    ...plugin,
    async serverStop() {
      await plugin.serverStop?.();
      for (const server of statics) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
      statics.clear();
      for (const pending of extraBrowsers.values()) await (await pending.catch(() => undefined))?.close().catch(() => {});
      extraBrowsers.clear();
      pages.clear();
    },
    async executeCommand(args) {
      const fn = commands[args.command];
      if (fn) return fn(args.payload ?? {});
      return plugin.executeCommand(args);
    },
  };
}
