// Create a container's cgroups: one directory per v1 hierarchy tsbox uses,
// plus one in the v2 hierarchy when there is one (hybrid hosts get both), all
// at <hierarchy root>/<parent>/<id>. Always under the hierarchy's root mount,
// whatever cgroup tsbox itself runs in.
//
// Rootless, only a pure v2 host can give the caller cgroups, and only below
// a cgroup delegated to them: there the container's cgroup is
// <delegated>/<parent>/<id> (see delegation.ts). Without one the container
// gets no cgroup (validateLimits has refused any limit, with the reason).
import fs from 'node:fs';
import path from 'node:path';
import type { ResourceLimits } from '../types.js';
import { UserError } from '../../common/errors.js';
import { isRootless } from '../paths.js';
import { cgroupPids, errnoOf, exists, makeCgroupDir, readCgroupFile, writeCgroupFile } from './cgroupfs.js';
import { detectLayout, type CgroupLayout } from '../../probe/cgroup-layout.js';
import { planLimitWrites, setFields, v2ControllerName, type LimitController, type Placement } from './limits.js';
import { validateLimits } from './validate.js';
import { ownDelegation, type DelegationResult } from './delegation.js';

/** v1 hierarchies a container gets a directory in: those that enforce limits
 *  or feed stats (cpuacct), freezer for pause, devices for device rules. */
const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'freezer', 'devices'];
const LIMIT_CONTROLLERS: LimitController[] = ['memory', 'cpu', 'cpuset', 'pids', 'blkio'];

export interface CreateOptions {
  layout?: CgroupLayout;
  parent?: string;
  /** default: whether tsbox runs rootless (paths.ts) */
  rootless?: boolean;
  /** rootless: where the caller may make cgroups (default: found from /proc/self/cgroup) */
  delegation?: DelegationResult;
  /** the device allowlist (devices.ts) for a v1 devices hierarchy; v2's is the helper's */
  devices?: readonly string[];
}

export function createContainerCgroups(id: string, limits: ResourceLimits, opts: CreateOptions = {}): string[] {
  checkComponent('container id', id);
  const parent = opts.parent ?? 'tsbox';
  checkComponent('cgroup parent', parent);
  const layout = opts.layout ?? detectLayout();
  const rootless = opts.rootless ?? isRootless();
  const delegation = rootless && layout.kind === 'v2' && layout.v2Root ? (opts.delegation ?? ownDelegation(layout.v2Root)) : undefined;
  validateLimits(limits, layout, { rootless, delegation });
  if (rootless) return delegation ? createDelegated(id, limits, parent, delegation) : [];

  const created: string[] = [];
  const placement: Placement = {};
  return undoOnError(created, () => {
    for (const [mount, controllers] of v1Hierarchies(layout)) {
      const parentDir = path.join(mount, parent);
      const freshParent = makeCgroupDir(parentDir);
      // v1 cpuset cgroups start with no CPUs and no memory nodes (unless
      // cgroup.clone_children is set), and a process cannot join them like that.
      if (controllers.includes('cpuset')) inheritCpuset(parentDir, mount);
      // once per parent: its rules stay as long as it does
      if (controllers.includes('blkio') && freshParent) countBlockIo(parentDir);
      const dir = path.join(parentDir, id);
      makeFreshDir(dir);
      created.push(dir);
      // Once copied by hand, the kernel does it for later containers (the
      // parent is ours; the hierarchy's root is left as it is).
      if (controllers.includes('cpuset') && inheritCpuset(dir, parentDir)) {
        writeCgroupFile(path.join(parentDir, 'cgroup.clone_children'), '1', `setting cgroup.clone_children in ${parentDir}`);
      }
      if (controllers.includes('devices') && opts.devices) allowDevices(dir, opts.devices);
      for (const c of LIMIT_CONTROLLERS) if (controllers.includes(c)) placement[c] ??= { dir, version: 1 };
    }
    if (layout.v2Root) {
      const wanted = LIMIT_CONTROLLERS.filter((c) => !layout.v1[c] && layout.v2Controllers.includes(v2ControllerName(c)));
      // the root cgroup holds processes, but the no-internal-processes rule exempts it
      enableControllers(layout.v2Root, wanted);
      created.push(createV2(layout.v2Root, parent, id, wanted, placement));
    }
    if (created.length === 0) {
      throw new UserError('no cgroup hierarchy that tsbox uses is mounted (none of cpu, memory, pids, freezer... as v1, and no cgroup2)');
    }
    applyLimits(limits, placement);
    return created;
  });
}

/** Rootless on a pure v2 host: <delegated>/<parent>/<id>, or no cgroup without a delegation. */
function createDelegated(id: string, limits: ResourceLimits, parent: string, found: DelegationResult): string[] {
  if ('why' in found) return [];
  const { dir: base, controllers } = found.delegation;
  let wanted = LIMIT_CONTROLLERS.filter((c) => controllers.includes(v2ControllerName(c)));
  // A delegated cgroup that holds processes itself (the caller's shell, say)
  // cannot pass controllers down ("no internal processes"). Without limits
  // the container does without them; with limits, enabling them below says why.
  if (cgroupPids(base).length > 0 && setFields(limits).length === 0) {
    const enabled = (readCgroupFile(path.join(base, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
    wanted = wanted.filter((c) => enabled.includes(v2ControllerName(c)));
  }
  enableControllers(base, wanted);
  const created: string[] = [];
  const placement: Placement = {};
  return undoOnError(created, () => {
    created.push(createV2(base, parent, id, wanted, placement));
    applyLimits(limits, placement);
    return created;
  });
}

/** BASE/PARENT/ID in a v2 hierarchy, with WANTED enabled on the way (BASE's own already). */
function createV2(base: string, parent: string, id: string, wanted: LimitController[], placement: Placement): string {
  const parentDir = path.join(base, parent);
  makeCgroupDir(parentDir);
  // v2 children only get a controller's files when every ancestor enables
  // it in cgroup.subtree_control. The parent holds no processes itself,
  // which the "no internal processes" rule requires for that.
  enableControllers(parentDir, wanted);
  const dir = path.join(parentDir, id);
  makeFreshDir(dir);
  for (const c of wanted) placement[c] ??= { dir, version: 2 };
  return dir;
}

function applyLimits(limits: ResourceLimits, placement: Placement): void {
  // The parent has the same optional files (swap accounting, bfq weights)
  // as the new cgroup; and a new cgroup has no limits yet.
  const writes = planLimitWrites(limits, placement, {
    has: (dir, file) => exists(path.join(path.dirname(dir), file)),
    current: () => undefined,
  });
  for (const w of writes) writeCgroupFile(w.file, w.value, w.flag);
}

/** Run MAKE; if it throws, remove the cgroups it put in CREATED. */
function undoOnError(created: string[], make: () => string[]): string[] {
  try {
    return make();
  } catch (e) {
    for (const dir of created.reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // Nothing has joined these cgroups yet, so rmdir works on cgroupfs; if
        // it does not, the error that brought us here is still the one to report.
      }
    }
    throw e;
  }
}

/** Unique v1 mount points with the tsbox controllers each carries (cpu and
 *  cpuacct are often co-mounted and then share one directory). */
function v1Hierarchies(layout: CgroupLayout): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of V1_CONTROLLERS) {
    const mount = layout.v1[c];
    if (mount) out.set(mount, [...(out.get(mount) ?? []), c]);
  }
  return out;
}

function checkComponent(what: string, name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 128) {
    throw new UserError(`invalid ${what} '${name}': use letters, digits, '_', '.' and '-' (it becomes a directory name)`);
  }
}

/** mkdir, clearing an empty cgroup left behind by an earlier crash (its old
 *  limits must not leak into the new container). */
function makeFreshDir(dir: string): void {
  if (makeCgroupDir(dir)) return;
  try {
    fs.rmdirSync(dir);
  } catch (e) {
    const pids = cgroupPids(dir);
    throw new UserError(
      `cgroup ${dir} already exists and cannot be reused (${pids.length > 0 ? `processes ${pids.join(', ')} are in it` : errnoOf(e)})`,
      125,
      'Another container with this id is running, or an old one was not cleaned up: remove it with tsbox rm -f.',
    );
  }
  makeCgroupDir(dir);
}

/** Copy FROM's CPUs and memory nodes into DIR where it has none; whether it had to. */
function inheritCpuset(dir: string, from: string): boolean {
  let copied = false;
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((readCgroupFile(path.join(dir, file)) ?? '').trim() !== '') continue;
    const value = (readCgroupFile(path.join(from, file)) ?? '').trim();
    writeCgroupFile(path.join(dir, file), value, `setting up the cpuset cgroup (copying ${file} from ${from})`);
    copied = true;
  }
  return copied;
}

function enableControllers(dir: string, wanted: LimitController[]): void {
  const names = wanted.map(v2ControllerName);
  const enabled = (readCgroupFile(path.join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
  const missing = names.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return;
  writeCgroupFile(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '), `enabling the ${missing.join(', ')} controllers below ${dir}`, {
    EBUSY: `${dir} has processes of its own, and cgroup v2 only enables controllers for children of a cgroup without processes: move them to a child cgroup first.`,
  });
}

/** Far above any device's speed: a throttle rule that never throttles. */
const NO_OP_BPS = '1000000000000';

/**
 * cgroup v1 blkio on current kernels (seen on 6.18) counts a cgroup's bytes
 * only when it or an ancestor has a throttle rule for the device; without one
 * blkio.throttle.io_service_bytes stays 0 and stats would show no block I/O.
 * A no-op rule per disk on the parent turns the counting on for every
 * container below it and limits nothing.
 */
function countBlockIo(parentDir: string): void {
  let devs: string[] | undefined;
  for (const file of ['blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device']) {
    const rules = readCgroupFile(path.join(parentDir, file));
    if (rules === undefined) return; // kernel without blk-throttle: nothing to turn on
    devs ??= diskDevices();
    for (const dev of devs) {
      if (rules.includes(`${dev} `)) continue;
      try {
        fs.writeFileSync(path.join(parentDir, file), `${dev} ${NO_OP_BPS}`);
      } catch {
        // Only accounting is at stake: a device the throttle layer refuses
        // (no request queue) keeps its I/O uncounted; creation goes on.
      }
    }
  }
}

/** MAJOR:MINOR of every block device (/sys/block). */
function diskDevices(): string[] {
  let disks: string[];
  try {
    disks = fs.readdirSync('/sys/block');
  } catch {
    return [];
  }
  return disks.map((d) => (readCgroupFile(`/sys/block/${d}/dev`) ?? '').trim()).filter(Boolean);
}

/** A new v1 devices cgroup starts with its parent's list: deny everything, then allow the rules. */
function allowDevices(dir: string, rules: readonly string[]): void {
  writeCgroupFile(path.join(dir, 'devices.deny'), 'a', 'denying every device before the allowlist');
  const allow = path.join(dir, 'devices.allow');
  for (const r of rules) writeCgroupFile(allow, r, `allowing devices ${r}`);
}
