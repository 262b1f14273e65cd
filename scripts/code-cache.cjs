// Writes dist/cli/main.cjs.cache, the V8 code cache bin/tsbox.js loads the
// CLI with. Run by scripts/bundle.mjs in a process of its own. V8 caches
// the functions compiled so far, so a few commands run first, against a
// throwaway state root: the cache then holds what `ps`, `run` and the other
// common commands use. The `run` of a container on the built-in image (as
// root; elsewhere it fails and is skipped) is most of that: its functions
// compiled from the cache save `tsbox run` ~5 ms.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { compileCli, CACHE } = require('../bin/tsbox.js');

const WARM_UP = [
  ['--help'],
  ['ps'],
  ['ps', '-a', '--format', 'json'],
  ['images'],
  ['run', '--help'],
  ['inspect', 'no-such-container'],
  ['run', '--rm', 'host', 'true'],
];

/** A warm-up that takes longer than this ends the warming up: the build must not hang on it. */
const WARM_UP_MS = 20000;

/** The engine's cgroup parents (<hierarchy>/tsbox, or tsbox at the v2 root) that exist now. */
function cgroupParents() {
  const base = '/sys/fs/cgroup';
  let entries = [];
  try {
    entries = fs.readdirSync(base);
  } catch {
    return new Set();
  }
  return new Set([base, ...entries.map((e) => path.join(base, e))].map((d) => path.join(d, 'tsbox')).filter((d) => fs.existsSync(d)));
}

async function main() {
  const { cli, script } = compileCli(undefined);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-code-cache-'));
  // Their output goes to the build's /dev/null (fd 1); their errors, some
  // expected (see WARM_UP), are not printed.
  const stderrWrite = process.stderr.write;
  process.stderr.write = () => true;
  const parentsBefore = cgroupParents();
  let stuck;
  try {
    for (const argv of WARM_UP) {
      let timer;
      const late = new Promise((resolve) => (timer = setTimeout(resolve, WARM_UP_MS, 'late')));
      const how = await Promise.race([cli.runCli(['--root', root, ...argv]), late]);
      clearTimeout(timer);
      if (how === 'late') {
        stuck = argv;
        break;
      }
    }
  } finally {
    process.stderr.write = stderrWrite;
    fs.rmSync(root, { recursive: true, force: true });
    // the container is gone; the parents it made go too (rmdir: only empty ones)
    for (const d of cgroupParents()) {
      if (parentsBefore.has(d)) continue;
      try {
        fs.rmdirSync(d);
      } catch {
        /* not empty: another tsbox's containers are in it */
      }
    }
  }
  const tmp = `${CACHE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, script.createCachedData());
  fs.renameSync(tmp, CACHE);
  if (stuck) process.stderr.write(`code-cache: \`tsbox ${stuck.join(' ')}\` took over ${WARM_UP_MS / 1000} s; the cache holds what ran before it\n`);
  // the warm-ups' own codes do not count (inspect fails on purpose), and one
  // that never finished must not hold the build
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`code-cache: ${e.stack || e}\n`);
  process.exitCode = 1;
});
