// User-namespace id maps (/proc/PID/uid_map, gid_map) and translation between
// the ids a container sees and the ids on the host. Read-only, no spawn.
//
// Each map line is `ID-INSIDE ID-OUTSIDE LENGTH`. Read from the host, OUTSIDE is
// a host id. A process in the initial user namespace shows the identity map
// `0 0 4294967295`.
import { readFileSync } from 'node:fs';
import { UserError } from '../common/errors.js';
import type { IdMapEntry } from '../common/namespaces.js';

const MAX_ID = 0xffffffff; // ids are u32; (u32)-1 is never a valid id

export function parseIdMap(text: string): IdMapEntry[] {
  const out: IdMapEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    const [container, host, size] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
    if (!m || size === 0 || container + size > MAX_ID + 1 || host + size > MAX_ID + 1) {
      throw new UserError(
        `invalid id map line ${i + 1}: '${line.trim()}'`,
        125,
        'Each line must be three numbers, ID-INSIDE ID-OUTSIDE LENGTH, with LENGTH > 0 and both ranges within 0..4294967295.',
      );
    }
    out.push({ container, host, size });
  });
  return out;
}

/** Both maps of `pid`, or null when the process is gone. An unwritten map (no user namespace set up yet) is []. */
export function readIdMaps(pid: number): { uid: IdMapEntry[]; gid: IdMapEntry[] } | null {
  try {
    return {
      uid: parseIdMap(readFileSync(`/proc/${pid}/uid_map`, 'utf8')),
      gid: parseIdMap(readFileSync(`/proc/${pid}/gid_map`, 'utf8')),
    };
  } catch (e) {
    if (e instanceof UserError) throw e;
    return null;
  }
}

function isId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < MAX_ID;
}

/** The host id of container id `id`, or null when `id` is not mapped. */
export function toHost(map: IdMapEntry[], id: number): number | null {
  if (!isId(id)) return null;
  const e = map.find((m) => id >= m.container && id < m.container + m.size);
  return e ? e.host + (id - e.container) : null;
}

/** The container id of host id `hostId`, or null when it is not mapped (it shows as the overflow id, 65534, inside). */
export function toContainer(map: IdMapEntry[], hostId: number): number | null {
  if (!isId(hostId)) return null;
  const e = map.find((m) => hostId >= m.host && hostId < m.host + m.size);
  return e ? e.container + (hostId - e.host) : null;
}
