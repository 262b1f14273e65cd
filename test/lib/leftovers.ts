// What the suite could leave behind, of its own (test/lib/suite-run.ts):
// container cgroups of the containers it made, host mounts and helper
// processes that name its roots, temp dirs or containers, and those dirs
// themselves. Others' containers on the same machine are none of these.
import fs from 'node:fs';
import path from 'node:path';
import { mentions } from './suite-run.js';

export interface Leftovers {
  cgroups: string[];
  mounts: string[];
  helpers: string[];
  paths: string[];
}

export function listLeftovers(own: { paths: string[]; ids: string[] }): Leftovers {
  /** the id or path of the run's that TEXT names, if any */
  const named = (text: string) => own.ids.find((id) => text.includes(id)) ?? own.paths.find((p) => mentions(text, p));
  const cgroups: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
    if (!h.isDirectory()) continue; // cpu -> cpu,cpuacct and the like: the same hierarchy
    for (const id of own.ids) {
      const dir = path.join('/sys/fs/cgroup', h.name, 'tsbox', id);
      if (fs.existsSync(dir)) cgroups.push(dir);
    }
  }
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l && named(l))
    .map((l) => l.split(' ')[4]);
  const helpers: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const what = argv[0].endsWith('tsbox-helper') ? named(argv.join(' ')) : undefined;
    if (what) helpers.push(`pid ${pid}: ${argv.slice(0, 2).join(' ')} ... (${what})`);
  }
  return { cgroups, mounts, helpers, paths: own.paths.filter((p) => fs.existsSync(p)) };
}
