// Linux capabilities by name and number: the kernel's table, and turning
// names into the masks /proc/PID/status shows and the helper takes (--caps).
// The engine decides which capabilities a container keeps (engine/
// capabilities.ts); the probes and the dashboard decode what the kernel says.
import { UserError } from './errors.js';

/** Index = capability number (include/uapi/linux/capability.h), 0..40. */
export const CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE', // 40
]);

/** name -> capability number */
export const CAP_NUMBER: ReadonlyMap<string, number> = new Map(CAPABILITIES.map((name, i) => [name, i]));

const NAMES_HINT =
  'Capability names are those of capabilities(7) (`man 7 capabilities`, or `capsh --print` for the ones this host has); ' +
  'the CAP_ prefix is optional, case does not matter, and ALL means every capability.';

/** 'net_admin' | 'CAP_NET_ADMIN' -> 'CAP_NET_ADMIN'; 'all' -> 'ALL'; unknown -> UserError. */
export function normalizeCapName(raw: string): string {
  const upper = raw.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!CAP_NUMBER.has(name)) {
    const near = closestCapName(name);
    throw new UserError(`unknown capability '${raw}'${near ? ` (did you mean ${near}?)` : ''}`, 125, NAMES_HINT);
  }
  return name;
}

/** A suggestion for a typo: the known name sharing the longest prefix, if it shares a word. */
function closestCapName(name: string): string | undefined {
  let best: string | undefined;
  let bestLen = 4; // more than the shared "CAP_"
  for (const known of CAPABILITIES) {
    let n = 0;
    while (n < known.length && known[n] === name[n]) n++;
    if (n > bestLen) [best, bestLen] = [known, n];
  }
  return best;
}

/** Bit N set for capability N. Names are normalized; unknown names are a UserError. */
export function capsToMask(caps: string[]): bigint {
  let mask = 0n;
  for (const raw of caps) {
    const name = normalizeCapName(raw);
    if (name === 'ALL') {
      for (let i = 0; i < CAPABILITIES.length; i++) mask |= 1n << BigInt(i);
    } else mask |= 1n << BigInt(CAP_NUMBER.get(name)!);
  }
  return mask;
}

/**
 * Names of the bits set in `mask`, lowest first. A bit beyond our table (a
 * capability newer than tsbox) is shown as CAP_<number> instead of being lost.
 * Walks hex digits rather than shifting a bigint bit by bit: the dashboard
 * decodes three masks per container per tick.
 */
export function maskToCaps(mask: bigint): string[] {
  if (mask < 0n) throw new RangeError(`capability mask must not be negative: ${mask}`);
  const hex = mask.toString(16);
  const out: string[] = [];
  for (let d = 0; d < hex.length; d++) {
    const nibble = parseInt(hex[hex.length - 1 - d], 16);
    for (let b = 0; b < 4; b++) {
      if (nibble & (1 << b)) out.push(CAPABILITIES[d * 4 + b] ?? `CAP_${d * 4 + b}`);
    }
  }
  return out;
}

/** The helper's --caps value: the mask in hex, 16 digits, no prefix (as /proc/PID/status prints it). */
export function capsHex(caps: string[]): string {
  return capsToMask(caps).toString(16).padStart(16, '0');
}
