import type { DeviceKind } from '../core/types.js';

/** `detail` of `rtc-device-change`. */
export interface RtcDeviceChangeDetail {
  /** Which kind of device was picked. */
  readonly kind: DeviceKind;
  /** The chosen device id (empty string = the default device). */
  readonly deviceId: string;
  /** The device's label as the browser reports it. */
  readonly label: string;
}

/** Fired when the user picks a camera, microphone or speaker. */
export class RtcDeviceChangeEvent extends Event {
  static readonly eventName = 'rtc-device-change' as const;
  readonly detail: RtcDeviceChangeDetail;

  constructor(detail: RtcDeviceChangeDetail) {
    super(RtcDeviceChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-device-change': RtcDeviceChangeEvent;
  }
}
