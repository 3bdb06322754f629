/**
 * Registers `<rtc-call>`, and the elements it renders (`<rtc-video-tile>`, `<rtc-device-picker>`,
 * `<rtc-precall-check>` in the waiting view).
 */
import { RtcCall } from './components/call/call.js';
import { defineElement } from './utils/define-element.js';
import './rtc-video-tile.js';
import './rtc-device-picker.js';
import './rtc-precall-check.js';

defineElement('rtc-call', RtcCall);

export { RtcCall };

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
