// The external programs the engine runs: tar and cp for images, cp for a
// container's private copy, newuidmap and newgidmap for rootless id maps.
// Each failure is a ProgramError, a UserError that names the command, how
// it ended (exit code, signal, or why it could not start) and what it wrote
// on stderr.
//
// runProgram goes through execa, loaded at its first use. runProgramSync is
// for the programs a container's start runs (the private copy at create,
// newuidmap and newgidmap while the helper waits for the maps): loading
// execa takes ~40 ms of a process's first program run here (child_process
// with streams, readline, fs/promises and v8, and ~250 KB of execa to
// compile), which made a rootless `run --rm` 151 -> 198 ms (hyperfine, 30
// runs each); child_process's spawnSync costs ~5 ms. (In the CLI bundle
// execa is dist/cli/execa.cjs, beside main.cjs: scripts/bundle.mjs.)
//
// tsbox-helper is not run through here: on the hot path it is started by
// tsbox-spawn.node (spawn.ts says why), and its subcommands report on pipes
// of their own.
import type { ExecaError } from 'execa';
import { UserError } from '../common/errors.js';
import { childProcess } from './lazy.js';

export interface ProgramOptions {
  /** an open fd the program reads as its stdin (default: none) */
  stdin?: number;
  /** what the program was run for, the start of the error: "import of 'x.tar' failed" */
  what: string;
  /** the hint of the error (default: none) */
  hint?: string;
}

/** A program that failed: its message says how; the facts are kept for callers that say more (userns.ts). */
export class ProgramError extends UserError {
  constructor(
    opts: ProgramOptions,
    /** how it ended, in words ("`tar -x` exited with code 2: ..."), and what it wrote on stderr */
    readonly ended: string,
    readonly stderr: string,
    /** it could not be started: there is no such program */
    readonly notFound: boolean,
  ) {
    super(`${opts.what}: ${ended}`, 125, opts.hint);
  }
}

/** Run FILE with ARGS, stdout ignored, stderr kept for the error; resolves when it exited 0. */
export async function runProgram(file: string, args: string[], opts: ProgramOptions): Promise<void> {
  const { execa } = await import('execa');
  // execa hands any fd number to spawn as it is; its types list only 3-9
  const stdin = (opts.stdin ?? 'ignore') as 'ignore';
  try {
    await execa(file, args, { stdin, stdout: 'ignore', stderr: 'pipe' });
  } catch (e) {
    if (!isExecaError(e)) throw e;
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : '';
    const ran = e.exitCode !== undefined || e.signal !== undefined;
    const end = ran ? { code: e.exitCode, signal: e.signal } : { never: e.code === 'ENOENT' ? 'not found' : e.cause instanceof Error ? e.cause.message : e.shortMessage };
    throw failure(opts, e.escapedCommand, end, stderr, e.code === 'ENOENT');
  }
}

/** The same, synchronously and without execa: for a container's start (see the top of this file). */
export function runProgramSync(file: string, args: string[], opts: ProgramOptions): void {
  const r = childProcess().spawnSync(file, args, { stdio: [opts.stdin ?? 'ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return;
  const err = r.error as NodeJS.ErrnoException | undefined;
  const never = err ? (err.code === 'ENOENT' ? 'not found' : err.message) : undefined;
  throw failure(opts, quoteCommand(file, args), { code: r.status ?? undefined, signal: r.signal ?? undefined, never }, (r.stderr ?? '').trim(), err?.code === 'ENOENT');
}

function isExecaError(e: unknown): e is ExecaError {
  return e instanceof Error && e.name === 'ExecaError';
}

/** "`tar -x -f - -C /x` exited with code 2: tar: Unexpected EOF", "cannot run `nft list`: not found". */
function failure(opts: ProgramOptions, command: string, end: { code?: number; signal?: string; never?: string }, stderr: string, notFound: boolean): ProgramError {
  const said = stderr ? `: ${stderr}` : '';
  const ended =
    end.never !== undefined
      ? `cannot run \`${command}\`: ${end.never}`
      : end.signal
        ? `\`${command}\` was killed by ${end.signal}${said}`
        : `\`${command}\` exited with code ${end.code}${said}`;
  return new ProgramError(opts, ended, stderr, notFound);
}

/** The command as a shell would take it back: words with anything but safe characters in single quotes. */
function quoteCommand(file: string, args: string[]): string {
  return [file, ...args].map((w) => (/^[\w./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(' ');
}
