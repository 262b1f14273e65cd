// tsbox top and the probes behind the dashboard's Processes, Env and Mounts
// tabs, against a real container in its own user and pid namespaces: every
// pid and uid is checked against the kernel's own /proc files.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cleanupRoot, inspect, makeRoot, tsbox } from '../lib/cli.js';
import { parseIdMap, toHost } from '../../src/probe/idmap.js';
import { readEnviron } from '../../src/probe/environ.js';
import { readMounts } from '../../src/probe/mounts.js';
import { scanProcesses } from '../../src/probe/processes.js';

const root = makeRoot();
// the container's root is a subordinate uid: it must be able to pass through the state root
fs.chmodSync(root, 0o711);
const NAME = 'top-test';
let pid = 0;

function status(p: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${p}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

before(() => {
  // pid 1 a shell; a child as container uid 1000; one whose argv[0] is an escape sequence
  const script = "setpriv --reuid 1000 --regid 1000 --clear-groups sleep 1000 & bash -c \"exec -a $'\\e]0;pwned\\a\\e[2J' sleep 1001\" & wait";
  const r = tsbox(root, ['run', '-d', '--name', NAME, '--userns=auto', '-e', 'DB_PASSWORD=hunter2', '-e', 'PLAIN=1', 'host', 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  pid = (inspect(root, NAME) as { State: { Pid: number } }).State.Pid;
  // wait for both children to have exec'd
  for (let i = 0; i < 100; i++) {
    const s = scanProcesses({ pid }, null);
    if (s && s.rows.filter((p) => p.command.startsWith('sleep') || p.command.includes('pwned')).length === 2) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
});
after(() => {
  tsbox(root, ['rm', '-f', NAME]);
  cleanupRoot(root);
});

test('top: both pids (NSpid) and both uids (through uid_map) of every process in the pid namespace', () => {
  const r = tsbox(root, ['top', '--format', 'json', NAME]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Array<{ pid: number; hostPid: number; ppid: number; hostPpid: number; uid: number | null; hostUid: number; state: string; command: string }>;
  // the same set as an independent walk of /proc by pid-namespace inode
  const ns = fs.statSync(`/proc/${pid}/ns/pid`).ino;
  const expected = fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return fs.statSync(`/proc/${n}/ns/pid`).ino === ns;
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort((a, b) => a - b);
  assert.deepEqual(rows.map((x) => x.hostPid).sort((a, b) => a - b), expected);
  assert.equal(rows.length, 3, r.stdout);
  const map = parseIdMap(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8'));
  assert.notEqual(map[0].host, 0, 'the container has a user namespace of its own (--userns=auto)');
  for (const p of rows) {
    const st = status(p.hostPid);
    const nspid = st['NSpid'].split(/\s+/).map(Number);
    assert.equal(nspid[0], p.hostPid);
    assert.equal(p.pid, nspid.at(-1), 'the pid inside is the last NSpid');
    assert.equal(p.hostUid, Number(st['Uid'].split(/\s+/)[0]));
    assert.equal(toHost(map, p.uid!), p.hostUid, 'uid inside maps to the host uid');
  }
  const init = rows.find((p) => p.hostPid === pid)!;
  assert.equal(init.pid, 1);
  assert.equal(init.ppid, 0, "the init's parent is outside: 0, as the container sees it");
  assert.equal(init.uid, 0);
  const child = rows.find((p) => p.uid === 1000)!;
  assert.ok(child, 'the setpriv child runs as container uid 1000');
  assert.equal(child.hostUid, map[0].host + 1000);
  assert.equal(child.ppid, 1);
  assert.equal(child.hostPpid, pid);
  assert.equal(child.command, 'sleep 1000');
});

test('top: a process cannot send escapes to the terminal through its argv', () => {
  const r = tsbox(root, ['top', NAME]);
  assert.equal(r.code, 0, r.stderr);
  // precondition: the process really has the escape in its argv
  const cmdlines = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map((n) => {
    try {
      return fs.readFileSync(`/proc/${n}/cmdline`, 'latin1');
    } catch {
      return '';
    }
  });
  assert.ok(cmdlines.some((c) => c.startsWith('\x1b]0;pwned')), 'the attack process is there');
  assert.match(r.stdout, /^PID\s+HOST PID\s+PPID\s+HOST PPID\s+UID\s+HOST UID\s+STATE\s+%CPU\s+RSS\s+COMMAND$/m);
  assert.ok(!r.stdout.includes('\x1b'), 'no ESC reaches the terminal');
  assert.ok(r.stdout.includes('^[]0;pwned^G^[[2J'), 'shown as text instead');
});

test('top: clear errors, exit 125, for a missing or stopped container and for ps descriptors', () => {
  const missing = tsbox(root, ['top', 'no-such-container']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no container with name or ID "no-such-container" found/);
  const desc = tsbox(root, ['top', NAME, 'pid', 'user']);
  assert.equal(desc.code, 125);
  assert.match(desc.stderr, /no ps descriptors/);
  assert.equal(tsbox(root, ['create', '--name', 'top-stopped', 'host', 'true']).code, 0);
  const stopped = tsbox(root, ['top', 'top-stopped']);
  assert.equal(stopped.code, 125);
  assert.match(stopped.stderr, /top-stopped is created, not running[\s\S]*tsbox start top-stopped/);
  assert.doesNotMatch(stopped.stderr, /at .*\.js/);
  tsbox(root, ['rm', 'top-stopped']);
});

test('CPU % between two samples of the same processes', () => {
  const a = scanProcesses({ pid }, null)!;
  assert.ok(a.rows.every((p) => p.cpuPercent === null), 'no rate from one sample');
  const b = scanProcesses({ pid }, a, a.at + 1000)!;
  for (const p of b.rows) assert.ok(p.cpuPercent !== null && p.cpuPercent >= 0 && p.cpuPercent < 5, `${p.command}: ${p.cpuPercent}`);
});

test('mounts: every line of its mountinfo, with propagation from the optional fields', () => {
  const text = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n');
  const rows = readMounts(pid)!;
  assert.equal(rows.length, text.length);
  assert.ok(rows.some((m) => m.mountPoint === '/'), 'its root');
  text.forEach((l, i) => {
    const pre = l.slice(0, l.indexOf(' - ')).split(' ');
    const opt = pre.slice(6);
    const want = opt.length === 0 ? 'private' : null;
    if (want) assert.equal(rows[i].propagation, want, l);
    const shared = opt.find((o) => o.startsWith('shared:'));
    if (shared) assert.ok(rows[i].propagation.includes(shared), l);
    assert.deepEqual(rows[i].options.slice(0, pre[5].split(',').length), pre[5].split(','));
  });
  assert.ok(rows.some((m) => m.mountPoint === '/proc' && m.fsType === 'proc'));
  // the host's mounts are not the container's
  assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/mnt`), fs.readlinkSync('/proc/self/ns/mnt'));
});

test("environ: the command's environment as the kernel has it", () => {
  const env = readEnviron(pid)!;
  assert.ok(env.includes('DB_PASSWORD=hunter2'));
  assert.ok(env.includes('PLAIN=1'));
  assert.equal(readEnviron(2 ** 22 + 12345), null, 'a pid that is not there');
});
