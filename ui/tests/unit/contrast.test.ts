// WCAG 2.1 AA contrast of the console's colour tokens, in both themes, measured from the
// stylesheet itself: 4.5:1 for text (1.4.3), 3:1 for the focus ring and the borders that show
// where a field is (1.4.11).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Vitest runs from ui/ (npm test).
const css = readFileSync(join(process.cwd(), 'src', 'app.css'), 'utf8');

/** The `--color-*` tokens of the block whose selector list contains `selector`. */
function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(selector);
  if (start < 0) throw new Error(`no ${selector} block`);
  const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
  const out: Record<string, string> = {};
  for (const match of body.matchAll(/--color-([\w-]+):\s*(#[0-9a-fA-F]{6})/g)) {
    out[match[1] ?? ''] = match[2] ?? '';
  }
  return out;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['text', 'own-bg'],
  ['text', 'warn-bg'],
  ['text-muted', 'bg'],
  ['text-muted', 'surface'],
  ['text-muted', 'surface-2'],
  ['text-muted', 'own-bg'],
  ['accent', 'bg'],
  ['accent', 'surface'],
  ['accent-text', 'accent'],
  ['ok', 'surface'],
  ['warn', 'surface'],
  ['danger', 'surface'],
  ['danger', 'bg'],
  ['danger-text', 'danger'],
  ['mask-text', 'mask-bg'],
];

const UI: [string, string][] = [
  ['focus', 'bg'],
  ['focus', 'surface'],
];

describe.each([
  ['light', ":root[data-theme='light']"],
  ['dark', ":root[data-theme='dark']"],
])('the %s theme', (_name, selector) => {
  const colors = tokens(selector);

  it.each(TEXT)('has %s on %s at 4.5:1 or more', (fg, bg) => {
    expect(colors[fg], fg).toBeDefined();
    expect(colors[bg], bg).toBeDefined();
    expect(contrast(colors[fg] ?? '', colors[bg] ?? '')).toBeGreaterThanOrEqual(4.5);
  });

  it.each(UI)('has %s against %s at 3:1 or more', (fg, bg) => {
    expect(contrast(colors[fg] ?? '', colors[bg] ?? '')).toBeGreaterThanOrEqual(3);
  });
});

describe('the contrast formula', () => {
  it('gives the known ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
  });
});
