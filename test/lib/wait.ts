// Waiting for something a real process does: poll for the condition, with a
// deadline, rather than sleep for a time it usually takes.
import { readFileSync } from 'node:fs';

/** Poll DONE every 10 ms until it holds; fail after MS, naming WHAT was awaited. */
export async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * PID has exited: gone from /proc, or a zombie. A process whose parent died
 * is reaped by PID 1 in its own time (slowly on some machines), and until
 * then /proc still lists it, though it runs nothing and holds nothing.
 */
export function processGone(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}
