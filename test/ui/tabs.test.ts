import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyText, type Body, type TableBlock } from '../../src/ui/body.js';
import { lineText, type Line } from '../../src/ui/lines.js';
import { na, ok } from '../../src/ui/model.js';
import { DEFAULT_DEVICE_RULES } from '../../src/engine/devices.js';
import type { DeviceAccess } from '../../src/probe/devices.js';
import { configBody, logsBody, namespacesBody, securityBody, statsBody, usersBody, volumesBody } from '../../src/ui/tabs.js';
import { appendSample, EMPTY_SERIES } from '../../src/ui/series.js';
import { FakeSource, nsViews, rec, spec, stats } from './fixtures.js';

const text = (body: Body) => bodyText(body).join('\n');
/** the styled lines of a body's line blocks */
const lines = (body: Body): Line[] => body.flatMap((b) => (b.kind === 'lines' ? b.lines : []));
const tableOf = (body: Body): TableBlock => body.find((b): b is TableBlock => b.kind === 'table')!;
const W = 80;
const series = (xs: number[]) => xs.reduce((s, x) => appendSample(s, x, 300), EMPTY_SERIES);

test('stats: numbers with units, sparklines, and plain reasons when there is nothing', () => {
  const r = rec('web');
  const h = { cpu: series([0, 10, 20, 40]), mem: series([1e6, 2e6, 3e6, 12 * 1024 * 1024]) };
  const t = text(statsBody(r, ok({ [r.id]: stats(r.id) }), h, W));
  assert.match(t, /CPU\s+12\.5%\s+peak 40\.0%/);
  assert.match(t, /MEM\s+12\.0 MiB of 64\.0 MiB \(18\.8%\)/);
  assert.match(t, /PIDS\s+3 of 50/);
  assert.match(t, /read 4\.0 KiB\s+write 0 B/);
  assert.match(t, /rx 1\.5 KiB\s+tx 512 B/);
  assert.ok(t.includes('▁▃▅█'), 'cpu sparkline scaled to its peak');
  for (const l of bodyText(statsBody(r, ok({ [r.id]: stats(r.id) }), h, W))) assert.ok(l.length <= W);
  assert.match(text(statsBody(r, na('the stats probe (src/probe/stats.ts) is not installed'), h, W)), /^not available: the stats probe/);
  assert.match(text(statsBody(rec('old', { state: 'exited', exitCode: 1 }), ok({}), undefined, W)), /old is exited\(1\): no live statistics/);
  assert.match(text(statsBody(r, ok({ [r.id]: stats(r.id, { oomKills: 2, memLimit: null, memPercent: null }) }), h, W)), /2 kills[\s\S]*|of no limit/);
});

test('namespaces: inode, sharing and with whom, beside the configured mode', () => {
  const web = rec('web');
  const db = rec('db', { spec: spec({ namespaces: { ...spec().namespaces, net: { kind: 'container', container: web.id } } }) });
  const views = ok({ [db.id]: nsViews({ net: { sharing: 'shared', sharedWith: ['web'], inode: 4026532999 } }) });
  const t = text(namespacesBody(db, [web, db], views, 'P private, H host', W));
  assert.match(t, /net\s+container:web\s+4026532999\s+shared\s+web/);
  assert.match(t, /user\s+host\s+\d+\s+host/);
  assert.match(t, /ipc\s+private\s+\d+\s+private/);
  assert.ok(t.includes('P private, H host'));
  const sharing = tableOf(namespacesBody(db, [web, db], views, null, W)).columns.find((c) => c.key === 'SHARING')!;
  assert.deepEqual([sharing.tones?.host, sharing.tones?.shared], ['warn', 'accent'], 'the host namespace stands out');
  assert.match(text(namespacesBody(db, [web, db], na('the namespace probe is not installed'), null, W)), /not available: the namespace probe/);
  const stopped = text(namespacesBody(rec('old', { state: 'exited' }), [], ok({}), null, W));
  assert.match(stopped, /exist only while it runs/);
  assert.match(stopped, /net\s+private/, 'configured modes still shown');
});

test('users: maps beside the subordinate ranges they come from, and the translation', () => {
  const r = rec('web');
  const src = new FakeSource();
  const t = text(usersBody(r, src.users(), { query: '0', result: 'container uid 0 = host uid 100000' }, W));
  assert.match(t, /uid_map\s+0\s+100000\s+65536\s+subuid alice:100000:65536/);
  assert.match(t, /gid_map\s+0\s+100000\s+65536\s+subgid alice:100000:65536/);
  assert.match(t, /subuid\s+alice: 100000\+65536/);
  assert.ok(t.includes('container uid 0 = host uid 100000'));
  const host = text(usersBody(r, ok({ maps: { uid: spec().uidMap, gid: spec().gidMap }, subids: na('no subid file') }), { query: '', result: null }, W));
  assert.match(host, /uid_map\s+0\s+0\s+4294967295\s+identity: no user namespace/);
  assert.match(host, /not available: no subid file/);
  assert.match(host, /press t to translate/);
  assert.match(text(usersBody(r, na('the id map probe is not installed'), { query: '', result: null }, W)), /not available: the id map probe/);
});

test('security: capabilities by name, seccomp, no_new_privs, label; privileged stands out', () => {
  const r = rec('web');
  const sec = new FakeSource().security(r);
  const t = text(securityBody(r, sec, W));
  assert.match(t, /caps\s+2 effective of 3 in the bounding set/);
  assert.ok(t.includes('CHOWN KILL'));
  assert.match(t, /seccomp\s+filter\s+no_new_privs\s+yes/);
  assert.match(t, /label\s+none/);
  assert.ok(!t.includes('PRIVILEGED'));
  const priv = lines(securityBody(r, ok({ ...(sec.ok ? sec.value : ({} as never)), privileged: true }), W));
  assert.ok(lineText(priv[0]).includes('PRIVILEGED'));
  assert.ok(priv[0][0].inverse && priv[0][0].tone === 'bad', 'highlighted');
  assert.match(text(securityBody(r, na('the process probe is not installed'), W)), /not available: the process probe/);
  assert.match(text(securityBody(rec('old', { state: 'exited' }), null, W)), /read from its live\s+process/);
});

test('security: the devices it may open, from its cgroups', () => {
  const r = rec('web');
  const base = new FakeSource().security(r);
  const withDevices = (devices: DeviceAccess) => lines(securityBody(r, ok({ ...(base.ok ? base.value : ({} as never)), devices }), W));
  const allow = withDevices({ kind: 'list', rules: [...DEFAULT_DEVICE_RULES] });
  const line = allow.find((l) => lineText(l).startsWith('devices'))!;
  assert.equal(lineText(line).replace(/\s+/g, ' ').trim(), 'devices null zero full random urandom tty ptmx pts, mknod of any node');
  assert.equal(line.at(-1)!.tone, 'good');
  const every = withDevices({ kind: 'list', rules: ['a *:* rwm'] }).find((l) => lineText(l).startsWith('devices'))!;
  assert.match(lineText(every), /every device/);
  assert.equal(every.at(-1)!.tone, 'bad');
  const shown = (devices: DeviceAccess) => withDevices(devices).map(lineText).join('\n');
  assert.match(shown({ kind: 'bpf', cgroup: '/sys/fs/cgroup/tsbox/c1' }), /allowlist \(a BPF program on its cgroup v2\)/);
  assert.match(shown({ kind: 'none' }), /user namespace refuses device nodes/);
  assert.match(shown({ kind: 'list', rules: ['c 10:200 rwm'] }), /devices\s+c 10:200 rwm/);
});

test('volumes: what the record says, and the label report when there is one', () => {
  const v = { source: '/srv/data', destination: '/data', readOnly: false, relabel: 'Z' as const, chown: false, type: 'bind' as const };
  const r = rec('web', { spec: spec({ volumes: [v] }) });
  const without = text(volumesBody(r, na('the SELinux label report is not installed'), W));
  assert.match(without, /DESTINATION\s+SOURCE\s+MODE\n\/data\s+\/srv\/data\s+rw:Z/);
  assert.match(without, /labels not available: the SELinux label report/);
  const report = ok([
    { source: '/srv/data', destination: '/data', mode: 'rw', relabel: 'Z', current: 'system_u:object_r:container_file_t:s0:c1,c2', expected: 'system_u:object_r:container_file_t:s0:c3,c4', agrees: false, sharedWith: [{ name: 'db', label: null }], warnings: ['relabeled for container db'] },
  ]);
  const t = text(volumesBody(r, report, 200));
  assert.match(t, /\/data\s+\/srv\/data\s+rw:Z\s+system_u:object_r:container_file_t:s0:c1,c2\s+system_u:object_r:container_file_t:s0:c3,c4\s+no, differs/);
  assert.equal(tableOf(volumesBody(r, report, 200)).columns.find((c) => c.key === 'AGREES')?.tones?.['no, differs'], 'bad');
  assert.match(t, /\/data is shared with db \(no label\)/);
  assert.match(t, /! \/data: relabeled for container db/);
  assert.match(text(volumesBody(rec('bare'), null, W)), /no volumes/);
});

test('logs and config: lines, matches marked, reasons when missing', () => {
  const logs = { id: 'x', error: null, follow: true, lines: [
    { time: '2024-05-01T12:00:01.000000001Z', stream: 'stdout' as const, text: 'hello' },
    { time: '2024-05-01T12:00:02.000000001Z', stream: 'stderr' as const, text: 'oops' },
  ] };
  const l = lines(logsBody(logs, 'hel', 0, W));
  assert.equal(lineText(l[0]), '12:00:01 hello');
  assert.ok(l[0][1].inverse, 'the current match is inverse');
  assert.equal(l[1][1].tone, 'bad', 'stderr stands out');
  assert.match(text(logsBody({ ...logs, lines: [], error: 'cannot read ctr.log' }, '', null, W)), /not available: cannot read ctr\.log/);
  assert.match(text(logsBody({ ...logs, lines: [] }, '', null, W)), /no output yet/);
  assert.equal(lineText(lines(configBody(ok(['{', '  "Id": "abc"', '}']), 'id', 1, W))[1]), '  "Id": "abc"');
  assert.match(text(configBody(na('no such container'), '', null, W)), /not available: no such container/);
});
