// The dashboard's renderer as it ships, for the tests and `npm run bench`:
// scripts/bundle.mjs builds this into dist/cli/ui-testing.js, from the same
// chunks as dist/cli/ui.js, so what is drawn here is drawn by the bundled
// Ink with its patched frame buffer (ink-output.ts) and bounded text caches
// (ink-caches.ts), with production React. (The tsc build of the same code,
// dist/src/ui, draws with Ink's stock modules from node_modules.)
//
// Elements cannot cross from one React to another, so everything that makes
// them is in here; the store, the controller and the streams come from the
// caller, as plain objects.
import './no-fetch.js';
import { render, type Instance } from 'ink';
import type { Theme } from '../../components/theme.js';
import { dashboardElement } from './app.js';
import type { Controller } from './controller.js';
import type { DashboardStore } from './store.js';

export { benchModel, renderModelOnce } from './bench.js';
export { inkCacheSizes, GENERATION } from './ink-caches.js';

/** Streams Ink can draw to and read keys from: a test's fakes, by duck typing. */
export interface TestStreams {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/**
 * The dashboard drawn into `streams`, every frame written whole (Ink's debug
 * mode, as ink-testing-library draws): the same layout, frame buffer and
 * caches as the terminal gets, without the cursor moves between frames.
 */
export function mountDashboard(store: DashboardStore, controller: Controller, theme: Theme, streams: TestStreams): Instance {
  return render(dashboardElement(store, controller, theme), { ...streams, debug: true, exitOnCtrlC: false, patchConsole: false });
}
