/** `detail` of `rtc-lock-change`. */
export interface RtcLockChangeDetail {
  /** While locked, newcomers knock and wait even without a waiting room. */
  readonly locked: boolean;
}

/** Fired when a host (or the site's backend) locks or unlocks the call. */
export class RtcLockChangeEvent extends Event {
  static readonly eventName = 'rtc-lock-change' as const;
  readonly detail: RtcLockChangeDetail;

  constructor(detail: RtcLockChangeDetail) {
    super(RtcLockChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-lock-change': RtcLockChangeEvent;
  }
}
