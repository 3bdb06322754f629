/**
 * The default `server` of the npm build: the page's own origin. An app that bundles rtc-call is
 * served by its own web server, not by the rtc-call server, so nothing better can be known; when
 * the page's origin turns out not to be an rtc-call server, the join fails with
 * `not-an-rtc-call-server` and says to set `server`. The one-tag bundle replaces this module
 * (cdn/default-server.js): there the script itself comes from the rtc-call server.
 */
export function defaultServer(): string {
  return location.origin;
}
