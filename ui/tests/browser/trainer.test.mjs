// The trainer screens in Chromium with the IPC mocked (fixtures in trainer-fixtures.mjs): packs
// with import problems and a preview, cohorts and assignments, a live session with its chart and
// controls, the dashboard and its export. Screenshots of each screen in English and Spanish,
// light and dark, go to test-results/ (trainer-<screen>-<lang>-<theme>.png).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { launchBrowser, openConsole, screenshot, startPreview } from './harness.mjs';
import { liveSessionFixture, trainerResponses } from './trainer-fixtures.mjs';

const VARIANTS = [
  { locale: 'en-US', colorScheme: 'light', lang: 'en' },
  { locale: 'es-ES', colorScheme: 'light', lang: 'es' },
  { locale: 'en-US', colorScheme: 'dark', lang: 'en' },
  { locale: 'es-ES', colorScheme: 'dark', lang: 'es' },
];

async function openTrainer(browser, url, variant, overrides = {}) {
  const opened = await openConsole(
    browser,
    url,
    { ...trainerResponses(variant.lang), ...overrides },
    variant,
  );
  await opened.page.setViewportSize({ width: 1440, height: 900 });
  await opened.page.getByTestId('area-trainer').click();
  await opened.page.getByTestId('trainer-area').waitFor();
  return opened;
}

const calls = (page, cmd) =>
  page.evaluate((name) => window.__ipcCalls.filter((c) => c.cmd === name), cmd);

describe('trainer screens', () => {
  let preview;
  let browser;

  before(async () => {
    preview = await startPreview();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await preview?.stop();
  });

  it('lists packs, refuses a bad zip with every problem named, and previews a lesson with answers', async () => {
    const { page, context, errors } = await openTrainer(browser, preview.url, VARIANTS[0]);
    await page.getByTestId('pack').first().waitFor();
    assert.equal(await page.getByTestId('pack').count(), 2);

    const zip = zipSync({
      'pack.toml': strToU8('id = "acme"'),
      '../outside.md': strToU8('# escape'),
      'en/01-latin1.md': new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
    });
    await page.getByTestId('zip-input').setInputFiles({
      name: 'acme-pack.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zip),
    });
    const problems = page.getByTestId('pack-problems');
    await problems.waitFor();
    const text = await problems.textContent();
    assert.match(text, /acme-pack\.zip/);
    assert.match(text, /\.\.\/outside\.md/);
    assert.equal((await calls(page, 'trainer_import_pack')).length, 0, 'nothing sent to the hub');

    await page.getByTestId('preview-lesson').nth(2).click();
    const lesson = page.getByTestId('lesson-preview');
    await lesson.getByText('Card numbers and personal data in chat').waitFor();
    assert.match(await lesson.textContent(), /Right answer/);
    assert.doesNotMatch(await lesson.textContent(), /alert\(1\)/, 'script text is dropped');
    const [call] = await calls(page, 'training_lesson');
    assert.deepEqual(call.args, {
      packId: 'rampart-core',
      lessonId: 'card-data-in-chat',
      language: 'en',
      preview: true,
    });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('sends a valid zip to the hub as pack files and confirms the import', async () => {
    const { page, context } = await openTrainer(browser, preview.url, VARIANTS[0], {
      trainer_import_pack: trainerResponses('en').trainer_packs[1],
    });
    const zip = zipSync({
      'acme/pack.toml': strToU8('id = "acme-refunds"'),
      'acme/en/01.md': strToU8('# Refunds'),
    });
    await page.getByTestId('zip-input').setInputFiles({
      name: 'acme.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zip),
    });
    await page.getByTestId('import-done').waitFor();
    const [call] = await calls(page, 'trainer_import_pack');
    assert.deepEqual(call.args.files, [
      { path: 'en/01.md', text: '# Refunds' },
      { path: 'pack.toml', text: 'id = "acme-refunds"' },
    ]);
    await context.close();
  });

  it('imports a folder with paths relative to it, and the tabs follow the arrow keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-pack-'));
    await mkdir(join(dir, 'acme', 'es'), { recursive: true });
    await writeFile(join(dir, 'acme', 'pack.toml'), 'id = "acme-refunds"');
    await writeFile(join(dir, 'acme', 'es', '01.md'), '# Reembolsos');
    await writeFile(join(dir, 'acme', '.DS_Store'), 'x');
    const { page, context } = await openTrainer(browser, preview.url, VARIANTS[0], {
      trainer_import_pack: trainerResponses('en').trainer_packs[1],
    });
    try {
      await page.getByTestId('folder-input').setInputFiles(join(dir, 'acme'));
      await page.getByTestId('import-done').waitFor();
      const [call] = await calls(page, 'trainer_import_pack');
      assert.deepEqual(call.args.files, [
        { path: 'es/01.md', text: '# Reembolsos' },
        { path: 'pack.toml', text: 'id = "acme-refunds"' },
      ]);

      await page.getByTestId('trainer-tab-packs').focus();
      await page.keyboard.press('ArrowRight');
      assert.equal(
        await page.getByTestId('trainer-tab-cohorts').getAttribute('aria-selected'),
        'true',
      );
      assert.equal(
        await page.evaluate(() => document.activeElement?.dataset.testid),
        'trainer-tab-cohorts',
      );
      await page.keyboard.press('End');
      assert.equal(
        await page.getByTestId('trainer-tab-dashboard').getAttribute('aria-selected'),
        'true',
      );
    } finally {
      await context.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists the hub’s file:line issues for a pack it refused', async () => {
    const { page, context } = await openTrainer(browser, preview.url, VARIANTS[0], {
      trainer_import_pack: {
        $reject: {
          code: 'packInvalid',
          message: 'invalid pack',
          issues: ['en/01.md:12: unknown question kind "essay"', 'pack.toml: missing `version`'],
        },
      },
    });
    await page.getByTestId('zip-input').setInputFiles({
      name: 'acme.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(zipSync({ 'pack.toml': strToU8('id = "x"') })),
    });
    const issues = page.getByTestId('pack-issues');
    await issues.waitFor();
    assert.equal(await issues.locator('tbody tr').count(), 2);
    await context.close();
  });

  it('edits a cohort and assigns a lesson due at the end of the picked day (UTC)', async () => {
    const { page, context } = await openTrainer(browser, preview.url, VARIANTS[0]);
    await page.getByTestId('trainer-tab-cohorts').click();
    await page.getByTestId('member').first().waitFor();
    assert.equal(await page.getByTestId('member').count(), 9);
    assert.equal(await page.locator('[data-testid=member]:checked').count(), 5);
    await page.getByTestId('member-search').fill('grace');
    assert.equal(await page.getByTestId('member').count(), 1);
    await page.getByTestId('member-search').fill('');
    assert.equal(await page.getByTestId('assignments').locator('tbody tr').count(), 3);

    // A new cohort: a name and two members; assignments wait until it is saved.
    await page.getByTestId('new-cohort').click();
    assert.equal(await page.locator('[data-testid=member]:checked').count(), 0);
    assert.equal(await page.getByTestId('assign').count(), 0);
    await page.getByTestId('cohort-name').fill('  December starters ');
    await page.getByTestId('member').nth(6).check();
    await page.getByTestId('member').nth(7).check();
    await page.getByTestId('save-cohort').click();
    await page.waitForFunction(() =>
      window.__ipcCalls.some((c) => c.cmd === 'trainer_save_cohort'),
    );
    const [saved] = await calls(page, 'trainer_save_cohort');
    assert.deepEqual(saved.args, {
      id: null,
      request: { name: 'December starters', members: ['a7', 'a8'] },
    });
    // The mock answers with the first cohort, which the editor now shows.
    await page.getByTestId('assign').waitFor();

    await page
      .getByTestId('assign-lesson')
      .selectOption(JSON.stringify(['rampart-core', 'working-remotely']));
    await page.getByTestId('assign-due').fill('2026-12-18');
    await page.getByTestId('assign').click();
    await page.waitForFunction(() => window.__ipcCalls.some((c) => c.cmd === 'trainer_assign'));
    const [call] = await calls(page, 'trainer_assign');
    assert.deepEqual(call.args, {
      cohort: 'c-march',
      request: {
        packId: 'rampart-core',
        lessonId: 'working-remotely',
        dueAt: Date.UTC(2026, 11, 18, 23, 59, 59, 999),
      },
    });
    await context.close();
  });

  it('runs a live session: code, chart with the right answer, keyboard sections, end with confirmation', async () => {
    const { page, context, errors } = await openTrainer(browser, preview.url, VARIANTS[0]);
    await page.getByTestId('trainer-tab-live').click();
    await page
      .getByTestId('live-lesson')
      .selectOption(JSON.stringify(['rampart-core', 'card-data-in-chat']));
    await page.getByTestId('live-start').click();
    await page.getByTestId('live-session').waitFor();
    assert.match(await page.getByTestId('join-code').textContent(), /K\s*7\s*P\s*4\s*Q\s*X/);
    const [start] = await calls(page, 'trainer_live_start');
    assert.deepEqual(start.args, {
      start: { packId: 'rampart-core', lessonId: 'card-data-in-chat', language: 'en' },
    });
    const chart = page.getByTestId('live-chart');
    assert.equal(await chart.locator('rect.bar').count(), 4);
    assert.equal(await chart.locator('rect.bar.right').count(), 1);
    assert.match(
      await chart.locator('[role=img]').getAttribute('aria-label'),
      /right answer\): 3 \(75%\)/,
    );

    await page.keyboard.press('Alt+ArrowRight');
    await page.waitForFunction(() =>
      window.__ipcCalls.some((c) => c.cmd === 'trainer_live_control'),
    );
    const [next] = await calls(page, 'trainer_live_control');
    assert.deepEqual(next.args, { session: 'live-1', control: { type: 'goto', section: 1 } });

    await page.getByTestId('live-end').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await page.keyboard.press('Escape');
    assert.equal((await calls(page, 'trainer_live_control')).length, 1, 'Escape cancels');
    await page.getByTestId('live-end').click();
    await page.getByTestId('confirm').click();
    await page.waitForFunction(
      () => window.__ipcCalls.filter((c) => c.cmd === 'trainer_live_control').length === 2,
    );
    const ended = (await calls(page, 'trainer_live_control'))[1];
    assert.deepEqual(ended.args.control, { type: 'end' });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows the dashboard with states in words and exports it as CSV', async () => {
    const { page, context } = await openTrainer(browser, preview.url, VARIANTS[0]);
    await page.getByTestId('trainer-tab-dashboard').click();
    await page.getByTestId('dashboard-row').first().waitFor();
    assert.equal(await page.getByTestId('dashboard-row').count(), 5);
    assert.match(await page.getByTestId('dashboard-summary').textContent(), /2 of 5 may take/);
    const table = await page.getByTestId('dashboard-table').textContent();
    for (const word of ['Passed', 'Not passed', 'Expired', 'Expiring soon', 'Overdue since']) {
      assert.ok(table.includes(word), word);
    }
    await page.getByTestId('dashboard-find').fill('diego');
    assert.equal(await page.getByTestId('dashboard-row').count(), 1);
    await page.getByTestId('dashboard-find').fill('');
    await page.getByTestId('export-csv').click();
    await page.getByTestId('export-done').waitFor();
    assert.match(await page.getByTestId('export-done').textContent(), /rampart-training-/);
    const [exported] = await calls(page, 'trainer_export_csv');
    assert.deepEqual(exported.args, { cohort: null });
    await context.close();
  });

  for (const variant of VARIANTS) {
    const suffix = `${variant.lang}-${variant.colorScheme}`;
    it(`takes screenshots (${suffix})`, async () => {
      // The dark passes show a question still open (answered ticks, no right answer yet).
      const open = variant.colorScheme === 'dark';
      const { page, context, errors } = await openTrainer(browser, preview.url, variant, {
        trainer_live_start: liveSessionFixture(variant.lang, open),
      });
      await page.getByTestId('pack').first().waitFor();
      await page.getByTestId('zip-input').setInputFiles({
        name: 'acme-pack.zip',
        mimeType: 'application/zip',
        buffer: Buffer.from(
          zipSync({
            'pack.toml': strToU8('id = "acme"'),
            '../outside.md': strToU8('x'),
            'en/01-latin1.md': new Uint8Array([0xe9]),
          }),
        ),
      });
      await page.getByTestId('pack-problems').waitFor();
      await page.getByTestId('preview-lesson').nth(2).click();
      await page.getByTestId('question').first().waitFor();
      await screenshot(page, `trainer-packs-${suffix}`);

      await page.getByTestId('trainer-tab-cohorts').click();
      await page.getByTestId('member').first().waitFor();
      await screenshot(page, `trainer-cohorts-${suffix}`);

      await page.getByTestId('trainer-tab-live').click();
      await page
        .getByTestId('live-lesson')
        .selectOption(JSON.stringify(['rampart-core', 'card-data-in-chat']));
      await page.getByTestId('live-start').click();
      await page.getByTestId('live-chart').waitFor();
      await screenshot(page, `trainer-live-${suffix}`);

      await page.getByTestId('trainer-tab-dashboard').click();
      await page.getByTestId('dashboard-row').first().waitFor();
      await page.getByTestId('export-csv').click();
      await page.getByTestId('export-done').waitFor();
      await screenshot(page, `trainer-dashboard-${suffix}`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
