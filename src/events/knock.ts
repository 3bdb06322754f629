import type { WaitingParticipant } from '../core/types.js';

/** `detail` of `rtc-knock`. */
export interface RtcKnockDetail {
  /** Who is waiting (`admit(participant.id)` lets them in). */
  readonly participant: WaitingParticipant;
}

/** Fired on a host's element when someone knocks (every host is told, not only the first). */
export class RtcKnockEvent extends Event {
  static readonly eventName = 'rtc-knock' as const;
  readonly detail: RtcKnockDetail;

  constructor(detail: RtcKnockDetail) {
    super(RtcKnockEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-knock': RtcKnockEvent;
  }
}
