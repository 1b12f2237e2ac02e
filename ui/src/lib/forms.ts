// Secure forms as the console names them: the built-in kinds with labels from the message
// catalogues, and the organisation's custom forms (from the hub's configuration) with the
// titles and labels the hub sends in English and Spanish, shown in the agent's language.
import type { CustomForm, FormKind, FormView, Localized } from '../ipc';
import type { MessageKey } from './i18n/en';
import type { Locale } from './i18n/index.svelte';

type Translate = (key: MessageKey) => string;

const BUILT_IN: { kind: Exclude<FormKind, { custom: string }>; label: MessageKey }[] = [
  { kind: 'card', label: 'forms.kind.card' },
  { kind: 'ssn', label: 'forms.kind.ssn' },
  { kind: 'nationalId', label: 'forms.kind.nationalId' },
  { kind: 'dateOfBirth', label: 'forms.kind.dateOfBirth' },
];

const BUILT_IN_FIELDS: Record<string, MessageKey> = {
  cardNumber: 'forms.field.cardNumber',
  expiry: 'forms.field.expiry',
  cvv: 'forms.field.cvv',
  ssn: 'forms.field.ssn',
  nationalId: 'forms.field.nationalId',
  dateOfBirth: 'forms.field.dateOfBirth',
};

/** One entry of the secure-form menu: a key for the `<select>`, the kind and its label. */
export interface FormChoice {
  key: string;
  kind: FormKind;
  label: string;
}

/** A text from the hub in the agent's language. */
export function localized(text: Localized, locale: Locale): string {
  return locale === 'es' ? text.es : text.en;
}

/** A stable string for a kind: `card`, or `custom:<id>` for a configured form. */
export function formKey(kind: FormKind): string {
  return typeof kind === 'string' ? kind : `custom:${kind.custom}`;
}

/** The menu: the built-in forms, then the organisation's own in the order configured. */
export function formChoices(custom: CustomForm[], locale: Locale, t: Translate): FormChoice[] {
  const builtIn = BUILT_IN.map(({ kind, label }) => ({ key: kind, kind, label: t(label) }));
  const own = custom.map((form) => {
    const kind: FormKind = { custom: form.id };
    return { key: formKey(kind), kind, label: localized(form.title, locale) };
  });
  return [...builtIn, ...own];
}

/** A custom form's definition: the one that came with its request, else the profile's. */
export function definitionOf(form: FormView, custom: CustomForm[]): CustomForm | null {
  if (typeof form.kind === 'string') return null;
  const id = form.kind.custom;
  return form.definition ?? custom.find((c) => c.id === id) ?? null;
}

/** A form's title; a custom form the console knows nothing about shows its id. */
export function formTitle(
  form: FormView,
  custom: CustomForm[],
  locale: Locale,
  t: Translate,
): string {
  const kind = form.kind;
  if (typeof kind === 'string') {
    const known = BUILT_IN.find((b) => b.kind === kind);
    return known ? t(known.label) : kind;
  }
  const definition = definitionOf(form, custom);
  return definition ? localized(definition.title, locale) : kind.custom;
}

/** A field's label; an unknown field shows its name. */
export function fieldLabel(
  form: FormView,
  custom: CustomForm[],
  name: string,
  locale: Locale,
  t: Translate,
): string {
  if (typeof form.kind === 'string') {
    const key = BUILT_IN_FIELDS[name];
    return key ? t(key) : name;
  }
  const field = definitionOf(form, custom)?.fields.find((f) => f.name === name);
  return field ? localized(field.label, locale) : name;
}

/** Whether a field's first reveal removes it: a CVV, or a custom field defined so. */
export function showsOnce(form: FormView, custom: CustomForm[], name: string): boolean {
  if (typeof form.kind === 'string') return name === 'cvv';
  return definitionOf(form, custom)?.fields.find((f) => f.name === name)?.revealOnce ?? false;
}
