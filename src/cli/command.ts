// The shape of one CLI command. Each lives in src/cli/commands/NAME.ts and is
// listed in src/cli/commands/index.ts; help text is generated from `flags`.
import type { FlagSpec, Parsed } from './args.js';

export interface GlobalOptions {
  /** --root / TSBOX_ROOT: relocates all state (tests use this) */
  root?: string;
  /** --selinux / TSBOX_SELINUX */
  selinux?: 'auto' | 'on' | 'off';
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
  /** gets its flags parsed by main (which also answers --help); returns the exit code */
  run(p: Parsed, globals: GlobalOptions): Promise<number>;
}
