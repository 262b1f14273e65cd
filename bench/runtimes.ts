// podman run --rm through each OCI runtime, side by side: runc, crun and
// tsbox-runtime (bin/tsbox-runtime), the same busybox image, podman's own
// store and cgroupfs manager, in rounds (tools.ts). podman calls the runtime
// three times per run (create, start, delete --force: conmon the first), so
// tsbox-runtime's start-up counts three times; `tsbox-runtime list` against
// `node -e 0` shows what one call costs over Node's own start.
import path from 'node:path';
import { execaSync } from 'execa';
import { REPO } from '../test/lib/cli.js';
import { makeBusyboxRootfs } from '../test/lib/busybox.js';
import { podmanUlimits } from './startup.js';
import { hostIsHybrid, have, hyperfine, type HyperfineRow } from './tools.js';

export interface RuntimesBench {
  skipped?: string;
  rows: HyperfineRow[];
  callRows: HyperfineRow[];
}

export const RUNTIME_BIN = path.join(REPO, 'bin/tsbox-runtime');
const IMAGE = 'localhost/tsbox-bench-runtimes';

export function benchRuntimes(work: string, runs: number): RuntimesBench {
  if (!have('podman')) return { skipped: 'podman', rows: [], callRows: [] };
  const rootfs = path.join(work, 'runtimes-rootfs');
  makeBusyboxRootfs(rootfs);
  const podman = 'podman --cgroup-manager=cgroupfs --events-backend=file';
  execaSync('sh', ['-c', `${podman} image rm -f ${IMAGE} >/dev/null 2>&1; tar -C ${rootfs} -c . | ${podman} import - ${IMAGE} >/dev/null`]);
  try {
    const run = (runtime: string) => `${podman} --runtime ${runtime} run --rm --network none ${podmanUlimits()} ${IMAGE} /bin/true`;
    const cmds = [
      { name: 'podman --runtime runc run --rm', cmd: run('runc'), need: 'runc' },
      { name: 'podman --runtime crun run --rm', cmd: run('crun'), need: 'crun' },
      { name: 'podman --runtime tsbox-runtime run --rm', cmd: run(RUNTIME_BIN), need: '' },
    ].filter((c) => !c.need || have(c.need));
    // crun refuses a hybrid host: every row in the pure-v1 view (tools.ts), as the start-up rows
    const rows = hyperfine(cmds, { runs, warmup: 2, v1View: hostIsHybrid(), work });
    const callRows = hyperfine(
      [
        { name: 'node -e 0', cmd: `${process.execPath} -e 0` },
        { name: 'tsbox-runtime list', cmd: `${RUNTIME_BIN} --root ${path.join(work, 'runtimes-state')} list` },
      ],
      { runs: Math.max(2 * runs, 40), warmup: 3, v1View: false, work },
    );
    return { rows, callRows };
  } finally {
    execaSync('sh', ['-c', `${podman} image rm -f ${IMAGE} >/dev/null 2>&1`], { reject: false });
  }
}
