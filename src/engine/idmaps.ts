// Id-map arithmetic, pure: the caller's own namespace laid out from its
// ranges, composing one map through another, what the kernel would refuse,
// free ranges for --userns=auto and podman's keep-id layout. Planning
// (rootless.ts) reads /etc/subuid and decides; this only counts.
import { UserError } from '../common/errors.js';
import type { IdMapEntry } from '../common/namespaces.js';
import { toHost } from '../probe/idmap.js';
import type { SubIdRange } from './subid.js';

/** the largest valid id: (u32)-1 means "no id" */
export const MAX_ID = 0xfffffffe;
/** the map of a process in the host's user namespace */
export const IDENTITY_MAP: IdMapEntry[] = [{ container: 0, host: 0, size: MAX_ID + 1 }];
/** the kernel's limit on lines in uid_map/gid_map (since 4.15) */
export const MAX_MAP_LINES = 340;

/** Ranges laid end to end after id 0 (the caller): the caller's own namespace. */
export function ownMap(own: number, ranges: SubIdRange[]): IdMapEntry[] {
  const out: IdMapEntry[] = [{ container: 0, host: own, size: 1 }];
  let next = 1;
  for (const r of ranges) {
    out.push({ container: next, host: r.start, size: r.count });
    next += r.count;
  }
  return out;
}

/** "0-999, 65536" */
export function describeIds(map: IdMapEntry[]): string {
  if (!map.length) return 'none';
  return [...map]
    .sort((a, b) => a.container - b.container)
    .map((m) => (m.size === 1 ? `${m.container}` : `${m.container}-${m.container + m.size - 1}`))
    .join(', ');
}

/**
 * INNER (container -> caller's own namespace) through OUTER (own namespace ->
 * host): container -> host, split where OUTER's ranges end. The first id of
 * INNER that OUTER does not map is returned instead.
 */
export function composeMaps(inner: IdMapEntry[], outer: IdMapEntry[]): IdMapEntry[] | { unmapped: number } {
  const out: IdMapEntry[] = [];
  for (const e of inner) {
    let [c, v, left] = [e.container, e.host, e.size];
    while (left > 0) {
      const o = outer.find((m) => v >= m.container && v < m.container + m.size);
      if (!o) return { unmapped: v };
      const n = Math.min(left, o.container + o.size - v);
      out.push({ container: c, host: o.host + (v - o.container), size: n });
      c += n;
      v += n;
      left -= n;
    }
  }
  return out;
}

/** What the kernel would refuse with a bare EINVAL, said with the entries at fault. */
export function checkMap(map: IdMapEntry[], kind: 'uid' | 'gid', what: string): void {
  if (map.length > MAX_MAP_LINES) throw new UserError(`the ${kind} map of ${what} has ${map.length} ranges; the kernel takes at most ${MAX_MAP_LINES}`);
  const fmt = (m: IdMapEntry) => `${m.container}:${m.host}:${m.size}`;
  for (const side of ['container', 'host'] as const) {
    const sorted = [...map].sort((a, b) => a[side] - b[side]);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1], sorted[i]];
      if (a[side] + a.size > b[side]) {
        throw new UserError(
          `the ${kind} map of ${what} has overlapping ${side} ranges ${fmt(a)} and ${fmt(b)} (CONTAINER:HOST:SIZE)`,
          125,
          'Each container id and each host id may appear in one range only.',
        );
      }
    }
  }
  // The helper becomes root of the new namespace to set it up.
  if (toHost(map, 0) === null) {
    throw new UserError(`the ${kind} map of ${what} does not map container ${kind} 0`, 125, `Start a range at container ${kind} 0, e.g. 0:100000:65536.`);
  }
}

/** The lowest start of SIZE free ids inside POOL that overlaps nothing in USED, or null. */
export function allocateRange(pool: SubIdRange[], used: SubIdRange[], size: number): number | null {
  const busy = used.filter((u) => u.count > 0).sort((a, b) => a.start - b.start);
  for (const p of [...pool].sort((a, b) => a.start - b.start)) {
    let start = p.start;
    for (const u of busy) {
      if (u.start + u.count <= start) continue;
      if (u.start >= start + size) break;
      start = u.start + u.count;
    }
    if (start + size <= p.start + p.count) return start;
  }
  return null;
}

export function hostRanges(map: IdMapEntry[]): SubIdRange[] {
  return map.map((m) => ({ start: m.host, count: m.size }));
}

/**
 * podman's keep-id: the caller's own uid is uid U inside (default: the same
 * number), container ids below U take the first subuids, and those above U
 * the rest. Written here in the caller's own namespace (0 = caller).
 */
export function keepIdInner(id: number, subCount: number): IdMapEntry[] {
  const out: IdMapEntry[] = [];
  if (id > 0) out.push({ container: 0, host: 1, size: Math.min(id, subCount) });
  out.push({ container: id, host: 0, size: 1 });
  if (subCount > id) out.push({ container: id + 1, host: id + 1, size: subCount - id });
  return out;
}
