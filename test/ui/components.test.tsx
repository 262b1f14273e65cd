// The screen at fixed sizes, through the real store, controller and
// components, over a fake source (test/ui/fixtures.ts); every test twice,
// with stock Ink and with the renderer that ships (test/ui/harness.tsx).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_COLOR } from '../../components/theme.js';
import { createController, type Controller } from '../../src/ui/controller.js';
import { KEYMAP } from '../../src/ui/keymap.js';
import { MIN_COLS, MIN_ROWS } from '../../src/ui/layout.js';
import { na } from '../../src/ui/model.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore, type DashboardStore } from '../../src/ui/store.js';
import { FakeSource, rec, snapshot, spec } from './fixtures.js';
import { KEYS, RENDERERS, settle, type Renderer, type Rendered } from './harness.js';

interface World {
  src: FakeSource;
  store: DashboardStore;
  ctl: Controller;
  app: Rendered;
  quit: number;
  execs: string[];
}

function makeWorld(renderer: Renderer, cols: number, rows: number, setup: (src: FakeSource) => void = () => {}): World {
  const src = new FakeSource();
  src.containers = [
    rec('web', { spec: spec({ volumes: [{ source: '/srv/www', destination: '/www', readOnly: true, relabel: 'z', chown: false, type: 'bind' }] }) }),
    rec('db'),
    rec('batch', { state: 'exited', exitCode: 137 }),
    rec('hog', { state: 'exited', exitCode: 137, oomKilled: true }),
    rec('frozen', { state: 'paused' }),
  ];
  setup(src);
  const store = createDashboardStore(initialState(cols, rows));
  const w = { src, store, quit: 0, execs: [] as string[] } as unknown as World;
  w.ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => w.quit++, onExec: (r) => w.execs.push(r.name) });
  w.ctl.tick();
  w.app = renderer.mount(store, w.ctl, NO_COLOR, cols, rows);
  return w;
}

function checkSize(app: Rendered, cols: number, rows: number) {
  const lines = app.lines();
  assert.equal(lines.length, rows - 1, 'one line short of the terminal');
  for (const l of lines) assert.ok(l.length <= cols, `line wider than ${cols}: ${JSON.stringify(l)}`);
}

for (const renderer of RENDERERS) {
  const rtest = (name: string, fn: () => Promise<void>) => test(`${renderer.name}: ${name}`, fn);
  const world = (cols: number, rows: number, setup?: (src: FakeSource) => void) => makeWorld(renderer, cols, rows, setup);

  for (const [cols, rows] of [[80, 24], [160, 50]] as const) {
    rtest(`table at ${cols}x${rows}: columns, states, units, namespace column`, async () => {
      const w = world(cols, rows);
      await settle();
      const f = w.app.frame();
      for (const h of ['NAME▲', 'IMAGE', 'STATE', 'UP', 'CPU%', 'MEM/LIMIT', 'PIDS', 'NS']) assert.ok(f.includes(h), h);
      for (const s of ['running', 'paused', 'exited(137)', 'OOMKilled']) assert.ok(f.includes(s), s);
      assert.ok(f.includes('12Mi/64Mi'));
      assert.ok(f.includes('12.5%'));
      assert.ok(f.includes('PPPPPPHP'));
      assert.ok(f.includes('5 containers, 2 running'));
      assert.match(f, /› batch/, 'first row selected');
      assert.ok(f.includes('j/k move'), 'footer from the keymap');
      checkSize(w.app, cols, rows);
      w.app.unmount();
    });
  }

  rtest('many containers: only a window of rows is drawn, bigger at 160x50', async () => {
    const counts: number[] = [];
    for (const [cols, rows] of [[80, 24], [160, 50]] as const) {
      const w = world(cols, rows, (src) => {
        src.containers = Array.from({ length: 300 }, (_, i) => rec(`c${String(i).padStart(3, '0')}`));
      });
      await settle();
      const shown = w.app.lines().filter((l) => /^[› ] c\d{3} /.test(l)).length;
      counts.push(shown);
      assert.ok(shown < 40, `${shown} rows drawn of 300`);
      await w.app.press('G');
      assert.match(w.app.frame(), /› c299/);
      assert.ok(!w.app.frame().includes('c000'));
      checkSize(w.app, cols, rows);
      w.app.unmount();
    }
    assert.ok(counts[1] > counts[0]);
  });

  rtest('keys through the store: move, filter, tabs', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('j');
    assert.match(w.app.frame(), /› db/);
    await w.app.press(KEYS.down, 'k');
    assert.match(w.app.frame(), /› db/);
    await w.app.press('/', 'w', 'e');
    assert.ok(w.app.frame().includes('filter: we'));
    assert.match(w.app.frame(), /› web/);
    assert.ok(!w.app.frame().includes('batch'));
    await w.app.press(KEYS.enter);
    assert.ok(w.app.frame().includes('filter "we": 1 shown'));
    await w.app.press(KEYS.escape);
    assert.ok(w.app.frame().includes('batch'), 'Esc clears the filter');
    await w.app.press('2');
    assert.match(w.app.frame(), /TYPE\s+CONFIGURED\s+INODE\s+SHARING/);
    await w.app.press(KEYS.tab);
    assert.match(w.app.frame(), /uid_map/);
    w.app.unmount();
  });

  rtest('every tab with data', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter);
    w.src.logLines = ['listening on :80', 'GET / 200'];
    const expect: Record<string, RegExp> = {
      '1': /CPU\s+12\.5%[\s\S]*MEM\s+12\.0 MiB of 64\.0 MiB/,
      '2': /net\s+private\s+\d+\s+private/,
      '3': /uid_map\s+0\s+100000\s+65536\s+subuid alice/,
      '4': /caps\s+2 effective of 3[\s\S]*seccomp\s+filter/,
      '5': /DESTINATION\s+SOURCE\s+MODE\s+\/www\s+\/srv\/www\s+ro:z[\s\S]*labels not available/,
      '6': /\d\d:\d\d:\d\d listening on :80[\s\S]*GET \/ 200/,
      '7': /"Name": "web"/,
    };
    for (const [k, re] of Object.entries(expect)) {
      await w.app.press(k);
      assert.match(w.app.frame(), re, `tab ${k}`);
      checkSize(w.app, 80, 24);
    }
    w.app.unmount();
  });

  rtest('the Logs tab: control characters in container output are replaced, so no escape sequence of its reaches the terminal', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter);
    w.src.logLines = [
      '\x1b[2J\x1b[Hclear screen',
      '\x1b]0;new title\x07osc',
      'bell\x07 back\x08 cr\r nul\x00 del\x7f',
      'c1 \x9b2J csi',
      'tab\tstop',
    ];
    await w.app.press('6');
    const raw = w.app.raw();
    assert.ok(raw.includes('clear screen'), 'the log is on screen');
    // the only escapes are the dashboard's own styles (SGR), whole
    assert.deepEqual(raw.match(/\x1b(?!\[[0-9;]*m)/g), null, 'an ESC that does not start an SGR code');
    assert.doesNotMatch(raw, /[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f]/, 'a control character other than newline and SGR escapes');
    const f = w.app.frame();
    for (const shown of ['\ufffd[2J\ufffd[Hclear screen', '\ufffd]0;new title\ufffdosc', 'bell\ufffd back\ufffd cr\ufffd nul\ufffd del\ufffd', 'c1 \ufffd2J csi', 'tab stop']) {
      assert.ok(f.includes(shown), `shown as ${JSON.stringify(shown)}`);
    }
    checkSize(w.app, 80, 24);
    w.app.unmount();
  });

  rtest('tabs say "not available" plainly when their source is missing', async () => {
    const w = world(80, 24, (src) => {
      src.snapshot = () => ({ ...snapshot(src.containers), stats: na('the stats probe (src/probe/stats.ts) is not installed'), namespaces: na('the namespace probe is not installed'), nsColumn: {} });
      src.security = () => na('the process probe is not installed');
      src.users = () => na('the id map probe is not installed');
      src.config = () => na('inspect failed');
      src.readLogs = () => na('the log parser is not installed');
    });
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter);
    assert.ok(!w.app.frame().includes('12.5%'), 'no made-up numbers in the table');
    const expect: Record<string, RegExp> = {
      '1': /not available: the stats probe/,
      '2': /not available: the namespace probe/,
      '3': /not available: the id map probe/,
      '4': /not available: the process probe/,
      '5': /labels not available/,
      '6': /not available: the log parser/,
      '7': /not available: inspect failed/,
    };
    for (const [k, re] of Object.entries(expect)) {
      await w.app.press(k);
      assert.match(w.app.frame(), re, `tab ${k}`);
    }
    w.app.unmount();
  });

  rtest('actions run in the background with a pending state; errors land in the status line', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter);
    let release!: () => void;
    w.src.hold = new Promise((r) => (release = r));
    await w.app.press('x');
    assert.match(w.app.frame(), /› web\s+host\s+stopping…/);
    assert.ok(w.app.frame().includes('stopping web…'));
    release();
    w.src.hold = null;
    await w.ctl.idle();
    await settle();
    assert.match(w.app.frame(), /› web\s+host\s+exited\(0\)/);
    assert.ok(w.app.frame().includes('web stopped'));
    w.src.failNext = 'container web is not stopped: cgroup busy';
    await w.app.press('s');
    await w.ctl.idle();
    await settle();
    assert.ok(w.app.frame().includes('start web: container web is not stopped: cgroup busy'));
    assert.deepEqual(w.src.actions.map((a) => a.kind), ['stop', 'start']);
    w.app.unmount();
  });

  rtest('pause toggles, K kills, e hands over only a running container, q quits', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'f', 'r', 'o', KEYS.enter, 'e');
    assert.deepEqual(w.execs, []);
    assert.ok(w.app.frame().includes('frozen is paused: a shell needs a running container'));
    await w.app.press('p');
    await w.ctl.idle();
    await settle();
    assert.match(w.app.frame(), /› frozen\s+host\s+running/);
    await w.app.press(KEYS.escape, KEYS.escape, '/', 'd', 'b', KEYS.enter, 'K');
    await w.ctl.idle();
    await w.app.press('e');
    assert.deepEqual(w.execs, []);
    await w.app.press('s');
    await w.ctl.idle();
    await w.app.press('e');
    assert.deepEqual(w.execs, ['db']);
    assert.deepEqual(w.src.actions.map((a) => `${a.kind} ${a.name}`), ['unpause frozen', 'kill db', 'start db']);
    await w.app.press('q');
    assert.equal(w.quit, 1);
    await w.app.press(KEYS.ctrlC);
    assert.equal(w.quit, 2);
    w.app.unmount();
  });

  rtest('the remove dialog asks first', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter, 'd');
    const f = w.app.frame();
    assert.ok(f.includes('Remove web?'));
    const flat = f.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
    assert.ok(flat.includes('It is running: it will be killed and then removed.'), 'wrapped inside the box');
    assert.ok(f.includes('y/enter yes'));
    await w.app.press('x');
    assert.deepEqual(w.src.actions, [], 'other keys do nothing while it asks');
    await w.app.press('n');
    assert.ok(!w.app.frame().includes('Remove web?'));
    await w.app.press('d', 'y');
    await w.ctl.idle();
    await settle();
    assert.deepEqual(w.src.actions, [{ kind: 'remove', name: 'web' }]);
    assert.ok(w.app.frame().includes('web removed'));
    assert.ok(!/› web/.test(w.app.frame()));
    checkSize(w.app, 80, 24);
    w.app.unmount();
  });

  rtest('the help overlay lists every binding and closes with Esc', async () => {
    const w = world(160, 50);
    await settle();
    await w.app.press('?');
    const f = w.app.frame();
    for (const b of KEYMAP) assert.ok(f.includes(b.help), `help shows: ${b.help}`);
    assert.ok(f.includes('P private, H host, S shared'), 'the namespace legend');
    checkSize(w.app, 160, 50);
    await w.app.press(KEYS.escape);
    assert.ok(!w.app.frame().includes('Keys'));
    w.app.unmount();

    // at 80x24 it does not fit: j scrolls it
    const s = world(80, 24);
    await settle();
    await s.app.press('?');
    const first = s.app.frame();
    assert.ok(first.includes('(j/k scroll'));
    await s.app.press('j', 'j', 'j');
    assert.notEqual(s.app.frame(), first);
    checkSize(s.app, 80, 24);
    s.app.unmount();
  });

  rtest('a refresh with nothing new draws nothing', async () => {
    const w = world(80, 24);
    await settle();
    const n = w.app.frameCount();
    w.ctl.tick();
    w.ctl.tick();
    await settle();
    assert.equal(w.app.frameCount(), n, 'no frame for an unchanged screen');
    w.src.containers = w.src.containers.map((c) => (c.name === 'db' ? { ...c, state: 'paused' as const } : c));
    w.ctl.tick();
    await settle();
    assert.ok(w.app.frameCount() > n);
    assert.match(w.app.frame(), /db\s+host\s+paused/);
    w.app.unmount();
  });

  rtest('resize lays the screen out again', async () => {
    const w = world(80, 24);
    await settle();
    w.store.dispatch({ type: 'resize', cols: 160, rows: 50 });
    await settle();
    checkSize(w.app, 160, 50);
    assert.ok(w.app.frame().includes('1 Stats  2 Namespaces'));
    w.app.unmount();
  });

  rtest('a terminal too small for the table says what size it needs, and grows back into the screen', async () => {
    const w = world(50, 12);
    await settle();
    checkSize(w.app, 50, 12);
    const lines = w.app.lines();
    assert.ok(lines[0].includes(`tsbox needs a terminal of at least ${MIN_COLS}x${MIN_ROWS};`), lines[0]);
    assert.ok(lines[1].includes('this one is 50x12.'), lines[1]);
    await w.app.press('?'); // an overlay does not break out of it either
    assert.ok(w.app.frame().includes('needs a terminal'));
    await w.app.press(KEYS.escape);
    w.store.dispatch({ type: 'resize', cols: MIN_COLS, rows: MIN_ROWS });
    await settle();
    checkSize(w.app, MIN_COLS, MIN_ROWS);
    assert.match(w.app.lines()[1], /STATE +UP +CPU% +MEM\/LIMIT +PIDS NS/, 'the whole table header, at the smallest size it fits');
    await w.app.press('q');
    assert.equal(w.quit, 1, 'q quits whatever the size');
    w.app.unmount();
  });

  rtest('uid translation in the Users tab', async () => {
    const w = world(80, 24);
    await settle();
    await w.app.press('/', 'w', 'e', 'b', KEYS.enter, '3', 't', '4', '2', KEYS.enter);
    assert.ok(w.app.frame().includes('container uid 42 = host uid 100042'));
    await w.app.press('t', KEYS.backspace, KEYS.backspace, 'x', KEYS.enter);
    assert.ok(w.app.frame().includes("'x' is not a uid"));
    w.app.unmount();
  });
}
