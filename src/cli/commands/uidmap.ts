// tsbox uidmap [NAME]: a container's uid and gid maps (from the kernel while
// it runs, else from its spec), where each range comes from in /etc/subuid
// and /etc/subgid, and translation of one id either way. Without NAME: your
// own namespace, the one `tsbox unshare` and rootless containers use.
import type { Command } from '../command.js';
import { intFlag, str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { openEngine } from '../open-engine.js';
import { isRootless } from '../../engine/paths.js';
import { idMapReport, type IdMapReport } from '../../engine/idmap-report.js';
import { toContainer, toHost } from '../../probe/idmap.js';
import { formatFlag, json, table } from '../format.js';
import { print } from '../output.js';

interface Translation {
  direction: 'to-host' | 'to-container';
  id: number;
  uid: number | null;
  gid: number | null;
}

function heading(r: IdMapReport): string {
  if (!r.container) {
    return r.userns === 'host'
      ? "your user namespace: the host's (you are root; rootless containers are for other users)"
      : 'your own user namespace (tsbox unshare, and rootless containers by default)';
  }
  const c = r.container;
  if (r.source === 'proc') return `container ${c.name} (${c.state}, pid ${c.pid}): read from /proc/${c.pid}/uid_map and gid_map`;
  if (r.userns === 'host') return `container ${c.name} (${c.state}): in the host's user namespace`;
  if (r.userns === 'container') return `container ${c.name} (${c.state}): shares another container's user namespace; start it to see the maps`;
  return `container ${c.name} (${c.state}): the maps it runs with (from its spec)`;
}

function translate(r: IdMapReport, t: Omit<Translation, 'uid' | 'gid'>): Translation {
  const f = t.direction === 'to-host' ? toHost : toContainer;
  return { ...t, uid: f(r.uidMap, t.id), gid: f(r.gidMap, t.id) };
}

function translationText(t: Translation): string {
  return (['uid', 'gid'] as const)
    .map((k) => {
      const v = t[k];
      if (t.direction === 'to-host') return `${k} ${t.id} -> ${v === null ? 'not mapped (no host id)' : `host ${k} ${v}`}\n`;
      return `host ${k} ${t.id} -> ${v === null ? 'not mapped (shows as 65534, nobody, inside)' : `${k} ${v}`}\n`;
    })
    .join('');
}

export const uidmap: Command = {
  name: 'uidmap',
  summary: "Show a container's uid/gid maps, where they come from, and translate ids",
  usage: 'tsbox uidmap [--to-host ID | --to-container ID] [--format json] [NAME]',
  flags: [
    { name: 'to-host', type: 'string', arg: 'ID', help: 'print the host uid and gid of container id ID' },
    { name: 'to-container', type: 'string', arg: 'ID', help: 'print the container uid and gid of host id ID' },
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or a table (the default)' },
  ],
  async run(p, g) {
    if (p.positionals.length > 1) throw new UserError('uidmap takes at most one container', 125, 'Usage: tsbox uidmap [NAME]');
    const format = formatFlag(str(p, 'format'));
    const toH = intFlag(p, 'to-host');
    const toC = intFlag(p, 'to-container');
    if (toH !== undefined && toC !== undefined) throw new UserError('give --to-host or --to-container, not both');
    const name = p.positionals[0];
    const rec = name === undefined ? undefined : openEngine(g).get(name);
    const report = idMapReport(rec, { rootless: isRootless() });
    const t =
      toH !== undefined ? translate(report, { direction: 'to-host', id: toH }) : toC !== undefined ? translate(report, { direction: 'to-container', id: toC }) : undefined;
    if (format === 'json') print(json(t ? { ...report, translation: t } : report));
    else if (t) print(translationText(t));
    else {
      const rows = [...report.uidMap.map((m) => ['uid', m] as const), ...report.gidMap.map((m) => ['gid', m] as const)].map(([k, m]) => [
        k,
        String(m.container),
        String(m.host),
        String(m.size),
        m.from,
      ]);
      print(`${heading(report)}\n`);
      print(rows.length ? table(['KIND', 'CONTAINER', 'HOST', 'SIZE', 'FROM'], rows) : 'no id maps\n');
      if (report.warning) process.stderr.write(`warning: ${report.warning}\n`);
    }
    // like a lookup: an id that has no counterpart is a failed query
    return t && (t.uid === null || t.gid === null) ? 1 : 0;
  },
};
