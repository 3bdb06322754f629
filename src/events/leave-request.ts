/** Fired, cancelable, when the user clicks the leave button; call `preventDefault()` to keep the call (for example to ask "End the visit?" first). */
export class RtcLeaveRequestEvent extends Event {
  static readonly eventName = 'rtc-leave-request' as const;

  constructor() {
    super(RtcLeaveRequestEvent.eventName, { bubbles: true, composed: true, cancelable: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-leave-request': RtcLeaveRequestEvent;
  }
}
