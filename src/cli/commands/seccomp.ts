// tsbox seccomp default: the built-in profile in Docker's JSON format, to
// edit and give back with --security-opt seccomp=FILE. It is the profile
// for every architecture and capability set (the rules say which apply);
// what a container gets is `tsbox inspect`'s OCIConfig.linux.seccomp.
import type { Command } from '../command.js';
import { UserError } from '../../common/errors.js';
import { DEFAULT_PROFILE } from '../../engine/seccomp-profile.js';
import { print } from '../output.js';

export const seccomp: Command = {
  name: 'seccomp',
  summary: 'Print the default seccomp profile (tsbox seccomp default > FILE)',
  usage: 'tsbox seccomp default',
  flags: [],
  async run(p) {
    const [sub, ...rest] = p.positionals;
    if (sub !== 'default' || rest.length) {
      throw new UserError(sub === undefined ? 'seccomp needs a command' : `unknown seccomp command '${[sub, ...rest].join(' ')}'`, 125, 'Use `tsbox seccomp default > FILE`, edit FILE, and run with --security-opt seccomp=FILE.');
    }
    print(`${JSON.stringify(DEFAULT_PROFILE, null, 2)}\n`);
    return 0;
  },
};
