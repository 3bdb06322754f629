// The attacks of the hardening issue, each replayed against a real server on loopback.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { checkDisplayName } from '../../src/protocol/rules.js';
import { connect, join, joinOk, refusedStatus, request, start, waitFor, wsUrl } from './helpers.js';

/** A request with headers fetch() will not send (Host, X-Forwarded-*). */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; body: any }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let body: any;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const joinBody = JSON.stringify({ displayName: 'A' });

describe('peer-id takeover (defect 1)', () => {
  test('a URL with a repeated id, token or key is refused, and the victim keeps its id', async () => {
    const s = await start({ leaveGraceMs: 3000 });
    try {
      const victim = await joinOk(s.base, 'ward', 'Victim');
      const mate = await joinOk(s.base, 'ward', 'Mate');
      const attacker = await joinOk(s.base, 'elsewhere', 'Attacker');
      const base = `ws://127.0.0.1:${s.port}${attacker.signaling.path}/peerjs`;
      const urls = [
        `${base}?key=peerjs&id=${attacker.peerId}&token=${attacker.peerToken}&id=${victim.peerId}&token=x`,
        `${base}?key=peerjs&id=${attacker.peerId}&token=${attacker.peerToken}&id=${victim.peerId}`,
        `${base}?key=peerjs&key=other&id=${attacker.peerId}&token=${attacker.peerToken}`,
        `${base}?key=peerjs&id=${attacker.peerId}&token=${attacker.peerToken}&%69d=${victim.peerId}`,
      ];
      for (const url of urls) assert.equal(await refusedStatus(connect(s.port, attacker, { url })), 400, url);
      // Nothing was registered under the victim's id: an offer to it waits for the real victim.
      const pm = await connect(s.port, mate);
      pm.send({ type: 'OFFER', dst: victim.peerId, payload: { sdp: 'for the victim', connectionId: 'c1' } });
      const pv = await connect(s.port, victim);
      const offer = await pv.next((m) => m.type === 'OFFER');
      assert.equal(offer.src, mate.peerId);
      assert.ok(await pv.none((m) => m.type === 'ID-TAKEN', 200));
      pm.close(); pv.close();
    } finally {
      await s.close();
    }
  });
});

describe('upgrade resets (defect 2)', () => {
  /** Open a TCP connection, write `data`, optionally wait for `waitFor` bytes, then RST. */
  function resetAfter(port: number, data: string, after?: (sock: net.Socket) => Promise<void>) {
    return new Promise<void>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', async () => {
        sock.write(data);
        if (after) await after(sock);
        sock.resetAndDestroy();
        resolve();
      });
      sock.on('error', () => resolve());
    });
  }
  const upgrade = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
  const firstBytes = (sock: net.Socket) => new Promise<void>((r) => { sock.once('data', () => r()); setTimeout(r, 500); });

  test('a client resetting at any step of an upgrade, on any path, never takes the server down', async () => {
    const s = await start();
    try {
      const j = await joinOk(s.base, 'reset', 'A');
      const path = new URL(wsUrl(s.port, j)).pathname + new URL(wsUrl(s.port, j)).search;
      for (let round = 0; round < 5; round++) {
        await resetAfter(s.port, upgrade('/not-signaling'));                     // refused path, reset at once
        await resetAfter(s.port, upgrade('/not-signaling'), firstBytes);         // reset after the 404 started
        await resetAfter(s.port, upgrade('/peerjs/peerjs?key=peerjs&id=x'));     // refused upgrade, reset at once
        await resetAfter(s.port, upgrade(path));                                 // valid, reset during the token check
        await resetAfter(s.port, upgrade('/not-signaling').slice(0, 30));        // half a request line
        await resetAfter(s.port, 'POST /api/rooms/r/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{');
      }
      // The server is up and still opens sockets for real peers.
      assert.equal((await request(`${s.base}/healthz`)).status, 200);
      const k = await joinOk(s.base, 'reset', 'B');
      (await connect(s.port, k)).close();
    } finally {
      await s.close();
    }
  });
});

describe('display names (defect 4)', () => {
  const refused = {
    'zero-width space only': '\u200B',
    'Hangul filler only': '\u3164',
    'word joiner only': '\u2060',
    'braille blank only': '\u2800',
    'line separator': 'Ann\u2028Smith',
    'paragraph separator': 'Ann\u2029Smith',
    'LRM': '\u200EAnn',
    'RLM': 'Ann\u200F',
    'ALM': 'Ann\u061C',
    'tag characters': 'Ann\u{E0041}\u{E0042}',
    'lone high surrogate': 'Ann\uD800',
    'lone low surrogate': '\uDC00Ann',
    'right-to-left override': '\u202Enna',
    'control character': 'Ann\u0007',
    'combining mark alone': '\u0301',
    'spaces only': ' \u3000 ',
    'too long (65 code points)': 'x'.repeat(65),
  };
  const accepted = ['Dr. Rivera', 'José Núñez', '李小龍', 'محمد', 'Ann ❤️', 'x'.repeat(64), '😀'.repeat(64), '  Ann  '];

  test('the shared rule refuses every invisible, format, separator and surrogate trick, and keeps real names', () => {
    for (const [what, name] of Object.entries(refused)) assert.equal(checkDisplayName(name).ok, false, what);
    for (const name of accepted) assert.equal(checkDisplayName(name).ok, true, name);
    assert.deepEqual(checkDisplayName('  Ann  '), { ok: true, name: 'Ann' });
  });

  test('the server applies the same rule: 400 invalid-name for each', async () => {
    const s = await start();
    try {
      for (const [what, name] of Object.entries(refused)) {
        const r = await join(s.base, 'names', { displayName: name });
        assert.equal(r.status, 400, what);
        assert.equal(r.body.error.code, 'invalid-name', what);
      }
      for (const [i, name] of accepted.entries()) assert.equal((await join(s.base, `names${i}`, { displayName: name })).status, 200, name);
    } finally {
      await s.close();
    }
  });
});

describe('malformed percent-encoding (defect 5)', () => {
  test('400 invalid-room, counted by the rate limit, no stack trace in the log', async () => {
    const s = await start({ joinRateLimit: 2 });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await raw(s.port, { method: 'POST', path: '/api/rooms/%E0%A4%A/join', headers: { 'content-type': 'application/json' }, body: joinBody });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.code, 'invalid-room');
      }
      const limited = await raw(s.port, { method: 'POST', path: '/api/rooms/%zz/join', headers: { 'content-type': 'application/json' }, body: joinBody });
      assert.equal(limited.status, 429, 'malformed attempts count against the limit');
      assert.ok(!s.logs.some((l) => /URIError|\bat .*\(.*:\d+:\d+\)/.test(l)), `no stack traces: ${s.logs.join(' | ')}`);
    } finally {
      await s.close();
    }
  });
});

describe('log forging (defect 6)', () => {
  test('a websocket id, origin or path with CR/LF or other controls stays on its own log line', async () => {
    const s = await start({ allowedOrigins: ['https://clinic.example'] });
    try {
      const a = await joinOk(s.base, 'logs', 'A');
      const fake = 'x%0Artc-call: join room=forged peer=evil role=host members=0%0D%E2%80%A8';
      await refusedStatus(connect(s.port, a, { url: wsUrl(s.port, a, { id: fake }) }));
      await raw(s.port, { path: '/api/%0Afake-line', headers: {} });
      await raw(s.port, { method: 'POST', path: '/api/rooms/%0A%zz/join', headers: { 'content-type': 'application/json' }, body: joinBody });
      assert.ok(s.logs.length >= 2, 'the rejections were logged');
      for (const line of s.logs) assert.doesNotMatch(line, /[\n\r\u2028\u2029\u0000-\u001f]/, line);
      assert.ok(!s.logs.some((l) => l.startsWith('rtc-call: join room=forged')));
    } finally {
      await s.close();
    }
  });
});

describe('Host header and RTC_PUBLIC_URL (defect 7)', () => {
  test('without RTC_PUBLIC_URL only loopback Host names are served: a DNS-rebinding page gets 403 host-not-allowed', async () => {
    const s = await start({ allowedOrigins: ['https://clinic.example'] });
    try {
      const evil = { host: 'attacker.example', origin: 'http://attacker.example', 'content-type': 'application/json' };
      const r = await raw(s.port, { method: 'POST', path: '/api/rooms/r/join', headers: evil, body: joinBody });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'host-not-allowed');
      assert.equal(r.body.peerToken, undefined);
      for (const path of ['/healthz', '/rtc-call.js', '/api/rooms/r/members']) {
        assert.equal((await raw(s.port, { path, headers: { host: 'attacker.example' } })).status, 403, path);
      }
      // The websocket too.
      const a = await joinOk(s.base, 'r', 'A');
      const status = await new Promise<number>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: s.port, path: new URL(wsUrl(s.port, a)).pathname + new URL(wsUrl(s.port, a)).search,
          headers: { host: 'attacker.example', origin: 'http://attacker.example', connection: 'Upgrade', upgrade: 'websocket',
            'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('upgrade', () => resolve(101));
        req.end();
      });
      assert.equal(status, 403);
      // Loopback names are served, and their own origin is allowed beside the configured list.
      for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`]) {
        const ok = await raw(s.port, { method: 'POST', path: '/api/rooms/r/join', body: joinBody,
          headers: { host, origin: `http://${host}`, 'content-type': 'application/json' } });
        assert.equal(ok.status, 200, host);
      }
    } finally {
      await s.close();
    }
  });

  test('with RTC_PUBLIC_URL its host is served and its origin allowed; other hosts are refused', async () => {
    const s = await start({ publicUrl: 'https://calls.example.org/', allowedOrigins: ['https://clinic.example'], trustProxy: true });
    try {
      const viaProxy = (extra: Record<string, string>) =>
        raw(s.port, { method: 'POST', path: '/api/rooms/r/join', body: joinBody, headers: { 'content-type': 'application/json', ...extra } });
      assert.equal((await viaProxy({ host: 'calls.example.org', origin: 'https://calls.example.org' })).status, 200);
      assert.equal((await viaProxy({ host: 'calls.example.org', origin: 'https://clinic.example' })).status, 200);
      assert.equal((await viaProxy({ host: 'calls.example.org', origin: 'https://evil.example' })).body.error.code, 'origin-not-allowed');
      assert.equal((await viaProxy({ host: 'evil.example', origin: 'http://evil.example' })).body.error.code, 'host-not-allowed');
      // A proxy that forwards the client's Host in X-Forwarded-Host: its own (last) entry counts.
      assert.equal((await viaProxy({ host: '127.0.0.1', 'x-forwarded-host': 'calls.example.org', origin: 'https://calls.example.org' })).status, 200);
      const spoofed = await viaProxy({ host: '127.0.0.1', 'x-forwarded-host': 'calls.example.org, evil.example', origin: 'http://evil.example' });
      assert.equal(spoofed.body.error.code, 'host-not-allowed', 'a client-sent X-Forwarded-Host before the proxy entry is ignored');
    } finally {
      await s.close();
    }
  });

  test('trust proxy reads the hop the proxy set, the same way for client IP (rate limit)', async () => {
    const s = await start({ trustProxy: true, joinRateLimit: 2 });
    try {
      const from = (xff: string) =>
        raw(s.port, { method: 'POST', path: '/api/rooms/r/join', body: joinBody, headers: { 'content-type': 'application/json', 'x-forwarded-for': xff } });
      assert.equal((await from('1.1.1.1, 10.0.0.7')).status, 200);
      assert.equal((await from('2.2.2.2, 10.0.0.7')).status, 200);
      assert.equal((await from('3.3.3.3, 10.0.0.7')).status, 429, 'a spoofed first entry does not buy a fresh limit');
      assert.equal((await from('10.0.0.8')).status, 200, 'another client (as the proxy saw it) has its own limit');
    } finally {
      await s.close();
    }
  });

  test('RTC_PUBLIC_URL and RTC_FRAME_ANCESTORS are validated at start', async () => {
    await assert.rejects(start({ publicUrl: 'calls.example.org' }), /public URL/);
    await assert.rejects(start({ frameAncestors: "'self'; script-src *" }), /frame ancestors/);
    await assert.rejects(start({ frameAncestors: "'none' https://a.example" }), /alone/);
  });
});

describe('headers (defect 8)', () => {
  test('no X-Powered-By, nosniff everywhere, JSON 404s, CSP and Referrer-Policy on pages', async () => {
    const root = new URL('../../demo/', import.meta.url).pathname;
    const s = await start({ staticDirs: { '/': root }, frameAncestors: 'https://cms.example.org' });
    try {
      const paths = ['/', '/index.html', '/healthz', '/rtc-call.js', '/api/nothing', '/peerjs', '/peerjs/', '/peerjs/peerjs/id', '/no-such-page'];
      for (const path of paths) {
        const r = await raw(s.port, { path });
        assert.equal(r.headers['x-powered-by'], undefined, path);
        assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      }
      for (const path of ['/api/nothing', '/no-such-page', '/peerjs/nothing/here']) {
        const r = await raw(s.port, { path });
        assert.equal(r.status, 404, path);
        assert.match(String(r.headers['content-type']), /application\/json/, path);
        assert.equal(r.body.error.code, 'not-found', path);
      }
      const page = await raw(s.port, { path: '/' });
      assert.equal(page.status, 200);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /frame-ancestors https:\/\/cms\.example\.org/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      const dflt = await start({ staticDirs: { '/': root } });
      try {
        assert.match(String((await raw(dflt.port, { path: '/' })).headers['content-security-policy']), /frame-ancestors 'self'/);
      } finally {
        await dflt.close();
      }
      // A refused websocket upgrade carries nosniff too.
      const refusedUpgrade = await new Promise<http.IncomingMessage>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: s.port, path: '/nope',
          headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
        req.on('response', resolve);
        req.end();
      });
      assert.equal(refusedUpgrade.headers['x-content-type-options'], 'nosniff');
    } finally {
      await s.close();
    }
  });
});

describe('LEAVE and EXPIRE come from the server only (defect 9)', () => {
  test('a room-mate cannot send EXPIRE or LEAVE to anyone', async () => {
    const s = await start();
    try {
      const a = await joinOk(s.base, 'forge', 'A');
      const b = await joinOk(s.base, 'forge', 'B');
      const c = await joinOk(s.base, 'forge', 'C');
      const [pa, pb, pc] = await Promise.all([connect(s.port, a), connect(s.port, b), connect(s.port, c)]);
      pb.send({ type: 'EXPIRE', dst: a.peerId, src: c.peerId });
      pb.send({ type: 'LEAVE', dst: a.peerId, src: c.peerId });
      pb.send({ type: 'OFFER', dst: a.peerId, payload: { connectionId: 'probe' } });
      await pa.next((m) => m.type === 'OFFER');
      assert.ok(await pa.none((m) => m.type === 'EXPIRE' || m.type === 'LEAVE', 200), JSON.stringify(pa.messages));
      pa.close(); pb.close(); pc.close();
      await waitFor(() => s.logs.filter((l) => l.includes('reason=socket-closed')).length === 3, 6000, 'all three left');
    } finally {
      await s.close();
    }
  });
});
