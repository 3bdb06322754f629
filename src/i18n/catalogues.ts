/**
 * Which catalogue a language tag gets, and loading it. English (`messages.ts`) is built in; every
 * other language is a module of its own under `locales/`, loaded with a dynamic `import()` the
 * first time an element speaks it: a chunk of the one-tag bundle (`chunks/lang-<tag>-<hash>.js`,
 * from the same server) or a separate module of the npm build, so a language costs nothing until
 * a page uses it. Each catalogue is loaded once per page and shared by every element.
 */
import { en, type Messages } from './messages.js';
import { warnOnce } from '../utils/define-element.js';

/** The languages with a catalogue, as their tags are written (BCP 47). */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'da', 'fi', 'nb', 'cs', 'tr', 'ru', 'uk', 'ar', 'he', 'ja', 'zh-Hans', 'ko'] as const;

/** A language with a catalogue. */
export type Language = (typeof LANGUAGES)[number];

// One literal import() per language, so bundlers see each module (and rollup makes each a chunk).
const LOADERS: Record<Exclude<Language, 'en'>, () => Promise<{ default: Messages }>> = {
  de: () => import('./locales/de.js'),
  fr: () => import('./locales/fr.js'),
  es: () => import('./locales/es.js'),
  it: () => import('./locales/it.js'),
  pt: () => import('./locales/pt.js'),
  nl: () => import('./locales/nl.js'),
  pl: () => import('./locales/pl.js'),
  sv: () => import('./locales/sv.js'),
  da: () => import('./locales/da.js'),
  fi: () => import('./locales/fi.js'),
  nb: () => import('./locales/nb.js'),
  cs: () => import('./locales/cs.js'),
  tr: () => import('./locales/tr.js'),
  ru: () => import('./locales/ru.js'),
  uk: () => import('./locales/uk.js'),
  ar: () => import('./locales/ar.js'),
  he: () => import('./locales/he.js'),
  ja: () => import('./locales/ja.js'),
  'zh-Hans': () => import('./locales/zh-Hans.js'),
  ko: () => import('./locales/ko.js'),
};

const BY_LOWER = new Map<string, Language>(LANGUAGES.map((tag) => [tag.toLowerCase(), tag]));

/**
 * Tags that do not reduce to a catalogue by their primary subtag. Chinese in Simplified script
 * (`zh`, `zh-CN`, `zh-SG`, `zh-Hans-HK`); Norwegian (`no`, and `nn`, whose readers read Bokmål);
 * the deprecated `iw` for Hebrew. Chinese in Traditional script (`zh-Hant`, `zh-TW`, `zh-HK`,
 * `zh-MO`) has no catalogue yet and gets English rather than a script its readers did not ask for.
 */
const TRADITIONAL_CHINESE = /^zh-(?:hant|tw|hk|mo)(?:-|$)/;
const ALIASES: Record<string, string> = { zh: 'zh-hans', no: 'nb', nn: 'nb', iw: 'he' };

/**
 * The catalogue for a BCP 47 tag: the tag itself (case-insensitive, `_` read as `-`), else a known
 * alias, else its primary subtag (`pt-BR` → `pt`, `de-AT` → `de`), else English.
 */
export function languageOf(tag: string | null | undefined): Language {
  if (!tag) return 'en';
  const lower = tag.trim().toLowerCase().replace(/_/g, '-');
  const exact = BY_LOWER.get(lower);
  if (exact) return exact;
  if (TRADITIONAL_CHINESE.test(lower)) return 'en';
  const primary = lower.split('-')[0]!;
  return BY_LOWER.get(ALIASES[primary] ?? primary) ?? 'en';
}

/** Loads catalogues once and remembers them: `loadMessages()` and `loadedMessages()` below are the page's one instance. */
export interface CatalogueCache {
  /** The catalogue of `language` if it has been loaded (English always has), else undefined. */
  loaded(language: Language): Messages | undefined;
  /**
   * Loads the catalogue of `language` (once; later calls share the first). Never rejects: when
   * the module cannot be loaded (a chunk missing on the server, a network failure) it resolves to
   * English, says so once in the console, and English stays that language's catalogue from then on.
   */
  load(language: Language): Promise<Messages>;
}

/** A cache over `loaders` (one `import()` per language): the page's uses LOADERS; tests pass failing ones. */
export function catalogueCache(loaders: Partial<Record<Language, () => Promise<{ default: Messages }>>>): CatalogueCache {
  const loaded = new Map<Language, Messages>([['en', en]]);
  const loading = new Map<Language, Promise<Messages>>();
  return {
    loaded: (language) => loaded.get(language),
    load(language) {
      const done = loaded.get(language);
      if (done) return Promise.resolve(done);
      let pending = loading.get(language);
      if (!pending) {
        const loader = loaders[language] ?? (() => Promise.reject(new Error(`no loader for ${language}`)));
        pending = loader()
          .then((module) => module.default)
          .catch((err: unknown) => {
            warnOnce(`lang-${language}`, `the ${language} catalogue could not be loaded (${String(err)}); showing English instead.`);
            return en;
          })
          .then((messages) => {
            loaded.set(language, messages);
            loading.delete(language);
            return messages;
          });
        loading.set(language, pending);
      }
      return pending;
    },
  };
}

const page = catalogueCache(LOADERS);

/** The catalogue of `language` if it has been loaded on this page (English always has), else undefined. */
export function loadedMessages(language: Language): Messages | undefined {
  return page.loaded(language);
}

/**
 * Loads the catalogue of `language` for this page (once; later calls share the first). Never
 * rejects: a catalogue that cannot be loaded is English, with one console warning.
 */
export function loadMessages(language: Language): Promise<Messages> {
  return page.load(language);
}
