// The launch hands its exit handlers to the dashboard's without dropping a
// signal. A SIGTERM that arrives while the process runs synchronous code
// (ui.js compiling, as the dashboard starts) waits in libuv until the next
// poll; node closes a signal's handle when its last listener is removed, and
// a signal pending on a closed handle is lost. This test sends SIGTERM to a
// child in the middle of a synchronous handover and checks that the child
// ends with the dashboard's exit code and restore, and (the control) that
// the other order really loses the signal, which is what the old code did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { attempt } from '../lib/programs.js';

const terminalJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/ui/terminal.js');

/** A child that installs the launch's handlers, signals itself, swaps handlers in ORDER synchronously, then idles. */
function child(order: 'handover' | 'off-then-on'): { code: number | undefined; out: string } {
  const script = `
    import { installExitHandlers, handOverExitHandlers } from ${JSON.stringify(terminalJs)};
    const hooks = (who) => ({ restore: () => process.stdout.write(who + ' restored\\n'), deferSignal: () => false });
    const launch = installExitHandlers(hooks('launch'));
    process.kill(process.pid, 'SIGTERM'); // pending in libuv: no poll until this code returns
    if (${JSON.stringify(order)} === 'handover') handOverExitHandlers(launch, hooks('dashboard'));
    else { launch(); installExitHandlers(hooks('dashboard')); }
    setTimeout(() => { process.stdout.write('signal lost\\n'); process.exit(7); }, 1000);
  `;
  const r = attempt(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
  return { code: r.exitCode, out: r.stdout };
}

test('a SIGTERM pending during the handover ends the dashboard with 143 and its restore', () => {
  const r = child('handover');
  assert.equal(r.code, 143, r.out);
  assert.match(r.out, /^dashboard restored\n/);
  assert.doesNotMatch(r.out, /signal lost/);
});

test('control: removing the last listener first drops the pending signal (why the order matters)', () => {
  const r = child('off-then-on');
  assert.equal(r.code, 7, r.out);
  assert.match(r.out, /signal lost/);
});
