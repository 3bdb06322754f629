import type { CallMode } from '../protocol/sfu.js';

/** `detail` of `rtc-mode-change`. */
export interface RtcModeChangeDetail {
  /** How the call's media travels now: `mesh` (peer to peer, end to end encrypted) or `sfu` (through the server's media server: encrypted to the server, not end to end). */
  readonly mode: CallMode;
  readonly previous: CallMode;
}

/** Fired when the call's mode changes (a join into a room whose media goes through the SFU). */
export class RtcModeChangeEvent extends Event {
  static readonly eventName = 'rtc-mode-change' as const;
  readonly detail: RtcModeChangeDetail;

  constructor(detail: RtcModeChangeDetail) {
    super(RtcModeChangeEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-mode-change': RtcModeChangeEvent;
  }
}
