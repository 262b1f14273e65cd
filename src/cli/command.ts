// The shape of one CLI command. Each lives in src/cli/commands/NAME.ts and is
// listed in src/cli/commands/index.ts; help text is generated from `flags`.
import type { FlagSpec, Parsed, PodmanFlags } from './args.js';
import type { EngineOptions } from '../engine/engine.js';

/** The global flags: --root and --selinux are how the engine is opened; --log-level what the CLI prints of its events. */
export interface GlobalOptions extends EngineOptions {
  /** podman's levels; debug shows the engine's debug events (open-engine.ts) */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface Command {
  name: string;
  aliases?: string[];
  summary: string;
  /** e.g. 'tsbox run [FLAGS] IMAGE [CMD...]' */
  usage: string;
  flags: FlagSpec[];
  /** flags end at the first positional (run, exec, create) */
  stopAtPositional?: boolean;
  /** the podman command's flags, so that those tsbox lacks are refused by name */
  podman?: PodmanFlags;
  /** gets its flags parsed by main (which also answers --help); returns the exit code */
  run(p: Parsed, globals: GlobalOptions): Promise<number>;
}
