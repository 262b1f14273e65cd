// The id maps in words, for `tsbox uidmap`: each range of a container's
// maps (read from the kernel while it runs, from its spec otherwise), or of
// the caller's own namespace, with the /etc/subuid or /etc/subgid entry its
// host ids come from.
import type { IdMapEntry } from '../common/namespaces.js';
import { readIdMaps } from '../probe/idmap.js';
import { IDENTITY_MAP, MAX_ID } from './idmaps.js';
import { callerNamespace, DEFAULT_AUTO_POOL, usernsHost, type UsernsHost } from './rootless.js';
import { formatRange, readSubIdEntries, userName } from './subid.js';
import type { ContainerRecord } from './types.js';

export interface MapLine extends IdMapEntry {
  /** where the host ids come from: "your uid (alice)", "/etc/subuid alice:100000:65536", ... */
  from: string;
}

export interface IdMapReport {
  /** the container, or undefined for the caller's own namespace */
  container?: { id: string; name: string; state: string; pid: number };
  /** proc: /proc/PID/{uid,gid}_map of the running container; spec: its saved plan; caller: the caller's own namespace */
  source: 'proc' | 'spec' | 'caller';
  userns: 'host' | 'private' | 'container';
  uidMap: MapLine[];
  gidMap: MapLine[];
  /** the single-mapping warning, for the caller's namespace */
  warning?: string;
}

function attribute(map: IdMapEntry[], kind: 'uid' | 'gid', own: number, name: string, rootless: boolean, file: string): MapLine[] {
  const entries = readSubIdEntries(file);
  return map.map((m) => {
    let from: string;
    if (m.host === 0 && m.container === 0 && m.size === MAX_ID + 1) from = 'the host (no user namespace)';
    else if (rootless && m.host === own && m.size === 1) from = `your ${kind} (${name})`;
    else {
      const e = entries.find((x) => m.host >= x.start && m.host + m.size <= x.start + x.count);
      if (e) from = `${file} ${e.owner}:${e.start}:${e.count}`;
      else if (m.host >= DEFAULT_AUTO_POOL.start) from = `tsbox's default --userns=auto pool ${formatRange(DEFAULT_AUTO_POOL)}`;
      else from = `not in ${file}`;
    }
    return { ...m, from };
  });
}

/**
 * The id maps of a container (read from the kernel while it runs, from its
 * spec otherwise) or, without one, of the caller's own namespace; each
 * range with the /etc/subuid or /etc/subgid entry it comes from.
 */
export function idMapReport(rec: ContainerRecord | undefined, opts: { rootless: boolean; host?: Partial<UsernsHost> }): IdMapReport {
  const host = usernsHost(opts.host);
  const uid = process.getuid!();
  const gid = process.getgid!();
  const name = userName(uid, host.passwd);
  const label = (uidMap: IdMapEntry[], gidMap: IdMapEntry[]) => ({
    uidMap: attribute(uidMap, 'uid', uid, name, opts.rootless, host.subids.uid),
    gidMap: attribute(gidMap, 'gid', gid, name, opts.rootless, host.subids.gid),
  });
  if (!rec) {
    const caller = callerNamespace(opts.rootless, uid, gid, host);
    return { source: 'caller', userns: opts.rootless ? 'private' : 'host', ...label(caller.uidMap, caller.gidMap), warning: caller.fallback?.warning };
  }
  const container = { id: rec.id, name: rec.name, state: rec.state, pid: rec.pid };
  const userns = rec.spec.namespaces.user.kind;
  const live = rec.state === 'running' || rec.state === 'paused' ? readIdMaps(rec.pid) : null;
  if (live) return { container, source: 'proc', userns, ...label(live.uid, live.gid) };
  const spec = userns === 'host' ? { uid: IDENTITY_MAP, gid: IDENTITY_MAP } : { uid: rec.spec.uidMap, gid: rec.spec.gidMap };
  return { container, source: 'spec', userns, ...label(spec.uid, spec.gid) };
}
