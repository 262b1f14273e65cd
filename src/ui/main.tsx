// `tsbox` / `tsbox dashboard`: draw until q, give the terminal back.
// Loaded lazily by src/cli/commands/dashboard.ts once launch.ts has taken
// the terminal and painted the first frame, so only the dashboard pays for
// the store, the probes, Ink and React; and Ink and React (draw.tsx) load
// last of all.
import { spawn, type ChildProcess } from 'node:child_process';
import type tty from 'node:tty';
import type { Instance } from 'ink';
import type { EngineOptions } from '../engine/engine.js';
import { errorText } from '../common/errors.js';
import { createController } from './controller.js';
import type { DashboardOptions, Launch } from './launch.js';
import type { ContainerRecord } from './model.js';
import { createEngineSource, type DashboardSource } from './source.js';
import { initialState } from './state.js';
import { createDashboardStore, type DashboardStore } from './store.js';
import { closeKeyboard, drainKeyboard, openKeyboard } from './terminal.js';
import { tuneV8ForRefreshes } from './v8-flags.js';

type Handoff = { kind: 'quit' } | { kind: 'exec'; container: ContainerRecord };

/** How long keys are thrown away after a shell returns the terminal. */
const DRAIN_MS = 50;

export async function runDashboard(engineOptions: EngineOptions, opts: DashboardOptions, launch: Launch): Promise<number> {
  const out = process.stdout;
  const { screen, theme } = launch;
  const source = await createEngineSource(engineOptions);
  const { cols, rows } = launch.painted;
  const store = createDashboardStore(initialState(cols, rows, { notice: opts.notice, intervalMs: opts.intervalMs }));

  let handoff: (h: Handoff) => void = () => undefined;
  const controller = createController(store, source, {
    intervalMs: opts.intervalMs,
    onQuit: () => handoff({ kind: 'quit' }),
    onExec: (container) => handoff({ kind: 'exec', container }),
    first: launch.snapshot,
  });

  let ink: Instance | null = null;
  let keyboard: tty.ReadStream | null = launch.keyboard;
  let shell: ChildProcess | null = null;
  const restore = () => {
    controller.stop();
    // Ink first: its last frame and cursor belong on the alternate screen.
    ink?.unmount();
    ink = null;
    if (keyboard) closeKeyboard(keyboard);
    keyboard = null;
    screen.leave();
  };
  const uninstall = launch.handOver({
    restore,
    deferSignal: (signal) => {
      if (!shell) return false;
      // Ctrl-C while the shell runs is the shell's; a real SIGTERM/SIGHUP ends it too.
      if (signal !== 'SIGINT') shell.kill('SIGTERM');
      return signal === 'SIGINT';
    },
  });
  const onResize = () => store.dispatch({ type: 'resize', cols: out.columns, rows: out.rows });
  out.on('resize', onResize);

  try {
    // A resize since the launch painted: Ink's frame will not cover the painted one.
    onResize();
    const { drawDashboard } = await import('./draw.js');
    if (out.columns !== cols || out.rows !== rows) screen.clear();
    for (;;) {
      keyboard ??= openKeyboard();
      const next = new Promise<Handoff>((resolve) => (handoff = resolve));
      ink = drawDashboard(store, controller, theme, out, keyboard);
      tuneV8ForRefreshes();
      controller.start();
      // A render error ends Ink's wait with a rejection: it propagates from here.
      const h = await Promise.race([next, ink.waitUntilExit().then((): Handoff => ({ kind: 'quit' }))]);
      ink.unmount();
      ink = null;
      closeKeyboard(keyboard);
      keyboard = null;
      if (h.kind === 'quit') break;
      controller.stop();
      screen.leave();
      const child = spawnShell(source, h.container, store);
      shell = child;
      if (child) await runShell(child, h.container, store);
      shell = null;
      screen.enter();
      keyboard = openKeyboard();
      await drainKeyboard(keyboard, DRAIN_MS);
      closeKeyboard(keyboard);
      keyboard = null;
      store.dispatch({ type: 'resize', cols: out.columns, rows: out.rows });
    }
  } finally {
    restore();
    out.off('resize', onResize);
    uninstall();
  }
  return 0;
}

function spawnShell(source: DashboardSource, c: ContainerRecord, store: DashboardStore): ChildProcess | null {
  let argv: { file: string; args: string[] };
  try {
    argv = source.execShell(c);
  } catch (e) {
    store.dispatch({ type: 'status', text: `exec in ${c.name}: ${errorText(e)}`, kind: 'error' });
    return null;
  }
  process.stderr.write(`tsbox: a shell in ${c.name}; exit it to return to the dashboard\n`);
  // stderr is piped (and copied through) so that a helper error is still
  // readable in the status line once the dashboard is back.
  return spawn(argv.file, argv.args, { stdio: ['inherit', 'inherit', 'pipe'] });
}

function runShell(child: ChildProcess, c: ContainerRecord, store: DashboardStore): Promise<void> {
  let lastErr = '';
  child.stderr?.on('data', (b: Buffer) => {
    process.stderr.write(b);
    lastErr = (lastErr + b.toString('utf8')).slice(-2000);
  });
  return new Promise((resolve) => {
    child.on('error', (e) => {
      store.dispatch({ type: 'status', text: `exec in ${c.name}: ${e.message}`, kind: 'error' });
      resolve();
    });
    child.on('close', (code, signal) => {
      const why = lastErr.trim().split('\n').pop() ?? '';
      if (code === 0) store.dispatch({ type: 'status', text: `shell in ${c.name} exited`, kind: 'info' });
      else store.dispatch({ type: 'status', text: `shell in ${c.name} ended with ${signal ?? code}${why ? `: ${why}` : ''}`, kind: 'error' });
      resolve();
    });
  });
}
