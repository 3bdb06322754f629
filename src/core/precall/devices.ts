/**
 * The device checks of the pre-call check: camera (frames arrive and are not black), microphone
 * (a level above its own noise floor) and speaker (a test tone the person confirms). Each opens
 * what it needs, measures, and releases everything before it resolves — or as soon as `signal`
 * aborts. Each resolves with a status, figures and a problem token; never rejects.
 */
import { acquireAudioContext, currentAudioContext, LevelMeter, releaseAudioContext, resumeAudioContext } from '../media/audio.js';
import { stopTracks, supportsSpeakerSelection } from '../media/devices.js';
import { captureMedia } from '../media/local-media.js';
import { mediaError, RtcErrorCode } from '../errors.js';
import { PrecallStatus, type CameraFigures, type DeviceProblem, type MicrophoneFigures, type PrecallProblem, type PrecallStatus as Status, type SpeakerFigures } from './types.js';

export interface Outcome<F, P> {
  status: Status;
  figures: F;
  problem: P | null;
}

/** Frames that must arrive before the camera counts as delivering a picture. */
const CAMERA_FRAMES = 12;
/** How long the camera may take to deliver them. */
export const CAMERA_TIMEOUT_MS = 6_000;
/** How long the microphone is listened to at most (the person is invited to speak). */
export const MICROPHONE_TIMEOUT_MS = 8_000;
/** How long the speaker check waits for the person's answer: then `skipped`. */
export const SPEAKER_ANSWER_MS = 10_000;

const DEVICE_PROBLEMS = new Set<string>([
  RtcErrorCode.PermissionDenied, RtcErrorCode.DeviceInUse, RtcErrorCode.DeviceNotFound, RtcErrorCode.NotSupported,
  RtcErrorCode.InsecureContext, RtcErrorCode.BlockedByPermissionsPolicy,
]);

function deviceProblem(error: unknown): DeviceProblem {
  const code = mediaError(error, 'capture').code;
  return DEVICE_PROBLEMS.has(code) ? (code as DeviceProblem) : 'internal';
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const db = (level: number): number | null => (level > 0 ? Math.round(20 * Math.log10(level) * 10) / 10 : null);

/**
 * Opens the camera, waits for frames, measures their rate and brightness. `poor` without frames
 * (`no-frames`) or with a black picture (`black`: a covered lens, a closed privacy shutter);
 * `fair` below 10 fps or under 320×240.
 */
export async function checkCamera(
  opts: { deviceId?: string; signal: AbortSignal; onStream?: (stream: MediaStream | null) => void },
): Promise<Outcome<CameraFigures, PrecallProblem<'camera'>>> {
  const figures: CameraFigures = { width: null, height: null, frameRate: null, brightness: null, label: '' };
  let stream: MediaStream;
  try {
    stream = await captureMedia(false, true, { videoInput: opts.deviceId || undefined });
  } catch (error) {
    return { status: PrecallStatus.Poor, figures, problem: deviceProblem(error) };
  }
  const track = stream.getVideoTracks()[0]!;
  figures.label = track.label;
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  opts.onStream?.(stream);
  try {
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    await video.play().catch(() => {});
    const frames = await watchFrames(video, opts.signal);
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    figures.width = video.videoWidth || null;
    figures.height = video.videoHeight || null;
    if (frames.count < 2) return { status: PrecallStatus.Poor, figures, problem: 'no-frames' };
    figures.frameRate = frames.fps;
    figures.brightness = frames.brightness;
    if (frames.count < CAMERA_FRAMES) return { status: PrecallStatus.Poor, figures, problem: 'no-frames' };
    if (frames.brightness !== null && frames.brightness < 10 && frames.spread < 12) return { status: PrecallStatus.Poor, figures, problem: 'black' };
    if (frames.fps !== null && frames.fps < 10) return { status: PrecallStatus.Fair, figures, problem: 'low-frame-rate' };
    if ((figures.width ?? 0) * (figures.height ?? 0) < 320 * 240) return { status: PrecallStatus.Fair, figures, problem: 'low-resolution' };
    return { status: PrecallStatus.Good, figures, problem: null };
  } finally {
    opts.onStream?.(null);
    video.srcObject = null;
    stopTracks(stream);
  }
}

/**
 * Counts presented frames until CAMERA_FRAMES arrived (or the timeout) and samples the luma of
 * three of them on a 32×24 canvas: mean brightness, and the spread between the darkest and
 * brightest sampled pixels (a black frame has neither).
 */
async function watchFrames(video: HTMLVideoElement, signal: AbortSignal): Promise<{ count: number; fps: number | null; brightness: number | null; spread: number }> {
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 24;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let count = 0;
  let first = 0;
  let last = 0;
  let lumaSum = 0;
  let lumaSamples = 0;
  let lo = 255;
  let hi = 0;
  const sample = () => {
    if (!ctx) return;
    try {
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
        sum += y;
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
      lumaSum += sum / (data.length / 4);
      lumaSamples++;
    } catch {
      // A frame that cannot be read (tainted, not decoded yet): counted, not measured.
    }
  };
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, CAMERA_TIMEOUT_MS);
    let poll: ReturnType<typeof setInterval> | undefined;
    let lastTime = -1;
    signal.addEventListener('abort', finish, { once: true });
    function finish() {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    const onFrame = (now: number) => {
      if (count === 0) first = now;
      last = now;
      count++;
      if (count === 2 || count === Math.ceil(CAMERA_FRAMES / 2) || count === CAMERA_FRAMES) sample();
      if (count >= CAMERA_FRAMES) finish();
    };
    if ('requestVideoFrameCallback' in video) {
      const loop = (now: number) => {
        onFrame(now);
        if (count < CAMERA_FRAMES && !signal.aborted) video.requestVideoFrameCallback(loop);
      };
      video.requestVideoFrameCallback(loop);
    } else {
      // Without requestVideoFrameCallback: a new currentTime is a new frame.
      poll = setInterval(() => {
        const t = (video as HTMLVideoElement).currentTime;
        if (t !== lastTime && (video as HTMLVideoElement).readyState >= 2) {
          lastTime = t;
          onFrame(performance.now());
        }
      }, 10);
    }
  });
  const fps = count >= 2 && last > first ? Math.round(((count - 1) * 1000) / (last - first) * 10) / 10 : null;
  return { count, fps, brightness: lumaSamples ? Math.round(lumaSum / lumaSamples) : null, spread: lumaSamples ? hi - lo : 0 };
}

/**
 * Opens the microphone and listens (`onLevel` feeds the element's meter) until a sound clearly
 * above the noise floor is heard — 4× the quietest level and above −50 dBFS — for at most
 * MICROPHONE_TIMEOUT_MS. A steady sound well above silence with no rise (a fan, a tone) is `fair`
 * (`noisy`); nothing is `poor` (`silent`).
 */
export async function checkMicrophone(
  opts: { deviceId?: string; signal: AbortSignal; onLevel?: (level: number) => void },
): Promise<Outcome<MicrophoneFigures, PrecallProblem<'microphone'>>> {
  const figures: MicrophoneFigures = { peakDb: null, noiseFloorDb: null, label: '' };
  let stream: MediaStream;
  try {
    stream = await captureMedia(true, false, { audioInput: opts.deviceId || undefined });
  } catch (error) {
    return { status: PrecallStatus.Poor, figures, problem: deviceProblem(error) };
  }
  figures.label = stream.getAudioTracks()[0]?.label ?? '';
  let meter: LevelMeter | undefined;
  try {
    let floor = Infinity;
    let peak = 0;
    let heard = false;
    const done = new AbortController();
    const stop = AbortSignal.any([opts.signal, done.signal]);
    meter = new LevelMeter(stream, (level) => {
      opts.onLevel?.(level);
      // The first windows carry the capture's start-up (and AGC settling): not the floor.
      if (meter && meter.samples <= 2) return;
      floor = Math.min(floor, level);
      peak = Math.max(peak, level);
      if ((meter?.samples ?? 0) >= 6 && level >= Math.max(4 * floor, 0.003)) {
        heard = true;
        done.abort();
      }
    });
    await sleep(MICROPHONE_TIMEOUT_MS, stop);
    opts.onLevel?.(0);
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    figures.peakDb = db(peak);
    figures.noiseFloorDb = db(Number.isFinite(floor) ? floor : 0);
    if (heard) return { status: PrecallStatus.Good, figures, problem: null };
    if (currentAudioContext()?.state !== 'running') return { status: PrecallStatus.Skipped, figures, problem: 'audio-blocked' };
    // A steady sound above −40 dBFS: the microphone works, but something drowns the voice.
    if (floor >= 0.01) return { status: PrecallStatus.Fair, figures, problem: 'noisy' };
    return { status: PrecallStatus.Poor, figures, problem: 'silent' };
  } catch {
    return { status: PrecallStatus.Poor, figures, problem: 'internal' };
  } finally {
    meter?.stop();
    stopTracks(stream);
  }
}

/**
 * Plays a test tone (440 Hz, 0.4 s on, 0.6 s off) through the chosen output (`setSinkId` where
 * the browser has it) until `ask` resolves with the person's answer — `good` when they heard it,
 * `poor` (`not-heard`) when not — or SPEAKER_ANSWER_MS pass: `skipped` (`no-answer`).
 */
export async function checkSpeaker(
  opts: { sinkId?: string; signal: AbortSignal; ask: (signal: AbortSignal) => Promise<boolean> },
): Promise<Outcome<SpeakerFigures, PrecallProblem<'speaker'>>> {
  const figures: SpeakerFigures = { heard: null, sinkId: opts.sinkId ?? '' };
  if (typeof AudioContext === 'undefined') return { status: PrecallStatus.Skipped, figures, problem: 'not-supported' };
  const ctx = acquireAudioContext();
  const audio = new Audio();
  const answered = new AbortController();
  const stop = AbortSignal.any([opts.signal, answered.signal]);
  let osc: OscillatorNode | undefined;
  try {
    await resumeAudioContext();
    const dest = ctx.createMediaStreamDestination();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    osc = ctx.createOscillator();
    osc.frequency.value = 440;
    osc.connect(gain).connect(dest);
    const t0 = ctx.currentTime + 0.05;
    // 10 beeps ahead; each a soft-edged 0.4 s at −14 dBFS.
    for (let i = 0; i < SPEAKER_ANSWER_MS / 1000 + 2; i++) {
      const at = t0 + i;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.2, at + 0.02);
      gain.gain.setValueAtTime(0.2, at + 0.38);
      gain.gain.linearRampToValueAtTime(0, at + 0.4);
    }
    osc.start(t0);
    audio.srcObject = dest.stream;
    if (opts.sinkId && opts.sinkId !== 'default') {
      if (!supportsSpeakerSelection()) return { status: PrecallStatus.Skipped, figures: { ...figures, sinkId: '' }, problem: 'not-supported' };
      try {
        await (audio as HTMLAudioElement & { setSinkId(id: string): Promise<void> }).setSinkId(opts.sinkId);
      } catch {
        return { status: PrecallStatus.Poor, figures, problem: 'output-not-found' };
      }
    }
    try {
      await audio.play();
    } catch {
      return { status: PrecallStatus.Skipped, figures, problem: 'playback-blocked' };
    }
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    const answer = await Promise.race([
      opts.ask(stop).then((heard) => heard, () => null),
      sleep(SPEAKER_ANSWER_MS, stop).then(() => null),
    ]);
    answered.abort();
    if (opts.signal.aborted) return { status: PrecallStatus.Skipped, figures, problem: 'stopped' };
    figures.heard = answer;
    if (answer === null) return { status: PrecallStatus.Skipped, figures, problem: 'no-answer' };
    return answer ? { status: PrecallStatus.Good, figures, problem: null } : { status: PrecallStatus.Poor, figures, problem: 'not-heard' };
  } finally {
    answered.abort();
    try {
      osc?.stop();
    } catch {
      // never started
    }
    osc?.disconnect();
    audio.pause();
    audio.srcObject = null;
    releaseAudioContext(ctx);
  }
}
