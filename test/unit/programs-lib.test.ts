// test/lib/programs.ts, which runs the tests' external programs: a failure
// says which command, how it ended and what it wrote on stderr, and a
// program's output and environment are what child_process would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ProgramFailed, attempt, canRun, ended, run, start } from '../lib/programs.js';

test('run: stdout as written (final newline kept); a failure names the command, exit code and stderr', () => {
  assert.equal(run('sh', ['-c', 'printf "a\\nb\\n"']), 'a\nb\n');
  assert.throws(
    () => run('sh', ['-c', 'echo out; echo "tar: Unexpected EOF" >&2; exit 2']),
    (e: unknown) => e instanceof ProgramFailed && e.message === "`sh -c 'echo out; echo \"tar: Unexpected EOF\" >&2; exit 2'` exited with code 2: tar: Unexpected EOF" && e.ran.stdout === 'out\n',
  );
  assert.throws(() => run('/nonexistent/tsbox-no-such-program'), /^ProgramFailed: cannot run `\/nonexistent\/tsbox-no-such-program`: ENOENT$/);
  assert.throws(() => run('sh', ['-c', 'kill -KILL $$']), /`sh -c 'kill -KILL \$\$'` was killed by SIGKILL$/);
  assert.throws(() => run('sleep', ['10'], { timeout: 100 }), /`sleep 10` timed out and was killed by SIGTERM$/);
  // no stderr: the end of stdout says what happened
  assert.throws(() => run('sh', ['-c', 'echo compiled badly; exit 1']), /exited with code 1 \(no stderr; stdout: compiled badly\)$/);
});

test('attempt: how it ended, never a throw; env replaces the environment; input, fds and uid as child_process takes them', () => {
  const r = attempt('sh', ['-c', 'echo "$A-${HOME:-none}"; cat; echo err >&2; exit 7'], { env: { A: 'x', PATH: process.env.PATH }, input: 'in\n' });
  assert.deepEqual([r.exitCode, r.signal, r.timedOut, r.notStarted, r.stdout, r.stderr], [7, undefined, false, undefined, 'x-none\nin\n', 'err\n']);
  assert.equal(attempt('/nonexistent/x').notStarted, 'ENOENT');
  const fd = fs.openSync('/proc/self/status', 'r');
  try {
    const viaFd = attempt('sh', ['-c', 'grep -m1 ^Name: <&3; echo to-four >&4'], { stdio: ['ignore', 'pipe', 'pipe', fd, 'pipe'] });
    assert.equal(viaFd.stdout, 'Name:\tnode\n', 'fd 3 is our open file: /proc/self was resolved by us');
    assert.equal(viaFd.output[4], 'to-four\n');
  } finally {
    fs.closeSync(fd);
  }
  if (process.getuid?.() === 0) assert.equal(run('id', ['-u'], { uid: 65534, gid: 65534 }), '65534\n');
  assert.equal(canRun('sh', ['-c', 'true']), true);
  assert.equal(canRun('/nonexistent/x'), false);
});

test('start: a ChildProcess whose end, killed or not, resolves and never rejects', async () => {
  const c = start('sleep', ['30'], { stdio: 'ignore' });
  assert.ok(c.pid! > 0 && fs.existsSync(`/proc/${c.pid}`));
  c.kill('SIGKILL');
  const end = await ended(c);
  assert.deepEqual([end.exitCode, end.signal, end.command], [undefined, 'SIGKILL', 'sleep 30']);
  assert.equal((await ended(start('/nonexistent/x'))).notStarted, 'ENOENT');
});
