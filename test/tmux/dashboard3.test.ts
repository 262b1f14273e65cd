// The dashboard's third wave in a real terminal (tmux) over real
// containers: the grade column and the Security tab's findings against
// `tsbox audit` of the same containers (the same rules, read from the
// kernel). Needs root, tmux and the built helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Tmux, TSBOX, haveTmux, tsbox } from './tmux.js';
import { tempDir } from '../lib/suite-run.js';

const skip = !haveTmux() ? 'tmux is not installed' : process.getuid?.() !== 0 ? 'needs root to run containers' : false;

/** The row of `name` in the table (selection and mark columns first), or '' */
const row = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^[› ][ *]${name} `).test(l)) ?? '';

test('the grade column and the Security findings are tsbox audit\'s; a weak container (--pid host, SYS_PTRACE) gets D', { skip, timeout: 180_000 }, async () => {
  const root = tempDir('tsbox-tmux3-');
  const names = ['t3-plain', 't3-weak'];
  tsbox(root, 'run', '-d', '--name', 't3-plain', 'host', 'sleep', 'infinity');
  // the demo's weak container (src/cli/commands/demo.ts)
  tsbox(root, 'run', '-d', '--name', 't3-weak', '--pid', 'host', '--cap-add', 'SYS_PTRACE', 'host', 'sleep', 'infinity');
  const audits = JSON.parse(tsbox(root, 'audit', '--format', 'json')) as Array<{ name: string; grade: string; findings: Array<{ title: string; level: string }> }>;
  const grade = (n: string) => audits.find((a) => a.name === n)!.grade;
  assert.equal(grade('t3-weak'), 'D', 'the precondition: tsbox audit grades it D');
  // the host's pid namespace is what the finding says: the kernel agrees
  const weakPid = (JSON.parse(tsbox(root, 'inspect', 't3-weak')) as Array<{ State: { Pid: number } }>)[0].State.Pid;
  assert.equal(fs.readlinkSync(`/proc/${weakPid}/ns/pid`), fs.readlinkSync('/proc/self/ns/pid'));
  const t = new Tmux(200, 60);
  try {
    t.start(`node ${TSBOX} --root ${root}; exec sleep 600`);
    const gradeOn = (s: string, n: string) => / ([A-F])\s*$/.exec(row(s, n))?.[1];
    let s = await t.waitFor((x) => names.every((n) => gradeOn(x, n)), 'both containers graded', 30_000);
    for (const n of names) assert.equal(gradeOn(s, n), grade(n), `${n}: the dashboard's grade is tsbox audit's`);
    assert.match(s.split('\n')[1], /NS\s+GRADE/);
    // sorted by grade (> to the last column): the worst first
    t.keys('<');
    s = await t.waitForText('GRADE▼');
    assert.ok(s.indexOf('t3-weak') < s.indexOf('t3-plain'), s);
    // the Security tab of the worst container (the selection follows its container through a sort: g to the top)
    t.keys('g', '4');
    s = await t.waitFor((x) => /grade\s+D\s+\d+ findings/.test(x), 'the findings of t3-weak', 20_000);
    const weak = audits.find((a) => a.name === 't3-weak')!;
    assert.match(s, new RegExp(`grade\\s+D\\s+${weak.findings.length} findings`));
    for (const f of weak.findings.slice(0, 3)) assert.ok(s.includes(f.title), `finding "${f.title}" shown:\n${s}`);
    // the 80x24 terminal: the column still fits beside the others
    t.resize(80, 24);
    s = await t.waitFor((x) => /GRADE/.test(x.split('\n')[1] ?? ''), 'the grade column at 80x24');
    for (const l of s.split('\n')) assert.ok([...l].length <= 80, l);
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
