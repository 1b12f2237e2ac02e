// The one-tag embed in WebKit (WebKitGTK's MiniBrowser, driven through WebKitWebDriver) against a
// real hub and a real agent: the same customer page under its own strict CSP, the launcher
// reached and opened with the keyboard, the notice accepted inside the frame, a message to the
// agent, Escape back to the launcher, and an unlisted site's frame refused. Needs a display
// (`make test-webkit` runs it inside scripts/with-desktop.sh).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connectAgent, freePort, startHub } from '../browser/hub.mjs';
import { startSite } from '../browser/site.mjs';

const MINIBROWSER =
  process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const KEY = { tab: '\uE004', enter: '\uE007', escape: '\uE00C' };
// The launcher's button and frame, inside its shadow root.
const LAUNCHER = "document.querySelector('[data-rampart-chat]').shadowRoot.querySelector('button')";
const FRAME = "document.querySelector('[data-rampart-chat]').shadowRoot.querySelector('iframe')";

/** A WebDriver session in MiniBrowser: the few commands these tests need. */
async function startWebKit() {
  const port = await freePort();
  const driver = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
  const call = async (method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const { value } = await response.json();
    if (value?.error) throw new Error(`${method} ${path}: ${value.error}: ${value.message}`);
    return value;
  };
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      if ((await call('GET', '/status')).ready) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('WebKitWebDriver did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { sessionId } = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
      },
    },
  });
  const session = `/session/${sessionId}`;
  const press = (values) =>
    call('POST', `${session}/actions`, {
      actions: [
        {
          type: 'key',
          id: 'keyboard',
          actions: values.flatMap((value) => [
            { type: 'keyDown', value },
            { type: 'keyUp', value },
          ]),
        },
      ],
    });
  return {
    open: (url) => call('POST', `${session}/url`, { url }),
    run: (script) => call('POST', `${session}/execute/sync`, { script, args: [] }),
    keys: (...values) => press(values),
    type: (text) => press([...text]),
    enterFrame: (element) => call('POST', `${session}/frame`, { id: element }),
    leaveFrame: () => call('POST', `${session}/frame/parent`, {}),
    async quit() {
      await call('DELETE', session).catch(() => {});
      driver.kill();
    },
  };
}

async function until(check, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What has focus in the top document, looking into the launcher's shadow root. */
const FOCUSED = `let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? a.tagName.toLowerCase() + ':' + (a.textContent || a.title) : null;`;

describe('one-tag embed in WebKit', () => {
  let hub;
  let agent;
  let site;
  let otherSite;
  let webkit;

  before(async () => {
    site = await startSite('127.0.0.1', 'localhost');
    otherSite = await startSite('127.0.0.2');
    hub = await startHub({ extraConfig: `[widget]\nembed_origins = ["${site.origin}"]\n` });
    site.hub = otherSite.hub = hub.base;
    agent = await connectAgent(hub);
    webkit = await startWebKit();
  });

  after(async () => {
    await webkit?.quit();
    agent?.close();
    await hub?.stop();
    await site?.stop();
    await otherSite?.stop();
  });

  it('opens from the keyboard, chats with the agent, and Escape returns focus', async () => {
    await webkit.open(`${site.origin}/`);
    const style = await until(
      () =>
        webkit.run(`const b = ${LAUNCHER}; const s = getComputedStyle(b);
          return [b.textContent, s.color, s.backgroundColor, b.getAttribute('aria-expanded')].join('|');`),
      'the launcher',
    );
    assert.equal(style, 'Chatea con nosotros|rgb(255, 255, 255)|rgb(29, 78, 216)|false');

    await webkit.keys(KEY.tab);
    assert.equal(await webkit.run(FOCUSED), 'a:Offers');
    await webkit.keys(KEY.tab);
    assert.equal(await webkit.run(FOCUSED), 'button:Chatea con nosotros');
    assert.equal(await webkit.run(`return getComputedStyle(${LAUNCHER}).outlineStyle`), 'solid');

    await webkit.keys(KEY.enter);
    await webkit.enterFrame(await webkit.run(`return ${FRAME}`));
    await until(
      () =>
        webkit.run(`return document.activeElement && document.activeElement.id === 'rw-accept'
          && document.hasFocus() && document.getElementById('rw-notice-text').textContent !== ''`),
      'focus on the notice button inside the frame',
    );
    await webkit.keys(KEY.enter);
    const assigned = await agent.waitFor((f) => f.type === 'assigned');
    await until(
      () => webkit.run(`return document.activeElement.id === 'rw-input'`),
      'focus on the composer',
    );
    await webkit.type('Hola desde WebKit');
    await webkit.keys(KEY.enter);
    const received = await agent.waitFor(
      (f) => f.type === 'message' && f.author.kind === 'visitor' && f.text === 'Hola desde WebKit',
    );
    assert.equal(received.conversationId, assigned.conversationId);

    await webkit.keys(KEY.escape);
    await webkit.leaveFrame();
    await until(
      () => webkit.run(`return getComputedStyle(${FRAME}).display === 'none'`),
      'the panel to close',
    );
    assert.equal(await webkit.run(`return ${LAUNCHER}.getAttribute('aria-expanded')`), 'false');
    assert.equal(await webkit.run(FOCUSED), 'button:Chatea con nosotros');
  });

  it('a site that is not listed gets no chat', async () => {
    await webkit.open(`${otherSite.origin}/`);
    await until(() => webkit.run(`return ${LAUNCHER}.click() === undefined`), 'the launcher');
    const frame = await until(() => webkit.run(`return ${FRAME}`), 'the frame');
    // Give a chat that was (wrongly) allowed the time to show its notice.
    await new Promise((r) => setTimeout(r, 1500));
    await webkit.enterFrame(frame);
    assert.equal(await webkit.run(`return document.getElementById('rw-accept') !== null`), false);
    await webkit.leaveFrame();
  });
});
