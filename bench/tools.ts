// Benchmark plumbing: hyperfine runs and the hybrid-cgroup workaround.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

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
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
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
 * One hyperfine invocation over all commands (so rows are comparable). A
 * command that fails up front becomes a row marked failed, not an abort.
 */
export function hyperfine(
  cmds: Array<{ name: string; cmd: string }>,
  opts: { runs: number; warmup: number; v1View: boolean; work: string; noShell?: boolean },
): HyperfineRow[] {
  const out = path.join(opts.work, `hf-${Date.now()}.json`);
  const ok: typeof cmds = [];
  const rows: HyperfineRow[] = [];
  const wrap = (cmd: string[]): string[] =>
    opts.v1View
      ? ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m,mode=755 tsbox-bench-v1 /sys/fs/cgroup/unified && exec "$@"', 'v1', ...cmd]
      : [...cmd];
  for (const c of cmds) {
    const probe = spawnSync(wrap(['sh', '-c', c.cmd])[0], wrap(['sh', '-c', c.cmd]).slice(1), { encoding: 'utf8', timeout: 60000 });
    if (probe.status !== 0) rows.push({ name: c.name, medianMs: NaN, meanMs: NaN, stddevMs: NaN, minMs: NaN, maxMs: NaN, runs: 0, failed: `rc=${probe.status}: ${(probe.stderr || '').trim().split('\n').pop()?.slice(0, 160)}` });
    else ok.push(c);
  }
  if (ok.length === 0) return rows;
  const args = ['--style', 'basic', '--warmup', String(opts.warmup), '--runs', String(opts.runs), '--export-json', out];
  if (opts.noShell) args.push('-N');
  for (const c of ok) args.push('-n', c.name, c.cmd);
  const argv = wrap(['hyperfine', ...args]);
  execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  const data = JSON.parse(fs.readFileSync(out, 'utf8')) as { results: Array<{ command: string; median: number; mean: number; stddev: number; min: number; max: number; times: number[] }> };
  fs.rmSync(out, { force: true });
  for (const r of data.results) {
    rows.push({ name: r.command, medianMs: r.median * 1000, meanMs: r.mean * 1000, stddevMs: (r.stddev ?? 0) * 1000, minMs: r.min * 1000, maxMs: r.max * 1000, runs: r.times.length });
  }
  return cmds.map((c) => rows.find((r) => r.name === c.name)!);
}

export function ratio(a: HyperfineRow | undefined, b: HyperfineRow | undefined): number | null {
  if (!a || !b || !Number.isFinite(a.medianMs) || !Number.isFinite(b.medianMs)) return null;
  return a.medianMs / b.medianMs;
}

export function versionOf(tool: string): string {
  try {
    return execFileSync(tool, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return `${tool}: not installed`;
  }
}
