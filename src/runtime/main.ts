// tsbox-runtime: the OCI runtime command line (runc's), for podman,
// containerd's shim and CRI-O. Global flags, then a command. Errors go to
// stderr and, with --log, to the log in runc's shape (--log-format json is
// what podman and containerd read a failure's message from); exit 1 as runc.
import fs from 'node:fs';
import { UserError } from '../common/errors.js';
import { DEFAULT_ROOT, StateDir } from './state.js';
import { OciConfigError } from './oci-config.js';
import { Flags, type FlagSpec } from './flags.js';
import * as cmd from './commands.js';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.2.0';

const SPECS: Record<string, FlagSpec> = {
  create: { values: ['bundle', 'pid-file', 'console-socket', 'preserve-fds'], bools: ['no-pivot', 'no-new-keyring'], alias: { b: 'bundle' } },
  run: { values: ['bundle', 'pid-file', 'console-socket', 'preserve-fds'], bools: ['no-pivot', 'no-new-keyring', 'detach', 'keep'], alias: { b: 'bundle', d: 'detach' } },
  start: {},
  state: {},
  kill: { bools: ['all'], alias: { a: 'all' } },
  delete: { bools: ['force'], alias: { f: 'force' } },
  exec: {
    values: ['process', 'console-socket', 'pid-file', 'cwd', 'env', 'user', 'cap', 'process-label', 'apparmor', 'preserve-fds'],
    bools: ['tty', 'detach', 'no-new-privs'],
    alias: { p: 'process', t: 'tty', d: 'detach', e: 'env', u: 'user', c: 'cap' },
    stopAtId: true,
  },
  ps: { values: ['format'], alias: { f: 'format' } },
  list: { values: ['format'], bools: ['quiet'], alias: { f: 'format', q: 'quiet' } },
  pause: {},
  resume: {},
  update: { values: ['resources'], alias: { r: 'resources' } },
  features: {},
};

const USAGE = `usage: tsbox-runtime [GLOBAL FLAGS] COMMAND [FLAGS] ID ...

An OCI runtime (runc's command line) over tsbox-helper.

commands:
  create [--bundle DIR] [--pid-file F] [--console-socket SOCK] ID
  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID
  run [--bundle DIR] [--detach] [--pid-file F] [--console-socket SOCK] [--keep] ID
  exec [--process FILE] [--tty] [--detach] [--console-socket SOCK] [--pid-file F] [--cwd DIR] [--env K=V] [--user UID[:GID]] ID [CMD...]
  ps [--format table|json] ID | list [--format table|json] [-q]
  pause ID | resume ID | update --resources FILE ID | features

global flags:
  --root DIR           state directory (default ${DEFAULT_ROOT})
  --log FILE           append errors, warnings (and --debug lines) to FILE
  --log-format FORMAT  text (default) or json
  --debug              log the helper's argv too
  --systemd-cgroup     refused: tsbox-runtime manages cgroupfs itself
  --rootless VALUE     auto (default), false; true is refused
  -v, --version        print the version
`;

interface Global {
  root: string;
  log?: string;
  format: 'text' | 'json';
  debug: boolean;
}

function logLine(g: Global, level: string, msg: string): void {
  if (!g.log) return;
  const time = new Date().toISOString();
  const line = g.format === 'json' ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
  try {
    fs.appendFileSync(g.log, `${line}\n`);
  } catch {
    // the log is best effort; stderr has the message too
  }
}

/** Fills G as it goes: an error in a later flag is still logged where --log said. */
function parseGlobal(argv: string[], g: Global): { g: Global; rest: string[] } {
  let i = 0;
  const value = (a: string): string => {
    const eq = a.indexOf('=');
    if (eq > 0) return a.slice(eq + 1);
    const v = argv[++i];
    if (v === undefined) throw new UserError(`${a} needs a value`, 1);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    const name = a.split('=')[0];
    if (!a.startsWith('-')) break;
    if (name === '--root') g.root = value(a);
    else if (name === '--log') g.log = value(a);
    else if (name === '--log-format') {
      const f = value(a);
      if (f !== 'text' && f !== 'json') throw new UserError(`--log-format ${f}: expected text or json`, 1);
      g.format = f;
    } else if (name === '--debug') g.debug = true;
    else if (name === '--systemd-cgroup') {
      throw new UserError('--systemd-cgroup is not supported: tsbox-runtime manages cgroupfs directories itself (configure the caller for cgroupfs: podman --cgroup-manager cgroupfs, containerd SystemdCgroup = false)', 1);
    } else if (name === '--rootless') {
      const v = value(a);
      if (v === 'true') throw new UserError('--rootless true is not supported: tsbox-runtime runs as root (rootless containers: tsbox run)', 1);
      if (v !== 'auto' && v !== 'false') throw new UserError(`--rootless ${v}: expected auto, true or false`, 1);
    } else if (name === '--criu') value(a); // checkpoint is not a command here; the path alone changes nothing
    else if (a === '-v' || a === '--version') return { g, rest: ['--version'] };
    else if (a === '-h' || a === '--help') return { g, rest: ['--help'] };
    else throw new UserError(`unknown global flag ${a}`, 1);
  }
  return { g, rest: argv.slice(i) };
}

export async function main(argv: string[]): Promise<number> {
  const g: Global = { root: DEFAULT_ROOT, format: 'text', debug: false };
  try {
    const parsed = parseGlobal(argv, g);
    const [command, ...args] = parsed.rest;
    if (command === '--version' || command === 'version') {
      process.stdout.write(`tsbox-runtime version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return 0;
    }
    if (!command || command === '--help' || command === 'help') {
      process.stdout.write(USAGE);
      return command ? 0 : 1;
    }
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const spec = SPECS[command];
    if (!spec) throw new UserError(`unknown command ${JSON.stringify(command)} (see tsbox-runtime --help)`, 1);
    if (process.getuid?.() !== 0) throw new UserError('tsbox-runtime runs as root only (rootless containers: tsbox run)', 1);
    const f = new Flags(command, args, spec);
    const ctx: cmd.Context = {
      state: new StateDir(g.root),
      log: (level, msg) => {
        if (level === 'debug' && !g.debug) return;
        if (level === 'warning') process.stderr.write(`tsbox-runtime: warning: ${msg}\n`);
        logLine(g, level, msg);
      },
    };
    switch (command) {
      case 'create': return await cmd.create(f, ctx);
      case 'start': return await cmd.start(f, ctx);
      case 'run': return await cmd.run(f, ctx);
      case 'state': return cmd.state(f, ctx);
      case 'kill': return cmd.kill(f, ctx);
      case 'delete': return await cmd.del(f, ctx);
      case 'exec': return await cmd.exec(f, ctx);
      case 'ps': return cmd.ps(f, ctx);
      case 'list': return cmd.list(f, ctx);
      case 'pause': return await cmd.pause(f, ctx, true);
      case 'resume': return await cmd.pause(f, ctx, false);
      case 'update': return cmd.update(f, ctx);
      case 'features': return cmd.features(f);
    }
    return 1;
  } catch (e) {
    const known = e instanceof UserError || e instanceof OciConfigError;
    const msg = known ? (e as Error).message + ((e as UserError).hint ? ` (${(e as UserError).hint})` : '') : String((e as Error)?.stack ?? e);
    process.stderr.write(`tsbox-runtime: ${msg}\n`);
    logLine(g, 'error', msg);
    if (e instanceof UserError && (e.code === 126 || e.code === 127)) return e.code;
    return 1;
  }
}
