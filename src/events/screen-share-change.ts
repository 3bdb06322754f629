/** `detail` of `rtc-screen-share-change`. */
export interface RtcScreenShareChangeDetail {
  /** Who started or stopped sharing (the local participant's id for your own share). */
  readonly participantId: string;
  readonly enabled: boolean;
}

/** Fired when anyone in the call — you included — starts or stops sharing a screen (also for a share already running when you join). */
export class RtcScreenShareChangeEvent extends Event {
  static readonly eventName = 'rtc-screen-share-change' as const;
  readonly detail: RtcScreenShareChangeDetail;

  constructor(detail: RtcScreenShareChangeDetail) {
    super(RtcScreenShareChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-screen-share-change': RtcScreenShareChangeEvent;
  }
}
