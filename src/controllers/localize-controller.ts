import type { ReactiveController, ReactiveElement } from 'lit';
import { languageOf, loadMessages, loadedMessages, type Language } from '../i18n/catalogues.js';
import { en, type Messages } from '../i18n/messages.js';

/** Languages written right to left (the primary subtag). */
const RTL = new Set(['ar', 'arc', 'dv', 'fa', 'he', 'iw', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/**
 * How long an element's first render waits for its language's catalogue. The chunk comes from the
 * same server as the script (a few KiB, usually cached), so this is rarely reached; past it the
 * element renders in English and re-renders when the catalogue arrives.
 */
export const FIRST_RENDER_WAIT_MS = 1000;

type Host = ReactiveElement;
/** The host's update scheduling (protected in Lit; the documented hook for deferring an update). */
type Scheduling = { scheduleUpdate(): void | Promise<unknown> };

/**
 * One language policy for every element: the element's own `lang`, else the nearest ancestor's
 * (through shadow roots: an element rendered by another one speaks its language), else the
 * document's, else English; `dir` follows the language. A change of
 * any `lang` attribute in the page re-renders the elements that follow it (one shared observer).
 *
 * Catalogues other than English load on first use (`i18n/catalogues.ts`). The host's first render
 * waits for its catalogue (at most `FIRST_RENDER_WAIT_MS`: the controller defers the host's
 * `scheduleUpdate()`, so `updateComplete` resolves once the element shows its own language), so a
 * page in Polish never flashes English. After that, `messages` stays synchronous: when `lang`
 * changes to a language not loaded yet, the element keeps the catalogue it was showing until the
 * new one arrives, then re-renders. A catalogue that fails to load is English (one console
 * warning).
 */
export class LocalizeController implements ReactiveController {
  private readonly host: Host;
  /** The catalogue the host rendered last: what it keeps showing while another one loads. */
  private shown: Messages = en;
  /** The language being loaded for the host (one re-render per arrival). */
  private loading: Language | undefined;

  constructor(host: Host) {
    this.host = host;
    host.addController(this);
    const scheduling = host as unknown as Scheduling;
    const scheduleUpdate = scheduling.scheduleUpdate;
    scheduling.scheduleUpdate = () => {
      const wait = host.hasUpdated ? undefined : this.firstRenderWait();
      return wait ? wait.then(() => scheduleUpdate.call(host)) : scheduleUpdate.call(host);
    };
  }

  /**
   * The BCP 47 tag the host speaks: the nearest non-empty `lang` at or above it in the composed
   * tree (through shadow roots, so a tile inside `<rtc-call>` speaks the call's language), else the
   * document's, else English.
   */
  get lang(): string {
    // The element's own first: some declare `lang` as a Lit property that does not reflect.
    if (this.host.lang) return this.host.lang;
    // The walk is a selector match per shadow root and a render asks for every label (bench:join's
    // profile found 27 ms of it in a join): it is done once per update (a `lang` set inside some
    // other element's shadow root is seen at the next one, as before), and again after a `lang`
    // changes in the page (the observer) or the host is connected somewhere.
    return (this.inherited ??= this.inheritedLang());
  }

  /** The ancestors' (or the document's) `lang`, until the next update, `lang` change or connection. */
  private inherited: string | undefined;

  private inheritedLang(): string {
    let el: Element | null = this.host;
    while (el) {
      const tag = el.closest('[lang]:not([lang=""])')?.getAttribute('lang');
      if (tag) return tag;
      const root = el.getRootNode();
      el = root instanceof ShadowRoot ? root.host : null;
    }
    return document.documentElement.lang || 'en';
  }

  /** The language whose catalogue the host uses for `lang` (`pt-BR` → `pt`, `zh-CN` → `zh-Hans`). */
  get language(): Language {
    return languageOf(this.lang);
  }

  /**
   * The catalogue for `lang`, synchronously: once it has loaded, that one; until then the one the
   * host showed last (English at first), and the load is started.
   */
  get messages(): Messages {
    const language = this.language;
    const messages = loadedMessages(language);
    if (messages) {
      this.shown = messages;
      return messages;
    }
    this.load(language);
    return this.shown;
  }

  /** Writing direction of `lang`. */
  get dir(): 'ltr' | 'rtl' {
    return RTL.has(this.lang.toLowerCase().split('-')[0]!) ? 'rtl' : 'ltr';
  }

  hostUpdate(): void {
    this.inherited = undefined;
  }

  hostConnected(): void {
    this.inherited = undefined;
    watching.set(this.host, this);
    observer ??= new MutationObserver(() => {
      for (const [host, controller] of watching) {
        controller.inherited = undefined;
        host.requestUpdate();
      }
    });
    if (watching.size === 1) observer.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['lang'] });
  }

  hostDisconnected(): void {
    watching.delete(this.host);
    if (watching.size === 0) observer?.disconnect();
  }

  private load(language: Language): void {
    if (this.loading === language) return;
    this.loading = language;
    void loadMessages(language).then(() => {
      if (this.loading === language) this.loading = undefined;
      this.host.requestUpdate();
    });
  }

  /** Before the first render: the catalogue's load, or nothing when it is English or already here. */
  private firstRenderWait(): Promise<unknown> | undefined {
    if (!this.host.isConnected) return undefined;
    const language = this.language;
    if (loadedMessages(language)) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_RENDER_WAIT_MS)));
    return Promise.race([loadMessages(language), timeout]).finally(() => clearTimeout(timer));
  }
}

const watching = new Map<Host, LocalizeController>();
let observer: MutationObserver | undefined;
