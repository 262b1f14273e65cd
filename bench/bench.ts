// npm run bench: tsbox against crun, runc and podman, side by side, on this
// machine, in one run. Prints a markdown report with each target and whether
// it was met. Needs root. Leaves nothing behind.
//   node dist/bench/bench.js [--runs N] [--containers N] [--pull-runs N] [--out FILE] [--dashboard | --pull | --runtimes]
// --dashboard measures only the dashboard's rows (and the stats sweep, which
// runs over the same containers), skipping the start-up comparisons; --pull
// only the pull rows (bench/pull.ts); --runtimes only podman run --rm through
// runc, crun and tsbox-runtime (bench/runtimes.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchStartup, removePodmanImage } from './startup.js';
import { benchLoad, DASH_CPU_SECONDS } from './load.js';
import { benchPull, type PullBench } from './pull.js';
import { benchRuntimes, type RuntimesBench } from './runtimes.js';
import { ratio, versionOf, type HyperfineRow } from './tools.js';
import { removeEmptyCgroupParents } from '../test/lib/cli.js';
import { makeBusyboxRootfs } from '../test/lib/busybox.js';

/** Renders before the 20 that are timed (see where it is used). */
const RENDER_WARM_UP = 30;

type RenderHooks = Pick<typeof import('../src/ui/bench.js'), 'benchModel' | 'renderModelOnce'>;

/**
 * The median of 20 renders of a 500-row model at 120x40, after
 * RENDER_WARM_UP: a frame of a dashboard that has been running a while. V8
 * takes ~25 renders to finish compiling React's and Yoga's hot code (they
 * cost 8-15 ms until then, 4-6 ms after, on this VM); the first frame has
 * its own row (dashboard first frame, from a real terminal).
 */
function medianRender({ benchModel, renderModelOnce }: RenderHooks): number {
  for (let i = 0; i < RENDER_WARM_UP; i++) renderModelOnce(benchModel(500), 120, 40);
  const renders = Array.from({ length: 20 }, () => renderModelOnce(benchModel(500), 120, 40).ms).sort((a, b) => a - b);
  return renders[10];
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'PASS' : 'FAIL');

function rowsTable(rows: HyperfineRow[]): string[] {
  return [
    '| command | median ms | mean ± sd ms | min ms | max ms | runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => (r.failed ? `| ${r.name} | FAILED | ${r.failed} | | | |` : `| ${r.name} | ${fmt(r.medianMs)} | ${fmt(r.meanMs)} ± ${fmt(r.stddevMs)} | ${fmt(r.minMs)} | ${fmt(r.maxMs)} | ${r.runs} |`)),
  ];
}

/** podman's cgroup parents under /sys/fs/cgroup/<hierarchy>/ */
function podmanCgroupParents(): Set<string> {
  const base = '/sys/fs/cgroup';
  return new Set(fs.readdirSync(base).map((h) => path.join(base, h, 'libpod_parent')).filter((d) => fs.existsSync(d)));
}

/** rmdir a cgroup and its child cgroups, deepest first; one with processes stays (EBUSY). */
function removeEmptyTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeEmptyTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    /* still in use */
  }
}

/** The pull targets and rows (bench/pull.ts): tsbox <= 0.8x podman pull; a pull with every layer stored <= 0.3x podman's pull. */
function pullReport(p: PullBench): string[] {
  if (p.skipped) return ['', '## Pull', '', `Not measured: ${p.skipped} is not installed.`];
  const find = (name: string) => p.rows.find((r) => r.name.startsWith(name));
  const first = ratio(find('tsbox pull ('), find('podman pull ('));
  const again = ratio(find('tsbox pull again'), find('podman pull ('));
  const againVsAgain = ratio(find('tsbox pull again'), find('podman pull again'));
  return [
    '',
    `## Pull (a ${LAYERS_NOTE} image of ${(p.imageBytes / 1e6).toFixed(1)} MB from docker-registry on 127.0.0.1, side by side)`,
    '',
    '| goal | measured | target | result |',
    '| --- | ---: | ---: | --- |',
    `| tsbox pull vs podman pull (empty stores) | ${fmt(first, 2)}${first === null ? '' : 'x'} | <= 0.80x | ${verdict(first === null ? null : first <= 0.8)} |`,
    `| tsbox pull, all layers stored, vs podman pull | ${fmt(again, 2)}${again === null ? '' : 'x'} | <= 0.30x | ${verdict(again === null ? null : again <= 0.3)} |`,
    `| tsbox pull, all layers stored, vs podman's pull, all layers stored (no target) | ${fmt(againVsAgain, 2)}${againVsAgain === null ? '' : 'x'} | | |`,
    '',
    ...rowsTable(p.rows),
  ];
}

const LAYERS_NOTE = '5-layer';

/** podman run --rm through runc, crun and tsbox-runtime (bench/runtimes.ts); no target yet, the ratios are the report. */
function runtimesReport(b: RuntimesBench): string[] {
  if (b.skipped) return ['', '## podman run --rm through each OCI runtime', '', `Not measured: ${b.skipped} is not installed.`];
  const find = (name: string) => b.rows.find((r) => r.name.includes(name));
  const ts = find('tsbox-runtime');
  return [
    '',
    '## podman run --rm through each OCI runtime (side by side; no target)',
    '',
    ...rowsTable(b.rows),
    '',
    `tsbox-runtime/runc ${fmt(ratio(ts, find('runc')), 2)}x, tsbox-runtime/crun ${fmt(ratio(ts, find('crun')), 2)}x.`,
    '',
    ...rowsTable(b.callRows),
  ];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error('npm run bench needs root (it runs containers with crun, runc and podman too)');
    process.exit(1);
  }
  // Node reads the whole file NODE_EXTRA_CA_CERTS names at start-up, before
  // any script runs: ~50 ms on this VM, where the package proxy sets it,
  // against ~25 ms for all the rest of `node -e 0`. No row makes a TLS
  // connection, and users' machines rarely set it: every row (Node's,
  // tsbox's and the peers') runs without it, and the report says so.
  const caCerts = process.env.NODE_EXTRA_CA_CERTS;
  delete process.env.NODE_EXTRA_CA_CERTS;
  const runs = arg('runs', 50);
  const n = arg('containers', 200);
  const dashboardOnly = process.argv.includes('--dashboard');
  const pullOnly = process.argv.includes('--pull');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-bench-'));
  const podmanParentsBefore = podmanCgroupParents();
  const out: string[] = [];
  try {
    if (process.argv.includes('--runtimes')) {
      out.push('# tsbox benchmarks: OCI runtimes', '', `- ${new Date().toISOString()}; kernel ${os.release()}; ${os.cpus().length} CPUs; node ${process.version}`, `- ${versionOf('crun')}; ${versionOf('runc')}; ${versionOf('podman')}; ${versionOf('hyperfine')}`);
      if (caCerts) out.push(`- NODE_EXTRA_CA_CERTS (${caCerts}) was unset for every row (see bench.ts)`);
      out.push(...runtimesReport(benchRuntimes(work, arg('runs', 20))));
      return emit(out);
    }
    if (pullOnly) {
      out.push('# tsbox benchmarks: pull', '', `- ${new Date().toISOString()}; kernel ${os.release()}; ${os.cpus().length} CPUs; node ${process.version}`, `- ${versionOf('podman')}; ${versionOf('skopeo')}; ${versionOf('hyperfine')}`);
      out.push(...pullReport(await benchPull(work, arg('pull-runs', 10))));
      return emit(out);
    }
    const s = dashboardOnly ? null : await benchStartup(work, runs);
    const find = (name: string) => s?.rows.find((r) => r.name.startsWith(name));
    const tsbox = find('tsbox run');
    const helper = find('tsbox-helper');
    const podman = find('podman');
    const crun = find('crun');
    const runc = find('runc');
    const psR = s ? ratio(s.psRows[1], s.psRows[0]) : null;
    const e2e = ratio(tsbox, podman);
    const helperVsCrun = ratio(helper, crun);

    // One frame of the 500-row model, drawn by the renderer that ships (the
    // bundle's Ink, with its frame buffer and caches patched: dist/cli/
    // ui-testing.js), and for comparison by the tsc build over Ink's stock
    // modules. React picks its build when first loaded: the production one,
    // which the bundle has (scripts/bundle.mjs defines NODE_ENV).
    process.env.NODE_ENV = 'production';
    const shipped: RenderHooks = await import('../cli/ui-testing.js' as string);
    const stock: RenderHooks = await import('../src/ui/bench.js');
    const renderMs = medianRender(shipped);
    const stockRenderMs = medianRender(stock);

    const rootfs = path.join(work, 'rootfs');
    if (!s) makeBusyboxRootfs(rootfs); // benchStartup makes it otherwise
    // podman's image comes from benchStartup
    const load = await benchLoad(work, n, 'benchload', rootfs, { podman: s !== null });

    out.push('# tsbox benchmarks', '');
    out.push(`- ${new Date().toISOString()}; kernel ${os.release()}; ${os.cpus().length} CPUs; node ${process.version}`);
    out.push(`- ${versionOf('crun')}; ${versionOf('runc')}; ${versionOf('podman')}; ${versionOf('hyperfine')}`);
    out.push(s ? `- start-up context: ${s.context}` : '- --dashboard: the start-up rows were not measured');
    if (caCerts) out.push(`- NODE_EXTRA_CA_CERTS (${caCerts}) was unset for every row: Node loads that file before any script runs (see bench.ts)`);
    out.push('', '## Targets', '', '| goal | measured | target | result |', '| --- | ---: | ---: | --- |');
    out.push(`| tsbox run --rm /bin/true vs podman run --rm --network none | ${fmt(e2e, 2)}${e2e === null ? '' : 'x'} | <= 0.40x | ${verdict(e2e === null ? null : e2e <= 0.4)} |`);
    out.push(`| tsbox-helper alone vs crun run | ${fmt(helperVsCrun, 2)}${helperVsCrun === null ? '' : 'x'} | <= 1.00x | ${verdict(helperVsCrun === null ? null : helperVsCrun <= 1)} |`);
    out.push(`| tsbox ps vs node -e 0 | ${fmt(psR, 2)}${psR === null ? '' : 'x'} | <= 1.30x | ${verdict(psR === null ? null : psR <= 1.3)} |`);
    out.push(`| one stats sweep over ${load.containers} running containers | ${fmt(load.sweepMedianMs, 2)} ms | <= 20 ms | ${verdict(load.sweepMedianMs <= 20)} |`);
    out.push(`| dashboard CPU at ${load.dashIntervalS} s interval, ${load.containers} containers | ${fmt(load.dashCpuPercent, 2)} % | <= 2 % | ${verdict(load.dashCpuPercent === null ? null : load.dashCpuPercent <= 2)} |`);
    out.push(`| dashboard first frame after launch | ${fmt(load.dashFirstFrameMs, 0)} ms | <= 250 ms | ${verdict(load.dashFirstFrameMs === null ? null : load.dashFirstFrameMs <= 250)} |`);
    out.push(`| dashboard whole screen after launch (no target) | ${fmt(load.dashWholeScreenMs, 0)} ms | | |`);
    out.push(`| dashboard RSS | ${fmt(load.dashRssMiB)} MiB | <= 100 MiB | ${verdict(load.dashRssMiB === null ? null : load.dashRssMiB <= 100)} |`);
    out.push(`| one render of a 500-row model (median of 20, after ${RENDER_WARM_UP}), as shipped | ${fmt(renderMs, 2)} ms | <= 10 ms | ${verdict(renderMs <= 10)} |`);
    out.push(`| the same render with Ink's stock modules (no target) | ${fmt(stockRenderMs, 2)} ms | | |`);
    if (s) {
      out.push('', '## Start-up (hyperfine, all rows in every round of 5 runs)', '', ...rowsTable(s.rows));
      out.push('', `tsbox/crun ${fmt(ratio(tsbox, crun), 2)}x, tsbox/runc ${fmt(ratio(tsbox, runc), 2)}x, helper/runc ${fmt(ratio(helper, runc), 2)}x.`);
      out.push('', '## CLI start-up (the same way)', '', ...rowsTable(s.psRows));
    }
    if (!dashboardOnly) out.push(...pullReport(await benchPull(work, arg('pull-runs', 10))));
    if (!dashboardOnly) out.push(...runtimesReport(benchRuntimes(work, arg('runtime-runs', 20))));
    out.push('', '## Stats', '');
    out.push(`- tsbox: one sweep over ${load.containers} containers, median of 20: ${fmt(load.sweepMedianMs, 2)} ms (the first, cold sweep: ${fmt(load.sweepFirstMs, 1)} ms). In-process, no process spawned.`);
    if (load.podmanStats) out.push(`- ${load.podmanStats.name}: ${load.podmanStats.failed ?? `${fmt(load.podmanStats.medianMs)} ms median (a whole CLI run)`}`);
    out.push('', `The dashboard figures come from a real terminal (tmux 120x40) over the same containers: first frame = launch until the first container name is on screen; whole screen = launch until the footer is; CPU = utime+stime over ${DASH_CPU_SECONDS} s after 2 s of settling; RSS = VmRSS.`);
  } finally {
    removePodmanImage();
    removeEmptyCgroupParents();
    // podman (cgroupfs manager) keeps libpod_parent/ and its conmon/ child:
    // gone again when this run made them and nothing is left in them
    for (const dir of podmanCgroupParents()) if (!podmanParentsBefore.has(dir)) removeEmptyTree(dir);
    fs.rmSync(work, { recursive: true, force: true });
  }
  emit(out);
}

function emit(out: string[]): void {
  const text = out.join('\n') + '\n';
  process.stdout.write(text);
  const outIdx = process.argv.indexOf('--out');
  if (outIdx >= 0) fs.writeFileSync(process.argv[outIdx + 1], text);
}

await main();
