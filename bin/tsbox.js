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
const { compileBundle, readCache } = require('./load-bundle.js');

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

/** Load main.cjs with CACHEDDATA (bin/load-bundle.js). */
function compileCli(cachedData) {
  const { exports, script } = compileBundle(MAIN, cachedData);
  return { cli: exports, script };
}

if (require.main === module) {
  if (!fs.existsSync(MAIN)) {
    process.stderr.write(`Error: tsbox is not built (${MAIN} is missing)\nRun \`npm ci\` (or \`npm run build\`) in ${path.dirname(__dirname)}.\n`);
    process.exit(125);
  }
  const argv = process.argv.slice(2);
  compileCli(readCache(STARTS_CONTAINERS.has(commandOf(argv)) ? RUN_CACHE : CACHE, MAIN)).cli.runCli(argv);
} else {
  module.exports = { compileCli, MAIN, CACHE, RUN_CACHE };
}
