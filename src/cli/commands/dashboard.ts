// tsbox dashboard (and tsbox with no command): the full-screen view. Ink and
// React load only here, inside run(), so other commands never pay for them.
import type { Command } from '../command.js';
import { str } from '../args.js';
import { UserError } from '../../common/errors.js';
import type { EngineOptions } from '../../engine/engine.js';
import { launchDashboard, type DashboardOptions } from '../../ui/launch.js';

/** Refreshing faster than this costs CPU for nothing a person can see. */
const MIN_INTERVAL_MS = 100;

/** --interval: seconds ("2", "0.5"), or with a unit ("500ms", "2s", "1m"). */
export function parseInterval(v: string | undefined): number {
  if (v === undefined) return 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UserError(`invalid --interval '${v}'`, 125, 'Give seconds (2, 0.5) or a duration with a unit (500ms, 2s, 1m).');
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (n < MIN_INTERVAL_MS) throw new UserError(`--interval ${v} is too short`, 125, `Use ${MIN_INTERVAL_MS}ms or more.`);
  return Math.round(n);
}

/**
 * The dashboard, to its end: launch.ts takes the terminal and paints the
 * first frame from this bundle, then the rest loads and carries on.
 */
export async function openDashboard(g: EngineOptions, opts: DashboardOptions): Promise<number> {
  const launch = launchDashboard(g, opts);
  try {
    const { runDashboard } = await loadDashboard();
    return await runDashboard(g, opts, launch);
  } finally {
    // the terminal back also when the dashboard failed to load
    launch.restore();
  }
}

/**
 * Load the dashboard. React picks its build when first imported: the
 * production one does the same work with fewer checks (a frame costs about a
 * quarter less), so it is chosen unless the user asked otherwise.
 */
async function loadDashboard(): Promise<typeof import('../../ui/main.js')> {
  process.env.NODE_ENV ??= 'production';
  // Ink reads CI from the environment at import and then writes only the
  // last frame, at exit. The dashboard draws on a real terminal (main.tsx
  // refuses anything else), so a CI variable inherited from a build job or
  // a test runner must not make it blind.
  for (const v of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[v];
  return import('../../ui/main.js');
}

export const DASHBOARD_FLAGS = [
  { name: 'interval', type: 'string' as const, arg: 'DURATION', help: 'refresh every DURATION (default 1s; e.g. 500ms, 2s)' },
];

export const dashboard: Command = {
  name: 'dashboard',
  summary: 'Open the dashboard (the default)',
  usage: 'tsbox [dashboard] [--interval DURATION]',
  flags: DASHBOARD_FLAGS,
  async run(p, g) {
    return openDashboard(g, { intervalMs: parseInterval(str(p, 'interval')) });
  },
};
