// The state lock (src/engine/lock.ts): flock(2), held by the kernel for as
// long as the holder's open file lives. Real processes contend for it here:
// writers that count under it, holders killed with SIGKILL, a dashboard
// action waiting for it. Each runs test/lib/lock-tool.ts, through
// tsbox-spawn.node or (TSBOX_NO_ADDON=1) through `tsbox-helper lock`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeDir } from '../../src/engine/helper.js';
import { tryWithLock, withLock } from '../../src/engine/lock.js';
import { lockAddon, lockMethod } from '../../src/engine/spawn.js';
import { resolvePaths } from '../../src/engine/paths.js';
import type { ContainerRecord } from '../../src/engine/types.js';
import { cleanupRoot, makeRoot, tsbox } from '../lib/cli.js';
import { processGone } from '../lib/wait.js';
import { attempt, run, start, type Started } from '../lib/programs.js';

const TOOL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../lib/lock-tool.js');
const addonSkip = lockAddon(nativeDir()) ? false : 'tsbox-spawn.node is not built here';

type Via = 'addon' | 'helper';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls COND every 5 ms; false if it is still not true after MS. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** A lock-tool process and the lines it has printed. */
class Tool {
  readonly proc: Started;
  readonly out: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(via: Via, args: string[]) {
    this.proc = start(process.execPath, [TOOL, ...args], { env: { ...process.env, TSBOX_NO_ADDON: via === 'helper' ? '1' : '' } });
    let buf = '';
    this.proc.stdout!.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      this.out.push(...lines);
    });
    this.proc.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** When it printed "held MS" (it has the lock), or undefined. */
  get heldAt(): number | undefined {
    const l = this.out.find((x) => x.startsWith('held '));
    return l ? Number(l.slice(5)) : undefined;
  }

  /** Wait until it has printed N lines; fails the test after MS, with its stderr. */
  async lines(n: number, ms = 20000): Promise<string[]> {
    assert.ok(await until(() => this.out.length >= n, ms), `lock-tool ${this.pid} printed ${JSON.stringify(this.out)}, not ${n} lines, in ${ms} ms; stderr: ${this.stderr}`);
    return this.out;
  }

  async held(ms = 20000): Promise<number> {
    await this.lines(1, ms);
    assert.match(this.out[0], /^held \d+$/, this.stderr);
    return this.heldAt!;
  }

  /** End its stdin: a holder lets go, a writer exits. */
  end(): Promise<number | null> {
    this.proc.stdin!.end();
    return this.exited;
  }

  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** The first of TOOLS to hold the lock, within MS. */
async function firstToHold(tools: Tool[], ms = 20000): Promise<Tool> {
  assert.ok(await until(() => tools.some((x) => x.heldAt !== undefined), ms), 'none of the waiters got the lock');
  const holders = tools.filter((x) => x.heldAt !== undefined);
  assert.equal(holders.length, 1, 'two had the lock at once');
  return holders[0];
}

function scratch(t: { after(fn: () => void): void }): string {
  const dir = makeRoot('tsbox-lock-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pid that was a process a moment ago and is none now. */
function deadPid(): number {
  // a shell's own pid, once it has exited
  const pid = Number(run('sh', ['-c', 'echo $$']));
  assert.ok(pid > 0 && !fs.existsSync(`/proc/${pid}`));
  return pid;
}

/** What the O_EXCL lock left when its owner died: "PID START". */
function leaveStaleLock(lockFile: string): void {
  fs.rmSync(lockFile, { force: true });
  fs.writeFileSync(lockFile, `${deadPid()} 123456\n`);
}

/** The log's enter/leave lines alternate, each leave by the process that entered: nobody was ever inside with another. */
function checkNoOverlap(log: string): number {
  const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  let inside: string | undefined;
  let entries = 0;
  for (const [i, l] of lines.entries()) {
    const [what, pid] = l.split(' ');
    if (what === 'enter') {
      assert.equal(inside, undefined, `line ${i + 1}: ${pid} entered while ${inside} was inside`);
      inside = pid;
      entries++;
    } else {
      assert.equal(pid, inside, `line ${i + 1}: ${pid} left, but ${inside} was inside`);
      inside = undefined;
    }
  }
  assert.equal(inside, undefined);
  return entries;
}

/** tsbox-helper processes whose parent is PID. */
function helpersOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(path.join(nativeDir(), 'tsbox-helper'));
      } catch {
        return false;
      }
    });
}

async function contend(t: { after(fn: () => void): void }, vias: Via[], rounds: number): Promise<void> {
  const dir = scratch(t);
  const lockFile = path.join(dir, 'lock');
  const counter = path.join(dir, 'counter');
  const log = path.join(dir, 'log');
  fs.writeFileSync(counter, '0\n');
  const writers = vias.map((via) => new Tool(via, ['writer', lockFile, counter, log, '1']));
  try {
    for (let round = 1; round <= rounds; round++) {
      // the precondition of the race: a lock file whose owner is dead, which
      // the O_EXCL lock broke, and two breakers could each break
      leaveStaleLock(lockFile);
      for (const w of writers) w.proc.stdin!.write('go 1\n');
      for (const w of writers) assert.equal((await w.lines(round))[round - 1], 'done');
      assert.equal(Number(fs.readFileSync(counter, 'utf8')), round * writers.length, `round ${round}: an update was lost`);
    }
  } finally {
    await Promise.all(writers.map((w) => w.end()));
  }
  assert.equal(checkNoOverlap(log), rounds * writers.length);
}

test('a stale lock and 20 writers at once, 100 rounds: every increment counted, never two inside', { skip: addonSkip }, async (t) => {
  await contend(t, Array(20).fill('addon'), 100);
});

test('10 writers locking through tsbox-helper lock and 10 through the module: the same lock, 10 rounds', async (t) => {
  await contend(t, [...Array(10).fill('helper'), ...Array(10).fill(addonSkip ? 'helper' : 'addon')], 20);
});

for (const via of ['addon', 'helper'] as const) {
  const skip = via === 'addon' ? addonSkip : false;
  const other: Via = via === 'addon' ? 'helper' : 'addon';

  test(`${via}: a holder killed with SIGKILL: a waiter has the lock at once, then the others one at a time`, { skip }, async (t) => {
    const dir = scratch(t);
    const lockFile = path.join(dir, 'lock');
    const holder = new Tool(via, ['hold', lockFile]);
    await holder.held();
    // waiters of both kinds, all waiting in the kernel
    const waiters = [new Tool(via, ['hold', lockFile]), new Tool(via, ['hold', lockFile]), ...(addonSkip ? [] : [new Tool(other, ['hold', lockFile])])];
    t.after(() => Promise.all([holder, ...waiters].map((w) => w.kill())));
    await sleep(400);
    assert.ok(
      waiters.every((w) => w.heldAt === undefined),
      'a waiter got the lock while it was held',
    );
    const killedAt = Date.now();
    await holder.kill();
    let rest = waiters;
    while (rest.length) {
      const next = await firstToHold(rest);
      // the kernel hands it on at the holder's exit (no polling, no timeout to
      // wait out); the bound is for a loaded machine
      if (rest === waiters) {
        t.diagnostic(`a waiter had the lock ${next.heldAt! - killedAt} ms after the kill`);
        assert.ok(next.heldAt! - killedAt < 2000, `the lock came ${next.heldAt! - killedAt} ms after the kill`);
      }
      rest = rest.filter((w) => w !== next);
      await sleep(100);
      assert.ok(rest.every((w) => w.heldAt === undefined), 'two had the lock at once');
      assert.equal(await next.end(), 0);
    }
    // and nobody holds it now: util-linux flock takes it without waiting
    assert.equal(attempt('flock', ['--nonblock', lockFile, 'true']).exitCode, 0);
  });
}

for (const via of ['addon', 'helper'] as const) {
  const skip = via === 'addon' ? addonSkip : false;

  test(`${via}: a wait that times out names the lock file and its holder, and the process exits at once, leaving nothing`, { skip }, async (t) => {
    const dir = scratch(t);
    const lockFile = path.join(dir, 'lock');
    const holder = new Tool('addon', ['hold', lockFile]);
    t.after(() => holder.kill());
    await holder.held();
    const waiter = new Tool(via, ['hold', lockFile, '1000']);
    t.after(() => waiter.kill());
    // through the helper, a tsbox-helper lock waits (through the module, a thread)
    let lockHelper = 0;
    if (via === 'helper') {
      assert.ok(await until(() => helpersOf(waiter.pid).length === 1, 5000), 'no tsbox-helper lock waiting');
      [lockHelper] = helpersOf(waiter.pid);
    }
    const [line] = await waiter.lines(1);
    const timedOutAt = Date.now();
    assert.equal(line, `error timed out after 1 s waiting for the lock ${lockFile}, held by pid ${holder.pid} (node)`);
    assert.equal(waiter.stderr, '');
    // the wait given up keeps neither the process (exit code 1 from the tool) nor a helper
    assert.ok(await until(() => waiter.proc.exitCode !== null, 5000), 'the process did not exit after its wait timed out');
    t.diagnostic(`exited ${Date.now() - timedOutAt} ms after the timeout`);
    assert.equal(waiter.proc.exitCode, 1);
    if (lockHelper) assert.ok(await until(() => processGone(lockHelper), 2000), `tsbox-helper lock ${lockHelper} outlived the timeout`);
    await holder.end();
    assert.equal(attempt('flock', ['--nonblock', lockFile, 'true']).exitCode, 0, 'nobody holds it');
  });
}

test('helper: an engine killed while its tsbox-helper lock waits takes the waiter with it (PR_SET_PDEATHSIG)', async (t) => {
  const dir = scratch(t);
  const lockFile = path.join(dir, 'lock');
  const holder = new Tool('helper', ['hold', lockFile]);
  t.after(() => holder.kill());
  await holder.held();
  const waiter = new Tool('helper', ['hold', lockFile]);
  assert.ok(await until(() => helpersOf(waiter.pid).length === 1, 5000));
  const [lockHelper] = helpersOf(waiter.pid);
  await waiter.kill();
  assert.ok(await until(() => processGone(lockHelper), 2000), `tsbox-helper lock ${lockHelper} outlived its engine`);
  // and the lock is still the holder's alone
  assert.equal(attempt('flock', ['--nonblock', lockFile, 'true']).exitCode, 1);
  await holder.end();
});

test('helper: a tsbox-helper lock killed while it waits is an error for its engine, which does not go in', async (t) => {
  const dir = scratch(t);
  const lockFile = path.join(dir, 'lock');
  const holder = new Tool('addon', ['hold', lockFile]);
  t.after(() => holder.kill());
  await holder.held();
  const waiter = new Tool('helper', ['hold', lockFile]);
  t.after(() => waiter.kill());
  assert.ok(await until(() => helpersOf(waiter.pid).length === 1, 5000));
  process.kill(helpersOf(waiter.pid)[0], 'SIGKILL');
  const [line] = await waiter.lines(1);
  assert.equal(line, 'error tsbox-helper lock failed: killed by SIGKILL');
  assert.equal(await waiter.exited, 1);
});

test('a lock file removed while held and waited for: the waiter locks the new file, never alongside its holder', async (t) => {
  const dir = scratch(t);
  const lockFile = path.join(dir, 'lock');
  const a = new Tool('addon', ['hold', lockFile]);
  await a.held();
  const b = new Tool(addonSkip ? 'helper' : 'addon', ['hold', lockFile]); // waits on the first file
  const tools = [a, b];
  t.after(() => Promise.all(tools.map((x) => x.kill())));
  await sleep(300);
  fs.rmSync(lockFile); // by hand, as one would remove a "stale" lock file
  const c = new Tool('addon', ['hold', lockFile]);
  tools.push(c);
  await c.held(); // a new file: a and c are both in, which no lock can prevent
  await a.end();
  // b now has the first file's lock, sees that file is gone, and waits for c's
  await sleep(300);
  assert.equal(b.heldAt, undefined, 'b went in alongside c');
  await c.end();
  await b.held();
  await b.end();
});

test('the lock is a plain flock: util-linux flock(1) holding it keeps the engine out, and sees it held', async (t) => {
  const dir = scratch(t);
  const lockFile = path.join(dir, 'lock');
  fs.writeFileSync(lockFile, '');
  // its own process group: flock and the sleep it runs share the open file
  const outside = start('flock', [lockFile, 'sleep', '30'], { detached: true });
  const release = () => {
    try {
      process.kill(-outside.pid!, 'SIGKILL');
    } catch {
      /* gone already */
    }
  };
  t.after(release);
  assert.ok(await until(() => attempt('flock', ['--nonblock', lockFile, 'true']).exitCode === 1, 5000));
  assert.equal(
    tryWithLock(lockFile, () => 'in'),
    undefined,
  );
  await assert.rejects(
    withLock(lockFile, () => 'in', { timeoutMs: 200 }),
    (e: Error) => e.message.startsWith(`timed out after 0.2 s waiting for the lock ${lockFile}`),
  );
  const waited = withLock(lockFile, () => attempt('flock', ['--nonblock', lockFile, 'true']).exitCode);
  release();
  assert.equal(await waited, 1, 'flock(1) sees the engine holding it');
  assert.deepEqual(tryWithLock(lockFile, () => 'in'), { value: 'in' });
});

// ------------------------------------------------------------ the engine

/** A state root for the CLI, removed (with its containers) after the test. */
function stateRoot(t: { after(fn: () => void): void }): string {
  const root = makeRoot('tsbox-lock-state-');
  t.after(() => cleanupRoot(root));
  return root;
}

function record(root: string, name: string): ContainerRecord {
  const dir = resolvePaths(root).containers;
  for (const id of fs.readdirSync(dir)) {
    const rec = JSON.parse(fs.readFileSync(path.join(dir, id, 'state.json'), 'utf8')) as ContainerRecord;
    if (rec.name === name) return rec;
  }
  throw new Error(`no record named ${name}`);
}

for (const via of ['addon', 'helper'] as const) {
  const skip = via === 'addon' ? addonSkip : false;
  const env = { TSBOX_NO_ADDON: via === 'helper' ? '1' : '' };

  test(`${via}: a dashboard action waiting for the lock leaves the dashboard's event loop and refreshes running`, { skip }, async (t) => {
    const root = stateRoot(t);
    assert.equal(tsbox(root, ['create', '--name', 'victim', 'host', 'true']).code, 0);
    const holder = new Tool('addon', ['hold', resolvePaths(root).lock]);
    t.after(() => holder.kill());
    await holder.held();
    const dashboard = new Tool(via, ['act', root, 'victim']);
    t.after(() => dashboard.kill());
    await sleep(1500);
    assert.deepEqual(dashboard.out, [], `the removal ended while another process held the lock: ${dashboard.stderr}`);
    const releasedAt = Date.now();
    await holder.end();
    const [line] = await dashboard.lines(1);
    const r = JSON.parse(line) as { lateMs: number; snapshotMs: number; doneAt: number };
    t.diagnostic(`while waiting: timer late by up to ${r.lateMs.toFixed(1)} ms, refreshes up to ${r.snapshotMs.toFixed(1)} ms`);
    assert.ok(r.doneAt >= releasedAt, 'removed only once the lock was free');
    // a loop blocked while waiting would be >1 s late; these bounds allow for a loaded machine
    assert.ok(r.lateMs < 300, `a 10 ms timer fired up to ${r.lateMs.toFixed(1)} ms late`);
    assert.ok(r.snapshotMs < 300, `a dashboard refresh took up to ${r.snapshotMs.toFixed(1)} ms`);
    assert.equal(await dashboard.exited, 0);
    assert.equal(tsbox(root, ['ps', '-a', '-q']).stdout, '');
  });

  test(`${via}: ps while another process holds the lock shows an exit at once without saving it; a later ps saves it`, { skip }, async (t) => {
    const root = stateRoot(t);
    assert.equal(tsbox(root, ['run', '-d', '--name', 'brief', 'host', 'sh', '-c', 'exit 3']).code, 0);
    const running = record(root, 'brief');
    assert.equal(running.state, 'running');
    assert.ok(await until(() => processGone(running.pid) && processGone(running.monitorPid), 10000), 'the container did not exit');
    const holder = new Tool('addon', ['hold', resolvePaths(root).lock]);
    t.after(() => holder.kill());
    await holder.held();
    const started = Date.now();
    const busy = tsbox(root, ['ps', '-a'], { env });
    assert.equal(busy.code, 0, busy.stderr);
    assert.ok(Date.now() - started < 5000, `ps took ${Date.now() - started} ms (the lock waits up to 15 s)`);
    assert.match(busy.stdout, /Exited \(3\).* brief\n/);
    assert.equal(record(root, 'brief').state, 'running', 'saved without the lock');
    await holder.end();
    assert.match(tsbox(root, ['ps', '-a'], { env }).stdout, /Exited \(3\).* brief\n/);
    const saved = record(root, 'brief');
    assert.equal(saved.state, 'exited');
    assert.equal(saved.exitCode, 3);
  });
}

test('a lock file that cannot be opened is an error that names it (125), and leaves no container', (t) => {
  const root = stateRoot(t);
  const lockFile = resolvePaths(root).lock;
  fs.mkdirSync(lockFile, { recursive: true });
  const r = tsbox(root, ['create', '--name', 'x', 'host', 'true']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, new RegExp(`^Error: cannot open the lock file ${lockFile}: EISDIR.*\ntsbox must be able to write its state directory`));
  assert.doesNotMatch(r.stderr, /internal error|\n +at /);
  assert.deepEqual(fs.readdirSync(resolvePaths(root).containers), []);
  fs.rmdirSync(lockFile);
});

test('tsbox info says how the lock is taken; a module that cannot be loaded is not used for it', (t) => {
  const root = stateRoot(t);
  const info = (env: NodeJS.ProcessEnv) => JSON.parse(tsbox(root, ['info', '--format', 'json'], { env }).stdout).tsbox.stateLock as string;
  if (!addonSkip) assert.equal(info({}), 'flock (native/tsbox-spawn.node)');
  assert.equal(info({ TSBOX_NO_ADDON: '1' }), 'flock by tsbox-helper lock (native/tsbox-spawn.node TSBOX_NO_ADDON=1)');
  const dir = scratch(t);
  fs.writeFileSync(path.join(dir, 'tsbox-spawn.node'), 'not a shared object');
  assert.equal(lockAddon(dir), undefined);
  assert.match(lockMethod(dir), /^flock by tsbox-helper lock \(native\/tsbox-spawn\.node cannot be loaded: /);
});
