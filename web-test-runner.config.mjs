// Browser tests: Debian's Chromium, headless, fake camera and microphone, one window per test file
// (hidden tabs never fire requestVideoFrameCallback), the real rtc-call server started by
// test/plugins/rtc-test-server.mjs on a free loopback port.
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { fromRollup } from '@web/dev-server-rollup';
import rollupCommonjs from '@rollup/plugin-commonjs';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { findChrome, chromeArgs, NO_CHROME_MESSAGE } from './scripts/chrome.mjs';
import { rtcTestServerPlugin } from './test/plugins/rtc-test-server.mjs';
import { countReporter } from './test/plugins/count-reporter.mjs';

const executablePath = findChrome();
if (!executablePath) {
  console.error(NO_CHROME_MESSAGE);
  process.exit(1);
}

const commonjs = fromRollup(rollupCommonjs);

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { browser: true, exportConditions: ['browser', 'production'] },
  rootDir: '.',
  hostname: '127.0.0.1',
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 20 * 60 * 1000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath, headless: true, args: chromeArgs() },
      createPage: ({ context }) => context.newPage({ type: 'window' }),
    }),
  ],
  plugins: [
    commonjs({ include: ['**/node_modules/sdp/**'], strictRequires: false }),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    rtcTestServerPlugin(),
  ],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter()],
};
