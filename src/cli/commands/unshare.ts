// tsbox unshare: run a command as root of your own user namespace, with the
// same mapping rootless containers get (your uid is 0, your /etc/subuid
// range follows from 1), as `podman unshare` does. Handy to look at or fix
// the ownership of container files: `tsbox unshare chown 1:1 FILE` gives FILE
// to the first uid of your range.
import { spawn } from 'node:child_process';
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { helperPath } from '../../engine/helper.js';
import { callerNamespace, usernsHost } from '../../engine/rootless.js';
import { exitCodeOf, relaySignals, runInUserNamespace, usernsUnavailable } from '../../engine/userns.js';

/** Root already is root of the host's namespace: CMD just runs. */
function runHere(cmd: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
    const done = relaySignals(child);
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(new UserError(`cannot run ${cmd[0]}: ${e.message}`, e.code === 'ENOENT' ? 127 : 126));
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(exitCodeOf(code, signal));
    });
  });
}

export const unshare: Command = {
  name: 'unshare',
  summary: 'Run a command in your own user namespace, as its root (rootless)',
  usage: 'tsbox unshare [CMD [ARG...]]   (default CMD: $SHELL)',
  flags: [],
  stopAtPositional: true,
  async run(p) {
    const cmd = p.positionals.length ? p.positionals : [process.env.SHELL || '/bin/sh'];
    // uid 0, in the host's namespace or already inside one (a nested
    // `tsbox unshare`): there is nothing to enter.
    if (process.getuid!() === 0) return runHere(cmd);
    const host = usernsHost();
    const unavailable = usernsUnavailable(true, host.sysctls);
    if (unavailable) throw unavailable;
    const ns = callerNamespace(true, process.getuid!(), process.getgid!(), host);
    if (ns.fallback) process.stderr.write(`warning: ${ns.fallback.warning}\n`);
    return runInUserNamespace(helperPath(), cmd, ns.uidMap, ns.gidMap, host.tools);
  },
};
