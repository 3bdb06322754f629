/**
 * Screen capture for sharing: `getDisplayMedia` with what a shared screen needs (text stays sharp:
 * `contentHint = 'detail'`; up to 1920×1080 at 15 fps), and the three outcomes a page must tell
 * apart — a track, the person cancelling the browser's picker (null: not an error), or a share the
 * browser or the page's permissions policy does not allow (`screen-share-denied`).
 */
import { RtcError, RtcErrorCode } from '../errors.js';

/** Capture constraints: a shared screen up to 1080p at 15 fps (the mesh lowers the bitrate as it grows). */
export const SCREEN_CONSTRAINTS = { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 15 } } as const;

/** Whether this browser can share a screen at all. */
export function canShareScreen(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
}

type PolicyDocument = Document & { permissionsPolicy?: { allowsFeature(f: string): boolean }; featurePolicy?: { allowsFeature(f: string): boolean } };

/** The screen track, or null when the person cancelled the picker. */
export async function captureScreen(): Promise<MediaStreamTrack | null> {
  if (!canShareScreen()) throw new RtcError(RtcErrorCode.NotSupported, 'This browser cannot share a screen.');
  // A permissions policy that forbids it (an iframe without allow="display-capture") is the
  // page's doing, not the person's: say so rather than treat it like a cancelled picker.
  const policy = (document as PolicyDocument).permissionsPolicy ?? (document as PolicyDocument).featurePolicy;
  if (policy && !policy.allowsFeature('display-capture')) {
    throw new RtcError(RtcErrorCode.ScreenShareDenied, 'This page is not allowed to share a screen (permissions policy: display-capture).');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: SCREEN_CONSTRAINTS, audio: false });
  } catch (error) {
    const name = (error as { name?: string }).name;
    // Chromium and Firefox report a cancelled picker as NotAllowedError; a system-level refusal
    // says so in its message.
    if (name === 'NotAllowedError' && !/system|policy/i.test((error as Error).message ?? '')) return null;
    if (name === 'AbortError') return null;
    throw new RtcError(RtcErrorCode.ScreenShareDenied, `The screen could not be shared (${name ?? 'error'}).`, { cause: error });
  }
  const track = stream.getVideoTracks()[0];
  if (!track) throw new RtcError(RtcErrorCode.ScreenShareDenied, 'The browser shared no screen.');
  for (const extra of stream.getTracks()) if (extra !== track) extra.stop();
  if ('contentHint' in track) track.contentHint = 'detail';
  return track;
}
