// Starting tsbox-helper with the pipes the engine reads (native/PROTOCOL.md):
// fd 3 the status pipe, then the extra fds, then the userns block pipe.
//
// native/tsbox-spawn.node does it with posix_spawn, and the pipes are read
// with fs.read. Node's child_process, which costs every `tsbox run` 5-7 ms
// (loading net, stream and dgram, and compiling them at the first spawn),
// is the fallback where that module is not built (no Node headers).
//
// Not execa, which runs the external programs (programs.ts): this start is
// on the hot path of every container, where even child_process is too slow,
// and execa is child_process, its streams and ~250 KB of its own, ~40 ms to
// load (programs.ts has the numbers). What execa's errors would say (the
// command, its exit, its stderr) the helper says on its own pipes
// (helper.ts), with the stage that failed.
import fs from 'node:fs';
import path from 'node:path';
import type { StdioOptions } from 'node:child_process';
import { childProcess, os } from './lazy.js';

export interface ChildIo {
  /** share our stdin, stdout and stderr (attached); else /dev/null, /dev/null and a stderr pipe */
  inherit: boolean;
  /** fds the child gets from 4 on */
  extraFds: number[];
  /** a pipe at the fd after the extra ones (blockFd), for unblock() */
  block: boolean;
  /** a pipe after that (relayFd), for relay(): the signals an attached engine passes on */
  relay?: boolean;
  onStatus(chunk: Buffer): void;
  onStderr(chunk: Buffer): void;
}

export interface Child {
  pid: number;
  /** resolves with the exit code (128 + signal after a signal) */
  exited: Promise<number>;
  /** one byte down the block pipe (go), or close it unwritten (the helper aborts) */
  unblock(go: boolean): void;
  /** a signal number down the relay pipe (the helper forwards it to the container) */
  relay(signal: number): void;
  /** stop listening: a detached monitor lives on without us */
  release(): void;
}

/** The fd the block pipe gets in the child. */
export const blockFd = (io: Pick<ChildIo, 'extraFds'>): number => 4 + io.extraFds.length;
/** The fd the relay pipe gets in the child: after the block pipe, when there is one. */
export const relayFd = (io: Pick<ChildIo, 'extraFds' | 'block'>): number => blockFd(io) + (io.block ? 1 : 0);

export interface SpawnAddon {
  spawn(file: string, argv: string[], fds: number[]): number;
  pipe(): [number, number];
  wait(pid: number): number;
}

/** The state lock's half of the module (native/addon/flock.c). */
export interface LockAddon {
  /** flock(LOCK_EX|LOCK_NB): false when another open file holds it */
  tryLock(fd: number): boolean;
  /** flock(LOCK_EX) waited for on a thread of its own; the lock then stays with fd */
  lock(fd: number): Promise<void>;
}

type Addon = SpawnAddon & LockAddon;

/** By native dir: the module, or why it is not used. */
const loaded = new Map<string, { addon?: Addon; notUsed: string }>();

function load(nativeDir: string): { addon?: Addon; notUsed: string } {
  let l = loaded.get(nativeDir);
  if (!l) {
    const file = path.join(nativeDir, 'tsbox-spawn.node');
    if (process.env.TSBOX_NO_ADDON === '1') l = { notUsed: 'TSBOX_NO_ADDON=1' };
    else if (!fs.existsSync(file)) l = { notUsed: 'not built' };
    else {
      try {
        const mod = { exports: {} as Addon };
        process.dlopen(mod, file);
        l = { addon: mod.exports, notUsed: '' };
      } catch (e) {
        l = { notUsed: `cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
      }
    }
    loaded.set(nativeDir, l);
  }
  return l;
}

/**
 * native/tsbox-spawn.node, when built (and not turned off by TSBOX_NO_ADDON=1,
 * for tests of the fallback). One that cannot be loaded (built for another
 * system, damaged) is not used: child_process does the same, and `tsbox
 * info` says why.
 */
export function spawnAddon(nativeDir: string): SpawnAddon | undefined {
  return load(nativeDir).addon;
}

/**
 * The same module's lock calls, under the same conditions; where it is not
 * used, src/engine/lock.ts has `tsbox-helper lock` take the flock instead.
 */
export function lockAddon(nativeDir: string): LockAddon | undefined {
  const a = load(nativeDir).addon;
  // a module built before it had them (copied rather than rebuilt) still spawns
  return typeof a?.tryLock === 'function' ? a : undefined;
}

/** How the helper is started here: for `tsbox info`. */
export function spawnMethod(nativeDir: string): string {
  const l = load(nativeDir);
  return l.addon ? 'posix_spawn (native/tsbox-spawn.node)' : `child_process (native/tsbox-spawn.node ${l.notUsed})`;
}

/** How the state lock is taken here: for `tsbox info`. */
export function lockMethod(nativeDir: string): string {
  if (lockAddon(nativeDir)) return 'flock (native/tsbox-spawn.node)';
  const l = load(nativeDir);
  return `flock by tsbox-helper lock (native/tsbox-spawn.node ${l.addon ? 'has no lock calls: rebuild it' : l.notUsed})`;
}

export function startChild(nativeDir: string, file: string, args: string[], io: ChildIo): Child {
  const a = spawnAddon(nativeDir);
  return a ? startWithAddon(a, file, args, io) : startWithNode(file, args, io);
}

export function startWithAddon(a: SpawnAddon, file: string, args: string[], io: ChildIo): Child {
  // ours: the read ends and the block pipe's write end; the child's: the rest
  const ours: number[] = [];
  const theirs: number[] = [];
  const pipe = (): [number, number] => {
    const p = a.pipe();
    ours.push(p[0]);
    theirs.push(p[1]);
    return p;
  };
  let pid: number;
  let status: number;
  let stderr = -1;
  let block = -1;
  let relay = -1;
  try {
    const [statusR, statusW] = pipe();
    status = statusR;
    let stdio: number[];
    if (io.inherit) stdio = [0, 1, 2];
    else {
      const devnull = fs.openSync('/dev/null', 'r+');
      theirs.push(devnull);
      const [errR, errW] = pipe();
      stderr = errR;
      stdio = [devnull, devnull, errW];
    }
    const fds = [...stdio, statusW, ...io.extraFds];
    if (io.block) {
      const [r, w] = a.pipe();
      theirs.push(r);
      ours.push(w);
      block = w;
      fds.push(r);
    }
    if (io.relay) {
      const [r, w] = a.pipe();
      theirs.push(r);
      ours.push(w);
      relay = w;
      fds.push(r);
    }
    pid = a.spawn(file, [file, ...args], fds);
  } catch (e) {
    for (const fd of ours) fs.closeSync(fd);
    throw e; // the caller names the file (helper.ts)
  } finally {
    for (const fd of theirs) fs.closeSync(fd);
  }
  // The child is reaped once its pipes are at end of file: it has exited
  // then, or (detached) left them to the monitor, which closes them after
  // `started`. Until then a read waits in libuv's thread pool.
  const drained = Promise.all([readUntilEnd(status, io.onStatus), stderr >= 0 ? readUntilEnd(stderr, io.onStderr) : undefined]);
  const exited = drained.then(() => a.wait(pid));
  // the helper reads EOF on it once we are gone or done with it
  if (relay >= 0) {
    const closeRelay = () => {
      fs.closeSync(relay);
      relay = -1;
    };
    exited.then(closeRelay, closeRelay);
  }
  return {
    pid,
    exited,
    relay(signal) {
      if (relay < 0) return;
      try {
        fs.writeSync(relay, Buffer.from([signal]));
      } catch {
        /* the helper is exiting: there is no container left to signal */
      }
    },
    unblock(go) {
      if (block < 0) return;
      try {
        if (go) fs.writeSync(block, '1');
      } finally {
        fs.closeSync(block);
        block = -1;
      }
    },
    release() {
      // nothing to let go of: the reads end, and the child is reaped, on their own
    },
  };
}

/** Call onData with everything read from FD until end of file, then close it. */
function readUntilEnd(fd: number, onData: (chunk: Buffer) => void): Promise<void> {
  const buf = Buffer.allocUnsafe(16384);
  return new Promise((resolve, reject) => {
    const next = () =>
      fs.read(fd, buf, 0, buf.length, null, (err, n) => {
        if (err || n === 0) {
          fs.closeSync(fd);
          if (err) reject(err);
          else resolve();
          return;
        }
        onData(Buffer.from(buf.subarray(0, n)));
        next();
      });
    next();
  });
}

export function startWithNode(file: string, args: string[], io: ChildIo): Child {
  const stdio: StdioOptions = io.inherit ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['ignore', 'ignore', 'pipe', 'pipe'];
  for (const fd of io.extraFds) (stdio as unknown[]).push(fd);
  if (io.block) (stdio as unknown[]).push('pipe');
  if (io.relay) (stdio as unknown[]).push('pipe');
  const child = childProcess().spawn(file, args, { stdio });
  (child.stdio[3] as NodeJS.ReadableStream).on('data', io.onStatus);
  child.stderr?.on('data', io.onStderr);
  // 'exit', not 'close': what is left in the status pipe may come after it
  // (helper.ts waits for it where it matters)
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os().constants.signals[signal] ?? 0) : 0)));
  });
  return {
    pid: child.pid ?? 0,
    exited,
    relay(signal) {
      (child.stdio[relayFd(io)] as NodeJS.WritableStream | null)?.write(Buffer.from([signal]));
    },
    unblock(go) {
      const s = child.stdio[blockFd(io)] as NodeJS.WritableStream | null;
      if (!s) return;
      if (go) s.end('1');
      else s.end();
    },
    release() {
      for (const s of child.stdio) (s as { destroy?: () => void } | null)?.destroy?.();
      child.unref();
    },
  };
}
