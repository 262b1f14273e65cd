// State of the containers tsbox-runtime runs for its callers (podman,
// containerd's shim): one directory per container under --root
// (default /run/tsbox-runtime), with state.json written atomically
// (temp + fsync + rename), the start fifo while the container is created,
// and its seccomp program for exec. The status is read from the kernel
// every time (the caller that created the container may be long gone):
// created while the init lives and the fifo is still there, running once
// `start` removed it, paused while frozen, stopped once the init is gone.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { isSameProcessAlive } from '../engine/proc.js';
import { isFrozen } from '../engine/cgroups/processes.js';
import type { Hook } from './oci-config.js';

export const DEFAULT_ROOT = '/run/tsbox-runtime';

export interface RuntimeRecord {
  id: string;
  bundle: string;
  rootfs: string;
  pid: number;
  /** field 22 of /proc/PID/stat: the pid names this process only */
  pidStart: number;
  created: string;
  annotations: Record<string, string>;
  /** the container's cgroup directories (one per hierarchy) */
  cgroups: string[];
  /** helper namespace names the container has of its own or joined (exec joins them) */
  namespaces: string[];
  /** the helper options of config.json's process (env, cwd, user, caps...): exec's defaults */
  processArgs: string[];
  noNewPrivileges: boolean;
  caps: string[];
  /** hooks run by start (poststart) and delete (poststop) */
  poststart: Hook[];
  poststop: Hook[];
  /** the exit code, when `run` saw it */
  exitCode?: number;
}

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export class StateDir {
  constructor(readonly root: string) {}

  dir(id: string): string {
    checkId(id);
    return path.join(this.root, id);
  }
  fifo(id: string): string {
    return path.join(this.dir(id), 'exec.fifo');
  }
  seccompFile(id: string): string {
    return path.join(this.dir(id), 'seccomp.bpf');
  }

  /** The container's directory, new: a second create of ID fails here. */
  claim(id: string): string {
    const d = this.dir(id);
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`container with id ${id} already exists`, 1);
      throw e;
    }
    return d;
  }

  write(rec: RuntimeRecord): void {
    writeAtomic(path.join(this.dir(rec.id), 'state.json'), `${JSON.stringify(rec)}\n`);
  }

  read(id: string): RuntimeRecord {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir(id), 'state.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`container ${id} does not exist`, 1);
      throw e;
    }
    return JSON.parse(text) as RuntimeRecord;
  }

  /** ids with a state.json (a create that failed half-way has none, and its dir is removed) */
  list(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((n) => fs.existsSync(path.join(this.root, n, 'state.json'))).sort();
  }

  status(rec: RuntimeRecord): Status {
    if (!isSameProcessAlive(rec.pid, rec.pidStart)) return 'stopped';
    if (fs.existsSync(this.fifo(rec.id))) return 'created';
    if (rec.cgroups.length && isFrozen(rec.cgroups)) return 'paused';
    return 'running';
  }

  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }
}

/** runtime-spec's state (runtime.md "State"). */
export function ociState(rec: RuntimeRecord, status: Status): Record<string, unknown> {
  return {
    ociVersion: '1.2.0',
    id: rec.id,
    status,
    pid: status === 'stopped' ? 0 : rec.pid,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    annotations: rec.annotations,
  };
}

/** FILE replaced in one step: readers see the old or the new, never half. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function checkId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/.test(id)) {
    throw new UserError(`invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '.', '+' and '-' (at most 128)`, 1);
  }
}
