#!/usr/bin/env node
// npm run size: raw and gzip (level 9) bytes of dist/cdn/rtc-call.js next to lit + peerjs bundled
// the same way (rollup.config.mjs's cdnPlugins(): the same stand-ins for webrtc-adapter and
// peerjs-js-binarypack, node-resolve, commonjs, terser): the floor any widget built on them pays.
// `--check` fails above the budget (86 KiB gzip). `--json` prints the figures as JSON.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { cdnPlugins, onwarn } from '../rollup.config.mjs';

// 40 KiB in wave 1; 43 KiB since the hardening, the room events and the core seams (the shared name
// rule, room-event parsing, the hold rule, two messages in two languages, the transport interface,
// the session's emitter and policies, the localize controller: +2.4 KiB); 48 KiB from the restart
// work (the re-join that keeps the participant id, 43.3 KiB then) for the waiting room and host
// controls, which add a view, a list and eight methods to the one file (47.4 KiB with them); 52 KiB
// from screen sharing (48.9 KiB with it) for the rest of issue 17 (layouts, active speaker: 50.8);
// 58 KiB from chat and app data (53.6 KiB with them) for the rest of issue 18 (files, the security
// code: 56.4 with it); 62 KiB from file sharing (60.5 KiB with it: its own channel protocol, the
// chat's file lines and their labels); 74 KiB from the pre-call check (issue 20: +8.1 KiB with the
// waiting view's button, of which its remedies in two languages ≈ 4.6 KiB; with it and
// network recovery: 72.6 KiB); 78 KiB from connection quality (76.0 KiB with it: the stats reading,
// the rules, the tile's bars and the reasons in two languages); 84 KiB from the SFU transport
// (issue 21: 82.3 KiB with it, +4.2 KiB: Janus signaling, simulcast, the mode notice) — a dynamic
// import too, which only calls through an SFU load in the npm build; 86 KiB from the mesh ⇄ SFU
// switch-over (issue 22: 85.6 KiB with it, +3.0 KiB: the switching transport, the mode notices),
// which only rooms that switch load in the npm build. The pre-call checks are a dynamic import, so the npm build loads them on the first
// run; this bundle inlines dynamic imports until issue 23. Issue 23 replaces this with a budget per
// chunk once PeerJS, the languages, the panels and the pre-call checks are chunks of their own:
// the entry is what every page pays before the first paint.
const BUDGET_GZIP = 86 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const bundlePath = `${root}dist/cdn/rtc-call.js`;
if (!existsSync(bundlePath)) {
  console.error('size: dist/cdn/rtc-call.js is missing; run `npm run build` first.');
  process.exit(1);
}

const VIRTUAL = '\0floor-entry';
async function bundleFloor() {
  const build = await rollup({
    input: VIRTUAL,
    plugins: [
      { name: 'floor-entry', resolveId: (id) => (id === VIRTUAL ? id : null), load: (id) => (id === VIRTUAL ? "export * from 'lit';\nexport { Peer } from 'peerjs';\n" : null) },
      ...cdnPlugins(),
    ],
    onwarn,
  });
  const { output } = await build.generate({ format: 'es', inlineDynamicImports: true });
  await build.close();
  return Buffer.from(output[0].code);
}

const sizes = (buf) => ({ raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
const ours = sizes(readFileSync(bundlePath));
const floor = sizes(await bundleFloor());
const result = { bundle: ours, floor, own: { raw: ours.raw - floor.raw, gzip: ours.gzip - floor.gzip }, budgetGzip: BUDGET_GZIP };

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const row = (name, s) => `${name.padEnd(28)} ${String(s.raw).padStart(8)} B ${kib(s.raw).padStart(10)}   ${String(s.gzip).padStart(7)} B ${kib(s.gzip).padStart(9)}`;
  console.log(`${''.padEnd(28)} ${'raw'.padStart(21)}   ${'gzip -9'.padStart(19)}`);
  console.log(row('dist/cdn/rtc-call.js', ours));
  console.log(row('lit + peerjs (floor)', floor));
  console.log(row('rtc-call own code', result.own));
}
if (process.argv.includes('--check') && ours.gzip > BUDGET_GZIP) {
  console.error(`size: dist/cdn/rtc-call.js is ${ours.gzip} B gzip, over the ${BUDGET_GZIP} B budget.`);
  process.exit(1);
}
