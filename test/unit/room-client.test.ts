// The join request's answers, from a real HTTP server on loopback: which web server answered, and
// which error code the element gets for it (bundled apps default to the page's own origin).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RoomClient } from '../../src/core/room-client.js';
import type { RtcError } from '../../src/core/errors.js';

type Answer = { status: number; type?: string; body: string };
let answer: Answer = { status: 200, body: '' };
let server: http.Server;
let origin: string;
const consoleErrors: string[] = [];
const realConsoleError = console.error;

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The page: a bundled app served from this origin, with no `server` attribute.
  (globalThis as { location?: unknown }).location = { href: `${origin}/app/`, origin };
  console.error = (...args: unknown[]) => { consoleErrors.push(args.join(' ')); };
});
after(() => {
  console.error = realConsoleError;
  server.close();
});

async function joinFails(a: Answer): Promise<RtcError> {
  answer = a;
  consoleErrors.length = 0;
  const client = new RoomClient('', 'visit-1');
  assert.equal(client.baseUrl, origin, 'without server: the page origin');
  return client.join({ displayName: 'Ada' }).then(() => assert.fail('join resolved'), (e: RtcError) => e);
}

describe('RoomClient: who answered the join', () => {
  test("an app's index.html, a static host's 404 or 405, foreign JSON → not-an-rtc-call-server, also on the console", async () => {
    for (const a of [
      { status: 200, type: 'text/html', body: '<!doctype html><div id="app"></div>' },
      { status: 404, type: 'text/plain', body: 'Not Found' },
      { status: 405, body: '' },
      { status: 404, type: 'application/json', body: '{"message":"Cannot POST /api/rooms/visit-1/join"}' },
      { status: 200, type: 'application/json', body: '{"ok":true}' },
    ]) {
      const e = await joinFails(a);
      assert.equal(e.code, 'not-an-rtc-call-server', `${a.status} ${a.body}`);
      assert.equal(e.fatal, true);
      assert.match(e.message, /is not an rtc-call server.*Set the element's `server` attribute/);
      assert.equal(consoleErrors.length, 1);
      assert.match(consoleErrors[0]!, /^rtc-call: .* is not an rtc-call server/);
    }
  });

  test("a proxy's 502/503/504 page → signaling-unreachable; our own error bodies keep their codes", async () => {
    for (const status of [502, 503, 504]) {
      assert.equal((await joinFails({ status, type: 'text/html', body: '<h1>Bad Gateway</h1>' })).code, 'signaling-unreachable');
    }
    assert.equal((await joinFails({ status: 403, type: 'application/json', body: '{"error":{"code":"origin-not-allowed","message":"no"}}' })).code, 'origin-not-allowed');
    // A server code the element has no code of its own for is `internal` — but it is an rtc-call server.
    const bad = await joinFails({ status: 400, type: 'application/json', body: '{"error":{"code":"bad-request","message":"body must be JSON"}}' });
    assert.equal(bad.code, 'internal');
    assert.equal(bad.message, 'body must be JSON');
    assert.equal(consoleErrors.length, 0);
  });

  test('checkPeerToken: 200 → valid, our 401 → refused (re-join), anything else or nothing → unreachable (keep retrying)', async () => {
    const client = new RoomClient('', 'visit-1');
    answer = { status: 200, type: 'application/json', body: '{"members":[]}' };
    assert.equal(await client.checkPeerToken('t'), 'valid');
    answer = { status: 401, type: 'application/json', body: '{"error":{"code":"unauthorized","message":"peer token signature invalid"}}' };
    assert.equal(await client.checkPeerToken('t'), 'refused');
    answer = { status: 502, type: 'text/html', body: '<h1>Bad Gateway</h1>' };
    assert.equal(await client.checkPeerToken('t'), 'unreachable');
    assert.equal(await new RoomClient('http://127.0.0.1:1', 'visit-1').checkPeerToken('t'), 'unreachable');
  });
});
