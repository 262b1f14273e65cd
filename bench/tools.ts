// Benchmark plumbing: hyperfine runs and the hybrid-cgroup workaround.
// Programs run through execa: an error names the command line and carries
// its stderr.
import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';

export interface HyperfineRow {
  name: string;
  medianMs: number;
  meanMs: number;
  stddevMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  failed?: string;
}

export function have(tool: string): boolean {
  return !execaSync('sh', ['-c', `command -v ${tool}`], { reject: false, stdio: 'ignore' }).failed;
}

/** v1 controllers on tmpfs plus a cgroup2 mount at unified that holds controllers. */
export function hostIsHybrid(): boolean {
  try {
    const mi = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    return /\/sys\/fs\/cgroup\/unified .* - cgroup2 /.test(mi) && /\/sys\/fs\/cgroup\/\w+ .* - cgroup /.test(mi) && fs.readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/**
 * All commands measured side by side: hyperfine over all of them, in rounds
 * of `perRound` runs each, with the times of every round pooled. One long
 * hyperfine run per command, one command after another, let a drift in this
 * VM's speed (its neighbours) land on one row more than another; in rounds,
 * every row sees the same stretches of time. A command that fails up front
 * becomes a row marked failed, not an abort.
 */
export function hyperfine(
  cmds: Array<{ name: string; cmd: string }>,
  opts: { runs: number; warmup: number; v1View: boolean; work: string; noShell?: boolean; perRound?: number },
): HyperfineRow[] {
  const ok: typeof cmds = [];
  const rows: HyperfineRow[] = [];
  const wrap = (cmd: string[]): string[] =>
    opts.v1View
      ? ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m,mode=755 tsbox-bench-v1 /sys/fs/cgroup/unified && exec "$@"', 'v1', ...cmd]
      : [...cmd];
  for (const c of cmds) {
    const [file, ...args] = wrap(['sh', '-c', c.cmd]);
    const probe = execaSync(file, args, { reject: false, timeout: 60000 });
    if (probe.failed) rows.push({ name: c.name, medianMs: NaN, meanMs: NaN, stddevMs: NaN, minMs: NaN, maxMs: NaN, runs: 0, failed: `${(probe.shortMessage ?? c.cmd).split('\n')[0].slice(0, 120)}: ${String(probe.stderr).trim().split('\n').pop()?.slice(0, 160)}` });
    else ok.push(c);
  }
  if (ok.length === 0) return rows;
  const perRound = Math.max(2, opts.perRound ?? 5); // hyperfine's least
  const times = new Map<string, number[]>(ok.map((c) => [c.name, []]));
  const out = path.join(opts.work, `hf-${process.pid}.json`);
  for (let round = 0; round * perRound < opts.runs; round++) {
    const args = ['--style', 'none', '--warmup', String(round === 0 ? opts.warmup : 1), '--runs', String(perRound), '--export-json', out];
    if (opts.noShell) args.push('-N');
    for (const c of ok) args.push('-n', c.name, c.cmd);
    const [file, ...argv] = wrap(['hyperfine', ...args]);
    execaSync(file, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
    const data = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Array<{ command: string; times: number[] }> };
    for (const r of data.results) times.get(r.command)!.push(...r.times.map((t) => t * 1000));
  }
  fs.rmSync(out, { force: true });
  for (const [name, t] of times) rows.push({ name, ...stats(t) });
  return cmds.map((c) => rows.find((r) => r.name === c.name)!);
}

export function stats(ms: number[]): Omit<HyperfineRow, 'name'> {
  const sorted = [...ms].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const median = n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const sd = n > 1 ? Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { medianMs: median, meanMs: mean, stddevMs: sd, minMs: sorted[0], maxMs: sorted[n - 1], runs: n };
}

export function ratio(a: HyperfineRow | undefined, b: HyperfineRow | undefined): number | null {
  if (!a || !b || !Number.isFinite(a.medianMs) || !Number.isFinite(b.medianMs)) return null;
  return a.medianMs / b.medianMs;
}

export function versionOf(tool: string): string {
  try {
    return execaSync(tool, ['--version']).stdout.split('\n')[0];
  } catch {
    return `${tool}: not installed`;
  }
}
