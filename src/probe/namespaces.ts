// Namespace identity of processes, read from /proc/PID/ns/*: two processes are
// in the same namespace exactly when these links name the same inode. Read-only
// and spawn-free: the dashboard calls this every tick for every container.
//
// We readlink ("net:[4026531840]") rather than stat: it gives the same inode
// number (the nsfs inode), costs one syscall and allocates no Stats object.
import { readlinkSync, existsSync } from 'node:fs';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';

export type NsInodes = Partial<Record<NamespaceType, number>>;

/**
 * Inode of each namespace of `pid`. A type the kernel lacks (time before 5.6)
 * is left out; a process that is gone, or whose links we may not read, gives {}.
 */
export function readNamespaceInodes(pid: number | 'self'): NsInodes {
  const out: NsInodes = {};
  for (const type of NAMESPACE_TYPES) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/ns/${type}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT for one type while the ns directory exists: this kernel has no such namespace.
      if (code === 'ENOENT' && existsSync(`/proc/${pid}/ns`)) continue;
      // Gone (ENOENT/ESRCH) or not ours to look at (EACCES): no partial, misleading answer.
      return {};
    }
    const m = /:\[(\d+)\]$/.exec(link);
    if (m) out[type] = Number(m[1]);
  }
  return out;
}

export interface NamespaceView {
  type: NamespaceType;
  inode: number | null;
  /** 'unknown' when the inode could not be read (the process is gone, or not running) */
  sharing: 'private' | 'host' | 'shared' | 'unknown';
  /** names of the other containers in the same namespace ('shared' only; for 'host' it would be every host-sharing container) */
  sharedWith: string[];
}

/** One letter per namespace type, in NAMESPACE_TYPES order. */
export const NS_SYMBOLS = { private: 'P', host: 'H', shared: 'S', unknown: '-' } as const;

/** Legend of compactNsColumn, for the dashboard's footer and help. */
export const NS_LEGEND =
  `namespaces ${NAMESPACE_TYPES.join(' ')}: ` +
  `${NS_SYMBOLS.private} private, ${NS_SYMBOLS.host} host's, ${NS_SYMBOLS.shared} shared with another container, ${NS_SYMBOLS.unknown} unknown`;

export interface ContainerInodes {
  id: string;
  name: string;
  inodes: NsInodes;
}

/**
 * Classify already-read inodes. A namespace is the host's when its inode is
 * the host's, shared when another container has the same inode, else private.
 */
export function classifyInodes(containers: ContainerInodes[], host: NsInodes): Map<string, NamespaceView[]> {
  // type -> inode -> names of containers in it
  const members = new Map<NamespaceType, Map<number, string[]>>();
  for (const type of NAMESPACE_TYPES) members.set(type, new Map());
  for (const c of containers) {
    for (const type of NAMESPACE_TYPES) {
      const ino = c.inodes[type];
      if (ino === undefined) continue;
      const byIno = members.get(type)!;
      const names = byIno.get(ino);
      if (names) names.push(c.name);
      else byIno.set(ino, [c.name]);
    }
  }

  const result = new Map<string, NamespaceView[]>();
  for (const c of containers) {
    result.set(
      c.id,
      NAMESPACE_TYPES.map((type): NamespaceView => {
        const inode = c.inodes[type] ?? null;
        if (inode === null) return { type, inode, sharing: 'unknown', sharedWith: [] };
        if (host[type] === inode) return { type, inode, sharing: 'host', sharedWith: [] };
        const names = members.get(type)!.get(inode)!;
        if (names.length > 1) {
          // Remove our own entry, once.
          const others = [...names];
          others.splice(others.indexOf(c.name), 1);
          return { type, inode, sharing: 'shared', sharedWith: others };
        }
        return { type, inode, sharing: 'private', sharedWith: [] };
      }),
    );
  }
  return result;
}

/**
 * Read and classify the namespaces of running containers in one sweep. `pid`
 * <= 0 (not running) reads nothing and classifies as unknown. `host` defaults
 * to tsbox's own namespaces, which are what a container gets when it shares
 * the host's (the helper inherits them).
 */
export function classifyNamespaces(
  containers: Array<{ id: string; name: string; pid: number }>,
  host: NsInodes = readNamespaceInodes('self'),
): Map<string, NamespaceView[]> {
  return classifyInodes(
    containers.map((c) => ({ id: c.id, name: c.name, inodes: c.pid > 0 ? readNamespaceInodes(c.pid) : {} })),
    host,
  );
}

/** 8 characters, one per type in NAMESPACE_TYPES order; see NS_LEGEND. */
export function compactNsColumn(views: NamespaceView[]): string {
  return NAMESPACE_TYPES.map((type) => {
    const v = views.find((x) => x.type === type);
    return NS_SYMBOLS[v?.sharing ?? 'unknown'];
  }).join('');
}
