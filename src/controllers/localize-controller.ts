import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { messagesFor, type Messages } from '../i18n/messages.js';

/** Languages written right to left (the primary subtag). */
const RTL = new Set(['ar', 'arc', 'dv', 'fa', 'he', 'iw', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

type Host = ReactiveControllerHost & HTMLElement;

/**
 * One language policy for every element: the element's own `lang`, else the nearest ancestor's
 * (`closest('[lang]')`), else the document's, else English; `dir` follows the language. A change of
 * any `lang` attribute in the page re-renders the elements that follow it (one shared observer).
 */
export class LocalizeController implements ReactiveController {
  private readonly host: Host;

  constructor(host: Host) {
    this.host = host;
    host.addController(this);
  }

  /** The BCP 47 tag the host speaks. */
  get lang(): string {
    const el = this.host;
    return el.lang || el.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || 'en';
  }

  /** The catalogue for `lang`. */
  get messages(): Messages {
    return messagesFor(this.lang);
  }

  /** Writing direction of `lang`. */
  get dir(): 'ltr' | 'rtl' {
    return RTL.has(this.lang.toLowerCase().split('-')[0]!) ? 'rtl' : 'ltr';
  }

  hostConnected(): void {
    watching.add(this.host);
    observer ??= new MutationObserver(() => {
      for (const host of watching) host.requestUpdate();
    });
    if (watching.size === 1) observer.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['lang'] });
  }

  hostDisconnected(): void {
    watching.delete(this.host);
    if (watching.size === 0) observer?.disconnect();
  }
}

const watching = new Set<Host>();
let observer: MutationObserver | undefined;
