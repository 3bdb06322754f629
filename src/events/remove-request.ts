import type { Participant } from '../core/types.js';

/** `detail` of `rtc-remove-request`. */
export interface RtcRemoveRequestDetail {
  /** Whom the host asked to remove. */
  readonly participant: Participant;
}

/** Fired, cancelable, when a host clicks Remove on a participant; `preventDefault()` keeps them (for example to confirm first, then call `removeParticipant(id)`). */
export class RtcRemoveRequestEvent extends Event {
  static readonly eventName = 'rtc-remove-request' as const;
  readonly detail: RtcRemoveRequestDetail;

  constructor(detail: RtcRemoveRequestDetail) {
    super(RtcRemoveRequestEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-remove-request': RtcRemoveRequestEvent;
  }
}
