// The bundled demo's token endpoint (RTC_DEMO_TOKENS, on in `npm start`): off by default, only for
// allowed origins, never with RTC_PUBLIC_URL or a non-loopback HOST; its tokens are real room tokens.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { createRtcServer } from '../../server/index.js';
import { connect, join, request, start } from './helpers.js';

const repoRoot = joinPath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ask = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  request(`${base}/demo-api/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('demo tokens', () => {
  test('off by default: no endpoint', async () => {
    const s = await start();
    try {
      assert.equal((await ask(s.base, { room: 'r' })).status, 404);
    } finally {
      await s.close();
    }
  });

  test('on: host and waiting guest tokens the join accepts; joins without a token stay guests', async () => {
    const s = await start({ demoTokens: true });
    try {
      const host = await ask(s.base, { room: 'visit-1', name: 'Dr. Rivera', role: 'host' });
      assert.equal(host.status, 200, host.text);
      const h = await join(s.base, 'visit-1', { token: host.body.token });
      assert.equal(h.body.role, 'host');
      assert.equal(h.body.displayName, 'Dr. Rivera');
      const hostSocket = await connect(s.port, h.body);
      const guest = await ask(s.base, { room: 'visit-1', name: 'Pat', role: 'guest', wait: true });
      const g = await join(s.base, 'visit-1', { token: guest.body.token });
      assert.equal(g.body.waiting, true);
      await hostSocket.next((m) => m.type === 'ROOM' && m.payload?.event === 'knock');
      const open = await join(s.base, 'quick', { displayName: 'Ann' });
      assert.equal(open.status, 200);
      assert.equal(open.body.role, 'guest');
      // Bad requests are clear errors.
      assert.equal((await ask(s.base, { room: 'a b' })).body.error.code, 'invalid-room');
      assert.equal((await ask(s.base, { room: 'r', role: 'admin' })).body.error.code, 'bad-request');
      assert.equal((await ask(s.base, { room: 'r', name: '\u200b' })).body.error.code, 'invalid-name');
      // Only pages of allowed origins get one.
      const foreign = await ask(s.base, { room: 'r' }, { origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error.code, 'origin-not-allowed');
    } finally {
      await s.close();
    }
  });

  test('never on a server others can reach: refused with RTC_PUBLIC_URL, and by the CLI on a non-loopback HOST', () => {
    assert.throws(() => createRtcServer({ demoTokens: true, publicUrl: 'https://calls.example.org' }), /demo tokens .* never with RTC_PUBLIC_URL/);
    const r = spawnSync(process.execPath, ['--import', 'tsx', joinPath(repoRoot, 'server', 'cli.ts'), '--demo-tokens', '--host', '0.0.0.0', '--port', '0', '--data-dir', ''], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /demo-tokens .* only with a loopback HOST, not 0\.0\.0\.0/);
  });
});
