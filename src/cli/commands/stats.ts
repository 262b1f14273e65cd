// tsbox stats: live resource usage, like podman stats. One sweep of cgroup
// and /proc files per refresh for all containers (src/probe/stats.ts).
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { isatty } from 'node:tty';
import type { Command } from '../command.js';
import type { Engine } from '../../engine/engine.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { formatSize } from '../../common/size.js';
import type { ContainerRecord } from '../../engine/types.js';
import { sweepStats, type ContainerStats } from '../../probe/stats.js';
import { bool, str } from '../args.js';
import { formatOrTemplate, json, table } from '../format.js';
import { formatRows } from '../go-template.js';
import { print } from '../output.js';

export interface StatsRow {
  name: string;
  stats: ContainerStats;
}

const HEADER = ['ID', 'NAME', 'CPU %', 'CPU % OF LIMIT', 'MEM USAGE / LIMIT', 'MEM %', 'NET IO', 'BLOCK IO', 'PIDS'];

const percent = (p: number | null) => (p === null ? '--' : `${p.toFixed(2)}%`);

/** The table podman prints; without a memory limit the host's memory is the
 *  limit (as in podman), and CPU % needs a second sample ("--" before it). */
export function statsTable(rows: StatsRow[], hostMemory: number): string {
  return table(
    HEADER,
    rows.map(({ name, stats: s }) => {
      const limit = s.memLimit ?? hostMemory;
      return [
        s.id.slice(0, 12),
        name,
        percent(s.cpuPercent),
        percent(s.cpuPercentOfLimit),
        `${formatSize(s.memUsed)} / ${formatSize(limit)}`,
        percent(limit > 0 ? (s.memUsed / limit) * 100 : null),
        `${formatSize(s.netRx)} / ${formatSize(s.netTx)}`,
        `${formatSize(s.blkRead)} / ${formatSize(s.blkWrite)}`,
        s.pidsLimit === null ? String(s.pids) : `${s.pids} / ${s.pidsLimit}`,
      ];
    }),
  );
}

/**
 * One row as podman's `stats --format json` has it (its keys, its strings:
 * id short, pids a string), with tsbox's numbers (bytes, percent, ns; null
 * where unknown) under their own keys beside them.
 */
function podmanStats({ name, stats: s }: StatsRow, hostMemory: number) {
  const limit = s.memLimit ?? hostMemory;
  return {
    ...s,
    id: s.id.slice(0, 12),
    name,
    cpu_percent: percent(s.cpuPercent),
    mem_usage: `${formatSize(s.memUsed)} / ${formatSize(limit)}`,
    mem_percent: percent(limit > 0 ? (s.memUsed / limit) * 100 : null),
    net_io: `${formatSize(s.netRx)} / ${formatSize(s.netTx)}`,
    block_io: `${formatSize(s.blkRead)} / ${formatSize(s.blkWrite)}`,
    pids: String(s.pids),
  };
}

export function statsJson(rows: StatsRow[], hostMemory: number): string {
  return json(rows.map((r) => podmanStats(r, hostMemory)));
}

/** The fields podman's stats templates name ({{.Name}} {{.CPUPerc}} {{.MemUsage}}...). */
function statsTemplate(template: string, rows: StatsRow[], hostMemory: number): string {
  const items = rows.map((r) => {
    const p = podmanStats(r, hostMemory);
    return { ID: p.id, Name: p.name, CPUPerc: p.cpu_percent, MemUsage: p.mem_usage, MemPerc: p.mem_percent, NetIO: p.net_io, BlockIO: p.block_io, PIDs: p.pids };
  });
  return formatRows(template, items, { name: 'stats', titles: { CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET IO', BlockIO: 'BLOCK IO', PIDs: 'PIDS' } });
}

function hostMemoryBytes(): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'latin1'));
  return m ? Number(m[1]) * 1024 : 0;
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 1000;
  const s = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(s > 0)) throw new UserError(`invalid value for --interval: '${text}'`, 125, 'Expected a number of seconds greater than 0, e.g. 1 or 0.5.');
  return s * 1000;
}

/** The containers to sample: the named ones (which must be running), or every running one. */
function targets(engine: Engine, refs: string[], strict: boolean): ContainerRecord[] {
  const live = (r: ContainerRecord) => (r.state === 'running' || r.state === 'paused') && r.pid > 0;
  if (refs.length === 0) return engine.list().filter(live);
  const out: ContainerRecord[] = [];
  for (const ref of refs) {
    const r = engine.get(ref);
    if (live(r)) out.push(r);
    else if (strict) throw new UserError(`container ${r.name} is ${r.state}, not running`, 125, 'Only running containers have statistics.');
  }
  return out;
}

export const stats: Command = {
  name: 'stats',
  summary: 'Show live resource usage of containers',
  usage: 'tsbox stats [--no-stream] [--format json] [-i SECONDS] [CONTAINER...]',
  flags: [
    { name: 'no-stream', type: 'bool', help: 'print one sample and exit (CPU % since the container started)' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, a Go template ({{.Name}} {{.CPUPerc}}), or table (default)' },
    { name: 'interval', short: 'i', type: 'string', arg: 'SECONDS', help: 'time between refreshes (default 1)' },
  ],
  async run(p, g) {
    const format = formatOrTemplate(str(p, 'format'));
    const interval = parseInterval(str(p, 'interval'));
    const engine = openEngine(g);
    const hostMemory = hostMemoryBytes();
    let stopped = false;
    const stop = () => {
      stopped = true;
      abort.abort();
    };
    const abort = new AbortController();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      let recs = targets(engine, p.positionals, true);
      // The first frame's CPU % is since the container started (its cgroup
      // is new at every start), as podman's: no second sample to wait for.
      let prev = sweepStats(recs.map(target), sinceStart(recs));
      for (let frame = 0; !stopped; frame++) {
        if (frame > 0) {
          try {
            await delay(interval, undefined, { signal: abort.signal });
          } catch {
            break; // Ctrl-C while waiting
          }
          recs = targets(engine, p.positionals, false);
          prev = sweepStats(recs.map(target), prev);
        }
        const rows = recs.flatMap((r) => {
          const s = prev.get(r.id);
          return s ? [{ name: r.name, stats: s }] : [];
        });
        const text = format === 'json' ? statsJson(rows, hostMemory) : typeof format === 'object' ? statsTemplate(format.template, rows, hostMemory) : statsTable(rows, hostMemory);
        // a terminal gets a redrawn screen, a pipe one table per refresh
        print(!bool(p, 'no-stream') && isatty(1) ? `\x1b[2J\x1b[H${text}` : text);
        if (bool(p, 'no-stream')) break;
      }
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      sweepStats([]); // close the files the sweeps kept open
    }
  },
};

/** A sample of nothing used at each container's start, for the first frame's CPU %. */
function sinceStart(recs: ContainerRecord[]): Map<string, ContainerStats> {
  const zero = (r: ContainerRecord): ContainerStats => ({
    id: r.id, at: Date.parse(r.startedAt ?? r.created), cpuNs: 0, cpuPercent: null, cpuPercentOfLimit: null, memUsed: 0, memLimit: null,
    memPercent: null, pids: 0, pidsLimit: null, blkRead: 0, blkWrite: 0, netRx: 0, netTx: 0, oomKills: 0,
  });
  return new Map(recs.map((r) => [r.id, zero(r)]));
}

function target(r: ContainerRecord) {
  return { id: r.id, pid: r.pid, cgroupPaths: r.cgroupPaths };
}
