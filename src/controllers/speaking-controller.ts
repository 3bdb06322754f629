import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { SpeakingDetector } from '../core/media/audio.js';
import { RtcSpeakingChangeEvent } from '../events/speaking-change.js';
import { warnOnce } from '../utils/define-element.js';
import { DeferredDisconnectController } from './deferred-disconnect-controller.js';

/**
 * Speaking detection for the host: a `SpeakingDetector` (core/media/audio) on the audio track that
 * `track()` returns after each update, restarted when that track changes, stopped when it returns
 * none (no audio, microphone off). A change reflects the host's `speaking` attribute, re-renders it
 * and fires `rtc-speaking-change`. Released (no event) when the host leaves the page, after the
 * current task: a DOM move keeps the detector and its AudioContext running.
 */
export class SpeakingController implements ReactiveController {
  /** True while the participant is speaking. */
  speaking = false;

  private readonly host: ReactiveControllerHost & HTMLElement;
  private readonly track: () => MediaStreamTrack | undefined;
  private detector: SpeakingDetector | undefined;
  private detected: MediaStreamTrack | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, track: () => MediaStreamTrack | undefined) {
    this.host = host;
    this.track = track;
    host.addController(this);
    new DeferredDisconnectController(host, () => {
      this.stop();
      this.set(false, false);
    });
  }

  hostUpdated(): void {
    if (!this.host.isConnected) return;
    const track = this.track();
    if (track === this.detected) return;
    this.stop();
    this.set(false, true);
    if (!track) return;
    this.detected = track;
    try {
      this.detector = new SpeakingDetector(new MediaStream([track]), (speaking) => this.set(speaking, true));
    } catch (err) {
      warnOnce('tile-audio', `speaking detection is unavailable: ${(err as Error).message}`);
    }
  }

  private stop(): void {
    this.detector?.stop();
    this.detector = undefined;
    this.detected = undefined;
  }

  private set(speaking: boolean, announce: boolean): void {
    if (speaking === this.speaking) return;
    this.speaking = speaking;
    this.host.toggleAttribute('speaking', speaking);
    this.host.requestUpdate();
    if (announce) this.host.dispatchEvent(new RtcSpeakingChangeEvent({ speaking }));
  }
}
