// The engine: containers on disk, reconciled with the kernel at every read.
// There is no daemon: each running container has a monitor (part of
// tsbox-helper) that is its parent, writes its log and records its exit.
// The CLI and the dashboard are two clients of this class; neither holds
// state the other cannot see.
//
// Where things are:
//   records.ts     state.json per container, the names index, the state lock
//   liveness.ts    is the init still there; what a record becomes when not
//   lifecycle.ts   create, start, stop, kill, pause, update, rename, remove
//   helper-argv.ts the plan for tsbox-helper (pure; native/PROTOCOL.md)
//   events.ts      the warnings a client shows
// Reads (list, get, inspect, logs) are here; every change is in
// lifecycle.ts, loaded on the first one: `tsbox ps` and the dashboard's
// refresh never load it, nor the cgroup writers, seccomp compiler, volume
// and label code it imports.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';
import { delay } from './fsutil.js';
import { mergeEnv } from './env.js';
import { engineEvents, type EngineEvents } from './events.js';
import { execArgv } from './helper-argv.js';
import { helperPath, nativeDir } from './helper.js';
import { ImageStore, importedName } from './images.js';
import { inspectRecord } from './inspect.js';
import type { CreateOptions, StartOptions } from './lifecycle.js';
import { Liveness } from './liveness.js';
import { resolvePaths, type Paths } from './paths.js';
import { RecordStore } from './records.js';
import type { ContainerRecord, ImageRecord, ResourceLimits } from './types.js';
import type { PullRequest } from './image-pull.js';

export type { CreateOptions, StartOptions } from './lifecycle.js';

/** How an engine is opened: the CLI's global flags, the dashboard's too. */
export interface EngineOptions {
  /** relocates all state (--root / TSBOX_ROOT; tests use this) */
  root?: string;
  /** SELinux labeling: auto (when the kernel enforces), on or off (--selinux / TSBOX_SELINUX) */
  selinux?: 'auto' | 'on' | 'off';
}

/** Everything that changes a container, loaded on first use (see the top of this file). */
const lifecycle = (): Promise<typeof import('./lifecycle.js')> => import('./lifecycle.js');

export class Engine {
  readonly images: ImageStore;
  /** the containers on disk: lifecycle.ts changes them through it */
  readonly records: RecordStore;
  /** warnings while containers start (events.ts): the CLI prints them, the dashboard shows them */
  readonly events: EngineEvents = engineEvents();

  private readonly liveness: Liveness;
  /** --rm containers whose removal a read has started (reads come every second; one removal each is enough). */
  private readonly removing = new Set<string>();

  private constructor(
    readonly paths: Paths,
    readonly options: EngineOptions,
  ) {
    this.images = new ImageStore(paths);
    this.records = new RecordStore(paths);
    this.liveness = new Liveness(this.records);
  }

  static open(options: EngineOptions = {}): Engine {
    const paths = resolvePaths(options.root);
    for (const d of [paths.data, paths.run, paths.containers]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    return new Engine(paths, options);
  }

  get helperPath(): string {
    return helperPath();
  }

  /**
   * What a monitor runs when its container exits and nobody is attached
   * (native/PROTOCOL.md, --on-exit): `tsbox container cleanup ID` with this
   * engine's root, by the node that runs us.
   */
  cleanupCommand(id: string): string[] | undefined {
    const bin = path.join(nativeDir(), '../bin/tsbox.js');
    if (!fs.existsSync(bin)) return undefined;
    return [process.execPath, bin, ...(this.options.root ? ['--root', path.resolve(this.options.root)] : []), 'container', 'cleanup', id];
  }

  // ---------------------------------------------------------------- reads

  /** The container's log file; logfile.ts reads it with the one rotated before it. */
  logPath(ref: string): string {
    return this.records.logFile(this.get(ref).id);
  }

  list(opts: { all?: boolean } = {}): ContainerRecord[] {
    const recs = this.records.all().map((r) => this.reconcile(r));
    const shown = opts.all ? recs : recs.filter((r) => r.state === 'running' || r.state === 'paused');
    // newest first; created is an ISO 8601 UTC time, whose code units sort as
    // the times do (localeCompare also sorts them so, after ~10 ms of CPU for ICU's
    // collator set-up in a CLI that lists once)
    return shown.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  /** By exact name, exact id, or unique id prefix (>= 3 chars). */
  get(ref: string): ContainerRecord {
    return this.reconcile(this.records.find(ref));
  }

  /** Container `id` as the kernel has it now, or undefined when it is gone (removed, --rm). */
  current(id: string): ContainerRecord | undefined {
    const rec = this.records.read(id);
    return rec && this.reconcile(rec);
  }

  /** liveness.ts's view, and the removal of an exited --rm container that nobody waited for. */
  private reconcile(rec: ContainerRecord): ContainerRecord {
    const updated = this.liveness.reconcile(rec);
    if (updated.spec.autoRemove && updated.state === 'exited' && !this.removing.has(updated.id)) {
      this.removing.add(updated.id);
      lifecycle()
        .then(({ removeFiles }) => removeFiles(this, updated))
        .catch(() => {})
        .finally(() => this.removing.delete(updated.id));
    }
    return updated;
  }

  /** Resolves with the exit code once the container is no longer running. */
  async wait(ref: string, timeoutMs = Infinity): Promise<number | null> {
    const id = this.get(ref).id;
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const cur = this.current(id);
      if (!cur) return null; // removed (--rm)
      if (cur.state === 'exited' || cur.state === 'created') return cur.exitCode;
      if (Date.now() > deadline) return null;
      await delay(pause);
    }
  }

  /**
   * A container's monitor runs this when the container has exited and nobody
   * was attached to see it (`tsbox container cleanup ID`, native/PROTOCOL.md
   * --on-exit): its restart policy is applied, or a --rm container removed.
   */
  async cleanup(ref: string): Promise<void> {
    const rec = this.liveness.reconcile(this.records.find(ref));
    if (rec.state !== 'exited') return; // started again meanwhile, or never ran
    const l = await lifecycle();
    if (await l.applyRestartPolicy(this, rec)) return;
    if (rec.spec.autoRemove && !this.removing.has(rec.id)) {
      this.removing.add(rec.id);
      try {
        await l.removeFiles(this, rec);
      } finally {
        this.removing.delete(rec.id);
      }
    }
  }

  inspect(ref: string): Record<string, unknown> {
    const rec = this.get(ref);
    let imageId: string | undefined;
    try {
      imageId = this.images.get(rec.spec.image).id;
    } catch {
      /* removed since */
    }
    return inspectRecord(rec, this.records, imageId);
  }

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
    const args = execArgv({
      pid: rec.pid,
      pidStart: rec.pidStart,
      // setns into our own namespace is refused for a user namespace
      join: NAMESPACE_TYPES.filter((t) => !sameNamespace(t, rec.pid)),
      cgroupPaths: rec.cgroupPaths,
      spec: s,
      cmd,
      env: mergeEnv(s.env, opts.env ?? []),
      user: opts.user ?? s.user,
      workdir: opts.workdir ?? s.workdir,
      tty: opts.tty,
      interactive: opts.interactive,
      seccompFile: s.seccomp === 'unconfined' ? undefined : `${this.records.dir(rec.id)}/seccomp.bpf`,
    });
    return { file: this.helperPath, args };
  }

  // ---------------------------------------------------------------- images

  /** Pull an image from its registry (image-pull.ts); resolves with it stored. */
  async pull(ref: string, req: PullRequest = {}): Promise<ImageRecord> {
    return (await import('./image-pull.js')).pull(this, ref, req);
  }

  /** image load -i INPUT (image-archive.ts): every image in it, stored. */
  async load(input: string): Promise<ImageRecord[]> {
    return (await import('./image-archive.js')).loadImages(this.archiveContext(), input);
  }

  /** image save: the layered image REF as an OCI layout at OUT (image-archive.ts). */
  async save(ref: string, out: string, format: 'oci-archive' | 'oci-dir'): Promise<void> {
    return (await import('./image-archive.js')).saveImage(this.archiveContext(), this.images.get(ref), ref, out, format);
  }

  private archiveContext() {
    return { helper: this.helperPath, layers: this.images.layers, oci: this.images.oci, scratch: this.paths.data, locked: <T>(fn: () => T) => this.records.locked(fn) };
  }

  /** The containers (names) that use image REC. */
  imageUsers(rec: ImageRecord): string[] {
    return this.list({ all: true })
      .filter((c) => (rec.kind === 'oci' ? c.spec.imageId === rec.id : !c.spec.imageId && importedName(c.spec.image) === rec.name))
      .map((c) => c.name);
  }

  // ---------------------------------------------------------------- changes (lifecycle.ts)

  async create(opts: CreateOptions): Promise<ContainerRecord> {
    return (await lifecycle()).createContainer(this, opts);
  }

  /**
   * Start a created or exited container. Detached: resolves once CMD runs.
   * Attached (`run` without -d): the helper shares our stdio and the promise
   * resolves with the container's exit code.
   */
  async start(ref: string, opts: StartOptions = {}): Promise<ContainerRecord & { attachedExit?: number }> {
    return (await lifecycle()).startContainer(this, ref, opts);
  }

  /** The helper argv an attached start would use, and the fds it gets (the caller closes them): for benchmarks (the helper alone) and debugging. */
  async helperPlan(ref: string, cgroupPaths: string[] = []): Promise<{ args: string[]; fds: number[] }> {
    return (await lifecycle()).helperPlan(this, ref, cgroupPaths);
  }

  async kill(ref: string, signal: string = 'SIGKILL'): Promise<void> {
    return (await lifecycle()).killContainer(this, ref, signal);
  }

  /** The stop signal, then SIGKILL after timeoutSec (default: the container's --stop-timeout, 10), like podman stop. */
  async stop(ref: string, timeoutSec?: number): Promise<ContainerRecord> {
    return (await lifecycle()).stopContainer(this, ref, timeoutSec);
  }

  async restart(ref: string, timeoutSec?: number): Promise<ContainerRecord> {
    await this.stop(ref, timeoutSec);
    const started = await this.start(ref);
    (await lifecycle()).recordEvent(this, started, 'restart');
    return started;
  }

  async pause(ref: string): Promise<void> {
    return (await lifecycle()).pauseContainer(this, ref);
  }

  async unpause(ref: string): Promise<void> {
    return (await lifecycle()).unpauseContainer(this, ref);
  }

  async update(ref: string, limits: ResourceLimits): Promise<ContainerRecord> {
    return (await lifecycle()).updateContainer(this, ref, limits);
  }

  /** Give a container another name; its hostname, id and namespaces stay. */
  async rename(ref: string, name: string): Promise<ContainerRecord> {
    return (await lifecycle()).renameContainer(this, ref, name);
  }

  async remove(ref: string, opts: { force?: boolean; timeoutSec?: number } = {}): Promise<void> {
    return (await lifecycle()).removeContainer(this, ref, opts);
  }
}

function sameNamespace(type: NamespaceType, pid: number): boolean {
  try {
    return fs.statSync(`/proc/self/ns/${type}`).ino === fs.statSync(`/proc/${pid}/ns/${type}`).ino;
  } catch {
    return false;
  }
}
