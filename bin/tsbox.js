#!/usr/bin/env node
// The tsbox command. The CLI is one bundled CommonJS script,
// dist/cli/main.cjs (see scripts/bundle.mjs): start-up time is mostly
// loading code, and `tsbox ps` must stay close to `node -e 0`. It is
// compiled here with a V8 code cache that the build wrote next to it, so
// the functions a command runs are neither parsed nor compiled again. There
// are two: the commands that start containers take the larger one, which
// holds that code too; V8 reads a whole cache in, so the others are quicker
// with the one that holds only theirs.
// (This file is CommonJS: bin/package.json says so.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const MAIN = path.join(__dirname, '..', 'dist', 'cli', 'main.cjs');
const CACHE = `${MAIN}.cache`;
const RUN_CACHE = `${MAIN}.run.cache`;
const STARTS_CONTAINERS = new Set(['run', 'create', 'start', 'restart', 'demo']);

/** The command in argv: the first word after the global flags (src/cli/main.ts parses them for real). */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' || argv[i] === '--selinux') i++;
    else if (argv[i] === 'container') continue;
    else if (!argv[i].startsWith('--root=') && !argv[i].startsWith('--selinux=')) return argv[i];
  }
  return undefined;
}

/** A cache, unless it is missing or older than the script (V8 itself checks only the length). */
function readCache(file) {
  try {
    const fd = fs.openSync(file, 'r');
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
 * What main.cjs may require: Node's built-ins, and ./import-ui.cjs and ./execa.cjs next to it
 * (test/unit/cli-bundle.test.ts holds it to that). node:module's
 * createRequire would do, but loading node:module loads Node's ES module
 * loader with it, ~0.5 ms of every command.
 */
function requireForMain(id) {
  return require(id.startsWith('./') ? path.join(path.dirname(MAIN), id) : id);
}

/**
 * Load main.cjs as Node would (in the CommonJS wrapper), from a vm.Script so
 * that V8 can take the cache. (The script makes no import() of its own: Node
 * 20 would lose the loader of one in code from a cache; see
 * scripts/bundle.mjs.)
 */
function compileCli(cachedData) {
  // latin1: the bundle is ASCII (scripts/bundle.mjs checks), and decoding it
  // as one-byte text is cheaper than UTF-8
  const source = `(function (exports, require, module, __filename, __dirname) { ${fs.readFileSync(MAIN, 'latin1')}\n});`;
  const script = new vm.Script(source, { filename: MAIN, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, requireForMain, mod, MAIN, path.dirname(MAIN));
  return { cli: mod.exports, script };
}

if (require.main === module) {
  if (!fs.existsSync(MAIN)) {
    process.stderr.write(`Error: tsbox is not built (${MAIN} is missing)\nRun \`npm ci\` (or \`npm run build\`) in ${path.dirname(__dirname)}.\n`);
    process.exit(125);
  }
  const argv = process.argv.slice(2);
  compileCli(readCache(STARTS_CONTAINERS.has(commandOf(argv)) ? RUN_CACHE : CACHE)).cli.runCli(argv);
} else {
  module.exports = { compileCli, MAIN, CACHE, RUN_CACHE };
}
