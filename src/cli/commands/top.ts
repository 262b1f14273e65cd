// tsbox top NAME: the processes in a container's pid namespace, each with
// its pid inside and on the host and its uid inside and on the host (through
// the container's uid_map), side by side: what podman top shows one half of.
// Read from /proc (src/probe/processes.ts), no spawn.
import fs from 'node:fs';
import type { Command } from '../command.js';
import { str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { visible } from '../../common/visible.js';
import { formatSize } from '../../common/size.js';
import { openEngine } from '../open-engine.js';
import { lifetimeCpuPercent, scanProcesses, type ProcessRow } from '../../probe/processes.js';
import { formatFlag, json, table } from '../format.js';
import { print } from '../output.js';

const HEADER = ['PID', 'HOST PID', 'PPID', 'HOST PPID', 'UID', 'HOST UID', 'STATE', '%CPU', 'RSS', 'COMMAND'];

function uptimeSeconds(): number {
  return Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
}

export function topTable(rows: ProcessRow[], uptime: number): string {
  return table(
    HEADER,
    rows.map((p) => {
      const cpu = lifetimeCpuPercent(p, uptime);
      return [
        p.pid === null ? '-' : String(p.pid),
        String(p.hostPid),
        String(p.ppid),
        String(p.hostPpid),
        p.uid === null ? 'unmapped' : String(p.uid),
        String(p.hostUid),
        p.state,
        cpu === null ? '-' : cpu.toFixed(1),
        formatSize(p.rss),
        // a process sets its own argv: on a terminal it must not be able to send escapes
        visible(p.command).replace(/\n/g, '^J'),
      ];
    }),
  );
}

export const top: Command = {
  name: 'top',
  summary: 'Show the processes of a container: both pids, both uids',
  usage: 'tsbox top [--format json] NAME',
  flags: [{ name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or a table (the default)' }],
  async run(p, g) {
    if (p.positionals.length === 0) throw new UserError('top needs a container', 125, 'Usage: tsbox top NAME');
    if (p.positionals.length > 1) {
      throw new UserError(
        `top takes one container and no ps descriptors (got '${p.positionals.slice(1).join(' ')}')`,
        125,
        'Usage: tsbox top NAME. It always shows both pids, both uids, state, %CPU, RSS and the command; --format json gives every field.',
      );
    }
    const format = formatFlag(str(p, 'format'));
    const r = openEngine(g).get(p.positionals[0]);
    if (r.state !== 'running' && r.state !== 'paused') {
      throw new UserError(`container ${r.name} is ${r.state}, not running`, 125, `Only a running container has processes: tsbox start ${r.name}`);
    }
    const sample = scanProcesses(r, null);
    if (!sample) throw new UserError(`container ${r.name} has just stopped (its process ${r.pid} is gone)`, 125);
    const uptime = uptimeSeconds();
    if (format === 'json') print(json(sample.rows.map(({ cpuPercent: _, ...row }) => ({ ...row, cpuPercent: lifetimeCpuPercent(row, uptime) }))));
    else print(topTable(sample.rows, uptime));
    return 0;
  },
};
