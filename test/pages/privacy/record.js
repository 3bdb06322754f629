// The first script of the privacy test pages (a classic script, so it runs before any module):
// records every RTCPeerConnection configuration (constructor and setConfiguration) and every
// network request the page starts (fetch, XHR, WebSocket, EventSource, beacons, and everything
// Resource Timing sees: scripts, chunks, images, styles). `window.__privacy.report()` answers
// them, with the STUN/TURN server of every ICE candidate gathered so far (getStats `url`).
(() => {
  const configs = [];
  const requests = [];
  const pcs = [];
  const abs = (url) => {
    try {
      return new URL(String(url), location.href).href;
    } catch {
      return String(url);
    }
  };
  const copy = (config) => (config === undefined ? null : JSON.parse(JSON.stringify(config)));
  performance.setResourceTimingBufferSize(100000);

  const NativePc = window.RTCPeerConnection;
  const setConfiguration = NativePc.prototype.setConfiguration;
  NativePc.prototype.setConfiguration = function (config) {
    configs.push({ via: 'setConfiguration', config: copy(config) });
    return setConfiguration.call(this, config);
  };
  function RecordedPeerConnection(config, ...rest) {
    configs.push({ via: 'constructor', config: copy(config) });
    const pc = new NativePc(config, ...rest);
    pcs.push(pc);
    return pc;
  }
  RecordedPeerConnection.prototype = NativePc.prototype;
  Object.setPrototypeOf(RecordedPeerConnection, NativePc);
  window.RTCPeerConnection = RecordedPeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = RecordedPeerConnection;

  const nativeFetch = window.fetch;
  window.fetch = function (input, init) {
    requests.push(abs(input instanceof Request ? input.url : input));
    return nativeFetch.call(this, input, init);
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    requests.push(abs(url));
    return open.call(this, method, url, ...rest);
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      requests.push(abs(url));
      super(url, protocols);
    }
  };
  const NativeEventSource = window.EventSource;
  window.EventSource = class extends NativeEventSource {
    constructor(url, init) {
      requests.push(abs(url));
      super(url, init);
    }
  };
  const sendBeacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, data) => {
    requests.push(abs(url));
    return sendBeacon(url, data);
  };

  window.__privacy = {
    async report() {
      const all = [...configs];
      const candidates = [];
      for (const pc of pcs) {
        if (pc.signalingState === 'closed') continue;
        all.push({ via: 'getConfiguration', config: copy(pc.getConfiguration()) });
        const stats = await pc.getStats();
        stats.forEach((s) => {
          if (s.type === 'local-candidate') candidates.push({ type: s.candidateType, url: s.url ?? null, address: s.address ?? s.ip ?? null });
        });
      }
      const timing = performance.getEntries().filter((e) => e.entryType === 'navigation' || e.entryType === 'resource');
      return { page: location.href, configs: all, requests: [...new Set([location.href, ...requests, ...timing.map((e) => e.name)])], candidates };
    },
  };
})();
