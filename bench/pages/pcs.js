// Loaded first on the SFU bench page: keeps every RTCPeerConnection the page makes, so the bench
// can add up what all of them send (the uplink of every participant in the page).
(() => {
  const pcs = [];
  const Orig = window.RTCPeerConnection;
  const Wrapped = function (...a) { const pc = new Orig(...a); pcs.push(pc); return pc; };
  Wrapped.prototype = Orig.prototype;
  Object.setPrototypeOf(Wrapped, Orig);
  window.RTCPeerConnection = Wrapped;
  /** Bytes sent as RTP (outbound-rtp bytesSent) by every open connection of the page, and how many are connected. */
  window.__uplink = async () => {
    let bytes = 0;
    let connected = 0;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      if (pc.connectionState === 'connected') connected++;
      (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') bytes += s.bytesSent ?? 0; });
    }
    return { bytes, connected };
  };
})();
