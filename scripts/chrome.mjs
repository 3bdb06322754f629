// Where the browser for tests and benchmarks is, and the switches that make WebRTC work on a
// loopback-only machine. Shared by web-test-runner.config.mjs, the test plugin and bench/.
import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** The Chromium/Chrome executable: CHROME_PATH when set, else the first system install found. */
export function findChrome() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export const NO_CHROME_MESSAGE =
  'rtc-call tests need Chromium or Chrome: install one (Debian/Ubuntu: `apt-get install chromium`) or set CHROME_PATH to its executable.';

/** Chromium switches for real WebRTC with fake devices on loopback only. */
export function chromeArgs({ cameras = 3 } = {}) {
  const args = [
    `--use-fake-device-for-media-stream=device-count=${cameras}`,
    '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
    '--disable-quic',
    '--disable-dev-shm-usage',
  ];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  return args;
}
