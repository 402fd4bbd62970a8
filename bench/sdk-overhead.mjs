// Per-call overhead of LelantosClient.getTemplateBuildStatus versus a raw fetch of the same URL
// (same headers, body parsed as JSON), in headless Chromium, on loopback.
// Usage (bench/sdk-overhead.sh does all of this): node bench/sdk-overhead.mjs API_URL KEY TEMPLATE_ID BUILD_ID [CALLS]
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests/js/package.json'));
const { chromium } = require('playwright-core');
const [api, key, tid, bid, callsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 2000);

const page = `<!doctype html><meta charset="utf-8"><title>sdk overhead</title><script type="module">
import { LelantosClient } from '/sdk/web/index.js';
const api = ${JSON.stringify(api)}, key = ${JSON.stringify(key)}, tid = ${JSON.stringify(tid)}, bid = ${JSON.stringify(bid)};
const client = new LelantosClient({ apiKey: key, baseURL: api });
const url = api + '/templates/' + tid + '/builds/' + bid;
const raw = async () => { const r = await fetch(url, { headers: { 'X-API-Key': key, 'Accept': 'application/json' } }); if (!r.ok) throw new Error(r.status); return r.json(); };
// The same request made in plain JS the way the SDK makes it (timeout controller, the two
// headers it reads, text + JSON.parse): what a careful client costs before any SDK code runs.
const rawLikeSdk = async () => { const c = new AbortController(); const tm = setTimeout(() => c.abort(), 30000); const r = await fetch(url, { method: 'GET', headers: { 'X-API-Key': key, 'Accept': 'application/json' }, signal: c.signal }); r.headers.get('x-next-token'); const t = await r.text(); clearTimeout(tm); if (!r.ok) throw new Error(r.status); return JSON.parse(t); };
const sdk = () => client.getTemplateBuildStatus(tid, bid);
async function time(fn, n) { const t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); return (performance.now() - t0) / n; }
window.run = async (n) => {
  await time(raw, 200); await time(sdk, 200); // warm up (preflight cache, JIT)
  const rounds = 20, per = Math.ceil(n / rounds), rawT = [], sdkT = [], ratios = [];
  for (let r = 0; r < rounds; r++) { // interleaved, alternating order, so drift hits both alike
    const [a, b] = r % 2 ? [await time(raw, per), await time(sdk, per)] : [null, null];
    const sdkFirst = r % 2 ? null : await time(sdk, per);
    const rawSecond = r % 2 ? null : await time(raw, per);
    const rawMs = a ?? rawSecond, sdkMs = b ?? sdkFirst;
    rawT.push(rawMs); sdkT.push(sdkMs); ratios.push(sdkMs / rawMs);
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const tRatios = [];
  for (let r = 0; r < 6; r++) {
    let a, b;
    if (r % 2) { a = await time(raw, per); b = await time(rawLikeSdk, per); } else { b = await time(rawLikeSdk, per); a = await time(raw, per); }
    tRatios.push(b / a);
  }
  return { raw: median(rawT), sdk: median(sdkT), ratio: median(ratios), timeoutRatio: median(tRatios) };
};
window.ready = true;
</script>`;

const server = http.createServer((req, res) => {
  if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); return; }
  const file = path.join(root, 'dist', decodeURIComponent(req.url));
  if (!file.startsWith(path.join(root, 'dist')) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
  const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
  res.writeHead(200, { 'content-type': type }); res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const p = await browser.newPage();
  p.on('pageerror', (e) => console.error('page error:', e.message));
  await p.goto(`http://127.0.0.1:${server.address().port}/`);
  await p.waitForFunction(() => window.ready === true);
  const r = await p.evaluate((n) => window.run(n), calls);
  const fmt = (ms) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(`calls: ${calls} each, in 20 interleaved rounds (order alternating), page origin != API origin (CORS)`);
  console.log(`raw fetch + JSON:        ${fmt(r.raw)} per call (median of rounds)`);
  console.log(`getTemplateBuildStatus:  ${fmt(r.sdk)} per call (median of rounds)`);
  console.log(`ratio sdk/raw: ${r.ratio.toFixed(3)} (median of per-round ratios; target <= 1.10)`);
  console.log(`for reference, the same request in plain JS done the SDK's way / raw fetch: ${r.timeoutRatio.toFixed(3)}`);
} finally {
  await browser.close();
  server.close();
}
