// The console in real headless Chromium (Playwright) against the real server, which serves it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { KEY, SHOTS, startServer, launch, newPage as openPage, setDockerfile } from './lib.mjs';

let server, browser, base;

before(async () => {
  server = await startServer(['--builder', 'dry-run', '--dry-run-step-delay-ms', '400']);
  base = server.url;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const newPage = (width) => openPage(browser, width);

test('build a template end to end: link with key, sliders by keyboard, building → ready, sandbox, rebuild, delete', async () => {
  const { page, errors } = await newPage();
  await page.goto(server.consoleLink); // the link the server printed
  await page.waitForSelector('#dockerfile');
  assert.ok(!page.url().includes('key='), 'the key is removed from the address bar');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('lelantos.key')), KEY);
  await page.waitForSelector('.banner');
  assert.match(await page.textContent('.banner'), /dry-run/);

  await setDockerfile(page, 'FROM python:3.12-slim\nRUN pip install numpy pandas\nRUN echo done\n');
  await page.fill('#alias', 'e2e-data');
  await page.focus('#cpu');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.textContent('#cpu-value'), '4 vCPU');
  await page.focus('#memory');
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
  assert.match(await page.textContent('#memory-value'), /2 GB \(2048 MB\)/);
  for (let i = 0; i < 100; i++) await page.keyboard.press('ArrowRight');
  assert.match(await page.textContent('#memory-value'), /8192 MB/, 'the slider stops at the maximum');
  for (let i = 0; i < 48; i++) await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('#memory-value'), /2048 MB/);
  await page.screenshot({ path: path.join(SHOTS, 'console-new-template.png'), fullPage: true });

  await page.click('#submit');
  await page.waitForSelector('#build-status');
  await page.waitForFunction(() => document.activeElement?.id === 'build-title');
  await page.waitForFunction(() => document.querySelector('#build-status')?.textContent === 'building');
  await page.screenshot({ path: path.join(SHOTS, 'console-building.png'), fullPage: true });
  await page.waitForFunction(() => document.querySelector('#build-status')?.textContent === 'ready', null, { timeout: 15000 });
  const logs = await page.textContent('#logs');
  assert.match(logs, /validated; no image built/);
  assert.match(await page.textContent('.meta'), /4 vCPU · 2 GB · alias e2e-data/);
  await page.screenshot({ path: path.join(SHOTS, 'console-ready.png'), fullPage: true });

  await page.click('#start-sandbox');
  await page.waitForSelector('.sandbox-card .sandbox-id');
  const sandboxId = await page.textContent('.sandbox-card .sandbox-id');
  assert.match(sandboxId, /^sbx_/);
  assert.match(await page.textContent('.sandbox-card'), /running/);
  await page.click('.sandbox-card .kill');
  await page.waitForFunction(() => document.querySelector('.sandbox-card')?.textContent.includes('killed'));

  await page.click('button.nav:has-text("Templates")');
  await page.waitForSelector('tr.template-row');
  const row = page.locator('tr.template-row', { hasText: 'e2e-data' });
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /ready/);
  await page.screenshot({ path: path.join(SHOTS, 'console-templates.png'), fullPage: true });

  // Rebuild: the form comes back prefilled (Dockerfile, alias, resources); same alias = new build.
  await row.locator('button:has-text("Rebuild")').click();
  await page.waitForSelector('#new-title');
  assert.equal(await page.textContent('#new-title'), 'Rebuild template');
  assert.equal(await page.inputValue('#alias'), 'e2e-data');
  assert.match(await page.inputValue('#dockerfile'), /RUN echo done/);
  assert.equal(await page.textContent('#cpu-value'), '4 vCPU');
  await page.click('#submit');
  await page.waitForFunction(() => document.querySelector('#build-status')?.textContent === 'ready', null, { timeout: 15000 });
  await page.click('button.nav:has-text("Templates")');
  await page.waitForSelector('tr.template-row');
  assert.equal(await page.locator('tr.template-row').count(), 2, 'the old template is kept');
  const rebuilt = page.locator('tr.template-row', { hasText: 'e2e-data' });
  assert.equal(await rebuilt.count(), 1, 'the alias moved to the new template');
  assert.equal((await rebuilt.locator('td').nth(6).textContent()).trim(), '2', 'build count');
  await rebuilt.locator('button.delete').click();
  await page.waitForFunction(() => ![...document.querySelectorAll('tr.template-row')].some((r) => r.textContent.includes('e2e-data')));
  await page.locator('tr.template-row button.delete').first().click();
  await page.waitForFunction(() => document.querySelectorAll('tr.template-row').length === 0);
  assert.deepEqual(errors, []);
});

test('deleted rows stay deleted after a reload', async () => {
  const { page } = await newPage();
  await page.goto(`${base}/console/#key=${KEY}`);
  await page.click('button.nav:has-text("Templates")');
  await page.waitForSelector('text=No templates yet');
});

test('the resolv.conf Dockerfile shows the lint error on its line and cannot be submitted', async () => {
  const { page } = await newPage();
  await page.goto(`${base}/console/#key=${KEY}`);
  await page.waitForSelector('#dockerfile');
  await setDockerfile(page, 'FROM python:3.12-slim\nRUN pip install numpy\nRUN echo "nameserver 8.8.8.8" > /etc/resolv.conf\n');
  await page.waitForSelector('.lint-error');
  const lint = await page.textContent('#lint');
  assert.match(lint, /Line 3 \(error\)/);
  assert.match(lint, /Read-only file system/);
  assert.match(lint, /delete this line/);
  assert.equal(await page.getAttribute('.gutter .ln-error', 'class'), 'ln ln-error');
  assert.equal(await page.textContent('.gutter .ln-error'), '3');
  assert.ok(await page.isDisabled('#submit'), 'submit is blocked');
  await page.screenshot({ path: path.join(SHOTS, 'console-lint-error.png'), fullPage: true });
  // Removing the line unblocks it.
  await setDockerfile(page, 'FROM python:3.12-slim\nRUN pip install numpy\n');
  await page.waitForFunction(() => !document.querySelector('#submit').disabled);
});

test('a failed build shows its reason and highlights the failing Dockerfile line', async () => {
  // Created through the API (the console itself blocks this Dockerfile at submit).
  const res = await fetch(`${base}/templates`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ dockerfile: 'FROM python:3.12-slim\nRUN pip install numpy\nRUN echo "nameserver 8.8.8.8" > /etc/resolv.conf\n', alias: 'old-dns' }),
  });
  assert.equal(res.status, 202);
  const { page } = await newPage();
  await page.goto(`${base}/console/#key=${KEY}`);
  await page.click('button.nav:has-text("Templates")');
  const row = page.locator('tr.template-row', { hasText: 'old-dns' });
  await row.waitFor();
  assert.match(await row.textContent(), /error/);
  await row.locator('button:has-text("Open")').click();
  await page.waitForSelector('#build-error');
  assert.equal(await page.textContent('#build-status'), 'error');
  assert.match(await page.textContent('#build-error'), /Read-only file system/);
  assert.match(await page.textContent('#build-error'), /Dockerfile line 3/);
  const bad = page.locator('.df-bad');
  assert.equal(await bad.count(), 1);
  assert.match(await bad.textContent(), /^3RUN echo "nameserver 8\.8\.8\.8"/);
  assert.equal(await page.locator('#cancel-build').count(), 0, 'no cancel on an ended build');
  await page.screenshot({ path: path.join(SHOTS, 'console-build-error.png'), fullPage: true });
});

test('a bad key shows a clear message', async () => {
  const { page } = await newPage();
  await page.goto(`${base}/console/#key=lel_not_the_right_key_at_all`);
  await page.waitForSelector('#fatal');
  const text = await page.textContent('#fatal');
  assert.match(text, /invalid API key/);
  assert.match(text, /check the API key/);
  await page.screenshot({ path: path.join(SHOTS, 'console-bad-key.png'), fullPage: true });
  await page.click('text=Disconnect');
  await page.waitForSelector('#key');
  // The connect screen: base URL (prefilled with this origin) and the right key by hand.
  assert.equal(await page.inputValue('#base'), base);
  await page.fill('#key', KEY);
  await page.click('button:has-text("Connect")');
  await page.waitForSelector('#dockerfile');
  assert.equal(await page.locator('#fatal').count(), 0);
});

test('usable at 375 px: no horizontal scrolling', async () => {
  const { page } = await newPage(375);
  await page.goto(`${base}/console/#key=${KEY}`);
  await page.waitForSelector('#dockerfile');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
  await page.screenshot({ path: path.join(SHOTS, 'console-375.png'), fullPage: true });
});
