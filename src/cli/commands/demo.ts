// tsbox demo: a few containers that show what the dashboard shows, then the
// dashboard. One with limits, one sharing the first one's network and IPC
// namespaces, one with a volume, one in a user namespace of its own. `tsbox demo --clean` removes them all.
import type { Command } from '../command.js';
import { bool, str } from '../args.js';
import type { Engine } from '../../engine/engine.js';
import { openEngine } from '../open-engine.js';
import { UserError, errorText } from '../../common/errors.js';
import { VolumeStore } from '../../engine/volumes.js';
import { isRootless } from '../../engine/paths.js';
import { runFlagsToCreateOptions } from '../run-flags.js';
import { DASHBOARD_FLAGS, openDashboard, parseInterval } from './dashboard.js';
import { print } from '../output.js';

export const DEMO_VOLUME = 'demo-data';

/** The demo containers as `tsbox run` arguments, in creation order (demo-db joins demo-web). */
export const DEMO_CONTAINERS: Array<{ name: string; argv: string[] }> = [
  {
    name: 'demo-web',
    argv: [
      '--name', 'demo-web', '--memory', '64m', '--pids-limit', '50',
      'host', 'sh', '-c',
      // a little CPU work and a log line every 2 s, a warning on stderr every 5th
      'i=0; while :; do i=$((i+1)); echo "served request $i"; ' +
        'if [ $((i % 5)) -eq 0 ]; then echo "request $i was slow" >&2; fi; ' +
        'n=0; while [ $n -lt 20000 ]; do n=$((n+1)); done; sleep 2; done',
    ],
  },
  {
    name: 'demo-db',
    argv: [
      '--name', 'demo-db', '--network', 'container:demo-web', '--ipc', 'container:demo-web',
      'host', 'sh', '-c', 'while :; do echo "checkpoint at $(date +%T)"; sleep 5; done',
    ],
  },
  {
    name: 'demo-vol',
    argv: [
      '--name', 'demo-vol', '--volume', `${DEMO_VOLUME}:/data`,
      'host', 'sh', '-c', 'while :; do date >> /data/visits; echo "$(wc -l < /data/visits) visits recorded"; sleep 3; done',
    ],
  },
  {
    // container root is not host root: the Users tab shows a real map; tsbox audit grades it B (only the host image's binaries)
    name: 'demo-mapped',
    argv: [
      '--name', 'demo-mapped', '--userns=auto', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--read-only', '--memory', '32m', '--cpus', '0.5', '--pids-limit', '20',
      'host', 'sh', '-c', 'while :; do echo "uid $(id -u), nothing of the host\'s"; sleep 4; done',
    ],
  },
];

export const CLEAN_COMMAND = 'tsbox demo --clean';

function exists(engine: Engine, name: string): boolean {
  return engine.list({ all: true }).some((r) => r.name === name);
}

async function up(engine: Engine): Promise<void> {
  for (const d of DEMO_CONTAINERS) {
    if (!exists(engine, d.name)) {
      // rootless, every container is in the user's own user namespace already
      const req = runFlagsToCreateOptions(isRootless() ? d.argv.filter((a) => a !== '--userns=auto') : d.argv, engine);
      await engine.create({ name: req.name, spec: req.spec });
    }
    const rec = engine.get(d.name);
    if (rec.state === 'created' || rec.state === 'exited') await engine.start(rec.id);
    else if (rec.state === 'paused') await engine.unpause(rec.id);
  }
}

async function clean(engine: Engine): Promise<number> {
  let failed = 0;
  // demo-db joined demo-web's namespaces: remove it first
  for (const d of [...DEMO_CONTAINERS].reverse()) {
    if (!exists(engine, d.name)) continue;
    try {
      await engine.remove(d.name, { force: true });
      print(`removed ${d.name}\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`Error: removing ${d.name}: ${errorText(e)}\n`);
    }
  }
  const volumes = new VolumeStore(engine.paths);
  if (volumes.exists(DEMO_VOLUME)) {
    const users = engine.list({ all: true }).filter((r) => r.spec.volumes.some((v) => v.name === DEMO_VOLUME));
    try {
      await volumes.remove(DEMO_VOLUME, { force: false, inUseBy: users.map((r) => r.name) });
      print(`removed volume ${DEMO_VOLUME}\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`Error: removing volume ${DEMO_VOLUME}: ${errorText(e)}\n`);
    }
  }
  return failed ? 125 : 0;
}

export const demo: Command = {
  name: 'demo',
  summary: 'Start demo containers and open the dashboard',
  usage: 'tsbox demo [--clean] [--no-dashboard] [--interval DURATION]',
  flags: [
    { name: 'clean', type: 'bool', help: 'remove the demo containers and their volume' },
    { name: 'no-dashboard', type: 'bool', help: 'start the containers and return' },
    ...DASHBOARD_FLAGS,
  ],
  async run(p, g) {
    if (p.positionals.length) throw new UserError('demo takes no arguments', 125, `Run \`tsbox demo\`, or \`${CLEAN_COMMAND}\` to remove it.`);
    const engine = openEngine(g);
    if (bool(p, 'clean')) return clean(engine);
    const intervalMs = parseInterval(str(p, 'interval'));
    await up(engine);
    const names = DEMO_CONTAINERS.map((d) => d.name).join(', ');
    if (bool(p, 'no-dashboard') || !process.stdout.isTTY) {
      print(`started ${names}\nremove them with: ${CLEAN_COMMAND}\n`);
      return 0;
    }
    const code = await openDashboard(g, { intervalMs, notice: `demo: ${names} are running. Remove them with: ${CLEAN_COMMAND}` });
    // Said again on the normal screen, where it stays after the dashboard is gone.
    print(`The demo containers keep running. Remove them with: ${CLEAN_COMMAND}\n`);
    return code;
  },
};
