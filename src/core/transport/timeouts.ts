/**
 * Transport timeouts the package exports. In a module of their own so that exporting one does not
 * pull its transport into the one-tag bundle's entry (the transports are chunks loaded at join).
 */

/** How long the signaling socket may take to open. */
export const SIGNALING_OPEN_TIMEOUT_MS = 10_000;
