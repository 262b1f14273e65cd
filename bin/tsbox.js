#!/usr/bin/env node
// The CLI is bundled by esbuild (npm run build) into a few files: start-up
// time is dominated by module loading, and `tsbox ps` must stay close to
// `node -e 0`. The dashboard is a separate chunk, loaded only when drawn.
import { runCli } from '../dist/cli/main.js';

await runCli(process.argv.slice(2));
