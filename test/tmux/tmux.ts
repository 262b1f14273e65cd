// A private tmux server for driving the dashboard in a real terminal: its
// own socket (-L), so the tests never touch a user's tmux, and killed at the
// end. Commands run through execa, so a failing one throws an error that
// names the command line and carries its stderr.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaSync } from 'execa';

/** the repository root (this file runs from dist/test/tmux/) */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TSBOX = path.join(REPO, 'bin/tsbox.js');

export function haveTmux(): boolean {
  return !execaSync('tmux', ['-V'], { reject: false }).failed;
}

/** tsbox with --root, as the tests run it; throws, naming the command and with its stderr, on failure. */
export function tsbox(root: string, ...args: string[]): string {
  return execaSync(process.execPath, [TSBOX, '--root', root, ...args], { stripFinalNewline: false }).stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Tmux {
  readonly socket = `tsbox-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private socketPath = '';

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {}

  private tmux(...args: string[]): string {
    return execaSync('tmux', ['-L', this.socket, ...args]).stdout;
  }

  /** Start a session running `command` (a shell command line), with TERM and env of our choosing. */
  start(command: string, env: Record<string, string> = {}): void {
    const exports = Object.entries({ TERM: 'xterm-256color', ...env })
      .map(([k, v]) => `export ${k}='${v}';`)
      .join(' ');
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(this.cols), '-y', String(this.rows), `${exports} ${command}`);
    this.socketPath = this.query('#{socket_path}');
  }

  /** Keys in tmux send-keys syntax: each argument a key name (Enter, Escape, C-c) or literal text with -l. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  text(s: string): void {
    this.tmux('send-keys', '-l', s);
  }

  capture(ansi = false): string {
    return this.tmux('capture-pane', '-p', ...(ansi ? ['-e'] : []));
  }

  /** A tmux format of the pane, e.g. '#{alternate_on}'. */
  query(format: string): string {
    return this.tmux('display-message', '-p', format).trim();
  }

  async waitFor(test: (screen: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < end) {
      screen = this.capture();
      if (test(screen)) return screen;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${screen}`);
  }

  waitForText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((s) => s.includes(text), JSON.stringify(text), timeoutMs);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-x', String(cols), '-y', String(rows));
  }

  /** Kill the server and remove its socket file (tmux leaves it behind). */
  kill(): void {
    // the server may be gone already (its last session ended): not an error
    execaSync('tmux', ['-L', this.socket, 'kill-server'], { reject: false });
    if (this.socketPath) fs.rmSync(this.socketPath, { force: true });
  }
}
