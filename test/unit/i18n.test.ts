// The catalogues (src/i18n): every language complete (tsc checks the keys; this checks them again
// at run time, with the functions' arity) and truly translated — no value equal to the English
// one, bar a short allowlist of words the language shares with English — with every placeholder
// kept; the fallback from a page's tag to a catalogue; the plural helper.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { catalogueCache, LANGUAGES, languageOf, loadMessages, type Language } from '../../src/i18n/catalogues.js';
import { en, type Messages } from '../../src/i18n/messages.js';
import { plural } from '../../src/i18n/plural.js';

/**
 * Values allowed to equal the English one, by language and key path: words the language has
 * borrowed from English or shares with it (each checked by a native-speaker's habit, not by
 * convenience), and messages that are only placeholders (`deviceN`: "<kind> <n>").
 */
const SAME_AS_ENGLISH: Partial<Record<Language | '*', readonly string[]>> = {
  // Only placeholders and punctuation: "Camera 2" comes out of deviceN as `${kind} ${n}`.
  '*': ['deviceN', 'newMessage'],
  de: ['chat', 'precall.states.poor'], // both German words
  fr: ['participants'], // the French word
  it: ['chat'], // la chat
  pl: ['precall.states.poor'], // problem
  sv: ['precall.states.poor'], // problem
  da: ['send', 'precall.states.poor'], // send (imperative), problem
  nb: ['send', 'precall.states.poor'], // send (imperative), problem
  nl: ['camera', 'cameraLabel', 'precall.checks.camera'], // de camera
};

/** Sample arguments for functions whose parameters are not all names (strings). */
const SAMPLES: Record<string, readonly unknown[][]> = {
  peopleCount: [[1], [2], [3], [5], [11], [21], [22], [100], [1000]],
  chatCount: [[1], [2], [3], [5], [11], [21], [22], [100], [1000]],
  deviceN: [['Kamera', 2]],
  'precall.figures.camera': [[640, 480, '20']],
  'precall.figures.speaker': [[true], [false]],
  'precall.figures.network': [[2, 1, 0]],
};

type Leaf = { path: string; value: unknown };
function leaves(value: unknown, path = ''): Leaf[] {
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [{ path, value }];
}
const at = (root: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], root);

/** Each rendering of a leaf: a string as it is; a function applied to each set of its sample args. */
function renderings(path: string, value: unknown): { args: unknown[]; text: unknown }[] {
  if (typeof value !== 'function') return [{ args: [], text: value }];
  const samples = SAMPLES[path] ?? [Array.from({ length: value.length }, (_, i) => ['Ann', 'file-X7.pdf', 'https://x.example/j', 'Bo'][i])];
  return samples.map((args) => ({ args, text: (value as (...a: unknown[]) => unknown)(...args) }));
}

const catalogues = new Map<Language, Messages>();
for (const language of LANGUAGES) catalogues.set(language, await loadMessages(language));

describe('catalogues', () => {
  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    const messages = catalogues.get(language)!;

    test(`${language}: loads, and has exactly the English keys, functions with the same arity`, () => {
      assert.notEqual(messages, en, `${language} fell back to English: its module did not load`);
      const ours = leaves(messages);
      assert.deepEqual(ours.map((l) => l.path).sort(), leaves(en).map((l) => l.path).sort());
      for (const { path, value } of ours) {
        const source = at(en, path);
        assert.equal(typeof value, typeof source, `${language} ${path}`);
        if (typeof source === 'function') assert.equal((value as () => void).length, source.length, `${language} ${path}: arity`);
      }
    });

    test(`${language}: every value translated (allowlist: ${[...(SAME_AS_ENGLISH['*'] ?? []), ...(SAME_AS_ENGLISH[language] ?? [])].join(', ')}), placeholders kept, no "undefined"`, () => {
      const allowed = new Set([...(SAME_AS_ENGLISH['*'] ?? []), ...(SAME_AS_ENGLISH[language] ?? [])]);
      const same: string[] = [];
      for (const { path, value } of leaves(messages)) {
        const source = renderings(path, at(en, path));
        renderings(path, value).forEach(({ args, text }, i) => {
          assert.equal(typeof text, 'string', `${language} ${path}(${args.join(', ')})`);
          const s = text as string;
          assert.ok(s.trim().length > 0, `${language} ${path}: empty`);
          assert.doesNotMatch(s, /undefined|NaN|\[object |\$\{/, `${language} ${path}(${args.join(', ')}): ${s}`);
          for (const arg of args) {
            // Every name, file, code and figure the message is given appears in it (counts of one and two may be words).
            if (typeof arg === 'string' || (typeof arg === 'number' && arg > 2 && !path.endsWith('Count'))) assert.ok(s.includes(String(arg)), `${language} ${path}: "${s}" lost the argument ${String(arg)}`);
            if (typeof arg === 'number' && arg > 2 && path.endsWith('Count')) assert.ok(s.includes(new Intl.NumberFormat(language).format(arg)), `${language} ${path}: "${s}" lost the count ${arg}`);
          }
          if (s === source[i]!.text && !allowed.has(path)) same.push(`${path}: ${JSON.stringify(s)}`);
        });
      }
      assert.deepEqual(same, [], `${language}: values equal to the English ones (translate them, or add the key to SAME_AS_ENGLISH with a reason)`);
    });
  }

  test('the allowlist names only keys that exist and are still the same as English', () => {
    for (const [language, paths] of Object.entries(SAME_AS_ENGLISH)) {
      for (const path of paths!) assert.notEqual(at(en, path), undefined, `${language}: ${path} is not a key`);
    }
    for (const [language, paths] of Object.entries(SAME_AS_ENGLISH)) {
      if (language === '*') continue;
      const messages = catalogues.get(language as Language)!;
      for (const path of paths!) assert.equal(renderings(path, at(messages, path))[0]!.text, renderings(path, at(en, path))[0]!.text, `${language}: ${path} is translated now; drop it from SAME_AS_ENGLISH`);
    }
  });

  test('French: a no-break space before ? ! : ; and none of a plain space there', () => {
    for (const { path, value } of leaves(catalogues.get('fr'))) {
      for (const { text } of renderings(path, value)) {
        const s = (text as string).replace(/https?:\/\/\S+/g, '');
        assert.doesNotMatch(s, / [?!:;]/, `fr ${path}: ${s}`);
        assert.doesNotMatch(s, /[^\s\u00a0\u202f][?!;]|[^\s\u00a0\u202f\d]:(?!\/\/)/, `fr ${path}: ${s}`);
      }
    }
  });

  test('Spanish: a question or exclamation opens with ¿ or ¡', () => {
    for (const { path, value } of leaves(catalogues.get('es'))) {
      for (const { text } of renderings(path, value)) {
        const s = text as string;
        if (s.includes('?')) assert.ok(s.includes('¿'), `es ${path}: ${s}`);
        if (s.includes('!')) assert.ok(s.includes('¡'), `es ${path}: ${s}`);
      }
    }
  });
});

describe('languageOf: a tag to its catalogue', () => {
  const cases: [string | null | undefined, Language][] = [
    ['de', 'de'], ['de-AT', 'de'], ['DE-ch', 'de'], ['pt-BR', 'pt'], ['pt-PT', 'pt'], ['fr_CA', 'fr'], ['es-419', 'es'],
    ['zh', 'zh-Hans'], ['zh-CN', 'zh-Hans'], ['zh-SG', 'zh-Hans'], ['zh-Hans', 'zh-Hans'], ['zh-hans-HK', 'zh-Hans'],
    ['zh-Hant', 'en'], ['zh-TW', 'en'], ['zh-HK', 'en'], ['zh-Hant-TW', 'en'],
    ['nb', 'nb'], ['no', 'nb'], ['nn', 'nb'], ['nb-NO', 'nb'], ['iw', 'he'], ['he-IL', 'he'], ['ar-EG', 'ar'],
    ['ja-JP', 'ja'], ['ko-KR', 'ko'], ['uk-UA', 'uk'], ['sr', 'en'], ['xx', 'en'], ['', 'en'], [null, 'en'], [undefined, 'en'], ['en-GB', 'en'],
  ];
  for (const [tag, language] of cases) test(`${String(tag)} → ${language}`, () => assert.equal(languageOf(tag), language));
});

describe('loading a catalogue', () => {
  test('once: concurrent and later loads share the first', async () => {
    let calls = 0;
    const fr = catalogues.get('fr')!;
    const cache = catalogueCache({ fr: async () => (calls++, { default: fr }) });
    assert.equal(cache.loaded('fr'), undefined);
    const [a, b] = await Promise.all([cache.load('fr'), cache.load('fr')]);
    assert.equal(a, fr);
    assert.equal(b, fr);
    assert.equal(await cache.load('fr'), fr);
    assert.equal(cache.loaded('fr'), fr);
    assert.equal(calls, 1);
    assert.equal(cache.loaded('en'), en, 'English is always there');
  });

  test('a chunk that fails to load is English, said once in the console, and not retried', async () => {
    const warn = mock.method(console, 'warn', () => {});
    try {
      let calls = 0;
      const cache = catalogueCache({ ko: () => (calls++, Promise.reject(new TypeError('Failed to fetch dynamically imported module: https://calls.example/chunks/lang-ko-x.js'))) });
      assert.equal(await cache.load('ko'), en);
      assert.equal(await cache.load('ko'), en);
      assert.equal(cache.loaded('ko'), en);
      assert.equal(calls, 1);
      const ours = warn.mock.calls.filter((c) => String(c.arguments[0]).includes('ko catalogue'));
      assert.equal(ours.length, 1);
      assert.match(String(ours[0]!.arguments[0]), /^rtc-call: the ko catalogue could not be loaded \(TypeError: Failed to fetch.*\); showing English instead\.$/);
    } finally {
      warn.mock.restore();
    }
  });
});

describe('plural', () => {
  const forms = { zero: 'zero', one: (c: string) => `one ${c}`, two: 'two', few: (c: string) => `few ${c}`, many: (c: string) => `many ${c}`, other: (c: string) => `other ${c}` };
  test('English: one and other', () => {
    assert.deepEqual([0, 1, 2, 5].map((n) => plural('en', n, forms)), ['other 0', 'one 1', 'other 2', 'other 5']);
  });
  test('Polish, Russian, Ukrainian and Czech: one, few, many', () => {
    assert.deepEqual([1, 2, 5, 12, 22, 25].map((n) => plural('pl', n, forms)), ['one 1', 'few 2', 'many 5', 'many 12', 'few 22', 'many 25']);
    assert.deepEqual([1, 21, 3, 11, 111].map((n) => plural('ru', n, forms)), ['one 1', 'one 21', 'few 3', 'many 11', 'many 111']);
    assert.deepEqual([1, 21, 4, 5].map((n) => plural('uk', n, forms)), ['one 1', 'one 21', 'few 4', 'many 5']);
    assert.deepEqual([1, 2, 4, 5].map((n) => plural('cs', n, forms)), ['one 1', 'few 2', 'few 4', 'other 5']);
  });
  test('Arabic: zero, one, two, few, many, other', () => {
    assert.deepEqual([0, 1, 2, 3, 11, 100].map((n) => plural('ar', n, forms)), ['zero', 'one 1', 'two', 'few 3', 'many 11', 'other 100']);
  });
  test('French counts 0 and 1 as one; a missing form falls back to other; counts are written the language’s way', () => {
    assert.deepEqual([0, 1, 2].map((n) => plural('fr', n, { one: (c) => `un ${c}`, other: (c) => `plus ${c}` })), ['un 0', 'un 1', 'plus 2']);
    assert.equal(plural('pl', 5, { one: 'jeden', other: (c) => `inne ${c}` }), 'inne 5');
    assert.equal(plural('de', 4000, { other: (c) => c }), '4.000');
    assert.equal(plural('ja', 3, { other: (c) => `${c}件` }), '3件');
  });
});
