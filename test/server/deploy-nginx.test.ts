// The documented single-node deployment: nginx with docs/deploy/nginx.conf (TLS termination,
// websocket upgrades, the X-Forwarded-* headers RTC_TRUST_PROXY reads) in front of one server.
// Only the file's ports, certificate paths, ACME webroot and upstream port are changed (a
// self-signed certificate made here with openssl); a join over https and a signaling socket over
// wss go through it, the server sees the page's origin as nginx forwarded it, and two Chromium
// windows make a real call on a page served through it (deploy-call.ts). The setup is shared with
// deploy-caddy.test.ts (deploy-helpers.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signRoomToken } from '../../server/index.js';
import { callPageOptions, callThrough, missingBrowser } from './deploy-call.js';
import { httpTo, startHeaderEcho, httpsTo, joinThrough, missingTools, selfSignedCert, socketThrough, startNginx, type Proxy, type SelfSigned } from './deploy-helpers.js';
import { join, start, waitFor, type Started } from './helpers.js';

const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const skip = missingTools('nginx', 'openssl');

describe('one node behind nginx (docs/deploy/nginx.conf), over TLS', { skip }, () => {
  let dir: string;
  let tls: SelfSigned;
  let server: Started;
  let nginx: Proxy;

  const https = (path: string) => httpsTo(nginx.tlsPort, tls.cert, path);
  const http = (path: string) => httpTo(nginx.httpPort, path);
  const pageOrigin = () => nginx.origin;
  const joinThroughNginx = (room: string, name: string, origin = pageOrigin()) => joinThrough(nginx, tls.cert, ROOM_SECRET, room, name, origin);
  const socketThroughNginx = (j: Parameters<typeof socketThrough>[2], origin = pageOrigin()) => socketThrough(nginx, tls.cert, j, origin);

  before(async () => {
    dir = mkdtempSync(joinPath(tmpdir(), 'rtc-nginx-tls-'));
    tls = selfSignedCert(dir);
    const webroot = joinPath(dir, 'webroot');
    mkdirSync(joinPath(webroot, '.well-known', 'acme-challenge'), { recursive: true });
    writeFileSync(joinPath(webroot, '.well-known', 'acme-challenge', 'token-123'), 'challenge-answer');

    // Behind one proxy, with a list of allowed origins (so the localhost default is off): the
    // page's own origin is allowed only as nginx's X-Forwarded-Proto and X-Forwarded-Host say it.
    server = await start({ roomSecret: ROOM_SECRET, trustProxy: true, allowedOrigins: ['https://clinic.example'], ...callPageOptions });
    nginx = await startNginx({ dir, tls, upstreamPort: server.port, webroot });
  });

  after(async () => {
    await nginx?.stop();
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

  test('what the server reads: Host, X-Forwarded-Proto and -Host as the page asked, X-Forwarded-For ending in the client\'s address', async () => {
    // The same documented file in front of a stand-in upstream that shows the headers it gets.
    const echo = await startHeaderEcho();
    const sub = joinPath(dir, 'echo');
    mkdirSync(sub);
    const proxy = await startNginx({ dir: sub, tls, upstreamPort: echo.port, webroot: joinPath(sub, 'webroot') });
    try {
      const r = await httpsTo(proxy.tlsPort, tls.cert, '/api/whatever', {
        headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
      });
      assert.equal(r.status, 200, r.text);
      const h = r.body.headers;
      assert.equal(h.host, `127.0.0.1:${proxy.tlsPort}`);
      assert.equal(h['x-forwarded-proto'], 'https');
      assert.equal(h['x-forwarded-host'], `127.0.0.1:${proxy.tlsPort}`);
      // The server reads the LAST entry (one trusted hop): the client's address, whatever it claimed.
      assert.equal(String(h['x-forwarded-for']).split(',').pop()!.trim(), '127.0.0.1');
      // nginx appends its hop to what the client sent ($proxy_add_x_forwarded_for).
      assert.equal(h['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    } finally {
      await proxy.stop();
      await echo.close();
    }
  });

  test('a real call through nginx: two Chromium windows on an https page, rtc-call.js from nginx, see each other\'s video', { skip: missingBrowser(), timeout: 120_000 }, async (t) => {
    const seen = await callThrough(nginx, tls, ROOM_SECRET, 'visit-call');
    t.diagnostic(`remote tiles: ${JSON.stringify(seen.remote)}`);
    assert.deepEqual(seen.names, [['Ann', 'Ben'], ['Ann', 'Ben']]);
    for (const r of seen.remote) {
      assert.ok(r.width > 0 && r.height > 0, `the remote tile shows a picture (${r.width}×${r.height})`);
      assert.ok(r.advancedS > 0, `the remote tile's clock moved (${r.advancedS} s)`);
    }
    // The page, the bundle, its chunks and the API all came through nginx (and the join and the
    // sockets were allowed as the server's own origin only because of nginx's X-Forwarded-*).
    for (const list of seen.resources) {
      assert.ok(list.some((u) => u === `${nginx.origin}/rtc-call.js`), `rtc-call.js from nginx: ${list.join(' ')}`);
      for (const url of list) assert.ok(url.startsWith(`${nginx.origin}/`), `${url} is on ${nginx.origin}`);
    }
    assert.deepEqual(seen.errors, []);
    // Both signaling sockets were websocket upgrades through nginx (logged when they closed).
    const log = joinPath(dir, 'access.log');
    const upgrades = () => (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter((l) => /"GET \/peerjs\/peerjs\?[^"]*" 101 /.test(l)).length;
    await waitFor(() => upgrades() >= 2, 5000, 'two signaling upgrades (101) in nginx\'s access log');
  });
});
