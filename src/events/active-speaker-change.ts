/** `detail` of `rtc-active-speaker-change`. */
export interface RtcActiveSpeakerChangeDetail {
  /** Who speaks now (sustained speech, held at least 2 s), or null when nobody is known to. */
  readonly participantId: string | null;
}

/** Fired when the call's active speaker changes (not on every word: promoted after ~400 ms of speech, held ≥ 2 s). */
export class RtcActiveSpeakerChangeEvent extends Event {
  static readonly eventName = 'rtc-active-speaker-change' as const;
  readonly detail: RtcActiveSpeakerChangeDetail;

  constructor(detail: RtcActiveSpeakerChangeDetail) {
    super(RtcActiveSpeakerChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-active-speaker-change': RtcActiveSpeakerChangeEvent;
  }
}
