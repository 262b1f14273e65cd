// What `tsbox stats` prints for given samples: podman's columns, labelled units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsJson, statsTable } from '../../src/cli/commands/stats.js';
import type { ContainerStats } from '../../src/probe/stats.js';

const MiB = 1024 * 1024;
const sample = (over: Partial<ContainerStats>): ContainerStats => ({
  id: 'a1b2c3d4e5f6a7b8c9d0', at: 0, cpuNs: 0, cpuPercent: null, cpuPercentOfLimit: null, memUsed: 0, memLimit: null, memPercent: null,
  pids: 0, pidsLimit: null, blkRead: 0, blkWrite: 0, netRx: 0, netTx: 0, oomKills: 0, ...over,
});

test('table: limits shown where set, the host memory where not, -- before a second sample', () => {
  const text = statsTable(
    [
      { name: 'web', stats: sample({ cpuPercent: 48.913, cpuPercentOfLimit: 97.826, memUsed: 12 * MiB, memLimit: 32 * MiB, memPercent: 37.5, pids: 3, pidsLimit: 10, netRx: 1536, netTx: 512, blkRead: 4 * MiB }) },
      { name: 'db', stats: sample({ id: 'ffff0000ffff0000', memUsed: 100 * MiB }) },
    ],
    1024 * MiB,
  );
  const [header, web, db] = text.trimEnd().split('\n');
  assert.match(header, /^ID\s+NAME\s+CPU %\s+CPU % OF LIMIT\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET IO\s+BLOCK IO\s+PIDS$/);
  assert.match(web, /^a1b2c3d4e5f6\s+web\s+48\.91%\s+97\.83%\s+12MiB \/ 32MiB\s+37\.50%\s+1\.5KiB \/ 512B\s+4MiB \/ 0B\s+3 \/ 10$/);
  assert.match(db, /^ffff0000ffff\s+db\s+--\s+--\s+100MiB \/ 1GiB\s+9\.77%\s+0B \/ 0B\s+0B \/ 0B\s+0$/);
});

test("json: podman's keys and strings, and tsbox's numbers as numbers, null where unknown", () => {
  const parsed = JSON.parse(statsJson([{ name: 'web', stats: sample({ cpuPercent: 12.5, memUsed: 2048 }) }], 4096));
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0].name, 'web');
  assert.equal(parsed[0].cpuPercent, 12.5);
  assert.equal(parsed[0].memUsed, 2048);
  assert.equal(parsed[0].memLimit, null);
  // podman's: the short id, percentages and sizes as text
  assert.equal(parsed[0].id, 'a1b2c3d4e5f6');
  assert.equal(parsed[0].cpu_percent, '12.50%');
  assert.equal(parsed[0].mem_percent, '50.00%');
});
