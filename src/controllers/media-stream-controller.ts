import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { TRACKS_CHANGE } from '../core/media/local-media.js';
import { DeferredDisconnectController } from './deferred-disconnect-controller.js';

/**
 * What the browser reports on a stream: tracks it adds or removes (a remote peer's), the stream
 * going inactive or active again (Chromium: every track ended, a live track added), and the notice
 * our own media code sends after changing what fires no event (`enabled`, `stop()`, `addTrack()`).
 */
const STREAM_EVENTS = ['addtrack', 'removetrack', 'active', 'inactive', TRACKS_CHANGE];
/** What the browser reports on a track: ended (unplugged, revoked, remote gone), no frames, frames again. */
const TRACK_EVENTS = ['ended', 'mute', 'unmute'];

/** Live, enabled and unmuted: the track carries a picture or sound. */
const usable = (t: MediaStreamTrack) => t.readyState === 'live' && t.enabled && !t.muted;

/**
 * Follows a host's MediaStream by events, never by polling: every event on the stream or one of its
 * tracks re-renders the host, and every update reads the tracks again and listens to the ones that
 * came (and forgets the ones that went). Which stream is followed is read from `source()` on each
 * update, so setting the host's `stream` property rebinds it. Listeners are added once the host is
 * in the page and all removed when it leaves (after the current task, like everything the host
 * holds: a DOM move keeps them); the tracks are never stopped.
 *
 * Changes a script makes fire no event (`track.enabled`, `track.stop()`, `stream.addTrack()`): our
 * own media code dispatches `rtc-tracks-change` on its stream after each; anyone else calls
 * `host.requestUpdate()` (the tile's `refresh()`).
 */
export class MediaStreamController implements ReactiveController {
  private readonly host: ReactiveControllerHost & Element;
  private readonly source: () => MediaStream | null;
  private stream: MediaStream | null = null;
  private readonly tracks = new Set<MediaStreamTrack>();

  constructor(host: ReactiveControllerHost & Element, source: () => MediaStream | null) {
    this.host = host;
    this.source = source;
    host.addController(this);
    new DeferredDisconnectController(host, () => this.bind(null));
  }

  /** A live, enabled, unmuted video track: there is a picture to show. */
  get videoLive(): boolean {
    return [...this.tracks].some((t) => t.kind === 'video' && usable(t));
  }

  /** The stream has a video track (in any state). */
  get hasVideo(): boolean {
    return [...this.tracks].some((t) => t.kind === 'video');
  }

  /** The first live audio track, if any. */
  get audioTrack(): MediaStreamTrack | undefined {
    return [...this.tracks].find((t) => t.kind === 'audio' && t.readyState === 'live');
  }

  hostConnected(): void {
    // Back in the page after a removal: bind again in the update this requests.
    this.host.requestUpdate();
  }

  hostUpdate(): void {
    if (this.host.isConnected) this.bind(this.source());
  }

  /** Any stream or track event: re-render, which reads the tracks again. */
  handleEvent(): void {
    this.host.requestUpdate();
  }

  private bind(stream: MediaStream | null): void {
    if (stream !== this.stream) {
      for (const type of STREAM_EVENTS) {
        this.stream?.removeEventListener(type, this);
        stream?.addEventListener(type, this);
      }
      this.stream = stream;
    }
    const now = stream?.getTracks() ?? [];
    for (const track of this.tracks) if (!now.includes(track)) this.listen(track, false);
    for (const track of now) if (!this.tracks.has(track)) this.listen(track, true);
  }

  private listen(track: MediaStreamTrack, on: boolean): void {
    for (const type of TRACK_EVENTS) {
      if (on) track.addEventListener(type, this);
      else track.removeEventListener(type, this);
    }
    if (on) this.tracks.add(track);
    else this.tracks.delete(track);
  }
}
