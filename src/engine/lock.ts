// A cross-process lock on a file: created with O_EXCL and holding the owner's
// pid and start time, so a lock left by a crashed process is recognised and
// broken rather than waited on forever. The CLI and the dashboard may run at
// once; every change to state on disk happens under this lock.
import fs from 'node:fs';
import { unlinkIfExists } from './fsutil.js';
import { processStartTime } from './proc.js';

const POLL_MS = 5;
const TIMEOUT_MS = 15000;

function ownerAlive(lockFile: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return true; // just released or being written: try again
  }
  const [pid, start] = text.trim().split(' ').map(Number);
  if (!pid) return true; // being written
  return processStartTime(pid) === start;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function withLock<T>(lockFile: string, fn: () => T): T {
  const deadline = Date.now() + TIMEOUT_MS;
  const me = `${process.pid} ${processStartTime(process.pid)}\n`;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx', 0o600);
      fs.writeSync(fd, me);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!ownerAlive(lockFile)) {
        unlinkIfExists(lockFile);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockFile}`);
      sleepSync(POLL_MS);
    }
  }
  try {
    return fn();
  } finally {
    unlinkIfExists(lockFile);
  }
}
