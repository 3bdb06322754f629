#!/usr/bin/env node
// bench:firstpaint — script start → first preview frame (issue 23, target 2). A page with the
// one-tag bundle and `<rtc-call>` (its pre-join view plays the camera) against a page that loads
// only lit (bundled the way the bundle bundles it) and shows the camera in one lit element: the
// least any lit widget with a preview pays. Each trial is a fresh browser context (an empty
// cache: a first visit), the arms interleaved; the clock is bench/pages/firstpaint-clock.js (first
// script of both pages → the first frame a <video> presents, requestVideoFrameCallback). Also the
// script bytes each page fetched before that frame (encoded, as sent). `--baseline DIR` adds an
// arm with another build's dist/cdn (say, the commit before a change), served by a second server
// in this process, so before and after are compared in one run.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { rollup } from 'rollup';
import { cdnPlugins, onwarn } from '../rollup.config.mjs';
import {
  arg, interleave, ensureBuild, fmtS, launchChromium, markdown, paired, root, sandbox, startRtcServer, summary, table, writeResult,
} from './lib.mjs';

sandbox(import.meta.url);
ensureBuild();
const TRIALS = Number(arg('trials', 10));
const BASELINE = arg('baseline', '');
if (BASELINE && !existsSync(join(BASELINE, 'rtc-call.js'))) throw new Error(`--baseline ${BASELINE}: no rtc-call.js there (give a dist/cdn folder)`);

// lit as the bundle has it, one file.
const floorDir = mkdtempSync(join(os.tmpdir(), 'rtc-bench-floor-'));
process.on('exit', () => rmSync(floorDir, { recursive: true, force: true }));
{
  const entry = '\0lit-floor';
  const build = await rollup({
    input: entry,
    plugins: [{ name: 'lit-floor', resolveId: (id) => (id === entry ? id : null), load: (id) => (id === entry ? "export * from 'lit';\n" : null) }, ...cdnPlugins()],
    onwarn,
  });
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: true });
  await build.close();
  writeFileSync(join(floorDir, 'lit.js'), output[0].code);
}

const staticDirs = { '/bench': join(root, 'bench', 'pages'), '/floor': floorDir };
const rtc = await startRtcServer({ staticDirs });
let baseline = null;
if (BASELINE) {
  // A copy, as bundleSnapshot() takes of ours: a rebuild there cannot change it mid-run.
  const dir = mkdtempSync(join(os.tmpdir(), 'rtc-bench-baseline-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  cpSync(BASELINE, dir, { recursive: true });
  baseline = await startRtcServer({ staticDirs, bundleFile: join(dir, 'rtc-call.js') });
}
const browser = await launchChromium();
const arms = [
  { name: 'rtc-call', page: 'firstpaint-rtc.html', origin: rtc.url },
  ...(baseline ? [{ name: 'rtc-call baseline', page: 'firstpaint-rtc.html', origin: baseline.url }] : []),
  { name: 'lit only', page: 'firstpaint-lit.html', origin: rtc.url },
];

let runs;
try {
  runs = await interleave({
    arms,
    trials: TRIALS,
    warmup: 1,
    run: async (arm) => {
      const context = await browser.createBrowserContext();
      try {
        const page = await context.newPage();
        page.on('pageerror', (e) => console.error(`  page error: ${e.message ?? e}`));
        await page.goto(`${arm.origin}/bench/${arm.page}`, { waitUntil: 'domcontentloaded' });
        const ms = await page.evaluate(() => Promise.race([window.firstFrame, new Promise((_, reject) => setTimeout(() => reject(new Error('no preview frame within 15 s')), 15_000))]));
        const scripts = await page.evaluate((ms) => {
          const js = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js') && e.responseEnd - window.t0 <= ms);
          return { files: js.length, bytes: js.reduce((sum, e) => sum + e.encodedBodySize, 0) };
        }, ms);
        return { ms, ...scripts };
      } finally {
        await context.close();
      }
    },
    failed: { ms: NaN, files: 0, bytes: NaN },
    describe: (arm, r) => `${arm.name} ${r.ms.toFixed(0)} ms (${r.files} scripts, ${(r.bytes / 1024).toFixed(1)} KiB)`,
  });
} finally {
  await browser.close().catch(() => {});
  await rtc.close();
  await baseline?.close();
}

const { results: res, failures } = runs;
const col = (name, k) => res[name].map((r) => r?.[k] ?? NaN);
const vs = paired(col('rtc-call', 'ms'), col('lit only', 'ms'));
const rows = [['arm', 'ms to first preview frame', '× lit only (paired)', '− lit only, ms', 'scripts', 'script KiB (as sent)']];
for (const { name } of arms) {
  const lit = name === 'lit only';
  const p = paired(col(name, 'ms'), col('lit only', 'ms'));
  rows.push([
    name, fmtS(summary(col(name, 'ms')), 0), lit ? '1.00' : fmtS(p.ratio, 2), lit ? '' : fmtS(p.diff, 0),
    fmtS(summary(col(name, 'files')), 0), fmtS(summary(col(name, 'bytes').map((b) => b / 1024)), 1),
  ]);
}
const vsBaseline = baseline ? paired(col('rtc-call', 'ms'), col('rtc-call baseline', 'ms')) : null;
if (vsBaseline) rows.push(['rtc-call ÷ baseline (paired)', fmtS(vsBaseline.ratio, 2), '', fmtS(vsBaseline.diff, 0), '', '']);
console.log('');
table(rows, `Script start → first preview frame (${TRIALS} interleaved trials, each in a fresh browser context: nothing cached; median [min–max])`);
if (failures.length) console.log(`failed trials: ${failures.length}`, failures);
writeResult('firstpaint', {
  command: 'npm run bench:firstpaint',
  trials: TRIALS,
  perTrial: res,
  vsLit: vs,
  ...(vsBaseline ? { baseline: BASELINE, vsBaseline } : {}),
  failures,
  table: rows,
  markdown: markdown(rows),
});
process.exit(failures.length ? 1 : 0);
