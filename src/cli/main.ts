// tsbox entry point: global flags, then a command. With no command, the
// dashboard. User errors print one message and exit 125 (or 126/127);
// anything else is a bug and prints its stack.
import { formatFlags, parseArgs } from './args.js';
import type { GlobalOptions } from './command.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { EXIT_ERROR, errorText, isUserError, UserError } from '../common/errors.js';
import { print } from './output.js';

const VERSION = '0.1.0';

/** Commands `tsbox container X` takes (podman's container group). */
const CONTAINER_COMMANDS = ['run', 'create', 'start', 'stop', 'restart', 'kill', 'rm', 'wait', 'ps', 'list', 'logs', 'inspect', 'exec', 'stats', 'pause', 'unpause', 'update', 'prune', 'rename', 'cleanup'];

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'tsbox: Linux containers, and a dashboard that shows their isolation',
    '',
    'Usage: tsbox [--root DIR] [--selinux auto|on|off] [--log-level LEVEL] [COMMAND] [ARGS...]',
    '       tsbox             open the dashboard',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    `  ${'container'.padEnd(w)}podman's long form of the container commands: container ls, container prune...`,
    '',
    'Global flags:',
    '  --root DIR       keep all state under DIR (also TSBOX_ROOT)',
    '  --selinux MODE   auto (default), on or off (also TSBOX_SELINUX)',
    '  --log-level L    debug shows what the engine notes on the way (warn, the default, only warnings)',
    '  --version        print the version',
    '',
    'Run `tsbox COMMAND --help` for the flags of a command.',
  ].join('\n');
}

function parseGlobals(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const take = (flag: string) => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UserError(`flag ${flag} needs a value`);
      return argv[++i];
    };
    if (a === '--root' || a.startsWith('--root=')) globals.root = take('--root');
    else if (a === '--selinux' || a.startsWith('--selinux=')) {
      const v = take('--selinux');
      if (v !== 'auto' && v !== 'on' && v !== 'off') throw new UserError(`invalid --selinux '${v}'`, 125, 'Use auto, on or off.');
      globals.selinux = v;
    } else if (a === '--log-level' || a.startsWith('--log-level=')) {
      const v = take('--log-level');
      if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error') throw new UserError(`invalid --log-level '${v}'`, 125, 'Use debug, info, warn or error.');
      globals.logLevel = v;
    } else break;
  }
  if (!globals.selinux && process.env.TSBOX_SELINUX) {
    const v = process.env.TSBOX_SELINUX;
    if (v !== 'auto' && v !== 'on' && v !== 'off') throw new UserError(`invalid TSBOX_SELINUX '${v}'`, 125, 'Use auto, on or off.');
    globals.selinux = v;
  }
  return { globals, rest: argv.slice(i) };
}

/**
 * podman's long form of the container commands: `tsbox container ls` is
 * `tsbox ps`, `tsbox container rm X` is `tsbox rm X`, and so on.
 */
function containerLongForm(rest: string[]): string[] {
  if (rest[0] !== 'container') return rest;
  const [, sub, ...args] = rest;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    throw new UserError('container needs a command', 125, `Use one of: ${CONTAINER_COMMANDS.join(', ')}, ls.`);
  }
  if (sub === 'ls') return ['ps', ...args];
  if (!CONTAINER_COMMANDS.includes(sub)) throw new UserError(`unknown container command '${sub}'`, 125, `Use one of: ${CONTAINER_COMMANDS.join(', ')}, ls.`);
  return [sub, ...args];
}

export async function main(argv: string[]): Promise<number> {
  const { globals, rest } = parseGlobals(argv);
  const [name = 'dashboard', ...args] = containerLongForm(rest);
  if (name === '--help' || name === '-h' || name === 'help') {
    print(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === 'version') {
    print(`tsbox version ${VERSION}\n`);
    return 0;
  }
  const entry = findCommand(name);
  if (!entry) throw new UserError(`unknown command '${name}'`, 125, 'Run `tsbox --help` for the list of commands.');
  const cmd = await entry.load();
  const parsed = parseArgs(args, cmd.flags, { stopAtPositional: cmd.stopAtPositional, command: cmd.name, podman: cmd.podman });
  if (parsed.help) {
    print(`${cmd.summary}\n\nUsage: ${cmd.usage}\n${cmd.flags.length ? `\nFlags:\n${formatFlags(cmd.flags)}\n` : ''}`);
    return 0;
  }
  return cmd.run(parsed, globals);
}

export async function runCli(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`Error: ${errorText(e)}\n`);
      code = e.code;
    } else {
      process.stderr.write(`tsbox: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      code = EXIT_ERROR;
    }
  }
  process.exitCode = code;
}
