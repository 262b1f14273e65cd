// Real namespaces, made with unshare(1) and nsenter(1), probed from outside and
// checked against stat(2) of /proc/PID/ns/* (root only).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NAMESPACE_TYPES, type NamespaceType } from '../../src/engine/types.js';
import { classifyNamespaces, compactNsColumn, readNamespaceInodes } from '../../src/probe/namespaces.js';
import { canRun, start as startProgram, type Started } from '../lib/programs.js';

const skip = process.getuid?.() !== 0 ? 'needs root to create namespaces' : false;

const started: Started[] = [];
const extraPids: number[] = [];
after(async () => {
  for (const pid of extraPids) killQuietly(pid);
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      killQuietly(c.pid!);
      await gone;
    }
  }
});

function killQuietly(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function start(cmd: string, args: string[]): Started {
  const c = startProgram(cmd, args, { stdio: 'ignore' });
  started.push(c);
  return c;
}

function comm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Wait until `pid` runs `name` (it has exec'd, so its namespaces are final). */
async function execd(pid: number, name: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    if (comm(pid) === name) return pid;
    await sleep(10);
  }
  throw new Error(`pid ${pid} never ran ${name}`);
}

/** The child `unshare --fork` made, once it runs `name`. */
async function forkedChild(parent: number, name: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const kids = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    if (kids.length === 1 && comm(kids[0]) === name) {
      extraPids.push(kids[0]);
      return kids[0];
    }
    await sleep(10);
  }
  throw new Error(`unshare ${parent} never forked ${name}`);
}

test('namespace inodes of real processes, private, host and shared', { skip }, async () => {
  const hasTime = canRun('unshare', ['--time', 'true']);
  const u = start('unshare', ['--fork', '--kill-child', '--pid', '--mount-proc', '--uts', '--net', '--ipc', '--cgroup', ...(hasTime ? ['--time'] : []), 'sleep', '30']);
  const a = await forkedChild(u.pid!, 'sleep');
  // b joins a's net and uts namespaces, and keeps the host's others
  const b = await execd(start('nsenter', ['--target', String(a), '--net', '--uts', 'sleep', '30']).pid!, 'sleep');

  const self = readNamespaceInodes('self');
  const ia = readNamespaceInodes(a);
  const ib = readNamespaceInodes(b);
  for (const [pid, inodes] of [['self', self], [a, ia], [b, ib]] as const) {
    assert.deepEqual(Object.keys(inodes).sort(), [...NAMESPACE_TYPES].sort(), 'all eight types');
    for (const type of NAMESPACE_TYPES) assert.equal(inodes[type], statSync(`/proc/${pid}/ns/${type}`).ino, `${pid} ${type}`);
  }

  const fresh: NamespaceType[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts', ...(hasTime ? (['time'] as const) : [])];
  for (const type of fresh) assert.notEqual(ia[type], self[type], `a has its own ${type}`);
  assert.equal(ia.user, self.user);
  assert.equal(ib.net, ia.net);
  assert.equal(ib.uts, ia.uts);
  assert.equal(ib.pid, self.pid);

  const views = classifyNamespaces([
    { id: 'A', name: 'a', pid: a },
    { id: 'B', name: 'b', pid: b },
    { id: 'S', name: 'stopped', pid: 0 },
  ]);
  const of = (id: string, type: string) => views.get(id)!.find((v) => v.type === type)!;
  assert.deepEqual(of('A', 'net'), { type: 'net', inode: ia.net, sharing: 'shared', sharedWith: ['b'] });
  assert.deepEqual(of('B', 'uts'), { type: 'uts', inode: ia.uts, sharing: 'shared', sharedWith: ['a'] });
  assert.equal(of('A', 'pid').sharing, 'private');
  assert.equal(of('B', 'pid').sharing, 'host');
  assert.equal(of('A', 'user').sharing, 'host');
  assert.equal(compactNsColumn(views.get('A')!), `PPPSP${hasTime ? 'P' : 'H'}HS`);
  assert.equal(compactNsColumn(views.get('B')!), 'HHHSHHHS');
  assert.equal(compactNsColumn(views.get('S')!), '--------');
});

test('a process that is gone gives {}', { skip }, async () => {
  const c = start('true', []);
  await new Promise((r) => c.once('exit', r));
  assert.deepEqual(readNamespaceInodes(c.pid!), {});
  assert.deepEqual(readNamespaceInodes(2 ** 22 + 1), {}, 'above pid_max');
});
