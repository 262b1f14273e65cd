// The options of one tsbox-runtime command, as runc takes them: flags
// (--name VALUE, --name=VALUE, -x) and the container id, and what follows
// it (exec's command, after which nothing is a flag; kill's signal). Every flag a command does not
// know is an error: a caller that asks for something must not be ignored.
import { UserError } from '../common/errors.js';

export interface FlagSpec {
  values?: string[];
  bools?: string[];
  /** short or old names to their long name */
  alias?: Record<string, string>;
  /** flags stop at the id (exec: what follows is the command); else they may follow it too (`ps ID --format json`) */
  stopAtId?: boolean;
}

export class Flags {
  private vals = new Map<string, string[]>();
  private pos: string[] = [];
  private used = new Set<string>();

  constructor(
    readonly command: string,
    argv: string[],
    spec: FlagSpec,
  ) {
    const values = new Set(spec.values ?? []);
    const bools = new Set(spec.bools ?? []);
    let i = 0;
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-') || a === '-') {
        if (spec.stopAtId) break;
        this.pos.push(a);
        continue;
      }
      const eq = a.indexOf('=');
      let name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
      name = spec.alias?.[name] ?? name;
      if (values.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UserError(`${command}: --${name} needs a value`, 1);
        this.vals.set(name, [...(this.vals.get(name) ?? []), v]);
      } else if (bools.has(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : 'true';
        if (v !== 'true' && v !== 'false') throw new UserError(`${command}: --${name} takes true or false, not ${JSON.stringify(v)}`, 1);
        this.vals.set(name, [v]);
      } else {
        throw new UserError(`${command}: unknown flag ${a} (see tsbox-runtime ${command} --help)`, 1);
      }
    }
    this.pos.push(...argv.slice(i));
  }

  value(name: string): string | undefined {
    this.used.add(name);
    const v = this.vals.get(name);
    return v?.[v.length - 1];
  }
  values(name: string): string[] {
    this.used.add(name);
    return this.vals.get(name) ?? [];
  }
  bool(name: string): boolean {
    return this.value(name) === 'true';
  }
  /** the container id: the first word after the flags */
  id(): string {
    const id = this.pos.shift();
    if (!id) throw new UserError(`${this.command}: missing the container id`, 1);
    return id;
  }
  positional(): string | undefined {
    return this.pos.shift();
  }
  /** everything after the id (exec's command) */
  rest(): string[] {
    const r = this.pos;
    this.pos = [];
    return r;
  }
  /** nothing left over: a flag parsed but not used by the command is a bug; a stray word is the caller's mistake */
  done(): void {
    for (const k of this.vals.keys()) if (!this.used.has(k)) throw new Error(`tsbox-runtime ${this.command}: flag --${k} parsed but not handled`);
    if (this.pos.length) throw new UserError(`${this.command}: unexpected argument ${JSON.stringify(this.pos[0])}`, 1);
  }
}
