// The terminal is the dashboard's only while it draws. This module takes it
// (alternate screen, hidden cursor, raw keyboard) and gives it back on every
// way out: q, Ctrl-C, SIGTERM, SIGHUP, an uncaught error, process exit.
import fs from 'node:fs';
import tty from 'node:tty';
import { UserError } from '../common/errors.js';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME_CLEAR = '\x1b[H\x1b[2J';

export class AltScreen {
  private alt = false;

  constructor(private readonly fd: number) {}

  /** Switch to the alternate screen, cleared, cursor hidden. */
  enter(): void {
    if (this.alt) return;
    this.write(ENTER_ALT + HOME_CLEAR + HIDE_CURSOR);
    this.alt = true;
  }

  /** Blank the alternate screen, cursor at the top left. */
  clear(): void {
    if (this.alt) this.write(HOME_CLEAR);
  }

  /** Back to the normal screen with the cursor shown. Safe to call twice. */
  leave(): void {
    if (!this.alt) return;
    this.alt = false;
    this.write(SHOW_CURSOR + LEAVE_ALT);
  }

  get active(): boolean {
    return this.alt;
  }

  private write(s: string): void {
    // Synchronous, so it also works from an 'exit' handler.
    try {
      fs.writeSync(this.fd, s);
    } catch {
      /* the terminal is gone (SIGHUP): nothing left to restore */
    }
  }
}

/**
 * A keyboard stream of our own on /dev/tty. Ink reads it; before a shell
 * takes the terminal it is destroyed, which closes the fd and stops Node from
 * reading (a paused process.stdin keeps reading and would steal keystrokes
 * from the shell).
 */
export function openKeyboard(): tty.ReadStream {
  let fd: number;
  try {
    fd = fs.openSync('/dev/tty', fs.constants.O_RDONLY | fs.constants.O_NOCTTY);
  } catch (e) {
    throw new UserError(
      `the dashboard needs a terminal to read keys from, and /dev/tty cannot be opened (${(e as Error).message})`,
      125,
      'Run tsbox in a terminal, or use `tsbox ps` for a plain list.',
    );
  }
  return new tty.ReadStream(fd);
}

export function closeKeyboard(k: tty.ReadStream): void {
  try {
    if (k.isRaw) k.setRawMode(false);
  } catch {
    /* already closed */
  }
  k.destroy();
}

/**
 * Throw away what is waiting on the keyboard (keys typed while the shell
 * exited, terminal replies), so it does not turn into dashboard commands.
 */
export function drainKeyboard(k: tty.ReadStream, ms: number): Promise<void> {
  k.setRawMode(true);
  return new Promise((resolve) => {
    const discard = () => {
      while (k.read() !== null) {
        /* discard */
      }
    };
    k.on('readable', discard);
    setTimeout(() => {
      k.off('readable', discard);
      discard();
      resolve();
    }, ms);
  });
}

export interface ExitHooks {
  /** puts the terminal back; must be idempotent and synchronous */
  restore(): void;
  /** a signal arrived while a shell owns the terminal: true = leave it to the shell */
  deferSignal(signal: NodeJS.Signals): boolean;
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Install the restore-on-every-exit handlers; returns their removal. */
export function installExitHandlers(hooks: ExitHooks): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (hooks.deferSignal(signal)) return;
    hooks.restore();
    process.exit(SIGNAL_CODES[signal] ?? 1);
  };
  const onCrash = (e: unknown) => {
    hooks.restore();
    process.stderr.write(`tsbox dashboard crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  };
  const onExit = () => hooks.restore();
  const signals = Object.keys(SIGNAL_CODES) as NodeJS.Signals[];
  for (const s of signals) process.on(s, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('exit', onExit);
  return () => {
    for (const s of signals) process.off(s, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', onExit);
  };
}

/**
 * Replace installed exit handlers with new ones: the new go on before the
 * old come off. A signal that arrived during synchronous work (ui.js
 * compiling) waits in libuv for the next poll; if its last listener were
 * removed first, node would close the signal's handle and drop the pending
 * signal, and a SIGTERM sent as the dashboard starts would be ignored.
 */
export function handOverExitHandlers(uninstallCurrent: () => void, hooks: ExitHooks): () => void {
  const uninstall = installExitHandlers(hooks);
  uninstallCurrent();
  return uninstall;
}
