/** `detail` of `rtc-speaking-change`. */
export interface RtcSpeakingChangeDetail {
  /** True while the participant is speaking. */
  readonly speaking: boolean;
}

/** Fired when a tile's participant starts or stops speaking. */
export class RtcSpeakingChangeEvent extends Event {
  static readonly eventName = 'rtc-speaking-change' as const;
  readonly detail: RtcSpeakingChangeDetail;

  constructor(detail: RtcSpeakingChangeDetail) {
    super(RtcSpeakingChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-speaking-change': RtcSpeakingChangeEvent;
  }
}
