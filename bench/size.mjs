#!/usr/bin/env node
// bench:size — raw and gzip -9 bytes of the one-tag bundle (dist/cdn: the entry rtc-call.js and its
// chunks, each gzipped on its own) against lit + peerjs bundled the same way (the floor), from
// `scripts/size.mjs --json`, and what a page loads before its first paint and before a 1:1 call's
// first remote frame. Sizes are exact, so one measurement is the figure (no trials). Target
// (issue 8): bundle ≤ floor + 6 KiB gzip; issue 23's targets are the paths' (scripts/size.mjs).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuild, markdown, root, table, writeResult } from './lib.mjs';

const TARGET_OVER_FLOOR_GZIP = 6 * 1024;

ensureBuild();
const r = spawnSync(process.execPath, [join(root, 'scripts', 'size.mjs'), '--json'], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
const s = JSON.parse(r.stdout);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pct = (a, b) => `${((a / b) * 100).toFixed(1)} %`;
const rows = [
  ['', 'raw', 'gzip -9', 'gzip vs floor'],
  ['dist/cdn (all files)', kib(s.bundle.raw), kib(s.bundle.gzip), `${(s.bundle.gzip / s.floor.gzip).toFixed(2)}×`],
  ...s.paths.map((p) => [`${p.label} (${p.files.length} files; target ${kib(p.targetGzip)})`, kib(p.raw), kib(p.gzip), `${(p.gzip / s.floor.gzip).toFixed(2)}×`]),
  ['lit + peerjs (floor)', kib(s.floor.raw), kib(s.floor.gzip), '1.00×'],
  ['rtc-call own code (difference)', `+${kib(s.own.raw)}`, `+${kib(s.own.gzip)}`, `${pct(s.own.gzip, s.bundle.gzip)} of bundle`],
  ['target: floor + 6 KiB gzip', '', kib(s.floor.gzip + TARGET_OVER_FLOOR_GZIP), s.own.gzip <= TARGET_OVER_FLOOR_GZIP ? 'met' : `missed by ${kib(s.own.gzip - TARGET_OVER_FLOOR_GZIP)}`],
];
console.log('');
table(rows, 'Size (bytes are exact; one measurement)');
writeResult('size', {
  command: 'npm run bench:size',
  sizes: s,
  ownShareOfGzip: s.own.gzip / s.bundle.gzip,
  target: { ownGzipMax: TARGET_OVER_FLOOR_GZIP, met: s.own.gzip <= TARGET_OVER_FLOOR_GZIP, overBy: Math.max(0, s.own.gzip - TARGET_OVER_FLOOR_GZIP) },
  table: rows,
  markdown: markdown(rows),
});
