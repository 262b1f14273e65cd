// The oldest kernel tsbox runs on. tsbox-helper refuses older ones at the
// start of run and exec (native/main.c: check_kernel, the same numbers):
// every bind is made read-only and private on its detached tree with
// mount_setattr (5.12) before it is attached, and there are no weaker
// fallbacks. `tsbox info` shows it.

export const KERNEL_FLOOR = { major: 5, minor: 12 } as const;

/** Does a kernel release (uname -r, e.g. 6.1.0-18-amd64) meet the floor? Unreadable ones do not. */
export function meetsKernelFloor(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > KERNEL_FLOOR.major || (major === KERNEL_FLOOR.major && minor >= KERNEL_FLOOR.minor);
}
