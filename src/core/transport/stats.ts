/**
 * One reading of a media connection's getStats, reduced to what quality, adaptation and support
 * staff need: cumulative counters (differences between readings give rates) and the current
 * values. Every transport reads its connections through this, so the quality rules see the same
 * shape whatever carries the media.
 */

export interface LinkSample {
  /** When it was read (performance.now()). */
  at: number;
  /** Inbound RTP, audio and video together: packets received and lost, cumulative. */
  packetsReceived: number;
  packetsLost: number;
  /** Inbound video freezes (Chromium), cumulative. */
  freezeCount: number;
  /** Bytes the connection received at all (RTP, RTCP, the data channels' heartbeat): cumulative. */
  transportBytesReceived: number;
  /** What we send: the largest fraction the receiver reports lost (0–1) and the round trip (s). */
  outboundFractionLost: number | null;
  roundTripTime: number | null;
  /** The sender's bandwidth estimate (bits/s), where the browser has one. */
  availableOutgoingBitrate: number | null;
  /** Why the camera's encoder holds back: `none`, `bandwidth`, `cpu`, `other`. */
  qualityLimitationReason: string | null;
  /** Inbound video: codec (`video/VP8`), size and frame rate; bytes of inbound video and audio (cumulative). */
  videoCodec: string | null;
  audioCodec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  inboundBytes: number;
}

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Reads a connection (null when it is closed or the browser refuses); `inbound` picks the
 * inbound streams that count (an SFU's one connection carries everyone's: one participant's).
 */
export async function readLinkSample(pc: RTCPeerConnection, inbound?: (stat: Record<string, unknown>) => boolean): Promise<LinkSample | null> {
  if (pc.connectionState === 'closed') return null;
  let report: RTCStatsReport;
  try {
    report = await pc.getStats();
  } catch {
    return null;
  }
  const sample: LinkSample = {
    at: performance.now(),
    packetsReceived: 0,
    packetsLost: 0,
    freezeCount: 0,
    transportBytesReceived: 0,
    outboundFractionLost: null,
    roundTripTime: null,
    availableOutgoingBitrate: null,
    qualityLimitationReason: null,
    videoCodec: null,
    audioCodec: null,
    width: null,
    height: null,
    fps: null,
    inboundBytes: 0,
  };
  const stats = new Map<string, Stat>();
  report.forEach((s: Stat) => stats.set(s.id, s));
  let pair: Stat | undefined;
  for (const s of stats.values()) {
    if (s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string') pair = stats.get(s['selectedCandidatePairId']);
  }
  for (const s of stats.values()) {
    switch (s.type) {
      case 'inbound-rtp': {
        if (inbound && !inbound(s)) break;
        sample.packetsReceived += num(s['packetsReceived']) ?? 0;
        sample.packetsLost += Math.max(0, num(s['packetsLost']) ?? 0);
        sample.inboundBytes += num(s['bytesReceived']) ?? 0;
        const codec = typeof s['codecId'] === 'string' ? (stats.get(s['codecId'])?.['mimeType'] as string | undefined) : undefined;
        if (s['kind'] === 'video') {
          sample.freezeCount += num(s['freezeCount']) ?? 0;
          // The camera is the video stream with the most bytes (a screen is the other one).
          if (!sample.videoCodec || (num(s['bytesReceived']) ?? 0) > 0) {
            sample.videoCodec = codec ?? sample.videoCodec;
            sample.width = num(s['frameWidth']) ?? sample.width;
            sample.height = num(s['frameHeight']) ?? sample.height;
            sample.fps = num(s['framesPerSecond']) ?? sample.fps;
          }
        } else if (s['kind'] === 'audio' && codec) sample.audioCodec = codec;
        break;
      }
      case 'remote-inbound-rtp': {
        const lost = num(s['fractionLost']);
        if (lost !== null) sample.outboundFractionLost = Math.max(sample.outboundFractionLost ?? 0, lost);
        const rtt = num(s['roundTripTime']);
        if (rtt !== null) sample.roundTripTime = Math.max(sample.roundTripTime ?? 0, rtt);
        break;
      }
      case 'outbound-rtp':
        if (s['kind'] === 'video' && typeof s['qualityLimitationReason'] === 'string' && (num(s['bytesSent']) ?? 0) > 0) {
          // The worst reason of our video senders wins (`none` only when every one says so).
          if (sample.qualityLimitationReason === null || sample.qualityLimitationReason === 'none') sample.qualityLimitationReason = s['qualityLimitationReason'];
        }
        break;
      case 'candidate-pair':
        if (!pair && s['nominated'] === true && s['state'] === 'succeeded') pair = s;
        break;
    }
  }
  if (pair) {
    sample.transportBytesReceived = num(pair['bytesReceived']) ?? 0;
    const rtt = num(pair['currentRoundTripTime']);
    if (rtt !== null) sample.roundTripTime = Math.max(sample.roundTripTime ?? 0, rtt);
    sample.availableOutgoingBitrate = num(pair['availableOutgoingBitrate']);
  }
  return sample;
}
