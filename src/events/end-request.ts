/** Fired, cancelable, when a host clicks "End for everyone"; `preventDefault()` keeps the call (for example to confirm first, then call `endCall()`). */
export class RtcEndRequestEvent extends Event {
  static readonly eventName = 'rtc-end-request' as const;

  constructor() {
    super(RtcEndRequestEvent.eventName, { bubbles: true, composed: true, cancelable: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-end-request': RtcEndRequestEvent;
  }
}
