#!/usr/bin/env node
// npm run bench: every benchmark in turn, inside one loopback-only network namespace (as root).
// Extra arguments go to each script (e.g. `npm run bench -- --trials 12`); `--only join,glass`
// picks some. Take the browser lock around it: `flock /tmp/rtc-browser.lock npm run bench`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { arg, sandbox } from './lib.mjs';

sandbox(import.meta.url, { nofile: 65536 });
const ALL = ['size', 'firstpaint', 'join', 'glass', 'avsync', 'teardown', 'mainthread', 'server'];
const only = arg('only', '');
const names = only ? only.split(',') : ALL;
const argv = process.argv.slice(2);
const pass = argv.filter((a, i) => a !== '--only' && argv[i - 1] !== '--only' && !a.startsWith('--only='));
const failed = [];
for (const name of names) {
  if (!ALL.includes(name)) throw new Error(`bench: no benchmark "${name}" (${ALL.join(', ')})`);
  // --trials applies to the timing benchmarks; teardown takes --cycles.
  const args = name === 'size' ? [] : name === 'teardown' ? pass.filter((a, i) => a !== '--trials' && pass[i - 1] !== '--trials') : pass;
  console.log(`\n══ bench:${name} ══`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.mjs`, import.meta.url)), ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nbench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
