// The documented single-node proxies (docs/deploy/nginx.conf, docs/deploy/Caddyfile) started by a
// test on loopback ports with a self-signed certificate, and clients that talk through them over
// TLS: shared by deploy-nginx.test.ts and deploy-caddy.test.ts (requests, signaling sockets and a
// real call between two Chromium windows: deploy-call.ts). Only a file's ports, certificate paths,
// ACME webroot, site address and upstream port are changed; everything else is run as documented.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo } from 'node:net';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { signRoomToken, type JoinResponse } from '../../server/index.js';
import { stopChild, waitForPort } from './cluster-helpers.js';
import { freeTcpPort, PeerSocket, wsUrl } from './helpers.js';

export const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const deployFile = (name: string) => readFileSync(joinPath(repoRoot, 'docs', 'deploy', name), 'utf8');
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status === 0;

/** Why a test needing these programs skips here, or undefined when all are installed (.ci/run installs them). */
export function missingTools(...bins: Array<'nginx' | 'caddy' | 'openssl'>): string | undefined {
  const absent = bins.filter((b) => !has(b));
  if (!absent.length) return undefined;
  const pkgs = absent.map((b) => (b === 'openssl' ? 'openssl' : b)).join(' ');
  return `${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} not installed here (apt-get install ${pkgs}; .ci/run installs ${absent.length > 1 ? 'them' : 'it'})`;
}

export interface SelfSigned {
  certFile: string;
  keyFile: string;
  /** The certificate (PEM), to trust in Node's clients. */
  cert: string;
  /** base64 SHA-256 of its public key: Chromium's --ignore-certificate-errors-spki-list pins exactly this one. */
  spki: string;
}

/** A self-signed EC certificate for 127.0.0.1 (and localhost), made with openssl in `dir`. */
export function selfSignedCert(dir: string): SelfSigned {
  const certFile = joinPath(dir, 'fullchain.pem');
  const keyFile = joinPath(dir, 'privkey.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ], { encoding: 'utf8' });
  assert.equal(made.status, 0, `openssl made a certificate: ${made.stderr}`);
  // Proxy workers that drop privileges (nginx's run as nobody) must read it.
  chmodSync(dir, 0o755);
  chmodSync(keyFile, 0o644);
  const cert = readFileSync(certFile, 'utf8');
  const der = createPublicKey(cert).export({ type: 'spki', format: 'der' });
  return { certFile, keyFile, cert, spki: createHash('sha256').update(der).digest('base64') };
}


export interface Proxy {
  /** The https port: the page's origin is https://127.0.0.1:<tlsPort>. */
  tlsPort: number;
  /** The plain-http port (ACME challenge and redirects). */
  httpPort: number;
  origin: string;
  /** The configuration the proxy runs (the documented file with ports, paths and address changed). */
  config: string;
  output(): string;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** A folder of the test's own: configuration, logs, temp files. */
  dir: string;
  tls: SelfSigned;
  /** The rtc-call server's port on 127.0.0.1. */
  upstreamPort: number;
  /** Changes the documented file before the ports are (a test breaking it on purpose). */
  edit?: (documented: string) => string;
}

function nginxBin(): string {
  return spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || '/usr/sbin/nginx';
}

/**
 * nginx with docs/deploy/nginx.conf as a site file inside an `http {}` of our own (what Debian's
 * /etc/nginx/nginx.conf around it provides). `webroot` is the ACME challenge root (created and
 * made readable by nginx's workers, which run as nobody).
 */
export async function startNginx(o: ProxyOptions & { webroot: string }): Promise<Proxy> {
  const { dir, tls } = o;
  const tlsPort = await freeTcpPort();
  const httpPort = await freeTcpPort();
  mkdirSync(o.webroot, { recursive: true });
  const documented = (o.edit ?? ((s) => s))(deployFile('nginx.conf'));
  const count = { upstream: 0, listen: 0 };
  const site = documented
    .replace(/^(\s*)server\s+127\.0\.0\.1:8080;/gm, (_m, indent: string) => { count.upstream++; return `${indent}server 127.0.0.1:${o.upstreamPort};`; })
    .replace(/^\s*listen\s+\[::\]:\d+[^;]*;\n/gm, '')
    .replace(/^(\s*)listen\s+80;/gm, (_m, indent: string) => { count.listen++; return `${indent}listen 127.0.0.1:${httpPort};`; })
    .replace(/^(\s*)listen\s+443\s/gm, (_m, indent: string) => { count.listen++; return `${indent}listen 127.0.0.1:${tlsPort} `; })
    .replace(/^(\s*ssl_certificate\s+)[^;]+;/m, `$1${tls.certFile};`)
    .replace(/^(\s*ssl_certificate_key\s+)[^;]+;/m, `$1${tls.keyFile};`)
    .replace(/^(\s*root\s+)\/var\/www\/letsencrypt;/m, `$1${o.webroot};`);
  assert.equal(count.upstream, 1, 'the documented file has one upstream server 127.0.0.1:8080');
  assert.equal(count.listen, 2, 'the documented file listens on 80 and 443');
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${joinPath(dir, t)};`).join('\n');
  const config = `worker_processes 1;\npid ${joinPath(dir, 'nginx.pid')};\nerror_log ${joinPath(dir, 'error.log')} info;\n`
    + `events { worker_connections 256; }\nhttp {\n${temps}\n    access_log ${joinPath(dir, 'access.log')};\n${site}\n}\n`;
  const file = joinPath(dir, 'nginx.conf');
  writeFileSync(file, config);
  const t = spawnSync(nginxBin(), ['-t', '-p', dir, '-c', file], { encoding: 'utf8' });
  assert.equal(t.status, 0, `nginx -t accepts the documented file: ${t.stderr}`);
  let out = '';
  const child = spawn(nginxBin(), ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitForPort(tlsPort, child, 'nginx', () => out);
  return {
    tlsPort, httpPort, origin: `https://127.0.0.1:${tlsPort}`, config,
    output: () => out,
    stop: () => stopChild(child, 'SIGQUIT'),
  };
}

/**
 * Caddy with docs/deploy/Caddyfile: the site address becomes 127.0.0.1 on our ports, its
 * certificate is ours (`tls <cert> <key>`: no ACME, no local CA), and the global options keep
 * Caddy off the network and out of the machine's state (no admin endpoint, storage in `dir`).
 */
export async function startCaddy(o: ProxyOptions): Promise<Proxy> {
  const { dir, tls } = o;
  const tlsPort = await freeTcpPort();
  const httpPort = await freeTcpPort();
  const documented = (o.edit ?? ((s) => s))(deployFile('Caddyfile'));
  const count = { site: 0, upstream: 0 };
  let site = documented
    .replace(/^calls\.example\.org\s*\{\n/m, () => { count.site++; return `127.0.0.1 {\n\ttls ${tls.certFile} ${tls.keyFile}\n`; })
    .replace(/(\breverse_proxy\s+)127\.0\.0\.1:8080\b/g, (_m, head: string) => { count.upstream++; return `${head}127.0.0.1:${o.upstreamPort}`; });
  assert.equal(count.site, 1, 'the documented Caddyfile has one site block, calls.example.org');
  assert.equal(count.upstream, 1, 'the documented Caddyfile proxies to 127.0.0.1:8080');
  assert.doesNotMatch(documented, /^\{/m, 'the documented Caddyfile has no global options block of its own (the test adds one)');
  site = site.trim();
  // Global options that keep a test's Caddy to itself: no admin endpoint on :2019, our ports for
  // the http→https redirect and for TLS, no local CA installed into the machine's trust store,
  // certificates and state in the test's folder.
  const global = [
    '{',
    '\tadmin off',
    `\thttp_port ${httpPort}`,
    `\thttps_port ${tlsPort}`,
    '\tskip_install_trust',
    `\tstorage file_system ${joinPath(dir, 'caddy-data')}`,
    '}',
  ].join('\n');
  const config = `${global}\n\n${site}\n`;
  const file = joinPath(dir, 'Caddyfile');
  writeFileSync(file, config);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: joinPath(dir, 'xdg-data'), XDG_CONFIG_HOME: joinPath(dir, 'xdg-config') };
  const v = spawnSync('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], { encoding: 'utf8', env });
  assert.equal(v.status, 0, `caddy validate accepts the documented Caddyfile: ${v.stderr}`);
  let out = '';
  const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await waitForPort(tlsPort, child, 'caddy', () => out);
  return {
    tlsPort, httpPort, origin: `https://127.0.0.1:${tlsPort}`, config,
    output: () => out,
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/**
 * A stand-in upstream on 127.0.0.1 that answers every request with the headers it received (JSON):
 * what the rtc-call server behind the proxy would read.
 */
export async function startHeaderEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ headers: req.headers, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string; body: any }

/** An https request to 127.0.0.1:<port>, checking the certificate against ours. */
export function httpsTo(port: number, cert: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, ca: cert }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let body: any;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode!, headers: res.headers, text, body });
      });
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

/** A plain-http GET to 127.0.0.1:<port>. */
export function httpTo(port: number, path: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, body: undefined }));
    }).once('error', reject).end();
  });
}

/** Join through the proxy as a page of `origin` (default: the proxy's own https origin) would. */
export async function joinThrough(proxy: Proxy, cert: string, roomSecret: string, room: string, name: string, origin = proxy.origin): Promise<Answer> {
  const token = await signRoomToken({ secret: roomSecret, room, name, sub: name.toLowerCase() });
  return httpsTo(proxy.tlsPort, cert, `/api/rooms/${room}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ token }),
  });
}

/** A signaling socket over wss through the proxy, open once the server said OPEN. */
export function socketThrough(proxy: Proxy, cert: string, j: JoinResponse, origin = proxy.origin): Promise<PeerSocket> {
  const url = wsUrl(proxy.tlsPort, j).replace(/^ws:/, 'wss:');
  const ws = new WebSocket(url, { ca: cert, headers: { Origin: origin } });
  const peer = new PeerSocket(ws);
  return new Promise<PeerSocket>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
    peer.next((m) => m.type === 'OPEN', 5000).then(() => resolve(peer), reject);
  });
}
