/**
 * Registers `<rtc-precall-check>` (and nothing else): `import 'rtc-call/rtc-precall-check.js'`.
 */
import { RtcPrecallCheck } from './components/precall-check/precall-check.js';
import { defineElement } from './utils/define-element.js';

export { RtcPrecallCheck };

defineElement('rtc-precall-check', RtcPrecallCheck);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-precall-check': RtcPrecallCheck;
  }
}
