// The dashboard in a real terminal (tmux), over real containers, driven by
// keys: filter, stop, start, exec a shell and run hostname there, come back,
// help, quit; then check that the terminal was given back and that the
// containers outlived the dashboard. Needs root (containers), tmux and the
// built helper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Tmux, TSBOX, haveTmux, tsbox } from './tmux.js';
import { tempDir } from '../lib/suite-run.js';

const skip = !haveTmux() ? 'tmux is not installed' : process.getuid?.() !== 0 ? 'needs root to run containers' : false;

/** The row of `name` in the table, or '' */
const row = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^[› ] ${name} `).test(l)) ?? '';

function setup(names: string[]): { root: string; cleanup: () => void } {
  const root = tempDir('tsbox-tmux-');
  for (const n of names) tsbox(root, 'run', '-d', '--name', n, 'host', 'sleep', 'infinity');
  return {
    root,
    cleanup() {
      try {
        tsbox(root, 'rm', '-f', ...names);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

test('the dashboard over real containers, by keys', { skip, timeout: 120_000 }, async () => {
  const { root, cleanup } = setup(['tt-web', 'tt-db']);
  const t = new Tmux(120, 40);
  try {
    t.start(`node ${TSBOX} --root ${root}; echo "DASHBOARD-EXIT=$?"; exec sleep 600`);
    await t.waitFor((s) => row(s, 'tt-db').includes('running') && row(s, 'tt-web').includes('running'), 'both containers running');
    assert.equal(t.query('#{alternate_on}'), '1', 'the dashboard is on the alternate screen');

    // filter to one container
    t.keys('/');
    t.text('tt-web');
    t.keys('Enter');
    const filtered = await t.waitForText('filter "tt-web": 1 shown');
    assert.ok(row(filtered, 'tt-web').startsWith('›'));
    assert.equal(row(filtered, 'tt-db'), '');

    // stop it, then start it
    t.keys('x');
    await t.waitFor((s) => /exited\(\d+\)/.test(row(s, 'tt-web')), 'tt-web stopped', 30_000);
    assert.match(tsbox(root, 'ps', '-a'), /Exited.*tt-web/);
    t.keys('s');
    await t.waitFor((s) => row(s, 'tt-web').includes('running'), 'tt-web running again', 30_000);

    // a shell in it: its hostname is the container's
    t.keys('e');
    await t.waitForText('a shell in tt-web');
    assert.equal(t.query('#{alternate_on}'), '0', 'the shell gets the normal screen');
    t.text('echo "host=$(hostname)"');
    t.keys('Enter');
    await t.waitForText('host=tt-web');
    t.text('exit');
    t.keys('Enter');
    const back = await t.waitForText('shell in tt-web exited');
    assert.ok(row(back, 'tt-web').includes('running'));
    assert.equal(t.query('#{alternate_on}'), '1', 'back on the alternate screen');

    // help, and Esc closes it
    t.keys('?');
    await t.waitForText('pause or unpause the container');
    t.keys('Escape');
    await t.waitFor((s) => !s.includes('pause or unpause the container') && row(s, 'tt-web') !== '', 'help closed');

    // quit: the terminal is given back and the containers keep running
    t.keys('q');
    const after = await t.waitForText('DASHBOARD-EXIT=0');
    assert.equal(t.query('#{alternate_on}'), '0', 'the alternate screen was left');
    assert.equal(t.query('#{cursor_flag}'), '1', 'the cursor is visible again');
    assert.ok(after.includes('host=tt-web'), 'the normal screen kept the shell session');
    const ps = tsbox(root, 'ps');
    assert.match(ps, /Up .*tt-web/);
    assert.match(ps, /Up .*tt-db/);
  } finally {
    t.kill();
    cleanup();
  }
});

test('Ctrl-C and SIGTERM give the terminal back too', { skip, timeout: 60_000 }, async () => {
  const { root, cleanup } = setup(['tt-sig']);
  const pidFile = path.join(root, 'dashboard.pid');
  const t = new Tmux(80, 24);
  try {
    // `exec` makes the shell's pid the dashboard's, so the test signals exactly it
    t.start(`sh -c 'echo $$ > ${pidFile}; exec node ${TSBOX} --root ${root}'; echo "DASHBOARD-EXIT=$?"; sh -c 'echo $$ > ${pidFile}; exec node ${TSBOX} --root ${root}'; echo "SECOND-EXIT=$?"; exec sleep 600`);
    await t.waitFor((s) => row(s, 'tt-sig').includes('running'), 'the first dashboard');
    t.keys('C-c');
    await t.waitForText('DASHBOARD-EXIT=0');
    assert.equal(t.query('#{alternate_on}'), '0');

    await t.waitFor((s) => row(s, 'tt-sig').includes('running'), 'the second dashboard');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    await t.waitForText('SECOND-EXIT=143');
    assert.equal(t.query('#{alternate_on}'), '0');
    assert.equal(t.query('#{cursor_flag}'), '1');
    assert.match(tsbox(root, 'ps'), /Up .*tt-sig/);
  } finally {
    t.kill();
    cleanup();
  }
});

test('resizing the terminal lays the dashboard out again', { skip, timeout: 60_000 }, async () => {
  const { root, cleanup } = setup(['tt-size']);
  const t = new Tmux(80, 24);
  try {
    t.start(`node ${TSBOX} --root ${root}; exec sleep 600`);
    let s = await t.waitFor((x) => row(x, 'tt-size').includes('running'), 'the dashboard');
    assert.ok(s.split('\n').every((l) => l.length <= 80));
    assert.ok(!s.includes('2 Namespaces'), 'at 80 columns the tabs are numbers');
    t.resize(160, 50);
    s = await t.waitForText('2 Namespaces');
    assert.ok(s.split('\n').some((l) => l.length > 80), 'the frame uses the new width');
    t.keys('q');
  } finally {
    t.kill();
    cleanup();
  }
});
