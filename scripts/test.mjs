#!/usr/bin/env node
// npm test: build, typecheck, consumer type tests (tsc and vue-tsc), manifest freshness, bundle size, server tests (node:test) and browser
// tests (@web/test-runner in Chromium, and the call suite in Firefox ESR). As root it re-runs itself
// inside a private network namespace (scripts/in-netns.sh): loopback plus a veth pair whose both
// ends are in the namespace, so WebRTC can only ever use 127.0.0.1 and the namespace's own
// 10.213.0.0/24, and nothing leaves the machine. It ends with one line `N passed, N failed`
// summing every runner (both browsers), and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChrome, NO_CHROME_MESSAGE } from './chrome.mjs';
import { findFirefox, NO_FIREFOX_MESSAGE } from './firefox.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const only = new Set(args.filter((a) => !a.startsWith('-')));  // e.g. `npm test -- server browser`
const want = (step) => only.size === 0 || only.has(step);

// RTC_TEST_BROWSERS (web-test-runner.config.mjs): `chromium`, `firefox` or both (the default).
const browsers = (process.env.RTC_TEST_BROWSERS ?? 'chromium,firefox').split(',').map((b) => b.trim());
if (!findChrome() && want('browser') && browsers.includes('chromium')) {
  console.error(NO_CHROME_MESSAGE);
  process.exit(1);
}
if (!findFirefox() && want('browser') && browsers.includes('firefox')) {
  console.error(NO_FIREFOX_MESSAGE);
  process.exit(1);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && !process.env.RTC_TEST_NETNS && !process.env.RTC_TEST_NO_NETNS) {
  // A fresh network namespace: `lo` and a veth pair of its own (Firefox gathers no ICE candidate
  // on loopback alone), so no test can reach or leak to any other network.
  const r = spawnSync(
    'unshare',
    ['--net', '--', join(root, 'scripts', 'in-netns.sh'), process.execPath, fileURLToPath(import.meta.url), ...args],
    { stdio: 'inherit', env: { ...process.env, RTC_TEST_NETNS: '1' } },
  );
  if (r.error) {
    console.error(`npm test: could not create a network namespace (${r.error.message}); set RTC_TEST_NO_NETNS=1 to run without one.`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const tmp = mkdtempSync(join(tmpdir(), 'rtc-test-'));

function step(name, cmd, cmdArgs, env = {}) {
  console.log(`\n── ${name}: ${[cmd.replace(root, ''), ...cmdArgs].join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(name, ok) {
  if (ok) totals.passed++;
  else {
    totals.failed++;
    console.log(`✗ ${name} failed`);
  }
}

function addCounts(name, file, exitedOk, expectGroups = []) {
  let counts;
  try {
    counts = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    counts = undefined;
  }
  if (!counts) {
    // The runner died before reporting: that is a failure, never a silent pass.
    totals.failed++;
    console.log(`✗ ${name}: the runner reported no results`);
    return;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  // The browser runner counts per browser: each one that should have run must have results.
  for (const [browser, c] of Object.entries(counts.browsers ?? {})) {
    console.log(`  ${browser}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} (${c.files} files)`);
  }
  for (const browser of expectGroups) {
    if (!counts.browsers?.[browser]?.passed) {
      totals.failed++;
      console.log(`✗ ${name}: no test passed in ${browser}`);
    }
  }
  if (!exitedOk && counts.failed === 0) {
    totals.failed++;
    console.log(`✗ ${name}: the runner exited with an error`);
  }
}

if (want('build')) check('build', step('build', process.execPath, ['scripts/build.mjs']));
if (want('typecheck')) {
  check('typecheck (browser code and tests)', step('typecheck', bin('tsc'), ['-p', 'tsconfig.test.json']));
  check('typecheck (server and its tests)', step('typecheck', bin('tsc'), ['-p', 'tsconfig.node-test.json']));
}
// A consumer's TypeScript (test/types/) against the built dist/*.d.ts, through package exports:
// typed events and elements, React 19 JSX from the generated typings, and lines that must fail;
// then Vue templates through vue-tsc as a create-vite vue-ts app has it, with and without the
// stricter template checks the README recommends.
if (want('types')) {
  check('types as a consumer sees them (test/types)', step('types', bin('tsc'), ['-p', 'test/types/tsconfig.json']));
  check('Vue templates with rtc-call/vue (test/types/vue)', step('types', bin('vue-tsc'), ['-p', 'test/types/vue/tsconfig.json']));
  check('Vue templates, unknown names checked (test/types/vue)', step('types', bin('vue-tsc'), ['-p', 'test/types/vue/tsconfig.strict.json']));
}
if (want('manifest')) {
  check('custom-elements.json is up to date', step('manifest', process.execPath, ['scripts/check-manifest.mjs']));
  check('custom-elements.json is complete', step('manifest', process.execPath, ['scripts/check-manifest-complete.mjs']));
}
// The one-tag bundle's budgets: one per file of dist/cdn and two for what a page loads before its
// first paint and before a call's first remote frame (scripts/size.mjs lists them and says why).
if (want('size')) check('bundle size budget', step('size', process.execPath, ['scripts/size.mjs', '--check']));

/** node:test over every *.test.ts of a folder (Node 20's --test does not expand globs: list the files). */
function nodeTests(name, dir) {
  const file = join(tmp, `${dir.replace(/\W+/g, '-')}.json`);
  const ok = step(name, process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./test/plugins/node-count-reporter.mjs', `--test-reporter-destination=${file}`,
    ...readdirSync(join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `${dir}/${f}`),
  ]);
  addCounts(name, file, ok);
}

// Unit tests of what is DOM-free (protocol, policies): no browser, no server.
if (want('unit')) nodeTests('unit tests', 'test/unit');
if (want('server')) nodeTests('server tests', 'test/server');

if (want('browser')) {
  // The privacy test's app (test/browser/privacy.test.ts): the npm build bundled as a consumer would.
  check('privacy test app (the npm build bundled by rollup)', step('browser', process.execPath, ['scripts/build-privacy-app.mjs']));
  const file = join(tmp, 'browser.json');
  const ok = step('browser tests', bin('web-test-runner'), [], { RTC_RESULTS_FILE: file });
  const expected = browsers.map((b) => ({ chromium: 'Chromium', firefox: 'Firefox' })[b]).filter(Boolean);
  console.log('\nbrowser tests by browser:');
  addCounts('browser tests', file, ok, expected);
}

rmSync(tmp, { recursive: true, force: true });
console.log('');
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 ? 1 : 0);
