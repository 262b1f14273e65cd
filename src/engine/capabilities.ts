// Linux capabilities by name and number, and the podman rules for turning
// --cap-add / --cap-drop / --privileged into the set a container keeps.
//
// The helper receives the result as one hex mask (--caps) and keeps exactly
// those capabilities in the bounding, permitted and effective sets (the
// inheritable and ambient sets stay empty: native/caps.c says why). It can
// only ever drop: a capability missing from its own bounding set cannot be
// raised again. That is why "all" (privileged, --cap-add ALL) means
// "all that tsbox itself holds", as it does for podman, and why asking for one
// we do not hold is an error here rather than a failed capset() later.
import { readFileSync } from 'node:fs';
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

/** What a container keeps by default: podman's (containers.conf) default_capabilities. */
export const DEFAULT_CAPS: readonly string[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
]);

const CAP_NUMBER = new Map(CAPABILITIES.map((name, i) => [name, i]));

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

let ownBounding: readonly string[] | undefined;

/**
 * Capabilities in tsbox's own bounding set (/proc/self/status CapBnd): the
 * most any container can keep. On this kind of host CAP_SYS_RESOURCE may be
 * missing even for root, so "all" must not mean the whole table.
 */
export function boundingCaps(): readonly string[] {
  if (!ownBounding) {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    // No CapBnd line means a kernel without capabilities: nothing to drop to.
    ownBounding = Object.freeze(m ? maskToCaps(BigInt(`0x${m[1]}`)).filter((c) => CAP_NUMBER.has(c)) : [...CAPABILITIES]);
  }
  return ownBounding;
}

/**
 * podman's merge of the default set with --cap-add / --cap-drop:
 * - privileged or `--cap-add ALL` start from everything we hold,
 * - `--cap-drop ALL` starts from nothing (then --cap-add applies),
 * - otherwise DEFAULT_CAPS + add - drop.
 * The same capability in both lists is contradictory and refused.
 * `bounding` (default: our own bounding set) is what "everything" means and
 * what may be added; tests pass their own.
 * Returns CAP_ names in capability-number order.
 */
export function resolveCaps(opts: {
  add: string[];
  drop: string[];
  privileged: boolean;
  bounding?: readonly string[];
}): string[] {
  const add = opts.add.flatMap(splitList).map(normalizeCapName);
  const drop = opts.drop.flatMap(splitList).map(normalizeCapName);
  const both = add.find((c) => drop.includes(c));
  if (both) {
    throw new UserError(
      `capability ${both} is both added and dropped`,
      125,
      'Give it to either --cap-add or --cap-drop, not both.',
    );
  }
  const available = opts.bounding ?? boundingCaps();
  const missing = add.find((c) => c !== 'ALL' && !available.includes(c));
  if (missing) {
    throw new UserError(
      `cannot add ${missing}: tsbox itself does not hold it (it is not in this process's bounding set)`,
      125,
      'A container can only keep capabilities its parent has; see CapBnd in /proc/self/status.',
    );
  }

  let kept: Set<string>;
  if (opts.privileged || add.includes('ALL')) kept = new Set(available);
  else if (drop.includes('ALL')) kept = new Set();
  // A default capability the host itself lacks cannot be kept; that is not the user's doing.
  else kept = new Set(DEFAULT_CAPS.filter((c) => available.includes(c)));

  for (const c of add) if (c !== 'ALL') kept.add(c);
  if (drop.includes('ALL')) {
    for (const c of [...kept]) if (!add.includes(c)) kept.delete(c);
  }
  for (const c of drop) kept.delete(c);
  return [...kept].sort((a, b) => CAP_NUMBER.get(a)! - CAP_NUMBER.get(b)!);
}

/** podman accepts `--cap-add a,b` as well as repeating the flag. */
function splitList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
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
