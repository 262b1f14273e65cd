// Writing a new user namespace's id maps while the helper waits on its block
// fd. Root writes /proc/PID/{uid,gid}_map itself; anyone else needs shadow's
// setuid helpers newuidmap/newgidmap, which check /etc/subuid and /etc/subgid.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { UserError } from './errors.js';
import type { IdMapEntry } from './types.js';

export function formatIdMap(map: IdMapEntry[]): string {
  return map.map((m) => `${m.container} ${m.host} ${m.size}\n`).join('');
}

function runMapTool(tool: string, pid: number, map: IdMapEntry[]): void {
  const args = [String(pid), ...map.flatMap((m) => [String(m.container), String(m.host), String(m.size)])];
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === 'ENOENT') {
      throw new UserError(`${tool} not found`, 125, 'Install the uidmap package (apt-get install uidmap) for rootless containers with more than one id.');
    }
    throw new UserError(`${tool} ${args.join(' ')} failed: ${err.stderr?.toString().trim() || err.message}`, 125, 'Check your ranges in /etc/subuid and /etc/subgid (e.g. alice:100000:65536).');
  }
}

export function writeIdMaps(pid: number, uidMap: IdMapEntry[], gidMap: IdMapEntry[]): void {
  if (process.getuid?.() === 0) {
    fs.writeFileSync(`/proc/${pid}/uid_map`, formatIdMap(uidMap));
    fs.writeFileSync(`/proc/${pid}/gid_map`, formatIdMap(gidMap));
    return;
  }
  const single = (map: IdMapEntry[], own: number) => map.length === 1 && map[0].size === 1 && map[0].host === own;
  // An unprivileged process may map only its own id, and only after denying setgroups.
  if (single(uidMap, process.getuid!()) && single(gidMap, process.getgid!())) {
    fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny');
    fs.writeFileSync(`/proc/${pid}/uid_map`, formatIdMap(uidMap));
    fs.writeFileSync(`/proc/${pid}/gid_map`, formatIdMap(gidMap));
    return;
  }
  runMapTool('newuidmap', pid, uidMap);
  runMapTool('newgidmap', pid, gidMap);
}
