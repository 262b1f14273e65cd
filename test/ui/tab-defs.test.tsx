// The tab definitions table (src/ui/tab-defs.ts) and the tabs read from a
// container's processes (Processes, Env, Mounts), at 80x24 and 200x60, with
// stock Ink and with the bundle that ships.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_COLOR } from '../../components/theme.js';
import { linesBlock } from '../../src/ui/body.js';
import { createController } from '../../src/ui/controller.js';
import { line } from '../../src/ui/lines.js';
import { ok } from '../../src/ui/model.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { TAB_DEFS, detailOf, type TabDef } from '../../src/ui/tab-defs.js';
import { looksSecret } from '../../src/ui/tabs-process.js';
import { FakeSource, rec } from './fixtures.js';

const SHIFT_TAB = '\x1b[Z';
import { RENDERERS, settle, shipped, type Renderer } from './harness.js';
import { fits } from './fits.js';

function world(renderer: Renderer, cols: number, rows: number, setup: (src: FakeSource) => void = () => {}) {
  const src = new FakeSource();
  src.containers = [rec('web'), rec('zz-old', { state: 'exited', exitCode: 0, pid: 0, spec: { ...rec('x').spec, env: ['PATH=/bin', 'API_KEY=configured-secret'] } })];
  setup(src);
  const store = createDashboardStore(initialState(cols, rows));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => {}, onExec: () => {} });
  ctl.tick();
  const app = renderer.mount(store, ctl, NO_COLOR, cols, rows);
  return { src, store, ctl, app };
}

test('looksSecret: passwords, tokens, keys; not PATH or HOME', () => {
  for (const n of ['DB_PASSWORD', 'PGPASSWORD', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'API_KEY', 'KEY', 'SSH_PRIVATE', 'AUTH_HEADER']) assert.ok(looksSecret(n), n);
  for (const n of ['PATH', 'HOME', 'TERM', 'KEYBOARD', 'LANG', 'HOSTNAME']) assert.ok(!looksSecret(n), n);
});

for (const renderer of RENDERERS) {
  const rtest = (name: string, fn: () => Promise<void>) => test(`${renderer.name}: ${name}`, fn);

  for (const [cols, rows] of [[80, 24], [200, 60]] as const) {
    rtest(`Processes (8), Env (9), Mounts (0) at ${cols}x${rows}`, async () => {
      const { app } = world(renderer, cols, rows);
      await settle();
      await app.press('8');
      let f = app.frame();
      assert.match(f, /8 Processes/);
      assert.match(f, /PID\s+HOST PID\s+UID\s+HOST UID\s+S\s+CPU%\s+RSS\s+COMMAND/);
      assert.match(f, /1\s+\d+\s+0\s+100000\s+S\s+-\s+1\.0 MiB\s+sleep infinity/);
      assert.match(f, /7\s+4250\s+1000\s+101000\s+R\s+42\.5%\s+3\.0 MiB\s+sh -c yes/);
      assert.match(f, /2 processes in its pid namespace/);
      fits(app.lines(), cols, rows);
      await app.press('9');
      f = app.frame();
      assert.match(f, /NAME\s+VALUE/);
      assert.match(f, /PATH\s+\/usr\/bin:\/bin/);
      assert.match(f, /DB_PASSWORD\s+hidden \(v shows it\)/);
      assert.ok(!f.includes('hunter2') && !f.includes('ghp_abc123'), 'secret values are not on screen');
      assert.match(f, /2 values of secret-looking names hidden: v shows them/);
      await app.press('v');
      f = app.frame();
      assert.match(f, /DB_PASSWORD\s+hunter2/);
      assert.match(f, /GITHUB_TOKEN\s+ghp_abc123/);
      await app.press('v');
      assert.ok(!app.frame().includes('hunter2'), 'v hides them again');
      fits(app.lines(), cols, rows);
      await app.press('0');
      f = app.frame();
      assert.match(f, /0 Mounts/);
      assert.match(f, /MOUNTPOINT\s+TYPE\s+SOURCE\s+PROPAGATION\s+OPTIONS/);
      assert.match(f, /\/data\s+ext4\s+\/dev\/vda1\[\/srv\/data\]\s+shared:12\s+ro,relatime/);
      assert.match(f, /\/proc\s+proc\s+proc\s+private/);
      fits(app.lines(), cols, rows);
      app.unmount();
    });
  }

  rtest('revealed secrets go back to hidden for another container; a stopped one shows its configured env, still hidden', async () => {
    const { app } = world(renderer, 80, 24);
    await settle();
    await app.press('9', 'v');
    assert.ok(app.frame().includes('hunter2'));
    await app.press('j');
    let f = app.frame();
    assert.match(f, /› zz-old/);
    assert.match(f, /API_KEY\s+hidden \(v shows it\)/, 'the configured env of a stopped one, hidden');
    assert.match(f, /variables, configured \(zz-old is exited\(0\)\)/);
    await app.press('k');
    f = app.frame();
    assert.match(f, /› web/);
    assert.ok(!f.includes('hunter2'), 'hidden again after the selection moved');
    app.unmount();
  });

  rtest('v elsewhere opens the Env tab, values still hidden', async () => {
    const { app } = world(renderer, 80, 24);
    await settle();
    await app.press('v');
    const f = app.frame();
    assert.match(f, /9 Env/);
    assert.ok(!f.includes('hunter2'));
    app.unmount();
  });

  rtest('a stopped container: the tabs say why there is nothing live', async () => {
    const { app } = world(renderer, 80, 24);
    await settle();
    await app.press('j', '8');
    assert.match(app.frame(), /zz-old is exited\(0\): it has no processes/);
    await app.press('0');
    assert.match(app.frame(), /zz-old is exited\(0\): its mounts exist only while it runs/);
    app.unmount();
  });
}

test('adding a tab is one entry in TAB_DEFS: the tab bar, the keys, the body, its loading and the help follow', async () => {
  const reads: string[] = [];
  const hello: TabDef = {
    id: 'hello',
    label: 'Hello',
    body: (s, r) => {
      const d = detailOf<string>(s, 'hello');
      return [linesBlock([line(`hello from ${r.name}: ${d?.ok ? d.value : 'not read'}`)])];
    },
    deps: (s) => [s.detail.data.hello],
    load: {
      when: 'live',
      read: (_src, r) => {
        reads.push(r.name);
        return ok(`read ${reads.length}`);
      },
    },
  };
  TAB_DEFS.push(hello);
  // the bundle has its own copy of the table: the same entry goes there too
  shipped.TAB_DEFS.push(hello as unknown as (typeof shipped.TAB_DEFS)[number]);
  try {
    for (const renderer of RENDERERS) {
      reads.length = 0;
      const { app, ctl } = world(renderer, 200, 60);
      await settle();
      assert.match(app.frame(), /0 Mounts  Hello/, `${renderer.name}: the tab bar has it (no digit past the tenth)`);
      assert.match(app.frame(), /› web/, 'web (running) is selected');
      await app.press(SHIFT_TAB); // from Stats back round to the last tab
      let f = app.frame();
      assert.match(f, /hello from web: read 1/, `${renderer.name}: its body, with what its load read`);
      ctl.tick();
      await settle();
      f = app.frame();
      assert.match(f, /hello from web: read 2/, `${renderer.name}: read again at each refresh while it shows`);
      assert.deepEqual(reads, ['web', 'web']);
      app.unmount();
    }
  } finally {
    TAB_DEFS.pop();
    shipped.TAB_DEFS.pop();
  }
});
