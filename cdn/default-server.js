// Stands in for dist/core/default-server.js in the one-tag bundle only (rollup.config.mjs,
// cdnModules()). The bundle is served by the rtc-call server itself, at <base>/rtc-call.js, so the
// default `server` is the folder the script came from (`https://host/rtc-call.js` → `https://host/`,
// a server mounted at `/calls` → `https://host/calls/`); the page's origin if that is not http(s).
// This module is in the core chunk, <base>/chunks/core-<hash>.js, one folder below the entry
// (the build fails if it is not: rollup.config.mjs, entryImportedByNoChunk()), hence `..`.
export function defaultServer() {
  try {
    const url = new URL('..', import.meta.url);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // not a URL: fall back to the page
  }
  return location.origin;
}
