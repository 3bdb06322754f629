import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createRtcServer, type RtcServerOptions, type RtcServer, type JoinResponse } from '../../server/index.js';

export interface Started {
  rtc: RtcServer;
  base: string;
  port: number;
  logs: string[];
  close(): Promise<void>;
}

/** Start a server on 127.0.0.1:0. Rate limit off unless asked; logs collected. */
export async function start(options: RtcServerOptions = {}): Promise<Started> {
  const logs: string[] = [];
  const rtc = createRtcServer({ joinRateLimit: 0, log: (l) => logs.push(l), ...options });
  await new Promise<void>((resolve, reject) => {
    rtc.server.once('error', reject);
    rtc.server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (rtc.server.address() as AddressInfo).port;
  return { rtc, port, base: `http://127.0.0.1:${port}`, logs, close: () => rtc.close() };
}

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function request<T = any>(url: string, init: RequestInit = {}): Promise<HttpAnswer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, headers: res.headers, body, text };
}

export function join(
  base: string,
  room: string,
  body: unknown = { displayName: 'Alice' },
  headers: Record<string, string> = {},
): Promise<HttpAnswer<any>> {
  return request(`${base}/api/rooms/${room}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Join and assert 200. */
export async function joinOk(base: string, room: string, displayName = 'Alice', extra: Record<string, unknown> = {}): Promise<JoinResponse> {
  const r = await join(base, room, { displayName, ...extra });
  if (r.status !== 200) throw new Error(`join ${room} → ${r.status} ${r.text}`);
  return r.body;
}

/** A PeerJS-protocol client socket (what the peerjs browser client opens). */
export class PeerSocket {
  readonly messages: any[] = [];
  private waiters: Array<() => void> = [];
  closed: Promise<{ code: number }>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  }
  send(msg: unknown): void { this.ws.send(JSON.stringify(msg)); }
  /** Wait for a message matching `pred` (already received or future). */
  next(pred: (m: any) => boolean, timeoutMs = 3000): Promise<any> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(pred);
        if (found) { clearTimeout(t); resolve(found); return true; }
        return false;
      };
      const t = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      if (check()) return;
      const w = () => { if (!check()) this.waiters.push(w); };
      this.waiters.push(w);
    });
  }
  /** Resolve true if no matching message arrives within `ms`. */
  async none(pred: (m: any) => boolean, ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return !this.messages.some(pred);
  }
  close(): void { this.ws.close(); }
  destroy(): void { this.ws.terminate(); }
}

export function wsUrl(port: number, j: Pick<JoinResponse, 'signaling' | 'peerId' | 'peerToken'>, over: Record<string, string> = {}): string {
  // Exactly what peerjs builds: ws://host:port + path + '/' + 'peerjs?key=' + key + '&id=' + id + '&token=' + token
  const q = { key: j.signaling.key, id: j.peerId, token: j.peerToken, version: '1.5.5', ...over };
  return `ws://127.0.0.1:${port}${j.signaling.path}/peerjs?key=${q.key}&id=${q.id}&token=${q.token}&version=${q.version}`;
}

/** Open a peer socket; resolves on OPEN from PeerServer, rejects with the HTTP status if refused. */
export function connect(port: number, j: Pick<JoinResponse, 'signaling' | 'peerId' | 'peerToken'>, opts: { origin?: string; url?: string } = {}): Promise<PeerSocket> {
  const url = opts.url ?? wsUrl(port, j);
  const ws = new WebSocket(url, opts.origin === undefined ? {} : { headers: { Origin: opts.origin } });
  const peer = new PeerSocket(ws);
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
    peer.next((m) => m.type === 'OPEN').then(() => resolve(peer), reject);
  });
}

export async function refusedStatus(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { status?: number }).status ?? -1;
  }
  throw new Error('expected the upgrade to be refused');
}

export function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliProcess {
  child: ChildProcess;
  port: number;
  /** Everything printed so far. */
  out(): string;
  err(): string;
  /** The exit code once it has exited. */
  exited: Promise<number | null>;
}

/** The CLI (server/cli.ts through tsx) as its own process, once it has printed its listening line. */
export async function spawnCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', joinPath(repoRoot, 'server', 'cli.ts'), ...args], {
    cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const t0 = Date.now();
  while (!/listening on/.test(out)) {
    if (Date.now() - t0 > 15_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`no listening line: ${out} ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port: Number(/:(\d+)\//.exec(out)![1]), out: () => out, err: () => err, exited };
}

export interface Coturn {
  port: number;
  /** The log file and the process's own output so far. */
  log(): string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Debian's coturn on 127.0.0.1 with TURN REST auth (`use-auth-secret`), a fresh user db and its
 * own log file; resolves once it listens. `turnutils_uclient` (same package) drives allocations.
 */
export async function startCoturn(secret: string): Promise<Coturn> {
  const which = spawnSync('sh', ['-c', 'command -v turnserver && command -v turnutils_uclient']);
  if (which.status !== 0) {
    throw new Error('coturn is not installed: `apt-get install coturn` (turnserver and turnutils_uclient are needed for this test)');
  }
  const dir = mkdtempSync(joinPath(tmpdir(), 'rtc-turn-'));
  const port = await freeUdpPort();
  const minPort = 49152 + Math.floor(Math.random() * 150) * 100;
  const logFile = joinPath(dir, 'turn.log');
  let out = '';
  const turn = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 99}`, '--realm=test', '--fingerprint',
    '--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--no-multicast-peers',
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--userdb=${joinPath(dir, 'turndb')}`,
    `--log-file=${logFile}`, '--simple-log', `--pidfile=${joinPath(dir, 'turn.pid')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  turn.stdout!.on('data', (d) => (out += d));
  turn.stderr!.on('data', (d) => (out += d));
  const log = () => out + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const started = Date.now();
  while (!/Total General servers/.test(log())) {
    if (turn.exitCode !== null) throw new Error(`turnserver exited: ${out}`);
    if (Date.now() - started > 10000) throw new Error(`turnserver did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    log,
    logFile,
    async stop() {
      if (turn.exitCode === null) {
        const exited = new Promise((r) => turn.once('exit', r));
        turn.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (turn.exitCode === null) turn.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking). */
export async function freeTcpPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

/** One allocation pair through coturn with these credentials (`-y`: two clients relay to each other). */
export function uclient(port: number, username: string, credential: string): { ok: boolean; output: string } {
  // -y: two allocations send to each other through their relays; -c: no RTCP; -n 1: one message.
  const r = spawnSync('turnutils_uclient', ['-v', '-y', '-c', '-n', '1', '-m', '1', '-u', username, '-w', credential, '-p', String(port), '127.0.0.1'], {
    encoding: 'utf8',
    timeout: 15000,
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
