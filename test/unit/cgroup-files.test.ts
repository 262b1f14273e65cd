// Parsers of cgroup and /proc file formats, on text in the kernel's formats
// (v1 samples from this machine, v2 samples from test/fixtures/cgroupv2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  formatCpuList, keyedValue, parseBlkioServiceBytes, parseCpuList, parseCpuMax, parseIoStat, parseKeyedLines, parseLimit, parseMountinfo, parseNetDev,
} from '../../src/probe/cgroupfiles.js';

const CONTAINER = new URL('../../../test/fixtures/cgroupv2/root/tsbox/9f2c4e7a1b3d5c6e8f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, CONTAINER), 'latin1');

test('keyed lines: memory.stat and memory.events of the v2 fixture', () => {
  const stat = parseKeyedLines(fixture('memory.stat'));
  assert.equal(stat.get('inactive_file'), 18874368);
  assert.equal(stat.get('anon'), 20480000);
  // the fixture is internally consistent, as the kernel's files are
  assert.equal(stat.get('inactive_file')! + stat.get('active_file')!, stat.get('file')! - stat.get('shmem')!);
  assert.equal(parseKeyedLines(fixture('memory.events')).get('oom_kill'), 1);
});

test('keyedValue finds a key at the start, in the middle and at the end, and not a longer key', () => {
  const text = 'cache 10\ntotal_inactive_file 77090816\ninactive_file 266240\nlast 5';
  assert.equal(keyedValue(text, 'cache'), 10);
  assert.equal(keyedValue(text, 'inactive_file'), 266240);
  assert.equal(keyedValue(text, 'total_inactive_file'), 77090816);
  assert.equal(keyedValue(text, 'last'), 5);
  assert.equal(keyedValue(text, 'missing'), undefined);
  assert.equal(keyedValue(text, 'inactive'), undefined);
});

test('limits: v2 max, v1 PAGE_COUNTER_MAX and -1 are no limit', () => {
  assert.equal(parseLimit('max\n'), null);
  assert.equal(parseLimit('9223372036854771712\n'), null); // v1 memory.limit_in_bytes unset (4 KiB pages)
  assert.equal(parseLimit('-1\n'), null); // v1 cpu.cfs_quota_us unset
  assert.equal(parseLimit('268435456\n'), 268435456);
  assert.equal(parseLimit(fixture('pids.max')), 100);
});

test('cpu.max', () => {
  assert.deepEqual(parseCpuMax(fixture('cpu.max')), { quota: 50000, period: 100000 });
  assert.deepEqual(parseCpuMax('max 100000\n'), { quota: null, period: 100000 });
});

test('io.stat sums rbytes and wbytes over devices', () => {
  assert.deepEqual(parseIoStat(fixture('io.stat')), { read: 1449984 + 4096, write: 184320 });
  assert.deepEqual(parseIoStat(''), { read: 0, write: 0 });
});

test('v1 blkio io_service_bytes: Read and Write lines, not the Totals', () => {
  // as this machine's kernel prints it after 5 MiB written and 7.3 MiB read on vda
  const text = '254:0 Read 7667712\n254:0 Write 5267456\n254:0 Sync 12935168\n254:0 Async 0\n254:0 Discard 0\n254:0 Total 12935168\nTotal 12935168\n';
  assert.deepEqual(parseBlkioServiceBytes(text), { read: 7667712, write: 5267456 });
  assert.deepEqual(parseBlkioServiceBytes('Total 0\n'), { read: 0, write: 0 });
});

test('net/dev: every interface but lo', () => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0',
    '  eth0: 148383527    3863    0    0    0     0          0         0   240873    2185    0    0    0     0       0          0',
    'veth1a2b:1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0',
  ].join('\n');
  assert.deepEqual(parseNetDev(text), { rx: 148383527 + 1000, tx: 240873 + 2000 });
});

test('cpu lists', () => {
  assert.deepEqual(parseCpuList('0-3,5,7-8\n'), [0, 1, 2, 3, 5, 7, 8]);
  assert.deepEqual(parseCpuList(''), []);
  assert.equal(parseCpuList('3-1'), null);
  assert.equal(parseCpuList('a'), null);
  assert.equal(parseCpuList('1,,2'), null);
  assert.equal(formatCpuList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
});

test('mountinfo: optional fields, escaped spaces, super options', () => {
  const m = parseMountinfo(
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 master:2 - cgroup cgroup rw,memory\n' +
      '90 23 0:60 /sub /mnt/with\\040space rw - cgroup2 none rw,nsdelegate\n',
  );
  assert.equal(m.length, 2);
  assert.deepEqual(m[0], {
    id: 35, parent: 31, root: '/', mountPoint: '/sys/fs/cgroup/memory', device: '0:32', mountOptions: ['rw', 'relatime'],
    optional: ['shared:9', 'master:2'], fsType: 'cgroup', source: 'cgroup', superOptions: ['rw', 'memory'],
  });
  assert.equal(m[1].mountPoint, '/mnt/with space');
  assert.equal(m[1].root, '/sub');
  assert.equal(m[1].fsType, 'cgroup2');
});
