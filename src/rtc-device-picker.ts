/**
 * Registers `<rtc-device-picker>` (and nothing else): `import 'rtc-call/rtc-device-picker.js'`.
 */
import { RtcDevicePicker } from './components/device-picker/device-picker.js';
import { defineElement } from './utils/define-element.js';

export { RtcDevicePicker };

defineElement('rtc-device-picker', RtcDevicePicker);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-device-picker': RtcDevicePicker;
  }
}
