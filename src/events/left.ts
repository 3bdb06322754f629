import type { LeaveReason } from '../core/types.js';

/** `detail` of `rtc-left`. */
export interface RtcLeftDetail {
  /** Why the call ended for the local participant. */
  readonly reason: LeaveReason;
}

/** Fired when the local participant has left the call and every connection is closed. */
export class RtcLeftEvent extends Event {
  static readonly eventName = 'rtc-left' as const;
  readonly detail: RtcLeftDetail;

  constructor(detail: RtcLeftDetail) {
    super(RtcLeftEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-left': RtcLeftEvent;
  }
}
