// The kernel's namespace types, and a line of a user namespace's id map: the
// shapes the probes read from /proc and the engine's records are made of.

export const NAMESPACE_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

export interface IdMapEntry {
  /** first id inside the container */
  container: number;
  /** first id on the host (in the parent user namespace) */
  host: number;
  size: number;
}
