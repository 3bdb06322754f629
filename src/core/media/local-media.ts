/**
 * The local participant's media: microphone and camera capture, mute and camera off, device
 * switching and recovery, and the placeholder tracks that let every peer link carry audio and video
 * both ways from its first offer (PeerJS cannot renegotiate).
 */
import { deviceConstraints, stopTracks } from './devices.js';
import { RtcError, RtcErrorCode, mediaError } from '../errors.js';
import type { DeviceChoice } from '../types.js';

/** Capture size and rate suited to a small mesh. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 24 },
};

export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/**
 * Why media capture cannot work here at all, or null. Checked before asking, so the error names
 * the real cause instead of a generic NotAllowedError.
 */
export function captureBlockedReason(kind: 'camera' | 'microphone'): RtcError | null {
  if (typeof RTCPeerConnection === 'undefined') {
    return new RtcError(RtcErrorCode.NotSupported, 'This browser has no WebRTC (RTCPeerConnection).', { fatal: true });
  }
  if (!globalThis.isSecureContext) {
    return new RtcError(
      RtcErrorCode.InsecureContext,
      `The ${kind} needs a secure context: serve the page over https (or from localhost).`,
    );
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    return new RtcError(RtcErrorCode.NotSupported, 'This browser cannot capture media (no navigator.mediaDevices).');
  }
  const policy = (document as Document & { featurePolicy?: { allowsFeature(f: string): boolean } }).featurePolicy;
  if (policy && !policy.allowsFeature(kind)) {
    return new RtcError(
      RtcErrorCode.BlockedByPermissionsPolicy,
      `The page's permissions policy blocks the ${kind}; an embedding iframe needs allow="camera; microphone".`,
    );
  }
  return null;
}

/**
 * Opens the microphone and/or the camera (`devices` picks them; unset = the default) with the
 * call's constraints, after checking what blocks capture here at all. Rejects with an `RtcError`
 * (`permission-denied`, `device-in-use`, `insecure-context`, …). The caller owns the tracks.
 */
export async function captureMedia(audio: boolean, video: boolean, devices: DeviceChoice = {}): Promise<MediaStream> {
  const kind = video ? 'camera' : 'microphone';
  const blocked = captureBlockedReason(kind);
  if (blocked) throw blocked;
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: audio && deviceConstraints(devices.audioInput, AUDIO_CONSTRAINTS),
      video: video && deviceConstraints(devices.videoInput, VIDEO_CONSTRAINTS),
    });
  } catch (error) {
    throw mediaError(error, `Could not start the ${audio && video ? 'camera and microphone' : kind}`);
  }
}

/**
 * The event `LocalMedia` dispatches on its `stream` after a change no browser event announces: a
 * track added or removed by script, `enabled` toggled, a track stopped. `<rtc-video-tile>` listens
 * for it, so every tile showing the local stream follows mute, camera off and device switches.
 */
export const TRACKS_CHANGE = 'rtc-tracks-change';

export interface LocalMediaOptions {
  /** Acquire the microphone but keep it muted. */
  micOff?: boolean;
  /** Do not acquire the camera at start. */
  cameraOff?: boolean;
  /** Never ask for a camera. */
  audioOnly?: boolean;
  /** A page-provided stream to send instead of capturing. Its tracks are never stopped by us. */
  provided?: MediaStream | null;
  /** Preferred devices. */
  devices?: DeviceChoice;
}

type Kind = 'audio' | 'video';

/**
 * Receives the track to send for a kind whenever it changes (null = send nothing). The old track
 * is stopped only once every sink's promise settled, so links never send an ended track.
 */
export type TrackSink = (kind: Kind, track: MediaStreamTrack | null) => Promise<void> | void;

export class LocalMedia {
  /** What we show in our own tile (the real tracks only, never placeholders). */
  readonly stream = new MediaStream();
  audioTrack: MediaStreamTrack | null = null;
  videoTrack: MediaStreamTrack | null = null;
  micEnabled = true;
  cameraEnabled = true;
  devices: DeviceChoice = {};

  private options: LocalMediaOptions = {};
  private sinks = new Set<TrackSink>();
  private onError: (error: RtcError) => void;
  private onChange: () => void;
  private stopped = false;
  private endedHandlers = new Map<MediaStreamTrack, () => void>();

  constructor(handlers: { onError: (error: RtcError) => void; onChange: () => void }) {
    this.onError = handlers.onError;
    this.onChange = handlers.onChange;
  }

  /** True when the tracks come from the page (`localStream`), not from our capture. */
  get provided(): boolean {
    return !!this.options.provided;
  }

  /**
   * Acquires what the options ask for. Failures are reported (not fatal) and the call goes on
   * receive-only for that kind.
   */
  async start(options: LocalMediaOptions): Promise<void> {
    this.options = options;
    this.devices = { ...options.devices };
    this.micEnabled = !options.micOff;
    this.cameraEnabled = !options.cameraOff && !options.audioOnly;
    if (options.provided) {
      await this.setTrack('audio', options.provided.getAudioTracks()[0] ?? null);
      await this.setTrack('video', options.audioOnly ? null : options.provided.getVideoTracks()[0] ?? null);
      this.cameraEnabled = !!this.videoTrack && this.cameraEnabled;
      this.enableMic();
      return;
    }
    const wantVideo = this.cameraEnabled;
    const tracks = await this.capture(true, wantVideo);
    await this.setTrack('audio', tracks.audio);
    await this.setTrack('video', tracks.video);
    if (!this.audioTrack) this.micEnabled = false;
    this.enableMic();
    if (!this.videoTrack) this.cameraEnabled = false;
  }

  /** Subscribes a peer link to track changes; returns the unsubscribe function. */
  addSink(sink: TrackSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** The track each link should send now (null = nothing). */
  sendTrack(kind: Kind): MediaStreamTrack | null {
    if (kind === 'audio') return this.audioTrack;
    return this.cameraEnabled ? this.videoTrack : null;
  }

  /** Mutes or unmutes the microphone (track.enabled), acquiring it first if we have none. */
  async setMic(enabled: boolean): Promise<void> {
    if (enabled && !this.audioTrack && !this.provided) {
      const { audio } = await this.capture(true, false, true);
      if (!audio) return;
      await this.setTrack('audio', audio);
    }
    if (!this.audioTrack) {
      this.micEnabled = false;
      this.onChange();
      return;
    }
    this.micEnabled = enabled;
    this.enableMic();
    this.onChange();
  }

  /** Camera off stops the camera track (its light goes off); camera on re-acquires it. */
  async setCamera(enabled: boolean): Promise<void> {
    if (this.options.audioOnly) enabled = false;
    if (enabled === this.cameraEnabled && (!enabled || this.videoTrack)) return;
    if (!enabled) {
      this.cameraEnabled = false;
      if (!this.provided) await this.setTrack('video', null);
      else await this.publish('video');
      this.onChange();
      return;
    }
    if (!this.provided || !this.videoTrack || this.videoTrack.readyState === 'ended') {
      if (this.provided) return;
      const { video } = await this.capture(false, true, true);
      if (!video) return;
      this.cameraEnabled = true;
      await this.setTrack('video', video);
    } else {
      this.cameraEnabled = true;
      await this.publish('video');
    }
    this.onChange();
  }

  /**
   * Switches the camera or microphone: acquire the new device, hand it to every link, then stop the
   * old track. On failure the old device stays in use and the error is thrown.
   */
  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    if (kind === 'videoinput') this.devices = { ...this.devices, videoInput: deviceId };
    else this.devices = { ...this.devices, audioInput: deviceId };
    if (this.provided) return;
    if (kind === 'videoinput' && !this.cameraEnabled) return; // used when the camera comes on
    const audio = kind === 'audioinput';
    const tracks = await this.captureOrThrow(audio, !audio);
    const track = audio ? tracks.audio : tracks.video;
    if (!track) return;
    if (audio) track.enabled = this.micEnabled;
    await this.setTrack(audio ? 'audio' : 'video', track);
    this.onChange();
  }

  /** Stops every captured track (not the page's own) and forgets the links. */
  stop(): void {
    this.stopped = true;
    this.sinks.clear();
    for (const track of [this.audioTrack, this.videoTrack]) {
      if (!track) continue;
      const handler = this.endedHandlers.get(track);
      if (handler) track.removeEventListener('ended', handler);
      this.stream.removeTrack(track);
      if (!this.provided) track.stop();
    }
    this.endedHandlers.clear();
    this.audioTrack = null;
    this.videoTrack = null;
    this.tracksChanged();
  }

  private async capture(audio: boolean, video: boolean, report = true) {
    try {
      return await this.captureOrThrow(audio, video);
    } catch (error) {
      if (report) this.onError(error as RtcError);
      if (audio && video) {
        // One device failing must not cost the other: try them one by one.
        const a = await this.captureOrThrow(true, false).catch(() => ({ audio: null, video: null }));
        const v = await this.captureOrThrow(false, true).catch(() => ({ audio: null, video: null }));
        return { audio: a.audio, video: v.video };
      }
      return { audio: null, video: null };
    }
  }

  private async captureOrThrow(audio: boolean, video: boolean): Promise<{ audio: MediaStreamTrack | null; video: MediaStreamTrack | null }> {
    const stream = await captureMedia(audio, video, this.devices);
    if (this.stopped) {
      stopTracks(stream);
      return { audio: null, video: null };
    }
    return { audio: stream.getAudioTracks()[0] ?? null, video: stream.getVideoTracks()[0] ?? null };
  }

  /** The microphone track follows `micEnabled` (mute is `enabled = false`, never a new track). */
  private enableMic(): void {
    if (this.audioTrack) this.audioTrack.enabled = this.micEnabled;
    this.tracksChanged();
  }

  /** Tells whoever shows `stream` (tiles) what no browser event does: see `TRACKS_CHANGE`. */
  private tracksChanged(): void {
    this.stream.dispatchEvent(new Event(TRACKS_CHANGE));
  }

  /** Replaces our track of a kind, stopping the old one (after links have the new one). */
  private async setTrack(kind: Kind, track: MediaStreamTrack | null): Promise<void> {
    const old = kind === 'audio' ? this.audioTrack : this.videoTrack;
    if (old === track) return;
    if (kind === 'audio') this.audioTrack = track;
    else this.videoTrack = track;
    if (old) {
      this.stream.removeTrack(old);
      const handler = this.endedHandlers.get(old);
      if (handler) old.removeEventListener('ended', handler);
      this.endedHandlers.delete(old);
    }
    if (track) {
      this.stream.addTrack(track);
      const handler = () => void this.recover(kind, track);
      track.addEventListener('ended', handler);
      this.endedHandlers.set(track, handler);
    }
    this.tracksChanged();
    // New track into every link first (replaceTrack), then release the old device.
    await this.publish(kind);
    if (old && !this.provided) old.stop();
  }

  private async publish(kind: Kind): Promise<void> {
    const send = this.sendTrack(kind);
    await Promise.allSettled([...this.sinks].map((sink) => sink(kind, send)));
  }

  /** The device in use ended (unplugged, revoked): fall back to the default device, keep the call. */
  private async recover(kind: Kind, ended: MediaStreamTrack): Promise<void> {
    const current = kind === 'audio' ? this.audioTrack : this.videoTrack;
    if (this.stopped || current !== ended) return;
    const label = ended.label || (kind === 'audio' ? 'The microphone' : 'The camera');
    if (this.provided) {
      await this.setTrack(kind, null);
      if (kind === 'video') this.cameraEnabled = false;
      this.onChange();
      return;
    }
    const fallback = await otherDevice(kind === 'audio' ? 'audioinput' : 'videoinput', ended);
    if (kind === 'audio') this.devices = { ...this.devices, audioInput: fallback };
    else this.devices = { ...this.devices, videoInput: fallback };
    try {
      const tracks = await this.captureOrThrow(kind === 'audio', kind === 'video');
      const track = kind === 'audio' ? tracks.audio : tracks.video;
      if (!track) return;
      if (kind === 'audio') track.enabled = this.micEnabled;
      await this.setTrack(kind, track);
      this.onError(
        new RtcError(RtcErrorCode.DeviceNotFound, `${label} stopped working; switched to ${track.label || 'the default device'}.`),
      );
    } catch (error) {
      await this.setTrack(kind, null);
      if (kind === 'video') this.cameraEnabled = false;
      else this.micEnabled = false;
      this.onError(error instanceof RtcError ? error : mediaError(error, `${label} stopped working`));
    }
    this.onChange();
  }
}

/**
 * After a device ends, prefer another device of its kind over asking for the one that just went
 * away; undefined (the browser's default) when there is no other.
 */
async function otherDevice(kind: MediaDeviceKind, ended: MediaStreamTrack): Promise<string | undefined> {
  const gone = ended.getSettings().deviceId;
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const other = devices.find((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default' && d.deviceId !== gone);
    return other?.deviceId;
  } catch {
    return undefined;
  }
}
