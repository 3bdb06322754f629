/**
 * The codec names `video-codecs` and `audio-codecs` take, and their parsing: what `<rtc-call>`
 * reads from its attributes (at first paint, for the pre-join view's config). Applying the
 * preferences to connections is codecs.ts's business, loaded with the transports.
 */

export type CodecKind = 'audio' | 'video';

/** Names as the attributes take them → the MIME subtype. */
const KNOWN: Record<CodecKind, Record<string, string>> = {
  video: { vp8: 'vp8', vp9: 'vp9', h264: 'h264', av1: 'av1', h265: 'h265' },
  audio: { opus: 'opus', red: 'red', g722: 'g722', pcmu: 'pcmu', pcma: 'pcma' },
};

/** The names of an attribute value that are codecs of that kind, and those that are not. */
export function parseCodecList(kind: CodecKind, value: string | null | undefined): { names: string[]; unknown: string[] } {
  const names: string[] = [];
  const unknown: string[] = [];
  for (const word of (value ?? '').toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    const subtype = KNOWN[kind][word];
    if (!subtype) unknown.push(word);
    else if (!names.includes(subtype)) names.push(subtype);
  }
  return { names, unknown };
}
