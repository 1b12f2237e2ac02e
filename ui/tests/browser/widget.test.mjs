// The visitor chat served by a real hub, in Debian's Chromium, with a real agent on the other
// end: privacy notice first, masked card numbers, replies, resume after reload, inert XSS, and
// secure forms (checked in the page, refused by the hub, sent masked to the agent, never in the
// transcript, shown once however often the hub re-announces them).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launchBrowser, screenshot } from './harness.mjs';
import { connectAgent, startHub } from './hub.mjs';

async function until(predicate, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Routes the page's visitor socket through the test, unchanged, recording what each socket
 * (one per connect) sends and receives; `sockets[i].ws` can cut or inject into a socket.
 */
async function watchVisitorSocket(page) {
  const sockets = [];
  await page.routeWebSocket(/\/ws\/visitor$/, (ws) => {
    const socket = { ws, sent: [], received: [] };
    sockets.push(socket);
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      socket.sent.push(JSON.parse(message));
      server.send(message);
    });
    server.onMessage((message) => {
      socket.received.push(JSON.parse(message));
      ws.send(message);
    });
  });
  return {
    sockets,
    sent: () => sockets.flatMap((s) => s.sent),
    latest: () => sockets[sockets.length - 1],
  };
}

/** Opens the chat as a Spanish-speaking visitor, accepts the notice and waits for the agent. */
async function startVisitor(browser, hub, agent) {
  const context = await browser.newContext({
    locale: 'es-ES',
    viewport: { width: 600, height: 720 },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  const visitorSocket = await watchVisitorSocket(page);
  await page.goto(`${hub.base}/chat`);
  await page.getByRole('button', { name: 'Entendido, empezar el chat' }).click();
  await page.getByText('Ana se ha unido al chat').waitFor();
  const conversationId = await page.evaluate(
    () => JSON.parse(sessionStorage.getItem('rampart.visitor')).conversationId,
  );
  await agent.waitFor((f) => f.type === 'assigned' && f.conversationId === conversationId);
  return { context, page, errors, conversationId, visitorSocket };
}

/** Room for every test's visitor with Ana at once, and the hub tests' custom secure form. */
const HUB_CONFIG = `[chat]\nagent_capacity = 6\n\n${await readFile(
  new URL('../../../crates/hub/tests/hub/policy_form.toml', import.meta.url),
  'utf8',
)}\n`;

describe('visitor chat widget', () => {
  let hub;
  let browser;
  let agent;

  before(async () => {
    hub = await startHub({ extraConfig: HUB_CONFIG });
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

  it('shows an XSS payload list as text on both ends and runs none of it', async () => {
    const { context, page, errors, conversationId } = await startVisitor(browser, hub, agent);
    await page.evaluate(() => {
      window.__pwned = undefined;
    });
    const payloads = [
      '<script>window.__pwned="script"</script>',
      '<img src=x onerror="window.__pwned=\'img\'">',
      '<svg onload="window.__pwned=\'svg\'"><circle r=1 /></svg>',
      '<a href="javascript:window.__pwned=\'link\'">pulse aquí</a>',
      '<iframe srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>',
      '"><body onload=window.__pwned="body">',
      'factura \u202Efdp.exe',
      'pa\u200By\u200Bpal.com/login',
      '<style>*{display:none}</style>texto',
    ];
    for (const payload of payloads) {
      // Visitor → agent: delivered exactly as typed, as text.
      await page.locator('#rw-input').fill(payload);
      await page.keyboard.press('Enter');
      const delivered = await agent.waitFor(
        (f) => f.type === 'message' && f.author.kind === 'visitor' && f.text === payload,
      );
      assert.equal(delivered.text, payload);
      // Agent → visitor: shown as text in the widget.
      agent.send({ type: 'send', id: crypto.randomUUID(), conversationId, text: `eco ${payload}` });
      await page.waitForFunction(
        (text) => [...document.querySelectorAll('#rw-log *')].some((el) => el.textContent === text),
        `eco ${payload}`,
      );
    }
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing ran');
    assert.equal(
      await page.locator('#rw-log iframe, #rw-log svg, #rw-log script, #rw-log a').count(),
      0,
    );
    assert.equal(await page.locator('#rw-log').isVisible(), true, 'a style payload hid nothing');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('secure form round trip', async () => {
    const { context, page, errors, conversationId, visitorSocket } = await startVisitor(
      browser,
      hub,
      agent,
    );
    const submits = () => visitorSocket.sent().filter((f) => f.type === 'submitForm');
    const submittedToAgent = (formId) =>
      agent.frames.some((f) => f.type === 'formSubmitted' && f.formId === formId);
    const focusedAutocomplete = () =>
      page.evaluate(() => document.activeElement?.getAttribute('autocomplete'));

    // The agent asks for a card; the visitor sees a form marked as secure, focused.
    agent.send({ type: 'requestForm', conversationId, form: 'card' });
    const card = await agent.waitFor(
      (f) => f.type === 'formRequested' && f.conversationId === conversationId,
    );
    const form = page.getByRole('form', { name: 'Formulario seguro Datos de la tarjeta' });
    await form.waitFor();
    await form.getByText('solo llega a tu agente y nunca aparece en la conversación').waitFor();
    const number = form.getByLabel('Número de tarjeta');
    const expiry = form.getByLabel('Fecha de caducidad');
    const cvv = form.getByLabel('Código de seguridad (CVV)');
    assert.equal(await number.getAttribute('autocomplete'), 'cc-number');
    assert.equal(await number.getAttribute('inputmode'), 'numeric');
    assert.equal(await expiry.getAttribute('autocomplete'), 'cc-exp');
    assert.equal(await cvv.getAttribute('autocomplete'), 'cc-csc');
    assert.equal(await cvv.getAttribute('type'), 'password');
    assert.equal(await focusedAutocomplete(), 'cc-number', 'focus moves into the form');
    await screenshot(page, 'visitor-secure-form-es');

    // Keyboard only: a wrong check digit and a past expiry are caught in the page, per field.
    const future = `12/${String((new Date().getFullYear() + 2) % 100).padStart(2, '0')}`;
    await page.keyboard.type('4111 1111 1111 1112');
    await page.keyboard.press('Tab');
    await page.keyboard.type('01/20');
    await page.keyboard.press('Tab');
    await page.keyboard.type('737');
    await page.keyboard.press('Enter');
    await form.getByText('Este número de tarjeta no es válido.').waitFor();
    await form.getByText('Esta tarjeta está caducada.').waitFor();
    assert.equal(await number.getAttribute('aria-invalid'), 'true');
    assert.equal(await expiry.getAttribute('aria-invalid'), 'true');
    assert.equal(await cvv.getAttribute('aria-invalid'), null);
    const describedBy = (await number.getAttribute('aria-describedby')).split(' ');
    const errorText = await page.evaluate(
      (ids) => ids.map((id) => document.getElementById(id).textContent).join(' '),
      describedBy,
    );
    assert.match(errorText, /Este número de tarjeta no es válido/);
    assert.equal(await focusedAutocomplete(), 'cc-number', 'focus on the first wrong field');
    await screenshot(page, 'widget-secure-form-invalid-es');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(submits(), [], 'nothing left the page');
    assert.equal(submittedToAgent(card.formId), false);

    // Luhn-valid but no card brand has 15 digits starting with 4: the hub refuses, naming the
    // field; the form shows it, and the values sent are gone from the page.
    await number.fill('4111 1111 1111 116');
    await expiry.fill(future);
    await cvv.fill('737');
    await form.getByRole('button', { name: 'Enviar de forma segura' }).click();
    await form.getByText('not a valid card number').waitFor();
    await form.getByText('Los datos no se han aceptado. Vuelve a escribirlos.').waitFor();
    assert.equal(submits().length, 1);
    assert.equal(await number.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await Promise.all([number, expiry, cvv].map((i) => i.inputValue())), [
      '',
      '',
      '',
    ]);
    assert.equal(submittedToAgent(card.formId), false);

    // A valid card: the visitor gets a receipt, the agent masked fields and nothing raw.
    await number.fill('4111 1111 1111 1111');
    await expiry.fill(future);
    await cvv.fill('737');
    await cvv.press('Enter');
    await page.getByText('Enviado de forma segura').waitFor();
    assert.equal(await form.count(), 0, 'the form is replaced by the receipt');
    const sent = submits()[1];
    assert.equal(sent.formId, card.formId);
    assert.deepEqual(
      sent.values.map((v) => v.name),
      ['cardNumber', 'expiry', 'cvv'],
    );
    const submitted = await agent.waitFor(
      (f) => f.type === 'formSubmitted' && f.formId === card.formId,
    );
    assert.equal(submitted.form, 'card');
    assert.deepEqual(
      submitted.fields.map((f) => [f.name, f.masked]),
      [
        ['cardNumber', '•••• 1111'],
        ['expiry', '••/••'],
        ['cvv', '•••'],
      ],
    );
    // The fields only: the frame's ids are random hex and may contain "737" by chance.
    const raw = JSON.stringify(submitted.fields);
    for (const secret of ['4111111111111111', '4111 1111 1111 1111', future, '737']) {
      assert.ok(!raw.includes(secret), `the agent got ${secret}`);
    }
    // Neither the transcript nor any part of the page keeps the card.
    const transcript = await page.locator('#rw-log').innerText();
    const html = await page.content();
    for (const secret of ['4111111111111111', '4111 1111 1111 1111', '1111 1111']) {
      assert.ok(!transcript.includes(secret), `the transcript shows ${secret}`);
      assert.ok(!html.includes(secret), `the page keeps ${secret}`);
    }
    const values = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input'), (i) => i.value),
    );
    assert.ok(
      values.every((v) => v === ''),
      'no input keeps a value',
    );
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'rw-input',
      'focus back to the composer',
    );
    await screenshot(page, 'widget-secure-form-sent-es');

    // An open form survives a reconnect, a repeated announcement and a reload: shown once.
    agent.send({ type: 'requestForm', conversationId, form: 'nationalId' });
    const id = await agent.waitFor(
      (f) =>
        f.type === 'formRequested' &&
        f.form === 'nationalId' &&
        f.conversationId === conversationId,
    );
    const idForm = page.getByRole('form', { name: 'Formulario seguro Documento de identidad' });
    await idForm.waitFor();
    const announced = (socket) =>
      socket.received.some((f) => f.type === 'formRequested' && f.formId === id.formId);
    const first = visitorSocket.latest();
    first.ws.close();
    await until(
      () => visitorSocket.latest() !== first && announced(visitorSocket.latest()),
      'the hub to re-announce the form after a reconnect',
    );
    const again = visitorSocket.latest().received.find((f) => f.formId === id.formId);
    visitorSocket.latest().ws.send(JSON.stringify(again));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await page.locator('.rw-form').count(), 1, 'once after a reconnect');

    await page.reload();
    await idForm.waitFor();
    await until(() => announced(visitorSocket.latest()), 'the form after the reload');
    await page.getByText('Ana se ha unido al chat').first().waitFor();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await page.locator('.rw-form').count(), 1, 'once after a reload');
    assert.equal(await page.getByText('Datos de la tarjeta').count(), 0, 'the card form is done');

    // It still works after all that: a DNI with a wrong letter, then the right one.
    const dni = idForm.getByLabel('DNI o NIE');
    await dni.fill('12345678A');
    await dni.press('Enter');
    await idForm.getByText('Este DNI o NIE no es válido').waitFor();
    await dni.fill('12345678z');
    await dni.press('Enter');
    await page.getByText('Enviado de forma segura').waitFor();
    const idSubmitted = await agent.waitFor(
      (f) => f.type === 'formSubmitted' && f.formId === id.formId,
    );
    assert.deepEqual(
      idSubmitted.fields.map((f) => f.masked),
      ['••••••••Z'],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('custom secure form round trip, keyboard only', async () => {
    const { context, page, errors, conversationId, visitorSocket } = await startVisitor(
      browser,
      hub,
      agent,
    );
    const submits = () => visitorSocket.sent().filter((f) => f.type === 'submitForm');
    const policy = { custom: 'policy-check' };

    // A form the hub does not define is refused to the agent; the visitor sees nothing.
    agent.send({ type: 'requestForm', conversationId, form: { custom: 'loyalty' } });
    const refused = await agent.waitFor((f) => f.type === 'error' && f.code === 'formUnknown');
    assert.match(refused.message, /no secure form with this id/);

    // The configured one arrives with its definition, in the visitor's language.
    agent.send({ type: 'requestForm', conversationId, form: policy });
    const requested = await agent.waitFor(
      (f) =>
        f.type === 'formRequested' &&
        f.conversationId === conversationId &&
        f.form.custom === 'policy-check',
    );
    const form = page.getByRole('form', { name: 'Formulario seguro Comprobación de póliza' });
    await form.waitFor();
    await form.getByText('Los usamos para encontrar tu póliza.').waitFor();
    await form.getByText('solo llega a tu agente y nunca aparece en la conversación').waitFor();
    await form.getByText('Por ejemplo AB-123456').waitFor();
    const number = form.getByLabel('Número de póliza');
    const postcode = form.getByLabel('Código postal (opcional)');
    assert.equal(await postcode.getAttribute('inputmode'), 'numeric');
    assert.equal(await number.getAttribute('maxlength'), '9');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('name')),
      'policyNumber',
      'focus moves into the form',
    );

    // Keyboard only: the page checks the pattern and the number of digits, per field.
    await page.keyboard.type('ab-12');
    await page.keyboard.press('Tab');
    await page.keyboard.type('280');
    await page.keyboard.press('Enter');
    await form.getByText('Esto no tiene el formato esperado.').waitFor();
    await form.getByText('Escribe 5 cifras.').waitFor();
    assert.equal(await number.getAttribute('aria-invalid'), 'true');
    assert.equal(await postcode.getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'widget-custom-form-invalid-es');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(submits(), [], 'nothing left the page');

    await number.fill('PQ-482913');
    await postcode.fill('28 013');
    await postcode.press('Enter');
    await page.getByText('Enviado de forma segura').waitFor();
    await page.getByText('Comprobación de póliza').waitFor();
    assert.deepEqual(
      submits()[0].values.map((v) => v.name),
      ['policyNumber', 'postcode'],
    );
    const submitted = await agent.waitFor(
      (f) => f.type === 'formSubmitted' && f.formId === requested.formId,
    );
    assert.deepEqual(submitted.form, policy);
    assert.deepEqual(
      submitted.fields.map((f) => [f.name, f.masked]),
      [
        ['policyNumber', '•••• 2913'],
        ['postcode', '••••••'],
      ],
    );
    const raw = JSON.stringify(submitted.fields);
    for (const secret of ['PQ-482913', '482913', '28013']) {
      assert.ok(!raw.includes(secret), `the agent got ${secret}`);
    }
    const html = await page.content();
    assert.ok(!html.includes('PQ-482913'), 'the page keeps the value');
    const values = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input'), (i) => i.value),
    );
    assert.ok(
      values.every((v) => v === ''),
      'no input keeps a value',
    );
    await screenshot(page, 'widget-custom-form-sent-es');

    // The optional postcode may stay empty: it is not sent.
    agent.send({ type: 'requestForm', conversationId, form: policy });
    const second = await agent.waitFor(
      (f) => f.type === 'formRequested' && f.formId !== requested.formId && f.form.custom,
    );
    const again = page.getByRole('form', { name: 'Formulario seguro Comprobación de póliza' });
    await again.waitFor();
    await page.keyboard.type('ZX-000001');
    await page.keyboard.press('Enter');
    await agent.waitFor((f) => f.type === 'formSubmitted' && f.formId === second.formId);
    assert.deepEqual(
      submits()[1].values.map((v) => v.name),
      ['policyNumber'],
    );
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
