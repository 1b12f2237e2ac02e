import { describe, expect, it } from 'vitest';
import type { CustomForm, FormView } from '../../src/ipc';
import {
  definitionOf,
  fieldLabel,
  formChoices,
  formKey,
  formTitle,
  showsOnce,
} from '../../src/lib/forms';
import { translate } from '../../src/lib/i18n/index.svelte';
import { upsertForm } from '../../src/lib/workspace/model';
import customForm from '../fixtures/custom-form.json';

// The console's browser test shows the same form.
const policy = customForm as CustomForm;

function view(kind: FormView['kind'], definition?: CustomForm): FormView {
  return {
    conversationId: 'c1',
    formId: 'f1',
    kind,
    expiresAt: 1,
    fields: [],
    ...(definition ? { definition } : {}),
  };
}

const en = (key: Parameters<typeof translate>[1]) => translate('en', key);
const es = (key: Parameters<typeof translate>[1]) => translate('es', key);

describe('secure form names', () => {
  it('offers the built-in forms, then the configured ones in the agent’s language', () => {
    const choices = formChoices([policy], 'es', es);
    expect(choices.map((c) => c.key)).toEqual([
      'card',
      'ssn',
      'nationalId',
      'dateOfBirth',
      'custom:policy-check',
    ]);
    expect(choices[0]?.label).toBe('Pago con tarjeta');
    expect(choices[4]?.label).toBe('Comprobación de póliza');
    expect(choices[4]?.kind).toEqual({ custom: 'policy-check' });
    expect(formChoices([], 'en', en)).toHaveLength(4);
    expect(formKey('ssn')).toBe('ssn');
  });

  it('titles and labels a custom form from its definition, or the profile’s', () => {
    const requested = view({ custom: 'policy-check' }, policy);
    expect(formTitle(requested, [], 'en', en)).toBe('Policy check');
    expect(fieldLabel(requested, [], 'policyNumber', 'es', es)).toBe('Número de póliza');
    expect(fieldLabel(requested, [], 'pin', 'es', es)).toBe('PIN de la póliza');
    // Without its definition (a reloaded page), the profile's list names it.
    const bare = view({ custom: 'policy-check' });
    expect(definitionOf(bare, [policy])).toBe(policy);
    expect(formTitle(bare, [policy], 'es', es)).toBe('Comprobación de póliza');
    // A form nobody describes shows its id and field names rather than a wrong label.
    const unknown = view({ custom: 'gone' });
    expect(formTitle(unknown, [policy], 'en', en)).toBe('gone');
    expect(fieldLabel(unknown, [policy], 'policyNumber', 'en', en)).toBe('policyNumber');
    expect(fieldLabel(view('card'), [], 'expiry', 'en', en)).toBe('Expiry');
    expect(fieldLabel(view('card'), [], 'other', 'en', en)).toBe('other');
    expect(formTitle(view('nationalId'), [], 'en', en)).toBe('National ID (DNI/NIE)');
  });

  it('knows which fields show once: a CVV, or a custom field defined so', () => {
    const custom = view({ custom: 'policy-check' }, policy);
    expect(showsOnce(custom, [], 'pin')).toBe(true);
    expect(showsOnce(custom, [], 'policyNumber')).toBe(false);
    expect(showsOnce(custom, [], 'cvv')).toBe(false);
    expect(showsOnce(view('card'), [], 'cvv')).toBe(true);
    expect(showsOnce(view('card'), [], 'cardNumber')).toBe(false);
  });

  it('keeps a form’s definition when its submission arrives without one', () => {
    const requested = view({ custom: 'policy-check' }, policy);
    const submitted = {
      ...view({ custom: 'policy-check' }),
      expiresAt: 0,
      fields: [{ name: 'pin', masked: '••••••', revealable: true }],
    };
    const [form] = upsertForm([requested], submitted);
    expect(form?.definition).toBe(policy);
    expect(form?.fields).toHaveLength(1);
    expect(form?.expiresAt).toBe(1);
  });
});
