// The OCI runtime commands (runc's command line), over the engine's
// cgroups and seccomp compiler and the same tsbox-helper as `tsbox run`.
//
//   create: cgroups, seccomp program, then `tsbox-helper run --no-monitor
//           --start-fifo`: the container is set up and its init waits before
//           execve; the helper exits, so the caller's reaper (conmon, the
//           shim: child subreapers) adopts the init, as with runc.
//   start:  opens the fifo: the init execs.
//   exec:   `tsbox-helper exec` with the container's namespaces and cgroups.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CAPABILITIES } from '../common/capabilities.js';
import { UserError } from '../common/errors.js';
import { createContainerCgroups } from '../engine/cgroups/create.js';
import { removeContainerCgroups } from '../engine/cgroups/remove.js';
import { cgroupPids } from '../engine/cgroups/cgroupfs.js';
import { killAll, setFrozen } from '../engine/cgroups/processes.js';
import { updateLimits } from '../engine/cgroups/update.js';
import { DEFAULT_DEVICE_RULES } from '../engine/devices.js';
import { spawnHelper } from '../engine/helper.js';
import { parseSignal } from '../engine/lifecycle.js';
import { isSameProcessAlive } from '../engine/proc.js';
import { parseSeccompProfile } from '../engine/seccomp-file.js';
import { profileProgram } from '../engine/seccomp.js';
import { translateConfig, translateProcess, translateResources, type Hook, type IdMapping, type OciPlan } from './oci-config.js';
import { StateDir, ociState, writeAtomic, type RuntimeRecord } from './state.js';
import { Flags } from './flags.js';

export interface Context {
  state: StateDir;
  log: (level: 'warning' | 'debug', msg: string) => void;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** a fd of ours the helper gets as stdio: the caller's, untouched */
type Io = 'inherit';

function readConfig(bundle: string, id: string): OciPlan {
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`, 1);
  }
  return translateConfig(text, bundle, id);
}

/** /sys/fs/cgroup of the container: a small tmpfs with its own cgroup directories bound in, one per hierarchy. */
function cgroupMountArgs(dirs: string[], ro: boolean): string[] {
  const args = ['--tmpfs', `${CGROUP_ROOT}:mode=755,nosuid,nodev,noexec,size=64k`];
  for (const dir of dirs) {
    const hierarchy = path.relative(CGROUP_ROOT, dir).split('/')[0];
    args.push(ro ? '--bind-ro' : '--bind', `${dir}:${CGROUP_ROOT}/${hierarchy}`, '--bind-flags', 'nosuid,nodev,noexec');
  }
  return args;
}

function mapLines(m: IdMapping[]): string {
  return m.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
}

function writePidFile(file: string | undefined, pid: number): void {
  if (file) writeAtomic(path.resolve(file), String(pid));
}

/** Hooks run in the runtime's namespaces, with the state on stdin (runtime-spec config.md "POSIX-platform Hooks"). */
export function runHooks(kind: string, hooks: readonly Hook[], state: Record<string, unknown>, fatal: boolean, ctx: Context): void {
  for (const h of hooks) {
    const args = h.args?.length ? h.args : [h.path];
    const r = spawnSync(h.path, args.slice(1), {
      argv0: args[0],
      input: JSON.stringify(state),
      env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      timeout: h.timeout ? h.timeout * 1000 : undefined,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const why = r.error
      ? (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
        ? `timed out after ${h.timeout} s`
        : r.error.message
      : r.status !== 0
        ? `exited with ${r.status ?? `signal ${r.signal}`}${r.stderr?.length ? `: ${r.stderr.toString().trim()}` : ''}`
        : undefined;
    if (!why) continue;
    const msg = `${kind} hook ${h.path} ${why}`;
    if (fatal) throw new UserError(msg, 1);
    ctx.log('warning', msg);
  }
}

interface StartOpts {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** create: wait at the fifo; run: start at once */
  mode: 'create' | 'run-detached' | 'run-attached';
}

/** create, and run's first half. Returns the record and, for run-attached, the helper's exit. */
async function makeContainer(o: StartOpts, ctx: Context): Promise<{ rec: RuntimeRecord; exited?: Promise<number> }> {
  const plan = readConfig(o.bundle, o.id);
  // the helper opens the rootfs without following a symlink; the bundle's own path is the caller's to choose
  try {
    plan.rootfs = fs.realpathSync(plan.rootfs);
  } catch (e) {
    throw new UserError(`root.path ${plan.rootfs}: ${(e as Error).message}`, 1);
  }
  plan.runArgs[plan.runArgs.indexOf('--rootfs') + 1] = plan.rootfs;
  if (plan.process.terminal && !o.consoleSocket && o.mode !== 'run-attached') {
    throw new UserError('process.terminal is set: a detached container needs --console-socket to hand the pty master to', 1);
  }
  if (!plan.process.terminal && o.consoleSocket) throw new UserError('--console-socket given but process.terminal is false', 1);
  const st = ctx.state;
  st.claim(o.id);
  let cgroups: string[] = [];
  let pid = 0;
  try {
    cgroups = createContainerCgroups(plan.cgroup.name, plan.limits, {
      parent: plan.cgroup.parent,
      rootless: false,
      devices: [...DEFAULT_DEVICE_RULES, ...plan.deviceRules],
    });
    const args = ['run', '--status-fd', '3', ...plan.runArgs];
    if (plan.cgroupMount) args.push(...cgroupMountArgs(cgroups, plan.cgroupMount.ro));
    args.push(...plan.process.args);
    for (const d of cgroups) args.push('--cgroup', d);
    for (const rule of plan.deviceRules) if (cgroups.some((d) => d.startsWith(`${CGROUP_ROOT}/unified/`))) args.push('--device-rule', rule);
    if (plan.seccomp) {
      const src = 'config.json linux.seccomp';
      let program: Buffer;
      try {
        program = profileProgram(parseSeccompProfile(JSON.stringify(plan.seccomp), src), src, process.arch, {
          caps: plan.process.caps,
          noNewPrivileges: plan.process.noNewPrivileges,
          init: false,
        });
      } catch (e) {
        throw new UserError((e as Error).message, 1);
      }
      fs.writeFileSync(st.seccompFile(o.id), program, { mode: 0o600 });
      args.push('--seccomp-file', st.seccompFile(o.id));
    }
    if (plan.process.terminal) {
      args.push('--tty');
      if (o.consoleSocket) args.push('--console-socket', path.resolve(o.consoleSocket));
      else args.push('--stdin');
    } else {
      args.push('--inherit-stdio');
    }
    if (o.mode !== 'run-attached') args.push('--no-monitor');
    // run too: its createRuntime and prestart hooks come before CMD starts
    args.push('--start-fifo', st.fifo(o.id));
    args.push('--', ...plan.process.argv);
    ctx.log('debug', `tsbox-helper ${args.join(' ')}`);

    const userns = plan.namespaces.includes('user') && !plan.joined.user;
    const run = spawnHelper(args, {
      stdio: 'inherit' satisfies Io,
      onPid: userns
        ? (p) => {
            // as root: written directly; setgroups stays allowed (the helper drops the caller's groups)
            fs.writeFileSync(`/proc/${p}/uid_map`, mapLines(plan.uidMappings));
            fs.writeFileSync(`/proc/${p}/gid_map`, mapLines(plan.gidMappings));
          }
        : undefined,
    });
    let started: { pid: number; start: number };
    try {
      started = await run.started;
    } catch (e) {
      await run.exited.catch(() => 0);
      // podman and containerd tell "not found" (127) from "not executable" (126) by these words
      const code = (e as UserError).code;
      const words = code === 127 ? ': executable file not found in $PATH' : code === 126 ? ': permission denied' : '';
      throw new UserError(`${(e as Error).message}${words}`, 1);
    }
    pid = started.pid;
    const rec: RuntimeRecord = {
      id: o.id,
      bundle: path.resolve(o.bundle),
      rootfs: plan.rootfs,
      pid,
      pidStart: started.start,
      created: new Date().toISOString(),
      annotations: plan.annotations,
      cgroups,
      namespaces: ['mnt', ...plan.namespaces.filter((n) => n !== 'mnt')],
      processArgs: plan.process.args,
      noNewPrivileges: plan.process.noNewPrivileges,
      caps: plan.process.caps,
      poststop: plan.hooks.poststop,
      poststart: plan.hooks.poststart,
    };
    st.write(rec);
    writePidFile(o.pidFile, pid);
    const created = ociState(rec, 'created');
    runHooks('createRuntime', plan.hooks.createRuntime, created, true, ctx);
    runHooks('prestart', plan.hooks.prestart, created, true, ctx);
    if (o.mode !== 'create') releaseStart(rec, ctx);
    return { rec, exited: o.mode === 'run-attached' ? run.exited : undefined };
  } catch (e) {
    // nothing half-made stays: the init (waiting at the fifo, or running), its cgroups, the state
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await removeContainerCgroups(cgroups).catch(() => undefined);
    st.remove(o.id);
    throw e;
  }
}

export async function create(f: Flags, ctx: Context): Promise<number> {
  const id = f.id();
  if (f.bool('no-pivot')) throw new UserError('--no-pivot is not supported: tsbox-helper always uses pivot_root (a rootfs on ramfs cannot be used)', 1);
  const preserve = Number(f.value('preserve-fds') ?? '0');
  if (preserve !== 0) throw new UserError('--preserve-fds is not supported: tsbox-helper hands the container only its stdio', 1);
  f.bool('no-new-keyring'); // the helper never makes a session keyring: this is what it does anyway
  const o: StartOpts = { id, bundle: f.value('bundle') ?? process.cwd(), pidFile: f.value('pid-file'), consoleSocket: f.value('console-socket'), mode: 'create' };
  f.done();
  await makeContainer(o, ctx);
  return 0;
}

export async function start(f: Flags, ctx: Context): Promise<number> {
  const id = f.id();
  f.done();
  const rec = ctx.state.read(id);
  const status = ctx.state.status(rec);
  if (status !== 'created') throw new UserError(`cannot start container ${id}: it is ${status}, not created`, 1);
  releaseStart(rec, ctx);
  return 0;
}

/** The init waits at the fifo (created): let it exec, then the poststart hooks. */
function releaseStart(rec: RuntimeRecord, ctx: Context): void {
  const id = rec.id;
  const fifo = ctx.state.fifo(id);
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    // The init's open for writing returns once we have opened ours; its
    // byte says it goes on to execve. Until it has opened, a read says EOF.
    const buf = Buffer.alloc(1);
    const deadline = Date.now() + 10_000;
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf, 0, 1, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n === 1) break;
      if (!isSameProcessAlive(rec.pid, rec.pidStart)) throw new UserError(`container ${id} exited before it was started`, 1);
      if (Date.now() > deadline) throw new UserError(`container ${id} did not take the start within 10 s`, 1);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.rmSync(fifo, { force: true });
  runHooks('poststart', rec.poststart, ociState(rec, 'running'), false, ctx);
}

export async function run(f: Flags, ctx: Context): Promise<number> {
  const id = f.id();
  const detach = f.bool('detach');
  if (f.bool('no-pivot')) throw new UserError('--no-pivot is not supported: tsbox-helper always uses pivot_root', 1);
  if (Number(f.value('preserve-fds') ?? '0') !== 0) throw new UserError('--preserve-fds is not supported: tsbox-helper hands the container only its stdio', 1);
  const keep = f.bool('keep');
  f.bool('no-new-keyring');
  const o: StartOpts = { id, bundle: f.value('bundle') ?? process.cwd(), pidFile: f.value('pid-file'), consoleSocket: f.value('console-socket'), mode: detach ? 'run-detached' : 'run-attached' };
  f.done();
  const { rec, exited } = await makeContainer(o, ctx);
  if (!exited) return 0;
  const code = await exited;
  if (!keep) await destroy(rec, ctx);
  return code;
}

export function state(f: Flags, ctx: Context): number {
  const id = f.id();
  f.done();
  const rec = ctx.state.read(id);
  process.stdout.write(`${JSON.stringify(ociState(rec, ctx.state.status(rec)), null, 2)}\n`);
  return 0;
}

export function kill(f: Flags, ctx: Context): number {
  const all = f.bool('all');
  const id = f.id();
  const sig = parseSignal(f.positional() ?? 'SIGTERM');
  f.done();
  const rec = ctx.state.read(id);
  if (ctx.state.status(rec) === 'stopped') throw new UserError(`container ${id} is not running`, 1);
  if (all && rec.cgroups.length) {
    killAll(rec.cgroups, (typeof sig === 'number' ? signalName(sig) : sig) as NodeJS.Signals);
  } else {
    process.kill(rec.pid, sig);
  }
  return 0;
}

function signalName(n: number): string {
  const name = Object.entries(osConstants.signals).find(([, v]) => v === n);
  if (!name) throw new UserError(`invalid signal number ${n}`, 1);
  return name[0];
}

async function waitGone(rec: RuntimeRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isSameProcessAlive(rec.pid, rec.pidStart)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Everything of the container goes: its processes, cgroups, state; then the poststop hooks. */
async function destroy(rec: RuntimeRecord, ctx: Context): Promise<void> {
  if (isSameProcessAlive(rec.pid, rec.pidStart)) {
    try {
      process.kill(rec.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    // its reaper (the caller) collects it; a zombie counts as gone
    await waitGone(rec, 5000);
  }
  await removeContainerCgroups(rec.cgroups);
  ctx.state.remove(rec.id);
  runHooks('poststop', rec.poststop, ociState(rec, 'stopped'), false, ctx);
}

export async function del(f: Flags, ctx: Context): Promise<number> {
  const force = f.bool('force');
  const id = f.id();
  f.done();
  // as runc: --force of a container that is gone (or whose create never
  // wrote its state) succeeds; containerd's shim cleans up with it
  if (force && !ctx.state.list().includes(id)) {
    ctx.state.remove(id);
    return 0;
  }
  const rec = ctx.state.read(id);
  const status = ctx.state.status(rec);
  if ((status === 'running' || status === 'paused') && !force) {
    throw new UserError(`cannot delete container ${id} that is not stopped: ${status} (use --force)`, 1);
  }
  if (status === 'paused') await setFrozen(rec.cgroups, false);
  await destroy(rec, ctx);
  return 0;
}

export async function exec(f: Flags, ctx: Context): Promise<number> {
  const processFile = f.value('process');
  const tty = f.bool('tty');
  const detach = f.bool('detach');
  const consoleSocket = f.value('console-socket');
  const pidFile = f.value('pid-file');
  const cwd = f.value('cwd');
  const envs = f.values('env');
  const user = f.value('user');
  const caps = f.values('cap');
  const nnp = f.bool('no-new-privs');
  const label = f.value('process-label');
  if (f.value('apparmor')) throw new UserError('--apparmor is not supported: this kernel has no AppArmor', 1);
  if (Number(f.value('preserve-fds') ?? '0') !== 0) throw new UserError('--preserve-fds is not supported: tsbox-helper hands the process only its stdio', 1);
  const id = f.id();
  const rest = f.rest();
  f.done();
  const rec = ctx.state.read(id);
  const status = ctx.state.status(rec);
  if (status !== 'running') throw new UserError(`cannot exec in container ${id}: it is ${status}`, 1);

  let procArgs: string[];
  let argv: string[];
  let terminal = tty;
  if (processFile) {
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(fs.readFileSync(processFile, 'utf8'));
    } catch (e) {
      throw new UserError(`cannot read --process ${processFile}: ${(e as Error).message}`, 1);
    }
    const p = translateProcess(obj as never, '--process');
    procArgs = p.args;
    argv = p.argv;
    terminal = p.terminal;
  } else {
    if (!rest.length) throw new UserError('exec needs a command (after the id) or --process FILE', 1);
    argv = rest;
    // the container's process, with what the flags change (later options win in the helper; the first of two equal names wins in getenv)
    procArgs = [...envs.flatMap((e) => ['--env', e]), ...rec.processArgs];
    if (cwd) procArgs.push('--cwd', cwd);
    if (user) {
      const [u, g] = user.split(':');
      if (!/^\d+$/.test(u) || (g !== undefined && !/^\d+$/.test(g))) throw new UserError(`--user ${user}: expected UID[:GID]`, 1);
      procArgs.push('--uid', u, '--gid', g ?? '0');
    }
    if (caps.length) throw new UserError('--cap is not supported: exec keeps the container\'s capabilities', 1);
    if (nnp) procArgs.push('--no-new-privs');
    if (label) procArgs.push('--process-label', label);
  }
  if (terminal && detach && !consoleSocket) throw new UserError('a detached exec with a terminal needs --console-socket', 1);
  const args = ['exec', '--status-fd', '3', '--pid', String(rec.pid), '--pid-start', String(rec.pidStart)];
  for (const ns of rec.namespaces) args.push('--ns', ns);
  for (const d of rec.cgroups) args.push('--cgroup', d);
  args.push(...procArgs);
  if (fs.existsSync(ctx.state.seccompFile(id))) args.push('--seccomp-file', ctx.state.seccompFile(id));
  if (terminal) {
    args.push('--tty');
    if (consoleSocket) args.push('--console-socket', path.resolve(consoleSocket));
    else args.push('--stdin');
  } else {
    args.push('--inherit-stdio');
  }
  if (detach) args.push('--no-monitor');
  args.push('--', ...argv);
  ctx.log('debug', `tsbox-helper ${args.join(' ')}`);
  const h = spawnHelper(args, { stdio: 'inherit' });
  try {
    const s = await h.started;
    writePidFile(pidFile, s.pid);
  } catch (e) {
    await h.exited.catch(() => 0);
    throw new UserError((e as Error).message, (e as UserError).code === 127 || (e as UserError).code === 126 ? (e as UserError).code : 1);
  }
  return h.exited;
}

export function ps(f: Flags, ctx: Context): number {
  const format = f.value('format') ?? 'table';
  const id = f.id();
  f.done();
  const rec = ctx.state.read(id);
  const pids = [...new Set(rec.cgroups.flatMap((d) => (fs.existsSync(d) ? cgroupPids(d) : [])))].sort((a, b) => a - b);
  if (format === 'json') process.stdout.write(`${JSON.stringify(pids)}\n`);
  else if (format === 'table') process.stdout.write(`PID\n${pids.join('\n')}${pids.length ? '\n' : ''}`);
  else throw new UserError(`--format ${format}: expected table or json`, 1);
  return 0;
}

export function list(f: Flags, ctx: Context): number {
  const format = f.value('format') ?? 'table';
  const quiet = f.bool('quiet');
  f.done();
  const states = ctx.state.list().map((id) => {
    const rec = ctx.state.read(id);
    return ociState(rec, ctx.state.status(rec));
  });
  if (quiet) process.stdout.write(states.map((s) => `${s.id}\n`).join(''));
  else if (format === 'json') process.stdout.write(`${JSON.stringify(states)}\n`);
  else if (format === 'table') {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...states.map((s) => [String(s.id), String(s.pid), String(s.status), String(s.bundle), String(s.created)])];
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join('   ').trimEnd()).join('\n') + '\n');
  } else throw new UserError(`--format ${format}: expected table or json`, 1);
  return 0;
}

export async function pause(f: Flags, ctx: Context, frozen: boolean): Promise<number> {
  const id = f.id();
  f.done();
  const rec = ctx.state.read(id);
  const status = ctx.state.status(rec);
  if (frozen && status !== 'running') throw new UserError(`cannot pause container ${id}: it is ${status}`, 1);
  if (!frozen && status !== 'paused') throw new UserError(`cannot resume container ${id}: it is ${status}, not paused`, 1);
  await setFrozen(rec.cgroups, frozen);
  return 0;
}

export function update(f: Flags, ctx: Context): number {
  const file = f.value('resources');
  const id = f.id();
  f.done();
  if (!file) throw new UserError('update takes --resources FILE (linux.resources of runtime-spec; - for stdin); the single-limit flags are not supported', 1);
  const rec = ctx.state.read(id);
  if (ctx.state.status(rec) === 'stopped') throw new UserError(`container ${id} is stopped`, 1);
  let obj: unknown;
  try {
    obj = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read --resources ${file}: ${(e as Error).message}`, 1);
  }
  const { limits, deviceRules } = translateResources(obj as never, '--resources');
  if (deviceRules.length) throw new UserError('--resources devices: changing the device allowlist of a running container is not supported', 1);
  updateLimits(rec.cgroups, limits);
  return 0;
}

export function features(f: Flags): number {
  f.done();
  const out = {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.3.0',
    hooks: ['prestart', 'createRuntime', 'poststart', 'poststop'],
    mountOptions: ['bind', 'rbind', 'ro', 'rw', 'nosuid', 'nodev', 'noexec', 'private', 'rprivate', 'suid', 'dev', 'exec', 'relatime', 'noatime', 'strictatime', 'mode', 'size', 'nr_inodes', 'uid', 'gid'],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts', 'time'],
      capabilities: CAPABILITIES.map((c) => c),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: true, actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRAP'], operators: ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'], archs: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'] },
      apparmor: { enabled: false },
      selinux: { enabled: true },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'org.tsbox.runtime': 'tsbox-helper' },
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

