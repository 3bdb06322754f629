// Where Firefox is for the browser tests, and the preferences that give it fake camera and
// microphone, no permission prompts, no autoplay block and real host addresses in ICE. Shared by
// web-test-runner.config.mjs (test/plugins/firefox-launcher.mjs) and the test plugin, which
// launches extra Firefox processes for cross-browser calls. Driven by puppeteer-core over
// WebDriver BiDi (ENVIRONMENT-NOTES: Firefox).
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

/** The Firefox executable: FIREFOX_PATH when set, else the first system install found. */
export function findFirefox() {
  const fromEnv = process.env.FIREFOX_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export const NO_FIREFOX_MESSAGE =
  'rtc-call browser tests also run in Firefox: install it (Debian: `apt-get install firefox-esr`), set FIREFOX_PATH to its executable, or set RTC_TEST_BROWSERS=chromium to skip it.';

/** Firefox preferences for real WebRTC with fake devices inside the test namespace. */
export function firefoxPrefs() {
  return {
    // Fake camera (a moving pattern) and microphone (a tone) instead of real devices, no prompt.
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    // Sound may play without a user gesture (Chromium: --autoplay-policy=no-user-gesture-required).
    'media.autoplay.default': 0,
    'media.autoplay.block-webaudio': false,
    'media.autoplay.blocking_policy': 0,
    // There is no sound device here, and without one an AudioContext never leaves "suspended":
    // cubeb's mock backend plays into nothing at real-time pace, so WebAudio (speaking detection,
    // level meters) runs as it does on a machine with speakers.
    'media.cubeb.force_mock_context': true,
    // Host candidates carry the namespace's addresses, not mDNS names nobody here can resolve.
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    // Output devices can be chosen (setSinkId) without a prompt.
    'media.setsinkid.enabled': true,
    // Nothing to fetch: no OpenH264 download, no updates, telemetry or safe-browsing lists.
    'media.gmp-manager.updateEnabled': false,
    'media.gmp-gmpopenh264.enabled': false,
    'app.update.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    // Timers of background windows keep their pace (several test windows are open at once).
    'dom.min_background_timeout_value': 4,
    'dom.timeout.enable_budget_timer_throttling': false,
    'full-screen-api.allow-trusted-requests-only': false,
    'full-screen-api.warning.timeout': 0,
  };
}

/** puppeteer-core launch options for headless Firefox with the test preferences. */
export function firefoxLaunchOptions(extra = {}) {
  return {
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    extraPrefsFirefox: firefoxPrefs(),
    ...extra,
  };
}
