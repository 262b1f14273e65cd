// tsbox-runtime's bundle (scripts/bundle.mjs, bin/tsbox-runtime.js): podman
// starts the runtime three times per container, and its start-up rests on
// one CommonJS script loaded with a V8 code cache. The speed itself is
// measured by `npm run bench -- --runtimes`, never by a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO } from '../lib/cli.js';
import { attempt } from '../lib/programs.js';

const require = createRequire(import.meta.url);
const RUNTIME_BIN = path.join(REPO, 'bin/tsbox-runtime.js');

test('runtime.cjs has a code cache newer than itself that V8 takes', () => {
  const { MAIN, CACHE } = require(RUNTIME_BIN) as { MAIN: string; CACHE: string };
  const { compileBundle } = require(path.join(REPO, 'bin/load-bundle.js')) as {
    compileBundle: (file: string, data?: Buffer) => { exports: { main: unknown }; script: { cachedDataRejected?: boolean } };
  };
  assert.ok(fs.statSync(CACHE).mtimeMs >= fs.statSync(MAIN).mtimeMs, 'npm run build writes the cache after the script');
  const loaded = compileBundle(MAIN, fs.readFileSync(CACHE));
  assert.equal(loaded.script.cachedDataRejected, false);
  assert.equal(typeof loaded.exports.main, 'function');
  assert.equal(compileBundle(MAIN, Buffer.from('damaged')).script.cachedDataRejected, true, 'a damaged cache is refused, the script compiled as usual');
});

test('runtime.cjs requires only Node built-ins and execa.cjs, and makes no import()', () => {
  const text = fs.readFileSync(path.join(REPO, 'dist/cli/runtime.cjs'), 'utf8');
  const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
  assert.deepEqual([...required].filter((r) => !r.startsWith('node:') && r !== './execa.cjs'), []);
  assert.doesNotMatch(text, /\bimport\(\s*["'`]/);
});

test('tsbox-runtime loads the bundle, not the ES modules of dist/src (no ES module loader at all), and --version works from it', (t) => {
  const dir = fs.mkdtempSync(path.join(REPO, 'dist', 'rt-probe-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const probe = path.join(dir, 'loaded.cjs');
  fs.writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, '\\n' + JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n");
  const r = attempt(process.execPath, ['--require', probe, RUNTIME_BIN, '--version']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^tsbox-runtime version \S+\nspec: 1\.\d+\.\d+\n$/);
  const { files, builtins } = JSON.parse(r.stderr.slice(r.stderr.lastIndexOf('\n') + 1)) as { files: string[]; builtins: string[] };
  assert.ok(files.includes(path.join(REPO, 'bin/load-bundle.js')));
  assert.deepEqual(files.filter((f) => f.includes(`${path.sep}dist${path.sep}src${path.sep}`)), []);
  assert.ok(!builtins.includes('NativeModule internal/modules/esm/loader'), 'an import() of dist/src would load the ES module loader');
});
