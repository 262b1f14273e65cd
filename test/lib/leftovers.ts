// What the test suite could leave behind, listed so that the first test file
// can record it and the last can compare: the suite is judged by what it
// adds, not by containers someone else runs on the same machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Leftovers {
  cgroups: string[];
  mounts: string[];
  helpers: string[];
}

export function listLeftovers(): Leftovers {
  const cgroups: string[] = [];
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const parent = path.join('/sys/fs/cgroup', h, 'tsbox');
    try {
      for (const k of fs.readdirSync(parent, { withFileTypes: true })) if (k.isDirectory()) cgroups.push(path.join(parent, k.name));
    } catch {
      /* no parent in this hierarchy */
    }
  }
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => /tsbox/.test(l)).map((l) => l.split(' ')[4]);
  const helpers = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0].endsWith('tsbox-helper');
      } catch {
        return false;
      }
    })
    .map((p) => `pid ${p}`);
  return { cgroups, mounts, helpers };
}

/** Shared by the test files of one `node --test` run (their common parent process). */
export const BASELINE_FILE = path.join(os.tmpdir(), `tsbox-test-baseline-${process.ppid}.json`);
