// The one-tag bundle's chunks (rollup.config.mjs: dist/cdn/chunks/<name>-<hash>.js, loaded by the
// entry relative to its own URL): served from the chunks/ folder next to the entry with the entry's
// CORS and type, cached as immutable (their names change with their content) while the entry stays
// no-cache; any other name is a 404.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request, start } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cdn = join(root, 'dist', 'cdn');
const YEAR_S = 365 * 24 * 60 * 60;

describe('rtc-call.js chunks', () => {
  test('a chunk is served with the entry\'s CORS and type, immutable for a year; an unknown chunk is a 404', async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'rtc-chunks-'));
    mkdirSync(join(dir, 'chunks'));
    writeFileSync(join(dir, 'rtc-call.js'), 'import("./chunks/mesh-AbC_12-x.js");\n');
    writeFileSync(join(dir, 'chunks', 'mesh-AbC_12-x.js'), 'export const mesh = 1;\n');
    writeFileSync(join(dir, 'chunks', 'notes.txt'), 'not a chunk\n');
    writeFileSync(join(dir, 'secret-AbCdEfGh.js'), 'next to the entry, not a chunk\n');
    const s = await start({ bundleFile: join(dir, 'rtc-call.js'), basePath: '/calls' });
    try {
      const headers = { origin: 'https://elsewhere.example' };
      const entry = await request(`${s.base}/calls/rtc-call.js`, { headers });
      const chunk = await request(`${s.base}/calls/chunks/mesh-AbC_12-x.js`, { headers });
      assert.equal(chunk.status, 200);
      assert.equal(chunk.text, 'export const mesh = 1;\n');
      for (const name of ['access-control-allow-origin', 'content-type', 'x-content-type-options']) {
        assert.equal(chunk.headers.get(name), entry.headers.get(name), name);
      }
      assert.equal(chunk.headers.get('access-control-allow-origin'), '*');
      assert.equal(chunk.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(chunk.headers.get('cache-control'), `public, max-age=${YEAR_S}, immutable`);
      assert.ok(chunk.headers.get('etag'));
      assert.equal(entry.headers.get('cache-control'), 'no-cache', 'the entry keeps revalidating: it names the current chunks');

      const unknown = await request(`${s.base}/calls/chunks/mesh-ZZZZZZZZ.js`, { headers });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'not-found');
      assert.match(unknown.body.error.message, /reload/);
      assert.equal(unknown.headers.get('cache-control')?.includes('immutable') ?? false, false, 'a 404 is not cached as immutable');
      assert.equal(unknown.headers.get('access-control-allow-origin'), null);
      for (const path of ['/calls/chunks/notes.txt', '/calls/chunks/..%2Fsecret-AbCdEfGh.js', '/calls/chunks/%2e%2e/secret-AbCdEfGh.js', '/calls/secret-AbCdEfGh.js', '/calls/chunks/', '/chunks/mesh-AbC_12-x.js']) {
        const r = await request(`${s.base}${path}`);
        assert.equal(r.status, 404, path);
        assert.notEqual(r.text, 'next to the entry, not a chunk\n', path);
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every chunk of the built bundle (npm run build) is reachable from the entry and served', async () => {
    assert.ok(existsSync(join(cdn, 'rtc-call.js')), 'dist/cdn/rtc-call.js is missing: run `npm run build` first (npm test does)');
    const s = await start({ bundleFile: join(cdn, 'rtc-call.js') });
    try {
      // Follow the entry's static and dynamic imports, as a browser would.
      const seen = new Set<string>();
      const queue = ['rtc-call.js'];
      while (queue.length) {
        const path = queue.pop()!;
        if (seen.has(path)) continue;
        seen.add(path);
        const r = await request(`${s.base}/${path}`);
        assert.equal(r.status, 200, path);
        assert.equal(r.headers.get('access-control-allow-origin'), '*', path);
        if (path !== 'rtc-call.js') assert.match(String(r.headers.get('cache-control')), /immutable/, path);
        assert.equal(r.text, readFileSync(join(cdn, path), 'utf8'), path);
        for (const m of r.text.matchAll(/(?:\bfrom|\bimport\(?)\s*"(\.{1,2}\/[^"]+)"/g)) {
          queue.push(new URL(m[1]!, `http://x/${path}`).pathname.slice(1));
        }
      }
      const names = [...seen].filter((p) => p.startsWith('chunks/'));
      for (const name of ['mesh', 'sfu', 'switching', 'precall', 'core', 'lang-de', 'lang-ar', 'lang-zh-hans']) {
        assert.ok(names.some((p) => p.startsWith(`chunks/${name}-`)), `no ${name} chunk among ${names.join(', ')}`);
      }
    } finally {
      await s.close();
    }
  });
});
