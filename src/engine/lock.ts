// The state lock: flock(2) on a file that is never removed. The kernel holds
// it exactly as long as the holder's open file lives and drops it when the
// holder dies, however it dies, so there is no stale lock to recognise and
// break. (The O_EXCL lock file this replaces did that, and two processes that
// found the same stale file could each break it and both go in.) The CLI and
// the dashboard may run at once; every change to state on disk happens under
// a lock.
//
// Taking it never blocks the event loop. A free lock is taken at once (flock
// with LOCK_NB: microseconds). A busy one is waited for off the JS thread:
// by tsbox-spawn.node on a thread of its own, or, where that module cannot be
// loaded, by `tsbox-helper lock` flocking our own open file for us
// (native/lock.c). Either way the lock belongs to our fd, and closing it is
// the release.
//
// The file is never unlinked: a process waiting on an unlinked file and the
// holder of a new one at the same path would both be in. (A lock taken is
// checked to still be the file at the path, so one removed by hand costs a
// retry, not a second writer.) The pid written into it is for messages only.
import fs from 'node:fs';
import { EXIT_ERROR, UserError } from '../common/errors.js';
import { cannotRunHelper, helperPath, nativeDir } from './helper.js';
import { childProcess } from './lazy.js';
import { lockAddon, type LockAddon } from './spawn.js';

const TIMEOUT_MS = 15000;

export interface LockOptions {
  /** how long to wait for a lock another process holds (15 s) */
  timeoutMs?: number;
}

/**
 * Run fn holding the lock. Waits for it, never blocking the event loop, and
 * fails with a UserError that names the file (and its holder) after
 * opts.timeoutMs.
 */
export async function withLock<T>(lockFile: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const fd = await acquire(lockFile, opts.timeoutMs ?? TIMEOUT_MS);
  try {
    return await fn();
  } finally {
    fs.closeSync(fd);
  }
}

/** Run fn holding the lock if it is free now; undefined, at once, if another process holds it. */
export function tryWithLock<T>(lockFile: string, fn: () => T): { value: T } | undefined {
  const fd = openLockFile(lockFile);
  try {
    if (!tryFlock(fd) || !isCurrent(fd, lockFile)) return undefined;
    stamp(fd);
    return { value: fn() };
  } finally {
    fs.closeSync(fd);
  }
}

async function acquire(lockFile: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fd = openLockFile(lockFile);
    try {
      // without the module, one `tsbox-helper lock` both tries and waits
      const a = addon();
      if (!a?.tryLock(fd)) await waitFlock(a, fd, lockFile, deadline, timeoutMs);
      if (isCurrent(fd, lockFile)) {
        stamp(fd);
        return fd;
      }
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    fs.closeSync(fd); // removed or replaced while we waited: lock the file there now
  }
}

function openLockFile(lockFile: string): number {
  const { O_RDWR, O_CREAT, O_NOFOLLOW } = fs.constants;
  try {
    return fs.openSync(lockFile, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new UserError(`cannot open the lock file ${lockFile}: ${(e as Error).message}`, EXIT_ERROR, 'tsbox must be able to write its state directory: check --root (or TSBOX_ROOT) and who owns it.');
  }
}

/** Is the file we locked still the one at the path? */
function isCurrent(fd: number, lockFile: string): boolean {
  const there = fs.statSync(lockFile, { throwIfNoEntry: false });
  if (!there) return false;
  const ours = fs.fstatSync(fd);
  return there.ino === ours.ino && there.dev === ours.dev;
}

/** Our pid at the start of the file (the first line is read: older content may follow). */
function stamp(fd: number): void {
  fs.writeSync(fd, `${process.pid}\n`, 0);
}

function addon(): LockAddon | undefined {
  return lockAddon(nativeDir());
}

function tryFlock(fd: number): boolean {
  const a = addon();
  if (a) return a.tryLock(fd);
  const helper = helperPath();
  const r = childProcess().spawnSync(helper, ['lock', '--try'], { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
  if (r.error) throw cannotRunHelper(helper, r.error);
  if (r.status === 0) return true;
  if (r.status === 1) return false;
  throw helperFailed(r.status, r.signal, r.stderr);
}

/** Wait for the lock on fd until the deadline; the caller closes fd, whatever happens. */
function waitFlock(a: LockAddon | undefined, fd: number, lockFile: string, deadline: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve();
    };
    // On a timeout the wait is left to end on its own: the module's thread
    // then holds only a dup of fd, which it closes (native/addon/flock.c); the
    // helper is killed.
    const wait = a ? { done: a.lock(fd), cancel: () => {} } : helperWait(fd);
    const timer = setTimeout(
      () => {
        wait.cancel();
        finish(timedOut(lockFile, timeoutMs));
      },
      Math.max(0, deadline - Date.now()),
    );
    wait.done.then(
      () => finish(),
      (e: Error) => finish(e),
    );
  });
}

function helperWait(fd: number): { done: Promise<void>; cancel(): void } {
  const helper = helperPath();
  const child = childProcess().spawn(helper, ['lock'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(cannotRunHelper(helper, e)));
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(helperFailed(code, signal, stderr))));
  });
  return { done, cancel: () => child.kill('SIGKILL') };
}

function helperFailed(code: number | null, signal: NodeJS.Signals | null, stderr: string): UserError {
  return new UserError(`tsbox-helper lock failed: ${stderr.trim() || (signal ? `killed by ${signal}` : `exit ${code}`)}`);
}

function timedOut(lockFile: string, timeoutMs: number): UserError {
  return new UserError(
    `timed out after ${timeoutMs / 1000} s waiting for the lock ${lockFile}${holderOf(lockFile)}`,
    EXIT_ERROR,
    'Another tsbox process is changing the same state. If it hangs, stop it: the kernel releases its lock when it exits (removing the lock file does not).',
  );
}

/** ", held by pid N (comm)" from the pid its holder wrote, if that process is there; else nothing. */
function holderOf(lockFile: string): string {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return '';
    return `, held by pid ${pid} (${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
  } catch {
    return '';
  }
}
