// Every element in every language (issue 25): each catalogue loads (a dynamic import) and shows —
// no English left where the language has its own words, no missing key ("undefined"); the control
// bar of a joined <rtc-call> fits 390 px; Arabic and Hebrew mirror the layout; switching `lang` at
// run time re-renders in the new language without passing through English.
import { expect } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import '../../src/rtc-device-picker.js';
import '../../src/rtc-precall-check.js';
import '../../src/rtc-video-tile.js';
import type { RtcCall } from '../../src/components/call/call.js';
import type { RtcVideoTile } from '../../src/components/video-tile/video-tile.js';
import { LANGUAGES, loadMessages, type Language } from '../../src/i18n/catalogues.js';
import { en } from '../../src/i18n/messages.js';
import { createCall, uniqueRoom } from './helpers/call.js';
import { until } from './helpers/media.js';
import { rtcServer } from './helpers/server.js';

type Updating = Element & { updateComplete?: Promise<unknown> };

/** Every element under `root`, through shadow roots. */
function deepElements(root: Element | ShadowRoot): Element[] {
  const out: Element[] = [];
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) out.push(...deepElements(el.shadowRoot));
  }
  return out;
}

/** Waits until `el` and every custom element inside it have rendered. */
async function settle(el: Element): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await Promise.all([el, ...deepElements(el.shadowRoot ?? el)].map((e) => (e as Updating).updateComplete));
  }
}

/** What a person sees or hears from `el`: visible text, accessible names, titles and placeholders, through shadow roots. */
function wordsOf(el: Element): Set<string> {
  const words = new Set<string>();
  const add = (s: string | null | undefined) => {
    const t = s?.replace(/\s+/g, ' ').trim();
    if (t) words.add(t);
  };
  const visit = (root: Element | ShadowRoot) => {
    for (const node of root.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) add(node.textContent);
      else if (node instanceof Element) {
        if (node.localName === 'style' || node.localName === 'svg') continue;
        for (const a of ['aria-label', 'title', 'placeholder', 'alt']) add(node.getAttribute(a));
        if (node.shadowRoot) visit(node.shadowRoot);
        visit(node);
      }
    }
  };
  visit(el.shadowRoot ?? el);
  return words;
}

/** Every string a catalogue can show as it is (its leaves that are strings). */
function leafStrings(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) leafStrings(v, out);
  return out;
}

/** Text that is the same in every language because no catalogue made it: names we gave and their initials, fake device labels, symbols and figures. */
const NOT_FROM_A_CATALOGUE = /^(?:Ann|Bo|Ann Lee)$|^\p{Lu}{1,2}$|fake|Fake|^[^\p{L}]*$/u;

interface Fixture {
  name: string;
  make(lang: string): Promise<Element>;
}

const fixtures: Fixture[] = [
  {
    name: '<rtc-video-tile> (reconnecting, mic and camera off, poor quality)',
    async make(lang) {
      const tile = document.createElement('rtc-video-tile') as RtcVideoTile;
      Object.assign(tile, { displayName: 'Ann Lee', micOff: true, cameraOff: true, status: 'reconnecting', quality: 'poor', qualityReason: 'packet-loss' });
      tile.lang = lang;
      return tile;
    },
  },
  {
    name: '<rtc-device-picker>',
    async make(lang) {
      const picker = document.createElement('rtc-device-picker');
      picker.lang = lang;
      return picker;
    },
  },
  {
    name: '<rtc-precall-check> (before it runs)',
    async make(lang) {
      const check = document.createElement('rtc-precall-check');
      check.setAttribute('server', await rtcServer());
      check.lang = lang;
      return check;
    },
  },
  {
    name: '<rtc-call> pre-join',
    async make(lang) {
      const call = document.createElement('rtc-call') as RtcCall;
      call.server = await rtcServer();
      call.room = uniqueRoom('i18n');
      call.lang = lang;
      return call;
    },
  },
];

describe('languages', function () {
  this.timeout(120_000);
  let box: HTMLDivElement;
  beforeEach(() => {
    box = document.createElement('div');
    box.style.width = '390px';
    document.body.append(box);
  });
  afterEach(async () => {
    for (const call of box.querySelectorAll('rtc-call')) await (call as RtcCall).leave();
    box.remove();
  });

  async function rendered(fixture: Fixture, lang: string): Promise<{ el: Element; words: Set<string> }> {
    const el = await fixture.make(lang);
    box.append(el);
    await settle(el);
    return { el, words: wordsOf(el) };
  }

  // First, so that none of these catalogues has loaded yet: each switch goes through a load.
  it('switching lang at run time re-renders in the new language, keeping the old one until the new catalogue arrives (never English)', async () => {
    const tile = document.createElement('rtc-video-tile') as RtcVideoTile;
    tile.displayName = 'Bo';
    tile.lang = 'de';
    box.append(tile);
    await settle(tile);
    const base = () => tile.shadowRoot!.querySelector('[part="base"]')!;
    const seen: string[] = [];
    const watch = new MutationObserver(() => seen.push(base().getAttribute('aria-label')!));
    watch.observe(base(), { attributes: true, attributeFilter: ['aria-label'] });
    expect(base().getAttribute('aria-label')).to.equal('Video von Bo');
    const order: Language[] = ['fr', 'pl', 'ja', 'ar', 'uk', 'ko'];
    for (const lang of order) {
      tile.lang = lang;
      const want = (await loadMessages(lang)).videoOf('Bo');
      await until(() => base().getAttribute('aria-label') === want, `${lang}: "${want}"`);
      expect(base().getAttribute('dir')).to.equal(lang === 'ar' ? 'rtl' : 'ltr');
    }
    watch.disconnect();
    expect(seen, 'no English label on the way').to.not.include(en.videoOf('Bo'));
    // The page's lang (no lang on the element) is followed too, and a tag reduces to its catalogue.
    tile.removeAttribute('lang');
    box.lang = 'pt-BR';
    await until(async () => base().getAttribute('aria-label') === (await loadMessages('pt')).videoOf('Bo'), 'pt-BR → pt');
    box.lang = 'zh-CN';
    await until(async () => base().getAttribute('aria-label') === (await loadMessages('zh-Hans')).videoOf('Bo'), 'zh-CN → zh-Hans');
    box.lang = 'iw';
    await until(async () => base().getAttribute('dir') === 'rtl' && base().getAttribute('aria-label') === (await loadMessages('he')).videoOf('Bo'), 'iw → he, rtl');
  });

  for (const fixture of fixtures) {
    it(`${fixture.name}: every language shows its own words, with no English and no missing key`, async () => {
      const english = await rendered(fixture, 'en');
      english.el.remove();
      const englishWords = [...english.words].filter((w) => !NOT_FROM_A_CATALOGUE.test(w));
      expect(englishWords.length, 'the English render has words to compare with').to.be.greaterThan(2);
      const problems: string[] = [];
      for (const language of LANGUAGES.filter((l) => l !== 'en')) {
        // Rendered before anything else loads the catalogue: for the first fixture this is the
        // language's first use, so it also checks that the first render waits for the catalogue.
        const { el, words } = await rendered(fixture, language);
        const same = leafStrings(await loadMessages(language));
        for (const w of words) {
          if (/undefined|NaN|\[object /.test(w)) problems.push(`${language}: "${w}"`);
          // English that the language's own catalogue does not also say (the allowlisted shared words).
          else if (english.words.has(w) && !NOT_FROM_A_CATALOGUE.test(w) && !same.has(w)) problems.push(`${language}: English "${w}"`);
        }
        el.remove();
      }
      expect(problems).to.deep.equal([]);
    });
  }

  it('<rtc-call> joined, in every language, on a 390 × 844 phone: the control bar fits and speaks the language', async function () {
    this.timeout(240_000);
    await setViewport({ width: 390, height: 844 });
    box.style.width = '';
    const server = await rtcServer();
    const problems: string[] = [];
    for (const language of LANGUAGES) {
      const call = await createCall({ server, room: uniqueRoom(`bar-${language}`), name: 'Ann', autojoin: true, attrs: { lang: language }, container: box });
      await until(() => call.state === 'connected', `${language}: connected`, 20_000);
      await settle(call);
      const bar = call.shadowRoot!.querySelector<HTMLElement>('[part~="controls"]')!;
      await until(() => !bar.hidden && bar.clientWidth > 0, `${language}: the control bar is shown`);
      const messages = await loadMessages(language);
      if (bar.getAttribute('aria-label') !== messages.controls) problems.push(`${language}: the bar is named "${bar.getAttribute('aria-label')}"`);
      for (const el of [bar, ...bar.querySelectorAll<HTMLElement>('*')]) {
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) problems.push(`${language}: <${el.localName} part="${el.getAttribute('part') ?? ''}"> overflows (${el.scrollWidth} > ${el.clientWidth} px)`);
      }
      if (bar.getBoundingClientRect().right > 390) problems.push(`${language}: the bar ends at ${bar.getBoundingClientRect().right} px`);
      const leave = bar.querySelector('[part~="leave-button"]')!;
      if (leave.getAttribute('aria-label') !== messages.leave) problems.push(`${language}: leave button "${leave.getAttribute('aria-label')}"`);
      await call.leave();
      call.remove();
    }
    await setViewport({ width: 800, height: 600 });
    expect(problems).to.deep.equal([]);
  });

  it('Arabic and Hebrew mirror the layout: dir="rtl", the tile name at the start (right), the pre-join preview on the right', async () => {
    const positions: Record<string, { name: 'start' | 'end'; preview: 'left' | 'right'; dir: string | null }> = {};
    for (const lang of ['en', 'ar', 'he', 'de'] as const) {
      const tile = document.createElement('rtc-video-tile') as RtcVideoTile;
      Object.assign(tile, { displayName: 'Ann Lee', micOff: true, cameraOff: true });
      tile.lang = lang;
      tile.style.width = '320px';
      box.append(tile);
      await settle(tile);
      const tileRect = tile.getBoundingClientRect();
      const name = tile.shadowRoot!.querySelector('[part~="name"]')!.getBoundingClientRect();
      const call = document.createElement('rtc-call') as RtcCall;
      call.server = await rtcServer();
      call.room = uniqueRoom('rtl');
      call.lang = lang;
      call.style.width = '800px';
      call.style.display = 'block';
      document.body.append(call);
      await settle(call);
      const preview = call.shadowRoot!.querySelector('[part~="preview"]')!.getBoundingClientRect();
      const side = call.shadowRoot!.querySelector('.prejoin-side')!.getBoundingClientRect();
      positions[lang] = {
        name: name.left - tileRect.left < tileRect.right - name.right ? 'start' : 'end',
        preview: preview.left < side.left ? 'left' : 'right',
        dir: call.shadowRoot!.querySelector('[part="base"]')!.getAttribute('dir'),
      };
      // In rtl "start" is the right edge: compare with the right side.
      if (lang === 'ar' || lang === 'he') positions[lang].name = tileRect.right - name.right < name.left - tileRect.left ? 'start' : 'end';
      tile.remove();
      call.remove();
    }
    expect(positions).to.deep.equal({
      en: { name: 'start', preview: 'left', dir: 'ltr' },
      de: { name: 'start', preview: 'left', dir: 'ltr' },
      ar: { name: 'start', preview: 'right', dir: 'rtl' },
      he: { name: 'start', preview: 'right', dir: 'rtl' },
    });
  });

  it('a language without a catalogue (Serbian) is English', async () => {
    const tile = document.createElement('rtc-video-tile') as RtcVideoTile;
    tile.displayName = 'Ann';
    tile.lang = 'sr';
    box.append(tile);
    await settle(tile);
    expect(tile.shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-label')).to.equal(en.videoOf('Ann'));
  });
});
