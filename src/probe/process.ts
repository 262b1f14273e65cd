// The security state of a process as the kernel reports it: credentials,
// capability sets, seccomp mode, no_new_privs (all from /proc/PID/status) and
// the LSM label (/proc/PID/attr/current). Read-only, two file reads, no spawn.
import { readFileSync } from 'node:fs';
import { maskToCaps } from '../common/capabilities.js';

export interface ProcessSecurity {
  pid: number;
  /** real, effective, saved, filesystem */
  uid: number[];
  gid: number[];
  capEff: string[];
  capBnd: string[];
  capPrm: string[];
  seccomp: 'disabled' | 'strict' | 'filter' | 'unknown';
  /** number of filters attached (kernel >= 5.9), null when not reported */
  seccompFilters: number | null;
  noNewPrivs: boolean;
  /** /proc/PID/attr/current, null if no LSM provides one */
  label: string | null;
  /** the bounding set holds every capability tsbox itself holds: what --privileged gives */
  privileged: boolean;
}

/** `Key:\tvalue` lines of /proc/PID/status -> { Key: 'value' } (values trimmed). */
export function parseStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

const SECCOMP_MODES = { '0': 'disabled', '1': 'strict', '2': 'filter' } as const;

function hexMask(v: string | undefined): bigint {
  return v && /^[0-9a-f]+$/i.test(v) ? BigInt(`0x${v}`) : 0n;
}

function ids(v: string | undefined): number[] {
  return v ? v.split(/\s+/).map(Number) : [];
}

let ownBoundingMask: bigint | undefined;
/** Our own CapBnd, read once: it does not change under us (we never drop from it). */
function ownBounding(): bigint {
  ownBoundingMask ??= hexMask(parseStatus(readFileSync('/proc/self/status', 'utf8'))['CapBnd']);
  return ownBoundingMask;
}

/** Set once a read shows that no LSM answers attr/current, so later calls skip the syscall. */
let labelsUnsupported = false;

function readLabel(pid: number): string | null {
  if (labelsUnsupported) return null;
  try {
    // SELinux ends the context with a NUL, AppArmor with a newline.
    const text = readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/[\0\n]+$/, '');
    return text === '' ? null : text;
  } catch (e) {
    // EINVAL: no LSM provides the attribute on this kernel; that is true for every pid.
    if ((e as NodeJS.ErrnoException).code === 'EINVAL') labelsUnsupported = true;
    return null;
  }
}

/** Build the record from already-read status text (exported for tests with other kernels' status files). */
export function securityFromStatus(pid: number, status: Record<string, string>, label: string | null): ProcessSecurity {
  const bnd = hexMask(status['CapBnd']);
  const own = ownBounding();
  const seccompRaw = status['Seccomp'];
  const filters = status['Seccomp_filters'];
  return {
    pid,
    uid: ids(status['Uid']),
    gid: ids(status['Gid']),
    capEff: maskToCaps(hexMask(status['CapEff'])),
    capBnd: maskToCaps(bnd),
    capPrm: maskToCaps(hexMask(status['CapPrm'])),
    seccomp: (seccompRaw !== undefined && SECCOMP_MODES[seccompRaw as keyof typeof SECCOMP_MODES]) || 'unknown',
    seccompFilters: filters !== undefined && /^\d+$/.test(filters) ? Number(filters) : null,
    noNewPrivs: status['NoNewPrivs'] === '1',
    label,
    privileged: own !== 0n && (bnd & own) === own,
  };
}

/** null when the process is gone (or its status is not readable). */
export function readProcessSecurity(pid: number): ProcessSecurity | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  return securityFromStatus(pid, parseStatus(text), readLabel(pid));
}
