// The engine: containers on disk, reconciled with the kernel at every read.
// There is no daemon: each running container has a monitor (part of
// tsbox-helper) that is its parent, writes its log and records its exit.
// The CLI and the dashboard are two clients of this class; neither holds
// state the other cannot see.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { delay, readJsonIfExists, removeTree, unlinkIfExists, writeJsonAtomic } from './fsutil.js';
import { tryWithLock, withLock } from './lock.js';
import { NAME_RE, NameIndex } from './names.js';
import { randomId, randomInt } from './random.js';
import { deviceRules } from './devices.js';
import { DEFAULT_LOG_MAX, LOG_FILE } from './logfile.js';
import { DEFAULT_PIDS_LIMIT } from './resources.js';
import { currentBootId, isSameProcessAlive, processStartTime } from './proc.js';
import { resolvePaths, isRootless, type Paths } from './paths.js';
import { ImageStore } from './images.js';
import { helperPath } from './helper.js';
import { capsHex } from '../common/capabilities.js';
import { oomKillCount } from './cgroups/oom.js';
import { NAMESPACE_TYPES, type ContainerRecord, type ContainerSpec, type NamespaceType, type ResourceLimits } from './types.js';
import type { VolumeSources } from './volumes.js';
import { os } from './lazy.js';
import { mergeEnv } from './env.js';
import { engineEvents, type EngineEvents } from './events.js';

/** How an engine is opened: the CLI's global flags, the dashboard's too. */
export interface EngineOptions {
  /** relocates all state (--root / TSBOX_ROOT; tests use this) */
  root?: string;
  /** SELinux labeling: auto (when the kernel enforces), on or off (--selinux / TSBOX_SELINUX) */
  selinux?: 'auto' | 'on' | 'off';
}

export interface CreateOptions {
  name?: string;
  spec: ContainerSpec;
}

export interface ExitInfo {
  exitCode: number;
  signal: number;
  finishedAt: string;
}

const ADJ = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'quiet', 'sharp', 'tidy', 'vivid', 'witty'];
const NOUN = ['bohr', 'curie', 'dirac', 'euler', 'gauss', 'hopper', 'knuth', 'lovelace', 'noether', 'ritchie', 'turing', 'wirth'];

/** How long a pid's start time, once read from /proc, is trusted (see alive()). */
const REVERIFY_MS = 5000;
/** a whole container id */
const ID_RE = /^[0-9a-f]{64}$/;

export class Engine {
  readonly images: ImageStore;
  /** warnings while containers start (events.ts): the CLI prints them, the dashboard shows them */
  readonly events: EngineEvents = engineEvents();

  private readonly names: NameIndex;

  private constructor(
    readonly paths: Paths,
    readonly options: EngineOptions,
  ) {
    this.images = new ImageStore(paths);
    this.names = new NameIndex(paths.names, (id) => this.readRecord(id)?.name);
  }

  static open(options: EngineOptions = {}): Engine {
    const paths = resolvePaths(options.root);
    for (const d of [paths.data, paths.run, paths.containers]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    return new Engine(paths, options);
  }

  get helperPath(): string {
    return helperPath();
  }

  /** The heavy half of the engine (ops.ts), loaded when something changes. */
  private ops(): Promise<typeof import('./ops.js')> {
    return import('./ops.js');
  }

  // ---------------------------------------------------------------- records

  // A container's paths are made by concatenation, not path.join: the
  // directories are absolute and normalized (paths.ts) and an id is 64 hex
  // digits. path.join normalizes character by character, and a `run` made
  // ~100 joins of such long paths: V8 then optimized path's normalizeString
  // on a second thread, 2-3 ms of CPU that the container was waiting for.
  private dir(id: string): string {
    return `${this.paths.containers}/${id}`;
  }

  private runDir(id: string): string {
    return `${this.paths.run}/${id}`;
  }

  private exitFile(id: string): string {
    return `${this.runDir(id)}/exit.json`;
  }

  /** The container's log file; logfile.ts reads it with the one rotated before it. */
  logPath(ref: string): string {
    return `${this.dir(this.get(ref).id)}/${LOG_FILE}`;
  }

  /**
   * Parsed state.json by container id, with the stat that identifies the
   * version parsed. The dashboard lists every container every second; a stat
   * is much cheaper than reading and parsing, and state.json is only ever
   * replaced by rename, so a changed file always has a new inode or mtime.
   */
  private readonly cache = new Map<string, { ino: number; mtimeMs: number; size: number; rec: ContainerRecord }>();

  /** Read-only view: callers must not change it (use readFresh to change a record). */
  private readRecord(id: string): ContainerRecord | undefined {
    const file = path.join(this.dir(id), 'state.json');
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      this.cache.delete(id);
      return undefined;
    }
    const hit = this.cache.get(id);
    if (hit && hit.ino === st.ino && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.rec;
    const rec = this.readFresh(id);
    if (rec) this.cache.set(id, { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, rec: Object.freeze(rec) });
    return rec;
  }

  /** A private copy from disk, to change and save. */
  private readFresh(id: string): ContainerRecord | undefined {
    try {
      return readJsonIfExists<ContainerRecord>(path.join(this.dir(id), 'state.json'));
    } catch {
      return undefined; // a record being written by an older, crashed tsbox
    }
  }

  private save(rec: ContainerRecord): void {
    writeJsonAtomic(path.join(this.dir(rec.id), 'state.json'), rec);
  }

  /** fn under the state lock (src/engine/lock.ts), waited for without blocking the event loop. */
  private locked<T>(fn: () => T): Promise<T> {
    return withLock(this.paths.lock, fn);
  }

  /** Under the lock: whether a container answers to `name` (the index is built from the records the first time). */
  private nameTaken(name: string): boolean {
    if (!this.names.exists()) this.names.build(this.allRecords());
    return this.names.lookup(name) !== undefined;
  }

  /** Apply a change to a record under the lock, re-reading it first. */
  private mutate(id: string, change: (rec: ContainerRecord) => void): Promise<ContainerRecord> {
    return this.locked(() => {
      const rec = this.readFresh(id);
      if (!rec) throw new UserError(`no such container: ${id}`);
      change(rec);
      this.save(rec);
      return rec;
    });
  }

  private allRecords(): ContainerRecord[] {
    let ids: string[];
    try {
      ids = fs.readdirSync(this.paths.containers);
    } catch {
      return [];
    }
    const out: ContainerRecord[] = [];
    for (const id of ids) {
      if (id.includes('.')) continue; // <id>.removing: being deleted, no longer a container
      const rec = this.readRecord(id);
      if (rec) out.push(rec);
    }
    return out;
  }

  /**
   * What the kernel says now. A running record whose pid is gone (or is
   * another process now, or is from an earlier boot) has exited: its monitor's
   * exit file says how. Persisted only when something changed.
   *
   * Reads (list, get) run this, the dashboard every second, and must never
   * wait: the change is saved only if the state lock is free right now. If
   * another process holds it, the view is returned unsaved, and a later read
   * saves it (the exit file stays until the next start).
   */
  private reconcile(rec: ContainerRecord): ContainerRecord {
    if (rec.state !== 'running' && rec.state !== 'paused') return rec;
    const sameBoot = rec.bootId === currentBootId();
    // Paused or running is what pause/unpause recorded: reading every
    // container's freezer file on every refresh cost the dashboard more
    // than all its drawing.
    if (sameBoot && this.alive(rec.pid, rec.pidStart)) return rec;
    const exit = sameBoot ? readJsonIfExists<ExitInfo>(this.exitFile(rec.id)) : undefined;
    // The init is gone but its monitor has not written the exit yet: a moment.
    if (!exit && sameBoot && isSameProcessAlive(rec.monitorPid, rec.monitorStart)) return rec;
    const exited = (r: ContainerRecord): ContainerRecord => {
      r.state = 'exited';
      r.exitCode = exit ? exit.exitCode : 255;
      r.finishedAt = exit ? exit.finishedAt : new Date().toISOString();
      if (!exit) r.error = sameBoot ? 'the container monitor died without recording an exit' : 'the host was restarted while the container ran';
      r.oomKilled = sameBoot && r.exitCode === 137 && oomKillCount(r.cgroupPaths) > 0;
      r.pid = 0;
      r.pidStart = 0;
      return r;
    };
    const saved = tryWithLock(this.paths.lock, () => {
      const cur = this.readFresh(rec.id);
      if (!cur || (cur.state !== 'running' && cur.state !== 'paused') || cur.pid !== rec.pid) return cur ?? rec;
      this.save(exited(cur));
      return cur;
    });
    const updated = saved ? saved.value : exited({ ...rec });
    if (updated.spec.autoRemove && updated.state === 'exited' && !this.removing.has(updated.id)) {
      this.removing.add(updated.id);
      this.removeFiles(updated)
        .catch(() => {})
        .finally(() => this.removing.delete(updated.id));
    }
    return updated;
  }

  /** --rm containers whose removal a read has started (reads come every second; one removal each is enough). */
  private readonly removing = new Set<string>();

  /** pid -> start time and when /proc last confirmed it (ms). */
  private readonly verified = new Map<number, { start: number; at: number }>();

  /**
   * Is the process (pid, start) still there? A signal 0 answers "is there a
   * process with this pid" with one syscall; the start time in /proc, which
   * tells a reused pid apart, is re-read at most every few seconds per pid.
   */
  private alive(pid: number, start: number): boolean {
    if (pid <= 0) return false;
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
        this.verified.delete(pid);
        return false;
      }
    }
    const v = this.verified.get(pid);
    const now = Date.now();
    if (v && v.start === start && now - v.at < REVERIFY_MS) return true;
    const ok = isSameProcessAlive(pid, start);
    if (ok) this.verified.set(pid, { start, at: now });
    else this.verified.delete(pid);
    return ok;
  }

  list(opts: { all?: boolean } = {}): ContainerRecord[] {
    const recs = this.allRecords().map((r) => this.reconcile(r));
    const shown = opts.all ? recs : recs.filter((r) => r.state === 'running' || r.state === 'paused');
    return shown.sort((a, b) => b.created.localeCompare(a.created));
  }

  /** By exact name, exact id, or unique id prefix (>= 3 chars). */
  get(ref: string): ContainerRecord {
    // a whole id (first, as podman looks) or a name (through the index): one record read
    const byId = ID_RE.test(ref) ? this.readRecord(ref) : undefined;
    const id = byId ? undefined : this.names.lookup(ref);
    const direct = byId ?? (id ? this.readRecord(id) : undefined);
    if (direct) return this.reconcile(direct);
    // an id prefix, or a name in state made before the index
    const all = this.allRecords();
    const hit =
      all.find((r) => r.name === ref) ??
      all.find((r) => r.id === ref) ??
      (() => {
        if (ref.length < 3 || !/^[0-9a-f]+$/.test(ref)) return undefined;
        const m = all.filter((r) => r.id.startsWith(ref));
        if (m.length > 1) throw new UserError(`container id prefix '${ref}' is ambiguous`, 125, 'Give more characters of the id, or the name.');
        return m[0];
      })();
    if (!hit) throw new UserError(`no such container: ${ref}`, 125, 'See `tsbox ps -a` for the containers there are.');
    return this.reconcile(hit);
  }

  // ---------------------------------------------------------------- create

  async create(opts: CreateOptions): Promise<ContainerRecord> {
    const o = await this.ops();
    const spec = opts.spec;
    this.images.get(spec.image); // image must exist
    this.images.closeToOthers();
    const layout = o.detectLayout();
    if (spec.resources.pidsLimit === undefined && !isRootless() && (layout.v1.pids || layout.v2Controllers.includes('pids'))) {
      spec.resources = { ...spec.resources, pidsLimit: DEFAULT_PIDS_LIMIT };
    }
    o.validateLimits(spec.resources, layout, { rootless: isRootless() });
    for (const t of NAMESPACE_TYPES) {
      const m = spec.namespaces[t];
      if (m.kind === 'container') m.container = this.get(m.container).id;
    }
    const id = randomId();
    const dir = this.dir(id);
    // Build the container's files first, outside the lock: nobody sees the
    // directory until state.json names it. Then claim the name under the lock.
    fs.mkdirSync(dir, { mode: 0o700 });
    try {
      const name = opts.name ?? '';
      if (opts.name !== undefined) checkName(name);
      const hostname = spec.hostname || (opts.name ?? id.slice(0, 12)).slice(0, 63);
      o.prepareRootfs(dir, spec.image, this.images, hostname, { privateCopy: !isRootless() && spec.namespaces.user.kind !== 'host' });
      o.prepareForUserns(dir, spec, (other) => this.readRecord(other)?.spec);
      if (spec.seccomp !== 'unconfined') fs.writeFileSync(path.join(dir, 'seccomp.bpf'), o.defaultSeccompProgram(process.arch, spec.capabilities));
      return await this.locked(() => {
        let finalName = name;
        if (opts.name !== undefined) {
          if (this.nameTaken(name)) {
            throw new UserError(`the container name '${name}' is already in use`, 125, `Remove it (tsbox rm -f ${name}) or choose another --name.`);
          }
        } else {
          do finalName = `${ADJ[randomInt(ADJ.length)]}_${NOUN[randomInt(NOUN.length)]}_${randomInt(1000)}`;
          while (this.nameTaken(finalName));
        }
        if (!spec.hostname) spec.hostname = hostname;
        // Derived from the spec (state.json, written durably below) and read
        // only by inspect, which shows null if a crash left it torn.
        writeJsonAtomic(
          path.join(dir, 'config.json'),
          o.ociConfig(spec, {
            rootfs: path.join(dir, 'rootfs'),
            etcDir: path.join(dir, 'etc'),
            cgroupsPath: `/tsbox/${id}`,
            devices: this.devicesOf(spec),
            nsPath: (t, c) => `/proc/${this.readRecord(c)?.pid ?? 0}/ns/${t}`,
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
        this.names.claim(finalName, id);
        this.save(rec);
        return rec;
      });
    } catch (e) {
      removeTree(dir);
      throw e;
    }
  }

  // ---------------------------------------------------------------- start

  /** The device allowlist of a container (devices.ts): none when privileged or rootless. */
  private devicesOf(spec: ContainerSpec): readonly string[] | undefined {
    return deviceRules({ privileged: spec.privileged, rootless: isRootless() });
  }

  /**
   * The helper's argv, and the fds it gets from fd 4 on: the seccomp program
   * (`opened` here, for the caller to close) and the volume sources.
   */
  private helperArgs(
    o: typeof import('./ops.js'),
    rec: ContainerRecord,
    attach: boolean,
    cgroupPaths: string[],
    sources: VolumeSources,
  ): { args: string[]; fds: number[]; opened: number[] } {
    const s = rec.spec;
    const dir = this.dir(rec.id);
    const args = ['run', '--status-fd', '3', '--log', `${dir}/${LOG_FILE}`, '--log-max', String(s.logMaxSize ?? DEFAULT_LOG_MAX), '--exit-file', this.exitFile(rec.id)];
    if (!attach) args.push('--detach');
    args.push(...o.rootfsArgs(dir, s.image, this.images));
    for (const t of NAMESPACE_TYPES) {
      const m = s.namespaces[t];
      if (m.kind === 'private') args.push('--ns', t);
      else if (m.kind === 'container') {
        const other = this.get(m.container);
        if (other.state !== 'running' && other.state !== 'paused') {
          throw new UserError(`container ${other.name} must be running to share its ${t} namespace`, 125, `Start it first: tsbox start ${other.name}`);
        }
        args.push('--join-ns', `${t}:/proc/${other.pid}/ns/${t}`);
      }
    }
    args.push('--hostname', s.hostname);
    for (const e of s.env) args.push('--env', e);
    args.push('--cwd', s.workdir, '--uid', String(s.user.uid), '--gid', String(s.user.gid));
    if (s.user.groups.length) args.push('--groups', s.user.groups.join(','));
    for (const p of cgroupPaths) args.push('--cgroup', p);
    // the helper enforces them on the v2 cgroup; a v1 devices cgroup has them from createContainerCgroups
    const v2Root = o.detectLayout().v2Root;
    if (v2Root && cgroupPaths.some((p) => p.startsWith(`${v2Root}/`))) for (const r of this.devicesOf(s) ?? []) args.push('--device-rule', r);
    const fds: number[] = [];
    const opened: number[] = [];
    const pass = (fd: number) => 3 + fds.push(fd); // its number in the helper (extra fds from 4 on)
    // the volumes are bound from the fds their sources were checked on (start)
    args.push(...o.helperMountArgs(s.volumes, (v) => pass(sources.get(v)!.fd)));
    if (s.readOnlyRoot) args.push('--ro-root');
    if (s.labels.mount && !s.labels.disabled) args.push('--mount-label', s.labels.mount);
    if (s.labels.process && !s.labels.disabled) args.push('--process-label', s.labels.process);
    args.push('--caps', capsHex(s.capabilities));
    if (s.noNewPrivileges) args.push('--no-new-privs');
    if (s.seccomp !== 'unconfined') {
      opened.push(fs.openSync(path.join(dir, 'seccomp.bpf'), 'r'));
      args.push('--seccomp-fd', String(pass(opened[0])));
    }
    if (s.tty) args.push('--tty');
    if (s.interactive) args.push('--stdin');
    args.push('--', ...s.command);
    return { args, fds, opened };
  }

  /** The helper argv an attached start would use, and the fds it gets (the caller closes them): for benchmarks (the helper alone) and debugging. */
  async helperPlan(ref: string, cgroupPaths: string[] = []): Promise<{ args: string[]; fds: number[] }> {
    const o = await this.ops();
    const rec = this.get(ref);
    const plan = this.helperArgs(o, rec, true, cgroupPaths, o.openVolumeSources(rec.spec.volumes));
    return { args: plan.args, fds: plan.fds };
  }

  /**
   * Start a created or exited container. Detached: resolves once CMD runs.
   * Attached (`run` without -d): the helper shares our stdio and the promise
   * resolves with the container's exit code.
   */
  async start(ref: string, opts: { attach?: boolean } = {}): Promise<ContainerRecord & { attachedExit?: number }> {
    const rec = this.get(ref);
    if (rec.state === 'running' || rec.state === 'paused') return rec; // podman: starting a running container is a no-op
    const o = await this.ops();
    const s = rec.spec;
    for (const p of rec.cgroupPaths) await o.removeContainerCgroups([p]); // leftovers of an earlier run
    this.images.closeToOthers();
    unlinkIfExists(this.exitFile(rec.id));
    fs.mkdirSync(this.runDir(rec.id), { recursive: true, mode: 0o700 });
    await o.shiftRootless(this.dir(rec.id), s, this.images, this.helperPath, (other) => this.readRecord(other)?.spec);
    // Rootless on v1 (or without delegation) there is no cgroup of our own to
    // make; validateLimits has already refused any limit in that case.
    const layout = o.detectLayout();
    const devices = this.devicesOf(s);
    const warn = (message: string) => this.events.emit('warning', { message, container: { id: rec.id, name: rec.name } });
    if (devices && !layout.v1.devices && !layout.v2Root) warn('this host has no devices cgroup and no cgroup v2: the device allowlist is not enforced');
    const cgroupPaths = isRootless() && layout.kind !== 'v2' ? [] : o.createContainerCgroups(rec.id, s.resources, { devices });
    // Each volume source is opened once, and refused if it is no longer the
    // path recorded at create: the U chown, the relabel and the bind all
    // work on these fds, never on the path again.
    let sources: VolumeSources = new Map();
    let opened: number[] = [];
    const closeFds = () => {
      for (const fd of opened.splice(0)) fs.closeSync(fd);
      o.closeVolumeSources(sources);
    };
    try {
      const volumes = new o.VolumeStore(this.paths);
      for (const v of s.volumes) if (v.type === 'volume' && v.name) volumes.ensure(v.name);
      sources = o.openVolumeSources(s.volumes);
      const warnings = o.chownVolumes(s.volumes, { uidMap: s.uidMap, gidMap: s.gidMap, user: s.user }, { helper: this.helperPath, sources }).warnings;
      // the other running containers matter only to volumes that get relabeled
      // (conflict warnings); listing them reads every container's record
      const relabels = s.labels.mount && !s.labels.disabled && s.volumes.some((v) => v.relabel);
      const others = relabels ? this.list({ all: false }).filter((r) => r.id !== rec.id) : [];
      if (relabels) warnings.push(...(await o.relabelVolumes(rec, s.volumes, s.labels.mount!, { paths: this.paths, others, helper: this.helperPath, sources })).warnings);
      for (const w of warnings) warn(w);
      const plan = this.helperArgs(o, rec, !!opts.attach, cgroupPaths, sources);
      opened = plan.opened;
      const userns = s.namespaces.user.kind === 'private';
      const run = o.spawnHelper(plan.args, {
        stdio: opts.attach ? 'inherit' : 'detached',
        extraFds: plan.fds,
        onPid: userns ? (pid) => o.writeIdMaps(pid, s.uidMap, s.gidMap) : undefined,
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
      const started = await this.mutate(rec.id, (r) => {
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
      });
      if (!opts.attach) {
        run.release();
        return started;
      }
      const code = await run.exited;
      if (s.autoRemove) {
        // --rm: nobody will read the exit state, so it is not recorded; the
        // container goes now (or already went, by a concurrent reader)
        await this.removeFiles(started);
        return { ...started, state: 'exited', pid: 0, exitCode: code, attachedExit: code };
      }
      const final = this.readRecord(rec.id);
      return { ...(final ? this.reconcile(final) : started), attachedExit: code };
    } catch (e) {
      await o.removeContainerCgroups(cgroupPaths);
      // recorded if it can be: the error to report is the start's
      await this.mutate(rec.id, (r) => {
        r.error = e instanceof Error ? e.message : String(e);
      }).catch(() => {});
      throw e;
    } finally {
      closeFds();
    }
  }

  // ---------------------------------------------------------------- signals

  private signalInit(rec: ContainerRecord, signal: NodeJS.Signals | number): void {
    if (!isSameProcessAlive(rec.pid, rec.pidStart)) return;
    try {
      process.kill(rec.pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  async kill(ref: string, signal: string = 'SIGKILL'): Promise<void> {
    const rec = this.get(ref);
    if (rec.state !== 'running' && rec.state !== 'paused') {
      throw new UserError(`container ${rec.name} is not running`, 125, `Its state is ${rec.state}.`);
    }
    const sig = parseSignal(signal);
    this.signalInit(rec, sig);
    if (sig === 'SIGKILL' && rec.state === 'paused') await (await this.ops()).setFrozen(rec.cgroupPaths, false);
  }

  /** Resolves with the exit code once the container is no longer running. */
  async wait(ref: string, timeoutMs = Infinity): Promise<number | null> {
    const id = this.get(ref).id;
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const rec = this.readRecord(id);
      if (!rec) return null; // removed (--rm)
      const cur = this.reconcile(rec);
      if (cur.state === 'exited' || cur.state === 'created') return cur.exitCode;
      if (Date.now() > deadline) return null;
      await delay(pause);
    }
  }

  /** SIGTERM, then SIGKILL after timeoutSec, like podman stop. */
  async stop(ref: string, timeoutSec = 10): Promise<ContainerRecord> {
    const rec = this.get(ref);
    if (rec.state !== 'running' && rec.state !== 'paused') return rec;
    const o = await this.ops();
    if (rec.state === 'paused') await o.setFrozen(rec.cgroupPaths, false);
    if (timeoutSec > 0) {
      this.signalInit(rec, 'SIGTERM');
      if ((await this.wait(rec.id, timeoutSec * 1000)) !== null) return this.get(rec.id);
    }
    this.signalInit(rec, 'SIGKILL');
    if (rec.cgroupPaths.length) o.killAll(rec.cgroupPaths, 'SIGKILL');
    await this.wait(rec.id, 10000);
    return this.get(rec.id);
  }

  async restart(ref: string, timeoutSec = 10): Promise<ContainerRecord> {
    await this.stop(ref, timeoutSec);
    return this.start(ref);
  }

  async pause(ref: string): Promise<void> {
    const rec = this.get(ref);
    if (rec.state !== 'running') throw new UserError(`container ${rec.name} is ${rec.state}, not running`, 125, 'Only running containers can be paused.');
    if (rec.cgroupPaths.length === 0) throw new UserError(`container ${rec.name} has no cgroup of its own, so it cannot be frozen`, 125, 'Rootless containers get cgroups only on cgroup v2 with a delegated subtree.');
    await (await this.ops()).setFrozen(rec.cgroupPaths, true);
    await this.mutate(rec.id, (r) => {
      r.state = 'paused';
    });
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.get(ref);
    if (rec.state !== 'paused') throw new UserError(`container ${rec.name} is not paused`, 125, `Its state is ${rec.state}.`);
    await (await this.ops()).setFrozen(rec.cgroupPaths, false);
    await this.mutate(rec.id, (r) => {
      r.state = 'running';
    });
  }

  async update(ref: string, limits: ResourceLimits): Promise<ContainerRecord> {
    const rec = this.get(ref);
    const o = await this.ops();
    o.validateLimits(limits, o.detectLayout(), { rootless: isRootless() });
    if (rec.state === 'running' || rec.state === 'paused') o.updateLimits(rec.cgroupPaths, limits);
    return this.mutate(rec.id, (r) => {
      r.spec.resources = { ...r.spec.resources, ...limits };
    });
  }

  // ---------------------------------------------------------------- rename

  /** Give a container another name; its hostname, id and namespaces stay. */
  async rename(ref: string, name: string): Promise<ContainerRecord> {
    checkName(name);
    const { id, name: old } = this.get(ref);
    if (old === name) return this.get(id);
    return this.locked(() => {
      if (this.nameTaken(name)) throw new UserError(`the container name '${name}' is already in use`, 125, 'Choose another name.');
      const rec = this.readFresh(id);
      if (!rec) throw new UserError(`no such container: ${ref}`);
      // new link, record, then the old link goes: a crash between leaves a
      // stale link, never a name that two containers answer to
      this.names.claim(name, id);
      rec.name = name;
      this.save(rec);
      this.names.release(old, id);
      return rec;
    });
  }

  // ---------------------------------------------------------------- remove

  private async removeFiles(rec: ContainerRecord): Promise<void> {
    const o = await this.ops();
    await o.removeContainerCgroups(rec.cgroupPaths);
    // The record goes first, under the lock: from then on the container is
    // gone for every reader, and its files are only garbage to collect.
    const dir = this.dir(rec.id);
    const trash = `${dir}.removing`;
    const mine = await this.locked(() => {
      try {
        fs.renameSync(dir, trash);
      } catch (e) {
        // removed meanwhile by another reader of an exited --rm container
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
      this.names.release(rec.name, rec.id);
      removeTree(this.runDir(rec.id));
      return true;
    });
    this.cache.delete(rec.id);
    if (!mine) return;
    try {
      removeTree(trash);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!isRootless() || (code !== 'EACCES' && code !== 'EPERM')) throw e;
      // Rootless: the container made files owned by our subordinate ids,
      // which only root of a user namespace with all our ids mapped (our uid
      // and our /etc/subuid ranges) may remove.
      const own = o.callerNamespace(true, process.getuid!(), process.getgid!(), o.usernsHost());
      const code2 = await o.runInUserNamespace(this.helperPath, ['rm', '-rf', '--', trash], own.uidMap, own.gidMap);
      if (code2 !== 0) throw new UserError(`could not remove ${trash}`, 125, `Remove it with: tsbox unshare rm -rf ${trash}`);
    }
  }

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    let rec = this.get(ref);
    if (rec.state === 'running' || rec.state === 'paused') {
      if (!opts.force) throw new UserError(`container ${rec.name} is ${rec.state}`, 125, `Stop it first, or use tsbox rm -f ${rec.name}.`);
      rec = await this.stop(rec.id, 0);
      if (rec.state === 'running') throw new UserError(`container ${rec.name} did not stop; not removing it`);
    }
    const users = this.list({ all: false }).filter((o) => Object.values(o.spec.namespaces).some((m) => m.kind === 'container' && m.container === rec.id));
    if (users.length) {
      throw new UserError(`container ${rec.name} shares its namespaces with running container(s) ${users.map((u) => u.name).join(', ')}`, 125, 'Remove those first.');
    }
    await this.removeFiles(rec);
  }

  // ---------------------------------------------------------------- exec

  /** argv of the helper that runs CMD in the container; spawn it with stdio inherited. */
  execCommand(
    ref: string,
    cmd: string[],
    opts: { tty: boolean; interactive: boolean; user?: { uid: number; gid: number; groups: number[] }; env?: string[]; workdir?: string },
  ): { file: string; args: string[] } {
    const rec = this.get(ref);
    if (rec.state !== 'running') {
      throw new UserError(`container ${rec.name} is ${rec.state}, not running`, 125, rec.state === 'paused' ? `Unpause it first: tsbox unpause ${rec.name}` : `Start it first: tsbox start ${rec.name}`);
    }
    const s = rec.spec;
    const args = ['exec', '--pid', String(rec.pid), '--pid-start', String(rec.pidStart)];
    for (const t of NAMESPACE_TYPES) {
      if (sameNamespace(t, rec.pid)) continue; // setns into our own namespace is refused for user ns
      args.push('--ns', t);
    }
    for (const p of rec.cgroupPaths) args.push('--cgroup', p);
    const env = mergeEnv(s.env, opts.env ?? []);
    for (const e of env) args.push('--env', e);
    const user = opts.user ?? s.user;
    args.push('--cwd', opts.workdir ?? s.workdir, '--uid', String(user.uid), '--gid', String(user.gid));
    if (user.groups.length) args.push('--groups', user.groups.join(','));
    args.push('--caps', capsHex(s.capabilities));
    if (s.noNewPrivileges) args.push('--no-new-privs');
    if (s.labels.process && !s.labels.disabled) args.push('--process-label', s.labels.process);
    if (s.seccomp !== 'unconfined') args.push('--seccomp-file', path.join(this.dir(rec.id), 'seccomp.bpf'));
    if (opts.tty) args.push('--tty');
    if (opts.interactive) args.push('--stdin');
    args.push('--', ...cmd);
    return { file: this.helperPath, args };
  }

  // ---------------------------------------------------------------- inspect

  inspect(ref: string): Record<string, unknown> {
    const rec = this.get(ref);
    const dir = this.dir(rec.id);
    const running = rec.state === 'running' || rec.state === 'paused';
    const ns: Record<string, number | null> = {};
    for (const t of NAMESPACE_TYPES) {
      let ino: number | null = null;
      if (running) {
        try {
          ino = fs.statSync(`/proc/${rec.pid}/ns/${t}`).ino;
        } catch {
          /* raced with exit */
        }
      }
      ns[t] = ino;
    }
    return {
      Id: rec.id,
      Name: rec.name,
      Created: rec.created,
      Image: rec.spec.image,
      Path: rec.spec.command[0],
      Args: rec.spec.command.slice(1),
      State: {
        Status: rec.state,
        Running: rec.state === 'running',
        Paused: rec.state === 'paused',
        OOMKilled: rec.oomKilled,
        Pid: rec.pid,
        ConmonPid: running ? rec.monitorPid : 0,
        ExitCode: rec.exitCode,
        StartedAt: rec.startedAt,
        FinishedAt: rec.finishedAt,
        Error: rec.error ?? '',
      },
      Namespaces: ns,
      NamespaceModes: rec.spec.namespaces,
      Cgroups: rec.cgroupPaths,
      LogPath: `${dir}/${LOG_FILE}`,
      Bundle: dir,
      ProcessLabel: rec.spec.labels.disabled ? '' : (rec.spec.labels.process ?? ''),
      MountLabel: rec.spec.labels.disabled ? '' : (rec.spec.labels.mount ?? ''),
      HostConfig: {
        Resources: rec.spec.resources,
        Privileged: rec.spec.privileged,
        CapAdd: rec.spec.capabilities,
        Seccomp: rec.spec.seccomp,
        // as podman shows it; Size in bytes, for ctr.log and again for ctr.log.1
        LogConfig: { Type: 'k8s-file', Path: `${dir}/${LOG_FILE}`, Size: rec.spec.logMaxSize ?? DEFAULT_LOG_MAX },
      },
      Mounts: rec.spec.volumes,
      Config: rec.spec,
      OCIConfig: readOciConfig(path.join(dir, 'config.json')),
    };
  }
}

/** config.json, or null when it is missing or torn (it is written without fsync). */
function readOciConfig(file: string): unknown {
  try {
    return readJsonIfExists(file) ?? null;
  } catch {
    return null;
  }
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new UserError(`invalid container name '${name}'`, 125, 'Names start with a letter or digit and use [a-zA-Z0-9_.-].');
}

function sameNamespace(type: NamespaceType, pid: number): boolean {
  try {
    return fs.statSync(`/proc/self/ns/${type}`).ino === fs.statSync(`/proc/${pid}/ns/${type}`).ino;
  } catch {
    return false;
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
