// Component flows of the welcome screen in Chromium with the IPC mocked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openConsole, screenshot, startPreview } from './harness.mjs';

const APP_INFO = {
  product: 'Rampart Console',
  version: '9.9.9-mock',
  buildKind: 'release',
  keychainNamespace: 'rampart-console',
  platform: 'linux',
};

describe('welcome screen', () => {
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

  it('shows the version and build kind from app_info', async () => {
    const { page, context, errors } = await openConsole(browser, preview.url, {
      app_info: APP_INFO,
    });
    const version = page.getByTestId('app-version');
    await version.waitFor();
    assert.equal(await version.textContent(), 'Version 9.9.9-mock');
    assert.equal(await page.getByTestId('build-kind').textContent(), 'Release build');
    const calls = await page.evaluate(() => window.__ipcCalls.map((c) => c.cmd));
    assert.deepEqual(calls, ['app_info']);
    assert.deepEqual(errors, []);
    await screenshot(page, 'welcome-en-light');
    await context.close();
  });

  it('follows a Spanish OS locale and can switch back to English', async () => {
    const { page, context } = await openConsole(
      browser,
      preview.url,
      { app_info: APP_INFO },
      { locale: 'es-MX' },
    );
    await page.getByTestId('app-version').waitFor();
    assert.equal(await page.getByTestId('app-version').textContent(), 'Versión 9.9.9-mock');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.getByTestId('language').selectOption('en');
    assert.equal(await page.getByTestId('app-version').textContent(), 'Version 9.9.9-mock');
    await context.close();
  });

  it('follows a dark OS theme and toggles to light', async () => {
    const { page, context } = await openConsole(
      browser,
      preview.url,
      { app_info: APP_INFO },
      { colorScheme: 'dark', locale: 'es-ES' },
    );
    await page.getByTestId('app-version').waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await screenshot(page, 'welcome-es-dark');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
    await context.close();
  });

  it('shows a safe error when the core fails', async () => {
    const { page, context } = await openConsole(browser, preview.url, {
      app_info: { $reject: { code: 'internal', message: 'core unavailable' } },
    });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /core unavailable/);
    await context.close();
  });
});
