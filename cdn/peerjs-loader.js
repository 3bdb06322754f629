// Stands in for dist/core/transport/mesh/peerjs-loader.js in the one-tag bundle only (rollup.config.mjs,
// cdnModules()). PeerJS's public defaults are stripped at build time (stripPeerJsDefaults()), so no
// run-time guard is needed here. PeerJS is imported statically: this module is only reached from the
// mesh transport, itself a dynamic import at join, so PeerJS lands in the mesh transport's chunk
// (one request at join, not the chunk and then PeerJS after it) and is evaluated at the first join,
// not at page load. Only `Peer` is taken, so rollup drops the rest.
import { Peer } from 'peerjs';

const peerModule = Promise.resolve({ Peer });

export function loadPeerJs() {
  return peerModule;
}
