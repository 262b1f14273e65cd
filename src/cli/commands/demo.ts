// tsbox demo: a few containers that show what the dashboard shows, then the
// dashboard. One with limits, one sharing the first one's network and IPC
// namespaces, one with a :Z volume, one in a user namespace of its own, one
// deliberately weak. `tsbox demo --clean` removes them all.
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
      // :Z labels the volume's files with this container's own level, shown even where the kernel enforces no SELinux
      '--name', 'demo-vol', '--volume', `${DEMO_VOLUME}:/data:Z`,
      'host', 'sh', '-c', 'while :; do date >> /data/visits; echo "$(wc -l < /data/visits) visits recorded"; sleep 3; done',
    ],
  },
  {
    // its own user namespace: the Users tab shows real maps beside /etc/subuid, the
    // Processes tab a worker as container uid 1000 with its host uid, Env a hidden token
    name: 'demo-userns',
    argv: [
      '--name', 'demo-userns', '--userns=auto', '-e', 'DEMO_API_TOKEN=not-a-real-token',
      'host', 'sh', '-c', 'setpriv --reuid 1000 --regid 1000 --clear-groups sh -c "while :; do sleep 5; done" & while :; do echo "worker running as uid 1000"; sleep 10; done',
    ],
  },
  {
    // deliberately weak, for tsbox audit and the Security tab: the host's pid namespace and an added capability
    name: 'demo-weak',
    argv: ['--name', 'demo-weak', '--pid', 'host', '--cap-add', 'SYS_PTRACE', 'host', 'sh', '-c', 'while :; do echo "I can see every host process"; sleep 10; done'],
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
    if (bool(p, 'clean')) return clean(openEngine(g));
    // Labels on, unless asked otherwise: the :Z volume's files get their label
    // (and the engine says they are not enforced) even where the kernel has no SELinux.
    const engine = openEngine({ ...g, selinux: g.selinux ?? 'on' });
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
