// The visitor chat served by a real hub, in Debian's Chromium, with a real agent on the other
// end: privacy notice first, masked card numbers, replies, resume after reload, inert XSS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot } from './harness.mjs';
import { connectAgent, startHub } from './hub.mjs';

describe('visitor chat widget', () => {
  let hub;
  let browser;
  let agent;

  before(async () => {
    hub = await startHub();
    browser = await launchBrowser();
    agent = await connectAgent(hub);
  });

  after(async () => {
    agent?.close();
    await browser?.close();
    await hub?.stop();
  });

  it('needs the privacy notice acknowledged, then chats with the agent and resumes after reload', async () => {
    const context = await browser.newContext({
      locale: 'es-ES',
      viewport: { width: 600, height: 720 },
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    page.on('dialog', (dialog) => {
      errors.push(new Error(`dialog opened: ${dialog.message()}`));
      dialog.dismiss();
    });
    await page.goto(`${hub.base}/chat`);

    // Notice first: the composer is not there until the visitor acknowledges.
    await page.getByText('formulario seguro').waitFor();
    assert.equal(await page.locator('#rw-composer').isVisible(), false);
    await screenshot(page, 'widget-notice-es');
    await page.getByRole('button', { name: 'Entendido, empezar el chat' }).click();

    // The hub routes the visitor to the available agent, and says so.
    await page.getByText('Ana se ha unido al chat').waitFor();
    const assigned = await agent.waitFor((f) => f.type === 'assigned');

    // A card number reaches the agent masked.
    await page.locator('#rw-input').fill('mi tarjeta es 4111 1111 1111 1111');
    await page.keyboard.press('Enter');
    const received = await agent.waitFor(
      (f) => f.type === 'message' && f.author.kind === 'visitor',
    );
    assert.equal(received.conversationId, assigned.conversationId);
    assert.ok(!received.text.includes('4111 1111 1111 1111'), received.text);
    assert.ok(received.text.endsWith('1111'));

    // The agent answers; the visitor sees it.
    agent.send({
      type: 'send',
      id: crypto.randomUUID(),
      conversationId: assigned.conversationId,
      text: 'Gracias. Nunca escribas tu tarjeta aquí.',
    });
    await page.getByText('Nunca escribas tu tarjeta aquí').waitFor();

    // An XSS attempt is shown as text and runs nothing, on both ends.
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await page.locator('#rw-input').fill(payload);
    await page.keyboard.press('Enter');
    const xss = await agent.waitFor((f) => f.type === 'message' && f.text.includes('onerror'));
    assert.equal(xss.text, payload);
    await page.getByText(payload).waitFor();
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await screenshot(page, 'widget-chat-es');

    // After a reload the conversation is still there.
    await page.reload();
    await page.getByText('Nunca escribas tu tarjeta aquí').waitFor();
    await page.getByText(payload).waitFor();
    assert.equal(await page.locator('#rw-notice').isVisible(), false);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('serves the chat with a strict content security policy', async () => {
    const response = await fetch(`${hub.base}/chat`);
    const csp = response.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });
});
