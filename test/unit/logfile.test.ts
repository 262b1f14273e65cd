// Log files (src/engine/logfile.ts): reading ctr.log.1 and ctr.log as one,
// following across a rotation, --log-opt; and how control characters are
// shown on a terminal (src/common/visible.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLogOpts } from '../../src/cli/log-flags.js';
import { DEFAULT_LOG_MAX, readLog } from '../../src/engine/logfile.js';
import { visible } from '../../src/common/visible.js';
import { UserError } from '../../src/common/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-logfile-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const log = path.join(dir, 'ctr.log');
const rec = (n: number) => `2026-01-01T00:00:00.000000000Z stdout F line ${n}\n`;
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => rec(from + i)).join('');
/** what the monitor does at the cap */
const rotate = () => fs.renameSync(log, `${log}.1`);

test('a first read takes the rotated file, then the current one; a tail only their last bytes, whole lines', () => {
  fs.writeFileSync(log, lines(0, 10));
  rotate();
  fs.writeFileSync(log, lines(10, 13));
  const all = readLog(log, null);
  assert.equal(all.data.toString(), lines(0, 13));
  assert.equal(all.reset, true);
  const st = fs.statSync(log, { bigint: true });
  assert.deepEqual(all.pos, { file: `${st.ino}@${st.birthtimeNs}`, offset: Number(st.size) });
  // 5 records' worth plus a bit: the cut one is dropped
  const tail = readLog(log, null, lines(8, 13).length + 3);
  assert.equal(tail.data.toString(), lines(8, 13));
  const inCurrent = readLog(log, null, lines(11, 13).length + 3);
  assert.equal(inCurrent.data.toString(), lines(11, 13));
});

test('following: new lines, then across a rotation without losing any, and a torn record waits', () => {
  fs.rmSync(`${log}.1`, { force: true });
  fs.writeFileSync(log, lines(0, 3));
  let c = readLog(log, null);
  fs.appendFileSync(log, lines(3, 5) + '2026-01-01T00:00:00.000000000Z stdout F half');
  let next = readLog(log, c.pos);
  assert.equal(next.data.toString(), lines(3, 5));
  assert.equal(next.reset, false);
  c = next;
  fs.appendFileSync(log, ' a line\n' + lines(6, 8));
  rotate();
  fs.writeFileSync(log, lines(8, 9));
  next = readLog(log, c.pos);
  assert.equal(next.data.toString(), '2026-01-01T00:00:00.000000000Z stdout F half a line\n' + lines(6, 9), 'the rest of the old file, then the new one');
  assert.equal(next.reset, false);
  // nothing new
  assert.equal(readLog(log, next.pos).data.length, 0);
  // two rotations since the last read: what is there, marked as a new start
  rotate();
  fs.writeFileSync(log, lines(20, 21));
  rotate();
  fs.writeFileSync(log, lines(30, 31));
  const behind = readLog(log, next.pos);
  assert.equal(behind.reset, true);
  assert.equal(behind.data.toString(), lines(20, 21) + lines(30, 31));
});

test('no log yet', () => {
  const none = readLog(path.join(dir, 'none/ctr.log'), null);
  assert.deepEqual({ n: none.data.length, reset: none.reset }, { n: 0, reset: true });
});

test('--log-opt max-size: the cap, its floor, podman units; nothing else', () => {
  assert.equal(parseLogOpts([]), DEFAULT_LOG_MAX);
  assert.equal(DEFAULT_LOG_MAX, 10 << 20);
  assert.equal(parseLogOpts(['max-size=64k']), 64 << 10);
  assert.equal(parseLogOpts(['max-size=1m', 'max-size=2mb']), 2 << 20, 'the last wins');
  for (const bad of ['max-size=1k', 'max-size=-1', 'max-size=', 'max-size=lots', 'max-file=3', 'tag=x']) {
    assert.throws(() => parseLogOpts([bad]), (e: unknown) => e instanceof UserError && e.code === 125, bad);
  }
});

test('visible: escape sequences and other controls as text; tab, newline and a line-ending CR as they are', () => {
  assert.equal(visible('red \x1b[31mX\x1b[0m'), 'red ^[[31mX^[[0m');
  assert.equal(visible('title \x1b]0;pwned\x07'), 'title ^[]0;pwned^G');
  assert.equal(visible('a\tb\n'), 'a\tb\n');
  assert.equal(visible('progress\rhidden'), 'progress^Mhidden', 'a CR inside a line would let it overwrite itself');
  assert.equal(visible('tty line\r'), 'tty line');
  assert.equal(visible('tty line\r\nnext'), 'tty line\nnext');
  assert.equal(visible('\x00\x7f\x08'), '^@^?^H');
  assert.equal(visible('c1 \u009b2J \u0090q'), 'c1 ^[[2J ^[Pq', 'C1 controls as their ESC forms');
  assert.equal(visible('é ü 日本 ✓'), 'é ü 日本 ✓');
  assert.doesNotMatch(visible(String.fromCharCode(...Array.from({ length: 0xa0 }, (_, i) => i))), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
});
