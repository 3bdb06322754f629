/**
 * What a person would see or hear, measured in the page: frames advancing in a <video>, audio level
 * above zero. Shared by the browser tests.
 */

/** Resolves once `count` new frames have been presented by `video` (requestVideoFrameCallback). */
export function framesAdvance(video: HTMLVideoElement, count = 3, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let first: number | undefined;
    const timer = setTimeout(
      () => reject(new Error(`only ${seen} of ${count} frames rendered within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      first ??= meta.presentedFrames;
      seen = meta.presentedFrames - first;
      if (seen >= count) {
        clearTimeout(timer);
        resolve(meta.presentedFrames);
      } else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

let sharedContext: AudioContext | undefined;

/**
 * Peak audio level (0…1) of a stream's audio over `windowMs`, measured with an AnalyserNode.
 * Chromium's fake microphone beeps 20 ms every 500 ms, so the window must span a beep.
 */
export async function peakAudioLevel(stream: MediaStream, windowMs = 1_500): Promise<number> {
  sharedContext ??= new AudioContext();
  const ctx = sharedContext;
  if (ctx.state !== 'running') await ctx.resume();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  let peak = 0;
  const end = performance.now() + windowMs;
  try {
    while (performance.now() < end) {
      analyser.getFloatTimeDomainData(buf);
      for (const v of buf) peak = Math.max(peak, Math.abs(v));
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    source.disconnect();
  }
  return peak;
}

/** Closes the AudioContext the helpers opened, so leak checks count only the product's. */
export async function closeHelperAudio(): Promise<void> {
  await sharedContext?.close();
  sharedContext = undefined;
}

/** Polls `predicate` until it is truthy (bounded; never a blind sleep). */
export async function until<T>(predicate: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
