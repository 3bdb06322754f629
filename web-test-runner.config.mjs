// Browser tests: Debian's Chromium and Firefox ESR, headless, fake camera and microphone, one
// window per test file (hidden tabs never fire requestVideoFrameCallback), the real rtc-call server
// started by test/plugins/rtc-test-server.mjs on a free loopback port.
//
// Chromium runs every file; Firefox runs FIREFOX_FILES (the call, tile and server-facing tests:
// README "Tests" says why the rest stay Chromium-only). RTC_TEST_BROWSERS picks the browsers
// (`chromium`, `firefox`, default both); with one browser, files given on the command line run in
// it, e.g. `RTC_TEST_BROWSERS=firefox web-test-runner test/browser/call.test.ts`. Firefox needs
// the veth pair of scripts/in-netns.sh to gather any ICE candidate.
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import rollupCommonjs from '@rollup/plugin-commonjs';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { findChrome, chromeArgs, NO_CHROME_MESSAGE } from './scripts/chrome.mjs';
import { findFirefox, NO_FIREFOX_MESSAGE } from './scripts/firefox.mjs';
import { firefoxLauncher } from './test/plugins/firefox-launcher.mjs';
import { rtcTestServerPlugin } from './test/plugins/rtc-test-server.mjs';
import { countReporter } from './test/plugins/count-reporter.mjs';

const ALL_FILES = ['test/browser/**/*.test.ts'];
/** What Firefox runs: everything a call in Firefox depends on. */
export const FIREFOX_FILES = [
  'test/browser/harness.test.ts',
  'test/browser/call.test.ts',
  'test/browser/call-devices.test.ts',
  'test/browser/call-codecs.test.ts',
  'test/browser/call-errors.test.ts',
  'test/browser/call-files.test.ts',
  'test/browser/call-hardening.test.ts',
  'test/browser/call-hold.test.ts',
  'test/browser/call-recovery.test.ts',
  'test/browser/call-relay.test.ts',
  'test/browser/call-resilience.test.ts',
  'test/browser/call-sfu.test.ts',
  'test/browser/call-switch.test.ts',
  'test/browser/interop.test.ts',
  'test/browser/video-tile.test.ts',
];

const wanted = new Set((process.env.RTC_TEST_BROWSERS ?? 'chromium,firefox').split(',').map((b) => b.trim()).filter(Boolean));
for (const b of wanted) {
  if (b !== 'chromium' && b !== 'firefox') {
    console.error(`RTC_TEST_BROWSERS: unknown browser "${b}" (chromium, firefox)`);
    process.exit(1);
  }
}
const executablePath = findChrome();
if (wanted.has('chromium') && !executablePath) {
  console.error(NO_CHROME_MESSAGE);
  process.exit(1);
}
if (wanted.has('firefox') && !findFirefox()) {
  console.error(NO_FIREFOX_MESSAGE);
  process.exit(1);
}

const chromium = () =>
  // Named for what it runs (the launcher calls a system browser "Chrome"): reports and counts say Chromium.
  Object.assign(
    chromeLauncher({
      launchOptions: { executablePath, headless: true, args: chromeArgs() },
      createPage: ({ context }) => context.newPage({ type: 'window' }),
    }),
    { name: 'Chromium' },
  );

const commonjs = fromRollup(rollupCommonjs);

// Chromium is the default group; Firefox a group of its own with its file list. Either one alone
// takes the top level, so command-line files go to it.
const onlyFirefox = wanted.has('firefox') && !wanted.has('chromium');
const top = onlyFirefox
  ? { files: FIREFOX_FILES, browsers: [firefoxLauncher()] }
  : { files: ALL_FILES, browsers: [chromium()] };
const groups = wanted.has('firefox') && wanted.has('chromium')
  ? [{ name: 'firefox', files: FIREFOX_FILES, browsers: [firefoxLauncher()] }]
  : [];

export default {
  ...top,
  groups,
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  rootDir: '.',
  hostname: '127.0.0.1',
  concurrency: 1,
  // One browser at a time: Chromium's files first, then Firefox's (2 cores; timings matter).
  concurrentBrowsers: 1,
  testsFinishTimeout: 20 * 60 * 1000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  plugins: [
    commonjs({ include: ['**/node_modules/sdp/**'], strictRequires: false }),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    rtcTestServerPlugin(),
  ],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter()],
};
