// The audit in the dashboard: the grade column (a column of the definitions
// table, sortable), the Security tab's findings, and the cache that works
// them out off the refresh (src/ui/audit-cache.ts), at 80x24 and 200x60
// with stock Ink and with the bundle that ships. The grades of real
// containers against `tsbox audit`: test/tmux/dashboard3.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_COLOR } from '../../components/theme.js';
import type { ContainerFacts } from '../../src/engine/audit-facts.js';
import { createAuditCache } from '../../src/ui/audit-cache.js';
import { COLUMN_DEFS, shownColumns, type ColumnDef } from '../../src/ui/columns.js';
import { createController } from '../../src/ui/controller.js';
import type { ContainerRecord } from '../../src/ui/model.js';
import { initialState, reduce, type AuditFinding, type UiState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { headerCells, tableRows } from '../../src/ui/view.js';
import { fits } from './fits.js';
import { RENDERERS, settle } from './harness.js';
import { FakeSource, rec, snapshot } from './fixtures.js';

const WEAK: AuditFinding = { id: 'host-pid', level: 'high', title: "the host's pid namespace", evidence: ['/proc/1/ns/pid is pid:[4026531836], the host\'s'], fix: 'drop --pid host' };
const LOW: AuditFinding = { id: 'no-nnp', level: 'low', title: 'no_new_privs not set', evidence: ['/proc/1/status NoNewPrivs: 0'], fix: '--security-opt no-new-privileges' };

/** A source whose audit is scripted: facts are the record's name and pid; the judge grades by name. */
class AuditSource extends FakeSource {
  gathered: string[] = [];
  judged = 0;
  findings: Record<string, AuditFinding[]> = {};
  auditFacts(r: ContainerRecord): ContainerFacts | null {
    this.gathered.push(`${r.name}:${r.pid}`);
    return { id: r.id, name: r.name, pid: r.pid } as ContainerFacts;
  }
  auditJudge(all: readonly ContainerFacts[]) {
    this.judged++;
    const grade = (f: AuditFinding[]) => ({ high: 'D', low: 'B' })[f[0]?.level as 'high' | 'low'] ?? 'A';
    return Object.fromEntries(all.map((f) => [f.id, { grade: grade(this.findings[f.name] ?? []), findings: this.findings[f.name] ?? [] }]));
  }
}

const names = (s: UiState) => s.visibleIds.map((id) => s.containers.find((c) => c.id === id)!.name);

function world(cols: number, rows: number) {
  const src = new AuditSource();
  src.containers = [rec('web'), rec('weak'), rec('old', { state: 'exited', exitCode: 0, pid: 0 })];
  src.findings = { weak: [WEAK, LOW], web: [LOW] };
  const store = createDashboardStore(initialState(cols, rows));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => {}, onExec: () => {} });
  return { src, store, ctl };
}

test('the grade column: … until the cache has it, the grade after, - for a container with no process', async () => {
  const { store, ctl } = world(80, 24);
  ctl.tick();
  const cell = (name: string) => tableRows(store.getState()).find((r) => r.cells.name.trim() === name)!.cells.grade.trim();
  assert.equal(cell('weak'), '…', 'not worked out during the refresh itself');
  await ctl.idle();
  assert.equal(cell('weak'), 'D');
  assert.equal(cell('web'), 'B');
  assert.equal(cell('old'), '-');
  assert.equal(tableRows(store.getState()).find((r) => r.cells.name.trim() === 'weak')!.tones.grade, 'bad');
  assert.match(headerCells(store.getState()).grade, /GRADE/);
});

test('sorting by grade puts the worst first and the ungraded last; > reaches it after NS', async () => {
  const { store, ctl } = world(80, 24);
  ctl.tick();
  await ctl.idle();
  let s = store.getState();
  for (let i = 0; i < 8; i++) s = reduce(s, { type: 'command', command: 'sortNext' });
  assert.equal(s.sort.column, 'grade');
  assert.equal(s.sort.desc, true);
  assert.deepEqual(names(s), ['weak', 'web', 'old']);
  s = reduce(s, { type: 'command', command: 'sortInvert' });
  assert.deepEqual(names(s), ['old', 'web', 'weak']);
});

test('the cache: facts once per process, again for a restarted one; every container judged again; gone ones dropped', async () => {
  const { src, store, ctl } = world(80, 24);
  ctl.tick();
  await ctl.idle();
  assert.deepEqual(src.gathered.sort(), [`weak:${src.containers[1].pid}`, `web:${src.containers[0].pid}`]);
  const judged = src.judged;
  ctl.tick();
  ctl.tick();
  await ctl.idle();
  assert.equal(src.gathered.length, 2, 'nothing read again while the processes are the same');
  assert.equal(src.judged, judged, 'nor judged again');
  // weak restarts with a new pid and a fix: read again, and its grade follows
  src.containers[1] = { ...src.containers[1], pid: 7777, startedAt: new Date().toISOString() };
  src.findings.weak = [LOW];
  ctl.tick();
  assert.equal(store.getState().audit[src.containers[1].id].pid !== 7777, true, 'the old audit is not taken for the new process');
  await ctl.idle();
  assert.equal(src.gathered.at(-1), 'weak:7777');
  assert.equal(store.getState().audit[src.containers[1].id].grade, 'B');
  // web removed: its audit goes
  const webId = src.containers[0].id;
  src.containers = src.containers.slice(1);
  ctl.tick();
  await ctl.idle();
  assert.equal(store.getState().audit[webId], undefined);
});

test('the cache reads stale facts again, and stays quiet when the audit did not change', async () => {
  let t = 1_000_000;
  const src = new AuditSource();
  src.containers = [rec('a')];
  const store = createDashboardStore(reduce(initialState(80, 24), { type: 'snapshot', snap: snapshot(src.containers) }));
  const cache = createAuditCache(store, src, { now: () => t, staleMs: 60_000 })!;
  let dispatched = 0;
  store.subscribe(() => dispatched++);
  cache.update(src.containers);
  await cache.idle();
  assert.equal(dispatched, 1);
  cache.update(src.containers);
  await cache.idle();
  assert.equal(src.gathered.length, 1);
  t += 61_000;
  cache.update(src.containers);
  await cache.idle();
  assert.equal(src.gathered.length, 2, 'a minute on, read again');
  assert.equal(dispatched, 1, 'the same audit: no new state, no new frame');
});

test('a source without an audit has no cache (the column then stays …)', () => {
  const store = createDashboardStore();
  assert.equal(createAuditCache(store, new FakeSource()), null);
});

test('a column is one entry of the definitions table: added, it is drawn, sized and sorted', () => {
  const extra: ColumnDef = { id: 'pid', header: 'PID', width: 7, right: true, desc: true, sortKey: (_s, r) => r.pid, cell: (_s, r) => String(r.pid) };
  (COLUMN_DEFS as ColumnDef[]).push(extra);
  try {
    const list = [rec('a'), rec('b')];
    let s = reduce(initialState(120, 30), { type: 'snapshot', snap: snapshot(list) });
    s = { ...s, columns: [...s.columns, 'pid'] };
    assert.equal(tableRows(s)[0].cells.pid, String(list[0].pid).padStart(7));
    assert.match(headerCells(s).pid, /PID/);
    s = reduce(s, { type: 'command', command: 'sortPrev' });
    assert.equal(s.sort.column, 'pid');
    assert.deepEqual(names(s), ['b', 'a']);
  } finally {
    (COLUMN_DEFS as ColumnDef[]).pop();
  }
  assert.deepEqual(shownColumns(['ns', 'name']).map((c) => c.id), ['name', 'ns'], 'the table keeps its own order');
});

for (const renderer of RENDERERS) {
  for (const [cols, rows] of [[80, 24], [200, 60]] as const) {
    test(`${renderer.name}: the grade column and the Security tab's findings at ${cols}x${rows}`, async () => {
      const { store, ctl } = world(cols, rows);
      ctl.tick();
      const app = renderer.mount(store, ctl, NO_COLOR, cols, rows);
      try {
        await ctl.idle();
        await settle();
        let f = app.frame();
        assert.match(f, /NAME▲.*GRADE/);
        assert.match(app.lines().find((l) => / weak /.test(l)) ?? '', /running .* D\s*$/);
        fits(app.lines(), cols, rows);
        // weak is the third row by name (old, weak, web)
        await app.press('j', '4');
        f = app.frame();
        assert.match(f, /grade\s+D\s+2 findings, worst first/);
        assert.match(f, /high\s+the host's pid namespace/);
        assert.match(f, /\/proc\/1\/ns\/pid is pid:\[4026531836\], the host's/);
        assert.match(f, /fix: drop --pid host/);
        assert.match(f, /low\s+no_new_privs not set/);
        fits(app.lines(), cols, rows);
        // a stopped container: no grade, no findings
        await app.press('k', 'k');
        assert.ok(!/grade\s+[A-F]/.test(app.frame()));
      } finally {
        app.unmount();
        ctl.stop();
      }
    });
  }
}
