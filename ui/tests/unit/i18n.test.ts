import { describe, expect, it } from 'vitest';
import { en } from '../../src/lib/i18n/en';
import { es } from '../../src/lib/i18n/es';
import { format, localeFromTag, translate } from '../../src/lib/i18n/index.svelte';

describe('i18n', () => {
  it('picks Spanish for any es-* tag and English otherwise', () => {
    expect(localeFromTag('es-MX')).toBe('es');
    expect(localeFromTag('ES')).toBe('es');
    expect(localeFromTag('en-GB')).toBe('en');
    expect(localeFromTag('pt-BR')).toBe('en');
    expect(localeFromTag(undefined)).toBe('en');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Version {version}', { version: '1.2.3' })).toBe('Version 1.2.3');
    expect(format('Hi {name}', {})).toBe('Hi {name}');
  });

  it('has the same keys and placeholders in both languages', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(es[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('translates a key in each locale', () => {
    expect(translate('es', 'status.version', { version: '0.1.0' })).toBe('Versión 0.1.0');
    expect(translate('en', 'status.version', { version: '0.1.0' })).toBe('Version 0.1.0');
  });
});

describe('canned replies', () => {
  it('exist in both languages, the same number each, and never ask for card or ID numbers', async () => {
    const { cannedReplies } = await import('../../src/lib/canned');
    expect(cannedReplies('en').length).toBe(cannedReplies('es').length);
    for (const reply of [...cannedReplies('en'), ...cannedReplies('es')]) {
      expect(reply.length).toBeGreaterThan(10);
      expect(reply).not.toMatch(/\d{4}/);
    }
    expect(cannedReplies('es')[0]).toMatch(/^Hola/);
  });
});
