/** `detail` of `rtc-knock-withdrawn`. */
export interface RtcKnockWithdrawnDetail {
  /** The id of the participant no longer waiting. */
  readonly participantId: string;
  /** `admitted` (by any host), `denied`, or `left` (they gave up or closed the tab). */
  readonly reason: 'admitted' | 'denied' | 'left';
}

/** Fired on a host's element when someone is no longer on the waiting list. */
export class RtcKnockWithdrawnEvent extends Event {
  static readonly eventName = 'rtc-knock-withdrawn' as const;
  readonly detail: RtcKnockWithdrawnDetail;

  constructor(detail: RtcKnockWithdrawnDetail) {
    super(RtcKnockWithdrawnEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-knock-withdrawn': RtcKnockWithdrawnEvent;
  }
}
