// Component flows of the console's first screens in Chromium with the IPC mocked: setup, the demo
// sign-in card, the TOTP step with translated errors, language and theme.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launchBrowser, openConsole, screenshot, startPreview } from './harness.mjs';

const APP_INFO = {
  product: 'Rampart Console',
  version: '9.9.9-mock',
  buildKind: 'release',
  keychainNamespace: 'rampart-console',
  platform: 'linux',
  captureProtection: 'unsupported',
};

const SETUP = {
  phase: 'setup',
  hub: null,
  demo: null,
  profile: null,
  lastUsername: null,
  idleLockSecs: 900,
  locale: null,
};

const DEMO = {
  ...SETUP,
  phase: 'signedOut',
  hub: 'demo',
  demo: { username: 'demo.agent', password: 'amber-falcon-quartz-river-42' },
  lastUsername: 'demo.agent',
};

const BASE = {
  app_info: APP_INFO,
  subscribe_events: null,
  console_state: SETUP,
  set_locale: null,
};

/** An active console with one open Spanish conversation; `answers` override command results. */
function activeConsole(conversation, { messageCount = 0, profile = {}, ...answers } = {}) {
  return {
    ...BASE,
    console_state: {
      ...DEMO,
      phase: 'active',
      profile: { id: 'a', username: 'demo.agent', displayName: 'Alex', role: 'agent', ...profile },
    },
    snapshot: {
      queue: [],
      queueTotal: 0,
      conversations: [
        {
          id: conversation,
          locale: 'es',
          open: true,
          unread: 0,
          lastAt: 1,
          preview: '',
          messageCount,
          typing: false,
        },
      ],
      connection: { status: 'online' },
      availability: 'available',
    },
    focus_conversation: null,
    conversation_messages: [],
    conversation_forms: [],
    ...answers,
  };
}

describe('console first screens', () => {
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

  it('shows the version and build kind, and the setup screen when no hub is configured', async () => {
    const { page, context, errors } = await openConsole(browser, preview.url, BASE);
    const version = page.getByTestId('app-version');
    await version.waitFor();
    assert.equal(await version.textContent(), 'Version 9.9.9-mock');
    assert.equal(await page.getByTestId('build-kind').textContent(), 'Release build');
    await page.getByTestId('start-demo').waitFor();
    const calls = await page.evaluate(() => window.__ipcCalls.map((c) => c.cmd).sort());
    assert.deepEqual(calls, ['app_info', 'console_state', 'subscribe_events']);
    assert.deepEqual(errors, []);
    await screenshot(page, 'setup-en-light');
    await context.close();
  });

  it('starts the demo, shows its account and code, and walks to the TOTP step', async () => {
    const { page, context } = await openConsole(browser, preview.url, {
      ...BASE,
      start_demo: DEMO,
      demo_code: { code: '123456', secondsLeft: 17 },
      sign_in: { step: 'totp' },
      verify_code: { $reject: { code: 'totpReplayed', message: 'replayed' } },
    });
    await page.getByTestId('start-demo').click();
    await page.getByTestId('demo-card').waitFor();
    assert.equal(await page.getByTestId('demo-password').textContent(), DEMO.demo.password);
    assert.equal(await page.getByTestId('demo-code').textContent(), '123456');
    assert.equal(await page.getByTestId('username').inputValue(), 'demo.agent');
    await screenshot(page, 'signin-demo-en');
    await page.getByTestId('password').fill(DEMO.demo.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('totp').fill('123456');
    await page.getByTestId('totp-submit').click();
    const error = page.getByTestId('code-error');
    await error.waitFor();
    assert.equal(await error.textContent(), 'That code was already used. Wait for the next one.');
    const signIn = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'sign_in'));
    assert.deepEqual(signIn.args, { username: 'demo.agent', password: DEMO.demo.password });
    await context.close();
  });

  it('explains a lockout with the time left, in Spanish', async () => {
    const lockedUntil = Date.now() + 29 * 60 * 1000 + 5000;
    const { page, context } = await openConsole(
      browser,
      preview.url,
      {
        ...BASE,
        console_state: { ...DEMO, demo: null, hub: 'https://hub.example.com' },
        sign_in: { $reject: { code: 'lockedOut', message: 'locked', lockedUntil } },
      },
      { locale: 'es-MX' },
    );
    await page.getByTestId('password').fill('whatever it is');
    await page.getByTestId('signin-submit').click();
    const error = page.getByTestId('signin-error');
    await error.waitFor();
    assert.equal(
      await error.textContent(),
      'Esta cuenta está bloqueada 30 min más tras demasiados intentos fallidos.',
    );
    assert.equal(await page.getByTestId('hub-name').textContent(), 'Hub: https://hub.example.com');
    await context.close();
  });

  it("sets a first password with live policy hints and the hub's reasons, in Spanish", async () => {
    const { page, context } = await openConsole(
      browser,
      preview.url,
      {
        ...BASE,
        console_state: { ...DEMO, demo: null, hub: 'https://hub.example.com', lastUsername: null },
        check_password: [{ code: 'tooShort', min: 12, actual: 5 }],
        enroll: {
          $reject: {
            code: 'passwordRejected',
            message: 'rejected',
            rejections: [{ code: 'containsContext', field: 'organisation' }],
          },
        },
      },
      { locale: 'es-ES' },
    );
    await page.getByTestId('first-signin').click();
    await page.getByTestId('first-username').fill('nuria');
    await page.getByTestId('first-code').fill('a1b2c3');
    await page.getByTestId('first-password').fill('corta');
    const hints = page.getByTestId('password-hints');
    await hints.getByText('Use al menos 12 caracteres (ahora 5).').waitFor();
    assert.equal(await page.getByTestId('first-submit').isDisabled(), true, 'hints block submit');
    await screenshot(page, 'first-signin-es');
    // The hub has the last word: its reasons replace the local ones.
    await page.evaluate(() => {
      window.__TAURI_INTERNALS__.invoke = ((invoke) => async (cmd, args) =>
        cmd === 'check_password' ? [] : invoke(cmd, args))(window.__TAURI_INTERNALS__.invoke);
    });
    await page.getByTestId('first-password').fill('acme-lantern-harbor-93');
    await page.getByTestId('first-confirm').fill('acme-lantern-harbor-93');
    await page.getByText('Esta contraseña cumple la política.').waitFor();
    await page.getByTestId('first-submit').click();
    await page.getByTestId('first-error').waitFor();
    await hints
      .getByText('No use su nombre, su usuario ni el nombre de la organización.')
      .waitFor();
    const enroll = await page.evaluate(() => window.__ipcCalls.find((c) => c.cmd === 'enroll'));
    assert.deepEqual(enroll.args, {
      username: 'nuria',
      code: 'a1b2c3',
      password: 'acme-lantern-harbor-93',
    });
    await context.close();
  });

  it('scrolls a 1,000-message transcript to its first message, 50 at a time, loading it in pages and keeping the place', async () => {
    const conversation = '0190f1a2-0000-7000-8000-0000000000c1';
    const messages = Array.from({ length: 1000 }, (_, i) => ({
      conversationId: conversation,
      id: `0190f1a2-0000-7000-8000-${String(i).padStart(12, '0')}`,
      seq: i + 1,
      author: { kind: 'visitor' },
      text: `message number ${i}`,
      spans: [],
      sentAt: 1_700_000_000_000 + i * 1000,
      own: false,
      delivery: 'delivered',
    }));
    const { page, context, errors } = await openConsole(
      browser,
      preview.url,
      activeConsole(conversation, {
        messageCount: 1000,
        conversation_messages: { $messages: messages },
      }),
    );
    const transcript = page.getByTestId('transcript');
    await transcript.getByText('message number 999', { exact: true }).waitFor();
    assert.ok((await page.getByTestId('message').count()) <= 200, 'at most a window in the DOM');
    assert.equal(
      await page.locator('.earlier').textContent(),
      '800 earlier messages, scroll up to see them',
      'counts the messages not loaded yet too',
    );
    // Count the messages taken out of the page: a slide takes out at most one step of 50, and
    // a page put in front must not replace the window (it once did, twice over, for each page).
    await transcript.evaluate((el) => {
      window.__removed = 0;
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.removedNodes) {
            if (node instanceof HTMLElement && node.dataset.id) window.__removed += 1;
          }
        }
      }).observe(el, { childList: true });
    });
    let slides = 0;
    while (!(await transcript.getByText('message number 0', { exact: true }).count())) {
      await transcript.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.waitForTimeout(50);
      const top = await transcript.evaluate((el) => el.scrollTop);
      assert.ok(top > 40, `the reading position is kept after a slide (scrollTop ${top})`);
      slides += 1;
      assert.ok(slides <= 17, 'reached the first message in at most 17 slides of 50');
    }
    assert.ok((await page.getByTestId('message').count()) <= 200);
    assert.equal(await page.locator('.earlier').count(), 0, 'nothing earlier is left');
    const removed = await page.evaluate(() => window.__removed);
    assert.ok(
      removed <= 50 * slides,
      `${removed} messages taken out of the page in ${slides} slides of 50`,
    );
    // Only the end was loaded on opening, then one page of 300 above the oldest held each time.
    const pages = await page.evaluate(() =>
      window.__ipcCalls.filter((c) => c.cmd === 'conversation_messages').map((c) => c.args),
    );
    assert.deepEqual(
      pages.map((p) => [p.limit, p.before && Number(p.before.slice(-12))]),
      [
        [300, null],
        [300, 700],
        [300, 400],
        [300, 100],
      ],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('offers the hub’s custom secure forms and shows their fields masked, in Spanish', async () => {
    const conversation = '0190f1a2-0000-7000-8000-0000000000c2';
    const policy = JSON.parse(
      await readFile(new URL('../fixtures/custom-form.json', import.meta.url), 'utf8'),
    );
    const { page, context, errors } = await openConsole(
      browser,
      preview.url,
      activeConsole(conversation, {
        profile: { customForms: [policy] },
        conversation_forms: [
          {
            conversationId: conversation,
            formId: '0190f1a2-0000-7000-8000-0000000000f2',
            kind: { custom: 'policy-check' },
            expiresAt: 1,
            definition: policy,
            fields: [
              { name: 'policyNumber', masked: '•••• 2913', revealable: true },
              { name: 'pin', masked: '••••••', revealable: true },
            ],
          },
        ],
        request_form: null,
      }),
      { locale: 'es-ES' },
    );
    const panel = page.getByTestId('secure-forms');
    await panel.getByTestId('secure-form').getByText('Comprobación de póliza').waitFor();
    const menu = page.getByTestId('request-form');
    const options = await menu.locator('option').allTextContents();
    assert.deepEqual(options.slice(1), [
      'Pago con tarjeta',
      'Número de seguro social',
      'Documento de identidad (DNI/NIE)',
      'Fecha de nacimiento',
      'Comprobación de póliza',
    ]);
    assert.equal(await panel.getByText('Número de póliza').count(), 1);
    assert.equal(await panel.getByText('•••• 2913').count(), 1);
    assert.equal(
      await panel.getByTestId('reveal-field-pin').textContent(),
      'Mostrar una vez',
      'a field defined to show once says so',
    );
    assert.equal(await panel.getByTestId('reveal-field-policyNumber').textContent(), 'Mostrar');
    await screenshot(page, 'console-custom-form-es');
    // Choosing it asks the core for that custom form.
    await menu.focus();
    await menu.selectOption('custom:policy-check');
    const calls = await page.evaluate(() =>
      window.__ipcCalls.filter((c) => c.cmd === 'request_form').map((c) => c.args),
    );
    assert.deepEqual(calls, [{ conversation, form: { custom: 'policy-check' } }]);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('follows a Spanish OS locale and can switch back to English', async () => {
    const { page, context } = await openConsole(browser, preview.url, BASE, { locale: 'es-MX' });
    await page.getByTestId('app-version').waitFor();
    assert.equal(await page.getByTestId('app-version').textContent(), 'Versión 9.9.9-mock');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await page.getByTestId('language').selectOption('en');
    assert.equal(await page.getByTestId('app-version').textContent(), 'Version 9.9.9-mock');
    await context.close();
  });

  it('follows a dark OS theme and toggles to light', async () => {
    const { page, context } = await openConsole(browser, preview.url, BASE, {
      colorScheme: 'dark',
      locale: 'es-ES',
    });
    await page.getByTestId('start-demo').waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await screenshot(page, 'setup-es-dark');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
    await context.close();
  });

  it('shows a safe error when the core fails', async () => {
    const { page, context } = await openConsole(browser, preview.url, {
      ...BASE,
      app_info: { $reject: { code: 'internal', message: 'core unavailable' } },
    });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.textContent(), /core unavailable/);
    await context.close();
  });
});
