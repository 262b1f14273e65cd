// The kernel interfaces a container does not see (masked) or may not change
// (read-only): podman's and Docker's lists together, made by the helper
// (native/mounts.c, mask_paths, holds the same lists: a test compares them
// with the mounts), and podman's --security-opt mask= and unmask=.
//
//   mask=PATH[:PATH...]   hide more paths of the container: a directory
//                         under an empty read-only tmpfs, a file under
//                         /dev/null (a missing one is skipped)
//   unmask=PATH[:PATH...] leave default paths alone; ALL for all of them, and
//                         a glob (/proc/*) for those it matches, as podman
//                         takes it. A path that is not a default is refused
//                         (podman ignores it): it would unmask nothing.
import { UserError } from '../common/errors.js';

export const DEFAULT_MASKED_PATHS: readonly string[] = Object.freeze([
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap', '/sys/fs/selinux', '/sys/dev/block',
]);
export const DEFAULT_READONLY_PATHS: readonly string[] = Object.freeze(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);

/** A glob of unmask= (`*` and `?` within one component, as filepath.Match) as a RegExp. */
function globRe(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/** The value of mask=: absolute, normalized paths of the container. */
export function parseMaskOpt(value: string): string[] {
  const paths = value.split(':').filter(Boolean);
  if (paths.length === 0) throw new UserError('--security-opt mask= needs paths', 125, 'Give absolute paths separated by ":", e.g. mask=/proc/interrupts:/sys/kernel.');
  return paths.map((p) => {
    if (!p.startsWith('/')) throw new UserError(`--security-opt mask=${value}: '${p}' is not an absolute path`, 125, 'Give paths inside the container, starting with /.');
    if (p.split('/').includes('..')) throw new UserError(`--security-opt mask=${value}: '${p}' holds '..'`);
    return p.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  });
}

/** The value of unmask=: the default paths it names (ALL: every one), or a UserError for a path that is none. */
export function parseUnmaskOpt(value: string): string[] {
  if (value === 'ALL') return ['ALL'];
  const defaults = [...DEFAULT_MASKED_PATHS, ...DEFAULT_READONLY_PATHS];
  const out: string[] = [];
  for (const p of value.split(':').filter(Boolean)) {
    const hits = /[*?]/.test(p) ? defaults.filter((d) => globRe(p).test(d)) : defaults.filter((d) => d === p);
    if (hits.length === 0) {
      throw new UserError(`--security-opt unmask=${p}: not a path tsbox masks or makes read-only`, 125, `Those are ${defaults.join(', ')} (or ALL).`);
    }
    out.push(...hits);
  }
  if (out.length === 0) throw new UserError('--security-opt unmask= needs paths', 125, 'Give default paths separated by ":", or ALL.');
  return [...new Set(out)];
}

/** The masked and read-only paths in force for a container (what config.json records). */
export function pathsInForce(mask: readonly string[] = [], unmask: readonly string[] = []): { masked: string[]; readonly: string[] } {
  const kept = (p: string) => !unmask.includes('ALL') && !unmask.includes(p);
  return { masked: [...DEFAULT_MASKED_PATHS.filter(kept), ...mask], readonly: DEFAULT_READONLY_PATHS.filter(kept) };
}
