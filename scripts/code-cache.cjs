// Writes the V8 code caches bin/tsbox.js loads the CLI with: main.cjs.cache
// and main.cjs.run.cache. Run by scripts/bundle.mjs in a process of its own.
// V8 caches the functions compiled so far, so commands run first, against a
// throwaway state root: the first cache is made after `ps`, `images`,
// `inspect` and the help texts, the second after a `run` of a container on
// the built-in image too (as root; elsewhere it fails and is skipped), whose
// functions compiled from the cache save `tsbox run` ~5 ms.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { compileCli, CACHE, RUN_CACHE } = require('../bin/tsbox.js');

const WARM_UP = [['--help'], ['ps'], ['ps', '-a', '--format', 'json'], ['images'], ['run', '--help'], ['inspect', 'no-such-container']];
const WARM_UP_RUN = [['run', '--rm', 'host', 'true']];

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

/** Replace `file` whole: a reader never sees half a cache. */
function write(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
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
  let lightWritten = false;
  /** Run `list`; false when one took too long (the rest are skipped). */
  const warmUp = async (list) => {
    for (const argv of list) {
      let timer;
      const late = new Promise((resolve) => (timer = setTimeout(resolve, WARM_UP_MS, 'late')));
      const how = await Promise.race([cli.runCli(['--root', root, ...argv]), late]);
      clearTimeout(timer);
      if (how === 'late') {
        stuck = argv;
        return false;
      }
    }
    return true;
  };
  try {
    if (await warmUp(WARM_UP)) {
      write(CACHE, script.createCachedData());
      lightWritten = true;
      await warmUp(WARM_UP_RUN);
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
  const data = script.createCachedData();
  if (!lightWritten) write(CACHE, data); // a light warm-up hung: one cache for all
  write(RUN_CACHE, data);
  if (stuck) process.stderr.write(`code-cache: \`tsbox ${stuck.join(' ')}\` took over ${WARM_UP_MS / 1000} s; the cache holds what ran before it\n`);
  // the warm-ups' own codes do not count (inspect fails on purpose), and one
  // that never finished must not hold the build
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`code-cache: ${e.stack || e}\n`);
  process.exitCode = 1;
});
