// The documented single-node deployment with Caddy instead of nginx: Debian's caddy (2.6) runs
// docs/deploy/Caddyfile with only its site address, ports and certificate changed (a self-signed
// certificate made here, `tls <cert> <key>`: no ACME, no public name) and global options that
// keep it off the network (no admin endpoint, storage in a temp folder). A join over https and
// signaling sockets over wss go through it, and the server sees the page's origin as Caddy
// forwarded it (X-Forwarded-Proto, X-Forwarded-Host), never as a client claims it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signRoomToken } from '../../server/index.js';
import { callPageOptions, callThrough, missingBrowser } from './deploy-call.js';
import { httpTo, startHeaderEcho, httpsTo, joinThrough, missingTools, selfSignedCert, socketThrough, startCaddy, type Proxy, type SelfSigned } from './deploy-helpers.js';
import { join, start, type Started } from './helpers.js';

const ROOM_SECRET = 'room-secret-0123456789abcdef0123456789abcdef';
const skip = missingTools('caddy', 'openssl');

describe('one node behind Caddy (docs/deploy/Caddyfile), over TLS', { skip }, () => {
  let dir: string;
  let tls: SelfSigned;
  let server: Started;
  let caddy: Proxy;

  const joinThroughCaddy = (room: string, name: string, origin = caddy.origin) => joinThrough(caddy, tls.cert, ROOM_SECRET, room, name, origin);
  const socketThroughCaddy = (j: Parameters<typeof socketThrough>[2], origin = caddy.origin) => socketThrough(caddy, tls.cert, j, origin);

  before(async () => {
    dir = mkdtempSync(joinPath(tmpdir(), 'rtc-caddy-tls-'));
    tls = selfSignedCert(dir);
    server = await start({ roomSecret: ROOM_SECRET, trustProxy: true, allowedOrigins: ['https://clinic.example'], ...callPageOptions });
    caddy = await startCaddy({ dir, tls, upstreamPort: server.port });
  });

  after(async () => {
    await caddy?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('over https: /healthz answers, with HSTS', async () => {
    const r = await httpsTo(caddy.tlsPort, tls.cert, '/healthz');
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
  });

  test('plain http redirects to https', async () => {
    const r = await httpTo(caddy.httpPort, '/api/rooms/visit-4711/join?x=1');
    assert.equal(r.status, 308, r.text);
    // To the https port of the name the page asked for (443 in production: Caddy adds no port).
    assert.equal(r.headers.location, 'https://127.0.0.1/api/rooms/visit-4711/join?x=1');
  });

  test('the page\'s own https origin is allowed only through Caddy\'s forwarded headers; others as listed', async () => {
    const ok = await joinThroughCaddy('visit-4711', 'Ann');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.displayName, 'Ann');
    const listed = await joinThroughCaddy('visit-4711', 'Ben', 'https://clinic.example');
    assert.equal(listed.status, 200, listed.text);
    const other = await joinThroughCaddy('visit-4711', 'Eve', 'https://evil.example');
    assert.equal(other.status, 403, other.text);
    assert.equal(other.body.error.code, 'origin-not-allowed');
    // A client's own X-Forwarded-Host and -Proto do not decide (Caddy sets its own): a page on
    // another port of this host claiming to be this server's origin is still refused…
    const other443 = 'https://127.0.0.1:4443';
    const claim = { origin: other443, 'x-forwarded-host': '127.0.0.1:4443', 'x-forwarded-proto': 'https' };
    const token = await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', name: 'Eve', sub: 'eve' });
    const spoofed = await httpsTo(caddy.tlsPort, tls.cert, '/api/rooms/visit-4711/join', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...claim },
      body: JSON.stringify({ token }),
    });
    assert.equal(spoofed.status, 403, spoofed.text);
    // …while the same headers straight to the server (which trusts its one proxy) would pass:
    // what refused them above is Caddy's own X-Forwarded-Host.
    const fay = await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', name: 'Fay', sub: 'fay' });
    const claimed = await join(server.base, 'visit-4711', { token: fay }, claim);
    assert.equal(claimed.status, 200, claimed.text);
    // The same origin straight to the server (no proxy headers) is not its own.
    const dee = await signRoomToken({ secret: ROOM_SECRET, room: 'visit-4711', name: 'Dee', sub: 'dee' });
    const direct = await join(server.base, 'visit-4711', { token: dee }, { origin: caddy.origin });
    assert.equal(direct.status, 403, direct.text);
  });

  test('signaling sockets open over wss through Caddy and carry frames both ways', async () => {
    const a = await joinThroughCaddy('visit-4800', 'Ann');
    assert.equal(a.status, 200, a.text);
    const pa = await socketThroughCaddy(a.body);
    const b = await joinThroughCaddy('visit-4800', 'Ben');
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.body.members.map((m: any) => m.displayName), ['Ann']);
    const pb = await socketThroughCaddy(b.body);
    await pa.next((m) => m.type === 'ROOM' && m.payload?.event === 'member-joined', 5000);
    pb.send({ type: 'OFFER', dst: a.body.peerId, payload: { sdp: 'offer-through-caddy' } });
    const offer = await pa.next((m) => m.type === 'OFFER', 5000);
    assert.equal(offer.src, b.body.peerId);
    assert.equal(offer.payload.sdp, 'offer-through-caddy');
    pa.send({ type: 'ANSWER', dst: b.body.peerId, payload: { sdp: 'answer-through-caddy' } });
    const answer = await pb.next((m) => m.type === 'ANSWER', 5000);
    assert.equal(answer.src, a.body.peerId);
    const c = await joinThroughCaddy('visit-4800', 'Cid');
    await assert.rejects(socketThroughCaddy(c.body, 'https://evil.example'), (e: any) => e.status === 403);
    pa.close();
    pb.close();
  });

  test('what the server reads: Host, X-Forwarded-Proto and -Host as the page asked, X-Forwarded-For ending in the client\'s address', async () => {
    // The same documented file in front of a stand-in upstream that shows the headers it gets.
    const echo = await startHeaderEcho();
    const sub = joinPath(dir, 'echo');
    mkdirSync(sub);
    const proxy = await startCaddy({ dir: sub, tls, upstreamPort: echo.port });
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
      // Caddy drops what an untrusted client sent (no trusted_proxies) and sets the client's address alone.
      assert.equal(h['x-forwarded-for'], '127.0.0.1');
    } finally {
      await proxy.stop();
      await echo.close();
    }
  });

  test('a real call through Caddy: two Chromium windows on an https page, rtc-call.js from Caddy, see each other\'s video', { skip: missingBrowser(), timeout: 120_000 }, async (t) => {
    const seen = await callThrough(caddy, tls, ROOM_SECRET, 'visit-call');
    t.diagnostic(`remote tiles: ${JSON.stringify(seen.remote)}`);
    assert.deepEqual(seen.names, [['Ann', 'Ben'], ['Ann', 'Ben']]);
    for (const r of seen.remote) {
      assert.ok(r.width > 0 && r.height > 0, `the remote tile shows a picture (${r.width}×${r.height})`);
      assert.ok(r.advancedS > 0, `the remote tile's clock moved (${r.advancedS} s)`);
    }
    for (const list of seen.resources) {
      assert.ok(list.some((u) => u === `${caddy.origin}/rtc-call.js`), `rtc-call.js from Caddy: ${list.join(' ')}`);
      for (const url of list) assert.ok(url.startsWith(`${caddy.origin}/`), `${url} is on ${caddy.origin}`);
    }
    assert.deepEqual(seen.errors, []);
  });
});
