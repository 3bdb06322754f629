/**
 * Session timeouts the package exports. In a module of their own so that exporting one does not
 * pull the join's or the reconnect's code into the one-tag bundle's entry (the call session is a
 * chunk loaded as a join comes near).
 */

/** How long a join request may take before the server counts as unreachable. */
export const JOIN_TIMEOUT_MS = 8_000;

/** How long a call stays `reconnecting`, media flowing, before it fails with `signaling-unreachable` (the default policy's). */
export const RECONNECT_TIMEOUT_MS = 600_000;
/** …and how long once media flows with nobody. */
export const RECONNECT_WITHOUT_MEDIA_MS = 30_000;
