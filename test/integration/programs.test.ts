// External programs (src/engine/programs.ts), through execa or, on a
// container's start, spawnSync: a failure is a UserError that names the
// command, how it ended and what it wrote on stderr, the same either way,
// and reaches tsbox's message as that.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../src/common/errors.js';
import { ProgramError, runProgram, runProgramSync, type ProgramOptions } from '../../src/engine/programs.js';
import { cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { run } from '../lib/programs.js';

const work = makeRoot('tsbox-programs-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const failsWith = (re: RegExp, check?: (e: ProgramError) => void) => (e: unknown) => {
  assert.ok(e instanceof ProgramError && e instanceof UserError, `a ProgramError, not ${String(e)}`);
  assert.equal(e.code, 125);
  assert.match(e.message, re);
  check?.(e);
  return true;
};

const RUNNERS: Array<[string, (file: string, args: string[], opts: ProgramOptions) => Promise<void>]> = [
  ['execa', runProgram],
  ['spawnSync', async (file, args, opts) => runProgramSync(file, args, opts)],
];

for (const [name, run] of RUNNERS) {
  test(`${name}: a failure names the command, its exit code and its stderr`, async () => {
    await assert.rejects(
      run('sh', ['-c', 'echo "it broke" >&2; exit 3', 'x y'], { what: 'doing it failed', hint: 'Try again.' }),
      failsWith(/^doing it failed: `sh -c 'echo "it broke" >&2; exit 3' 'x y'` exited with code 3: it broke$/, (e) => {
        assert.equal(e.hint, 'Try again.');
        assert.equal(e.stderr, 'it broke');
        assert.equal(e.notFound, false);
      }),
    );
  });

  test(`${name}: a program that is not there, and one killed by a signal, say so`, async () => {
    await assert.rejects(run('tsbox-no-such-program', ['a'], { what: 'it failed' }), failsWith(/^it failed: cannot run `tsbox-no-such-program a`: not found$/, (e) => assert.equal(e.notFound, true)));
    await assert.rejects(run('sh', ['-c', 'kill -TERM $$'], { what: 'it failed' }), failsWith(/^it failed: `sh -c 'kill -TERM \$\$'` was killed by SIGTERM$/));
  });

  test(`${name}: stdin is the open file given, read from where it is`, async () => {
    const file = path.join(work, `in-${name}`);
    fs.writeFileSync(file, 'skip\nthe rest\n');
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, Buffer.alloc(5)); // the program goes on from here, on the same open file
      const out = path.join(work, `out-${name}`);
      await run('sh', ['-c', `cat > ${out}`], { stdin: fd, what: 'cat failed' });
      assert.equal(fs.readFileSync(out, 'utf8'), 'the rest\n');
    } finally {
      fs.closeSync(fd);
    }
  });
}

test('tsbox image import: an extraction the kernel refuses after the archive was checked is an error naming the archive, the entry and the reason, and leaves nothing', () => {
  const root = makeRoot();
  after(() => cleanupRoot(root));
  // a name component longer than any filesystem takes: the checker has no
  // reason to refuse it, the kernel refuses to create it
  const src = path.join(work, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'f'), 'x');
  const long = 'x'.repeat(300);
  const archive = path.join(work, 'long.tar');
  run('tar', ['--format=pax', '-cf', archive, '-C', src, 'f', '--transform', `s,^f$,${long},`]);
  const r = tsbox(root, ['image', 'import', archive, '--name', 'longname']);
  assert.equal(r.code, 125, r.stderr);
  // the confined extraction (tsbox-helper extract) reports the entry and the kernel's reason
  assert.match(r.stderr, new RegExp(`^Error: ${archive}: extraction failed: \\w+ \`${long}\`: File name too long\n`));
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  assert.deepEqual(fs.readdirSync(path.join(root, 'data', 'images')), [], 'no image, no staging directory');
  assert.match(tsbox(root, ['images']).stdout, /^NAME .*\nhost .*\n$/, 'the built-in image alone');
});
