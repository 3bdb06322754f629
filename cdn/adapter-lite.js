// Stands in for `webrtc-adapter` in the one-tag bundle (dist/cdn/rtc-call.js) only; the npm build
// keeps the real one. PeerJS imports webrtc-adapter for two things: shims for browsers older than
// rtc-call supports (see README, "Browser support"), and `browserDetails`, which its
// `util.supports` / `util.browser` read. This module gives `browserDetails` the same way
// webrtc-adapter 9 detects it, and no shims: ≈ 12 KiB gzip less (webrtc-adapter + sdp).
const nav = typeof navigator === 'undefined' ? undefined : navigator;
const ua = nav?.userAgent ?? '';
const num = (re) => Number.parseInt(ua.match(re)?.[1] ?? '', 10) || null;

function detect() {
  if (!nav) return { browser: 'Not a browser.', version: null };
  const chromium = nav.userAgentData?.brands?.find((b) => b.brand === 'Chromium');
  if (chromium && Number.parseInt(chromium.version, 10) >= 90) return { browser: 'chrome', version: Number.parseInt(chromium.version, 10) };
  if (nav.mozGetUserMedia || /Firefox\//.test(ua)) return { browser: 'firefox', version: num(/Firefox\/(\d+)\./) };
  if (nav.webkitGetUserMedia || /Chrom(?:e|ium)\//.test(ua)) return { browser: 'chrome', version: num(/Chrom(?:e|ium)\/(\d+)\./) };
  if (typeof RTCPeerConnection !== 'undefined' && /AppleWebKit\//.test(ua)) return { browser: 'safari', version: num(/AppleWebKit\/(\d+)\./) };
  return { browser: 'Not a supported browser.', version: null };
}

export const browserDetails = detect();
export default { browserDetails };
