import type { ChatMessage } from '../core/types.js';

/** `detail` of `rtc-message`: the message (`id`, `from`, `displayName`, `text`, `sentAt`, `isLocal`, `replayed`, `relayedBy`). */
export type RtcMessageDetail = ChatMessage;

/** Fired for every chat message in the call — yours included, and history relayed to you when you joined (`replayed: true`). */
export class RtcMessageEvent extends Event {
  static readonly eventName = 'rtc-message' as const;
  readonly detail: RtcMessageDetail;

  constructor(detail: RtcMessageDetail) {
    super(RtcMessageEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-message': RtcMessageEvent;
  }
}
