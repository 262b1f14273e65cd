// Parsers for the text formats of cgroup (v1 and v2) and /proc files.
// Pure functions of the file contents: the callers decide what to read and
// when, so these are unit-tested on fixture text.

/** v1 reports "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 on
 *  4 KiB pages, other values on other page sizes); anything this large is no limit. */
const V1_UNLIMITED = 2 ** 62;

/** `key value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control,
 *  pids.events, cgroup.events) as a map; lines without a numeric value are skipped. */
export function parseKeyedLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const v = Number(line.slice(sp + 1));
    if (Number.isFinite(v)) out.set(line.slice(0, sp), v);
  }
  return out;
}

/** The value of one `key value` line, without splitting the whole text: the
 *  stats sweep reads a few keys out of memory.stat for hundreds of containers. */
export function keyedValue(text: string, key: string): number | undefined {
  const needle = key + ' ';
  let start: number;
  if (text.startsWith(needle)) start = needle.length;
  else {
    const at = text.indexOf('\n' + needle);
    if (at < 0) return undefined;
    start = at + 1 + needle.length;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const v = Number(text.slice(start, end));
  return Number.isFinite(v) ? v : undefined;
}

/** A limit file: v2 `max`, v1 PAGE_COUNTER_MAX or -1 mean no limit (null). */
export function parseLimit(text: string): number | null {
  const t = text.trim();
  if (t === 'max' || t === '-1' || t === '') return null;
  const v = Number(t);
  if (!Number.isFinite(v) || v >= V1_UNLIMITED) return null;
  return v;
}

/** v2 cpu.max: `$MAX $PERIOD`, MAX being `max` or a quota in microseconds. */
export function parseCpuMax(text: string): { quota: number | null; period: number } {
  const [max, period] = text.trim().split(/\s+/);
  return { quota: max === 'max' ? null : Number(max), period: Number(period ?? 100000) };
}

/** v2 io.stat: one line per device, `MAJ:MIN rbytes=N wbytes=N rios=N ...`; summed over devices. */
export function parseIoStat(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (m[1] === 'r') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** v1 blkio.*io_service_bytes*: `MAJ:MIN Read N` / `MAJ:MIN Write N` lines,
 *  summed over devices (the per-device and grand `Total` lines are skipped). */
export function parseBlkioServiceBytes(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of text.matchAll(/^\S+ (Read|Write) (\d+)$/gm)) {
    if (m[1] === 'Read') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** /proc/PID/net/dev: bytes received and sent over every interface but lo. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  // two header lines, then `  name: rxbytes rxpackets ... (8 fields) txbytes ...`
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim() === 'lo') continue;
    const f = line.slice(colon + 1).trim().split(/\s+/);
    rx += Number(f[0]) || 0;
    tx += Number(f[8]) || 0;
  }
  return { rx, tx };
}

/** A kernel cpu list (`0-3,5,7-8`), as in cpuset.cpus and /sys/devices/system/cpu/online.
 *  Returns null when the text is not a cpu list. Empty text is an empty list. */
export function parseCpuList(text: string): number[] | null {
  const t = text.trim();
  if (t === '') return [];
  const out: number[] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65536) return null;
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Back to the kernel's compact form: [0,1,2,5] -> `0-2,5`. */
export function formatCpuList(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export interface MountinfoEntry {
  id: number;
  parent: number;
  /** the path inside the filesystem that is mounted (for cgroupfs: the cgroup) */
  root: string;
  mountPoint: string;
  /** the filesystem's st_dev as MAJOR:MINOR: with `root`, which host directory a bind mount shows */
  device: string;
  /** per-mount options (ro or rw, nosuid, ...) */
  mountOptions: string[];
  /** the optional tagged fields: shared:N, master:N, propagate_from:N, unbindable */
  optional: string[];
  fsType: string;
  /** the mount source as the filesystem gives it (a device, "tmpfs", ...) */
  source: string;
  superOptions: string[];
}

/** /proc/PID/mountinfo (see proc(5)): fields before ` - ` are fixed except the
 *  optional tagged ones; paths escape space, tab, newline and backslash as octal. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 6 || post.length < 3) continue;
    out.push({
      id: Number(pre[0]),
      parent: Number(pre[1]),
      root: unescape(pre[3]),
      mountPoint: unescape(pre[4]),
      device: pre[2],
      mountOptions: pre[5].split(','),
      optional: pre.slice(6),
      fsType: post[0],
      source: unescape(post[1]),
      superOptions: post[2].split(','),
    });
  }
  return out;
}
