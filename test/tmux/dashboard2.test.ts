// The dashboard's second wave in a real terminal (tmux) over real
// containers: marks and a bulk stop, the Processes tab's pids checked
// against /proc, the Env tab hiding a secret until v. Needs root, tmux and
// the built helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Tmux, TSBOX, haveTmux, tsbox } from './tmux.js';
import { tempDir } from '../lib/suite-run.js';

const skip = !haveTmux() ? 'tmux is not installed' : process.getuid?.() !== 0 ? 'needs root to run containers' : false;

/** The row of `name` in the table (selection and mark columns first), or '' */
const row = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^[› ][ *]${name} `).test(l)) ?? '';

function nspid(hostPid: number): number[] {
  const line = fs.readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'))!;
  return line.slice(6).trim().split(/\s+/).map(Number);
}

test('marks and a bulk stop; the Processes tab against /proc; Env hides a secret until v', { skip, timeout: 180_000 }, async () => {
  const root = tempDir('tsbox-tmux2-');
  const names = ['t2-a', 't2-b', 't2-c'];
  for (const n of names.slice(0, 2)) tsbox(root, 'run', '-d', '--name', n, 'host', 'sleep', 'infinity');
  tsbox(root, 'run', '-d', '--name', 't2-c', '-e', 'API_TOKEN=s3cr3t-value', 'host', 'sh', '-c', 'sleep 1000 & sleep 1001');
  const t = new Tmux(160, 50);
  try {
    t.start(`node ${TSBOX} --root ${root}; exec sleep 600`);
    await t.waitFor((s) => names.every((n) => row(s, n).includes('running')), 'three containers running');

    // mark the first two (space moves on), stop both with one answer
    t.keys('Space', 'Space');
    let s = await t.waitForText('2 marked');
    assert.ok(row(s, 't2-a').startsWith(' *') && row(s, 't2-b').startsWith(' *'), s);
    assert.ok(row(s, 't2-c').startsWith('› '), 'the selection moved past them');
    t.keys('x');
    await t.waitForText('Stop 2 marked containers?');
    assert.match(tsbox(root, 'ps'), /t2-a/, 'nothing stopped before the answer');
    t.keys('y');
    await t.waitFor((x) => /exited/.test(row(x, 't2-a')) && /exited/.test(row(x, 't2-b')), 'both marked containers stopped', 60_000);
    const ps = tsbox(root, 'ps', '-a');
    assert.match(ps, /Exited.*t2-a/);
    assert.match(ps, /Exited.*t2-b/);
    assert.match(ps, /Up .*t2-c/, 'the unmarked one still runs');

    // the Processes tab of t2-c: its pids inside and on the host, as /proc has them
    const initPid = (JSON.parse(tsbox(root, 'inspect', 't2-c')) as Array<{ State: { Pid: number } }>)[0].State.Pid;
    t.keys('8');
    s = await t.waitFor((x) => x.includes('3 processes in its pid namespace'), 'the Processes tab');
    const table = s.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d+\s+\d+\s+[A-Z]\s/.test(l));
    assert.equal(table.length, 3, s);
    for (const l of table) {
      const [pid, hostPid] = l.trim().split(/\s+/).map(Number);
      const ns = nspid(hostPid);
      assert.equal(ns[0], hostPid);
      assert.equal(ns.at(-1), pid, `pid ${pid} inside is host pid ${hostPid}'s last NSpid`);
    }
    assert.ok(table.some((l) => l.trim().split(/\s+/).slice(0, 2).join(' ') === `1 ${initPid}`), 'pid 1 is the init tsbox recorded');

    // Env: the token hidden, then shown by v
    t.keys('9');
    s = await t.waitForText('hidden (v shows it)');
    assert.match(s, /API_TOKEN\s+hidden/);
    assert.ok(!s.includes('s3cr3t-value'));
    t.keys('v');
    await t.waitForText('s3cr3t-value');

    // Mounts: the root and /proc of its own mount namespace
    t.keys('0');
    s = await t.waitForText('mounts in its mount namespace');
    assert.match(s, /MOUNTPOINT\s+TYPE\s+SOURCE\s+PROPAGATION\s+OPTIONS/);
    assert.match(s, /\/proc\s+proc\s/);
    t.keys('q');
  } finally {
    t.kill();
    try {
      tsbox(root, 'rm', '-f', ...names);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
});
