// tsbox pull REF
import type { Command } from '../command.js';
import { bool } from '../args.js';
import { UserError } from '../../common/errors.js';
import { openEngine } from '../open-engine.js';
import { print } from '../output.js';
import { PULL_FLAGS, pullRequest } from '../pull-flags.js';

export const pull: Command = {
  name: 'pull',
  summary: 'Pull an image from a registry',
  usage: 'tsbox pull [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [--creds USER:PASS] [-q] REF',
  flags: [...PULL_FLAGS, { name: 'quiet', short: 'q', type: 'bool', help: 'print only the image id' }],
  async run(p, g) {
    if (p.positionals.length !== 1) throw new UserError('usage: tsbox pull REF', 125, 'REF is NAME[:TAG], REGISTRY/NAME[:TAG] or REGISTRY/NAME@sha256:DIGEST.');
    const rec = await openEngine(g).pull(p.positionals[0], pullRequest(p, bool(p, 'quiet')));
    print(`${rec.id}\n`);
    return 0;
  },
};
