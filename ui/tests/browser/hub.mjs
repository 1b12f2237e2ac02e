// Starts a real Rampart Hub (the built `rampart-hub` binary) for browser tests, and plays an
// agent against it over HTTP and a WebSocket (password + TOTP login, like the console).
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
export const HUB_BIN = process.env.RAMPART_HUB_BIN ?? join(targetDir, 'debug', 'rampart-hub');
const PASSWORD = 'browser test passphrase 42';

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for a base32 secret. */
export function totp(base32, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of base32.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const bytes = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const mac = createHmac('sha1', bytes).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** The one-time enrollment code in the output of `agent create`. */
export function enrollmentCodeOf(created) {
  return created.match(/shown once\): (\S+)/)[1];
}

/** Starts the hub; `extraConfig` is TOML appended to the generated file (tables only). */
export async function startHub({ extraConfig = '' } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-hub-browser-'));
  const port = await freePort();
  const config = join(dir, 'hub.toml');
  await writeFile(
    config,
    // Ana has no security training, and the widget is what these tests are about: the hub's
    // training gate (which would keep chats from her) is off here and tested in the hub's suite.
    `listen = "127.0.0.1:${port}"\ndata_dir = "${join(dir, 'data')}"\n${extraConfig}[training]\nenforce = false\n`,
  );
  const created = execFileSync(
    HUB_BIN,
    ['--config', config, 'agent', 'create', '--username', 'ana', '--display-name', 'Ana'],
    {
      encoding: 'utf8',
      env: { ...process.env, RAMPART_LOG: 'warn' },
    },
  );
  const enrollmentCode = enrollmentCodeOf(created);
  const child = spawn(HUB_BIN, ['--config', config, 'serve'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, RAMPART_LOG: 'warn' },
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('the hub did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    enrollmentCode,
    /** Runs an administrative command (`org create …`) against this hub; returns its stdout. */
    admin(...args) {
      return execFileSync(HUB_BIN, ['--config', config, ...args], {
        encoding: 'utf8',
        env: { ...process.env, RAMPART_LOG: 'warn' },
      });
    },
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function post(base, path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Logs an agent in (enroll password, password, TOTP enrollment) and opens its socket: Ana, the
 * default organisation's agent, unless another `username` and its `enrollmentCode` are given.
 */
export async function connectAgent(
  hub,
  { username = 'ana', enrollmentCode = hub.enrollmentCode } = {},
) {
  await post(hub.base, '/api/v1/enroll', { username, enrollmentCode, password: PASSWORD });
  const step = await post(hub.base, '/api/v1/login', { username, password: PASSWORD });
  const secret = new URL(step.otpauthUri).searchParams.get('secret');
  const session = await post(hub.base, '/api/v1/login/totp', {
    challenge: step.challenge,
    code: totp(secret),
  });
  const frames = [];
  const waiters = [];
  const socket = new WebSocket(hub.base.replace('http', 'ws') + '/ws/agent', [
    'rampart.v1',
    `bearer.${session.token}`,
  ]);
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.match(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  };
  await new Promise((resolveOpen, reject) => {
    socket.onopen = resolveOpen;
    socket.onerror = () => reject(new Error('agent socket failed'));
  });
  const send = (frame) => socket.send(JSON.stringify(frame));
  send({ type: 'hello', protocolVersion: 1, resume: [] });
  send({ type: 'setAvailability', availability: 'available' });
  return {
    frames,
    send,
    /** Resolves with the first frame (seen or future) matching `match`. */
    waitFor(match, timeout = 10000) {
      const seen = frames.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveFrame, reject) => {
        const waiter = { match, resolve: resolveFrame };
        waiters.push(waiter);
        setTimeout(() => reject(new Error('timed out waiting for a frame')), timeout);
      });
    },
    close: () => socket.close(),
  };
}
