#!/usr/bin/env node
// Prints the tables of docs/performance.md (markdown) from bench/results/*.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, resultsDir } from './lib.mjs';

const load = (name) => {
  const file = join(resultsDir, `${name}.json`);
  return existsSync(file) ? readJson(file) : undefined;
};
const out = [];
for (const name of ['size', 'firstpaint', 'join', 'glass', 'avsync', 'teardown', 'mainthread']) {
  const r = load(name);
  if (!r) continue;
  out.push(`**${name}** — \`${r.command}\` (${r.machine.date.slice(0, 16)}${r.commit ? `, commit ${r.commit}` : ""}, ${r.machine.cpus} cores)\n\n${r.markdown}\n`);
  if (name === 'join' && r.phases) {
    const rows = r.phases;
    out.push(['| ' + rows[0].join(' | ') + ' |', `| --- |${' ---: |'.repeat(rows[0].length - 1)}`, ...rows.slice(1).map((x) => `| ${x.join(' | ')} |`)].join('\n') + '\n');
  }
}
const s = load('server');
if (s) {
  out.push(`**server** — \`${s.command}\` (${s.machine.date.slice(0, 16)}${s.commit ? `, commit ${s.commit}` : ""}, ${s.concurrency} joins in flight, rooms of ${s.roomSize})\n`);
  for (const t of s.tables) out.push(`${t.markdown}\n`);
}
console.log(out.join('\n'));
