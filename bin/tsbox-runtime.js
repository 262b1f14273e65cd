#!/usr/bin/env node
// tsbox-runtime: the OCI runtime (runc's command line) over tsbox-helper;
// src/runtime/main.ts. (This file is CommonJS: bin/package.json says so.)
'use strict';
const path = require('node:path');

import(path.join(__dirname, '..', 'dist', 'src', 'runtime', 'main.js')).then(
  (m) => m.main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }),
  (e) => {
    process.stderr.write(`tsbox-runtime: cannot load dist/src/runtime/main.js (run npm run build): ${e.message}\n`);
    process.exitCode = 1;
  },
);
