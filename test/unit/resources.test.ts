// Resource flags -> ResourceLimits: podman's formats and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { UserError } from '../../src/common/errors.js';
import { RESOURCE_FLAGS, parseResourceFlags } from '../../src/cli/resource-flags.js';
import { formatSize, parseSize } from '../../src/common/size.js';
import { formatLimits } from '../../src/engine/resources.js';

const parse = (...argv: string[]) => parseResourceFlags(parseArgs(argv, RESOURCE_FLAGS));
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Expect a UserError with exit code 125 whose message (and hint) match. */
function rejects(argv: string[], message: RegExp, hint?: RegExp): void {
  assert.throws(
    () => parse(...argv),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
      assert.equal(e.code, 125);
      assert.match(e.message, message);
      if (hint) assert.match(e.hint ?? '', hint);
      return true;
    },
  );
}

test('sizes: units b, k, m, g with optional i/b suffixes and fractions', () => {
  assert.equal(parseSize('64m'), 64 * MiB);
  assert.equal(parseSize('1g'), GiB);
  assert.equal(parseSize('512k'), 512 * KiB);
  assert.equal(parseSize('1024b'), 1024);
  assert.equal(parseSize('1024'), 1024);
  assert.equal(parseSize('1.5g'), 1.5 * GiB);
  assert.equal(parseSize('64MiB'), 64 * MiB);
  assert.equal(parseSize('64MB'), 64 * MiB);
  for (const bad of ['', 'm', '64x', '-1m', '1.2.3m', '64 mm']) assert.equal(parseSize(bad), null, bad);
});

test('memory flags', () => {
  assert.deepEqual(parse('-m', '64m'), { memory: 64 * MiB });
  assert.deepEqual(parse('--memory=1g', '--memory-swap', '2g', '--memory-reservation', '512m'), { memory: GiB, memorySwap: 2 * GiB, memoryReservation: 512 * MiB });
  assert.deepEqual(parse('--memory', '64m', '--memory-swap', '-1'), { memory: 64 * MiB, memorySwap: -1 });
  assert.deepEqual(parse('--memory', '64m', '--memory-swap', '64m'), { memory: 64 * MiB, memorySwap: 64 * MiB });
});

test('memory errors name the flag and the accepted format', () => {
  rejects(['--memory', '64x'], /^invalid value for --memory: '64x'$/, /b, k, m or g/);
  rejects(['--memory', '1m'], /--memory: 1MiB is below the minimum of 6MiB/);
  rejects(['--memory', '64m', '--memory-swap', '32m'], /--memory-swap \(32MiB\) is smaller than --memory \(64MiB\)/, /-1 for unlimited swap/);
  rejects(['--memory-swap', '1g'], /--memory-swap needs --memory too/);
  rejects(['--memory', '64m', '--memory-reservation', '128m'], /--memory-reservation \(128MiB\) is larger than --memory/);
});

test('--cpus becomes quota per 100ms period; 0 lifts the limit', () => {
  assert.deepEqual(parse('--cpus', '1.5'), { cpuQuota: 150000, cpuPeriod: 100000 });
  assert.deepEqual(parse('--cpus', '0.5'), { cpuQuota: 50000, cpuPeriod: 100000 });
  assert.deepEqual(parse('--cpus', '.25'), { cpuQuota: 25000, cpuPeriod: 100000 });
  assert.deepEqual(parse('--cpus', '0'), { cpuQuota: -1, cpuPeriod: 100000 });
  assert.deepEqual(parse('--cpu-quota', '20000', '--cpu-period', '50000'), { cpuQuota: 20000, cpuPeriod: 50000 });
  assert.deepEqual(parse('--cpu-quota', '20000'), { cpuQuota: 20000, cpuPeriod: 100000 });
  rejects(['--cpus', 'two'], /^invalid value for --cpus: 'two'$/, /such as 0.5, 1 or 1.5/);
  rejects(['--cpus', '0.001'], /--cpus/, /at least 0.01/);
  rejects(['--cpus', '1', '--cpu-quota', '50000'], /--cpus cannot be combined with --cpu-period or --cpu-quota/);
  rejects(['--cpu-period', '50000'], /--cpu-period needs --cpu-quota/);
  rejects(['--cpu-period', '10', '--cpu-quota', '5000'], /--cpu-period: '10'/, /1000 to 1000000/);
});

test('shares, weight, cpuset', () => {
  assert.deepEqual(parse('-c', '512'), { cpuShares: 512 });
  assert.deepEqual(parse('--cpu-weight', '200'), { cpuWeight: 200 });
  assert.deepEqual(parse('--cpuset-cpus', '1,0'), { cpusetCpus: '0-1' });
  rejects(['--cpu-shares', '1'], /--cpu-shares: '1'/, /2 to 262144/);
  rejects(['--cpu-weight', '0'], /--cpu-weight: '0'/, /1 to 10000/);
  rejects(['--cpu-shares', '512', '--cpu-weight', '20'], /--cpu-shares and --cpu-weight set the same thing/);
  rejects(['--cpuset-cpus', '0-'], /--cpuset-cpus: '0-'/, /0-3 or 0,2/);
});

test('--pids-limit: -1 and 0 are unlimited, like podman; --blkio-weight 10..1000', () => {
  assert.deepEqual(parse('--pids-limit', '10'), { pidsLimit: 10 });
  assert.deepEqual(parse('--pids-limit', '-1'), { pidsLimit: -1 });
  assert.deepEqual(parse('--pids-limit', '0'), { pidsLimit: -1 });
  rejects(['--pids-limit', '-5'], /--pids-limit: '-5'/, /-1 \(or 0\) for unlimited/);
  rejects(['--pids-limit', 'ten'], /--pids-limit: 'ten'/);
  assert.deepEqual(parse('--blkio-weight', '300'), { blkioWeight: 300 });
  rejects(['--blkio-weight', '5'], /--blkio-weight: '5'/, /10 to 1000/);
});

test('no flags, no limits', () => {
  assert.deepEqual(parse(), {});
});

test('formatLimits: words and labelled units, only what is set', () => {
  assert.deepEqual(formatLimits({ memory: 64 * MiB, cpuQuota: 150000, cpuPeriod: 100000, pidsLimit: -1 }), {
    Memory: '64MiB',
    'Memory+swap': '128MiB (default: twice the memory)',
    CPUs: '1.5 (quota 150000us per 100000us)',
    PIDs: 'unlimited',
  });
  assert.deepEqual(formatLimits({ memory: GiB, memorySwap: -1, cpusetCpus: '0-1', cpuShares: 512, blkioWeight: 300 }), {
    Memory: '1GiB',
    'Memory+swap': 'unlimited',
    'CPU set': '0-1',
    'CPU shares': '512',
    'Block IO weight': '300',
  });
  assert.deepEqual(formatLimits({}), {});
  assert.equal(formatSize(1.5 * GiB), '1.5GiB');
  assert.equal(formatSize(1000), '1000B');
});
