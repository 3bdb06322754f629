// What the deploy-call test (test/server/deploy-call.ts) drives in each window: join with a token
// from the test, then wait for video frames on the remote tile.
const withTimeout = (p, ms, what) => Promise.race([
  p,
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
]);

function remoteVideo(call) {
  for (const tile of call.shadowRoot?.querySelectorAll('rtc-video-tile') ?? []) {
    if (tile.hasAttribute('local') || tile.classList.contains('preview')) continue;
    const v = tile.shadowRoot?.querySelector('video');
    if (v) return v;
  }
  return undefined;
}

window.deployTest = {
  /** An <rtc-call> with no `server` attribute: it talks to the origin its script came from. */
  async join(room, name, token, ms) {
    await withTimeout(customElements.whenDefined('rtc-call'), ms, 'rtc-call defined (rtc-call.js loaded)');
    const el = document.createElement('rtc-call');
    el.setAttribute('room', room);
    el.setAttribute('display-name', name);
    el.setAttribute('token', token);
    el.style.cssText = 'display: block; width: 640px; height: 400px';
    document.body.append(el);
    await withTimeout(el.join(), ms, `${name} joined`);
    return el.state;
  },

  /** Ten frames presented on the remote tile; its size and how far its clock moved meanwhile. */
  async remoteFrames(ms, frames = 10) {
    const call = document.querySelector('rtc-call');
    const deadline = performance.now() + ms;
    let video = remoteVideo(call);
    while (!video && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      video = remoteVideo(call);
    }
    if (!video) throw new Error(`no remote tile within ${ms} ms`);
    let first = -1;
    let n = 0;
    await withTimeout(new Promise((resolve) => {
      const cb = (_now, meta) => {
        if (first < 0) first = meta.mediaTime;
        if (++n >= frames) resolve();
        else video.requestVideoFrameCallback(cb);
      };
      video.requestVideoFrameCallback(cb);
    }), Math.max(1000, deadline - performance.now()), `${frames} frames on the remote tile (saw ${n})`);
    return { width: video.videoWidth, height: video.videoHeight, frames: n, advancedS: video.currentTime - first };
  },

  names() {
    return document.querySelector('rtc-call').participants.map((p) => p.displayName).sort();
  },

  resources() {
    return [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
  },
};
