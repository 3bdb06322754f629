/**
 * Which browser a test page runs in, and what differs between the browsers' test configurations
 * (scripts/chrome.mjs, scripts/firefox.mjs) — so tests keep one set of assertions and skip, with
 * a reason, only what a browser's fake devices or automation cannot produce.
 */
export type BrowserName = 'chromium' | 'firefox';

export const browserName: BrowserName = /\bFirefox\//.test(navigator.userAgent) ? 'firefox' : 'chromium';
export const isFirefox = browserName === 'firefox';

/**
 * How many fake devices of each kind the browser has. Chromium: `device-count=3` cameras (the
 * second, fake_device_1, is a depth camera the encoder never sends), three microphones and three
 * speakers; Firefox (media.navigator.streams.fake, cubeb's mock context): one camera
 * "Default Video Device", one microphone "Default Audio Device" (a steady tone, not beeps), two
 * speakers "Fake Audio Output 1 (PREFERRED)" and "Fake Audio Output 2".
 */
export const fakeDeviceCount: Record<MediaDeviceKind, number> = {
  chromium: { videoinput: 3, audioinput: 3, audiooutput: 3 },
  firefox: { videoinput: 1, audioinput: 1, audiooutput: 2 },
}[browserName];

/** Skips the running test where the browser has fewer than `count` fake devices of `kind`. */
export function needsFakeDevices(ctx: Mocha.Context, kind: MediaDeviceKind, count: number): void {
  if (fakeDeviceCount[kind] < count) {
    ctx.test!.title += ` (skipped in ${browserName}: ${fakeDeviceCount[kind]} fake ${kind})`;
    ctx.skip();
  }
}

/** Skips the running test in `browser`, saying why (something its automation cannot do here). */
export function skipIn(ctx: Mocha.Context, browser: BrowserName, why: string): void {
  if (browserName === browser) {
    ctx.test!.title += ` (skipped in ${browser}: ${why})`;
    ctx.skip();
  }
}

/**
 * Speaker choice in headless Firefox: its outputs are cubeb's mock devices, listed only after a
 * microphone was granted; a direct setSinkId on a playing element applies, but inside these
 * tests the switch intermittently never settles (the test runs into its 30 s timeout). Cause not
 * found yet: the speaker tests stay Chromium-only until it is.
 */
export const SINK_ID_IN_FIREFOX = 'speaker switching on cubeb mock outputs does not settle reliably';
