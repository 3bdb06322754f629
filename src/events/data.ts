/** `detail` of `rtc-data`. */
export interface RtcDataDetail {
  /** The participant id of the sender. */
  readonly from: string;
  /** What they passed to `sendData` (a JSON value). */
  readonly data: unknown;
}

/** Fired when another participant's page sends data with `sendData()` (to everyone or to you); ordered and reliable per sender. */
export class RtcDataEvent extends Event {
  static readonly eventName = 'rtc-data' as const;
  readonly detail: RtcDataDetail;

  constructor(detail: RtcDataDetail) {
    super(RtcDataEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-data': RtcDataEvent;
  }
}
