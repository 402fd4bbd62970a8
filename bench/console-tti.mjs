// Time from navigation to the console's form being interactive, in headless Chromium.
// Usage: node bench/console-tti.mjs CONSOLE_URL_WITH_KEY [runs]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(path.join(root, 'tests/js/package.json'))('playwright-core');
const [url, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 7);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const times = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext(); // empty cache: a first visit every time
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  // Interactive: the editor exists and the submit button reacts (enabled for the default Dockerfile).
  await page.waitForFunction(() => {
    const b = document.querySelector('#submit');
    return document.querySelector('#dockerfile') && b && !b.disabled;
  }, null, { polling: 'raf' });
  times.push(await page.evaluate(() => performance.now()));
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`navigation → form interactive, ${runs} cold loads: median ${times[runs >> 1].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms`);
