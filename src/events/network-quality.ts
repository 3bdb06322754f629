import type { QualityLevel, QualityReason } from '../core/types.js';

/** `detail` of `rtc-network-quality`. */
export interface RtcNetworkQualityDetail {
  /** Whose connection: a remote participant's (as we receive them), or the local participant's id for your own uplink. */
  readonly participantId: string;
  readonly level: QualityLevel;
  /** What holds it back (`packet-loss`, `high-latency`, `low-bandwidth`, `cpu`, `no-media`), or null. */
  readonly reason: QualityReason | null;
}

/** Fired when a participant's connection quality (or its reason) changes — not on every reading. */
export class RtcNetworkQualityEvent extends Event {
  static readonly eventName = 'rtc-network-quality' as const;
  readonly detail: RtcNetworkQualityDetail;

  constructor(detail: RtcNetworkQualityDetail) {
    super(RtcNetworkQualityEvent.eventName, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-network-quality': RtcNetworkQualityEvent;
  }
}
