import { LitElement, adoptStyles, nothing, supportsAdoptingStyleSheets, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { DeferredDisconnectController } from '../../controllers/deferred-disconnect-controller.js';
import { LocalizeController } from '../../controllers/localize-controller.js';
import { loadStoredDevices } from '../../core/media/devices.js';
import {
  isPrecallCheckName,
  PRECALL_CHECKS,
  type PrecallCheckName,
  type PrecallCheckResult,
  type PrecallReport,
} from '../../core/precall/types.js';
import type { PrecallPrompt } from '../../core/precall/run.js';
import { RtcPrecallResultEvent } from '../../events/precall-result.js';
import type { Messages } from '../../i18n/messages.js';
import { warnOnce } from '../../utils/define-element.js';
import { RtcError, RtcErrorCode } from '../../core/errors.js';
import { sharedStyles } from '../shared.styles.js';

/** What the element is doing, reflected as `<rtc-precall-check state>` for styling. */
export const PrecallCheckState = {
  /** Nothing run yet: the Start button shows. */
  Idle: 'idle',
  /** A run is going on. */
  Running: 'running',
  /** A run ended: its report is in `report`, Check again shows. */
  Done: 'done',
} as const;
export type PrecallCheckState = (typeof PrecallCheckState)[keyof typeof PrecallCheckState];

/** A check's row: not started, running, or its result. */
export type ItemState = 'pending' | 'running' | PrecallCheckResult;

/** The element's rendering (precall-check-view.ts). */
type PrecallCheckView = typeof import('./precall-check-view.js');
let precallCheckView: Promise<PrecallCheckView> | undefined;
/**
 * Loads the rendering once per page. In the one-tag bundle it is a chunk from the rtc-call server:
 * a failed load becomes `signaling-unreachable` (the server that serves the chunks cannot be
 * reached) and is tried again at the next connect or `run()`.
 */
function importView(): Promise<PrecallCheckView> {
  precallCheckView ??= import('./precall-check-view.js').catch((cause: unknown) => {
    precallCheckView = undefined;
    const detail = (cause as { message?: string } | null)?.message ?? String(cause);
    throw new RtcError(RtcErrorCode.SignalingUnreachable, `The connection check's code could not be loaded from the server (${detail}).`, { cause });
  });
  return precallCheckView;
}

/** -60 dBFS … 0 dBFS onto 0 … 1 for the meter. */
function meterValue(level: number): number {
  return level > 0 ? Math.min(1, Math.max(0, (20 * Math.log10(level) + 60) / 60)) : 0;
}

/**
 * A pre-call check: camera, microphone, speaker, the call server, the network and a short call
 * through your own TURN relay, as a checklist with a remedy in words for what does not work.
 *
 * It runs only when asked — `run()` or the person pressing Start — and never on its own. A run
 * takes up to about 20 seconds: the camera and the microphone together (the person is invited to
 * speak; at most 8 s), then the speaker (a test tone through the chosen output, `good` only when
 * the person confirms they heard it, `skipped` after 10 s without an answer), while the server,
 * network and relay checks go on meanwhile. The relay check is a loopback call between two
 * connections in this page, forced through TURN (`iceTransportPolicy: 'relay'`) with two-minute
 * credentials from `POST <base>/api/precall`, measured for about 5 s with getStats.
 *
 * @summary A pre-call connection check: devices, server, network and your TURN relay, with remedies.
 * @tag rtc-precall-check
 *
 * @csspart base - The wrapper around everything (a labelled region).
 * @csspart title - The heading line ("Connection check").
 * @csspart intro - The sentence saying what the check does.
 * @csspart progress - The `<progress>` bar of the run (checks finished of checks asked for).
 * @csspart list - The checklist (`<ul>`).
 * @csspart item - Any one check's row (`data-status` is `pending`, `running`, `good`, `fair`, `poor` or `skipped`).
 * @csspart item-camera - The camera's row (also `item`).
 * @csspart item-microphone - The microphone's row (also `item`).
 * @csspart item-speaker - The speaker's row (also `item`).
 * @csspart item-server - The call server's row (also `item`).
 * @csspart item-network - The network's row (also `item`).
 * @csspart item-relay - The relay's row (also `item`).
 * @csspart icon - A row's status symbol (hidden from screen readers; the status text says it).
 * @csspart label - A row's name ("Camera").
 * @csspart status - A row's status in words ("Good", "Checking…").
 * @csspart figures - A row's measurements ("640×480, 20 frames per second").
 * @csspart remedy - A row's remedy, when the check is not good.
 * @csspart preview - The camera preview `<video>` while the camera is checked.
 * @csspart prompt - The box asking the person something (speak; did you hear the tone?).
 * @csspart meter - The microphone level `<meter>` in the prompt while the microphone is checked.
 * @csspart yes-button - "Yes, I hear it" (the speaker check).
 * @csspart no-button - "No" (the speaker check).
 * @csspart start-button - Start the check / Check again.
 * @csspart summary - The polite live region with the outcome of the run.
 *
 * @cssproperty [--rtc-font-family=system-ui, sans-serif] - Font of the checklist and controls.
 * @cssproperty [--rtc-precall-font-size=0.9375rem] - Font size.
 * @cssproperty [--rtc-precall-foreground=inherit] - Text colour.
 * @cssproperty [--rtc-precall-gap=0.75rem] - Space between the parts.
 * @cssproperty [--rtc-precall-radius=8px] - Corner radius of the rows, the prompt and the preview.
 * @cssproperty [--rtc-precall-border-color=#dadce0] - Border of the rows and the prompt.
 * @cssproperty [--rtc-precall-good-color=#137333] - Symbol colour of a good check.
 * @cssproperty [--rtc-precall-fair-color=#8a5a00] - Symbol colour of a fair check.
 * @cssproperty [--rtc-precall-poor-color=#c5221f] - Symbol colour of a poor check.
 * @cssproperty [--rtc-precall-muted-color=#5f6368] - Colour of the figures and of pending or skipped checks.
 * @cssproperty [--rtc-accent=#1a73e8] - Background of the Start and Yes buttons.
 * @cssproperty [--rtc-accent-foreground=#fff] - Text colour of the Start and Yes buttons.
 * @cssproperty [--rtc-focus-color=var(--rtc-accent)] - Keyboard focus outline.
 * @cssproperty [--rtc-preview-width=320px] - Width of the camera preview.
 * @cssproperty [--rtc-preview-background=#202124] - Preview background before the first frame.
 *
 * @fires {RtcPrecallResultEvent} rtc-precall-result - A run ended: `detail` is the report that
 * `run()` resolves with (`{ status, checks: { camera, microphone, speaker, server, network, relay },
 * startedAt, endedAt }`, each check `{ status, figures, remedy, problem }`).
 */
export class RtcPrecallCheck extends LitElement {
  // Its own styles come with its rendering (precall-check-view.ts), before which it shows nothing.
  static override styles = [sharedStyles];

  /** @internal For the rendering (precall-check-view.ts). */
  readonly localize = new LocalizeController(this);
  /** @internal For the rendering (precall-check-view.ts). */
  requestedChecks: readonly PrecallCheckName[] = PRECALL_CHECKS;
  private pending: Promise<PrecallReport> | undefined;
  private abort: AbortController | undefined;
  private answer: ((heard: boolean) => void) | undefined;
  /** Yes / No pressed while the question showed but before the tone's wait began. */
  private earlyAnswer: boolean | undefined;
  /** The rendering once loaded (loadView()); null before. */
  private view: PrecallCheckView | null = null;
  private viewLoading: Promise<void> | undefined;
  /** Whether the shadow root has the rendering's styles. */
  private viewStyled = false;

  constructor() {
    super();
    // A DOM move keeps a run going; a removal stops it (camera, microphone, tone and connections).
    new DeferredDisconnectController(this, () => this.abort?.abort());
  }

  /** @internal For the rendering (precall-check-view.ts). */
  @state() _state: PrecallCheckState = PrecallCheckState.Idle;
  /** @internal For the rendering (precall-check-view.ts). */
  @state() items: Partial<Record<PrecallCheckName, ItemState>> = {};
  /** @internal For the rendering (precall-check-view.ts). */
  @state() prompt: PrecallPrompt = null;
  /** @internal For the rendering (precall-check-view.ts). */
  @state() level = 0;
  /** @internal For the rendering (precall-check-view.ts). */
  @state() previewStream: MediaStream | null = null;
  /** @internal For the rendering (precall-check-view.ts). */
  @state() _report: PrecallReport | null = null;

  /**
   * Which checks to run: a space-separated list of `camera`, `microphone`, `speaker`, `server`,
   * `network`, `relay` (default: all six), e.g. `checks="camera microphone relay"`. The others
   * are `skipped` (problem `not-run`) in the report. Unknown tokens are ignored with one console
   * warning. Read when a run starts.
   */
  @property() checks = PRECALL_CHECKS.join(' ');

  /**
   * Base URL of the rtc-call server. Default: where the rtc-call script was loaded from (the npm
   * build: the page's origin), as for `<rtc-call>`. Not a URL: the default, with a console warning.
   */
  @property() server = '';

  /** A room token (any room of the server) when the server requires one (RTC_ROOM_SECRET). */
  @property() token = '';

  /** The camera to check (`deviceId`); `''` = the choice `<rtc-device-picker persist>` stored, else the default. */
  @property({ attribute: 'video-input' }) videoInput = '';

  /** The microphone to check (`deviceId`); `''` = the stored choice, else the default. */
  @property({ attribute: 'audio-input' }) audioInput = '';

  /** The speaker for the test tone (`deviceId`, where the browser has `setSinkId`); `''` = the stored choice, else the default. */
  @property({ attribute: 'audio-output' }) audioOutput = '';

  /** Language of labels and remedies (BCP 47); default: the nearest `lang` in the page, else English. */
  @property() override lang = '';

  override connectedCallback(): void {
    super.connectedCallback();
    this.loadView().catch((error: RtcError) => warnOnce(`precall-view:${error.message}`, `<rtc-precall-check>: ${error.message} It is tried again when the element is connected again or run() is called.`));
  }

  /** Loads the rendering if it is not here yet, then renders. Rejects with the RtcError of a failed load. */
  private loadView(): Promise<void> {
    if (this.view) return Promise.resolve();
    this.viewLoading ??= importView().then(
      (view) => {
        this.view = view;
        this.requestUpdate();
      },
    ).finally(() => {
      this.viewLoading = undefined;
    });
    return this.viewLoading;
  }

  /** `updateComplete` also waits for the rendering while it is on its way, and its first render. */
  protected override async getUpdateComplete(): Promise<boolean> {
    let complete = await super.getUpdateComplete();
    while (this.viewLoading) {
      await this.viewLoading.catch(() => {});
      complete = await super.getUpdateComplete();
    }
    return complete;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The rendering's styles join the shared ones before it first renders.
    if (this.view && !this.viewStyled) {
      const own = (this.constructor as typeof RtcPrecallCheck).elementStyles;
      adoptStyles(this.renderRoot as ShadowRoot, supportsAdoptingStyleSheets ? [...own, this.view.styles] : [this.view.styles]);
      this.viewStyled = true;
    }
    if (changed.has('checks')) this.requestedChecks = this.parseChecks(this.checks);
  }

  protected override updated(): void {
    if (this.getAttribute('state') !== this._state) this.setAttribute('state', this._state);
  }

  /** @internal For the rendering (precall-check-view.ts). */
  get messages(): Messages {
    return this.localize.messages;
  }

  private parseChecks(value: string | null | undefined): readonly PrecallCheckName[] {
    const names: PrecallCheckName[] = [];
    for (const token of (value ?? '').split(/\s+/).filter(Boolean)) {
      if (isPrecallCheckName(token)) {
        if (!names.includes(token)) names.push(token);
      } else {
        warnOnce(`precall-check:${token}`, `<rtc-precall-check checks>: ignoring unknown check "${token}" (camera, microphone, speaker, server, network, relay).`);
      }
    }
    return names.length ? PRECALL_CHECKS.filter((n) => names.includes(n)) : PRECALL_CHECKS;
  }

  private serverUrl(): string {
    if (!this.server) return '';
    try {
      new URL(this.server, location.href);
      return this.server;
    } catch {
      warnOnce(`precall-server:${this.server}`, `<rtc-precall-check server="${this.server}"> is not a URL; using the script's own server.`);
      return '';
    }
  }

  private async execute(): Promise<PrecallReport> {
    const checks = this.requestedChecks;
    const abort = new AbortController();
    this.abort = abort;
    this._state = PrecallCheckState.Running;
    this._report = null;
    this.items = Object.fromEntries(checks.map((n) => [n, 'pending']));
    const stored = loadStoredDevices();
    try {
      // The checks load on first use: a page that never runs one pays only for this element. The
      // person answers through the rendering (the speaker check), so a run waits for it too.
      const [{ runPrecall }] = await Promise.all([import('../../core/precall/run.js'), this.loadView()]);
      const report = await runPrecall({
        checks,
        server: this.serverUrl(),
        token: this.token || undefined,
        devices: {
          videoInput: this.videoInput || stored.videoInput,
          audioInput: this.audioInput || stored.audioInput,
          audioOutput: this.audioOutput || stored.audioOutput,
        },
        messages: this.messages,
        signal: abort.signal,
        onUpdate: (name, item) => {
          this.items = { ...this.items, [name]: item };
        },
        onPrompt: (prompt) => {
          this.prompt = prompt;
          this.earlyAnswer = undefined;
          if (prompt !== 'speak') this.level = 0;
        },
        onLevel: (level) => {
          this.level = meterValue(level);
        },
        onPreview: (stream) => {
          this.previewStream = stream;
        },
        ask: (signal) =>
          new Promise<boolean>((resolve, reject) => {
            if (this.earlyAnswer !== undefined) return resolve(this.earlyAnswer);
            this.answer = resolve;
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          }).finally(() => {
            this.answer = undefined;
          }),
      });
      this._report = report;
      this._state = PrecallCheckState.Done;
      const result = new RtcPrecallResultEvent(report);
      this.dispatchEvent(result);
      return report;
    } catch (error) {
      // Only a failed import (a chunk could not load) gets here: the checks themselves never reject.
      this._state = PrecallCheckState.Idle;
      if (error instanceof RtcError) throw error;
      const detail = (error as { message?: string } | null)?.message ?? String(error);
      throw new RtcError(RtcErrorCode.SignalingUnreachable, `The connection checks' code could not be loaded from the server (${detail}).`, { cause: error });
    } finally {
      this.prompt = null;
      this.previewStream = null;
      if (this.abort === abort) this.abort = undefined;
    }
  }

  /** @internal For the rendering (precall-check-view.ts). */
  onAnswer(heard: boolean): void {
    // The buttons show with the question; the tone (and so the wait for the answer) may start a
    // moment later: an answer given before that counts too.
    if (this.answer) this.answer(heard);
    else this.earlyAnswer = heard;
  }

  /** `idle` (nothing run yet), `running`, or `done` (the last report is in `report`); also the `state` attribute. */
  get state(): PrecallCheckState {
    return this._state;
  }

  /** The last run's report, null before the first run ends (and while a new one runs). */
  get report(): PrecallReport | null {
    return this._report;
  }

  /**
   * Runs the checks in `checks` and resolves with the report (also fired as `rtc-precall-result`):
   * `{ status, checks: { camera, microphone, speaker, server, network, relay } }`, each check
   * `{ status: 'good' | 'fair' | 'poor' | 'skipped', figures, remedy, problem }`. Never waits on
   * the person longer than 10 s for the speaker (8 s for the microphone); resolves in about 20 s
   * at most. A call while a run is going on returns the same promise. Removing the element stops
   * the run (unfinished checks are `skipped`, problem `stopped`) and releases every device.
   * Rejects only when the check's code cannot be loaded (the one-tag bundle's chunks): an
   * `RtcError` `signaling-unreachable`, and the state goes back to `idle`.
   */
  run(): Promise<PrecallReport> {
    this.pending ??= this.execute().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }


  protected override render() {
    // Nothing stands in until the rendering has loaded (connectedCallback()).
    return this.view ? this.view.render(this) : nothing;
  }
}
