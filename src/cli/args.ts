// A small podman-style flag parser: long and short flags, `--flag=value`,
// bundled short booleans (-dit), repeatable flags, and `--` / first positional
// ending the flags (so `run IMAGE CMD -x` passes -x to CMD). `--help` and
// `-h` are every command's own flags, wherever they come among its flags;
// after the flags end they are arguments like any other.
import { UserError } from '../common/errors.js';

export interface FlagSpec {
  /** long name without dashes, e.g. 'name' ('help' is every command's) */
  name: string;
  /** one letter ('h' is every command's --help) */
  short?: string;
  /** 'bool' takes no value; 'string' takes one; 'list' takes one and repeats */
  type: 'bool' | 'string' | 'list';
  help: string;
  /** placeholder for help text, e.g. 'NAME' */
  arg?: string;
}

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** --help or -h among the flags: the caller prints the command's help, and nothing else is parsed */
  help?: boolean;
}

export interface ParseOptions {
  /** the flags end at the first positional (run IMAGE CMD...) */
  stopAtPositional?: boolean;
  /** the command, to name its help in errors (`tsbox run --help`) */
  command?: string;
  /** podman's flags of this command that tsbox lacks: refused by name, not as a typo */
  podman?: PodmanFlags;
}

/** A podman command's flags: long names, and the one-letter ones with theirs. */
export interface PodmanFlags {
  long: readonly string[];
  short: Readonly<Record<string, string>>;
}

export function parseArgs(argv: string[], specs: FlagSpec[], opts: ParseOptions = {}): Parsed {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  const set = (spec: FlagSpec, value: string | boolean) => {
    if (spec.type === 'list') ((flags[spec.name] ??= []) as string[]).push(value as string);
    else flags[spec.name] = value;
  };
  const unknown = (flag: string, within?: string) => {
    const long = flag.startsWith('--') ? flag.slice(2) : opts.podman?.short[flag.slice(1)];
    if (long !== undefined && opts.podman?.long.includes(long)) {
      return new UserError(`--${long} is a podman flag tsbox does not support yet`, 125, `Run \`tsbox ${opts.command ? `${opts.command} ` : ''}--help\` for the flags it takes; docs/podman-differences.md lists podman's.`);
    }
    return new UserError(`unknown flag: ${flag}${within ? ` (in ${within})` : ''}`, 125, `Run \`tsbox ${opts.command ? `${opts.command} ` : ''}--help\` for the flags it takes.`);
  };
  let i = 0;
  const takeValue = (spec: FlagSpec, shown: string): string => {
    if (i + 1 >= argv.length) throw new UserError(`flag ${shown} needs a value${spec.arg ? ` (${spec.arg})` : ''}`);
    return argv[++i];
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (a === '--help') return { flags, positionals, help: true };
      const spec = byLong.get(name);
      if (!spec) throw unknown(`--${name}`);
      if (spec.type === 'bool') {
        if (eq >= 0) {
          const v = a.slice(eq + 1);
          if (v !== 'true' && v !== 'false') throw new UserError(`flag --${name} takes true or false, not '${v}'`);
          set(spec, v === 'true');
        } else set(spec, true);
      } else set(spec, eq >= 0 ? a.slice(eq + 1) : takeValue(spec, `--${name}`));
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // bundled shorts: -dit, or -e K=V, or -eK=V
      for (let j = 1; j < a.length; j++) {
        if (a[j] === 'h') return { flags, positionals, help: true };
        const spec = byShort.get(a[j]);
        if (!spec) throw unknown(`-${a[j]}`, a.length > 2 ? a : undefined);
        if (spec.type === 'bool') {
          set(spec, true);
          continue;
        }
        const rest = a.slice(j + 1);
        set(spec, rest.length > 0 ? rest.replace(/^=/, '') : takeValue(spec, `-${a[j]}`));
        break;
      }
      continue;
    }
    positionals.push(a);
    if (opts.stopAtPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, positionals };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}
export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}
export function list(p: Parsed, name: string): string[] {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
}

/** Parse a non-negative integer flag value, or fail with a message naming the flag. */
export function intFlag(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UserError(`invalid value for --${name}: '${v}' is not a whole number`);
  return Number(v);
}

export function formatFlags(specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'bool' ? '' : ` ${s.arg ?? 'VALUE'}`}`;
    return [left, s.help + (s.type === 'list' ? ' (repeatable)' : '')];
  });
  const w = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(w)}${r}`).join('\n');
}
