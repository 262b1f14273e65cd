// Rendering the dashboard at a given terminal size, with either renderer:
//  - stock Ink: ink-testing-library over the tsc build (dist/src/ui), with
//    Ink's own modules from node_modules and development React;
//  - the shipped bundle: dist/cli/ui-testing.js (src/ui/testing.ts), the
//    same chunks as the dashboard users run, with its patched frame buffer
//    and bounded text caches, and production React.
// Both draw every frame whole (Ink's debug mode) into a fake terminal.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ReactElement } from 'react';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import type { Theme } from '../../components/theme.js';
import { dashboardElement } from '../../src/ui/app.js';
import type { Controller } from '../../src/ui/controller.js';
import type { DashboardStore } from '../../src/ui/store.js';

// ink-testing-library's fake stdout is 100 columns wide, fixed in a getter;
// a wider test widens that getter (our components take their width as a
// prop, so only Ink's clipping of the root depends on it).
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

function rendered(raw: () => string, write: (key: string) => void, frameCount: () => number, unmount: () => void): Rendered {
  return {
    raw,
    frame: () => stripAnsi(raw()),
    lines: () => stripAnsi(raw()).split('\n'),
    async press(...keys) {
      for (const k of keys) {
        write(k);
        // a lone Esc is held by Ink for a moment (it may start a sequence)
        await settle(k === KEYS.escape ? 30 : 5);
      }
      await settle();
    },
    frameCount,
    unmount,
  };
}

/** Any element through stock Ink (ink-testing-library). */
export function renderAt(el: ReactElement, cols: number): Rendered {
  columns = cols;
  const app = render(el);
  return rendered(() => app.lastFrame() ?? '', (k) => app.stdin.write(k), () => app.frames.length, () => app.unmount());
}

// ---- the shipped bundle ------------------------------------------------------

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** dist/cli/ui-testing.js, typed as its source */
export const shipped = (await import(pathToFileURL(path.join(DIST, 'cli/ui-testing.js')).href)) as typeof import('../../src/ui/testing.js');

/** A terminal's output side, as much of it as Ink uses. */
class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly frames: string[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(s: string): boolean {
    this.frames.push(s);
    return true;
  }
}

/** A terminal's keyboard: what is typed waits for Ink to read() it. */
class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  private typed: string[] = [];
  type(s: string): void {
    this.typed.push(s);
    this.emit('readable');
  }
  read(): string | null {
    return this.typed.shift() ?? null;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  ref(): void {}
  unref(): void {}
  resume(): void {}
  pause(): void {}
}

/** The dashboard through the shipped bundle at cols x rows. */
export function renderShipped(store: DashboardStore, controller: Controller, theme: Theme, cols: number, rows: number): Rendered {
  const stdout = new FakeStdout(cols, rows);
  const stderr = new FakeStdout(cols, rows);
  const stdin = new FakeStdin();
  const app = shipped.mountDashboard(store, controller, theme, { stdout, stderr, stdin } as unknown as Parameters<typeof shipped.mountDashboard>[3]);
  return rendered(() => stdout.frames.at(-1) ?? '', (k) => stdin.type(k), () => stdout.frames.length, () => app.unmount());
}

export interface Renderer {
  name: string;
  /** the dashboard over this store and controller, at cols x rows */
  mount(store: DashboardStore, controller: Controller, theme: Theme, cols: number, rows: number): Rendered;
}

export const RENDERERS: readonly Renderer[] = [
  { name: 'stock Ink', mount: (store, ctl, theme, cols) => renderAt(dashboardElement(store, ctl, theme), cols) },
  { name: 'shipped bundle', mount: renderShipped },
];
