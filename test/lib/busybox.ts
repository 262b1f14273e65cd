// Test fixtures shared by integration tests: a minimal busybox rootfs and
// temporary directories. Generic on purpose; nothing here knows about tsbox.
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir as osTmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './programs.js';
import { tempDir } from './suite-run.js';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/local/bin/busybox', '/sbin/busybox'];

/** Absolute path of the host's busybox binary (a static one is best: the rootfs has no libc). */
export function findBusybox(): string {
  for (const p of BUSYBOX_CANDIDATES) {
    if (existsSync(p)) return realpathSync(p);
  }
  throw new Error(`busybox not found (looked in ${BUSYBOX_CANDIDATES.join(', ')})`);
}

/**
 * Fill `dir` with a tiny root filesystem: bin/busybox plus one symlink per
 * applet, etc/passwd, etc/group, etc/hosts, and the usual empty mount points.
 */
export function makeBusyboxRootfs(dir: string): void {
  const busybox = findBusybox();
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = run(busybox, ['--list'])
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'busybox' && !s.includes('/'));
  for (const applet of applets) {
    const link = join(dir, 'bin', applet);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(
    join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n');
}

/** A new empty directory `<base>/<prefix>-XXXXXX` (base: os.tmpdir()), noted as the run's (suite-run.ts). */
export function tmpdir(prefix: string, base: string = osTmpdir()): string {
  return tempDir(`${prefix}-`, base);
}

/** rm -rf, for test cleanup. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
