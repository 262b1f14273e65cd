// SELinux policy for containers, as podman applies it: each container runs as
// container_t with a private pair of MCS categories (s0:cX,cY), and the files
// it may write carry container_file_t with the same pair. Two containers with
// different pairs cannot touch each other's files even though both are
// container_t. This module decides whether labeling is on, picks pairs and
// parses --security-opt label=...; writing labels is labels.ts's job.
import fs from 'node:fs';
import { UserError } from '../common/errors.js';

export type SelinuxSetting = 'auto' | 'on' | 'off';

const SETTINGS: readonly SelinuxSetting[] = ['auto', 'on', 'off'];

/** Where the kernel says whether SELinux enforces. Tests pass a fixture: this machine has no SELinux. */
export const ENFORCE_FILE = '/sys/fs/selinux/enforce';

/** The label `:z` gives: container_file_t without categories, so every container can use it. */
export const SHARED_FILE_LABEL = 'system_u:object_r:container_file_t:s0';

const CATEGORIES = 1024;

/** --selinux flag first, then TSBOX_SELINUX, else auto. */
export function selinuxSetting(flag?: string): SelinuxSetting {
  const [value, from] = flag !== undefined ? [flag, '--selinux'] : [process.env.TSBOX_SELINUX, 'TSBOX_SELINUX'];
  if (value === undefined || value === '') return 'auto';
  if ((SETTINGS as readonly string[]).includes(value)) return value as SelinuxSetting;
  throw new UserError(`invalid value for ${from}: '${value}'`, 125, 'Use auto (label only when the kernel enforces SELinux), on or off.');
}

export interface SelinuxState {
  /** write labels on :z/:Z volumes and assign labels to containers */
  labeling: boolean;
  /** the kernel enforces: pass the process label and context= mounts to the helper */
  enforcing: boolean;
  /** what the user should know about this state, or null */
  note: string | null;
}

/** 'enforcing', 'permissive' or 'absent', from the kernel's enforce file. */
function kernelMode(enforceFile: string): 'enforcing' | 'permissive' | 'absent' {
  let text: string;
  try {
    text = fs.readFileSync(enforceFile, 'utf8');
  } catch {
    return 'absent';
  }
  return text.trim() === '1' ? 'enforcing' : 'permissive';
}

export function selinuxState(setting: SelinuxSetting, enforceFile = ENFORCE_FILE): SelinuxState {
  if (setting === 'off') return { labeling: false, enforcing: false, note: null };
  const mode = kernelMode(enforceFile);
  if (mode === 'enforcing') return { labeling: true, enforcing: true, note: null };
  if (setting === 'auto') return { labeling: false, enforcing: false, note: null };
  const why = mode === 'absent' ? 'this kernel has no SELinux' : 'SELinux is in permissive mode';
  return { labeling: true, enforcing: false, note: `labels are written but not enforced: ${why}` };
}

/** Categories of an MCS level such as s0, s0:c1,c2, s0:c0.c1023 or s0-s0:c0.c1023 (the low part is used for files). */
export function levelCategories(level: string): Set<number> | null {
  const m = /^s0(?:-s0)?(?::(.+))?$/.exec(level);
  if (!m) return null;
  const cats = new Set<number>();
  if (m[1] === undefined) return cats;
  for (const part of m[1].split(',')) {
    const r = /^c(\d{1,4})(?:\.c(\d{1,4}))?$/.exec(part);
    if (!r) return null;
    const lo = Number(r[1]);
    const hi = r[2] === undefined ? lo : Number(r[2]);
    if (lo >= CATEGORIES || hi >= CATEGORIES || hi < lo) return null;
    for (let c = lo; c <= hi; c++) cats.add(c);
  }
  return cats;
}

/** The level (4th field on) of a context user:role:type:level, or null. */
export function levelOf(context: string): string | null {
  const parts = context.replace(/\0+$/, '').split(':');
  return parts.length >= 4 ? parts.slice(3).join(':') : null;
}

/** The type (3rd field) of a context, or null. */
export function typeOf(context: string): string | null {
  const parts = context.replace(/\0+$/, '').split(':');
  return parts.length >= 4 ? parts[2] : null;
}

function pairKey(level: string): string | null {
  const cats = levelCategories(level);
  return cats && cats.size > 0 ? [...cats].sort((a, b) => a - b).join(',') : null;
}

/**
 * A fresh level s0:cX,cY (X<Y) that no level in `inUse` has. Random like
 * podman's, so two hosts do not hand out the same sequence; falls back to a
 * scan from a random start so it terminates even when the space is crowded.
 */
export function allocateLevel(inUse: string[], random: () => number = Math.random): string {
  const taken = new Set(inUse.map(pairKey).filter((k): k is string => k !== null));
  const pick = () => Math.min(CATEGORIES - 1, Math.floor(random() * CATEGORIES));
  for (let tries = 0; tries < 64; tries++) {
    const a = pick();
    const b = pick();
    if (a === b) continue;
    const [x, y] = a < b ? [a, b] : [b, a];
    if (!taken.has(`${x},${y}`)) return `s0:c${x},c${y}`;
  }
  const total = (CATEGORIES * (CATEGORIES - 1)) / 2;
  const start = Math.floor(random() * total);
  for (let i = 0; i < total; i++) {
    const [x, y] = pairAt((start + i) % total);
    if (!taken.has(`${x},${y}`)) return `s0:c${x},c${y}`;
  }
  throw new UserError('no free SELinux category pair: every pair is used by a live container', 125, 'Stop some containers, or give one a level with --security-opt label=level:s0:cX,cY.');
}

/** The n-th pair (x<y) in the order (0,1),(0,2)..(0,1023),(1,2).. */
function pairAt(n: number): [number, number] {
  let x = 0;
  let row = CATEGORIES - 1;
  while (n >= row) {
    n -= row;
    x++;
    row--;
  }
  return [x, x + 1 + n];
}

/** A level a user may give: s0, s0:cN or s0:cX,cY with X<Y in 0..1023. */
function validateLevel(level: string): string {
  const m = /^s0(?::c(\d{1,4})(?:,c(\d{1,4}))?)?$/.exec(level);
  const hint = 'Give a level like s0:c1,c2 (categories 0..1023, the first smaller than the second).';
  if (!m) throw new UserError(`invalid SELinux level '${level}'`, 125, hint);
  const [x, y] = [m[1], m[2]].map((v) => (v === undefined ? undefined : Number(v)));
  if ((x !== undefined && x >= CATEGORIES) || (y !== undefined && y >= CATEGORIES))
    throw new UserError(`invalid SELinux level '${level}': categories go from c0 to c${CATEGORIES - 1}`, 125, hint);
  if (x !== undefined && y !== undefined && x >= y) throw new UserError(`invalid SELinux level '${level}': c${x} must come before c${y}`, 125, hint);
  return level;
}

export interface LabelOpts {
  disabled: boolean;
  level?: string;
  /** overrides of the process label's user, role and type, and of the mount label's type */
  user?: string;
  role?: string;
  type?: string;
  filetype?: string;
}

const LABEL_PARTS = ['user', 'role', 'type', 'filetype'] as const;
const LABEL_HINT = 'tsbox understands label=disable, label=level:s0:cX,cY, label=user:U, label=role:R, label=type:T and label=filetype:T.';

/**
 * The label options of --security-opt: either whole entries (label=disable,
 * label=level:s0:c1,c2; entries for other modules such as seccomp=... are
 * passed over) or the values after label= (disable, level:s0:c1,c2).
 */
export function parseLabelOpts(opts: string[]): LabelOpts {
  const out: LabelOpts = { disabled: false };
  for (const opt of opts) {
    const m = /^label[=:](.*)$/s.exec(opt);
    if (!m && opt.includes('=')) continue;
    const value = m ? m[1] : opt;
    if (value === 'disable') {
      out.disabled = true;
      continue;
    }
    const kv = /^([a-z]+):(.*)$/s.exec(value);
    if (!kv) throw new UserError(`unsupported --security-opt label=${value}`, 125, LABEL_HINT);
    const [, key, v] = kv;
    let given: string;
    if (key === 'level') given = validateLevel(v);
    else if ((LABEL_PARTS as readonly string[]).includes(key)) {
      // SELinux identifiers: letters, digits and _ (they end up inside a context string)
      if (!/^[A-Za-z0-9_]+$/.test(v)) throw new UserError(`invalid SELinux ${key} '${v}'`, 125, 'Use letters, digits and _ only, e.g. label=type:spc_t.');
      given = v;
    } else throw new UserError(`unsupported --security-opt label=${value}`, 125, LABEL_HINT);
    const k = key as 'level' | (typeof LABEL_PARTS)[number];
    if (out[k] !== undefined && out[k] !== given) throw new UserError(`--security-opt gives two SELinux ${key}s: ${out[k]} and ${given}`, 125, `Give label=${key}: once.`);
    out[k] = given;
  }
  const { disabled, ...rest } = out;
  if (disabled && Object.keys(rest).length > 0) throw new UserError('--security-opt label=disable contradicts the other label= options', 125, 'Keep label=disable, or the others.');
  return out;
}

/** A container's labels at `level`; user/role/type/filetype from label= options replace the defaults. */
export function containerLabels(level: string, opts: Omit<LabelOpts, 'disabled' | 'level'> = {}): { process: string; mount: string } {
  const user = opts.user ?? 'system_u';
  return {
    process: `${user}:${opts.role ?? 'system_r'}:${opts.type ?? 'container_t'}:${level}`,
    mount: `${user}:object_r:${opts.filetype ?? 'container_file_t'}:${level}`,
  };
}
