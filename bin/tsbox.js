#!/usr/bin/env node
// The tsbox command. The CLI is one bundled CommonJS script,
// dist/cli/main.cjs (see scripts/bundle.mjs): start-up time is mostly
// loading code, and `tsbox ps` must stay close to `node -e 0`. It is
// compiled here with the V8 code cache that the build wrote next to it, so
// the functions a command runs are neither parsed nor compiled again.
// (This file is CommonJS: bin/package.json says so.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const MAIN = path.join(__dirname, '..', 'dist', 'cli', 'main.cjs');
const CACHE = `${MAIN}.cache`;

/** The cache, unless it is missing or older than the script (V8 itself checks only the length). */
function readCache() {
  try {
    const fd = fs.openSync(CACHE, 'r');
    try {
      if (fs.fstatSync(fd).mtimeMs < fs.statSync(MAIN).mtimeMs) return undefined;
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * Load main.cjs as Node would, from a vm.Script so that V8 can take the
 * cache. (The script makes no import() of its own: Node 20 would lose the
 * loader of one in code from a cache; see scripts/bundle.mjs.)
 */
function compileCli(cachedData) {
  const script = new vm.Script(Module.wrap(fs.readFileSync(MAIN, 'utf8')), { filename: MAIN, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(MAIN), mod, MAIN, path.dirname(MAIN));
  return { cli: mod.exports, script };
}

if (require.main === module) {
  if (!fs.existsSync(MAIN)) {
    process.stderr.write(`Error: tsbox is not built (${MAIN} is missing)\nRun \`npm ci\` (or \`npm run build\`) in ${path.dirname(__dirname)}.\n`);
    process.exit(125);
  }
  compileCli(readCache()).cli.runCli(process.argv.slice(2));
} else {
  module.exports = { compileCli, MAIN, CACHE };
}
