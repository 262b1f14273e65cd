// /etc/subuid and /etc/subgid: the id ranges a user may map into user
// namespaces through the setuid newuidmap/newgidmap. Lines are
// OWNER:START:COUNT, OWNER a user name or a numeric uid, several lines per
// owner allowed; shadow ignores malformed lines, and so do we.
import fs from 'node:fs';

export interface SubIdRange {
  start: number;
  count: number;
}

export interface SubIdEntry extends SubIdRange {
  owner: string;
  /** 1-based line number, for messages */
  line: number;
}

export interface SubIdFiles {
  uid: string;
  gid: string;
}

export const SUBID_FILES: SubIdFiles = { uid: '/etc/subuid', gid: '/etc/subgid' };

/** ids are u32 and (u32)-1 is never valid, so a range may end at 2^32-1 at most */
const ID_LIMIT = 0xffffffff;

export function parseSubIdEntries(text: string): SubIdEntry[] {
  const out: SubIdEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(':');
    if (parts.length !== 3 || !parts[0] || !/^\d+$/.test(parts[1]) || !/^\d+$/.test(parts[2])) return;
    const start = Number(parts[1]);
    const count = Number(parts[2]);
    if (count === 0 || start + count > ID_LIMIT) return;
    out.push({ owner: parts[0], start, count, line: i + 1 });
  });
  return out;
}

/** The ranges of one user, who may be named by name or by uid. */
export function parseSubIds(text: string, user: string, uid: number): SubIdRange[] {
  return parseSubIdEntries(text)
    .filter((e) => e.owner === user || e.owner === String(uid))
    .map(({ start, count }) => ({ start, count }));
}

/** Text of FILE, or '' when it does not exist (no ranges at all). */
export function readSubIdFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** Every entry of FILE, whoever owns it. */
export function readSubIdEntries(file: string): SubIdEntry[] {
  return parseSubIdEntries(readSubIdFile(file));
}

/** A user as subuid lines may name them: by name or by uid. */
export interface UserIdentity {
  name: string;
  uid: number;
}

function passwdLines(passwd: string): string[][] {
  try {
    return fs
      .readFileSync(passwd, 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Name of uid in /etc/passwd (the name subuid lines usually use), or the uid as text. */
export function userName(uid: number, passwd = '/etc/passwd'): string {
  return passwdLines(passwd).find((f) => f[2] === String(uid))?.[0] || String(uid);
}

/** NAME, a numeric uid (as number or text) or an identity, resolved through /etc/passwd. */
export function identify(user: string | number | UserIdentity, passwd = '/etc/passwd'): UserIdentity {
  if (typeof user === 'object') return user;
  if (typeof user === 'number' || /^\d+$/.test(user)) return { uid: Number(user), name: userName(Number(user), passwd) };
  const f = passwdLines(passwd).find((l) => l[0] === user);
  return { name: user, uid: f && /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : -1 };
}

/** The ranges of a user (the caller by default) in both files. */
export function readSubIds(
  user: string | number | UserIdentity = process.getuid?.() ?? 0,
  files: SubIdFiles = SUBID_FILES,
): { uid: SubIdRange[]; gid: SubIdRange[] } {
  const who = identify(user);
  return {
    uid: parseSubIds(readSubIdFile(files.uid), who.name, who.uid),
    gid: parseSubIds(readSubIdFile(files.gid), who.name, who.uid),
  };
}

export function totalCount(ranges: SubIdRange[]): number {
  return ranges.reduce((n, r) => n + r.count, 0);
}

export function formatRange(r: SubIdRange): string {
  return `${r.start}-${r.start + r.count - 1}`;
}

/**
 * The first gap of `count` ids from 100000 up that no entry of either file
 * uses: where useradd would put the next range (SUB_UID_MIN). Used to
 * suggest a concrete fix.
 */
export function suggestFreeRange(entries: SubIdRange[], count = 65536): SubIdRange {
  let start = 100000;
  for (const e of [...entries].sort((a, b) => a.start - b.start)) {
    if (start + count <= e.start) break;
    start = Math.max(start, e.start + e.count);
  }
  return { start, count };
}

/** The shell commands (and the line) that give USER a range. */
export function addRangeHint(name: string, entries: SubIdRange[]): string {
  const r = suggestFreeRange(entries);
  const span = formatRange(r);
  return (
    `Give ${name} a range of ${r.count} ids (as root): usermod --add-subuids ${span} --add-subgids ${span} ${name}\n` +
    `or add the line ${name}:${r.start}:${r.count} to both /etc/subuid and /etc/subgid.`
  );
}
