#!/usr/bin/env node
// npm run size: raw and gzip (level 9) bytes of every file of dist/cdn — the one-tag entry
// rtc-call.js and each chunk it loads (chunks/<name>-<hash>.js) — then what a page loads before
// its first paint (the entry and what it imports statically) and what a 1:1 call with the default
// UI loads before its first remote frame (that plus the chunks a join loads — the mesh with PeerJS,
// <rtc-call>'s in-call parts — and their static imports: PATHS lists them), next to lit + peerjs
// bundled the same way (rollup.config.mjs's cdnPlugins(): the floor any widget built on them pays).
// `--check` fails above a budget, or on a chunk without one. `--json` prints the figures as JSON.
//
// Budgets. Until issue 23 the bundle was one file with one budget, raised with each feature:
// 40 KiB gzip in wave 1, 43 (hardening, room events, core seams), 48 (waiting room, host
// controls), 52 (screen sharing), 58 (chat, app data), 62 (file sharing), 74 (pre-call check),
// 78 (connection quality), 84 (SFU transport), 86 KiB (mesh ⇄ SFU switch-over: 85.6 KiB). Issue 23
// split it into an entry and chunks (PeerJS with the mesh transport, the SFU and switching
// transports, the pre-call checks) and gives each file and the two paths below a budget of its own:
// each one's size at the split rounded up to the next KiB, where issue 23's targets (entry path
// ≤ 20 KiB, call path ≤ 40 KiB) are not met yet — the rest of issue 23 shrinks them (the languages became chunks in issue 25;
// <rtc-call>'s in-call parts (with their styles and icons) and <rtc-precall-check>'s rendering
// then left the first paint for chunks of their own, and the codec preferences' code for the
// transports' chunk: first paint 53.7 → 45.3 KiB); lower a budget whenever a change lets you.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import { cdnPlugins, onwarn } from '../rollup.config.mjs';

const KiB = 1024;
/** The catalogue chunks, by lower-case tag: KiB gzip (each one's size when written, rounded up). */
const LANGUAGE_BUDGETS = { de: 6, fr: 6, es: 6, it: 6, pt: 6, nl: 6, pl: 6, sv: 6, da: 6, fi: 6, nb: 6, cs: 6, tr: 6, ru: 7, uk: 7, ar: 6, he: 6, ja: 6, 'zh-hans': 6, ko: 6 };
/** Per file of dist/cdn, by name without the hash (`chunks/mesh-[hash].js` → mesh), gzip -9. */
const BUDGETS = {
  // The entry itself only registers the tags and re-exports the core (rollup.config.mjs says why).
  entry: { gzip: 1 * KiB, note: 'the registrations and the exports (0.7 KiB at the split)' },
  core: { gzip: 38 * KiB, note: 'lit, the elements, the pre-join media session, English: everything the entry imports (55.2 KiB at the split, 55.9 with the pre-warmed join, 53.0 once the other languages became chunks, 47.9 once the in-call parts did, 47.3 with the check\'s rendering too, 45.5 with the in-call styles and icons, 45.0 with the codec code in transport-common, 44.6 with the check\'s styles in its chunk, 37.3 with the call session and the join API\'s client chunks)' },
  'call-session': { gzip: 8.5 * KiB, note: 'the call\'s session (state machine, roster, chat, files, quality, speakers, reconnect policy), loaded at pre-warm, code preload or Join (8.1 KiB when split out)' },
  'room-client': { gzip: 2 * KiB, note: 'the join API\'s client, shared by the call session and the pre-call checks (1.7 KiB when split out)' },
  screen: { gzip: 1 * KiB, note: 'screen capture, shared by the call session and the in-call view (0.6 KiB)' },
  'call-view': { gzip: 8 * KiB, note: '<rtc-call>\'s in-call parts: call view, control bar, panels, knock banner, ended view; loaded at pre-warm, Join or autojoin (5.8 KiB when split out, 7.9 with their styles and icons)' },
  mesh: { gzip: 18 * KiB, note: 'PeerJS and the mesh transport, loaded at a mesh join (16.3 KiB at the split, 17.1 once a new link is announced after its offer or answer has left)' },
  'transport-common': { gzip: 6 * KiB, note: 'what the mesh and SFU transports share, loaded at any join (4.9 KiB at the split, 5.4 with the codec preferences\' code, out of the core)' },
  sfu: { gzip: 5.1 * KiB, note: 'the SFU transport, loaded at an SFU join (4.96 KiB at the split; 5.01 with numbered subscriber offers)' },
  switching: { gzip: 3 * KiB, note: 'the mesh ⇄ SFU switch-over, loaded in rooms that switch (2.6 KiB at the split)' },
  precall: { gzip: 5 * KiB, note: 'the pre-call checks, loaded when one runs (4.6 KiB at the split)' },
  'precall-check-view': { gzip: 3 * KiB, note: '<rtc-precall-check>\'s rendering, loaded when one is connected (1.4 KiB when split out, 2.2 with its styles)' },
  // One chunk per language but English (src/i18n/locales/<tag>.ts → chunks/lang-<tag>-[hash].js),
  // loaded when an element first speaks it. Each budget is its size when it was written, rounded up.
  ...Object.fromEntries(
    Object.entries(LANGUAGE_BUDGETS).map(([tag, kib]) => [`lang-${tag}`, { gzip: kib * KiB, note: `the ${tag} catalogue, loaded when an element first speaks it` }]),
  ),
};
/** What a page loads before something happens: a file and everything it imports statically. */
const PATHS = {
  'first paint': {
    from: ['entry'],
    gzip: 39 * KiB,
    target: 20 * KiB,
    note: 'the entry and its static imports: what every page loads before the pre-join view (55.9 KiB at the split, 56.6 with the pre-warmed join, 57.0 with the shared ticker, 53.7 with the languages as chunks, 48.6 with the in-call parts as a chunk, 48.0 with the check\'s rendering too, 46.2 with the in-call styles and icons, 45.7 with the codec code out, 45.3 with the check\'s styles out, 38.0 with the call session and the join API\'s client out; issue 23 target 20 KiB)',
  },
  '1:1 call (mesh)': {
    // Each chunk a mesh join loads (transport-common also comes as the mesh's static import).
    from: ['entry', 'call-session', 'room-client', 'mesh', 'transport-common', 'call-view'],
    gzip: 79 * KiB,
    target: 40 * KiB,
    note: 'plus the chunks a mesh join loads and their static imports: what a 1:1 call with the default UI loads before its first remote frame (77.1 KiB at the split, 78.2 with the pre-warmed join, 75.3 with the languages as chunks, 76.1 counting the in-call parts, now a chunk of their own, 75.5 with the check\'s rendering out of the core, 75.8 with the in-call styles and icons in their chunk, 75.5 with the check\'s styles out of the core, 78.9 with the call session and the join API\'s client chunks of their own: 3.0 KiB of gzip\'s shared context lost, for 7.5 KiB less at first paint; issue 23 target 40 KiB)',
  },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const cdn = join(root, 'dist', 'cdn');
if (!existsSync(join(cdn, 'rtc-call.js'))) {
  console.error('size: dist/cdn/rtc-call.js is missing; run `npm run build` first.');
  process.exit(1);
}

const filesUnder = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
const sizes = (buf) => ({ raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length });
const keyOf = (name) => (name === 'rtc-call.js' ? 'entry' : (/^chunks\/(.+)-[\w-]{8,}\.js$/.exec(name)?.[1] ?? name));

const files = filesUnder(cdn)
  .map((path) => relative(cdn, path).split(/[\\/]/).join('/'))
  .sort((a, b) => (a === 'rtc-call.js' ? -1 : b === 'rtc-call.js' ? 1 : a.localeCompare(b)))
  .map((name) => {
    const bytes = readFileSync(join(cdn, name));
    const code = bytes.toString('utf8');
    // Relative imports in rollup's minified output: `import{…}from"./x.js"`, `export{…}from"./x.js"`, `import"./x.js"`, `import("./x.js")`.
    const resolve = (spec) => posix.normalize(posix.join(posix.dirname(name), spec));
    const imports = [...code.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?"(\.{1,2}\/[^"]+)"/g)].map((m) => resolve(m[1]));
    const dynamicImports = [...code.matchAll(/\bimport\(\s*"(\.{1,2}\/[^"]+)"\s*\)/g)].map((m) => resolve(m[1]));
    return { name, key: keyOf(name), ...sizes(bytes), imports, dynamicImports };
  });
const byName = new Map(files.map((f) => [f.name, f]));

function staticClosure(names) {
  const seen = new Set();
  const queue = [...names];
  while (queue.length) {
    const name = queue.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(byName.get(name)?.imports ?? []));
  }
  return [...seen];
}
const paths = Object.entries(PATHS).map(([label, p]) => {
  const starts = p.from.map((key) => files.find((f) => f.key === key)?.name).filter(Boolean);
  const members = staticClosure(starts);
  const total = members.reduce((sum, name) => ({ raw: sum.raw + (byName.get(name)?.raw ?? 0), gzip: sum.gzip + (byName.get(name)?.gzip ?? 0) }), { raw: 0, gzip: 0 });
  return { label, files: members, ...total, budgetGzip: p.gzip, targetGzip: p.target, note: p.note, missing: p.from.length !== starts.length };
});

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

const all = files.reduce((sum, f) => ({ raw: sum.raw + f.raw, gzip: sum.gzip + f.gzip }), { raw: 0, gzip: 0 });
const floor = sizes(await bundleFloor());
const result = {
  files: files.map(({ name, key, raw, gzip, imports, dynamicImports }) => ({ name, raw, gzip, budgetGzip: BUDGETS[key]?.gzip ?? null, imports, dynamicImports })),
  paths: paths.map(({ label, files: members, raw, gzip, budgetGzip, targetGzip }) => ({ label, files: members, raw, gzip, budgetGzip, targetGzip })),
  // All files together (each gzipped on its own), for bench:size's comparison with the floor.
  bundle: all,
  floor,
  own: { raw: all.raw - floor.raw, gzip: all.gzip - floor.gzip },
};

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const kib = (n) => `${(n / KiB).toFixed(1)} KiB`;
  const row = (name, s, budget = '') => `${name.padEnd(40)} ${String(s.raw).padStart(8)} B ${kib(s.raw).padStart(10)}   ${String(s.gzip).padStart(7)} B ${kib(s.gzip).padStart(9)}   ${budget}`;
  console.log(`${'dist/cdn/'.padEnd(40)} ${'raw'.padStart(21)}   ${'gzip -9'.padStart(19)}   budget (gzip)`);
  for (const f of files) console.log(row(f.name, f, BUDGETS[f.key] ? `≤ ${kib(BUDGETS[f.key].gzip)}` : 'no budget'));
  console.log(row('all files', all));
  console.log('');
  for (const p of paths) console.log(row(`${p.label}: ${p.files.length} files`, p, `≤ ${kib(p.budgetGzip)} (target ${kib(p.targetGzip)})`));
  console.log('');
  console.log(row('lit + peerjs (floor)', floor));
  console.log(row('rtc-call own code (all files − floor)', result.own));
}

if (process.argv.includes('--check')) {
  const problems = [];
  for (const f of files) {
    const budget = BUDGETS[f.key];
    if (!budget) problems.push(`dist/cdn/${f.name} has no budget: add "${f.key}" to BUDGETS in scripts/size.mjs (its size now rounded up to the next KiB, with a note).`);
    else if (f.gzip > budget.gzip) problems.push(`dist/cdn/${f.name} is ${f.gzip} B gzip, over its ${budget.gzip} B budget (${budget.note}).`);
  }
  for (const key of Object.keys(BUDGETS)) {
    if (!files.some((f) => f.key === key)) problems.push(`BUDGETS names "${key}", which the build no longer makes: remove it from scripts/size.mjs.`);
  }
  for (const p of paths) {
    if (p.missing) problems.push(`${p.label}: a file it starts from is not in dist/cdn.`);
    else if (p.gzip > p.budgetGzip) problems.push(`${p.label} (${p.files.join(' + ')}) is ${p.gzip} B gzip, over its ${p.budgetGzip} B budget (${p.note}).`);
  }
  if (problems.length) {
    for (const p of problems) console.error(`size: ${p}`);
    process.exit(1);
  }
}
