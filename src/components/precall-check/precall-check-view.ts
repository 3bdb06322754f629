/**
 * How `<rtc-precall-check>` looks: its checklist, preview, prompts and buttons, and their styles
 * (precall-check.styles.ts, added to the element's shadow root when this has loaded). The element
 * (precall-check.ts, registered with the page) keeps its properties, state and `run()`, and loads
 * this module when it is connected (a chunk of its own in the one-tag bundle: rollup.config.mjs),
 * so a page that shows no check pays nothing for it at first paint; the checks themselves are the
 * `precall` chunk, loaded when a run starts.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { PrecallCheckName, PrecallCheckResult } from '../../core/precall/types.js';
import type { Messages } from '../../i18n/messages.js';
import { PrecallCheckState, type RtcPrecallCheck } from './precall-check.js';

export { styles } from './precall-check.styles.js';

const SYMBOLS = { pending: '○', running: '…', good: '✓', fair: '!', poor: '✕', skipped: '–' } as const;

function renderItem(el: RtcPrecallCheck, name: PrecallCheckName, m: Messages): TemplateResult {
  const item = el.items[name] ?? 'pending';
  const status = typeof item === 'string' ? item : item.status;
  const result = typeof item === 'string' ? null : item;
  const figures = result ? figuresText(el, name, result, m) : '';
  return html`<li part="item item-${name}" class="item" data-status=${status} data-check=${name}>
    <span part="icon" class="icon" aria-hidden="true">${SYMBOLS[status]}</span>
    <span part="label" class="label">${m.precall.checks[name]}</span>
    <span part="status" class="status">${m.precall.states[status]}</span>
    ${figures ? html`<span part="figures" class="figures">${figures}</span>` : nothing}
    ${result?.remedy ? html`<p part="remedy" class="remedy">${result.remedy}</p>` : nothing}
  </li>`;
}


function figuresText(el: RtcPrecallCheck, name: PrecallCheckName, result: PrecallCheckResult, m: Messages): string {
  const f = m.precall.figures;
  const fmt = new Intl.NumberFormat(el.localize.lang, { maximumFractionDigits: 1 });
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


function renderPrompt(el: RtcPrecallCheck, m: Messages): TemplateResult {
  const prompt = el.prompt;
  return html`<div part="prompt" class="prompt" role="group" aria-labelledby="prompt-text" ?hidden=${!prompt}>
    <p id="prompt-text" class="prompt-text">${prompt === 'speak' ? m.precall.speakPrompt : prompt === 'tone' ? m.precall.tonePrompt : ''}</p>
    ${prompt === 'speak'
      ? html`<meter part="meter" class="meter" aria-label=${m.micLevel} min="0" max="1" .value=${el.level}></meter>`
      : nothing}
    ${prompt === 'tone'
      ? html`<div class="answers">
          <button part="yes-button" class="yes" type="button" @click=${() => el.onAnswer(true)}>${m.precall.yes}</button>
          <button part="no-button" class="no" type="button" @click=${() => el.onAnswer(false)}>${m.precall.no}</button>
        </div>`
      : nothing}
  </div>`;
}


export function render(el: RtcPrecallCheck): TemplateResult {
  const m = el.messages;
  const running = el._state === PrecallCheckState.Running;
  const shown = running || el._report ? Object.keys(el.items) as PrecallCheckName[] : el.requestedChecks;
  const asked = Object.values(el.items);
  const done = asked.filter((i) => typeof i !== 'string').length;
  return html`<section part="base" class="base" dir=${el.localize.dir} aria-labelledby="title" aria-busy=${running ? 'true' : 'false'}>
    <p part="title" class="title" id="title">${m.precall.title}</p>
    <p part="intro" class="intro">${m.precall.intro}</p>
    <progress part="progress" class="progress" aria-label=${m.precall.progress} max=${Math.max(1, asked.length)} .value=${done} ?hidden=${!running}></progress>
    <ul part="list" class="list">
      ${shown.map((name) => renderItem(el, name, m))}
    </ul>
    <video
      part="preview"
      class="preview"
      aria-label=${m.cameraPreview}
      .srcObject=${el.previewStream}
      .muted=${true}
      muted
      autoplay
      playsinline
      ?hidden=${!el.previewStream}
    ></video>
    ${renderPrompt(el, m)}
    <button part="start-button" class="start" type="button" ?hidden=${running} @click=${() => void el.run()}>
      ${el._report ? m.precall.again : m.precall.start}
    </button>
    <p part="summary" class="summary" role="status" aria-live="polite">${el._report && !running ? m.precall.summary[el._report.status] : nothing}</p>
  </section>`;
}
