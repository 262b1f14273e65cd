// Choosing a container's user namespace and id maps from --userns, --uidmap
// and --gidmap, for root and for rootless callers.
import { UserError } from './errors.js';
import type { IdMapEntry, NamespaceMode } from './types.js';

export interface UsernsRequest {
  userns?: string;
  uidmap: string[];
  gidmap: string[];
  rootless: boolean;
  uid: number;
  gid: number;
  /** resolves container:NAME to a container id */
  containerId: (ref: string) => string;
}

export interface UsernsPlan {
  mode: NamespaceMode;
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  warnings: string[];
}

export function parseIdMapFlag(flag: string, value: string): IdMapEntry {
  const m = /^(\d+):(\d+):(\d+)$/.exec(value);
  if (!m || Number(m[3]) === 0) throw new UserError(`invalid --${flag} '${value}'`, 125, 'Use CONTAINER:HOST:SIZE, e.g. 0:100000:65536.');
  return { container: Number(m[1]), host: Number(m[2]), size: Number(m[3]) };
}

export function planUserNamespace(req: UsernsRequest): UsernsPlan {
  const uidMap = req.uidmap.map((v) => parseIdMapFlag('uidmap', v));
  const gidMap = req.gidmap.map((v) => parseIdMapFlag('gidmap', v));
  if (uidMap.length || gidMap.length) {
    if (!uidMap.length || !gidMap.length) throw new UserError('--uidmap and --gidmap go together', 125, 'Give both, e.g. --uidmap 0:100000:65536 --gidmap 0:100000:65536.');
    return { mode: { kind: 'private' }, uidMap, gidMap, warnings: [] };
  }
  const v = req.userns;
  if (v?.startsWith('container:')) return { mode: { kind: 'container', container: req.containerId(v.slice('container:'.length)) }, uidMap: [], gidMap: [], warnings: [] };
  if (v !== undefined && v !== 'host' && v !== '') throw new UserError(`--userns=${v} is not supported yet`, 125, 'Use --uidmap/--gidmap, or --userns=host.');
  if (!req.rootless) return { mode: { kind: 'host' }, uidMap: [], gidMap: [], warnings: [] };
  // A user who is not root can only create namespaces inside their own user namespace.
  return {
    mode: { kind: 'private' },
    uidMap: [{ container: 0, host: req.uid, size: 1 }],
    gidMap: [{ container: 0, host: req.gid, size: 1 }],
    warnings: [],
  };
}
