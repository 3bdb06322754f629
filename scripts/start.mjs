#!/usr/bin/env node
// npm start: build when the build is missing or older than the sources, then run the server
// (server/dist/cli.js) with the demo at / and the bundle at /rtc-call.js, and — on a loopback
// HOST — the demo's token endpoint (--demo-tokens). Arguments are passed on: `npm start -- --port 9000`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outputs = ['dist/cdn/rtc-call.js', 'server/dist/cli.js', 'dist/index.js'].map((p) => join(root, p));

/** Newest mtime below `dir`, leaving out build output and installed packages (server/dist, …). */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (entry.name === 'dist' || entry.name === 'node_modules')) continue;
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const built = outputs.every((p) => existsSync(p));
const sourceTime = Math.max(newest(join(root, 'src')), newest(join(root, 'server')), statSync(join(root, 'package.json')).mtimeMs);
const buildTime = built ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
if (!built || sourceTime > buildTime) {
  console.error(built ? 'rtc-call: sources changed, rebuilding…' : 'rtc-call: building…');
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The bundled demo's token endpoint (the telehealth demo's waiting room needs a host and a guest
// token): on unless RTC_DEMO_TOKENS says otherwise or the server listens beyond this machine.
const args = process.argv.slice(2);
const hostArg = args.includes('--host') ? args[args.indexOf('--host') + 1] : process.env.HOST;
const loopback = !hostArg || /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i.test(hostArg);
const demoTokens = process.env.RTC_DEMO_TOKENS === undefined && !process.env.RTC_PUBLIC_URL && !args.includes('--public-url') && loopback;
const child = spawn(process.execPath, [join(root, 'server/dist/cli.js'), ...(demoTokens ? ['--demo-tokens'] : []), ...args], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
