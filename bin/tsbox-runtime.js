#!/usr/bin/env node
// tsbox-runtime: the OCI runtime (runc's command line) over tsbox-helper;
// src/runtime/main.ts. podman calls it three times per `run --rm` (create,
// start, delete) and containerd's shim as often, so its start-up is part of
// every container's: it is one bundled CommonJS script,
// dist/cli/runtime.cjs, loaded with the V8 code cache the build wrote next
// to it (scripts/runtime-code-cache.cjs), as bin/tsbox.js loads the CLI.
// (This file is CommonJS: bin/package.json says so.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { compileBundle, readCache } = require('./load-bundle.js');

const MAIN = path.join(__dirname, '..', 'dist', 'cli', 'runtime.cjs');
const CACHE = `${MAIN}.cache`;

if (require.main === module) {
  if (!fs.existsSync(MAIN)) {
    process.stderr.write(`tsbox-runtime: not built (${MAIN} is missing): run \`npm ci\` (or \`npm run build\`) in ${path.dirname(__dirname)}\n`);
    process.exit(1);
  }
  compileBundle(MAIN, readCache(CACHE, MAIN))
    .exports.main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    });
} else {
  module.exports = { MAIN, CACHE };
}
