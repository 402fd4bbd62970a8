// Shortens a wasm-bindgen module's import and export names (`__wbg_fetch_c3646de019bf9202`
// becomes `a`) in the .wasm and in its JS glue together. The hashed names are random hex and
// gzip cannot shrink them: this saves ~1.7 KB gzip on the SDK. Only for the `web` target,
// whose glue is self-contained (the bundler target's names are ES module exports).
//
//   node scripts/minify-wasm-names.mjs <dir> <name> [wasm-opt feature flags...]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [dir, name, ...features] = process.argv.slice(2);
const wasm = `${dir}/${name}_bg.wasm`;
const jsPath = `${dir}/${name}.js`;
const printed = execFileSync(
  'wasm-opt',
  [...features, '--minify-imports-and-exports-and-modules', wasm, '-o', wasm],
  { encoding: 'utf8' },
);
const map = JSON.parse(printed.slice(printed.indexOf('{')));
let js = readFileSync(jsPath, 'utf8');
const escape = (s) => s.replace(/[$]/g, '\\$');
const fail = (msg) => {
  console.error(`minify-wasm-names: ${msg}`);
  process.exit(1);
};
// The one import module ("./x_bg.js") becomes "a".
const modules = new Set(map.imports.map((i) => i[0]));
if (modules.size !== 1) fail(`expected one import module, got ${[...modules].join(', ')}`);
const [module] = modules;
const quoted = new RegExp(`(["'])${escape(module).replace(/[.]/g, '\\.')}\\1`, 'g');
if ((js.match(quoted) || []).length !== 1) fail(`import module ${module} is not named once`);
js = js.replace(quoted, '"a"');
// Imports are the keys of the import object: `name:function(...)` or `name(...){`.
for (const [, old, short] of map.imports) {
  const re = new RegExp(`(?<![\\w$.])${escape(old)}(?=[:(])`, 'g');
  const n = (js.match(re) || []).length;
  if (n !== 1) fail(`import ${old} appears ${n} times as a key in ${jsPath}`);
  js = js.replace(re, short);
}
// Exports are read as properties of the instance's exports: `x.name`.
for (const [old, short] of map.exports) {
  js = js.replace(new RegExp(`\\.${escape(old)}(?![\\w$])`, 'g'), `.${short}`);
}
for (const [, old] of map.imports) {
  if (new RegExp(`(?<![\\w$])${escape(old)}(?![\\w$])`).test(js)) fail(`${old} is still named in ${jsPath}`);
}
for (const [old] of map.exports) {
  if (new RegExp(`\\.${escape(old)}(?![\\w$])`).test(js)) fail(`${old} is still read in ${jsPath}`);
}
writeFileSync(jsPath, js);
