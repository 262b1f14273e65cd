// --userns, --uidmap and --gidmap (podman's spellings and meanings) -> the
// user namespace the engine plans (src/engine/rootless.ts).
import { UserError } from '../common/errors.js';
import type { IdMapEntry } from '../common/namespaces.js';
import { MAX_ID } from '../engine/idmaps.js';
import type { UsernsChoice } from '../engine/rootless.js';

function parseOptions(flag: string, text: string, allowed: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const opt of text.split(',')) {
    const [k, v] = opt.split('=', 2);
    if (!allowed.includes(k) || v === undefined || !/^\d+$/.test(v)) {
      throw new UserError(`invalid --userns=${flag}: '${opt}'`, 125, `Options of ${flag.split(':')[0]} are ${allowed.map((a) => `${a}=N`).join(', ')}.`);
    }
    out[k] = Number(v);
  }
  return out;
}

/** --userns alone */
export function parseUsernsFlag(v: string | undefined): Exclude<UsernsChoice, { kind: 'maps' }> {
  if (v === undefined || v === '') return { kind: 'default' };
  if (v === 'host') return { kind: 'host' };
  if (v.startsWith('container:') && v.length > 'container:'.length) return { kind: 'container', ref: v.slice('container:'.length) };
  const [name, opts] = [v.split(':')[0], v.includes(':') ? v.slice(v.indexOf(':') + 1) : undefined];
  if (name === 'auto') {
    const o = opts === undefined ? {} : parseOptions(v, opts, ['size']);
    if (o.size !== undefined && (o.size < 1 || o.size > MAX_ID)) throw new UserError(`invalid --userns=${v}: size must be 1 or more`);
    return { kind: 'auto', size: o.size };
  }
  if (name === 'keep-id') {
    const o = opts === undefined ? {} : parseOptions(v, opts, ['uid', 'gid']);
    for (const k of ['uid', 'gid'] as const) if (o[k] !== undefined && o[k] > MAX_ID) throw new UserError(`invalid --userns=${v}: ${k} is too large`);
    return { kind: 'keep-id', uid: o.uid, gid: o.gid };
  }
  throw new UserError(`invalid --userns '${v}'`, 125, 'Use host, auto, auto:size=N, keep-id, keep-id:uid=N,gid=N, or container:NAME.');
}

/**
 * The --userns a container gets when none is given: containers.conf's
 * `userns = "auto"` (engine/config.ts) for root, as podman's; none when maps
 * are given, and never for rootless (its containers are in a user namespace
 * already). Read only when it can matter, so a run that says --userns reads
 * no file.
 */
export function defaultUserns(mapsGiven: boolean, rootless: boolean, config: () => { userns?: string }): string | undefined {
  if (mapsGiven || rootless) return undefined;
  return config().userns === 'auto' ? 'auto' : undefined;
}

export function parseIdMapFlag(flag: string, value: string): IdMapEntry {
  const m = /^(\d+):(\d+):(\d+)$/.exec(value);
  const e = m ? { container: Number(m[1]), host: Number(m[2]), size: Number(m[3]) } : undefined;
  if (!e || e.size === 0 || e.container + e.size - 1 > MAX_ID || e.host + e.size - 1 > MAX_ID) {
    throw new UserError(`invalid --${flag} '${value}'`, 125, 'Use CONTAINER:HOST:SIZE with SIZE > 0 and ids up to 4294967294, e.g. 0:100000:65536.');
  }
  return e;
}

/**
 * The three flags together. --uidmap alone maps the gids the same way, and
 * --gidmap alone the uids, as with podman; maps and a --userns mode are two
 * answers to one question.
 */
export function usernsFromFlags(userns: string | undefined, uidmap: string[], gidmap: string[]): UsernsChoice {
  const mode = parseUsernsFlag(userns);
  if (uidmap.length === 0 && gidmap.length === 0) return mode;
  if (mode.kind !== 'default') {
    throw new UserError(`--userns=${userns} and --uidmap/--gidmap cannot be combined`, 125, 'Either give the maps yourself, or let --userns choose them.');
  }
  const uidMap = (uidmap.length ? uidmap : gidmap).map((v) => parseIdMapFlag(uidmap.length ? 'uidmap' : 'gidmap', v));
  const gidMap = (gidmap.length ? gidmap : uidmap).map((v) => parseIdMapFlag(gidmap.length ? 'gidmap' : 'uidmap', v));
  return { kind: 'maps', uidMap, gidMap };
}
