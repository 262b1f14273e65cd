// The processes of a container: every process in the pid namespace of its
// init, each with its pid as the container sees it and as the host does
// (NSpid in /proc/PID/status), its uid inside and outside (through the
// init's uid_map), its state, CPU and memory. Read-only, no spawn: what
// `tsbox top` prints and the dashboard's Processes tab shows.
import fs from 'node:fs';
import type { IdMapEntry } from '../common/namespaces.js';
import { parseIdMap, toContainer } from './idmap.js';
import { parseStatus } from './process.js';

/**
 * Clock ticks per second of utime/stime in /proc/PID/stat. USER_HZ is 100
 * on every architecture Linux exports to userspace through /proc (the
 * kernel converts from its own HZ), and sysconf is not reachable without a
 * spawn.
 */
export const USER_HZ = 100;

/**
 * CPU % of one core over the process's whole life, as ps(1) computes %CPU:
 * what a single look can say (`tsbox top`); the dashboard's samples give
 * the rate of the last interval instead. `uptime` is /proc/uptime's first field.
 */
export function lifetimeCpuPercent(p: Pick<ProcessRow, 'ticks' | 'startTicks'>, uptime: number): number | null {
  const alive = uptime * USER_HZ - p.startTicks;
  return alive > 0 ? (p.ticks / alive) * 100 : null;
}

export interface ProcessRow {
  /** the pid on the host */
  hostPid: number;
  /** the pid inside the container's pid namespace (the last NSpid), null when it has none there */
  pid: number | null;
  /** the parent's pid inside (0: its parent is outside the namespace, as the container sees it) */
  ppid: number;
  /** the parent's pid on the host */
  hostPpid: number;
  /** the real uid on the host, and inside (null: not mapped, it shows as 65534 there) */
  hostUid: number;
  uid: number | null;
  /** one letter, as ps shows it: R S D Z T I... */
  state: string;
  /** utime + stime, in clock ticks (for the next sample's CPU %) */
  ticks: number;
  /** when it started, in clock ticks since boot (stat field 22) */
  startTicks: number;
  /** CPU % of one core since the previous sample of the same process, null at the first */
  cpuPercent: number | null;
  /** resident memory in bytes (VmRSS; 0 for kernel threads and zombies) */
  rss: number;
  /** argv joined by spaces, or [comm] when it has none (a zombie) */
  command: string;
}

export interface ProcessSample {
  at: number;
  rows: ProcessRow[];
}

/** What a scan needs of the container: its init's pid. */
export interface ProcessScanTarget {
  pid: number;
}

function readText(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function nsInode(pid: number | string): number | null {
  try {
    return fs.statSync(`/proc/${pid}/ns/pid`).ino;
  } catch {
    return null;
  }
}

/** One process's row from its status, stat and cmdline text (exported for tests with fixture text). */
export function processRow(hostPid: number, statusText: string, statText: string, cmdline: string, uidMap: IdMapEntry[]): ProcessRow {
  const st = parseStatus(statusText);
  const nspids = (st['NSpid'] ?? String(hostPid)).split(/\s+/).map(Number);
  const hostUid = Number((st['Uid'] ?? '0').split(/\s+/)[0]);
  // comm may hold spaces and parentheses: the fields start after the last ')'
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[14 - 3]) + Number(rest[15 - 3]);
  const rss = /^(\d+)\s*kB$/.exec(st['VmRSS'] ?? '');
  const argv = cmdline.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  return {
    hostPid,
    pid: nspids.length > 1 ? nspids[nspids.length - 1] : nspids[0],
    ppid: 0,
    hostPpid: Number(st['PPid'] ?? 0),
    hostUid,
    uid: toContainer(uidMap, hostUid),
    state: rest[0] ?? '?',
    ticks,
    startTicks: Number(rest[22 - 3]),
    cpuPercent: null,
    rss: rss ? Number(rss[1]) * 1024 : 0,
    command: argv.length ? argv.join(' ') : `[${st['Name'] ?? '?'}]`,
  };
}

/**
 * Every process in the pid namespace of `target.pid`, sorted by the pid the
 * container sees. `prev` is the previous sample, for CPU %. Null when the
 * init is gone. A container in the host's pid namespace gets every host
 * process: that is what its processes see.
 */
export function scanProcesses(target: ProcessScanTarget, prev: ProcessSample | null, now = Date.now()): ProcessSample | null {
  const ns = nsInode(target.pid);
  const mapText = readText(`/proc/${target.pid}/uid_map`);
  if (ns === null || mapText === null) return null;
  const uidMap = parseIdMap(mapText);
  const before = new Map((prev?.rows ?? []).map((r) => [r.hostPid, r]));
  const seconds = prev ? (now - prev.at) / 1000 : 0;
  const rows: ProcessRow[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || nsInode(name) !== ns) continue;
    const hostPid = Number(name);
    const status = readText(`/proc/${name}/status`);
    const stat = readText(`/proc/${name}/stat`);
    // gone between the listing and the read: it is not there any more
    if (status === null || stat === null) continue;
    const row = processRow(hostPid, status, stat, readText(`/proc/${name}/cmdline`) ?? '', uidMap);
    const old = before.get(hostPid);
    if (old && seconds > 0 && row.ticks >= old.ticks) row.cpuPercent = ((row.ticks - old.ticks) / USER_HZ / seconds) * 100;
    rows.push(row);
  }
  // the parent as the container sees it: its pid there, 0 when outside (the init's parent)
  const inside = new Map(rows.map((r) => [r.hostPid, r.pid]));
  for (const r of rows) r.ppid = inside.get(r.hostPpid) ?? 0;
  rows.sort((a, b) => (a.pid ?? a.hostPid) - (b.pid ?? b.hostPid));
  return { at: now, rows };
}
