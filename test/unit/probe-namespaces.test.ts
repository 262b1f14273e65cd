import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAMESPACE_TYPES } from '../../src/engine/types.js';
import { NS_LEGEND, classifyInodes, compactNsColumn, type NsInodes } from '../../src/probe/namespaces.js';

// Synthetic inode numbers: the classification is pure; test/integration/probe-namespaces.test.ts
// checks it against real namespaces.
const host: NsInodes = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
const privateAll = (base: number): NsInodes => ({ cgroup: base + 1, ipc: base + 2, mnt: base + 3, net: base + 4, pid: base + 5, time: base + 6, user: 7, uts: base + 8 });

test('private, host and shared, with whom', () => {
  const web = privateAll(100);
  const sidecar = { ...privateAll(200), net: web.net, ipc: web.ipc };
  const hostnet = { ...privateAll(300), net: host.net };
  const views = classifyInodes(
    [
      { id: 'a', name: 'web', inodes: web },
      { id: 'b', name: 'sidecar', inodes: sidecar },
      { id: 'c', name: 'hostnet', inodes: hostnet },
    ],
    host,
  );
  const of = (id: string, type: string) => views.get(id)!.find((v) => v.type === type)!;
  assert.deepEqual(of('a', 'net'), { type: 'net', inode: 104, sharing: 'shared', sharedWith: ['sidecar'] });
  assert.deepEqual(of('b', 'ipc'), { type: 'ipc', inode: 102, sharing: 'shared', sharedWith: ['web'] });
  assert.deepEqual(of('a', 'pid'), { type: 'pid', inode: 105, sharing: 'private', sharedWith: [] });
  assert.deepEqual(of('c', 'net'), { type: 'net', inode: 4, sharing: 'host', sharedWith: [] });
  // all three are in the host's user namespace: that is 'host', not 'shared'
  for (const id of ['a', 'b', 'c']) assert.equal(of(id, 'user').sharing, 'host');
  assert.deepEqual(views.get('a')!.map((v) => v.type), [...NAMESPACE_TYPES]);
  assert.equal(compactNsColumn(views.get('a')!), 'PSPSPPHP');
  assert.equal(compactNsColumn(views.get('c')!), 'PPPHPPHP');
});

test('three in one namespace each list the other two', () => {
  const net = 999;
  const views = classifyInodes(
    ['x', 'y', 'z'].map((n, i) => ({ id: n, name: n, inodes: { ...privateAll(i * 100 + 1000), net } })),
    host,
  );
  assert.deepEqual(views.get('y')!.find((v) => v.type === 'net')!.sharedWith, ['x', 'z']);
});

test('unknown inodes (stopped container, kernel without time namespaces) show as unknown, never guessed', () => {
  const noTime = { ...privateAll(100) };
  delete noTime.time;
  const views = classifyInodes(
    [
      { id: 'stopped', name: 'stopped', inodes: {} },
      { id: 'old', name: 'old', inodes: noTime },
    ],
    host,
  );
  assert.equal(compactNsColumn(views.get('stopped')!), '--------');
  assert.deepEqual(views.get('stopped')!.find((v) => v.type === 'net'), { type: 'net', inode: null, sharing: 'unknown', sharedWith: [] });
  assert.equal(compactNsColumn(views.get('old')!), 'PPPPP-HP');
  // two stopped containers are not "shared" with each other
  assert.equal(compactNsColumn([]), '--------');
});

test('the legend names every type in column order and every symbol', () => {
  assert.ok(NS_LEGEND.includes(NAMESPACE_TYPES.join(' ')));
  for (const s of ['P private', 'H host', 'S shared', '- unknown']) assert.ok(NS_LEGEND.includes(s), s);
});
