// A hub hosting several organisations, in Debian's Chromium: `/chat?org=acme` (and the embed
// tag's `data-org="acme"`) opens Acme's chat, whose visitor waits for Acme's agents even while
// the default organisation's agent is free; an organisation the hub does not host gets a clear
// "not available" and no conversation, never the default organisation's chat.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot } from './harness.mjs';
import { connectAgent, startHub } from './hub.mjs';
import { startSite } from './site.mjs';

async function openChat(browser, url, locale = 'en-GB') {
  const context = await browser.newContext({ locale, viewport: { width: 600, height: 720 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(url);
  return { context, page, errors };
}

describe('organisations in the visitor chat', () => {
  let hub;
  let browser;
  let agent;
  let site;

  before(async () => {
    site = await startSite('127.0.0.1', 'localhost');
    hub = await startHub({ extraConfig: `[widget]\nembed_origins = ["${site.origin}"]\n` });
    site.hub = hub.base;
    hub.admin('org', 'create', 'acme', '--name', 'Acme Corp');
    browser = await launchBrowser();
    // Ana is the default organisation's agent, available throughout.
    agent = await connectAgent(hub);
  });

  after(async () => {
    agent?.close();
    await browser?.close();
    await hub?.stop();
    await site?.stop();
  });

  it('refuses an organisation the hub does not host, in the visitor language', async () => {
    for (const [locale, text] of [
      ['en-GB', 'This chat is not available'],
      ['es-ES', 'Este chat no está disponible'],
    ]) {
      const { context, page, errors } = await openChat(
        browser,
        `${hub.base}/chat?org=nope`,
        locale,
      );
      await page.getByText(text).waitFor();
      assert.equal(await page.locator('#rw-accept').isDisabled(), true);
      assert.equal(await page.locator('#rw-composer').isVisible(), false);
      if (locale === 'en-GB') await screenshot(page, 'widget-unknown-org-en');
      assert.deepEqual(errors, []);
      await context.close();
    }
    // Nothing reached the default organisation's agent.
    assert.ok(
      !agent.frames.some((f) => f.type === 'queue' && f.waiting.length > 0),
      JSON.stringify(agent.frames.filter((f) => f.type === 'queue')),
    );
  });

  it("opens Acme's chat, whose visitor is never offered to another organisation's agent", async () => {
    const { context, page, errors } = await openChat(browser, `${hub.base}/chat?org=acme`);
    await page.getByRole('button', { name: 'I understand, start the chat' }).click();
    await page.locator('#rw-composer').waitFor();
    const conversationId = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('rampart.visitor.acme')).conversationId,
    );
    assert.ok(conversationId);
    // Ana is free, but this visitor is Acme's: no assignment, and not in her queue either.
    await new Promise((r) => setTimeout(r, 1000));
    const about = agent.frames.filter((f) => JSON.stringify(f).includes(conversationId));
    assert.deepEqual(about, []);
    assert.equal(await page.getByText('Ana').count(), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("passes the embed tag's data-org to the chat frame", async () => {
    const { context, page, errors } = await openChat(browser, `${site.origin}/acme`);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const frameElement = page.locator('iframe');
    const src = await frameElement.getAttribute('src');
    assert.match(src, /[?&]org=acme(&|$)/);
    const frame = page.frameLocator('iframe');
    // Acme's notice, ready to accept: the hub knows the organisation.
    await frame.getByRole('button', { name: 'I understand, start the chat' }).waitFor();
    assert.equal(
      await frame.getByRole('button', { name: 'I understand, start the chat' }).isDisabled(),
      false,
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
});
