/** `detail` of `rtc-camera-change`. */
export interface RtcCameraChangeDetail {
  /** True when the local camera is now on. */
  readonly enabled: boolean;
}

/** Fired when the local camera is turned on or off. */
export class RtcCameraChangeEvent extends Event {
  static readonly eventName = 'rtc-camera-change' as const;
  readonly detail: RtcCameraChangeDetail;

  constructor(detail: RtcCameraChangeDetail) {
    super(RtcCameraChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-camera-change': RtcCameraChangeEvent;
  }
}
