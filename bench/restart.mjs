#!/usr/bin/env node
// bench:restart — the restart drill as a benchmark. The server runs as its own process (the CLI,
// server/dist/cli.js), two <rtc-call> participants (one-tag bundle, one Chromium window) are in a
// call through it; the server is SIGKILLed, both go `reconnecting` while media flows peer to peer,
// the server is started again on the same port, and we time:
//   listening   process start → its listening line
//   back        process start → both participants `connected` again
// Arms, interleaved round by round:
//   default     the CLI's defaults: no RTC_PEER_SECRET, the data directory keeps the generated one
//   secret      RTC_PEER_SECRET configured and no data directory (RTC_DATA_DIR=''): before this
//               wave the only way a call survived a restart
//   memory      neither (RTC_DATA_DIR='', no secret): a new random secret per process — the old
//               default; calls are not back within the 15 s this bench waits (counted, not timed)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import {
  arg, ensureBuild, fmtS, interleave, launchChromium, markdown, openWindow, paired, root, sandbox, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 5));
const BACK_WITHIN_MS = 15_000;

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Starts the CLI; resolves once it prints its listening line, with the time that took. */
function startServer(port, env) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [join(root, 'server', 'dist', 'cli.js'), '--port', String(port), '--demo-dir', join(root, 'bench', 'pages'), '--join-rate-limit', '0'], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}${err}`)), 20_000);
    child.stdout.on('data', (d) => { out += d; if (/listening on/.test(out)) { clearTimeout(timer); resolve({ child, t0, listeningMs: Date.now() - t0 }); } });
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${err}`)); });
  });
}
const kill = (child) => new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
  child.once('exit', resolve);
  child.kill('SIGKILL');
});

const browser = await launchChromium();
const base = { ...process.env };
delete base.RTC_PEER_SECRET;
delete base.RTC_DATA_DIR;
const arms = [
  { name: 'default', env: (dir) => ({ ...base, RTC_DATA_DIR: dir }) },
  { name: 'secret', env: () => ({ ...base, RTC_DATA_DIR: '', RTC_PEER_SECRET: randomBytes(32).toString('base64url') }) },
  { name: 'memory', env: () => ({ ...base, RTC_DATA_DIR: '' }) },
];

let room = 0;
async function trial(arm) {
  const dir = mkdtempSync(join(tmpdir(), 'rtc-bench-data-'));
  const port = await freePort();
  const env = arm.env(dir); // the same for both processes of a trial (same secret, same directory)
  let server = await startServer(port, env);
  const url = `http://127.0.0.1:${port}`;
  const page = await openWindow(browser, `${url}/rtc.html`);
  try {
    await page.evaluate(async (server, room) => {
      const make = (name) => {
        const el = document.createElement('rtc-call');
        Object.assign(el, { server, room, displayName: name });
        el.style.cssText = 'display:block;width:320px;height:240px';
        document.body.append(el);
        return el;
      };
      await customElements.whenDefined('rtc-call');
      window.calls = [make('A'), make('B')];
      for (const c of window.calls) await c.join();
      const t0 = performance.now();
      while (!window.calls.every((c) => c.state === 'connected' && c.participants.length === 2 && c.participants.every((p) => p.isLocal || p.connection === 'connected'))) {
        if (performance.now() - t0 > 20_000) throw new Error('the call did not connect');
        await new Promise((r) => setTimeout(r, 50));
      }
    }, url, `restart-${room++}`);
    await kill(server.child);
    await page.waitForFunction(() => window.calls.every((c) => c.state === 'reconnecting'), { timeout: 15_000, polling: 50 });
    server = await startServer(port, env);
    const backAt = await page
      .waitForFunction(() => window.calls.every((c) => c.state === 'connected') && Date.now(), { timeout: BACK_WITHIN_MS, polling: 20 })
      .then((h) => h.jsonValue(), () => NaN);
    return { listeningMs: server.listeningMs, backMs: backAt - server.t0, back: Number.isFinite(backAt) };
  } finally {
    await page.evaluate(() => Promise.all((window.calls ?? []).map((c) => c.leave()))).catch(() => {});
    await page.close();
    await kill(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

let runs;
try {
  runs = await interleave({
    arms, trials: TRIALS, warmup: 1, run: trial, failed: { listeningMs: NaN, backMs: NaN, back: false },
    describe: (arm, r) => `${arm.name} ${r.back ? `${r.backMs.toFixed(0)} ms` : 'not back'}`,
  });
} finally {
  await browser.close();
}
const col = (name, key) => runs.results[name].map((r) => r?.[key] ?? NaN);
const backCount = (name) => runs.results[name].filter((r) => r?.back).length;
const rows = [
  [`restart drill (${TRIALS} interleaved trials)`, 'default (data directory)', 'RTC_PEER_SECRET set', 'neither (old default)'],
  ['process start → listening, ms', ...arms.map((a) => fmtS(summary(col(a.name, 'listeningMs')), 0))],
  ['process start → both connected, ms', ...arms.map((a) => (backCount(a.name) ? fmtS(summary(col(a.name, 'backMs').filter(Number.isFinite)), 0) : `not back within ${BACK_WITHIN_MS / 1000} s`))],
  ['back in every trial', ...arms.map((a) => `${backCount(a.name)} of ${TRIALS}`)],
  ['default vs RTC_PEER_SECRET (paired)', `${fmtS(paired(col('default', 'backMs'), col('secret', 'backMs')).ratio, 2)}×`, '', ''],
];
console.log();
table(rows, "Restart drill: SIGKILL, restart, time until both participants are connected");
const within5 = col('default', 'backMs').every((ms) => ms < 5_000);
console.log(`target: both back within 5 s of the restart with the default configuration: ${within5 ? 'met' : 'missed'} (${backCount('default')} of ${TRIALS} back)`);
writeResult('restart', { command: 'npm run bench:restart', trials: TRIALS, perTrial: runs.results, failures: runs.failures, table: markdown(rows), within5 });
process.exit(runs.failures.length ? 1 : 0);
