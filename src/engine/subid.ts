// /etc/subuid and /etc/subgid: the id ranges a user may map into user
// namespaces (through newuidmap/newgidmap). Lines are NAME_OR_UID:START:COUNT.
import fs from 'node:fs';
import os from 'node:os';

export interface SubIdRange {
  start: number;
  count: number;
}

export function parseSubIds(text: string, user: string, uid: number): SubIdRange[] {
  const out: SubIdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if ((who === user || who === String(uid)) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '')) {
      out.push({ start: Number(start), count: Number(count) });
    }
  }
  return out;
}

function userName(uid: number): string {
  if (uid === process.getuid?.()) return os.userInfo().username;
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    return line?.split(':')[0] ?? String(uid);
  } catch {
    return String(uid);
  }
}

export function readSubIds(user: string | number = process.getuid?.() ?? 0, files = { uid: '/etc/subuid', gid: '/etc/subgid' }): { uid: SubIdRange[]; gid: SubIdRange[] } {
  const uid = typeof user === 'number' ? user : Number(/^\d+$/.test(user) ? user : -1);
  const name = typeof user === 'string' && !/^\d+$/.test(user) ? user : userName(uid);
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  return { uid: parseSubIds(read(files.uid), name, uid), gid: parseSubIds(read(files.gid), name, uid) };
}
