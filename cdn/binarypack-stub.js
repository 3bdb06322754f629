// Stands in for `peerjs-js-binarypack` in the one-tag bundle only. PeerJS uses it for the
// "binary" serialization of its DataConnections (`peer.connect()`), which rtc-call never opens:
// its control messages are JSON on a negotiated data channel of the media connection. Anything
// that does reach it gets a clear error instead of a silent failure.
const unavailable = () => {
  throw new Error("rtc-call: the one-tag bundle has no BinaryPack; use PeerJS from npm for peer.connect() with serialization 'binary'");
};
export const pack = unavailable;
export const unpack = unavailable;
