/** `detail` of `rtc-mic-change`. */
export interface RtcMicChangeDetail {
  /** True when the local microphone is now on. */
  readonly enabled: boolean;
}

/** Fired when the local microphone is turned on or off. */
export class RtcMicChangeEvent extends Event {
  static readonly eventName = 'rtc-mic-change' as const;
  readonly detail: RtcMicChangeDetail;

  constructor(detail: RtcMicChangeDetail) {
    super(RtcMicChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-mic-change': RtcMicChangeEvent;
  }
}
