// Which capabilities a container keeps: the podman rules for turning
// --cap-add / --cap-drop / --privileged into a set (the kernel's table and
// the masks are src/common/capabilities.ts).
//
// The helper receives the result as one hex mask (--caps) and keeps exactly
// those capabilities in the bounding, permitted and effective sets (the
// inheritable and ambient sets stay empty: native/caps.c says why). It can
// only ever drop: a capability missing from its own bounding set cannot be
// raised again. That is why "all" (privileged, --cap-add ALL) means
// "all that tsbox itself holds", as it does for podman, and why asking for one
// we do not hold is an error here rather than a failed capset() later.
import { readFileSync } from 'node:fs';
import { UserError } from '../common/errors.js';
import { CAPABILITIES, CAP_NUMBER, maskToCaps, normalizeCapName } from '../common/capabilities.js';

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

