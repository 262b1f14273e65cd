// A container's life: create (its files, then its name and record under the
// lock), start (cgroups, volumes, the helper), signals, stop, pause, update,
// rename and remove. Everything here changes state; the Engine (engine.ts)
// loads this module on the first change, so that `tsbox ps` and the
// dashboard's refresh, which only read, never load it or what it imports.
//
//   create  -> state 'created': rootfs pieces, id-mapped copy, seccomp program, config.json
//   start   -> 'running': cgroups made, volume sources opened, chowned, relabeled,
//              helper spawned (helper-argv.ts is its argv), pid and namespaces recorded
//   (exit)  -> 'exited': seen by liveness.ts when the init is gone
//   remove  -> the directory renamed away under the lock, then deleted
import fs from 'node:fs';
import path from 'node:path';
import { EXIT_STATE_IMPROPER, UserError } from '../common/errors.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';
import { detectLayout } from '../probe/cgroup-layout.js';
import { createContainerCgroups } from './cgroups/create.js';
import { killAll, setFrozen } from './cgroups/processes.js';
import { removeContainerCgroups } from './cgroups/remove.js';
import { updateLimits } from './cgroups/update.js';
import { validateLimits } from './cgroups/validate.js';
import { deviceRules, openDevices } from './devices.js';
import type { Engine } from './engine.js';
import { removeTree, unlinkIfExists, writeJsonAtomic } from './fsutil.js';
import { runArgv } from './helper-argv.js';
import { spawnHelper } from './helper.js';
import { prepareForUserns, shiftRootless } from './idmapped.js';
import { appendEvent, journalPath, monitorEventHead, type EventStatus } from './journal.js';
import { relabelVolumes } from './labels.js';
import { os } from './lazy.js';
import { ociConfig } from './oci.js';
import { isRootless } from './paths.js';
import { catchesSignal, currentBootId, isSameProcessAlive, processStartTime } from './proc.js';
import { randomId, randomInt } from './random.js';
import { checkName } from './records.js';
import { DEFAULT_PIDS_LIMIT } from './resources.js';
import { callerNamespace, usernsHost } from './rootless.js';
import { cgroupViews } from './cgroups/view.js';
import { prepareRootfs, rootfsPlan } from './rootfs.js';
import { profileProgram, seccompProgram } from './seccomp.js';
import { skippedSyscalls } from './seccomp-file.js';
import { DEFAULT_PROFILE } from './seccomp-profile.js';
import { seccompArch } from './seccomp-syscalls.js';
import { checkSysctls } from './sysctl.js';
import { checkProcessLimits } from './process-limits.js';
import type { ContainerRecord, ContainerSpec, ResourceLimits } from './types.js';
import { runInUserNamespace, writeIdMaps } from './userns.js';
import { chownVolumes, closeVolumeSources, openVolumeSources, VolumeStore, type VolumeSources } from './volumes.js';

export interface CreateOptions {
  name?: string;
  spec: ContainerSpec;
}

/** podman's: seconds between the stop signal and SIGKILL */
export const DEFAULT_STOP_TIMEOUT = 10;

const ADJ = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'quiet', 'sharp', 'tidy', 'vivid', 'witty'];
const NOUN = ['bohr', 'curie', 'dirac', 'euler', 'gauss', 'hopper', 'knuth', 'lovelace', 'noether', 'ritchie', 'turing', 'wirth'];

// ---------------------------------------------------------------- create

export async function createContainer(engine: Engine, opts: CreateOptions): Promise<ContainerRecord> {
  const { records, images } = engine;
  const spec = opts.spec;
  images.forContainer(spec); // the image must exist
  images.closeToOthers();
  const layout = detectLayout();
  if (spec.resources.pidsLimit === undefined && !isRootless() && (layout.v1.pids || layout.v2Controllers.includes('pids'))) {
    spec.resources = { ...spec.resources, pidsLimit: DEFAULT_PIDS_LIMIT };
  }
  validateLimits(spec.resources, layout, { rootless: isRootless() });
  for (const t of NAMESPACE_TYPES) {
    const m = spec.namespaces[t];
    if (m.kind === 'container') m.container = engine.get(m.container).id;
  }
  // the knobs' checks run in the CLI too; here they hold for every client, before anything exists
  if (spec.sysctls) checkSysctls(spec.sysctls, spec.namespaces, spec.hostname);
  checkProcessLimits(spec);
  const seccomp =
    spec.seccomp === 'unconfined'
      ? undefined
      : spec.seccompProfile
        ? profileProgram(spec.seccompProfile, spec.seccomp, process.arch, { caps: spec.capabilities, noNewPrivileges: spec.noNewPrivileges, init: !!spec.init })
        : seccompProgram(DEFAULT_PROFILE, process.arch, spec.capabilities);
  if (spec.seccompProfile) {
    const skipped = skippedSyscalls(spec.seccompProfile, seccompArch(process.arch)!);
    if (skipped.length) engine.events.emit('debug', { message: `seccomp profile ${spec.seccomp}: ${skipped.length} syscall name(s) this architecture (${process.arch}) does not have, skipped: ${skipped.join(', ')}` });
  }
  const id = randomId();
  const dir = records.dir(id);
  // Build the container's files first, outside the lock: nobody sees the
  // directory until state.json names it. Then claim the name under the lock.
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const name = opts.name ?? '';
    if (opts.name !== undefined) checkName(name);
    const hostname = containerHostname(spec, opts.name ?? id.slice(0, 12), (other) => records.read(other)?.spec.hostname);
    prepareRootfs(dir, spec, images, hostname, { privateCopy: !isRootless() && spec.namespaces.user.kind !== 'host' });
    prepareForUserns(dir, spec, (other) => records.read(other)?.spec);
    if (seccomp) fs.writeFileSync(path.join(dir, 'seccomp.bpf'), seccomp);
    const created = await records.locked(() => {
      let finalName = name;
      if (opts.name !== undefined) {
        if (records.nameTaken(name)) {
          throw new UserError(`the container name '${name}' is already in use`, 125, `Remove it (tsbox rm -f ${name}) or choose another --name.`);
        }
      } else {
        do finalName = `${ADJ[randomInt(ADJ.length)]}_${NOUN[randomInt(NOUN.length)]}_${randomInt(1000)}`;
        while (records.nameTaken(finalName));
      }
      if (!spec.hostname) spec.hostname = hostname;
      // podman's: the name the container was given, in its environment (-e HOSTNAME= wins)
      if (!spec.env.some((e) => e.startsWith('HOSTNAME='))) spec.env = [`HOSTNAME=${hostname}`, ...spec.env];
      // Derived from the spec (state.json, written durably below) and read
      // only by inspect, which shows null if a crash left it torn.
      writeJsonAtomic(
        path.join(dir, 'config.json'),
        ociConfig(spec, {
          rootfs: path.join(dir, 'rootfs'),
          etcDir: path.join(dir, 'etc'),
          cgroupsPath: `/tsbox/${id}`,
          devices: devicesOf(spec),
          nsPath: (t, c) => `/proc/${records.read(c)?.pid ?? 0}/ns/${t}`,
        }),
        { durable: false },
      );
      const rec: ContainerRecord = {
        id,
        name: finalName,
        created: new Date().toISOString(),
        spec,
        state: 'created',
        pid: 0,
        pidStart: 0,
        monitorPid: 0,
        monitorStart: 0,
        bootId: currentBootId(),
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        oomKilled: false,
        cgroupPaths: [],
        nsInodes: {},
      };
      // the name first: a crash before the record leaves a stale link, never two records of one name
      records.names.claim(finalName, id);
      records.save(rec);
      return rec;
    });
    recordEvent(engine, created, 'create');
    return created;
  } catch (e) {
    removeTree(dir);
    throw e;
  }
}

/**
 * The name the container's /etc/hostname and /etc/hosts give it: --hostname,
 * else its name, in a UTS namespace of its own; the host's name with the
 * host's, another container's with that one's (podman's --uts host and
 * container:NAME). Only a private UTS namespace gets sethostname.
 */
function containerHostname(spec: ContainerSpec, name: string, hostnameOf: (id: string) => string | undefined): string {
  const uts = spec.namespaces.uts;
  if (uts.kind === 'host') return os().hostname();
  if (uts.kind === 'container') return hostnameOf(uts.container) || os().hostname();
  return spec.hostname || name.slice(0, 63);
}

// ---------------------------------------------------------------- start

/** The device allowlist of a container (devices.ts): none when privileged or rootless. */
function devicesOf(spec: ContainerSpec): readonly string[] | undefined {
  return deviceRules({ privileged: spec.privileged, rootless: isRootless(), devices: spec.devices, rules: spec.deviceCgroupRules });
}

/**
 * The helper's argv and the fds it gets from fd 4 on: the volume sources and
 * the seccomp program (`opened` here, for the caller to close).
 */
function helperArgs(engine: Engine, rec: ContainerRecord, attach: boolean, cgroupPaths: string[], sources: VolumeSources): { args: string[]; fds: number[]; opened: number[] } {
  const s = rec.spec;
  const dir = engine.records.dir(rec.id);
  const joined: Partial<Record<NamespaceType, number>> = {};
  for (const t of NAMESPACE_TYPES) {
    const m = s.namespaces[t];
    if (m.kind !== 'container') continue;
    const other = engine.get(m.container);
    if (other.state !== 'running' && other.state !== 'paused') {
      throw new UserError(`container ${other.name} must be running to share its ${t} namespace`, 125, `Start it first: tsbox start ${other.name}`);
    }
    joined[t] = other.pid;
  }
  // the helper enforces them on the v2 cgroup; a v1 devices cgroup has them from createContainerCgroups
  const layout = detectLayout();
  const v2Root = layout.v2Root;
  const onV2 = v2Root !== undefined && cgroupPaths.some((p) => p.startsWith(`${v2Root}/`));
  // the host nodes of --device, checked to be what they were at create
  const deviceFds = s.devices?.length ? openDevices(s.devices) : [];
  const seccompFd = s.seccomp === 'unconfined' ? undefined : fs.openSync(path.join(dir, 'seccomp.bpf'), 'r');
  const opened = [...deviceFds, ...(seccompFd === undefined ? [] : [seccompFd])];
  const { args, fds } = runArgv({
    spec: s,
    log: engine.records.logFile(rec.id),
    exitFile: engine.records.exitFile(rec.id),
    events: { file: journalPath(engine.paths), head: monitorEventHead(rec) },
    attach,
    rootfs: rootfsPlan(dir, s, engine.images),
    joined,
    cgroupPaths,
    cgroupMounts: cgroupViews(cgroupPaths, layout),
    onExit: needsCleanup(s) ? engine.cleanupCommand(rec.id) : undefined,
    deviceRules: onV2 ? (devicesOf(s) ?? []) : [],
    // the volumes are bound from the fds their sources were checked on (start)
    volumeFd: (v) => sources.get(v)!.fd,
    seccompFd,
    deviceFds,
  });
  return { args, fds, opened };
}

/** Containers whose exit needs the engine even when nobody waits for it: --rm ones, and those with a restart policy. */
function needsCleanup(s: ContainerSpec): boolean {
  return s.autoRemove || (s.restartPolicy !== undefined && s.restartPolicy.name !== 'no');
}

/**
 * After an exit (the monitor's cleanup, or an attached run): podman's
 * restart policies. no: never; on-failure[:N]: a non-zero exit, at most N
 * times (0: no limit); always and unless-stopped: any exit, unless stopped
 * by hand (stop, kill, rm). Returns whether it started the container again.
 */
export async function applyRestartPolicy(engine: Engine, rec: ContainerRecord): Promise<boolean> {
  const policy = rec.spec.restartPolicy;
  if (!policy || policy.name === 'no' || rec.stoppedByUser) return false;
  if (policy.name === 'on-failure') {
    if (rec.exitCode === 0) return false;
    if (policy.maxRetries > 0 && (rec.restartCount ?? 0) >= policy.maxRetries) return false;
  }
  recordEvent(engine, await startContainer(engine, rec.id, { byPolicy: true }), 'restart');
  return true;
}

/** The helper argv an attached start would use, and the fds it gets (the caller closes them): for benchmarks (the helper alone) and debugging. */
export function helperPlan(engine: Engine, ref: string, cgroupPaths: string[]): { args: string[]; fds: number[] } {
  const rec = engine.get(ref);
  const plan = helperArgs(engine, rec, true, cgroupPaths, openVolumeSources(rec.spec.volumes));
  return { args: plan.args, fds: plan.fds };
}

/**
 * Start a created or exited container. Detached: resolves once CMD runs.
 * Attached (`run` without -d): the helper shares our stdio and the promise
 * resolves with the container's exit code.
 */
export interface StartOptions {
  /** share our stdio and wait for the exit (`run` without -d) */
  attach?: boolean;
  /** attached: called once the container runs and is recorded, with what passes a signal on to it (--sig-proxy) */
  onRelay?: (send: (signal: number) => void) => void;
  /** a start by the restart policy (counted in RestartCount), not by hand */
  byPolicy?: boolean;
}

export async function startContainer(engine: Engine, ref: string, opts: StartOptions): Promise<ContainerRecord & { attachedExit?: number }> {
  const { records, images } = engine;
  const rec = engine.get(ref);
  if (rec.state === 'running' || rec.state === 'paused') return rec; // podman: starting a running container is a no-op
  const s = rec.spec;
  for (const p of rec.cgroupPaths) await removeContainerCgroups([p]); // leftovers of an earlier run
  images.closeToOthers();
  unlinkIfExists(records.exitFile(rec.id));
  fs.mkdirSync(records.runDir(rec.id), { recursive: true, mode: 0o700 });
  await shiftRootless(records.dir(rec.id), s, images, engine.helperPath, (other) => records.read(other)?.spec);
  // Rootless on v1 (or without delegation) there is no cgroup of our own to
  // make; validateLimits has already refused any limit in that case.
  const layout = detectLayout();
  const devices = devicesOf(s);
  const warn = (message: string) => engine.events.emit('warning', { message, container: { id: rec.id, name: rec.name } });
  if (devices && !layout.v1.devices && !layout.v2Root) warn('this host has no devices cgroup and no cgroup v2: the device allowlist is not enforced');
  const cgroupPaths = isRootless() && layout.kind !== 'v2' ? [] : createContainerCgroups(rec.id, s.resources, { devices });
  // Each volume source is opened once, and refused if it is no longer the
  // path recorded at create: the U chown, the relabel and the bind all
  // work on these fds, never on the path again.
  let sources: VolumeSources = new Map();
  let opened: number[] = [];
  const closeFds = () => {
    for (const fd of opened.splice(0)) fs.closeSync(fd);
    closeVolumeSources(sources);
  };
  try {
    const volumes = new VolumeStore(engine.paths);
    for (const v of s.volumes) if (v.type === 'volume' && v.name) volumes.ensure(v.name);
    sources = openVolumeSources(s.volumes);
    const warnings = chownVolumes(s.volumes, { uidMap: s.uidMap, gidMap: s.gidMap, user: s.user }, { helper: engine.helperPath, sources }).warnings;
    // the other running containers matter only to volumes that get relabeled
    // (conflict warnings); listing them reads every container's record
    const relabels = s.labels.mount && !s.labels.disabled && s.volumes.some((v) => v.relabel);
    const others = relabels ? engine.list({ all: false }).filter((r) => r.id !== rec.id) : [];
    if (relabels) warnings.push(...(await relabelVolumes(rec, s.volumes, s.labels.mount!, { paths: engine.paths, others, helper: engine.helperPath, sources })).warnings);
    for (const w of warnings) warn(w);
    const plan = helperArgs(engine, rec, !!opts.attach, cgroupPaths, sources);
    opened = plan.opened;
    const userns = s.namespaces.user.kind === 'private';
    const run = spawnHelper(plan.args, {
      stdio: opts.attach ? 'inherit' : 'detached',
      extraFds: plan.fds,
      onPid: userns ? (pid) => writeIdMaps(pid, s.uidMap, s.gidMap) : undefined,
      relaySignals: opts.attach && opts.onRelay !== undefined,
    });
    closeFds(); // the helper has its own copies
    const { pid, start, monitor } = await run.started;
    const nsInodes: ContainerRecord['nsInodes'] = {};
    for (const t of NAMESPACE_TYPES) {
      try {
        nsInodes[t] = fs.statSync(`/proc/${pid}/ns/${t}`).ino;
      } catch {
        break; // exited already: there are no namespaces left to see
      }
    }
    const started = await records.mutate(rec.id, (r) => {
      r.state = 'running';
      r.pid = pid;
      r.pidStart = start || (processStartTime(pid) ?? 0);
      r.monitorPid = monitor;
      r.monitorStart = processStartTime(monitor) ?? 0;
      r.bootId = currentBootId();
      r.startedAt = new Date().toISOString();
      r.finishedAt = null;
      r.exitCode = null;
      r.oomKilled = false;
      r.cgroupPaths = cgroupPaths;
      r.nsInodes = nsInodes;
      delete r.error;
      // podman: a start by hand starts the count afresh, and the policy applies again
      r.restartCount = opts.byPolicy ? (r.restartCount ?? 0) + 1 : 0;
      r.stoppedByUser = false;
    });
    // (the start is in the journal already: the monitor writes it, before any died)
    if (!opts.attach) {
      run.release();
      return started;
    }
    // only now: a signal that ends us (--sig-proxy=false) must not leave a running container recorded as created
    opts.onRelay?.((signal) => run.relay(signal));
    const code = await run.exited;
    // the restart policy applies to an attached container too (podman: run returns, the container restarts)
    if (s.restartPolicy && s.restartPolicy.name !== 'no') {
      const after = engine.current(rec.id);
      if (after && after.state === 'exited') await applyRestartPolicy(engine, after);
      return { ...(engine.current(rec.id) ?? started), attachedExit: code };
    }
    if (s.autoRemove) {
      // --rm: nobody will read the exit state, so it is not recorded; the
      // container goes now (or already went, by a concurrent reader)
      await removeFiles(engine, started);
      return { ...started, state: 'exited', pid: 0, exitCode: code, attachedExit: code };
    }
    return { ...(engine.current(rec.id) ?? started), attachedExit: code };
  } catch (e) {
    await removeContainerCgroups(cgroupPaths);
    // recorded if it can be: the error to report is the start's
    await records
      .mutate(rec.id, (r) => {
        r.error = e instanceof Error ? e.message : String(e);
      })
      .catch(() => {});
    throw e;
  } finally {
    closeFds();
  }
}

// ---------------------------------------------------------------- signals

function signalInit(rec: ContainerRecord, signal: NodeJS.Signals | number): void {
  if (!isSameProcessAlive(rec.pid, rec.pidStart)) return;
  try {
    process.kill(rec.pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

export function parseSignal(sig: string): NodeJS.Signals | number {
  if (/^\d+$/.test(sig)) {
    const n = Number(sig);
    if (n < 1 || n > 64) throw new UserError(`invalid signal number ${sig}`);
    return n;
  }
  const name = (sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in os().constants.signals)) throw new UserError(`invalid signal '${sig}'`, 125, 'Use a name like TERM, KILL, HUP or a number.');
  return name;
}

export async function killContainer(engine: Engine, ref: string, signal: string): Promise<void> {
  const rec = engine.get(ref);
  if (rec.state !== 'running' && rec.state !== 'paused') {
    throw new UserError(`container ${rec.name} is not running`, 125, `Its state is ${rec.state}.`);
  }
  const sig = parseSignal(signal);
  if (sig === 'SIGKILL' || sig === 9) {
    await engine.records.mutate(rec.id, (r) => {
      r.stoppedByUser = true;
    });
  }
  signalInit(rec, sig);
  if (sig === 'SIGKILL' && rec.state === 'paused') await setFrozen(rec.cgroupPaths, false);
  recordEvent(engine, rec, 'kill');
}

/** The image's StopSignal (its config's) or --stop-signal, else SIGTERM; one the host does not know is SIGTERM too. */
function stopSignalOf(rec: ContainerRecord): NodeJS.Signals | number {
  try {
    return rec.spec.stopSignal ? parseSignal(rec.spec.stopSignal) : 'SIGTERM';
  } catch {
    return 'SIGTERM';
  }
}

/**
 * The container's stop signal (--stop-signal, the image's, SIGTERM), then
 * SIGKILL after timeoutSec (its --stop-timeout, 10), like podman stop. An
 * init of a pid namespace of its own that does not catch the signal never
 * gets it (the kernel drops it at the send): it is killed at once, where
 * podman waits the timeout to the same end.
 */
export async function stopContainer(engine: Engine, ref: string, timeoutSec?: number): Promise<ContainerRecord> {
  const rec = engine.get(ref);
  if (rec.state !== 'running' && rec.state !== 'paused') return rec;
  // podman: a container stopped by hand is not restarted by its policy
  await engine.records.mutate(rec.id, (r) => {
    r.stoppedByUser = true;
  });
  if (rec.state === 'paused') await setFrozen(rec.cgroupPaths, false);
  const timeout = timeoutSec ?? rec.spec.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
  if (timeout > 0) {
    const sig = stopSignalOf(rec);
    signalInit(rec, sig);
    const dropped = rec.spec.namespaces.pid.kind === 'private' && !catchesSignal(rec.pid, typeof sig === 'number' ? sig : os().constants.signals[sig]);
    if (!dropped && (await engine.wait(rec.id, timeout * 1000)) !== null) return stopped(engine, rec);
  }
  signalInit(rec, 'SIGKILL');
  if (rec.cgroupPaths.length) killAll(rec.cgroupPaths, 'SIGKILL');
  await engine.wait(rec.id, 10000);
  return stopped(engine, rec);
}

/** After a stop: the record now, and the stop in the journal (podman's, once the container is down). */
function stopped(engine: Engine, rec: ContainerRecord): ContainerRecord {
  const now = engine.get(rec.id);
  recordEvent(engine, now, 'stop');
  return now;
}

export async function pauseContainer(engine: Engine, ref: string): Promise<void> {
  const rec = engine.get(ref);
  if (rec.state !== 'running') throw new UserError(`container ${rec.name} is ${rec.state}, not running`, 125, 'Only running containers can be paused.');
  if (rec.cgroupPaths.length === 0) throw new UserError(`container ${rec.name} has no cgroup of its own, so it cannot be frozen`, 125, 'Rootless containers get cgroups only on cgroup v2 with a delegated subtree.');
  await setFrozen(rec.cgroupPaths, true);
  recordEvent(engine, await engine.records.mutate(rec.id, (r) => {
    r.state = 'paused';
  }), 'pause');
}

export async function unpauseContainer(engine: Engine, ref: string): Promise<void> {
  const rec = engine.get(ref);
  if (rec.state !== 'paused') throw new UserError(`container ${rec.name} is not paused`, 125, `Its state is ${rec.state}.`);
  await setFrozen(rec.cgroupPaths, false);
  recordEvent(engine, await engine.records.mutate(rec.id, (r) => {
    r.state = 'running';
  }), 'unpause');
}

export async function updateContainer(engine: Engine, ref: string, limits: ResourceLimits): Promise<ContainerRecord> {
  const rec = engine.get(ref);
  validateLimits(limits, detectLayout(), { rootless: isRootless() });
  if (rec.state === 'running' || rec.state === 'paused') updateLimits(rec.cgroupPaths, limits);
  return engine.records.mutate(rec.id, (r) => {
    r.spec.resources = { ...r.spec.resources, ...limits };
  });
}

// ---------------------------------------------------------------- rename

/** Give a container another name; its hostname, id and namespaces stay. */
export async function renameContainer(engine: Engine, ref: string, name: string): Promise<ContainerRecord> {
  checkName(name);
  const { records } = engine;
  const { id, name: old } = engine.get(ref);
  if (old === name) return engine.get(id);
  const renamed = await records.locked(() => {
    if (records.nameTaken(name)) throw new UserError(`the container name '${name}' is already in use`, 125, 'Choose another name.');
    const rec = records.readFresh(id);
    if (!rec) throw new UserError(`no such container: ${ref}`);
    // new link, record, then the old link goes: a crash between leaves a
    // stale link, never a name that two containers answer to
    records.names.claim(name, id);
    rec.name = name;
    records.save(rec);
    records.names.release(old, id);
    return rec;
  });
  recordEvent(engine, renamed, 'rename');
  return renamed;
}

// ---------------------------------------------------------------- remove

/** A container that is not running, and all it has: cgroups, record, files. */
export async function removeFiles(engine: Engine, rec: ContainerRecord): Promise<void> {
  const { records } = engine;
  await removeContainerCgroups(rec.cgroupPaths);
  // The record goes first, under the lock: from then on the container is
  // gone for every reader, and its files are only garbage to collect.
  const dir = records.dir(rec.id);
  const trash = `${dir}.removing`;
  const mine = await records.locked(() => {
    try {
      fs.renameSync(dir, trash);
    } catch (e) {
      // removed meanwhile by another reader of an exited --rm container
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    records.names.release(rec.name, rec.id);
    removeTree(records.runDir(rec.id));
    return true;
  });
  records.forget(rec.id);
  if (!mine) return;
  recordEvent(engine, rec, 'remove');
  try {
    removeTree(trash);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!isRootless() || (code !== 'EACCES' && code !== 'EPERM')) throw e;
    // Rootless: the container made files owned by our subordinate ids,
    // which only root of a user namespace with all our ids mapped (our uid
    // and our /etc/subuid ranges) may remove.
    const own = callerNamespace(true, process.getuid!(), process.getgid!(), usernsHost());
    const code2 = await runInUserNamespace(engine.helperPath, ['rm', '-rf', '--', trash], own.uidMap, own.gidMap);
    if (code2 !== 0) throw new UserError(`could not remove ${trash}`, 125, `Remove it with: tsbox unshare rm -rf ${trash}`);
  }
}

export async function removeContainer(engine: Engine, ref: string, opts: { force?: boolean; timeoutSec?: number }): Promise<void> {
  let rec = engine.get(ref);
  if (rec.state === 'running' || rec.state === 'paused') {
    // podman's code for "container state improper"
    if (!opts.force) throw new UserError(`container ${rec.name} is ${rec.state}`, EXIT_STATE_IMPROPER, `Stop it first, or use tsbox rm -f ${rec.name}.`);
    // as podman: the stop signal first, then SIGKILL after the stop timeout
    rec = await stopContainer(engine, rec.id, opts.timeoutSec);
    if (rec.state === 'running') throw new UserError(`container ${rec.name} did not stop; not removing it`);
  }
  const users = engine.list({ all: false }).filter((o) => Object.values(o.spec.namespaces).some((m) => m.kind === 'container' && m.container === rec.id));
  if (users.length) {
    throw new UserError(`container ${rec.name} shares its namespaces with running container(s) ${users.map((u) => u.name).join(', ')}`, 125, 'Remove those first.');
  }
  await removeFiles(engine, rec);
}

// ---------------------------------------------------------------- events

/** An event in the journal (journal.ts); a journal that cannot be written is a warning, never a failed operation. */
export function recordEvent(engine: Engine, rec: ContainerRecord, status: EventStatus): void {
  try {
    appendEvent(engine.paths, rec, status);
  } catch (e) {
    engine.events.emit('warning', { message: `the events journal was not written: ${(e as Error).message}`, container: { id: rec.id, name: rec.name } });
  }
}
