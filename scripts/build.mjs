#!/usr/bin/env node
// npm run build: the npm build (tsc → dist/ ES modules + .d.ts), the server package (tsc → server/dist/),
// then the one-tag bundle (rollup → dist/cdn/rtc-call.js), then the files generated from the
// manifest (dist/jsx.d.ts, dist/vue.d.ts, dist/vscode.*-custom-data.json).
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
rmSync(new URL('../server/dist', import.meta.url), { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.json']);
// The server imports the protocol as `rtc-call/protocol`, i.e. the dist/protocol/ just built.
run(bin('tsc'), ['-p', 'server/tsconfig.json']);
chmodSync(new URL('../server/dist/cli.js', import.meta.url), 0o755);
run(bin('rollup'), ['-c', 'rollup.config.mjs', '--silent']);
// JSX and Vue typings and VS Code custom data into dist/ (plugins in custom-elements-manifest.config.mjs);
// the manifest itself goes to a scratch folder: the committed one is `npm run analyze`'s.
const scratch = '.tmp/cem-build';
run(bin('cem'), ['analyze', '--outdir', scratch]);
rmSync(new URL(`../${scratch}`, import.meta.url), { recursive: true, force: true });
