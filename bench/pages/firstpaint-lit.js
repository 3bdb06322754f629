// bench:firstpaint's baseline: lit alone (bundled as the one-tag bundle bundles it, served at
// /floor/lit.js) and the least a camera preview needs — one element asking for the camera and
// microphone with the constraints <rtc-call> asks with (src/core/media/local-media.ts), showing
// the camera in a <video> in its shadow root.
import { LitElement, html } from '/floor/lit.js';

class FpPreview extends LitElement {
  static properties = { stream: { state: true } };
  connectedCallback() {
    super.connectedCallback();
    navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 24 } },
    }).then((s) => { this.stream = s; });
  }
  render() {
    return html`<video autoplay muted playsinline .srcObject=${this.stream ?? null}></video>`;
  }
}
customElements.define('fp-preview', FpPreview);
