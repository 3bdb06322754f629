import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
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
import { sharedStyles } from '../shared.styles.js';
import { styles } from './precall-check.styles.js';

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

type ItemState = 'pending' | 'running' | PrecallCheckResult;

const SYMBOLS = { pending: '○', running: '…', good: '✓', fair: '!', poor: '✕', skipped: '–' } as const;

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
  static override styles = [sharedStyles, styles];

  private readonly localize = new LocalizeController(this);
  private requestedChecks: readonly PrecallCheckName[] = PRECALL_CHECKS;
  private pending: Promise<PrecallReport> | undefined;
  private abort: AbortController | undefined;
  private answer: ((heard: boolean) => void) | undefined;
  /** Yes / No pressed while the question showed but before the tone's wait began. */
  private earlyAnswer: boolean | undefined;

  constructor() {
    super();
    // A DOM move keeps a run going; a removal stops it (camera, microphone, tone and connections).
    new DeferredDisconnectController(this, () => this.abort?.abort());
  }

  @state() private _state: PrecallCheckState = PrecallCheckState.Idle;
  @state() private items: Partial<Record<PrecallCheckName, ItemState>> = {};
  @state() private prompt: PrecallPrompt = null;
  @state() private level = 0;
  @state() private previewStream: MediaStream | null = null;
  @state() private _report: PrecallReport | null = null;

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

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('checks')) this.requestedChecks = this.parseChecks(this.checks);
  }

  protected override updated(): void {
    if (this.getAttribute('state') !== this._state) this.setAttribute('state', this._state);
  }

  private get messages(): Messages {
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
      // The checks load on first use: a page that never runs one pays only for this element.
      const { runPrecall } = await import('../../core/precall/run.js');
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
      // Only a failed import (the chunk could not load) gets here: the checks themselves never reject.
      this._state = PrecallCheckState.Idle;
      throw error;
    } finally {
      this.prompt = null;
      this.previewStream = null;
      if (this.abort === abort) this.abort = undefined;
    }
  }

  private onStart(): void {
    void this.run();
  }

  private onAnswer(heard: boolean): void {
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
   */
  run(): Promise<PrecallReport> {
    this.pending ??= this.execute().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private renderItem(name: PrecallCheckName, m: Messages): TemplateResult {
    const item = this.items[name] ?? 'pending';
    const status = typeof item === 'string' ? item : item.status;
    const result = typeof item === 'string' ? null : item;
    const figures = result ? this.figuresText(name, result, m) : '';
    return html`<li part="item item-${name}" class="item" data-status=${status} data-check=${name}>
      <span part="icon" class="icon" aria-hidden="true">${SYMBOLS[status]}</span>
      <span part="label" class="label">${m.precall.checks[name]}</span>
      <span part="status" class="status">${m.precall.states[status]}</span>
      ${figures ? html`<span part="figures" class="figures">${figures}</span>` : nothing}
      ${result?.remedy ? html`<p part="remedy" class="remedy">${result.remedy}</p>` : nothing}
    </li>`;
  }

  private figuresText(name: PrecallCheckName, result: PrecallCheckResult, m: Messages): string {
    const f = m.precall.figures;
    const fmt = new Intl.NumberFormat(this.localize.lang, { maximumFractionDigits: 1 });
    const n = (v: number) => fmt.format(v);
    const r = result;
    switch (name) {
      case 'camera': {
        const c = (r as PrecallCheckResult<'camera'>).figures;
        return c.width && c.height && c.frameRate !== null ? f.camera(c.width, c.height, n(c.frameRate)) : '';
      }
      case 'microphone': {
        const c = (r as PrecallCheckResult<'microphone'>).figures;
        return c.peakDb !== null ? f.microphone(n(c.peakDb)) : '';
      }
      case 'speaker': {
        const c = (r as PrecallCheckResult<'speaker'>).figures;
        return c.heard !== null ? f.speaker(c.heard) : '';
      }
      case 'server': {
        const c = (r as PrecallCheckResult<'server'>).figures;
        return c.responseMs !== null ? f.server(n(c.responseMs)) : '';
      }
      case 'network': {
        const c = (r as PrecallCheckResult<'network'>).figures;
        return result.problem === 'not-run' || result.problem === 'stopped' ? '' : f.network(c.host, c.srflx, c.relay);
      }
      case 'relay': {
        const c = (r as PrecallCheckResult<'relay'>).figures;
        return c.rttMs !== null && c.lossPercent !== null && c.bitrateKbps !== null ? f.relay(n(c.rttMs), n(c.lossPercent), n(c.bitrateKbps)) : '';
      }
    }
  }

  private renderPrompt(m: Messages): TemplateResult {
    const prompt = this.prompt;
    return html`<div part="prompt" class="prompt" role="group" aria-labelledby="prompt-text" ?hidden=${!prompt}>
      <p id="prompt-text" class="prompt-text">${prompt === 'speak' ? m.precall.speakPrompt : prompt === 'tone' ? m.precall.tonePrompt : ''}</p>
      ${prompt === 'speak'
        ? html`<meter part="meter" class="meter" aria-label=${m.micLevel} min="0" max="1" .value=${this.level}></meter>`
        : nothing}
      ${prompt === 'tone'
        ? html`<div class="answers">
            <button part="yes-button" class="yes" type="button" @click=${() => this.onAnswer(true)}>${m.precall.yes}</button>
            <button part="no-button" class="no" type="button" @click=${() => this.onAnswer(false)}>${m.precall.no}</button>
          </div>`
        : nothing}
    </div>`;
  }

  protected override render(): TemplateResult {
    const m = this.messages;
    const running = this._state === PrecallCheckState.Running;
    const shown = running || this._report ? Object.keys(this.items) as PrecallCheckName[] : this.requestedChecks;
    const asked = Object.values(this.items);
    const done = asked.filter((i) => typeof i !== 'string').length;
    return html`<section part="base" class="base" dir=${this.localize.dir} aria-labelledby="title" aria-busy=${running ? 'true' : 'false'}>
      <p part="title" class="title" id="title">${m.precall.title}</p>
      <p part="intro" class="intro">${m.precall.intro}</p>
      <progress part="progress" class="progress" aria-label=${m.precall.progress} max=${Math.max(1, asked.length)} .value=${done} ?hidden=${!running}></progress>
      <ul part="list" class="list">
        ${shown.map((name) => this.renderItem(name, m))}
      </ul>
      <video
        part="preview"
        class="preview"
        aria-label=${m.cameraPreview}
        .srcObject=${this.previewStream}
        .muted=${true}
        muted
        autoplay
        playsinline
        ?hidden=${!this.previewStream}
      ></video>
      ${this.renderPrompt(m)}
      <button part="start-button" class="start" type="button" ?hidden=${running} @click=${this.onStart}>
        ${this._report ? m.precall.again : m.precall.start}
      </button>
      <p part="summary" class="summary" role="status" aria-live="polite">${this._report && !running ? m.precall.summary[this._report.status] : nothing}</p>
    </section>`;
  }
}
