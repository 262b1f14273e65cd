// Random ids and names, read from the kernel's /dev/urandom. Loading
// node:crypto for this cost `tsbox run` ~5 ms of start-up, more than
// anything else it does before the helper runs.
import fs from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < n; ) {
      const got = fs.readSync(fd, buf, off, n - off, null);
      if (got <= 0) throw new Error('/dev/urandom returned no bytes');
      off += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

/** An id as podman makes them: 64 hex digits. */
export function randomId(): string {
  return randomBytes(32).toString('hex');
}

/** A uniform integer in [0, max), max < 2^32 (rejection sampling: no modulo bias). */
export function randomInt(max: number): number {
  const limit = Math.floor(0x1_0000_0000 / max) * max;
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v < limit) return v % max;
  }
}
