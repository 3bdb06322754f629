// Keeps every RTCPeerConnection the page creates in `window.__pcs`, so a test can read what the
// browser received (getStats) without reaching into the element.
(() => {
  const Native = window.RTCPeerConnection;
  const pcs = [];
  function Kept(...args) {
    const pc = new Native(...args);
    pcs.push(pc);
    return pc;
  }
  Kept.prototype = Native.prototype;
  Object.setPrototypeOf(Kept, Native);
  window.RTCPeerConnection = Kept;
  window.__pcs = pcs;
})();
