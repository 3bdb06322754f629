import type { Participant, ParticipantLeaveReason } from '../core/types.js';

/** `detail` of `rtc-participant-left`. */
export interface RtcParticipantLeftDetail {
  /** The participant who left (their last state). */
  readonly participant: Participant;
  /** `left`: they hung up; `disconnected`: their browser or signaling went away; `removed-by-host`; `ice-failed`: their media link could not be recovered within 30 s. */
  readonly reason: ParticipantLeaveReason;
}

/** Fired when a remote participant leaves the call or is dropped. */
export class RtcParticipantLeftEvent extends Event {
  static readonly eventName = 'rtc-participant-left' as const;
  readonly detail: RtcParticipantLeftDetail;

  constructor(detail: RtcParticipantLeftDetail) {
    super(RtcParticipantLeftEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-participant-left': RtcParticipantLeftEvent;
  }
}
