import type { Participant } from '../core/types.js';

/** `detail` of `rtc-participant-updated`. */
export interface RtcParticipantUpdatedDetail {
  /** The participant's new state. */
  readonly participant: Participant;
}

/** Fired when a participant's name, mic, camera, stream or connection changes. */
export class RtcParticipantUpdatedEvent extends Event {
  static readonly eventName = 'rtc-participant-updated' as const;
  readonly detail: RtcParticipantUpdatedDetail;

  constructor(detail: RtcParticipantUpdatedDetail) {
    super(RtcParticipantUpdatedEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-participant-updated': RtcParticipantUpdatedEvent;
  }
}
