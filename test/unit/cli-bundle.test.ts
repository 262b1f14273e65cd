// The bundled CLI (scripts/bundle.mjs, bin/tsbox.js): what start-up speed
// rests on, checked here so that it does not quietly go away. The speed
// itself is measured by `npm run bench`, never by a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BIN, REPO, makeRoot } from '../lib/cli.js';
import { attempt } from '../lib/programs.js';

const MAIN = path.join(REPO, 'dist/cli/main.cjs');

test('both code caches are newer than the script and V8 takes them', () => {
  const mod = createRequire(import.meta.url)(BIN) as {
    compileCli: (data?: Buffer) => { cli: { runCli: unknown }; script: { cachedDataRejected?: boolean } };
    CACHE: string;
    RUN_CACHE: string;
  };
  for (const cache of [mod.CACHE, mod.RUN_CACHE]) {
    assert.ok(fs.statSync(cache).mtimeMs >= fs.statSync(MAIN).mtimeMs, `npm run build writes ${cache} after the script`);
    assert.equal(mod.compileCli(fs.readFileSync(cache)).script.cachedDataRejected, false, cache);
  }
  // a cache from another Node, or a damaged one, is refused and the script compiled as usual
  const damaged = mod.compileCli(Buffer.from('not a code cache'));
  assert.equal(damaged.script.cachedDataRejected, true);
  assert.equal(typeof damaged.cli.runCli, 'function');
});

test('main.cjs requires only Node built-ins, the dashboard through import-ui.cjs and execa as execa.cjs', () => {
  const text = fs.readFileSync(MAIN, 'utf8');
  const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
  const other = [...required].filter((r) => !r.startsWith('node:') && r !== './import-ui.cjs' && r !== './execa.cjs');
  assert.deepEqual(other, []);
  // an import() in code loaded from a V8 cache fails on Node 20
  assert.doesNotMatch(text, /\bimport\(\s*["'`]/);
});

test('tsbox ps loads none of child_process, crypto, the stream modules, os, fs.Dir or the ES module loader', (t) => {
  const root = makeRoot();
  const probe = path.join(root, 'loaded.cjs');
  // prints, at exit, the built-in modules Node has loaded (internal names)
  fs.writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)));\n");
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const r = attempt(process.execPath, ['--require', probe, BIN, '--root', path.join(root, 'state'), 'ps']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^CONTAINER ID/);
  const loaded = JSON.parse(r.stderr) as string[];
  // internal/fs/dir: a lazy getter of fs copied by the bundle would load it;
  // the ES module loader comes with node:module (bin/tsbox.js)
  for (const m of ['NativeModule child_process', 'NativeModule crypto', 'NativeModule stream', 'NativeModule os', 'NativeModule internal/fs/dir', 'NativeModule internal/modules/esm/loader']) {
    assert.ok(!loaded.includes(m), `${m} was loaded`);
  }
});

test('a reader that goes away (| true) ends tsbox quietly with 141, as SIGPIPE ends podman', () => {
  // `true` has exited long before Node has started and writes the help
  const r = attempt('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --help | true; echo "\${PIPESTATUS[0]}" >&2`]);
  assert.equal(r.stderr.trim(), '141'); // and nothing else: no stack trace
});

test('execa.cjs is loaded by a command that runs a program (image import), and by neither ps nor run --rm', (t) => {
  const root = makeRoot();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  // prints, at exit, the files loaded through require (bin/tsbox.js requires for main.cjs)
  const probe = path.join(root, 'required.cjs');
  fs.writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, '\\n' + JSON.stringify(Object.keys(require.cache))));\n");
  const state = path.join(root, 'state');
  const src = path.join(root, 'tree');
  fs.mkdirSync(path.join(src, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(src, 'etc', 'motd'), 'hi\n');
  const loadsExeca = (args: string[]) => {
    const r = attempt(process.execPath, ['--require', probe, BIN, '--root', state, ...args]);
    assert.equal(r.exitCode, 0, r.stderr);
    const files = JSON.parse(r.stderr.slice(r.stderr.lastIndexOf('\n') + 1)) as string[];
    assert.ok(files.includes(BIN), 'the probe sees the files required');
    return files.includes(path.join(REPO, 'dist/cli/execa.cjs'));
  };
  assert.equal(loadsExeca(['image', 'import', src, '--name', 'probe-tree']), true, 'cp ran through execa');
  assert.equal(loadsExeca(['ps', '-a']), false);
  assert.equal(loadsExeca(['run', '--rm', 'host', 'true']), false);
});
