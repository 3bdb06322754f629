import type { FileProgress } from '../core/types.js';

/** `detail` of `rtc-file-progress`: `id`, `name`, `size`, `bytes`, `direction` (`send | receive`), `participantId` (the other side), `status` (`active | complete | failed`) and, when failed, `error`. */
export type RtcFileProgressDetail = FileProgress;

/**
 * Fired as a file transfer advances, per file and other participant: from `bytes: 0` (for a file
 * you send, before `sendFile()` returns) to `status: 'complete'`, or `failed` with `error`
 * (`file-cancelled`, `file-too-large`, `file-corrupt`, `peer-unavailable`).
 */
export class RtcFileProgressEvent extends Event {
  static readonly eventName = 'rtc-file-progress' as const;
  readonly detail: RtcFileProgressDetail;

  constructor(detail: RtcFileProgressDetail) {
    super(RtcFileProgressEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-file-progress': RtcFileProgressEvent;
  }
}
