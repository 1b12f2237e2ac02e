// Translations for English and Spanish. Components never hard-code user-facing strings: they
// call `t(key, params)`. The locale follows the OS (navigator.language) until the agent picks one.
import { en, type MessageKey } from './en';
import { es } from './es';

export type Locale = 'en' | 'es';
export const LOCALES: readonly Locale[] = ['en', 'es'];

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es };

/** Picks the supported locale for a BCP 47 tag such as `es-MX`; English otherwise. */
export function localeFromTag(tag: string | undefined): Locale {
  const primary = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return primary === 'es' ? 'es' : 'en';
}

/** Replaces `{name}` placeholders. Unknown placeholders stay visible so they get noticed. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function translate(
  locale: Locale,
  key: MessageKey,
  params?: Record<string, string | number>,
): string {
  return format(catalogs[locale][key], params);
}

const state = $state<{ locale: Locale }>({
  locale: localeFromTag(typeof navigator === 'undefined' ? undefined : navigator.language),
});

function applyLang(locale: Locale): void {
  if (typeof document !== 'undefined') {
    document.documentElement.lang = locale;
  }
}

applyLang(state.locale);

export const i18n = {
  get locale(): Locale {
    return state.locale;
  },
  set locale(value: Locale) {
    state.locale = value;
    applyLang(value);
  },
};

/** Translates `key` in the current locale (reactive inside components). */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(state.locale, key, params);
}

/** The translated name of a PII kind (`credit_card` → "card number"); the raw name if unknown. */
export function kindLabel(kind: string): string {
  const key = `kind.${kind}`;
  const catalog = catalogs[state.locale] as Record<string, string>;
  return catalog[key] ?? kind;
}
