// Rootless containers on cgroup v2: the subtree the caller may manage.
//
// cgroup v2 lets an unprivileged user create cgroups below a directory the
// admin has given them: systemd does it for user@UID.service (Delegate=yes),
// chowning the directory and its cgroup.procs, cgroup.subtree_control and
// cgroup.threads to the user. Moving a process needs write access to the
// cgroup.procs of the common ancestor of its old and new cgroup, so the
// container's cgroup has to share a delegated ancestor with the cgroup tsbox
// runs in. tsbox takes the topmost delegated ancestor of its own cgroup
// (user@UID.service under systemd) and puts containers at
// <delegated>/tsbox/<id>, next to the user's units, as podman puts its
// scopes under user@UID.service.
import fs from 'node:fs';
import path from 'node:path';

export interface Delegation {
  /** the delegated cgroup (absolute path under the v2 mount) */
  dir: string;
  /** its cgroup.controllers: what the user may enable below it */
  controllers: string[];
}

/** Where a rootless caller may make cgroups, or why nowhere. */
export type DelegationResult = { delegation: Delegation } | { why: string };

/** The cgroup v2 path of a process, from its /proc/PID/cgroup (the `0::` line). */
export function v2CgroupOf(procCgroup: string): string | undefined {
  const line = procCgroup.split('\n').find((l) => l.startsWith('0::'));
  return line === undefined ? undefined : line.slice(3);
}

/** Is DIR a cgroup given to UID: theirs, with control files they may write? */
function delegatedTo(dir: string, uid: number): boolean {
  try {
    if (fs.statSync(dir).uid !== uid) return false;
    for (const f of ['cgroup.procs', 'cgroup.subtree_control']) fs.accessSync(path.join(dir, f), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function controllersOf(dir: string): string[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The topmost cgroup on the way from the v2 root to OWN (the caller's
 * cgroup, as in /proc/self/cgroup) that is delegated to UID.
 */
export function findDelegation(v2Root: string, own: string | undefined, uid: number): DelegationResult {
  if (own === undefined) return { why: 'this process is in no cgroup v2 hierarchy (/proc/self/cgroup has no 0:: line)' };
  let dir = v2Root;
  for (const part of own.split('/').filter(Boolean)) {
    dir = path.join(dir, part);
    if (delegatedTo(dir, uid)) return { delegation: { dir, controllers: controllersOf(dir) } };
  }
  return {
    why: `your cgroup ${path.join(v2Root, own)} is not delegated to you (neither it nor a cgroup above it is yours with a writable cgroup.procs and cgroup.subtree_control)`,
  };
}

/** The caller's delegation (rootless, cgroup v2 mounted at V2ROOT). */
export function ownDelegation(v2Root: string): DelegationResult {
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    /* no /proc: reported as no cgroup */
  }
  return findDelegation(v2Root, v2CgroupOf(text), process.getuid!());
}

/** How a user gets a delegated subtree, for messages. */
export const DELEGATION_HINT =
  'Run tsbox from your systemd user session, whose user@UID.service is delegated to you (e.g. systemd-run --user --scope tsbox ...), or have root delegate a cgroup to you (chown it and its cgroup.procs, cgroup.subtree_control and cgroup.threads).';
