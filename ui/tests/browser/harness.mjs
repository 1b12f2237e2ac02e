// Browser-test harness: serves the built UI with `vite preview`, drives Debian's Chromium through
// playwright-core, and replaces the Tauri IPC bridge with a scripted mock so component flows can
// be tested without the Rust side.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const uiRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifactsDir = join(uiRoot, 'test-results');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags that keep Chromium from reaching out to a network this machine doesn't have.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts `vite preview` on a fixed loopback port; resolves when it answers. */
export async function startPreview(port = 4173) {
  const vite = spawn(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'preview', '--port', String(port), '--strictPort'],
    { cwd: uiRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return { url, stop: async () => stop(vite) };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop(vite);
  throw new Error(`vite preview did not answer on ${url}`);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

export async function launchBrowser() {
  // Playwright gives each launch a fresh temporary profile.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Opens the UI with a mocked IPC bridge. `responses` maps a command name to the value it
 * resolves with, or to `{ $reject: error }` to make it fail, or (for `conversation_messages`) to
 * `{ $messages: list }` to page through `list` as the core does: the last `limit` messages, or
 * those just before the message `before`. Calls are recorded in `window.__ipcCalls` for
 * assertions.
 */
export async function openConsole(
  browser,
  url,
  responses,
  { locale = 'en-US', colorScheme = 'light' } = {},
) {
  const context = await browser.newContext({
    locale,
    colorScheme,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.addInitScript((mocked) => {
    window.__ipcCalls = [];
    // The shape @tauri-apps/api/core expects (what its mockIPC helper installs).
    window.__TAURI_INTERNALS__ = {
      invoke: async (cmd, args) => {
        window.__ipcCalls.push({ cmd, args });
        if (!(cmd in mocked)) throw { code: 'internal', message: `unmocked command ${cmd}` };
        const answer = mocked[cmd];
        if (answer && typeof answer === 'object' && '$reject' in answer) throw answer.$reject;
        if (answer && typeof answer === 'object' && '$messages' in answer) {
          const list = answer.$messages;
          const end = args.before ? list.findIndex((m) => m.id === args.before) : list.length;
          return end < 0 ? [] : list.slice(Math.max(0, end - args.limit), end);
        }
        return answer;
      },
      transformCallback: () => 0,
      metadata: { currentWindow: { label: 'main' }, currentWebview: { label: 'main' } },
    };
  }, responses);
  await page.goto(url);
  return { page, context, errors };
}

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
