// Writes dist/cli/runtime.cjs.cache, the V8 code cache bin/tsbox-runtime.js
// loads tsbox-runtime with. Run by scripts/bundle.mjs in a process of its
// own, so that V8 makes it with the flags tsbox-runtime runs with. V8
// caches the functions compiled so far, so the commands podman and
// containerd's shim call run first, against a throwaway state root: as
// root, a whole container's life (create with a seccomp filter, start,
// state, delete) on the host's / mounted read-only; elsewhere only what
// needs no root (--version, features, list) is warmed.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { compileBundle } = require('../bin/load-bundle.js');
const { MAIN, CACHE } = require('../bin/tsbox-runtime.js');

/** A warm-up that takes longer than this ends the warming up: the build must not hang on it. */
const WARM_UP_MS = 20000;

/** A bundle of the host's / (read-only), running `true` as podman would ask: namespaces, masks, a seccomp filter. */
function warmUpBundle(dir) {
  const config = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['true'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
      noNewPrivileges: true,
    },
    root: { path: '/', readonly: true },
    hostname: 'warm-up',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type })),
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      resources: { pids: { limit: 64 } },
      seccomp: {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['read', 'write', 'exit', 'exit_group', 'execve', 'brk', 'mmap', 'openat', 'close'], action: 'SCMP_ACT_ALLOW' }, { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] }],
      },
    },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
}

async function main() {
  const { exports: runtime, script } = compileBundle(MAIN, undefined);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-runtime-cache-'));
  const root = path.join(work, 'state');
  const id = `tsbox-runtime-cache-${process.pid}`;
  warmUpBundle(work);
  const stderrWrite = process.stderr.write;
  process.stderr.write = () => true;
  let stuck;
  const warmUp = async (argv) => {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, WARM_UP_MS, 'late')));
    const how = await Promise.race([runtime.main(['--root', root, ...argv]), late]);
    clearTimeout(timer);
    if (how === 'late') stuck = argv;
    return how;
  };
  try {
    for (const argv of [['--version'], ['features'], ['list', '--format', 'json'], ['state', id]]) if ((await warmUp(argv)) === 'late') break;
    if (!stuck && process.getuid() === 0 && (await warmUp(['create', '--bundle', work, '--pid-file', path.join(work, 'pid'), id])) === 0) {
      for (const argv of [['state', id], ['start', id], ['state', id], ['delete', '--force', id]]) if ((await warmUp(argv)) === 'late') break;
    }
  } finally {
    process.stderr.write = stderrWrite;
    if (stuck) await Promise.race([runtime.main(['--root', root, 'delete', '--force', id]), new Promise((r) => setTimeout(r, WARM_UP_MS))]);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const tmp = `${CACHE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, script.createCachedData());
  fs.renameSync(tmp, CACHE);
  if (stuck) process.stderr.write(`runtime-code-cache: \`tsbox-runtime ${stuck.join(' ')}\` took over ${WARM_UP_MS / 1000} s; the cache holds what ran before it\n`);
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`runtime-code-cache: ${e.stack || e}\n`);
  process.exitCode = 1;
});
