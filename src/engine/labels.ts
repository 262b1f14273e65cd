// SELinux labels on host files: relabeling volume sources for :z/:Z, keeping
// the labels they had before so `tsbox label restore` can put them back
// exactly, and reports of what each container's volumes carry and need.
//
// Labels are the security.selinux xattr. Node has no xattr API, so reads and
// writes go through `tsbox-helper xattr`, many files to one spawn. The
// helper never gets a host path: each tree is an fd the engine opened and
// checked (host-paths.ts openExact; a volume's is the one it is bound from),
// and files are paths beneath it, resolved without following a symlink or
// leaving the tree (native/tree.c). The walk of a tree happens there too. The
// helper prints a label without the NUL that SELinux kernels end it with
// (it is not part of the context) and writes it without one: on a kernel
// without SELinux, an original stored with a NUL comes back without it.
//
// Records live in paths.labels/records, one JSON file per relabeled tree:
//   { root, entries: { PATH: { original: LABEL | null, applied: LABEL } } }
// `original` is the label before tsbox first changed PATH (null: it had none);
// `applied` is what tsbox last wrote. A path relabeled again keeps its first
// original, whichever tree it was recorded under. ROOT and the paths are
// the kernel's names of the opened trees (no symlinks in them).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { readJsonIfExists, writeJsonAtomic } from './fsutil.js';
import { openExact, openPath, refuseProtectedPath, type OpenedPath } from './host-paths.js';
import { withLock } from './lock.js';
import { childProcess, crypto } from './lazy.js';
import type { Paths } from './paths.js';
import { levelCategories, levelOf, SHARED_FILE_LABEL, typeOf } from './selinux.js';
import type { ContainerRecord, VolumeSpec } from './types.js';
import type { VolumeSources } from './volumes.js';

const XATTR = 'security.selinux';

// ------------------------------------------------------------ helper calls

/** A file beneath an opened tree: `rel` is '.' for the tree's root itself. */
interface Beneath {
  root: OpenedPath;
  rel: string;
}
const fullPath = (b: Beneath) => (b.rel === '.' ? b.root.path : `${b.root.path}/${b.rel}`);

type XattrOp = (Beneath & ({ op: 'get' } | { op: 'set'; value: string } | { op: 'remove' })) | { op: 'walk'; root: OpenedPath };
/** value: the label (get), null for none (get, remove); gone: not beneath the root (any more); error: what failed */
type XattrAnswer = { value: string | null; gone?: undefined; error?: undefined } | { gone: true; error?: undefined } | { error: string; gone?: undefined };
/** A walk: every file of the tree with its label, and the mount points not entered. */
interface TreeLabels {
  files: Array<{ rel: string; answer: XattrAnswer }>;
  mountPoints: string[];
}

function answerOf(field: string): XattrAnswer {
  if (field.startsWith('!')) return { error: field.slice(1) };
  if (field === '?') return { gone: true };
  return { value: field.startsWith('=') ? field.slice(1) : null };
}

/** Run `ops` in one `tsbox-helper xattr` (native/xattr.c has the protocol); walks answer with TreeLabels. */
function xattrRun(helper: string, ops: XattrOp[]): Array<XattrAnswer | TreeLabels> {
  if (ops.length === 0) return [];
  // the roots go to the helper from fd 3 on, each once
  const fds = [...new Set(ops.map((o) => o.root.fd))];
  const childFd = (root: OpenedPath) => String(3 + fds.indexOf(root.fd));
  const input = ops
    .map((o) => (o.op === 'walk' ? `w\0${childFd(o.root)}\0` : `${o.op[0]}\0${childFd(o.root)}\0${o.rel}\0${o.op === 'set' ? `${o.value}\0` : ''}`))
    .join('');
  const r = childProcess().spawnSync(helper, ['xattr', XATTR, ...fds.map((_, i) => String(3 + i))], {
    input,
    stdio: ['pipe', 'pipe', 'pipe', ...fds],
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.error) throw new UserError(`cannot run ${helper}: ${r.error.message}`, 125, 'Build the helper with `npm run build`.');
  const fields = r.stdout.split('\0');
  let at = 0;
  const next = () => {
    if (at >= fields.length - 1) throw new UserError(`tsbox-helper xattr failed: ${r.stderr.trim() || `exit ${r.status}`}`);
    return fields[at++];
  };
  const answers = ops.map((o): XattrAnswer | TreeLabels => {
    if (o.op !== 'walk') return answerOf(next());
    const tree: TreeLabels = { files: [], mountPoints: [] };
    for (let rel = next(); rel !== ''; rel = next()) {
      const a = next();
      if (a === '#') tree.mountPoints.push(rel);
      else tree.files.push({ rel, answer: answerOf(a) });
    }
    const end = next();
    if (end !== 'ok') throw new UserError(`cannot read the SELinux labels under ${o.root.path}: ${end.slice(1)}`);
    return tree;
  });
  if (r.status !== 0 || at !== fields.length - 1) throw new UserError(`tsbox-helper xattr failed: ${r.stderr.trim() || `exit ${r.status}`}`);
  return answers;
}

function labelOrThrow(a: XattrAnswer, file: string): string | null {
  if (a.error !== undefined) throw new UserError(`cannot read the SELinux label of ${file}: ${a.error}`);
  if (a.gone) throw new UserError(`cannot read the SELinux label of ${file}: it changed while tsbox read it`);
  return a.value;
}

/** `files` opened as they are now, to read (a final symlink not followed): the missing ones are left out. */
function openFiles(files: string[]): Map<string, OpenedPath> {
  const opened = new Map<string, OpenedPath>();
  try {
    for (const f of new Set(files)) {
      const fd = openPath(f);
      if (fd !== undefined) opened.set(f, { fd, path: f });
    }
  } catch (e) {
    closeFiles(opened);
    throw e;
  }
  return opened;
}

function closeFiles(opened: Map<string, OpenedPath>): void {
  for (const o of opened.values()) fs.closeSync(o.fd);
}

/** The labels of those of `files` that exist (of the link itself for a symlink), by file, in one run of the helper. */
function labelsOfExisting(files: string[], helper: string): Map<string, string | null> {
  const opened = openFiles(files);
  try {
    const present = [...opened.entries()];
    const answers = xattrRun(
      helper,
      present.map(([, root]) => ({ op: 'get', root, rel: '.' })),
    ) as XattrAnswer[];
    return new Map(present.map(([f], i) => [f, labelOrThrow(answers[i], f)]));
  } finally {
    closeFiles(opened);
  }
}

/** The SELinux label of `file` (of the link itself for a symlink), null for none. */
export function readLabel(file: string, helper: string): string | null {
  const labels = labelsOfExisting([file], helper);
  if (!labels.has(file)) throw new UserError(`cannot read the SELinux label of ${file}: it does not exist`);
  return labels.get(file)!;
}

interface LabelChange extends Beneath {
  label: string | null;
}

/**
 * Set each file's label (null: remove it). Every change is tried; the first
 * failure is thrown. Files no longer where they were (moved, removed, or a
 * component now a symlink) are left alone and returned.
 */
function writeLabels(changes: LabelChange[], helper: string): string[] {
  const ops: XattrOp[] = changes.map((c) => (c.label === null ? { op: 'remove', root: c.root, rel: c.rel } : { op: 'set', root: c.root, rel: c.rel, value: c.label }));
  const answers = xattrRun(helper, ops) as XattrAnswer[];
  const failed = answers.findIndex((a) => a.error !== undefined);
  if (failed >= 0)
    throw new UserError(`cannot set the SELinux label of ${fullPath(changes[failed])}: ${answers[failed].error}`, 125, 'Relabeling needs root (CAP_SYS_ADMIN) and a filesystem with xattrs.');
  return changes.filter((_, i) => answers[i].gone).map(fullPath);
}

// ----------------------------------------------------------------- records

interface Entry {
  original: string | null;
  applied: string;
}
interface RecordFile {
  root: string;
  entries: Record<string, Entry>;
}

const recordName = (root: string) => `${crypto().createHash('sha256').update(root).digest('hex').slice(0, 24)}.json`;

function recordsDir(paths: Paths): string {
  return path.join(paths.labels, 'records');
}

/** All record files, keyed by file path. */
function loadRecords(paths: Paths): Map<string, RecordFile> {
  const dir = recordsDir(paths);
  const out = new Map<string, RecordFile>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const n of names) {
    if (!n.endsWith('.json') || n.startsWith('.')) continue;
    const rec = readJsonIfExists<RecordFile>(path.join(dir, n));
    if (rec) out.set(path.join(dir, n), rec);
  }
  return out;
}

function saveRecord(file: string, rec: RecordFile): void {
  if (Object.keys(rec.entries).length === 0) fs.rmSync(file, { force: true });
  else writeJsonAtomic(file, rec);
}

/** Record changes happen under their own lock: the engine may hold its state lock while relabeling. */
function withLabelLock<T>(paths: Paths, fn: () => T): Promise<T> {
  fs.mkdirSync(recordsDir(paths), { recursive: true, mode: 0o700 });
  return withLock(path.join(paths.labels, 'lock'), fn);
}

const within = (p: string, root: string) => root === '/' || p === root || p.startsWith(root + '/');
const overlaps = (a: string, b: string) => within(a, b) || within(b, a);

/** A path as records spell it: resolved, symlinks of existing parents resolved too. */
function canonical(target: string): string {
  const abs = path.resolve(target);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs;
  }
}

/** What tsbox recorded as the original label of `file` (null: it had none), or undefined if tsbox never changed it. */
export function recordedOriginal(file: string, paths: Paths): string | null | undefined {
  const p = canonical(file);
  for (const rec of loadRecords(paths).values()) {
    const e = rec.entries[p];
    if (e) return e.original;
  }
  return undefined;
}

/** Drop the records under `target` without touching files (its files were deleted, e.g. `volume rm`). */
export async function forgetLabels(target: string, paths: Paths): Promise<void> {
  const t = path.resolve(target);
  if (!fs.existsSync(recordsDir(paths))) return;
  await withLabelLock(paths, () => {
    for (const [file, rec] of loadRecords(paths)) {
      const before = Object.keys(rec.entries).length;
      for (const p of Object.keys(rec.entries)) if (within(p, t)) delete rec.entries[p];
      if (Object.keys(rec.entries).length !== before) saveRecord(file, rec);
    }
  });
}

// ---------------------------------------------------------------- relabel

const LIVE = new Set(['running', 'paused']);

const RELABEL_HINT = 'Mount a directory made for the container, drop :z/:Z, or run with --security-opt label=disable.';

/**
 * Would a container running with `processLabel` lose access to files labeled
 * at `level`? MCS: it may use a file only if the file's categories are a
 * subset of its own.
 */
function losesAccess(processLabel: string, level: string): boolean {
  const mine = levelCategories(levelOf(processLabel) ?? '');
  const file = levelCategories(level);
  if (!mine || !file) return true;
  return [...file].some((c) => !mine.has(c));
}

function conflictWarnings(container: { id: string; name: string }, vols: VolumeSpec[], mountLabel: string, others: ContainerRecord[]): string[] {
  const level = levelOf(mountLabel) ?? '';
  const warnings: string[] = [];
  for (const v of vols.filter((x) => x.relabel === 'Z')) {
    for (const o of others) {
      if (o.id === container.id || !LIVE.has(o.state) || o.spec.labels.disabled || !o.spec.labels.process) continue;
      if (!losesAccess(o.spec.labels.process, level)) continue;
      const theirs = o.spec.volumes.find((ov) => ov.type !== 'tmpfs' && overlaps(ov.source, v.source));
      if (!theirs) continue;
      const theirLevel = levelOf(o.spec.labels.process);
      warnings.push(
        `:Z relabels ${v.source} to ${level} for ${container.name}, but container ${o.name} (${o.id.slice(0, 12)}, ${theirLevel}) also mounts ` +
          `${theirs.source === v.source ? 'it' : theirs.source} and has just lost access to it; use :z on both to share it`,
      );
    }
  }
  return warnings;
}

/**
 * The :z/:Z volumes, after checking that each may be relabeled: not a system
 * tree (UserError 125) and still there. relabelVolumes runs it first; `create`
 * can run it too, to refuse before a container exists.
 */
export function checkRelabelable(vols: VolumeSpec[]): VolumeSpec[] {
  const todo = vols.filter((v) => v.relabel !== '' && v.type !== 'tmpfs');
  for (const v of todo) {
    refuseProtectedPath(v.source, 'relabel', RELABEL_HINT);
    // named volumes must have been created (VolumeStore.ensure) before this runs
    if (!fs.existsSync(v.source)) throw new UserError(`the volume source ${v.source} does not exist`, 125, 'Create it, or remove the volume from the container.');
  }
  return todo;
}

/**
 * Relabel the sources of the :z/:Z volumes: :Z to the container's mount label,
 * :z to container_file_t:s0. Every source is checked before any file is
 * touched (system trees are refused), and the previous labels are recorded
 * before they change. Files that already carry the label are left alone.
 * `sources` are the opened volume sources (volumes.ts openVolumeSources):
 * the trees walked and relabeled are those the container gets bound.
 */
export async function relabelVolumes(
  container: { id: string; name: string },
  vols: VolumeSpec[],
  mountLabel: string,
  ctx: { paths: Paths; others: ContainerRecord[]; helper: string; sources: VolumeSources },
): Promise<{ warnings: string[] }> {
  const todo = checkRelabelable(vols);
  if (todo.length === 0) return { warnings: [] };
  if (!mountLabel && todo.some((v) => v.relabel === 'Z')) throw new Error('relabelVolumes: :Z needs the container mount label');
  const warnings = conflictWarnings(container, todo, mountLabel, ctx.others);
  const roots = todo.map((v) => {
    const s = ctx.sources.get(v);
    if (!s) throw new Error(`relabelVolumes: the source of ${v.destination} is not open`);
    return s;
  });
  await withLabelLock(ctx.paths, () => {
    const records = loadRecords(ctx.paths);
    const recordedIn = new Map<string, RecordFile>();
    for (const rec of records.values()) for (const p of Object.keys(rec.entries)) recordedIn.set(p, rec);
    const changes: LabelChange[] = [];
    const dirty = new Set<RecordFile>();
    // read phase: every file of every tree, in one run
    const trees = xattrRun(
      ctx.helper,
      roots.map((root) => ({ op: 'walk', root })),
    ) as TreeLabels[];
    for (const [i, v] of todo.entries()) {
      const root = roots[i];
      const label = v.relabel === 'Z' ? mountLabel : SHARED_FILE_LABEL;
      const recFile = path.join(recordsDir(ctx.paths), recordName(root.path));
      const own = records.get(recFile) ?? { root: root.path, entries: {} };
      records.set(recFile, own);
      for (const mp of trees[i].mountPoints) warnings.push(`did not relabel ${fullPath({ root, rel: mp })}: another filesystem is mounted there`);
      for (const { rel, answer } of trees[i].files) {
        const file = fullPath({ root, rel });
        const current = labelOrThrow(answer, file);
        if (current === label) continue;
        const prev = recordedIn.get(file);
        if (prev) {
          prev.entries[file].applied = label;
          dirty.add(prev);
        } else {
          own.entries[file] = { original: current, applied: label };
          recordedIn.set(file, own);
          dirty.add(own);
        }
        changes.push({ root, rel, label });
      }
    }
    // Every record that changed is on disk before the first label changes.
    for (const [file, rec] of records) if (dirty.has(rec)) saveRecord(file, rec);
    for (const moved of writeLabels(changes, ctx.helper))
      warnings.push(`did not relabel ${moved}: it was moved, removed or replaced by a symlink while tsbox relabeled its volume`);
  });
  return { warnings };
}

// ---------------------------------------------------------------- restore

export interface RestoreResult {
  /** how many files got their label back */
  restored: number;
  /** those files */
  restoredPaths: string[];
  /** files whose label someone else changed after tsbox: left as they are, record dropped */
  skipped: Array<{ path: string; label: string | null }>;
  /** recorded files that no longer exist */
  gone: number;
}

/**
 * Which of `paths` (recorded in `entries`, all beneath `root`) to set back,
 * and to what. Gone files and files someone else relabeled since are
 * counted, not changed.
 */
function planRestore(root: OpenedPath, paths: string[], entries: Record<string, Entry>, helper: string, result: RestoreResult): LabelChange[] {
  const files = paths.map((p) => ({ root, rel: p === root.path ? '.' : p.slice(root.path.length + 1) }));
  const current = xattrRun(
    helper,
    files.map((f) => ({ op: 'get', ...f })),
  ) as XattrAnswer[];
  const changes: LabelChange[] = [];
  for (const [i, p] of paths.entries()) {
    const a = current[i];
    if (a.gone) {
      result.gone++;
      continue;
    }
    const label = labelOrThrow(a, p);
    const e = entries[p];
    if (label === e.original) continue;
    if (label !== e.applied) result.skipped.push({ path: p, label });
    else changes.push({ ...files[i], label: e.original });
  }
  return changes;
}

/**
 * Put back the labels tsbox changed under `target`: the recorded original, or
 * no label at all when there was none. A file whose label is no longer the one
 * tsbox wrote was changed since by someone else, and is left alone. Each
 * recorded tree is opened once, and must still be the tree that was
 * relabeled: files are set beneath it, never through a symlink.
 */
export async function restoreLabels(target: string, ctx: { paths: Paths; helper: string }): Promise<RestoreResult> {
  const t = canonical(target);
  const result: RestoreResult = { restored: 0, restoredPaths: [], skipped: [], gone: 0 };
  await withLabelLock(ctx.paths, () => {
    for (const [recFile, rec] of loadRecords(ctx.paths)) {
      const mine = Object.keys(rec.entries)
        .filter((p) => within(p, t))
        .sort();
      if (mine.length === 0) continue;
      const root = openExact(rec.root);
      if ('changed' in root && !root.gone)
        throw new UserError(
          `cannot restore the labels tsbox set under ${rec.root}: ${root.changed}`,
          125,
          `Put ${rec.root} back where it was first, or give a path that is not under it.`,
        );
      try {
        if ('fd' in root) {
          const changes = planRestore(root, mine, rec.entries, ctx.helper, result);
          const moved = new Set(writeLabels(changes, ctx.helper));
          for (const c of changes) if (!moved.has(fullPath(c))) result.restoredPaths.push(fullPath(c));
          result.restored += changes.length - moved.size;
          result.gone += moved.size;
        } else result.gone += mine.length; // the whole tree was removed
        for (const p of mine) delete rec.entries[p];
      } finally {
        if ('fd' in root) fs.closeSync(root.fd);
        // Saved once, also after an error: what is left is what remains to do. Were
        // tsbox killed before this, a later restore finds those files already
        // back at their original and just drops their records.
        saveRecord(recFile, rec);
      }
    }
  });
  return result;
}

// ---------------------------------------------------------------- reports

/** The label a volume of `rec` must carry, or null when any accessible label will do (or labels are off). */
function neededLabel(rec: ContainerRecord, v: VolumeSpec): string | null {
  if (rec.spec.labels.disabled || !rec.spec.labels.mount) return null;
  if (v.relabel === 'Z') return rec.spec.labels.mount;
  if (v.relabel === 'z') return SHARED_FILE_LABEL;
  return null;
}

/** File types a container_t process may use (read-only ones only for ro volumes). */
const CONTAINER_TYPES = ['container_file_t', 'container_share_t'];
const CONTAINER_RO_TYPES = ['container_ro_file_t'];

function canUse(rec: ContainerRecord, v: VolumeSpec, label: string | null): boolean {
  const proc = rec.spec.labels.process;
  if (rec.spec.labels.disabled || !proc) return true; // unconfined: labels do not matter
  if (label === null) return false;
  const type = typeOf(label);
  const okType = CONTAINER_TYPES.includes(type ?? '') || (v.readOnly && CONTAINER_RO_TYPES.includes(type ?? ''));
  return okType && !losesAccess(proc, levelOf(label) ?? '');
}

export interface VolumeLabelRow {
  source: string;
  destination: string;
  mode: 'ro' | 'rw';
  relabel: '' | 'z' | 'Z';
  /** label on the host path now */
  current: string | null;
  /** the label :z/:Z gives it for this container; null when none is set (no relabel, or labels off) */
  expected: string | null;
  /** the container can use the path with its current label */
  agrees: boolean;
  /** the host path is there */
  exists: boolean;
  /** other containers mounting the same path (or a parent/child of it), with the label they need there (:z/:Z) or else run with */
  sharedWith: Array<{ name: string; state: string; label: string | null }>;
  warnings: string[];
}

function sharers(rec: ContainerRecord, source: string, all: ContainerRecord[]): VolumeLabelRow['sharedWith'] {
  const out: VolumeLabelRow['sharedWith'] = [];
  for (const o of all) {
    if (o.id === rec.id) continue;
    const v = o.spec.volumes.find((ov) => ov.type !== 'tmpfs' && overlaps(ov.source, source));
    if (!v) continue;
    out.push({ name: o.name, state: o.state, label: o.spec.labels.disabled ? null : (neededLabel(o, v) ?? o.spec.labels.mount ?? null) });
  }
  return out;
}

/** For each volume of `rec` (tmpfs has no host path and is left out): what it carries, needs, and who else mounts it. */
export function volumeLabelReport(rec: ContainerRecord, all: ContainerRecord[], ctx: { helper: string }): VolumeLabelRow[] {
  const rows: VolumeLabelRow[] = [];
  const volumes = rec.spec.volumes.filter((v) => v.type !== 'tmpfs');
  const labels = labelsOfExisting(volumes.map((v) => v.source), ctx.helper);
  for (const v of volumes) {
    const exists = labels.has(v.source);
    const current = labels.get(v.source) ?? null;
    const expected = neededLabel(rec, v);
    const agrees = expected !== null ? current === expected : canUse(rec, v, current);
    const warnings: string[] = [];
    if (!exists) warnings.push(`${v.source} does not exist`);
    else if (!agrees) {
      const owner = all.find((o) => o.id !== rec.id && !o.spec.labels.disabled && current !== null && o.spec.labels.mount === current);
      if (owner) warnings.push(`relabeled for container ${owner.name} (${levelOf(current!)}): ${rec.name} cannot use it where SELinux enforces`);
      else if (expected !== null) warnings.push(`label is ${current ?? 'absent'}, not ${expected}: restart ${rec.name} to relabel`);
      else warnings.push(`label ${current ?? '(none)'} is not usable by ${rec.name} where SELinux enforces: add :z or :Z`);
    }
    rows.push({
      source: v.source,
      destination: v.destination,
      mode: v.readOnly ? 'ro' : 'rw',
      relabel: v.relabel,
      current,
      expected,
      agrees,
      exists,
      sharedWith: sharers(rec, v.source, all),
      warnings,
    });
  }
  return rows;
}

export interface PathLabelReport {
  path: string;
  current: string | null;
  /** the label before tsbox changed it (null: none); undefined when tsbox has not changed it */
  original?: string | null;
  /** containers that mount this path, a parent or a child of it */
  mounts: Array<{ container: string; state: string; source: string; destination: string; mode: 'ro' | 'rw'; relabel: '' | 'z' | 'Z'; expected: string | null; agrees: boolean }>;
}

/** What `tsbox label show PATH` prints: the label of PATH, what tsbox changed, and who mounts it. */
export function pathLabelReport(target: string, all: ContainerRecord[], ctx: { paths: Paths; helper: string }): PathLabelReport {
  const p = canonical(target);
  if (!fs.existsSync(p)) throw new UserError(`${p} does not exist`, 125, 'Give a path on the host.');
  const sources = all.flatMap((rec) => rec.spec.volumes.filter((v) => v.type !== 'tmpfs' && overlaps(v.source, p)).map((v) => v.source));
  const labels = labelsOfExisting([p, ...sources], ctx.helper);
  const current = labels.get(p) ?? null;
  const original = recordedOriginal(p, ctx.paths);
  const mounts: PathLabelReport['mounts'] = [];
  for (const rec of all) {
    for (const v of rec.spec.volumes) {
      if (v.type === 'tmpfs' || !overlaps(v.source, p)) continue;
      const label = labels.get(v.source) ?? null;
      const expected = neededLabel(rec, v);
      mounts.push({
        container: rec.name,
        state: rec.state,
        source: v.source,
        destination: v.destination,
        mode: v.readOnly ? 'ro' : 'rw',
        relabel: v.relabel,
        expected,
        agrees: expected !== null ? label === expected : canUse(rec, v, label),
      });
    }
  }
  return { path: p, current, ...(original !== undefined ? { original } : {}), mounts };
}
