// The one-tag embed, in Debian's Chromium against a real hub and a real agent: a customer's page
// on another origin, under a strict CSP of its own (Trusted Types included), includes
// `<script src="HUB/embed.js" async>`; the visitor opens the launcher with the keyboard, accepts
// the privacy notice inside the frame, chats with the agent, and Escape closes the panel and
// returns focus to the launcher. A site that is not in `[widget] embed_origins` gets no chat,
// and the plain `/chat` page cannot be framed by anyone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot } from './harness.mjs';
import { connectAgent, startHub } from './hub.mjs';
import { startSite } from './site.mjs';

/** Records console errors and uncaught exceptions of a page. */
function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

async function until(predicate, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The element focused in the page, looking into the launcher's shadow root. */
function focused(page) {
  return page.evaluate(() => {
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active ? `${active.tagName.toLowerCase()}:${active.textContent || active.title}` : null;
  });
}

describe('one-tag embed on a customer site', () => {
  let hub;
  let browser;
  let agent;
  let site;
  let otherSite;

  before(async () => {
    // The hub listens on 127.0.0.1. The listed site is another site (`localhost`), the unlisted
    // one another loopback address, so each frame is a real cross-site frame.
    site = await startSite('127.0.0.1', 'localhost');
    otherSite = await startSite('127.0.0.2');
    hub = await startHub({ extraConfig: `[widget]\nembed_origins = ["${site.origin}"]\n` });
    site.hub = otherSite.hub = hub.base;
    browser = await launchBrowser();
    agent = await connectAgent(hub);
  });

  after(async () => {
    agent?.close();
    await browser?.close();
    await hub?.stop();
    await site?.stop();
    await otherSite?.stop();
  });

  it('opens from the keyboard, chats with the agent, and Escape returns focus to the launcher', async () => {
    const context = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 1000, height: 800 },
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.origin}/`);

    // data-locale="es" wins over the browser's English; the page's strict CSP (no styles at
    // all, Trusted Types) leaves the launcher styled and raises nothing.
    const launcher = page.getByRole('button', { name: 'Chatea con nosotros' });
    await launcher.waitFor();
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    const style = await launcher.evaluate((el) => {
      const s = getComputedStyle(el);
      return {
        color: s.color,
        background: s.backgroundColor,
        position: getComputedStyle(el.getRootNode().host).position,
      };
    });
    assert.deepEqual(style, {
      color: 'rgb(255, 255, 255)',
      background: 'rgb(29, 78, 216)',
      position: 'fixed',
    });

    // Keyboard only: the page's link, then the launcher, with a visible focus ring.
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'a:Offers');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button:Chatea con nosotros');
    assert.equal(await launcher.evaluate((el) => getComputedStyle(el).outlineStyle), 'solid');
    await screenshot(page, 'embed-launcher-focused');

    // Enter opens the panel and moves focus into the frame, onto the notice's button.
    await page.keyboard.press('Enter');
    assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
    const frameElement = page.locator('iframe[title="Chatea con nosotros"]');
    await frameElement.waitFor();
    assert.equal(
      await frameElement.getAttribute('sandbox'),
      'allow-scripts allow-same-origin allow-forms',
    );
    const chat = page.frameLocator('iframe[title="Chatea con nosotros"]');
    const accept = chat.getByRole('button', { name: 'Entendido, empezar el chat' });
    await chat.getByText('formulario seguro').waitFor();
    await until(
      () => accept.evaluate((el) => el === document.activeElement && document.hasFocus()),
      'focus on the notice button inside the frame',
    );
    await screenshot(page, 'embed-notice-es');

    // Accept with the keyboard; the hub routes the visitor to the agent.
    await page.keyboard.press('Enter');
    await chat.getByText('Ana se ha unido al chat').waitFor();
    const assigned = await agent.waitFor((f) => f.type === 'assigned');
    await until(
      () => chat.locator('#rw-input').evaluate((el) => el === document.activeElement),
      'focus on the composer',
    );
    await page.keyboard.type('Hola desde la tienda');
    await page.keyboard.press('Enter');
    const received = await agent.waitFor(
      (f) =>
        f.type === 'message' && f.author.kind === 'visitor' && f.text === 'Hola desde la tienda',
    );
    assert.equal(received.conversationId, assigned.conversationId);
    agent.send({
      type: 'send',
      id: crypto.randomUUID(),
      conversationId: assigned.conversationId,
      text: '<b>Hola</b>, ¿en qué te ayudo?',
    });
    await chat.getByText('<b>Hola</b>, ¿en qué te ayudo?').waitFor();
    await screenshot(page, 'embed-chat-es');

    // Escape inside the frame closes the panel and puts focus back on the launcher.
    await page.keyboard.press('Escape');
    await until(async () => !(await frameElement.isVisible()), 'the panel to close');
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    assert.equal(await focused(page), 'button:Chatea con nosotros');

    // Reopened, the conversation is still there; Escape on the launcher closes it too.
    await page.keyboard.press('Enter');
    await chat.getByText('Hola desde la tienda').waitFor();
    await until(() => frameElement.isVisible(), 'the panel to reopen');
    await launcher.focus();
    await page.keyboard.press('Escape');
    await until(async () => !(await frameElement.isVisible()), 'the panel to close again');
    assert.equal(await focused(page), 'button:Chatea con nosotros');

    // The host page holds none of it: no token in its storage or cookies, no way into the frame.
    const hostState = await page.evaluate(() => ({
      storage: sessionStorage.length + localStorage.length,
      cookie: document.cookie,
      frameDocument: document
        .querySelector('[data-rampart-chat]')
        .shadowRoot.querySelector('iframe').contentDocument,
    }));
    assert.deepEqual(hostState, { storage: 0, cookie: '', frameDocument: null });
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('takes only a known locale from the address', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    for (const [asked, button] of [
      ['es', 'Entendido, empezar el chat'],
      ['__proto__', 'I understand, start the chat'],
      ['constructor', 'I understand, start the chat'],
      ['fr', 'I understand, start the chat'],
    ]) {
      await page.goto(`${hub.base}/chat?locale=${asked}`);
      await page.getByRole('button', { name: button }).waitFor({ timeout: 5000 });
    }
    await context.close();
  });

  it('a site that is not listed gets no chat, and nobody may frame the plain page', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${otherSite.origin}/`);
    const launcher = page.getByRole('button', { name: 'Chatea con nosotros' });
    await launcher.click();
    await until(
      () => errors.some((e) => e.includes('frame-ancestors') && e.includes(site.origin)),
      'the browser to refuse the frame',
    );
    const chatFrame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(chatFrame, 'the loader made its frame');
    assert.equal(await chatFrame.locator('#rw-accept').count(), 0, 'no chat in the frame');
    assert.notEqual(new URL(chatFrame.url()).origin, hub.base, chatFrame.url());

    // The listed site cannot frame /chat without ?embed=1 either.
    const listed = await context.newPage();
    const listedErrors = watchErrors(listed);
    await listed.goto(`${site.origin}/plain`);
    await until(
      () => listedErrors.some((e) => e.includes("frame-ancestors 'none'")),
      'the browser to refuse the plain page',
    );
    const plain = listed.frames().find((f) => f !== listed.mainFrame());
    assert.equal(await plain.locator('#rw-accept').count(), 0);
    await context.close();
  });
});
