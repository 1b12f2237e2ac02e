// A hub hosting several organisations, in Debian's Chromium: `/chat?org=acme` (and the embed
// tag's `data-org="acme"`) opens Acme's chat, whose visitor reaches Acme's agent and never the
// default organisation's, although that one is free too; an organisation the hub does not host
// gets a clear "not available" and no conversation, never the default organisation's chat. The
// hub says so only when the chat would start: the privacy notice is the same for every
// organisation, so the page cannot be used to list the organisations a hub hosts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot } from './harness.mjs';
import { connectAgent, enrollmentCodeOf, startHub } from './hub.mjs';
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
  let acmeAgent;
  let site;

  before(async () => {
    site = await startSite('127.0.0.1', 'localhost');
    hub = await startHub({ extraConfig: `[widget]\nembed_origins = ["${site.origin}"]\n` });
    site.hub = hub.base;
    hub.admin('org', 'create', 'acme', '--name', 'Acme Corp');
    browser = await launchBrowser();
    // Ana is the default organisation's agent, Wile is Acme's; both available throughout.
    agent = await connectAgent(hub);
    const created = hub.admin(
      'agent',
      'create',
      '--org',
      'acme',
      '--username',
      'wile',
      '--display-name',
      'Wile',
    );
    acmeAgent = await connectAgent(hub, {
      username: 'wile',
      enrollmentCode: enrollmentCodeOf(created),
    });
  });

  after(async () => {
    agent?.close();
    acmeAgent?.close();
    await browser?.close();
    await hub?.stop();
    await site?.stop();
  });

  it('refuses an organisation the hub does not host when the chat would start, in the visitor language', async () => {
    for (const [locale, accept, text] of [
      ['en-GB', 'I understand, start the chat', 'This chat is not available'],
      ['es-ES', 'Entendido, empezar el chat', 'Este chat no está disponible'],
    ]) {
      const { context, page, errors } = await openChat(
        browser,
        `${hub.base}/chat?org=nope`,
        locale,
      );
      // The notice is the hub's, shown as for any organisation; starting the chat is refused.
      await page.getByRole('button', { name: accept }).click();
      await page.getByText(text).waitFor();
      assert.equal(await page.locator('#rw-accept').isDisabled(), true);
      assert.equal(await page.locator('#rw-composer').isVisible(), false);
      assert.equal(
        await page.evaluate(() => sessionStorage.getItem('rampart.visitor.nope')),
        null,
        'no conversation',
      );
      if (locale === 'en-GB') await screenshot(page, 'widget-unknown-org-en');
      assert.deepEqual(errors, []);
      await context.close();
    }
    // Nothing reached either organisation's agent.
    for (const someone of [agent, acmeAgent]) {
      assert.ok(
        !someone.frames.some(
          (f) => f.type === 'assigned' || (f.type === 'queue' && f.waiting.length > 0),
        ),
        JSON.stringify(someone.frames.filter((f) => f.type === 'queue' || f.type === 'assigned')),
      );
    }
  });

  it("opens Acme's chat, whose visitor reaches Acme's agent and never another organisation's", async () => {
    const { context, page, errors } = await openChat(browser, `${hub.base}/chat?org=acme`);
    await page.getByRole('button', { name: 'I understand, start the chat' }).click();
    await page.locator('#rw-composer').waitFor();
    const conversationId = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('rampart.visitor.acme')).conversationId,
    );
    assert.ok(conversationId);
    // Acme's agent gets the visitor, and the visitor sees who joined.
    const assigned = await acmeAgent.waitFor(
      (f) => f.type === 'assigned' && f.conversationId === conversationId,
    );
    assert.equal(assigned.conversationId, conversationId);
    await page.getByText('Wile joined the chat').waitFor();
    // The conversation works both ways between them.
    await page.locator('#rw-input').fill('Hello Acme');
    await page.keyboard.press('Enter');
    const received = await acmeAgent.waitFor(
      (f) =>
        f.type === 'message' && f.conversationId === conversationId && f.author.kind === 'visitor',
    );
    assert.equal(received.text, 'Hello Acme');
    acmeAgent.send({
      type: 'send',
      id: crypto.randomUUID(),
      conversationId,
      text: 'Acme here, how can we help?',
    });
    await page.getByText('Acme here, how can we help?').waitFor();
    // Ana was free all along, but this visitor is Acme's: she heard nothing of it.
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
    // The notice, ready to accept, in the frame that names Acme.
    await frame.getByRole('button', { name: 'I understand, start the chat' }).waitFor();
    assert.equal(
      await frame.getByRole('button', { name: 'I understand, start the chat' }).isDisabled(),
      false,
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
});
