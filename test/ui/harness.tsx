// Rendering at a given terminal size with ink-testing-library. Its fake
// stdout is 100 columns wide, fixed in a getter; a wider test widens that
// getter (our components take their width as a prop, so only Ink's clipping
// of the root depends on it).
import type { ReactElement } from 'react';
import { Text } from 'ink';
import { render } from 'ink-testing-library';

const probe = render(<Text />);
const StdoutProto = Object.getPrototypeOf(probe.stdout) as object;
probe.unmount();
let columns = 100;
Object.defineProperty(StdoutProto, 'columns', { get: () => columns, configurable: true });

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
export const stripAnsi = (s: string) => s.replace(ANSI, '');

export const settle = (ms = 15) => new Promise((r) => setTimeout(r, ms));

export const KEYS = { down: '\x1b[B', up: '\x1b[A', enter: '\r', escape: '\x1b', tab: '\t', backspace: '\x7f', ctrlC: '\x03' };

export interface Rendered {
  /** the last frame without escape codes */
  frame(): string;
  raw(): string;
  lines(): string[];
  press(...keys: string[]): Promise<void>;
  /** how many frames Ink has written */
  frameCount(): number;
  unmount(): void;
}

export function renderAt(el: ReactElement, cols: number): Rendered {
  columns = cols;
  const app = render(el);
  const raw = () => app.lastFrame() ?? '';
  return {
    raw,
    frame: () => stripAnsi(raw()),
    lines: () => stripAnsi(raw()).split('\n'),
    async press(...keys) {
      for (const k of keys) {
        app.stdin.write(k);
        // a lone Esc is held by Ink for a moment (it may start a sequence)
        await settle(k === KEYS.escape ? 30 : 5);
      }
      await settle();
    },
    frameCount: () => app.frames.length,
    unmount: () => app.unmount(),
  };
}
