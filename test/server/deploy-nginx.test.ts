// The documented single-node deployment: nginx with docs/deploy/nginx.conf (TLS termination,
// websocket upgrades, the X-Forwarded-* headers RTC_TRUST_PROXY reads) in front of one server.
// Only the file's ports, certificate paths, ACME webroot and upstream port are changed (a
// self-signed certificate made here with openssl); a join over https and a signaling socket over
// wss go through it, and the server sees the page's origin as nginx forwarded it.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { signRoomToken, type JoinResponse } from '../../server/index.js';
import { missing } from './cluster-helpers.js';
import { freeTcpPort, join, PeerSocket, start, wsUrl, type Started } from './helpers.js';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const skip = missing('nginx') ?? (spawnSync('sh', ['-c', 'command -v openssl']).status === 0 ? undefined : 'openssl is not installed here');

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string; body: any }

function nginxBin(): string {
  return spawnSync('sh', ['-c', 'command -v nginx']).stdout.toString().trim() || '/usr/sbin/nginx';
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - started > 10_000) throw new Error(`nginx did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('one node behind nginx (docs/deploy/nginx.conf), over TLS', { skip }, () => {
  let dir: string;
  let cert: string;
  let server: Started;
  let nginx: ChildProcess;
  let nginxOut = '';
  let tlsPort: number;
  let httpPort: number;
  let config: string;

  /** An https request through nginx, checking its certificate against ours. */
  const https = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, path, method: init.method ?? 'GET', headers: init.headers, ca: cert }, (res) => {
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
  const http = (path: string) =>
    new Promise<Answer>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: httpPort, path }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, body: undefined }));
      }).once('error', reject).end();
    });
  const pageOrigin = () => `https://127.0.0.1:${tlsPort}`;
  const joinThroughNginx = async (room: string, name: string, origin = pageOrigin()) => {
    const token = await signRoomToken({ secret: ROOM_SECRET, room, name, sub: name.toLowerCase() });
    return https(`/api/rooms/${room}/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ token }),
    });
  };
  const socketThroughNginx = (j: JoinResponse, origin = pageOrigin()) => {
    const url = wsUrl(tlsPort, j).replace(/^ws:/, 'wss:');
    const ws = new WebSocket(url, { ca: cert, headers: { Origin: origin } });
    const peer = new PeerSocket(ws);
    return new Promise<PeerSocket>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
      peer.next((m) => m.type === 'OPEN', 5000).then(() => resolve(peer), reject);
    });
  };

  before(async () => {
    dir = mkdtempSync(joinPath(tmpdir(), 'rtc-nginx-tls-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', joinPath(dir, 'privkey.pem'), '-out', joinPath(dir, 'fullchain.pem'),
    ], { encoding: 'utf8' });
    assert.equal(made.status, 0, `openssl made a certificate: ${made.stderr}`);
    cert = readFileSync(joinPath(dir, 'fullchain.pem'), 'utf8');
    // nginx's workers run as nobody: the ACME webroot must be readable by them.
    const webroot = joinPath(dir, 'webroot');
    mkdirSync(joinPath(webroot, '.well-known', 'acme-challenge'), { recursive: true });
    writeFileSync(joinPath(webroot, '.well-known', 'acme-challenge', 'token-123'), 'challenge-answer');
    for (const d of [dir, webroot, joinPath(webroot, '.well-known'), joinPath(webroot, '.well-known', 'acme-challenge')]) chmodSync(d, 0o755);
    chmodSync(joinPath(webroot, '.well-known', 'acme-challenge', 'token-123'), 0o644);

    // Behind one proxy, with a list of allowed origins (so the localhost default is off): the
    // page's own origin is allowed only as nginx's X-Forwarded-Proto and X-Forwarded-Host say it.
    server = await start({ roomSecret: ROOM_SECRET, trustProxy: true, allowedOrigins: ['https://clinic.example'] });
    tlsPort = await freeTcpPort();
    httpPort = await freeTcpPort();

    const documented = readFileSync(joinPath(repoRoot, 'docs', 'deploy', 'nginx.conf'), 'utf8');
    const count = { upstream: 0, listen: 0 };
    const site = documented
      .replace(/^(\s*)server\s+127\.0\.0\.1:8080;/gm, (_m, indent: string) => { count.upstream++; return `${indent}server 127.0.0.1:${server.port};`; })
      .replace(/^\s*listen\s+\[::\]:\d+[^;]*;\n/gm, '')
      .replace(/^(\s*)listen\s+80;/gm, (_m, indent: string) => { count.listen++; return `${indent}listen 127.0.0.1:${httpPort};`; })
      .replace(/^(\s*)listen\s+443\s/gm, (_m, indent: string) => { count.listen++; return `${indent}listen 127.0.0.1:${tlsPort} `; })
      .replace(/^(\s*ssl_certificate\s+)[^;]+;/m, `$1${joinPath(dir, 'fullchain.pem')};`)
      .replace(/^(\s*ssl_certificate_key\s+)[^;]+;/m, `$1${joinPath(dir, 'privkey.pem')};`)
      .replace(/^(\s*root\s+)\/var\/www\/letsencrypt;/m, `$1${webroot};`);
    assert.equal(count.upstream, 1, 'the documented file has one upstream server 127.0.0.1:8080');
    assert.equal(count.listen, 2, 'the documented file listens on 80 and 443');
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${joinPath(dir, t)};`).join('\n');
    // What Debian's /etc/nginx/nginx.conf around a site file provides, in our own folder.
    config = `worker_processes 1;\npid ${joinPath(dir, 'nginx.pid')};\nerror_log ${joinPath(dir, 'error.log')} info;\n`
      + `events { worker_connections 256; }\nhttp {\n${temps}\n    access_log ${joinPath(dir, 'access.log')};\n${site}\n}\n`;
    const file = joinPath(dir, 'nginx.conf');
    writeFileSync(file, config);
    const t = spawnSync(nginxBin(), ['-t', '-p', dir, '-c', file], { encoding: 'utf8' });
    assert.equal(t.status, 0, `nginx -t accepts the documented file: ${t.stderr}`);
    nginx = spawn(nginxBin(), ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d) => (nginxOut += d));
    nginx.stderr!.on('data', (d) => (nginxOut += d));
    await waitForPort(tlsPort, nginx, () => nginxOut);
  });

  after(async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (nginx.exitCode === null && nginx.signalCode === null) nginx.kill('SIGKILL');
    }
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('over https: /healthz answers, with HSTS', async () => {
    const r = await https('/healthz');
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
  });

  test('plain http: the ACME challenge is served, everything else redirects to https', async () => {
    const acme = await http('/.well-known/acme-challenge/token-123');
    assert.equal(acme.status, 200);
    assert.equal(acme.text, 'challenge-answer');
    const r = await http('/api/rooms/visit-4711/join?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://127.0.0.1/api/rooms/visit-4711/join?x=1');
  });

  test('the page\'s own https origin is allowed only through nginx\'s forwarded headers; others as listed', async () => {
    const ok = await joinThroughNginx('visit-4711', 'Ann');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.displayName, 'Ann');
    const listed = await joinThroughNginx('visit-4711', 'Ben', 'https://clinic.example');
    assert.equal(listed.status, 200, listed.text);
    const other = await joinThroughNginx('visit-4711', 'Eve', 'https://evil.example');
    assert.equal(other.status, 403, other.text);
    assert.equal(other.body.error.code, 'origin-not-allowed');
    // The same origin straight to the server (no proxy headers: http and the upstream port) is
    // not its own: what allowed it above was X-Forwarded-Proto and X-Forwarded-Host.
    const token = await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', name: 'Dee', sub: 'dee' });
    const direct = await join(server.base, 'visit-4711', { token }, { origin: pageOrigin() });
    assert.equal(direct.status, 403, direct.text);
    assert.equal(direct.body.error.code, 'origin-not-allowed');
  });

  test('signaling sockets open over wss through nginx and carry frames both ways', async () => {
    const a = await joinThroughNginx('visit-4800', 'Ann');
    assert.equal(a.status, 200, a.text);
    const pa = await socketThroughNginx(a.body);
    const b = await joinThroughNginx('visit-4800', 'Ben');
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.body.members.map((m: any) => m.displayName), ['Ann']);
    const pb = await socketThroughNginx(b.body);
    // Ann hears of Ben on her socket; Ben's offer reaches Ann and her answer reaches Ben.
    await pa.next((m) => m.type === 'ROOM' && m.payload?.event === 'member-joined', 5000);
    pb.send({ type: 'OFFER', dst: a.body.peerId, payload: { sdp: 'offer-through-nginx' } });
    const offer = await pa.next((m) => m.type === 'OFFER', 5000);
    assert.equal(offer.src, b.body.peerId);
    assert.equal(offer.payload.sdp, 'offer-through-nginx');
    pa.send({ type: 'ANSWER', dst: b.body.peerId, payload: { sdp: 'answer-through-nginx' } });
    const answer = await pb.next((m) => m.type === 'ANSWER', 5000);
    assert.equal(answer.src, a.body.peerId);
    // A socket from a page of an origin that is not allowed is refused at the upgrade.
    const c = await joinThroughNginx('visit-4800', 'Cid');
    await assert.rejects(socketThroughNginx(c.body, 'https://evil.example'), (e: any) => e.status === 403);
    pa.close();
    pb.close();
  });
});
