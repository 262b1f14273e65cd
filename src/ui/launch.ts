// The dashboard's launch: the one part of src/ui that the CLI bundle
// (dist/cli/main.cjs) holds. It takes the terminal, reads the container list
// and paints the first frame (first-frame.ts) before the rest of the
// dashboard (dist/cli/ui.js: the store, the probes, Ink and React) loads.
// main.cjs runs from a V8 code cache and ui.js, an ES module, cannot (Node
// 20 has no compile cache for ES modules): compiling ui.js's pre-Ink part
// alone cost ~55 ms of CPU before the first frame, and the engine's list
// ran there uncompiled too. main.tsx carries on from what this leaves.
import type tty from 'node:tty';
import { themeFromEnv, type Theme } from '../../components/theme.js';
import { UserError, errorText } from '../common/errors.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import { NS_LEGEND } from '../probe/namespaces.js';
import { paintedFirstFrame } from './first-frame.js';
import { na, ok, type Snapshot } from './model.js';
import { initialState, reduce } from './state.js';
import { AltScreen, closeKeyboard, handOverExitHandlers, installExitHandlers, openKeyboard, type ExitHooks } from './terminal.js';

export interface DashboardOptions {
  intervalMs: number;
  /** a standing line for the status bar (tsbox demo: how to remove the demo) */
  notice?: string;
}

/** The terminal as the launch left it, and what it painted, for main.tsx. */
export interface Launch {
  screen: AltScreen;
  /** raw from the start: keys typed before Ink reads them are not echoed over the first frame */
  keyboard: tty.ReadStream;
  theme: Theme;
  /** the first refresh (the container list alone), which the painted frame shows */
  snapshot: Snapshot;
  /** the terminal's size when it was painted: Ink's frame covers it only at that size */
  painted: { cols: number; rows: number };
  /** the dashboard's exit handlers in place of the launch's, with no moment between; returns their removal */
  handOver(hooks: ExitHooks): () => void;
  /** the terminal given back (the dashboard never took over): idempotent */
  restore(): void;
}

/** The first refresh: the container list alone; statistics and namespaces come right after the first frame. */
export function listSnapshot(engine: Engine): Snapshot {
  const at = Date.now();
  try {
    return { at, containers: ok(engine.list({ all: true })), stats: ok({}), namespaces: na('not read yet'), nsColumn: {}, nsLegend: NS_LEGEND };
  } catch (e) {
    const reason = errorText(e);
    return { at, containers: na(reason), stats: na(reason), namespaces: na(reason), nsColumn: {}, nsLegend: NS_LEGEND };
  }
}

/** Take the terminal and paint the first frame; throws a UserError when there is no terminal to draw on. */
export function launchDashboard(engineOptions: EngineOptions, opts: DashboardOptions): Launch {
  const out = process.stdout;
  if (!out.isTTY) {
    throw new UserError('the dashboard draws on a terminal, and stdout is not one', 125, 'Use `tsbox ps` for a list you can pipe.');
  }
  const engine = Engine.open(engineOptions);
  const theme = themeFromEnv();
  const screen = new AltScreen(out.fd);
  let keyboard: tty.ReadStream | null = null;
  const restore = () => {
    if (keyboard) closeKeyboard(keyboard);
    keyboard = null;
    screen.leave();
  };
  // A signal or a crash while ui.js loads gives the terminal back too.
  const uninstall = installExitHandlers({ restore, deferSignal: () => false });
  try {
    screen.enter();
    keyboard = openKeyboard();
    keyboard.setRawMode(true);
    const snapshot = listSnapshot(engine);
    const painted = { cols: out.columns, rows: out.rows };
    const state = reduce(initialState(painted.cols, painted.rows, opts), { type: 'snapshot', snap: snapshot });
    out.write(paintedFirstFrame(state, theme));
    const kb = keyboard;
    return {
      screen,
      keyboard: kb,
      theme,
      snapshot,
      painted,
      handOver: (hooks) => handOverExitHandlers(uninstall, hooks),
      restore: () => {
        uninstall();
        restore();
      },
    };
  } catch (e) {
    uninstall();
    restore();
    throw e;
  }
}
