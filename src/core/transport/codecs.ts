/**
 * Codec preferences (`video-codecs="vp9 vp8 h264"`, `audio-codecs="opus"`): the named codecs
 * first, in the given order, then everything else the browser has (so a link with a browser that
 * lacks them still connects), picked from `RTCRtpReceiver.getCapabilities()` — a codec this
 * browser does not have is skipped (Firefox here has no H.264).
 *
 * Shared by every transport (each applies them to its own connections). Where they apply on a mesh link: the answering side sets them with `setCodecPreferences` when
 * the offer arrives (before PeerJS answers), which decides the negotiated codec; the calling side
 * sets them on its transceivers too (for every later offer, e.g. an ICE restart), but PeerJS
 * creates the first offer inside `peer.call()`, before we can reach its transceivers, so that
 * offer lists the same order through PeerJS's `sdpTransform` (`preferInSdp`, which only reorders
 * the payload types of each m-line).
 */

import type { CodecPreferences } from './transport.js';
import type { CodecKind } from './codec-names.js';

export type { CodecKind } from './codec-names.js';
// The attribute parsing lives in codec-names.ts, which the element reads at first paint; the rest
// of this module comes with the transports.
export { parseCodecList } from './codec-names.js';

const subtypeOf = (mimeType: string) => mimeType.split('/')[1]?.toLowerCase() ?? '';

/**
 * The codec list for `setCodecPreferences`: this browser's codecs of that kind with the preferred
 * ones first; null when there is no preference or the browser has none of them.
 */
export function codecOrder(kind: CodecKind, names: readonly string[] | undefined): RTCRtpCodec[] | null {
  if (!names?.length || typeof RTCRtpReceiver === 'undefined' || !RTCRtpReceiver.getCapabilities) return null;
  const all = RTCRtpReceiver.getCapabilities(kind)?.codecs ?? [];
  const preferred = names.flatMap((n) => all.filter((c) => subtypeOf(c.mimeType) === n));
  if (!preferred.length) return null;
  return [...preferred, ...all.filter((c) => !preferred.includes(c))];
}

/** Applies the preferences to every audio and video transceiver of a connection that can take them. */
export function applyCodecPreferences(pc: RTCPeerConnection, prefs: CodecPreferences): void {
  const orders: Record<CodecKind, RTCRtpCodec[] | null> = { audio: codecOrder('audio', prefs.audio), video: codecOrder('video', prefs.video) };
  for (const t of pc.getTransceivers()) {
    const kind = t.receiver.track?.kind as CodecKind | undefined;
    const order = kind ? orders[kind] : null;
    if (!order || t.currentDirection === 'stopped' || typeof t.setCodecPreferences !== 'function') continue;
    try {
      t.setCodecPreferences(order);
    } catch {
      // A codec list this transceiver refuses: it keeps the browser's order.
    }
  }
}

/**
 * An SDP with the payload types of each audio / video m-line reordered so the preferred codecs
 * come first (in the given order); nothing else changes. Pure, for the first offer.
 */
export function preferInSdp(sdp: string, prefs: CodecPreferences): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  // Payload type → codec subtype, per m-section.
  interface Section {
    index: number;
    kind: string;
    rtpmap: Map<string, string>;
  }
  const sections: Section[] = [];
  lines.forEach((line, index) => {
    const m = /^m=(\w+) /.exec(line);
    if (m) {
      sections.push({ index, kind: m[1]!, rtpmap: new Map() });
      return;
    }
    const r = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
    if (r && sections.length) sections[sections.length - 1]!.rtpmap.set(r[1]!, r[2]!.toLowerCase());
  });
  for (const s of sections) {
    const names = prefs[s.kind as CodecKind];
    if (!names?.length) continue;
    const parts = lines[s.index]!.split(' ');
    const head = parts.slice(0, 3);
    const pts = parts.slice(3);
    const rank = (pt: string) => {
      const i = names.indexOf(s.rtpmap.get(pt) ?? '');
      return i === -1 ? names.length : i;
    };
    const sorted = pts.map((pt, i) => ({ pt, i })).sort((a, b) => rank(a.pt) - rank(b.pt) || a.i - b.i).map((x) => x.pt);
    lines[s.index] = [...head, ...sorted].join(' ');
  }
  return lines.join(eol);
}
