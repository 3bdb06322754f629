/**
 * Plurals and numbers in the catalogues' own language, through `Intl`: `plural('pl', 5, { one, few,
 * many, other })` picks the form `Intl.PluralRules` names for 5 in Polish (`many`) and hands it
 * the count written the language's way (`Intl.NumberFormat`: `1 000` in French, `١٠` in Arabic
 * where the locale uses Arabic-Indic digits). A form may be a fixed string ("1 unread message")
 * or a function of the written count; `other` is always required and stands in for any form the
 * catalogue leaves out.
 */

/** One plural form: fixed text, or text built from the count as the language writes it. */
export type PluralForm = string | ((count: string) => string);

/** The forms a language needs (CLDR's categories); `other` is the fallback for any missing one. */
export type PluralForms = Partial<Record<Exclude<Intl.LDMLPluralRule, 'other'>, PluralForm>> & { other: PluralForm };

const rules = new Map<string, Intl.PluralRules>();
const numbers = new Map<string, Intl.NumberFormat>();

/** The form of `forms` that `lang`'s plural rules choose for `n`, with the count formatted for `lang`. */
export function plural(lang: string, n: number, forms: PluralForms): string {
  let rule = rules.get(lang);
  if (!rule) rules.set(lang, (rule = new Intl.PluralRules(lang)));
  const form = forms[rule.select(n)] ?? forms.other;
  return typeof form === 'function' ? form(formatCount(lang, n)) : form;
}

/** `n` written as `lang` writes numbers (grouping, digits). */
export function formatCount(lang: string, n: number): string {
  let format = numbers.get(lang);
  if (!format) numbers.set(lang, (format = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 })));
  return format.format(n);
}
