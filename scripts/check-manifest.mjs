#!/usr/bin/env node
// Fails when the committed custom-elements.json differs from a fresh analysis of src/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The analyzer resolves --outdir against the working directory, so the scratch folder is in .tmp/.
mkdirSync(join(root, '.tmp'), { recursive: true });
const out = mkdtempSync(join(root, '.tmp', 'cem-'));
const r = spawnSync(join(root, 'node_modules/.bin/cem'), ['analyze', '--outdir', out.slice(root.length)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  console.error('check-manifest: the analyzer failed');
  process.exit(1);
}
const fresh = readFileSync(join(out, 'custom-elements.json'), 'utf8');
rmSync(out, { recursive: true, force: true });
let committed = '';
try {
  committed = readFileSync(join(root, 'custom-elements.json'), 'utf8');
} catch {}
// The analyzer lists modules in file-system walk order, which varies between runs: compare by path.
const canonical = (text) => {
  const m = JSON.parse(text);
  return JSON.stringify({ ...m, modules: [...(m.modules ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) });
};
if (!committed || canonical(fresh) !== canonical(committed)) {
  console.error('custom-elements.json is stale: run `npm run analyze` and commit the result.');
  process.exit(1);
}
console.log('custom-elements.json is up to date');
const docs = spawnSync(process.execPath, [join(root, 'scripts/api-docs.mjs'), '--check'], { cwd: root, stdio: 'inherit' });
process.exit(docs.status ?? 1);
