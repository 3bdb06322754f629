// bench:firstpaint's clock, the first script of both pages: t0 is script start; `firstFrame`
// resolves with the ms from t0 to the first frame any <video> (in the page or in any open shadow
// root) presents (requestVideoFrameCallback).
window.t0 = performance.now();
window.firstFrame = new Promise((resolve) => {
  const seen = new WeakSet();
  const videos = (root, out) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'VIDEO') out.push(el);
      if (el.shadowRoot) videos(el.shadowRoot, out);
    }
    return out;
  };
  let done = false;
  const look = () => {
    if (done) return;
    for (const v of videos(document, [])) {
      if (seen.has(v)) continue;
      seen.add(v);
      v.requestVideoFrameCallback((now) => {
        if (done) return;
        done = true;
        resolve(now - window.t0);
      });
    }
    requestAnimationFrame(look);
  };
  look();
});
