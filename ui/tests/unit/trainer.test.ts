import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import type { LiveQuestion, QuestionView } from '../../src/ipc/training';
import { tallyBars } from '../../src/lib/trainer/chart';
import { dateLocale, dayFromDueAt, dueAtFromDay, formatDay } from '../../src/lib/trainer/dates';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { problemText, trainerErrorText } from '../../src/lib/trainer/text';
import type { PackProblem } from '../../src/lib/trainer/packfiles';
import { packIssues, parseIssue } from '../../src/lib/trainer/issues';
import { htmlToParagraphs, rightOrder, sectionQuestions } from '../../src/lib/trainer/lesson';
import {
  MAX_PACK_BYTES,
  MAX_PACK_FILES,
  isSafePath,
  packFromFolder,
  packFromZip,
} from '../../src/lib/trainer/packfiles';

const text = (path: string, content: string) => ({ path, bytes: strToU8(content) });

describe('pack files from a folder', () => {
  it('makes paths relative to the chosen folder, skips clutter, and sorts', () => {
    const read = packFromFolder([
      text('security/en/01-basics.md', '# Basics'),
      text('security/pack.toml', 'id = "security"'),
      text('security/.DS_Store', 'x'),
      text('security/__MACOSX/en/._01-basics.md', 'x'),
    ]);
    expect(read).toEqual({
      ok: true,
      files: [
        { path: 'en/01-basics.md', text: '# Basics' },
        { path: 'pack.toml', text: 'id = "security"' },
      ],
    });
  });

  it('refuses an empty folder, and one holding only clutter', () => {
    expect(packFromFolder([])).toEqual({ ok: false, problems: [{ code: 'empty' }] });
    expect(packFromFolder([text('p/.git/config', 'x')])).toEqual({
      ok: false,
      problems: [{ code: 'empty' }],
    });
  });

  it('names every file that is not UTF-8 text', () => {
    const read = packFromFolder([
      text('p/pack.toml', 'id = "p"'),
      { path: 'p/logo.png', bytes: new Uint8Array([0x89, 0x50, 0xff, 0xfe, 0x00]) },
      { path: 'p/en/latin1.md', bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9]) },
    ]);
    expect(read).toEqual({
      ok: false,
      problems: [
        { code: 'notText', path: 'logo.png' },
        { code: 'notText', path: 'en/latin1.md' },
      ],
    });
  });

  it('refuses too many files and too many bytes before decoding any', () => {
    const many = Array.from({ length: MAX_PACK_FILES + 1 }, (_, i) => text(`p/${i}.md`, 'x'));
    expect(packFromFolder(many)).toEqual({
      ok: false,
      problems: [{ code: 'tooManyFiles', limit: MAX_PACK_FILES }],
    });
    const big = { path: 'p/big.md', bytes: new Uint8Array(MAX_PACK_BYTES + 1) };
    expect(packFromFolder([big])).toEqual({
      ok: false,
      problems: [{ code: 'tooLarge', limit: MAX_PACK_BYTES }],
    });
  });

  it('refuses a path that climbs out of the pack', () => {
    const read = packFromFolder([text('p/pack.toml', 'a'), text('p/../secrets.md', 'b')]);
    expect(read).toEqual({ ok: false, problems: [{ code: 'unsafePath', path: '../secrets.md' }] });
  });

  it('refuses two spellings of one name', () => {
    const read = packFromFolder([text('p/en/A.md', 'a'), text('p/en/a.md', 'b')]);
    expect(read).toEqual({ ok: false, problems: [{ code: 'duplicatePath', path: 'en/a.md' }] });
  });
});

describe('safe paths', () => {
  it('accepts relative paths and refuses traversal, absolute and odd ones', () => {
    expect(isSafePath('en/01-basics.md')).toBe(true);
    expect(isSafePath('pack.toml')).toBe(true);
    for (const bad of [
      '../pack.toml',
      'en/../../etc/passwd',
      'en/./a.md',
      '/etc/passwd',
      'C:/x.md',
      'en\\a.md',
      'en//a.md',
      'a\u0000.md',
      '',
      'x'.repeat(201),
    ]) {
      expect(isSafePath(bad), bad).toBe(false);
    }
  });
});

describe('pack files from a zip', () => {
  it('reads text files and drops a single top folder', () => {
    const zip = zipSync({
      'security/pack.toml': strToU8('id = "security"'),
      'security/es/01.md': strToU8('# Básico'),
      'security/en/': new Uint8Array(0),
    });
    expect(packFromZip(zip)).toEqual({
      ok: true,
      files: [
        { path: 'es/01.md', text: '# Básico' },
        { path: 'pack.toml', text: 'id = "security"' },
      ],
    });
  });

  it('keeps paths as they are when the manifest is at the root', () => {
    const zip = zipSync({ 'pack.toml': strToU8('a'), 'en/01.md': strToU8('b') });
    const read = packFromZip(zip);
    expect(read.ok && read.files.map((f) => f.path)).toEqual(['en/01.md', 'pack.toml']);
  });

  it('refuses an entry with .. in its path', () => {
    const zip = zipSync({ 'pack.toml': strToU8('a'), '../evil.md': strToU8('b') });
    expect(packFromZip(zip)).toEqual({
      ok: false,
      problems: [{ code: 'unsafePath', path: '../evil.md' }],
    });
  });

  it('names every bad entry at once: unsafe paths and text that is not UTF-8', () => {
    const zip = zipSync({
      'pack.toml': strToU8('a'),
      '../evil.md': strToU8('b'),
      'en/01.md': new Uint8Array([0xe9]),
    });
    expect(packFromZip(zip)).toEqual({
      ok: false,
      problems: [
        { code: 'unsafePath', path: '../evil.md' },
        { code: 'notText', path: 'en/01.md' },
      ],
    });
    // Only a bad entry: it is refused, not reported as an empty pack.
    expect(packFromZip(zipSync({ '../evil.md': strToU8('b') }))).toEqual({
      ok: false,
      problems: [{ code: 'unsafePath', path: '../evil.md' }],
    });
  });

  it('refuses an absolute entry', () => {
    const zip = zipSync({ '/etc/cron.d/x': strToU8('b') });
    expect(packFromZip(zip)).toEqual({
      ok: false,
      problems: [{ code: 'unsafePath', path: '/etc/cron.d/x' }],
    });
  });

  it('refuses a zip that inflates past the limit without inflating it', () => {
    // 5 MiB of zeros compresses to a few KiB: a small zip bomb.
    const zip = zipSync({ 'bomb.md': new Uint8Array(5 * 1024 * 1024) }, { level: 9 });
    expect(zip.length).toBeLessThan(64 * 1024);
    expect(packFromZip(zip)).toEqual({
      ok: false,
      problems: [{ code: 'tooLarge', limit: MAX_PACK_BYTES }],
    });
  });

  it('refuses a zip file that is itself over the limit', () => {
    expect(packFromZip(new Uint8Array(MAX_PACK_BYTES + 1))).toEqual({
      ok: false,
      problems: [{ code: 'tooLarge', limit: MAX_PACK_BYTES }],
    });
  });

  it('refuses too many entries', () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i <= MAX_PACK_FILES; i += 1) entries[`en/${i}.md`] = strToU8('x');
    const read = packFromZip(zipSync(entries));
    expect(read).toEqual({
      ok: false,
      problems: [{ code: 'tooManyFiles', limit: MAX_PACK_FILES }],
    });
  });

  it('names a non-UTF-8 entry', () => {
    const zip = zipSync({ 'pack.toml': strToU8('a'), 'en/01.md': new Uint8Array([0xc3, 0x28]) });
    expect(packFromZip(zip)).toEqual({
      ok: false,
      problems: [{ code: 'notText', path: 'en/01.md' }],
    });
  });

  it('says so when the file is not a zip, and when the zip is empty', () => {
    expect(packFromZip(strToU8('id = "not a zip"'))).toEqual({
      ok: false,
      problems: [{ code: 'notZip' }],
    });
    expect(packFromZip(zipSync({}))).toEqual({ ok: false, problems: [{ code: 'empty' }] });
  });
});

describe('due dates', () => {
  it('is the last millisecond of the picked day in UTC', () => {
    expect(dueAtFromDay('2026-03-01')).toBe(Date.UTC(2026, 2, 1, 23, 59, 59, 999));
    expect(dayFromDueAt(Date.UTC(2026, 2, 1, 23, 59, 59, 999))).toBe('2026-03-01');
  });

  it('refuses days that do not exist and anything that is not a day', () => {
    for (const bad of ['2026-02-30', '2026-13-01', '2026-00-10', '', '01/03/2026', '2026-3-1']) {
      expect(dueAtFromDay(bad), bad).toBeNull();
    }
    expect(dueAtFromDay('2028-02-29')).not.toBeNull();
  });

  it('formats in the OS’s regional variant of the console’s language only', () => {
    expect(dateLocale('en', 'en-GB')).toBe('en-GB');
    expect(dateLocale('es', 'es-MX')).toBe('es-MX');
    expect(dateLocale('es', 'en-US')).toBe('es');
    expect(dateLocale('en', undefined)).toBe('en');
  });

  it('shows the picked day, in the user language, whatever the time zone', () => {
    const due = dueAtFromDay('2026-03-01') ?? 0;
    expect(formatDay(due, 'en-GB')).toBe('1 Mar 2026');
    expect(formatDay(due, 'es')).toMatch(/^1 mar 2026$/);
  });
});

const LABELS = { true: 'True', false: 'False', right: 'Right order', wrong: 'Wrong order' };

function live(question: Partial<QuestionView>, tally: number[], open: boolean): LiveQuestion {
  return {
    question: { id: 'q', prompt: 'Q?', kind: 'single', options: [], ...question },
    open,
    answered: 4,
    tally,
    correct: 0,
  };
}

describe('tally bars', () => {
  it('has one bar per option, as shares of the answers, with no right one while open', () => {
    const bars = tallyBars(live({ options: ['A', 'B', 'C'] }, [1, 3, 0], true), LABELS);
    expect(bars.map((b) => [b.label, b.count, b.percent, b.right])).toEqual([
      ['A', 1, 25, null],
      ['B', 3, 75, null],
      ['C', 0, 0, null],
    ]);
    expect(bars[1]?.size).toBe(0.75);
  });

  it('marks the right options once closed', () => {
    const q = { kind: 'multiple' as const, options: ['A', 'B', 'C'] };
    const closed = live({ ...q, answer: { kind: 'multiple', choices: [0, 2] } }, [4, 1, 3], false);
    expect(tallyBars(closed, LABELS).map((b) => b.right)).toEqual([true, false, true]);
  });

  it('counts [true, false] and [right, wrong], whatever the options say', () => {
    const tf = live(
      { kind: 'trueFalse', answer: { kind: 'trueFalse', value: false } },
      [1, 3],
      false,
    );
    expect(tallyBars(tf, LABELS).map((b) => [b.label, b.count, b.right])).toEqual([
      ['True', 1, false],
      ['False', 3, true],
    ]);
    const order = live(
      {
        kind: 'ordering',
        options: ['x', 'y', 'z'],
        answer: { kind: 'ordering', order: [2, 0, 1] },
      },
      [3, 1],
      false,
    );
    expect(tallyBars(order, LABELS).map((b) => [b.label, b.count, b.right])).toEqual([
      ['Right order', 3, true],
      ['Wrong order', 1, false],
    ]);
  });

  it('copes with a short, long or negative tally and nobody answering', () => {
    const q = live({ options: ['A', 'B'] }, [-2], true);
    q.answered = 0;
    expect(tallyBars(q, LABELS).map((b) => [b.count, b.percent, b.size])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(tallyBars(live({ options: ['A'] }, [1, 9, 9], true), LABELS)).toHaveLength(1);
  });
});

describe('pack issues', () => {
  it('splits file, line and message', () => {
    expect(parseIssue('en/01-basics.md:12: unknown question kind "essay"')).toEqual({
      file: 'en/01-basics.md',
      line: 12,
      message: 'unknown question kind "essay"',
    });
    expect(parseIssue('pack.toml: missing `id`')).toEqual({
      file: 'pack.toml',
      line: null,
      message: 'missing `id`',
    });
    expect(parseIssue('the pack has no lessons')).toEqual({
      file: null,
      line: null,
      message: 'the pack has no lessons',
    });
  });

  it('reads the list from any error that has one, and nothing otherwise', () => {
    const error = { code: 'packInvalid', message: 'invalid', issues: ['a.md:1: x', 7] };
    expect(packIssues(error)).toEqual([{ file: 'a.md', line: 1, message: 'x' }]);
    expect(packIssues({ code: 'internal', message: 'x' })).toBeNull();
    expect(packIssues({ issues: 'a.md:1: x' })).toBeNull();
    expect(packIssues(null)).toBeNull();
  });
});

describe('lesson text', () => {
  it('keeps the text as paragraphs and drops scripts and styles', () => {
    const html =
      '<h2>Cards</h2><p>Never <strong>ask</strong> for a card<br>in chat.</p>' +
      '<script>alert(1)</script><style>p{}</style><ul><li>Mask</li><li>Use a form</li></ul>' +
      '<img src=x onerror="alert(2)">';
    expect(htmlToParagraphs(html)).toEqual([
      'Cards',
      'Never ask for a card in chat.',
      '• Mask',
      '• Use a form',
    ]);
  });

  it('lists a section’s questions and spells out a right order', () => {
    const question: QuestionView = {
      id: 'q1',
      prompt: 'Order',
      kind: 'ordering',
      options: ['b', 'c', 'a'],
      answer: { kind: 'ordering', order: [2, 0, 1] },
    };
    expect(
      sectionQuestions({
        title: null,
        blocks: [
          { type: 'text', html: '<p>x</p>' },
          { type: 'quiz', question },
        ],
      }),
    ).toEqual([question]);
    expect(rightOrder(question)).toEqual(['a', 'b', 'c']);
  });
});

describe('trainer messages', () => {
  const PROBLEMS: PackProblem[] = [
    { code: 'empty' },
    { code: 'tooLarge', limit: 4 * 1024 * 1024 },
    { code: 'tooManyFiles', limit: 501 },
    { code: 'notZip' },
    { code: 'unsafePath', path: '../x.md' },
    { code: 'duplicatePath', path: 'en/a.md' },
    { code: 'notText', path: 'logo.png' },
    { code: 'unsupportedCompression', path: 'en/b.md' },
  ];

  it('says every pack problem in both languages with its details filled in', () => {
    for (const locale of ['en', 'es'] as const) {
      i18n.locale = locale;
      for (const problem of PROBLEMS) {
        const text = problemText(problem);
        expect(text, problem.code).not.toMatch(/[{}]/);
        if ('path' in problem) expect(text).toContain(problem.path);
      }
      expect(problemText({ code: 'tooLarge', limit: 4 * 1024 * 1024 })).toContain('4 MiB');
    }
    i18n.locale = 'en';
  });

  it('has a sentence for the training codes and for codes nobody knows', () => {
    i18n.locale = 'en';
    expect(trainerErrorText({ code: 'packInvalid', message: 'x' })).toMatch(/refused this pack/);
    expect(trainerErrorText({ code: 'trainingOutdated', message: 'x' })).toMatch(/version/);
    expect(trainerErrorText({ code: 'forbidden', message: 'x' })).toBe(
      'Your role does not allow this.',
    );
    expect(trainerErrorText({ code: 'somethingNew', message: 'x' })).toMatch(/could not do this/);
    expect(trainerErrorText(null)).toMatch(/could not do this/);
  });
});
