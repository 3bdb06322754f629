import type { RtcError } from '../core/errors.js';

/**
 * Fired for every failure, fatal or not. `detail` is the `RtcError` itself (`code`, `message`,
 * `fatal`, `cause`): the same object a public method rejects with.
 */
export class RtcErrorEvent extends Event {
  static readonly eventName = 'rtc-error' as const;
  readonly detail: RtcError;

  constructor(error: RtcError) {
    super(RtcErrorEvent.eventName, { bubbles: true, composed: true });
    this.detail = error;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-error': RtcErrorEvent;
  }
}
