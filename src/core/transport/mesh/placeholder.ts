/**
 * Stand-in tracks for a missing microphone, camera or screen. PeerJS cannot renegotiate, so every
 * link must offer all three from its first offer; these tracks make the offer sendrecv for each,
 * are swapped out with `replaceTrack` right after, and are stopped at once.
 */
import { acquireAudioContext, countStreamNode, releaseAudioContext } from '../../media/audio.js';

export interface PlaceholderTracks {
  audio: MediaStreamTrack;
  video: MediaStreamTrack;
  screen: MediaStreamTrack;
  /** Stops the tracks and releases the audio context they came from. */
  dispose(): void;
}

export function createPlaceholderTracks(): PlaceholderTracks {
  const ctx = acquireAudioContext();
  const destination = ctx.createMediaStreamDestination();
  countStreamNode(ctx);
  const audio = destination.stream.getAudioTracks()[0]!;
  const canvas = document.createElement('canvas');
  canvas.width = 2;
  canvas.height = 2;
  canvas.getContext('2d')?.fillRect(0, 0, 2, 2);
  const video = canvas.captureStream(0).getVideoTracks()[0]!;
  const screen = canvas.captureStream(0).getVideoTracks()[0]!;
  let disposed = false;
  return {
    audio,
    video,
    screen,
    dispose() {
      if (disposed) return;
      disposed = true;
      audio.stop();
      video.stop();
      screen.stop();
      destination.disconnect();
      releaseAudioContext(ctx);
    },
  };
}
