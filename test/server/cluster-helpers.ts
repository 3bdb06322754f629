// Cluster mode's test servers: Debian's redis-server and nginx, each started by the test on a
// loopback port with a configuration of its own in a temp folder (never the system services).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from './helpers.js';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The reason a test needing `bin` skips here, or undefined when it is installed (CI installs both: .ci/run). */
export function missing(bin: 'redis-server' | 'nginx'): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status === 0;
  return found ? undefined : `${bin} is not installed here (apt-get install ${bin}; .ci/run installs it)`;
}

function nginxBin(): string {
  return spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || '/usr/sbin/nginx';
}

/** Resolves once `port` on 127.0.0.1 accepts a connection; throws if `child` exits or after `timeoutMs`. */
export async function waitForPort(port: number, child: ChildProcess, what: string, output: () => string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops a child process with `signal`, and with SIGKILL if it is still there 3 s later. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface TestRedis {
  port: number;
  url: string;
  output(): string;
  /** Stop it (its data is gone: nothing is saved). */
  stop(): Promise<void>;
  /** Start it again on the same port (after stop()). */
  restart(): Promise<void>;
}

/** redis-server on 127.0.0.1:<free port>, no persistence, its own folder. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-redis-'));
  const port = await freeTcpPort();
  let child: ChildProcess;
  let out = '';
  const run = async () => {
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
      '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    await waitForPort(port, child, 'redis-server', () => out);
  };
  await run();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    output: () => out,
    stop: () => stopChild(child),
    async restart() { await run(); },
  };
}

export interface TestNginx {
  port: number;
  base: string;
  /** The configuration it runs (docs/deploy/nginx-cluster.conf with the test's ports and paths). */
  config: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * nginx in front of `upstreams` (ports on 127.0.0.1) with the documented configuration,
 * docs/deploy/nginx-cluster.conf: only its `server` lines of the upstream, its listen port and its
 * file paths are changed, so a mistake in the documented file fails this test.
 */
export async function startNginx(upstreams: number[]): Promise<TestNginx> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-nginx-'));
  const port = await freeTcpPort();
  const documented = readFileSync(joinPath(repoRoot, 'docs', 'deploy', 'nginx-cluster.conf'), 'utf8');
  let servers = 0;
  const config = documented
    // The upstream's nodes: the documented example addresses become the test's nodes.
    .replace(/^(\s*)server\s+10\.0\.0\.\d+:8080\b([^;]*);/gm, (_m, indent: string, rest: string) => {
      const port = upstreams[servers++];
      return port === undefined ? '' : `${indent}server 127.0.0.1:${port}${rest};`;
    })
    .replace(/^(\s*)listen\s+80;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)server_name\s+[^;]+;/m, '$1server_name 127.0.0.1;')
    .replace(/^pid\s+[^;]+;/m, `pid ${joinPath(dir, 'nginx.pid')};`)
    .replace(/^error_log\s+[^;]+;/m, `error_log ${joinPath(dir, 'error.log')} info;`)
    .replace(/access_log\s+[^;]+;/, `access_log ${joinPath(dir, 'access.log')};`)
    .replace(/^user\s+[^;]+;\n/m, '');
  if (servers !== upstreams.length && servers < upstreams.length) throw new Error(`docs/deploy/nginx-cluster.conf has ${servers} upstream servers, the test needs ${upstreams.length}`);
  // Its temp folders in ours (the system's /var/lib/nginx belongs to the system's nginx).
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${joinPath(dir, t)};`).join('\n');
  const file = joinPath(dir, 'nginx.conf');
  writeFileSync(file, config.replace(/^http\s*\{/m, `http {\n${temps}`));
  const test = spawnSync(nginxBin(), ['-t', '-p', dir, '-c', file], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the configuration: ${test.stderr}`);
  let out = '';
  const child = spawn(nginxBin(), ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitForPort(port, child, 'nginx', () => out);
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    config: readFileSync(file, 'utf8'),
    output: () => {
      let log = out;
      try { log += readFileSync(joinPath(dir, 'error.log'), 'utf8'); } catch { /* none yet */ }
      return log;
    },
    async stop() {
      await stopChild(child, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
