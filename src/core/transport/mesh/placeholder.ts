/**
 * Stand-in tracks for a missing microphone, camera or screen. PeerJS cannot renegotiate, so every
 * link must offer all three from its first offer; these tracks make the offer sendrecv for each,
 * are swapped out with `replaceTrack` right after, and are stopped at once.
 */
import { acquireAudioContext, countStreamNode, releaseAudioContext } from '../../media/audio.js';

/** Which stand-ins a link needs: only those of the sources it has no real track for. */
export interface PlaceholderNeeds {
  audio: boolean;
  video: boolean;
  screen: boolean;
}

export interface PlaceholderTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  /** Stops the tracks and releases the audio context they came from. */
  dispose(): void;
}

/**
 * The stand-ins `needs` asks for, and nothing else: a call with a microphone and a camera makes
 * only the screen's (no audio node, one capture), since each link makes its own as it is dialled
 * or answered, on the main thread PeerJS's answer is waiting for.
 */
export function createPlaceholderTracks(needs: PlaceholderNeeds): PlaceholderTracks {
  const ctx = needs.audio ? acquireAudioContext() : null;
  const destination = ctx?.createMediaStreamDestination() ?? null;
  if (ctx) countStreamNode(ctx);
  const audio = destination?.stream.getAudioTracks()[0] ?? null;
  let canvas: HTMLCanvasElement | null = null;
  const capture = () => {
    if (!canvas) {
      canvas = document.createElement('canvas');
      canvas.width = 2;
      canvas.height = 2;
      canvas.getContext('2d')?.fillRect(0, 0, 2, 2);
    }
    return canvas.captureStream(0).getVideoTracks()[0]!;
  };
  const video = needs.video ? capture() : null;
  const screen = needs.screen ? capture() : null;
  let disposed = false;
  return {
    audio,
    video,
    screen,
    dispose() {
      if (disposed) return;
      disposed = true;
      audio?.stop();
      video?.stop();
      screen?.stop();
      destination?.disconnect();
      if (ctx) releaseAudioContext(ctx);
    },
  };
}
