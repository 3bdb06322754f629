/** Fired when the browser blocked playback of remote media until the user interacts with the page. */
export class RtcAutoplayBlockedEvent extends Event {
  static readonly eventName = 'rtc-autoplay-blocked' as const;

  constructor() {
    super(RtcAutoplayBlockedEvent.eventName, { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-autoplay-blocked': RtcAutoplayBlockedEvent;
  }
}
