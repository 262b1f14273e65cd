// Spawning tsbox-helper and reading its status fd (see native/PROTOCOL.md).
// The helper writes JSON lines on fd 3; we never send it JSON.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CANNOT_INVOKE, EXIT_ERROR, EXIT_NOT_FOUND, UserError } from '../common/errors.js';
import { blockFd, relayFd, startChild, type Child, type ChildIo } from './spawn.js';

let foundNativeDir: string | undefined;

/** Where the native build puts its files: the helper, and tsbox-spawn.node when built. */
export function nativeDir(): string {
  if (foundNativeDir) return foundNativeDir;
  // dist/src/engine/helper.js -> <pkg>/native; src/engine/helper.ts -> same
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../native', '../../native']) {
    const dir = path.resolve(here, up);
    if (fs.existsSync(path.join(dir, 'tsbox-helper'))) return (foundNativeDir = dir);
  }
  throw new UserError('tsbox-helper is not built', EXIT_ERROR, 'Run `npm run build` (it runs make -C native).');
}

export function helperPath(): string {
  return process.env.TSBOX_HELPER || path.join(nativeDir(), 'tsbox-helper');
}

/** The error for a helper that could not be started at all (missing, not executable). */
export function cannotRunHelper(helper: string, e: Error): UserError {
  return new UserError(`cannot run the helper ${helper}: ${e.message}`, EXIT_ERROR, 'Build it with `npm run build` (make -C native), or check TSBOX_HELPER.');
}

export interface StatusMessage {
  pid?: number;
  start?: number;
  monitor?: number;
  started?: boolean;
  /** run --start-fifo: set up, waiting before execve (tsbox-runtime create) */
  created?: boolean;
  error?: string;
  errno?: number;
  stage?: string;
  exit?: number;
  signal?: number;
}

export interface HelperRun {
  /** resolves when the helper process exits, with its exit code */
  exited: Promise<number>;
  /** resolves at `started`, rejects with a UserError at `error` or early exit */
  started: Promise<{ pid: number; start: number; monitor: number }>;
  /** last `exit` message, if any, once `exited` resolved */
  exitMessage(): StatusMessage | undefined;
  /** stop listening (detached: the monitor lives on without us) */
  release(): void;
  /** with relaySignals: pass a signal on to the container (what podman's --sig-proxy does) */
  relay(signal: number): void;
}

export interface SpawnOptions {
  stdio: 'inherit' | 'detached';
  /** extra fds for the helper, placed from fd 4 on (fd 3 is the status fd) */
  extraFds?: number[];
  /**
   * User namespaces: the helper gets --userns-block-fd and waits on it after
   * {"pid":N}; this runs (writing the id maps), then one byte releases it.
   */
  onPid?: (pid: number) => Promise<void> | void;
  /**
   * Attached: the helper gets --signal-fd, forwards what relay() sends it,
   * and leaves its own INT, TERM, HUP and QUIT to us while we live (we share
   * a process group: a Ctrl-C reaches both of us).
   */
  relaySignals?: boolean;
}

/** exit code for an error reported by the helper while starting CMD */
function codeFor(msg: StatusMessage): number {
  if (msg.stage === 'exec') {
    if (msg.errno === 2 /* ENOENT */) return EXIT_NOT_FOUND;
    return EXIT_CANNOT_INVOKE;
  }
  return EXIT_ERROR;
}

function hintFor(msg: StatusMessage): string | undefined {
  if (msg.stage === 'exec' && msg.errno === 2) return 'Check the command name and that it exists in the image (and in $PATH).';
  if (msg.stage === 'exec') return 'Check that the command is an executable file in the image.';
  if (msg.stage === 'cwd') return 'Choose an existing directory of the container with -w/--workdir.';
  return undefined;
}

export function spawnHelper(args: string[], opts: SpawnOptions): HelperRun {
  const extraFds = opts.extraFds ?? [];
  if (opts.onPid) args = [args[0], '--userns-block-fd', String(blockFd({ extraFds })), ...args.slice(1)];
  if (opts.relaySignals) args = [args[0], '--signal-fd', String(relayFd({ extraFds, block: opts.onPid !== undefined })), ...args.slice(1)];
  let resolveStarted!: (v: { pid: number; start: number; monitor: number }) => void;
  let rejectStarted!: (e: Error) => void;
  const started = new Promise<{ pid: number; start: number; monitor: number }>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // a rejected `started` that nobody awaits must not crash the process
  started.catch(() => {});
  let settled = false;
  const fail = (e: Error) => {
    if (!settled) {
      settled = true;
      rejectStarted(e);
    }
  };
  let pid = 0;
  let start = 0;
  let monitor = 0;
  let lastExit: StatusMessage | undefined;
  let stderr = '';
  let buf = '';

  const onMessage = (msg: StatusMessage) => {
    if (msg.pid !== undefined) {
      pid = msg.pid;
      start = msg.start ?? 0;
      if (opts.onPid) {
        Promise.resolve()
          .then(() => opts.onPid!(pid))
          .then(
            () => child.unblock(true),
            (e) => {
              child.unblock(false); // EOF = abort: the helper kills the child and reports
              fail(e as Error);
            },
          );
      }
    }
    if (msg.monitor !== undefined) monitor = msg.monitor;
    if ((msg.started || msg.created) && !settled) {
      settled = true;
      resolveStarted({ pid, start, monitor: monitor || child.pid });
    }
    if (msg.error !== undefined) {
      const errno = msg.errno ? ` (errno ${msg.errno})` : '';
      fail(new UserError(`${msg.error}${msg.stage ? ` [${msg.stage}]` : ''}${errno}`, codeFor(msg), hintFor(msg)));
    }
    if (msg.exit !== undefined) lastExit = msg;
  };

  const helper = helperPath();
  const cannotRun = (e: Error) => cannotRunHelper(helper, e);
  const io: ChildIo = {
    inherit: opts.stdio === 'inherit',
    extraFds,
    block: opts.onPid !== undefined,
    relay: opts.relaySignals,
    onStderr: (d) => {
      stderr += d.toString();
    },
    onStatus: (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = parseStatusLine(line);
        if (msg) onMessage(msg);
      }
    },
  };
  let child: Child;
  try {
    child = startChild(nativeDir(), helper, args, io);
  } catch (e) {
    throw cannotRun(e as Error);
  }
  child.exited.then(
    // Let the status fd drain first: the error line explains the exit.
    // Only before `started`: after it, a pending timer would hold the
    // process for its 20 ms after the container is done.
    (code) => {
      if (!settled) setTimeout(() => fail(new UserError(`tsbox-helper exited with ${code} before the container started${stderr ? `: ${stderr.trim()}` : ''}`)), 20);
    },
    (e) => fail(cannotRun(e as Error)), // child_process reports a failed spawn here
  );
  return {
    exited: child.exited,
    started,
    exitMessage: () => lastExit,
    release: () => child.release(),
    relay: (signal) => child.relay(signal),
  };
}

function parseStatusLine(line: string): StatusMessage | undefined {
  try {
    return JSON.parse(line) as StatusMessage;
  } catch {
    return undefined;
  }
}
