import type { PrecallReport } from '../core/precall/types.js';

/** `detail` of `rtc-precall-result`: the report `run()` resolves with. */
export type RtcPrecallResultDetail = PrecallReport;

/** Fired by `<rtc-precall-check>` when a run ends (started by `run()` or the Start button). */
export class RtcPrecallResultEvent extends Event {
  static readonly eventName = 'rtc-precall-result' as const;
  readonly detail: RtcPrecallResultDetail;

  constructor(detail: RtcPrecallResultDetail) {
    super(RtcPrecallResultEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-precall-result': RtcPrecallResultEvent;
  }
}
