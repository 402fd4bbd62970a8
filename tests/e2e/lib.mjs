// Shared by the console's end-to-end tests: a real server serving the built console, and
// headless Debian Chromium through playwright-core.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
const require = createRequire(path.join(root, 'tests/js/package.json'));
const { chromium } = require('playwright-core');
export const KEY = 'lel_e2e0000000000000000000000000000001';
export const SHOTS = process.env.LELANTOS_ARTIFACTS ?? path.join(root, 'dist/test-artifacts');
mkdirSync(SHOTS, { recursive: true });

/** Starts lelantos-server on a free loopback port with the console; `args` pick the builder. */
export async function startServer(args) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lelantos-e2e-'));
  const child = spawn(process.env.LELANTOS_SERVER_BIN, [
    '--listen', '127.0.0.1:0', '--data-dir', dir, '--api-key', KEY,
    '--console-dir', path.join(root, 'dist/console'), ...args,
  ], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LELANTOS_LOG: 'warn' } });
  const [url, consoleLink] = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      const c = buf.match(/console: (http:\/\/\S+)/);
      if (m && c) resolve([m[1], c[1]]);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  assert.equal(consoleLink, `${url}/console/#key=${KEY}`, 'the server prints a console link with the key');
  const stop = () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); };
  return { url, consoleLink, child, dir, stop };
}

export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export async function newPage(browser, width = 1100) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => d.accept());
  return { page, errors };
}

export async function setDockerfile(page, text) {
  await page.fill('#dockerfile', text);
}
