// Choosing a container's user namespace and id maps (what --userns, --uidmap
// and --gidmap asked for: src/cli/userns-flags.ts), for root and for rootless
// callers (podman's model): the facts from /etc/subuid, /etc/subgid, the
// sysctls and the image, and a plan or a UserError that says what to change.
// The arithmetic is idmaps.ts; `tsbox uidmap`'s report is idmap-report.ts.
//
// A rootless caller has a "own namespace" (what `tsbox unshare` enters):
// id 0 is the caller, ids 1.. are their /etc/subuid ranges in file order.
// Container maps of a rootless caller are written in host ids (that is what
// newuidmap takes), but --uidmap's HOST column counts in that own namespace,
// as podman's does, so `--uidmap 0:1:65536` means "my first subuid onwards".
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import type { IdMapEntry, NamespaceMode } from './types.js';
import { toContainer, toHost } from '../probe/idmap.js';
import { IDENTITY_MAP, MAX_ID, allocateRange, checkMap, composeMaps, describeIds, hostRanges, keepIdInner, ownMap } from './idmaps.js';
import {
  SUBID_FILES,
  addRangeHint,
  formatRange,
  parseSubIds,
  readSubIdEntries,
  readSubIdFile,
  suggestFreeRange,
  totalCount,
  userName,
  type SubIdFiles,
  type SubIdRange,
} from './subid.js';
import { USERNS_SYSCTLS, findMapTools, usernsUnavailable, type MapTools, type UsernsSysctls } from './userns.js';

/** --userns=auto without size=: as many ids as a normal subuid range */
export const DEFAULT_AUTO_SIZE = 65536;
/** Root's --userns=auto takes ranges from this user's /etc/subuid and /etc/subgid entries, as podman does. */
export const AUTO_USER = 'containers';
/**
 * Root's pool when `containers` has no entry: the upper half of the id space
 * (2147483648-4294967294), far above real users and above the ranges useradd
 * hands out; ranges /etc/subuid gives anyone are still skipped.
 */
export const DEFAULT_AUTO_POOL: SubIdRange = { start: 2 ** 31, count: MAX_ID - 2 ** 31 + 1 };

/** Where the facts come from; tests point these at fixtures. */
export interface UsernsHost {
  subids: SubIdFiles;
  sysctls: UsernsSysctls;
  /** newuidmap/newgidmap as found in PATH */
  tools: MapTools;
  /** /etc/passwd, to name the caller as /etc/subuid does */
  passwd: string;
}

export function usernsHost(overrides: Partial<UsernsHost> = {}): UsernsHost {
  return {
    subids: overrides.subids ?? SUBID_FILES,
    sysctls: overrides.sysctls ?? USERNS_SYSCTLS,
    tools: overrides.tools ?? findMapTools(),
    passwd: overrides.passwd ?? '/etc/passwd',
  };
}

/** What was asked for: a --userns mode, or maps given outright (--uidmap, --gidmap). */
export type UsernsChoice =
  | { kind: 'default' }
  | { kind: 'host' }
  | { kind: 'container'; ref: string }
  | { kind: 'auto'; size?: number }
  | { kind: 'keep-id'; uid?: number; gid?: number }
  /** HOST counts in the caller's own namespace when rootless, as podman's does */
  | { kind: 'maps'; uidMap: IdMapEntry[]; gidMap: IdMapEntry[] };

export interface UsernsRequest {
  userns: UsernsChoice;
  rootless: boolean;
  uid: number;
  gid: number;
  /** resolves container:NAME to a container id */
  containerId: (ref: string) => string;
  /** host maps of every other container (any state): --userns=auto must overlap none */
  mapsInUse?: () => Array<{ uidMap: IdMapEntry[]; gidMap: IdMapEntry[] }>;
  /** host path of an imported image's root, or a layered image's layers: each owner of their files must be mapped */
  imageRootfs?: string | string[];
  /** the image's name, for messages */
  imageName?: string;
  host?: Partial<UsernsHost>;
}

export interface UsernsPlan {
  mode: NamespaceMode;
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  warnings: string[];
  /** --userns=keep-id: CMD runs as this uid/gid unless --user says otherwise */
  defaultUser?: { uid: number; gid: number };
}

// ---------------------------------------------------------------- the caller's own namespace

export interface CallerNamespace {
  uidMap: IdMapEntry[];
  gidMap: IdMapEntry[];
  /** true when the subid ranges are mapped (not the single-id fallback) */
  full: boolean;
  /** rootless only: why it is the single-id fallback, and how to fix that */
  fallback?: { why: string; fix: string; warning: string };
  name: string;
}

/**
 * The namespace a rootless caller gets by default and in `tsbox unshare`:
 * `0 UID 1` plus the subid ranges; or, without ranges or without
 * newuidmap/newgidmap, just `0 UID 1` and a warning that says how to fix it.
 * Root stays in the host's namespace.
 */
export function callerNamespace(rootless: boolean, uid: number, gid: number, host: UsernsHost): CallerNamespace {
  const name = userName(uid, host.passwd);
  if (!rootless) return { uidMap: IDENTITY_MAP, gidMap: IDENTITY_MAP, full: true, name };
  const subuid = parseSubIds(readSubIdFile(host.subids.uid), name, uid);
  const subgid = parseSubIds(readSubIdFile(host.subids.gid), name, uid);
  const single = (why: string, fix: string): CallerNamespace => ({
    uidMap: [{ container: 0, host: uid, size: 1 }],
    gidMap: [{ container: 0, host: gid, size: 1 }],
    full: false,
    fallback: {
      why,
      fix,
      warning: `${why}: using a single mapping (your uid ${uid} is root inside, and no other uid exists there), which breaks images whose files belong to other users.\n${fix}`,
    },
    name,
  });
  const missing = [subuid.length ? '' : host.subids.uid, subgid.length ? '' : host.subids.gid].filter(Boolean);
  if (missing.length) {
    const entries = [...readSubIdEntries(host.subids.uid), ...readSubIdEntries(host.subids.gid)];
    return single(`${name} has no range in ${missing.join(' or ')}`, addRangeHint(name, entries));
  }
  const absent = (['newuidmap', 'newgidmap'] as const).filter((t) => !host.tools[t]);
  if (absent.length) {
    return single(
      `${absent.join(' and ')} ${absent.length > 1 ? 'were' : 'was'} not found in PATH`,
      'Install the uidmap package as root (apt-get install uidmap) to map your /etc/subuid and /etc/subgid ranges.',
    );
  }
  return { uidMap: ownMap(uid, subuid), gidMap: ownMap(gid, subgid), full: true, name };
}

// ---------------------------------------------------------------- --userns=auto

function autoMaps(req: UsernsRequest, host: UsernsHost, caller: CallerNamespace, size: number): { uidMap: IdMapEntry[]; gidMap: IdMapEntry[] } {
  // Rootless containers that map the caller's own id (the default, keep-id,
  // most --uidmap) share the caller's identity anyway; like podman, auto
  // ranges keep clear of each other and of explicit ranges, not of those.
  const inUse = (req.mapsInUse?.() ?? []).filter((m) => !req.rootless || !m.uidMap.some((e) => req.uid >= e.host && req.uid < e.host + e.size));
  const pick = (kind: 'uid' | 'gid'): number => {
    const file = host.subids[kind];
    const entries = readSubIdEntries(file);
    let pool: SubIdRange[];
    let used = inUse.flatMap((m) => hostRanges(kind === 'uid' ? m.uidMap : m.gidMap));
    let where: string;
    if (req.rootless) {
      pool = parseSubIds(readSubIdFile(file), caller.name, req.uid);
      where = `your ranges in ${file}`;
      if (!pool.length) throw new UserError(`--userns=auto needs a range for ${caller.name} in ${file}`, 125, addRangeHint(caller.name, entries));
    } else {
      pool = entries.filter((e) => e.owner === AUTO_USER);
      where = `the ranges of '${AUTO_USER}' in ${file}`;
      if (!pool.length) {
        // Nobody was given these ids, so no file on the host can belong to them.
        pool = [DEFAULT_AUTO_POOL];
        used = [...used, ...entries];
        where = `tsbox's default pool ${formatRange(DEFAULT_AUTO_POOL)} (there is no '${AUTO_USER}' entry in ${file})`;
      }
    }
    const start = allocateRange(pool, used, size);
    if (start === null) {
      throw new UserError(
        `--userns=auto: no ${size} free ${kind}s are left in ${where}; ${inUse.length} other container(s) hold ranges`,
        125,
        `Remove containers you no longer need (tsbox rm), ask for fewer ids (--userns=auto:size=N), or add a range to ${req.rootless ? caller.name : AUTO_USER} in ${file}.`,
      );
    }
    return start;
  };
  const su = pick('uid');
  const sg = pick('gid');
  return { uidMap: [{ container: 0, host: su, size }], gidMap: [{ container: 0, host: sg, size }] };
}

// ---------------------------------------------------------------- image owners

export interface ImageOwners {
  /** host uid -> a path (inside the image) owned by it */
  uids: Map<number, string>;
  gids: Map<number, string>;
}

/**
 * Every uid and gid that owns something in the image, with one example path
 * each. Directories we may not read (rootless, owned by a subuid) are
 * counted themselves but not entered.
 */
export function imageOwners(rootfs: string): ImageOwners {
  const owners: ImageOwners = { uids: new Map(), gids: new Map() };
  const note = (st: fs.Stats, rel: string) => {
    if (!owners.uids.has(st.uid)) owners.uids.set(st.uid, rel);
    if (!owners.gids.has(st.gid)) owners.gids.set(st.gid, rel);
  };
  const stack = ['/'];
  note(fs.lstatSync(rootfs), '/');
  while (stack.length) {
    const rel = stack.pop()!;
    let names: string[];
    try {
      names = fs.readdirSync(path.join(rootfs, rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') continue;
      throw e;
    }
    for (const n of names) {
      const r = path.posix.join(rel, n);
      const st = fs.lstatSync(path.join(rootfs, r));
      note(st, r);
      if (st.isDirectory()) stack.push(r);
    }
  }
  return owners;
}

/**
 * podman's "potentially insufficient UIDs or GIDs": an image file whose
 * owner has no id in the container shows as nobody (65534) there, and
 * anything that chowns to it fails. Image files are stored with the ids of
 * the namespace that imported them: root's are host ids; a rootless user's
 * are host ids of their own namespace (their uid and subuids). `view` maps
 * the latter back (null for root: identity).
 */
function checkImageOwners(
  owners: ImageOwners,
  plan: { uidMap: IdMapEntry[]; gidMap: IdMapEntry[] },
  view: { uidMap: IdMapEntry[]; gidMap: IdMapEntry[] } | null,
  image: string,
  fix: (kind: 'uid' | 'gid', id: number) => string,
): void {
  for (const kind of ['uid', 'gid'] as const) {
    const ids = kind === 'uid' ? owners.uids : owners.gids;
    const map = kind === 'uid' ? plan.uidMap : plan.gidMap;
    const own = view ? (kind === 'uid' ? view.uidMap : view.gidMap) : null;
    for (const [hostId, file] of [...ids].sort((a, b) => a[0] - b[0])) {
      const id = own ? toContainer(own, hostId) : hostId;
      if (id === null) {
        throw new UserError(
          `${file} in image '${image}' is owned by host ${kind} ${hostId}, which is neither yours nor in your range in /etc/sub${kind}, so no container of yours can map it`,
          125,
          `Re-import the image, or give the file to an id you own: tsbox unshare chown ... (0 is you, 1.. your /etc/sub${kind} range).`,
        );
      }
      if (toHost(map, id) === null) {
        throw new UserError(
          `potentially insufficient ${kind.toUpperCase()}s: ${file} in image '${image}' is owned by ${kind} ${id}, but the container's user namespace maps only ${kind}s ${describeIds(map)}`,
          125,
          fix(kind, id),
        );
      }
    }
  }
}

// ---------------------------------------------------------------- the plan

export function planUserNamespace(req: UsernsRequest): UsernsPlan {
  const flag = req.userns;
  if (flag.kind === 'container') {
    return { mode: { kind: 'container', container: req.containerId(flag.ref) }, uidMap: [], gidMap: [], warnings: [] };
  }
  if (!req.rootless && (flag.kind === 'default' || flag.kind === 'host')) {
    return { mode: { kind: 'host' }, uidMap: [], gidMap: [], warnings: [] };
  }
  if (!req.rootless && flag.kind === 'keep-id') {
    throw new UserError('--userns=keep-id is for rootless users', 125, 'As root your uid is already 0 inside; for a user namespace of its own use --userns=auto or --uidmap.');
  }

  // From here on the container gets a new user namespace.
  const host = usernsHost(req.host);
  const unavailable = usernsUnavailable(req.rootless, host.sysctls);
  if (unavailable) throw unavailable;
  const caller = callerNamespace(req.rootless, req.uid, req.gid, host);
  const warnings: string[] = [];
  let maps: { uidMap: IdMapEntry[]; gidMap: IdMapEntry[] };
  let defaultUser: UsernsPlan['defaultUser'];
  let fix: (kind: 'uid' | 'gid', id: number) => string;
  const needFull = (what: string) => {
    if (caller.fallback) throw new UserError(`${what} needs more than your own id, but ${caller.fallback.why}`, 125, caller.fallback.fix);
  };
  // ranges add up: a new one of at least ID ids is always enough
  const growRange = (kind: 'uid' | 'gid', id: number) => {
    const r = suggestFreeRange([...readSubIdEntries(host.subids.uid), ...readSubIdEntries(host.subids.gid)], Math.max(DEFAULT_AUTO_SIZE, id));
    return `Give ${caller.name} more ids (as root): usermod --add-sub${kind}s ${formatRange(r)} ${caller.name}, or the line ${caller.name}:${r.start}:${r.count} in /etc/sub${kind}.`;
  };

  if (flag.kind === 'maps') {
    const [uidIn, gidIn] = [flag.uidMap, flag.gidMap];
    if (req.rootless) {
      const compose = (inner: IdMapEntry[], outer: IdMapEntry[], kind: 'uid' | 'gid') => {
        const r = composeMaps(inner, outer);
        if ('unmapped' in r) {
          throw new UserError(
            `--${kind}map refers to ${kind} ${r.unmapped} of your own namespace, which has only ${kind}s ${describeIds(outer)}`,
            125,
            `Rootless, the HOST column counts in your own namespace (see tsbox uidmap): 0 is you, 1.. your range in /etc/sub${kind}.` +
              (caller.fallback ? `\n${caller.fallback.warning}` : ''),
          );
        }
        return r;
      };
      maps = { uidMap: compose(uidIn, caller.uidMap, 'uid'), gidMap: compose(gidIn, caller.gidMap, 'gid') };
    } else {
      maps = { uidMap: uidIn, gidMap: gidIn };
    }
    fix = (kind, id) => `Extend --${kind}map so that it covers container ${kind} ${id}.`;
  } else if (flag.kind === 'auto') {
    if (req.rootless) needFull('--userns=auto');
    const size = flag.size ?? DEFAULT_AUTO_SIZE;
    maps = autoMaps(req, host, caller, size);
    fix = (_kind, id) => `Ask for more ids: --userns=auto:size=${Math.max(id + 1, size)} (or larger).`;
  } else if (flag.kind === 'keep-id') {
    needFull('--userns=keep-id');
    const uid = flag.uid ?? req.uid;
    const gid = flag.gid ?? req.gid;
    const subU = totalCount(caller.uidMap.slice(1).map((m) => ({ start: m.host, count: m.size })));
    const subG = totalCount(caller.gidMap.slice(1).map((m) => ({ start: m.host, count: m.size })));
    const uidMap = composeMaps(keepIdInner(uid, subU), caller.uidMap);
    const gidMap = composeMaps(keepIdInner(gid, subG), caller.gidMap);
    // keepIdInner only refers to ids 0..subCount, which the caller's map has
    if ('unmapped' in uidMap || 'unmapped' in gidMap) throw new Error('keep-id map outside the caller namespace');
    maps = { uidMap, gidMap };
    defaultUser = { uid, gid };
    fix = growRange;
  } else {
    // rootless, default or host: the caller's own namespace
    const fallback = caller.fallback;
    if (fallback) warnings.push(fallback.warning);
    maps = { uidMap: caller.uidMap, gidMap: caller.gidMap };
    fix = fallback ? () => fallback.fix : growRange;
  }

  checkMap(maps.uidMap, 'uid', 'the container');
  checkMap(maps.gidMap, 'gid', 'the container');
  if (req.imageRootfs) {
    // rootless images hold ids of the caller's namespace with all its ranges,
    // whether or not newuidmap can map them right now
    const view = req.rootless ? fullCallerView(req, host) : null;
    const dirs = Array.isArray(req.imageRootfs) ? req.imageRootfs : [req.imageRootfs];
    const owners: ImageOwners = { uids: new Map(), gids: new Map() };
    for (const o of dirs.map(imageOwners)) {
      for (const [id, p] of o.uids) if (!owners.uids.has(id)) owners.uids.set(id, p);
      for (const [id, p] of o.gids) if (!owners.gids.has(id)) owners.gids.set(id, p);
    }
    checkImageOwners(owners, maps, view, req.imageName ?? path.basename(path.dirname(dirs[0])), fix);
  }
  return { mode: { kind: 'private' }, ...maps, warnings, defaultUser };
}

function fullCallerView(req: UsernsRequest, host: UsernsHost): { uidMap: IdMapEntry[]; gidMap: IdMapEntry[] } {
  const name = userName(req.uid, host.passwd);
  return {
    uidMap: ownMap(req.uid, parseSubIds(readSubIdFile(host.subids.uid), name, req.uid)),
    gidMap: ownMap(req.gid, parseSubIds(readSubIdFile(host.subids.gid), name, req.uid)),
  };
}

