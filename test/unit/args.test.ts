// The CLI's flag parser (src/cli/args.ts), podman's conventions: long flags
// with a separate or `=` value, bundled shorts, repeatable lists, `--`, flags
// ending at the image for run/exec/create, and --help/-h among any flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type FlagSpec } from '../../src/cli/args.js';
import { errorText, isUserError } from '../../src/common/errors.js';

const SPECS: FlagSpec[] = [
  { name: 'detach', short: 'd', type: 'bool', help: '' },
  { name: 'interactive', short: 'i', type: 'bool', help: '' },
  { name: 'tty', short: 't', type: 'bool', help: '' },
  { name: 'name', type: 'string', arg: 'NAME', help: '' },
  { name: 'user', short: 'u', type: 'string', help: '' },
  { name: 'env', short: 'e', type: 'list', arg: 'K=V', help: '' },
];
const run = (...argv: string[]) => parseArgs(argv, SPECS, { stopAtPositional: true, command: 'run' });
const rm = (...argv: string[]) => parseArgs(argv, SPECS, { command: 'rm' });

/** The UserError ARGV gets, as the CLI prints it (message, then hint). */
function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (e) {
    assert.ok(isUserError(e), `a UserError, not ${String(e)}`);
    assert.equal(e.code, 125);
    return errorText(e);
  }
  assert.fail('parsed without an error');
}

test('long flags: a value after a space or an =, booleans with or without =true/false', () => {
  assert.deepEqual(run('--name', 'web', '--detach', 'host'), { flags: { name: 'web', detach: true }, positionals: ['host'] });
  assert.deepEqual(run('--name=web', 'host').flags, { name: 'web' });
  assert.deepEqual(run('--name=', 'host').flags, { name: '' }, 'an empty value is a value');
  assert.deepEqual(run('--name=a=b', 'host').flags, { name: 'a=b' }, 'the first = splits');
  assert.deepEqual(run('--detach=false', 'host').flags, { detach: false });
  assert.deepEqual(run('--detach=true', 'host').flags, { detach: true });
  assert.match(refusal(() => run('--detach=yes', 'host')), /^flag --detach takes true or false, not 'yes'/);
  // a value flag takes the next word whatever it looks like, as podman's does
  assert.deepEqual(run('--name', '-d', 'host'), { flags: { name: '-d' }, positionals: ['host'] });
  assert.match(refusal(() => run('--name')), /^flag --name needs a value \(NAME\)$/);
});

test('short flags: bundled booleans, a value flag last in a bundle, its value attached or next', () => {
  assert.deepEqual(run('-dit', 'host').flags, { detach: true, interactive: true, tty: true });
  assert.deepEqual(run('-u', '1000', 'host').flags, { user: '1000' });
  assert.deepEqual(run('-u1000', 'host').flags, { user: '1000' });
  assert.deepEqual(run('-u=1000', 'host').flags, { user: '1000' });
  assert.deepEqual(run('-du', '1000', 'host').flags, { detach: true, user: '1000' });
  // what follows a value flag in a bundle is its value, not more flags
  assert.deepEqual(run('-udt', 'host').flags, { user: 'dt' });
  assert.match(refusal(() => run('-du')), /^flag -u needs a value$/);
  assert.deepEqual(run('-', 'x').positionals, ['-', 'x'], 'a lone - is an argument (stdin, to many tools)');
});

test('lists repeat, in order, in every spelling', () => {
  assert.deepEqual(run('-e', 'A=1', '--env', 'B=2', '--env=C=3', '-eD=4', 'host').flags, { env: ['A=1', 'B=2', 'C=3', 'D=4'] });
  assert.deepEqual(run('host').flags, {}, 'absent, not an empty list');
});

test('an unknown flag is refused by name, with the command whose --help lists the flags', () => {
  assert.equal(refusal(() => run('--bogus', 'host')), 'unknown flag: --bogus\nRun `tsbox run --help` for the flags it takes.');
  assert.equal(refusal(() => rm('--bogus=1')), 'unknown flag: --bogus\nRun `tsbox rm --help` for the flags it takes.');
  assert.equal(refusal(() => run('-dxi', 'host')), 'unknown flag: -x (in -dxi)\nRun `tsbox run --help` for the flags it takes.');
  assert.equal(refusal(() => run('-x', 'host')), 'unknown flag: -x\nRun `tsbox run --help` for the flags it takes.');
  assert.match(refusal(() => parseArgs(['--bogus'], SPECS)), /Run `tsbox --help`/, 'without a command named, the general help');
});

test('-- ends the flags: everything after it is an argument', () => {
  assert.deepEqual(rm('-d', '--', '--name', '-x', '--help'), { flags: { detach: true }, positionals: ['--name', '-x', '--help'] });
  assert.deepEqual(run('--', 'host'), { flags: {}, positionals: ['host'] });
  assert.deepEqual(run('host', 'sh', '--', '-c'), { flags: {}, positionals: ['host', 'sh', '--', '-c'] }, "after the image, -- is CMD's");
});

test('run: the flags end at the image, so CMD keeps its own; other commands take flags anywhere', () => {
  assert.deepEqual(run('-d', 'host', 'ls', '-d', '--name', 'x', '-e'), { flags: { detach: true }, positionals: ['host', 'ls', '-d', '--name', 'x', '-e'] });
  assert.deepEqual(rm('a', '-d', 'b', '--name', 'x'), { flags: { detach: true, name: 'x' }, positionals: ['a', 'b'] });
});

test('--help and -h among the flags, after any of them: help; after the flags end: an argument', () => {
  // `tsbox run --name x --help` once said "unknown flag: --help"
  for (const argv of [['--name', 'x', '--help'], ['--help'], ['-d', '-h'], ['-dh'], ['--name=x', '-e', 'A=1', '--help', 'host', 'true'], ['--help', '--bogus']]) {
    assert.equal(run(...argv).help, true, argv.join(' '));
  }
  assert.equal(rm('a', 'b', '--help').help, true, 'rm takes flags after its arguments, --help too');
  // after the image: CMD's, as podman passes it
  assert.deepEqual(run('--name', 'x', 'host', 'ls', '--help'), { flags: { name: 'x' }, positionals: ['host', 'ls', '--help'] });
  assert.deepEqual(run('host', '-h'), { flags: {}, positionals: ['host', '-h'] });
  assert.deepEqual(rm('--', '--help'), { flags: {}, positionals: ['--help'] });
  // a value flag's value, whatever it looks like
  assert.deepEqual(run('--name', '--help', 'host'), { flags: { name: '--help' }, positionals: ['host'] });
  assert.deepEqual(run('-u', '-h', 'host').flags, { user: '-h' });
  // what comes before --help is still checked: the error, not the help
  assert.match(refusal(() => run('--bogus', '--help')), /^unknown flag: --bogus/);
});
