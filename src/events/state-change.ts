import type { CallState } from '../core/types.js';

/** `detail` of `rtc-state-change`. */
export interface RtcStateChangeDetail {
  /** The new state. */
  readonly state: CallState;
  /** The state before. */
  readonly previous: CallState;
}

/** Fired when the call state changes. */
export class RtcStateChangeEvent extends Event {
  static readonly eventName = 'rtc-state-change' as const;
  readonly detail: RtcStateChangeDetail;

  constructor(detail: RtcStateChangeDetail) {
    super(RtcStateChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-state-change': RtcStateChangeEvent;
  }
}
