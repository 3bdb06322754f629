import type { ReceivedFile } from '../core/types.js';

/** `detail` of `rtc-file`: `id`, `name`, `size`, `type`, `from` (the sender's participant id) and `url` (a blob URL, valid until the next join). */
export type RtcFileDetail = ReceivedFile;

/** Fired when a file sent to you has arrived whole and its SHA-256 matched. It is never opened automatically. */
export class RtcFileEvent extends Event {
  static readonly eventName = 'rtc-file' as const;
  readonly detail: RtcFileDetail;

  constructor(detail: RtcFileDetail) {
    super(RtcFileEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-file': RtcFileEvent;
  }
}
