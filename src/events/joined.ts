/** `detail` of `rtc-joined`. */
export interface RtcJoinedDetail {
  /** The room joined. */
  readonly room: string;
  /** The local participant's id in the room. */
  readonly participantId: string;
}

/** Fired when the local participant has joined the room (signaling open, present members called). */
export class RtcJoinedEvent extends Event {
  static readonly eventName = 'rtc-joined' as const;
  readonly detail: RtcJoinedDetail;

  constructor(detail: RtcJoinedDetail) {
    super(RtcJoinedEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-joined': RtcJoinedEvent;
  }
}
