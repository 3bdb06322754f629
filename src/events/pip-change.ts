/** `detail` of `rtc-pip-change`. */
export interface RtcPipChangeDetail {
  /** True while the tile's video is shown picture-in-picture. */
  readonly active: boolean;
}

/** Fired when a tile enters or leaves picture-in-picture. */
export class RtcPipChangeEvent extends Event {
  static readonly eventName = 'rtc-pip-change' as const;
  readonly detail: RtcPipChangeDetail;

  constructor(detail: RtcPipChangeDetail) {
    super(RtcPipChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-pip-change': RtcPipChangeEvent;
  }
}
