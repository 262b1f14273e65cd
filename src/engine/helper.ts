// Spawning tsbox-helper and reading its status fd (see native/PROTOCOL.md).
// The helper writes JSON lines on fd 3; we never send it JSON.
import type { StdioOptions } from 'node:child_process';
import { childProcess } from './lazy.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { EXIT_CANNOT_INVOKE, EXIT_ERROR, EXIT_NOT_FOUND, UserError } from './errors.js';

export function helperPath(): string {
  if (process.env.TSBOX_HELPER) return process.env.TSBOX_HELPER;
  // dist/src/engine/helper.js -> <pkg>/native/tsbox-helper; src/engine/helper.ts -> same
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../native/tsbox-helper', '../../native/tsbox-helper']) {
    const p = path.resolve(here, up);
    if (fs.existsSync(p)) return p;
  }
  throw new UserError('tsbox-helper is not built', EXIT_ERROR, 'Run `npm run build` (it runs make -C native).');
}

function osSignalNumber(sig: NodeJS.Signals): number {
  return os.constants.signals[sig] ?? 0;
}

export interface StatusMessage {
  pid?: number;
  start?: number;
  monitor?: number;
  started?: boolean;
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
  return undefined;
}

export function spawnHelper(args: string[], opts: SpawnOptions): HelperRun {
  const stdio: StdioOptions = opts.stdio === 'inherit' ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['ignore', 'ignore', 'pipe', 'pipe'];
  for (const fd of opts.extraFds ?? []) (stdio as unknown[]).push(fd);
  let blockIndex = -1;
  if (opts.onPid) {
    blockIndex = (stdio as unknown[]).length;
    (stdio as unknown[]).push('pipe');
    args = [args[0], '--userns-block-fd', String(blockIndex), ...args.slice(1)];
  }
  const child = childProcess().spawn(helperPath(), args, { stdio });
  let lastExit: StatusMessage | undefined;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // 'exit', not 'close': a detached monitor may keep inherited pipes open.
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? osSignalNumber(signal) : 0)));
  });
  const started = new Promise<{ pid: number; start: number; monitor: number }>((resolve, reject) => {
    let pid = 0;
    let start = 0;
    let monitor = 0;
    let buf = '';
    let settled = false;
    const fail = (e: Error) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    const status = child.stdio[3] as NodeJS.ReadableStream;
    status.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: StatusMessage;
        try {
          msg = JSON.parse(line) as StatusMessage;
        } catch {
          continue;
        }
        if (msg.pid !== undefined) {
          pid = msg.pid;
          start = msg.start ?? 0;
          if (opts.onPid) {
            const block = child.stdio[blockIndex] as NodeJS.WritableStream;
            Promise.resolve()
              .then(() => opts.onPid!(pid))
              .then(
                () => block.write('1'),
                (e) => {
                  block.end(); // EOF = abort: the helper kills the child and reports
                  fail(e as Error);
                },
              );
          }
        }
        if (msg.monitor !== undefined) monitor = msg.monitor;
        if (msg.started && !settled) {
          settled = true;
          resolve({ pid, start, monitor: monitor || child.pid! });
        }
        if (msg.error !== undefined) {
          const errno = msg.errno ? ` (errno ${msg.errno})` : '';
          fail(new UserError(`${msg.error}${msg.stage ? ` [${msg.stage}]` : ''}${errno}`, codeFor(msg), hintFor(msg)));
        }
        if (msg.exit !== undefined) lastExit = msg;
      }
    });
    exited.then(
      // Let the status fd drain first: the error line explains the exit.
      // Only before `started`: after it, a pending timer would hold the
      // process for its 20 ms after the container is done.
      (code) => {
        if (!settled) setTimeout(() => fail(new UserError(`tsbox-helper exited with ${code} before the container started${stderr ? `: ${stderr.trim()}` : ''}`)), 20);
      },
      (e) => fail(e as Error),
    );
  });
  // a rejected `started` that nobody awaits must not crash the process
  started.catch(() => {});
  return {
    exited,
    started,
    exitMessage: () => lastExit,
    release: () => {
      for (const s of child.stdio) (s as { destroy?: () => void } | null)?.destroy?.();
      child.unref();
    },
  };
}
