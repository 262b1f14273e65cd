// A process's environment as it was when it started (/proc/PID/environ):
// what the container's command was given, whatever the spec said.
import fs from 'node:fs';

/** NAME=value strings, or null when the process is gone or not ours to read. */
export function readEnviron(pid: number): string[] | null {
  try {
    return fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter((v) => v !== '');
  } catch {
    return null;
  }
}
