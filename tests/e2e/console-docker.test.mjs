// The console with real builds: the server uses the docker builder (BuildKit on the local
// engine, network none) — scripts/test starts the engine and makes local/busybox:latest first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SHOTS, startServer, launch, newPage, setDockerfile } from './lib.mjs';

let server, browser;
const nonce = randomBytes(5).toString('hex'); // BuildKit's cache must not answer for these steps

before(async () => {
  server = await startServer(['--builder', 'docker', '--network', 'none']);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const docker = (...args) => {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

test('a real build that fails shows BuildKit\'s output, the one-line reason and the failing line', async () => {
  const { page, errors } = await newPage(browser);
  await page.goto(server.consoleLink);
  await page.waitForSelector('#dockerfile');
  assert.equal(await page.locator('.banner').count(), 0, 'no dry-run banner with real builds');
  await setDockerfile(page, `FROM local/busybox:latest\nRUN echo "step one says hi ${nonce}"\nRUN echo "about to fail" && exit 3\n`);
  await page.click('#submit');
  await page.waitForSelector('#build-error', { timeout: 60000 });
  assert.equal(await page.textContent('#build-status'), 'error');
  const reason = await page.textContent('#build-error');
  assert.match(reason, /Dockerfile line 3: RUN echo "about to fail" && exit 3 failed: exit code 3/);
  const logs = await page.textContent('#logs');
  assert.match(logs, new RegExp(`step one says hi ${nonce}`));
  assert.match(logs, /about to fail/);
  assert.match(await page.locator('.df-bad').textContent(), /^3RUN echo "about to fail"/);
  await page.screenshot({ path: path.join(SHOTS, 'console-docker-error.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a real build, then a sandbox with the chosen vCPU and memory as the container\'s limits', async () => {
  const { page, errors } = await newPage(browser);
  await page.goto(server.consoleLink);
  await page.waitForSelector('#dockerfile');
  await setDockerfile(page, `FROM local/busybox:latest\nWORKDIR /app\nRUN echo "ready ${nonce}" > /app/status\n`);
  await page.focus('#cpu');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.textContent('#cpu-value'), '1 vCPU');
  await page.focus('#memory');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('#memory-value'), /256 MB/);
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelector('#build-status')?.textContent === 'ready', null, { timeout: 60000 });
  assert.match(await page.textContent('#logs'), /RUN echo "ready/);
  await page.screenshot({ path: path.join(SHOTS, 'console-docker-ready.png'), fullPage: true });

  await page.click('#start-sandbox');
  await page.waitForSelector('.sandbox-card .sandbox-id');
  const id = (await page.textContent('.sandbox-card .sandbox-id')).trim();
  const limits = docker('inspect', '--format', '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.NetworkMode}}', `lelantos-${id}`);
  assert.equal(limits, '1000000000 268435456 none');
  assert.equal(docker('exec', `lelantos-${id}`, 'cat', '/app/status'), `ready ${nonce}`);
  await page.click('.sandbox-card .kill');
  await page.waitForFunction(() => document.querySelector('.sandbox-card')?.textContent.includes('killed'));
  assert.equal(docker('inspect', `lelantos-${id}`), null, 'the container is gone');
  assert.deepEqual(errors, []);
});
