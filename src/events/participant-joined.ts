import type { Participant } from '../core/types.js';

/** `detail` of `rtc-participant-joined`. */
export interface RtcParticipantJoinedDetail {
  /** The participant who joined. */
  readonly participant: Participant;
}

/** Fired when a remote participant joins the call. */
export class RtcParticipantJoinedEvent extends Event {
  static readonly eventName = 'rtc-participant-joined' as const;
  readonly detail: RtcParticipantJoinedDetail;

  constructor(detail: RtcParticipantJoinedDetail) {
    super(RtcParticipantJoinedEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-participant-joined': RtcParticipantJoinedEvent;
  }
}
