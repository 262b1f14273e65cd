// Benchmarks with many running containers: one stats sweep over all of them
// (next to `podman stats --no-stream`), and the dashboard's first frame, CPU
// and RSS. The containers are real (`tsbox run -d IMAGE sleep`), started here
// and removed again.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execaSync } from 'execa';
import { BIN } from '../test/lib/cli.js';
import { Tmux } from '../test/tmux/tmux.js';
import { Engine } from '../src/engine/engine.js';
import { sweepStats, type ContainerStats } from '../src/probe/stats.js';
import { have, hostIsHybrid, hyperfine, type HyperfineRow } from './tools.js';
import { podmanUlimits } from './startup.js';

export interface LoadResult {
  containers: number;
  sweepMedianMs: number;
  sweepFirstMs: number;
  podmanStats?: HyperfineRow;
  podmanContainers: number;
  dashFirstFrameMs: number | null;
  /** launch until the whole screen is there (its footer), which may come after the container rows */
  dashWholeScreenMs: number | null;
  dashCpuPercent: number | null;
  dashRssMiB: number | null;
  dashIntervalS: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const DASH_CPU_SECONDS = 30;

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The footer's first hint: on screen once the whole dashboard is drawn (the footer's end, `? help`, no longer fits 120 columns). */
const FOOTER_TEXT = 'j/k move';

/**
 * The dashboard in tmux over ROOT: time to the first frame (a container
 * name on screen) and to the whole screen, CPU over `seconds`, RSS.
 */
async function measureDashboard(root: string, expectName: string, seconds: number): Promise<Pick<LoadResult, 'dashFirstFrameMs' | 'dashWholeScreenMs' | 'dashCpuPercent' | 'dashRssMiB'>> {
  const t = new Tmux(120, 40);
  const pidFile = path.join(root, 'dash.pid');
  const t0 = performance.now();
  t.start(`echo $$ > ${pidFile}; exec ${process.execPath} ${BIN} --root ${root}`);
  let first: number | null = null;
  let whole: number | null = null;
  try {
    for (let i = 0; i < 400 && whole === null; i++) {
      const screen = t.capture();
      const at = performance.now() - t0;
      if (first === null && screen.includes(expectName)) first = at;
      if (screen.includes(FOOTER_TEXT)) whole = at;
      else await sleep(5);
    }
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await sleep(2000); // let start-up work settle before measuring the steady state
    const hz = 100; // USER_HZ
    const c0 = cpuTicks(pid);
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const cpu = ((cpuTicks(pid) - c0) / hz / ((performance.now() - w0) / 1000)) * 100;
    const rss = rssKiB(pid) / 1024;
    return { dashFirstFrameMs: first, dashWholeScreenMs: whole, dashCpuPercent: cpu, dashRssMiB: rss };
  } finally {
    t.keys('q');
    await sleep(300);
    t.kill();
  }
}

export async function benchLoad(work: string, n: number, image: string, rootfs: string, opts: { podman: boolean }): Promise<LoadResult> {
  const root = path.join(work, 'load-root');
  fs.rmSync(root, { recursive: true, force: true });
  const cli = (...a: string[]) => execaSync(process.execPath, [BIN, '--root', root, ...a]).stdout;
  cli('image', 'import', rootfs, '--name', image);
  let podmanIds: string[] = [];
  // podman's default runtime, crun, refuses a hybrid cgroup host; runc runs there
  const podman = ['--cgroup-manager=cgroupfs', '--events-backend=file', ...(hostIsHybrid() && have('runc') ? ['--runtime', 'runc'] : [])];
  try {
    for (let i = 0; i < n; i++) cli('run', '-d', '--name', `load-${i}`, image, 'sleep', '3600');
    const engine = Engine.open({ root });
    const targets = engine.list().map((r) => ({ id: r.id, pid: r.pid, cgroupPaths: r.cgroupPaths }));
    let t = performance.now();
    let prev: Map<string, ContainerStats> = sweepStats(targets);
    const firstMs = performance.now() - t;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      prev = sweepStats(targets, prev);
      times.push(performance.now() - t);
      await sleep(50);
    }
    // 30 s: CPU time comes in 10 ms ticks, so over 10 s one tick is 0.1 % of the 2 % target
    const dash = await measureDashboard(root, 'load-0', DASH_CPU_SECONDS);
    let podmanStats: HyperfineRow | undefined;
    const podmanN = Math.min(n, 20);
    if (opts.podman && have('podman')) {
      for (let i = 0; i < podmanN; i++) {
        const r = execaSync('podman', [...podman, 'run', '-d', '--network', 'none', ...podmanUlimits().split(' '), 'localhost/tsbox-bench', 'sleep', '3600'], { reject: false });
        if (!r.failed) podmanIds.push(r.stdout.trim());
        else if (i === 0) process.stderr.write(`${(r.shortMessage ?? 'podman run -d failed').split('\n')[0]}; podman stats will see no containers: ${String(r.stderr).trim().split('\n').pop()}\n`);
      }
      [podmanStats] = hyperfine([{ name: `podman stats --no-stream (${podmanIds.length} running${podman.includes('runc') ? ', runtime runc' : ''})`, cmd: `podman ${podman.join(' ')} stats --no-stream` }], { runs: 10, warmup: 1, v1View: false, work, noShell: true });
    }
    return {
      containers: targets.length,
      sweepMedianMs: median(times),
      sweepFirstMs: firstMs,
      podmanStats,
      podmanContainers: podmanIds.length,
      ...dash,
      dashIntervalS: 1,
    };
  } finally {
    if (podmanIds.length) execaSync('podman', [...podman, 'rm', '-f', '-t', '0', ...podmanIds], { reject: false });
    podmanIds = [];
    const ids = cli('ps', '-a', '-q').split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 50) execaSync(process.execPath, [BIN, '--root', root, 'rm', '-f', ...ids.slice(i, i + 50)], { reject: false });
    execaSync(process.execPath, [BIN, '--root', root, 'rmi', image], { reject: false });
    fs.rmSync(root, { recursive: true, force: true });
  }
}
