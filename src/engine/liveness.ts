// Whether a record's process still runs, and what the record becomes when it
// does not. A record is only "running" while /proc/PID/stat shows the same
// start time and the boot id matches; otherwise the monitor's exit file says
// how it ended, or the record says the monitor died or the host rebooted.
import { readJsonIfExists } from './fsutil.js';
import { oomKillCount } from './cgroups/oom.js';
import { currentBootId, isSameProcessAlive } from './proc.js';
import type { RecordStore } from './records.js';
import type { ContainerRecord } from './types.js';

/** What the monitor writes when CMD ends (--exit-file, native/PROTOCOL.md). */
export interface ExitInfo {
  exitCode: number;
  signal: number;
  finishedAt: string;
}

/** How long a pid's start time, once read from /proc, is trusted (see alive()). */
const REVERIFY_MS = 5000;

export class Liveness {
  /** pid -> start time and when /proc last confirmed it (ms). */
  private readonly verified = new Map<number, { start: number; at: number }>();

  constructor(private readonly records: RecordStore) {}

  /**
   * Is the process (pid, start) still there? A signal 0 answers "is there a
   * process with this pid" with one syscall; the start time in /proc, which
   * tells a reused pid apart, is re-read at most every few seconds per pid.
   */
  alive(pid: number, start: number): boolean {
    if (pid <= 0) return false;
    const v = this.verified.get(pid);
    const now = Date.now();
    if (v && v.start === start && now - v.at < REVERIFY_MS) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
          this.verified.delete(pid);
          return false;
        }
        return true; // EPERM: there is a process with this pid
      }
    }
    // Not confirmed lately (every pid, in a CLI that lists once): the read of
    // /proc answers both questions, and a signal 0 before it would be one
    // more syscall per container for nothing.
    const ok = isSameProcessAlive(pid, start);
    if (ok) this.verified.set(pid, { start, at: now });
    else this.verified.delete(pid);
    return ok;
  }

  /**
   * What the kernel says now. A running record whose pid is gone (or is
   * another process now, or is from an earlier boot) has exited: its monitor's
   * exit file says how. Persisted only when something changed.
   *
   * Reads (list, get) run this, the dashboard every second, and must never
   * wait: the change is saved only if the state lock is free right now. If
   * another process holds it, the view is returned unsaved, and a later read
   * saves it (the exit file stays until the next start).
   */
  reconcile(rec: ContainerRecord): ContainerRecord {
    if (rec.state !== 'running' && rec.state !== 'paused') return rec;
    const sameBoot = rec.bootId === currentBootId();
    // Paused or running is what pause/unpause recorded: reading every
    // container's freezer file on every refresh cost the dashboard more
    // than all its drawing.
    if (sameBoot && this.alive(rec.pid, rec.pidStart)) return rec;
    const exit = sameBoot ? readJsonIfExists<ExitInfo>(this.records.exitFile(rec.id)) : undefined;
    // The init is gone but its monitor has not written the exit yet: a moment.
    if (!exit && sameBoot && isSameProcessAlive(rec.monitorPid, rec.monitorStart)) return rec;
    const exited = (r: ContainerRecord): ContainerRecord => {
      r.state = 'exited';
      r.exitCode = exit ? exit.exitCode : 255;
      r.finishedAt = exit ? exit.finishedAt : new Date().toISOString();
      if (!exit) r.error = sameBoot ? 'the container monitor died without recording an exit' : 'the host was restarted while the container ran';
      r.oomKilled = sameBoot && r.exitCode === 137 && oomKillCount(r.cgroupPaths) > 0;
      r.pid = 0;
      r.pidStart = 0;
      return r;
    };
    const saved = this.records.lockedIfFree(() => {
      const cur = this.records.readFresh(rec.id);
      if (!cur || (cur.state !== 'running' && cur.state !== 'paused') || cur.pid !== rec.pid) return cur ?? rec;
      this.records.save(exited(cur));
      return cur;
    });
    return saved ? saved.value : exited({ ...rec });
  }
}
