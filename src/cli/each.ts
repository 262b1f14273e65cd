// Commands that act on several containers (start, stop, rm, pause...) report
// per container, like podman: each success prints its name, each failure an
// error, and the first failure sets the exit code.
import { UserError, errorText, isUserError } from '../engine/errors.js';
import { print } from './output.js';

export async function forEachContainer(
  refs: string[],
  what: string,
  fn: (ref: string) => Promise<string | void>,
  opts: { allFlag?: boolean } = {},
): Promise<number> {
  if (refs.length === 0 && !opts.allFlag) throw new UserError(`${what} needs at least one container name or id${opts.allFlag === false ? ' (or --all)' : ''}`);
  let code = 0;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      print(`${out ?? ref}\n`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      process.stderr.write(`Error: ${errorText(e)}\n`);
      code = code || e.code;
    }
  }
  return code;
}
