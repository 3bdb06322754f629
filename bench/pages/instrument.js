// Loaded before anything else on the teardown page: counts what rtc-call creates, without keeping
// any of it alive (WeakRefs), so the heap figure is not skewed by the counting itself.
(() => {
  const tracks = [];
  const pcs = [];
  const contexts = [];
  const keepTracks = (stream) => { for (const t of stream.getTracks()) tracks.push(new WeakRef(t)); return stream; };
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => gum(c).then(keepTracks);
  if (md.getDisplayMedia) { const gdm = md.getDisplayMedia.bind(md); md.getDisplayMedia = (c) => gdm(c).then(keepTracks); }
  const capture = HTMLCanvasElement.prototype.captureStream;
  HTMLCanvasElement.prototype.captureStream = function (...a) { return keepTracks(capture.apply(this, a)); };
  const clone = MediaStreamTrack.prototype.clone;
  MediaStreamTrack.prototype.clone = function () { const t = clone.call(this); tracks.push(new WeakRef(t)); return t; };

  function wrap(name, list) {
    const Orig = window[name];
    const Wrapped = function (...a) { const o = new Orig(...a); list.push(new WeakRef(o)); return o; };
    Wrapped.prototype = Orig.prototype;
    Object.setPrototypeOf(Wrapped, Orig);
    window[name] = Wrapped;
  }
  wrap('RTCPeerConnection', pcs);
  wrap('AudioContext', contexts);
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = window.RTCPeerConnection;

  const alive = (list, test) => list.map((r) => r.deref()).filter((o) => o && test(o)).length;
  window.__resources = () => ({
    liveTracks: alive(tracks, (t) => t.readyState === 'live'),
    openPeerConnections: alive(pcs, (pc) => pc.signalingState !== 'closed'),
    runningAudioContexts: alive(contexts, (c) => c.state === 'running'),
    createdTracks: tracks.length,
    createdPeerConnections: pcs.length,
    createdAudioContexts: contexts.length,
  });
})();
