// The external programs the tests start (tar, getfattr, mount, gcc, unshare,
// skopeo, runuser, flock, script, sleep, sh...), through execa, as the
// engine runs its own (src/engine/programs.ts). A program that fails where
// the test needs it to work is a ProgramFailed whose message names the
// command, how it ended and what it wrote on stderr, in the engine's words
// ("`tar -xf x` exited with code 2: tar: Unexpected EOF"), so a failing test
// says what failed instead of "expected 0, got 2".
//
// Three ways to run one, for three kinds of call:
//   run      the program must work (setup, a fixture's build): its stdout
//   attempt  the test asserts how it ended itself: a Ran, never a throw
//   start    a program that runs beside the test (sleep 30, a racer)
// and canRun for skip conditions. Every option means what it means to
// child_process (env replaces the environment, output keeps its final
// newline), so a converted call asserts exactly what it asserted before.
import { execa, execaSync, type Options, type ResultPromise, type SyncOptions } from 'execa';

/** stdio as child_process takes it: fd numbers beyond 2 are fds of ours the program gets there */
type Stdio = 'ignore' | 'pipe' | 'inherit' | number;

export interface ProgramOptions {
  input?: string | Uint8Array;
  /** the whole environment (default: ours), as child_process takes it */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** ms before it is killed with SIGTERM (default: none) */
  timeout?: number;
  uid?: number;
  gid?: number;
  stdio?: Stdio | Stdio[];
  /** how stdout and stderr are decoded (default utf8) */
  encoding?: 'utf8' | 'latin1';
  detached?: boolean;
}

/** A program started beside the test. */
export type Started = ResultPromise;

/** How a program ended. */
export interface Ran {
  /** the command as a shell would take it back */
  command: string;
  /** undefined when it was killed or never started */
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** why it could not be started ('ENOENT', 'EACCES'...), undefined when it ran */
  notStarted: string | undefined;
  stdout: string;
  stderr: string;
  /** what it wrote on each pipe, by fd (output[3]: a pipe given at fd 3) */
  output: string[];
}

/** A program that did not exit 0 where the test needed it to. */
export class ProgramFailed extends Error {
  constructor(readonly ran: Ran) {
    super(howItEnded(ran));
    this.name = 'ProgramFailed';
  }
}

/** Run FILE with ARGS; its stdout when it exited 0, else a ProgramFailed. */
export function run(file: string, args: string[] = [], opts: ProgramOptions = {}): string {
  const r = attempt(file, args, opts);
  if (r.exitCode !== 0) throw new ProgramFailed(r);
  return r.stdout;
}

/** Run FILE with ARGS and say how it ended, whatever that was: for tests that assert the exit code or output. */
export function attempt(file: string, args: string[] = [], opts: ProgramOptions = {}): Ran {
  const r = execaSync(file, args, { ...common(opts), input: opts.input } as SyncOptions);
  return ranOf(r);
}

/** Whether FILE is installed and runs: it exits 0 with ARGS (for a test's skip). */
export function canRun(file: string, args: string[] = ['--version']): boolean {
  return attempt(file, args, { stdio: ['ignore', 'ignore', 'ignore'] }).exitCode === 0;
}

/**
 * Start FILE beside the test; a ChildProcess (pid, kill, 'exit', its pipes)
 * that is also a promise of how it ended. Its end never rejects: a test that
 * kills what it started has not failed (the end is there to assert on).
 * Its output is not kept: read it from its pipes.
 */
export function start(file: string, args: string[] = [], opts: ProgramOptions = {}): Started {
  return execa(file, args, { ...common(opts), buffer: false } as Options);
}

/** The end of a started program, as a Ran. */
export async function ended(p: Started): Promise<Ran> {
  return ranOf(await p);
}

function common(opts: ProgramOptions): Record<string, unknown> {
  return {
    env: opts.env,
    // env, when given, is the whole environment, as with child_process
    extendEnv: false,
    cwd: opts.cwd,
    timeout: opts.timeout,
    uid: opts.uid,
    gid: opts.gid,
    // execa hands fd numbers to spawn as they are; its types list only 3-9
    stdio: opts.stdio,
    encoding: opts.encoding ?? 'utf8',
    detached: opts.detached,
    stripFinalNewline: false,
    reject: false,
  };
}

interface ExecaEnd {
  escapedCommand: string;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  failed: boolean;
  code?: string;
  stdout?: unknown;
  stderr?: unknown;
  stdio?: unknown[];
}

function ranOf(r: ExecaEnd): Ran {
  const started = r.exitCode !== undefined || r.signal !== undefined;
  return {
    command: r.escapedCommand,
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    notStarted: started ? undefined : (r.code ?? 'not started'),
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    output: (r.stdio ?? []).map((o) => (typeof o === 'string' ? o : '')),
  };
}

/** "`tar -xf x` exited with code 2: tar: Unexpected EOF", "cannot run `nft list`: ENOENT" */
export function howItEnded(r: Ran): string {
  const err = r.stderr.trim();
  const said = err ? `: ${err}` : r.stdout.trim() ? ` (no stderr; stdout: ${r.stdout.trim().slice(-2000)})` : '';
  if (r.notStarted) return `cannot run \`${r.command}\`: ${r.notStarted}`;
  if (r.timedOut) return `\`${r.command}\` timed out and was killed by ${r.signal}${said}`;
  if (r.signal) return `\`${r.command}\` was killed by ${r.signal}${said}`;
  return `\`${r.command}\` exited with code ${r.exitCode}${said}`;
}
