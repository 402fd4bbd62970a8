// The package works in a production bundle (esbuild) and its public types have no `any`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.join(here, 'node_modules/@lelantos-ai/sdk');

test('esbuild production bundle of a tiny app', async () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lelantos-bundle-'));
  const result = await esbuild.build({
    entryPoints: [path.join(here, 'app/main.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  const js = readFileSync(path.join(outdir, 'main.js'), 'utf8');
  assert.match(js, /lelantos_sdk_bg\.wasm/, 'the bundle loads the wasm next to itself');
  assert.doesNotMatch(js, /require\(|node:fs/, 'no Node-only code in the browser bundle');
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes('web/lelantos_sdk.js')), 'the browser entry was picked');
  assert.ok(inputs.some((i) => i.includes('web/lelantos_lint.js')), 'the lint entry was picked');
  copyFileSync(path.join(pkg, 'web/lelantos_sdk_bg.wasm'), path.join(outdir, 'lelantos_sdk_bg.wasm'));
  assert.ok(statSync(path.join(outdir, 'main.js')).size < 60_000);
});

test('package.json has exports, types and sideEffects', () => {
  const p = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.equal(p.name, '@lelantos-ai/sdk');
  assert.equal(p.sideEffects, false);
  assert.equal(p.types, './index.d.ts');
  assert.equal(p.exports['.'].node, './node/index.js');
  assert.equal(p.exports['.'].browser, './web/index.js');
  assert.ok(p.exports['./bundler']);
  assert.equal(p.exports['./lint'].node, './node/lint.js');
  assert.equal(p.exports['./lint'].browser, './web/lint.js');
  assert.equal(p.exports['./lint'].types, './lint.d.ts');
  assert.notEqual(p.version, '0.0.0');
});

test('public type declarations have no `any`', () => {
  const dts = readFileSync(path.join(pkg, 'web/lelantos_sdk.d.ts'), 'utf8');
  // Everything index.d.ts re-exports comes before wasm-bindgen's init section.
  const publicPart = dts.split('export type InitInput')[0].replace(/\/\*\*[\s\S]*?\*\//g, '');
  assert.doesNotMatch(publicPart, /\bany\b/);
  const index = readFileSync(path.join(pkg, 'index.d.ts'), 'utf8').replace(/\/\*\*[\s\S]*?\*\//g, '');
  assert.doesNotMatch(index, /\bany\b/);
  assert.match(publicPart, /status: BuildStatus;/);
  const lint = readFileSync(path.join(pkg, 'web/lelantos_lint.d.ts'), 'utf8').split('export type InitInput')[0];
  assert.doesNotMatch(lint.replace(/\/\*\*[\s\S]*?\*\//g, ''), /\bany\b/);
  assert.match(lint, /severity: "error" \| "warning";/);
  assert.match(publicPart, /export type BuildStatus = "building" \| "ready" \| "error";/);
});
