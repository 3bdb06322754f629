// Stands in for dist/core/transport/mesh/peerjs-loader.js in the one-tag bundle only (rollup.config.mjs,
// cdnModules()). The bundle inlines PeerJS and evaluates it with everything else, before any
// run-time guard could see PeerJS's load-time probe, so PeerJS's public defaults are stripped at
// build time instead (stripPeerJsDefaults()). What is left to do here: load PeerJS once, take
// only `Peer` (so rollup drops the rest).
let peerModule;

export function loadPeerJs() {
  peerModule ??= import('peerjs').then(({ Peer }) => ({ Peer }));
  return peerModule;
}
