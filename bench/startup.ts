// Start-up benchmark: `tsbox run --rm IMAGE /bin/true` side by side with
// crun, runc and podman on the same busybox rootfs, plus the helper alone on
// a prepared container, and `tsbox ps` against `node -e 0`. All rows of a
// table are measured together, in rounds of a few runs of each (tools.ts),
// so that they share the machine's state.
//
// On a hybrid cgroup host crun refuses to run ("cgroups in hybrid mode not
// supported"); like ../shared/bench/peers.sh, hyperfine then runs inside a
// private mount namespace with an empty tmpfs over /sys/fs/cgroup/unified,
// which gives a pure v1 view. Every tool, tsbox included, runs in that view.
import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { hostIsHybrid, have, hyperfine, type HyperfineRow } from './tools.js';
import { BIN } from '../test/lib/cli.js';
import { makeBusyboxRootfs } from '../test/lib/busybox.js';
import { Engine } from '../src/engine/engine.js';

export interface StartupResult {
  rows: HyperfineRow[];
  psRows: HyperfineRow[];
  context: string;
}

function ociBundle(dir: string, rootfs: string): string {
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(bundle, { recursive: true });
  fs.rmSync(path.join(bundle, 'config.json'), { force: true });
  execaSync(have('crun') ? 'crun' : 'runc', ['spec'], { cwd: bundle });
  const cfg = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = ['/bin/true'];
  cfg.root = { path: rootfs, readonly: true };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(cfg, null, 2));
  return bundle;
}

export async function benchStartup(work: string, runs: number): Promise<StartupResult> {
  const rootfs = path.join(work, 'rootfs');
  makeBusyboxRootfs(rootfs);
  const root = path.join(work, 'tsbox-root');
  const tsbox = `${process.execPath} ${BIN} --root ${root}`;
  /** tsbox itself; `mayFail` for removals of what may not exist */
  const cli = (args: string[], mayFail = false) => execaSync(process.execPath, [BIN, '--root', root, ...args], { reject: !mayFail });
  cli(['rmi', 'benchbb'], true);
  cli(['image', 'import', rootfs, '--name', 'benchbb']);

  // The helper alone: the argv the engine would hand it for a prepared container.
  const engine = Engine.open({ root });
  cli(['rm', '-f', 'bench-helper'], true);
  cli(['create', '--name', 'bench-helper', 'benchbb', '/bin/true']);
  const plan = await engine.helperPlan('bench-helper');
  for (const fd of plan.fds) fs.closeSync(fd);
  const id = engine.get('bench-helper').id;
  const seccomp = path.join(root, 'data/containers', id, 'seccomp.bpf');
  fs.mkdirSync(path.join(root, 'run', id), { recursive: true }); // where the monitor records the exit, as start() makes it
  const helperCmd = `${engine.helperPath} ${plan.args.map((a) => `'${a}'`).join(' ')} 3>/dev/null 4<${seccomp}`;

  const cmds: Array<{ name: string; cmd: string }> = [
    { name: 'tsbox run --rm', cmd: `${tsbox} run --rm benchbb /bin/true` },
    { name: 'tsbox-helper alone', cmd: helperCmd },
  ];
  const bundle = have('crun') || have('runc') ? ociBundle(work, rootfs) : '';
  if (have('crun')) cmds.push({ name: 'crun run', cmd: `crun run --bundle ${bundle} tsbox-bench-crun-$$` });
  if (have('runc')) cmds.push({ name: 'runc run', cmd: `runc run --bundle ${bundle} tsbox-bench-runc-$$` });
  if (have('podman')) {
    const podman = 'podman --cgroup-manager=cgroupfs --events-backend=file';
    execaSync('sh', ['-c', `${podman} image rm -f localhost/tsbox-bench >/dev/null 2>&1; tar -C ${rootfs} -c . | ${podman} import - tsbox-bench >/dev/null`], { reject: false });
    // No CAP_SYS_RESOURCE on some hosts: pin podman's rlimits to what we have (as peers.sh does).
    cmds.push({ name: 'podman run --rm --network none', cmd: `${podman} run --rm --network none ${podmanUlimits()} localhost/tsbox-bench /bin/true` });
  }
  const hybrid = hostIsHybrid();
  const rows = hyperfine(cmds, { runs, warmup: 3, v1View: hybrid, work });
  const psRows = hyperfine(
    [
      { name: 'node -e 0', cmd: `${process.execPath} -e 0` },
      { name: 'tsbox ps', cmd: `${tsbox} ps` },
    ],
    { runs: Math.max(2 * runs, 60), warmup: 5, v1View: false, work, noShell: true },
  );
  cli(['rm', '-f', 'bench-helper'], true);
  cli(['rmi', 'benchbb'], true);
  return { rows, psRows, context: hybrid ? 'hybrid host: all rows in a pure-v1 mount namespace view (crun refuses hybrid)' : 'as is' };
}

/**
 * Without CAP_SYS_RESOURCE (as on this VM) podman's default rlimits
 * (nofile 1048576, nproc above 32768) fail with EPERM: pin them to what we
 * have, as ../shared/bench/peers.sh does.
 */
export function podmanUlimits(): string {
  const hn = execaSync('bash', ['-c', 'ulimit -Hn']).stdout.trim();
  let hu = execaSync('bash', ['-c', 'ulimit -Hu']).stdout.trim();
  if (hu === 'unlimited' || Number(hu) > 32768) hu = '32768';
  return `--ulimit nofile=${hn}:${hn} --ulimit nproc=${hu}:${hu}`;
}

/** The podman image both start-up and load benchmarks use. */
export function removePodmanImage(): void {
  if (have('podman')) execaSync('podman', ['image', 'rm', '-f', 'localhost/tsbox-bench'], { reject: false });
}
