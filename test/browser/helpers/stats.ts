/**
 * What a browser says it received, from getStats — the same measure in Chromium and Firefox, and
 * the one that also works where no AudioContext can listen (another browser's window, driven by
 * puppeteer). `inboundMedia` is self-contained so it can be sent as source into such a window.
 */

export interface InboundMedia {
  /** Sum over every open connection's `inbound-rtp` audio. */
  audio: { packetsReceived: number; totalAudioEnergy: number };
  /** Sum over every open connection's `inbound-rtp` video. */
  video: { packetsReceived: number; framesDecoded: number };
  /** The mime types of the codecs inbound streams are decoded with, e.g. `video/VP8`. */
  codecs: string[];
}

export async function inboundMedia(pcs: RTCPeerConnection[]): Promise<InboundMedia> {
  const out: InboundMedia = { audio: { packetsReceived: 0, totalAudioEnergy: 0 }, video: { packetsReceived: 0, framesDecoded: 0 }, codecs: [] };
  for (const pc of pcs) {
    if (pc.connectionState === 'closed') continue;
    // Firefox never answers getStats() on a connection closed while it was asked (a link that
    // is re-dialled after an ICE restart: the old connection closes): such a connection counts
    // for nothing, as if it had been closed before. One that stays open and silent fails here, by
    // name, rather than as the test's own timeout with nothing said.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onState: (() => void) | undefined;
    const stats = await Promise.race([
      pc.getStats(),
      new Promise<null>((resolve, reject) => {
        onState = () => { if (pc.connectionState === 'closed') resolve(null); };
        pc.addEventListener('connectionstatechange', onState);
        timer = setTimeout(() => {
          if (pc.connectionState === 'closed') resolve(null);
          else reject(new Error(`getStats() did not answer within 10 s (connection ${pc.connectionState}, ICE ${pc.iceConnectionState}, signaling ${pc.signalingState})`));
        }, 10_000);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', onState!);
    });
    if (!stats) continue;
    stats.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') {
        out.audio.packetsReceived += s.packetsReceived ?? 0;
        out.audio.totalAudioEnergy += s.totalAudioEnergy ?? 0;
      } else if (s.kind === 'video') {
        out.video.packetsReceived += s.packetsReceived ?? 0;
        out.video.framesDecoded += s.framesDecoded ?? 0;
      }
      const codec = s.codecId ? stats.get(s.codecId) : undefined;
      if (codec?.mimeType && !out.codecs.includes(codec.mimeType)) out.codecs.push(codec.mimeType);
    });
  }
  return out;
}

/**
 * Resolves once `read()` shows audio arriving with energy and video frames being decoded, both
 * growing between two readings (a stalled stream keeps its old totals).
 */
export async function mediaFlowing(read: () => Promise<InboundMedia>, timeoutMs = 15_000): Promise<{ before: InboundMedia; after: InboundMedia }> {
  const end = performance.now() + timeoutMs;
  let before = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const after = await read();
    if (
      after.audio.packetsReceived > before.audio.packetsReceived &&
      after.audio.totalAudioEnergy > before.audio.totalAudioEnergy &&
      after.video.framesDecoded > before.video.framesDecoded
    ) {
      return { before, after };
    }
    if (performance.now() > end) {
      throw new Error(`no audio with energy and video frames arriving within ${timeoutMs} ms: ${JSON.stringify({ before, after })}`);
    }
    before = after;
  }
}

/** A candidate as getStats reports it (`address`, `port`, `candidateType`, …). */
export type CandidateStats = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The local and remote candidates of a connection's selected pair, or null while none is selected
 * (Chromium names it on the transport; Firefox marks the pair `selected`).
 */
export async function selectedCandidates(pc: RTCPeerConnection): Promise<{ local: CandidateStats; remote: CandidateStats } | null> {
  const stats = await pc.getStats();
  let pair: CandidateStats | undefined;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  stats.forEach((s) => {
    if (!pair && s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded'))) pair = s;
  });
  const local = pair ? stats.get(pair.localCandidateId) : undefined;
  const remote = pair ? stats.get(pair.remoteCandidateId) : undefined;
  return local && remote ? { local, remote } : null;
}
