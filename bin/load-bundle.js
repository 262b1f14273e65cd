// Loads one of the build's CommonJS bundles (dist/cli/main.cjs for tsbox,
// dist/cli/runtime.cjs for tsbox-runtime) with the V8 code cache the build
// wrote next to it, so that the functions a command runs are neither parsed
// nor compiled again: start-up time is mostly loading code (see
// scripts/bundle.mjs). (This file is CommonJS: bin/package.json says so.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

/** A cache of BUNDLE, unless it is missing or older than the bundle (V8 itself checks only the length). */
function readCache(file, bundle) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      if (fs.fstatSync(fd).mtimeMs < fs.statSync(bundle).mtimeMs) return undefined;
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Load BUNDLE as Node would (in the CommonJS wrapper), from a vm.Script so
 * that V8 can take the cache. What it may require: Node's built-ins, and
 * ./NAME.cjs files next to it (test/unit/cli-bundle.test.ts holds it to
 * that). node:module's createRequire would do, but loading node:module
 * loads Node's ES module loader with it, ~0.5 ms of every command. (The
 * bundle makes no import() of its own: Node 20 would lose the loader of one
 * in code from a cache; see scripts/bundle.mjs.)
 */
function compileBundle(bundle, cachedData) {
  const dir = path.dirname(bundle);
  const requireForBundle = (id) => require(id.startsWith('./') ? path.join(dir, id) : id);
  // latin1: the bundle is ASCII (scripts/bundle.mjs checks), and decoding it
  // as one-byte text is cheaper than UTF-8
  const source = `(function (exports, require, module, __filename, __dirname) { ${fs.readFileSync(bundle, 'latin1')}\n});`;
  const script = new vm.Script(source, { filename: bundle, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, requireForBundle, mod, bundle, dir);
  return { exports: mod.exports, script };
}

module.exports = { readCache, compileBundle };
