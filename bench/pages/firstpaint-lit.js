// bench:firstpaint's baseline: lit alone (bundled as the one-tag bundle bundles it, served at
// /floor/lit.js) and the least a camera preview needs — one element asking for the camera and
// microphone as <rtc-call>'s pre-join view does, showing the camera in a <video> in its shadow root.
import { LitElement, html } from '/floor/lit.js';

class FpPreview extends LitElement {
  static properties = { stream: { state: true } };
  connectedCallback() {
    super.connectedCallback();
    navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then((s) => { this.stream = s; });
  }
  render() {
    return html`<video autoplay muted playsinline .srcObject=${this.stream ?? null}></video>`;
  }
}
customElements.define('fp-preview', FpPreview);
