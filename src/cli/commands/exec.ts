// tsbox exec: run a command in a running container. The helper joins every
// namespace and the cgroup of the container; with -t it gives the command a
// new pty inside the container and proxies it, without -t pipes: never our
// own terminal or other fds. Its errors come on the status fd, and are
// shown as run shows them.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { spawnHelper } from '../../engine/helper.js';
import { bool, list, str } from '../args.js';
import { containerUserDb, resolveUser } from '../run-flags.js';
import { proxySignals } from '../sig-proxy.js';

export const exec: Command = {
  name: 'exec',
  summary: 'Run a command in a running container',
  usage: 'tsbox exec [-i] [-t] [-u USER] [-e K=V] [-w DIR] CONTAINER CMD [ARG...]',
  flags: [
    { name: 'interactive', short: 'i', type: 'bool', help: 'keep stdin open' },
    { name: 'tty', short: 't', type: 'bool', help: 'allocate a new pseudo-terminal inside the container' },
    { name: 'user', short: 'u', type: 'string', arg: 'USER[:GROUP]', help: 'user to run as' },
    { name: 'env', short: 'e', type: 'list', arg: 'K=V', help: 'set an environment variable' },
    { name: 'workdir', short: 'w', type: 'string', arg: 'DIR', help: 'working directory' },
  ],
  stopAtPositional: true,
  async run(p, g) {
    const [ref, ...cmd] = p.positionals;
    if (!ref || cmd.length === 0) throw new UserError('exec needs a container and a command', 125, 'Usage: tsbox exec [FLAGS] CONTAINER CMD [ARG...]');
    const engine = openEngine(g);
    const rec = engine.get(ref);
    const userSpec = str(p, 'user');
    const workdir = str(p, 'workdir');
    if (workdir !== undefined && !workdir.startsWith('/')) throw new UserError(`--workdir must be an absolute path, not '${workdir}'`);
    const user = userSpec ? resolveUser(userSpec, containerUserDb(engine, rec)) : undefined;
    // -u: the user's HOME (podman); a terminal gets a TERM if the container has none
    const env = [...(user ? [`HOME=${user.home}`] : []), ...(bool(p, 'tty') && !rec.spec.env.some((e) => e.startsWith('TERM=')) ? ['TERM=xterm'] : []), ...list(p, 'env')];
    const { args } = engine.execCommand(rec.id, cmd, {
      tty: bool(p, 'tty'),
      interactive: bool(p, 'interactive'),
      user,
      env,
      workdir,
    });
    // The signals we get go on to CMD (sig-proxy.ts). The helper exits with
    // CMD's code (128 + N after signal N); killed itself, it says so the
    // same way (spawn.ts).
    const signals = proxySignals(true);
    try {
      const helper = spawnHelper([args[0], '--status-fd', '3', ...args.slice(1)], { stdio: 'inherit', relaySignals: true });
      signals.onRelay((n) => helper.relay(n));
      await helper.started;
      return await helper.exited;
    } finally {
      signals.dispose();
    }
  },
};
