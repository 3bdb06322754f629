// One language policy for every element (LocalizeController): own lang, else the nearest
// ancestor's, else the document's; a lang change anywhere re-renders; dir follows the language.
import { expect } from '@open-wc/testing';
import '../../src/rtc-device-picker.js';
import '../../src/rtc-video-tile.js';
import type { RtcDevicePicker } from '../../src/components/device-picker/device-picker.js';
import type { RtcVideoTile } from '../../src/components/video-tile/video-tile.js';
import { until } from './helpers/media.js';

describe('LocalizeController', () => {
  let box: HTMLDivElement;
  beforeEach(() => {
    box = document.createElement('div');
    box.lang = 'en';
    document.body.append(box);
  });
  afterEach(() => box.remove());

  const base = (el: Element) => el.shadowRoot!.querySelector('[part="base"]')!;
  async function tileIn(parent: HTMLElement, lang?: string): Promise<RtcVideoTile> {
    const tile = document.createElement('rtc-video-tile') as RtcVideoTile;
    tile.displayName = 'Ann';
    if (lang) tile.lang = lang;
    parent.append(tile);
    await tile.updateComplete;
    return tile;
  }

  it('follows an ancestor whose lang changes, without touching the element', async () => {
    const picker = document.createElement('rtc-device-picker') as RtcDevicePicker;
    picker.kinds = 'videoinput';
    box.append(picker);
    await picker.updateComplete;
    expect(base(picker).getAttribute('aria-label')).to.equal('Devices');
    box.lang = 'de';
    await until(() => base(picker).getAttribute('aria-label') === 'Geräte', 'the picker speaks German');
  });

  it("the element's own lang wins over its ancestors'", async () => {
    const tile = await tileIn(box, 'de');
    expect(base(tile).getAttribute('aria-label')).to.equal('Video von Ann');
    box.lang = 'en';
    await new Promise((r) => requestAnimationFrame(r));
    await tile.updateComplete;
    expect(base(tile).getAttribute('aria-label')).to.equal('Video von Ann');
  });

  it('dir follows the language: rtl for Hebrew and Arabic, ltr otherwise', async () => {
    box.lang = 'he';
    const tile = await tileIn(box);
    expect(base(tile).getAttribute('dir')).to.equal('rtl');
    box.lang = 'ar-EG';
    await until(() => base(tile).getAttribute('dir') === 'rtl', 'still rtl');
    box.lang = 'de-AT';
    await until(() => base(tile).getAttribute('dir') === 'ltr', 'ltr again');
  });
});
