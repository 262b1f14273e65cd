// Integration tests of native/tsbox-helper against the real kernel (root only).
// The helper is spawned directly with argv and fds, as the engine does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs, removeTree, tmpdir } from '../lib/busybox.js';
import { notePath } from '../lib/suite-run.js';
import { until } from '../lib/wait.js';
import { attempt, howItEnded, run, start, type Started } from '../lib/programs.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const HELPER = join(REPO, 'native', 'tsbox-helper');
const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
const PATH_ENV = '--env=PATH=/usr/sbin:/usr/bin:/sbin:/bin';
const ID_MAP = '0 100000 65536\n';
const CRI_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] /;

const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root' : !existsSync(HELPER) ? `${HELPER} not built (make -C native)` : false;

type StatusMsg = Record<string, unknown>;

/** Reads the JSON lines of the helper's --status-fd. */
class StatusReader {
  readonly lines: StatusMsg[] = [];
  private closed = false;
  private wake: (() => void)[] = [];

  constructor(stream: Readable) {
    const rl = createInterface({ input: stream });
    rl.on('line', (line) => {
      this.lines.push(JSON.parse(line) as StatusMsg);
      this.notify();
    });
    rl.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  /** The first line with `key`, or an error if an {"error"} line or EOF comes first. */
  async wait(key: string, timeoutMs = 15000): Promise<StatusMsg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find((l) => key in l);
      if (hit) return hit;
      const err = this.lines.find((l) => 'error' in l);
      if (err && key !== 'error') throw new Error(`helper error: ${JSON.stringify(err)}`);
      if (this.closed) throw new Error(`status fd closed before "${key}": ${JSON.stringify(this.lines)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for "${key}": ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

interface Helper {
  child: Started;
  status: StatusReader;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
}

/**
 * Spawn the helper with the status fd on fd 3. With `userns`, fd 4 is the
 * --userns-block-fd: we write the id maps when {"pid"} arrives, then release.
 * `extraFd` is passed as fd 5 (e.g. a seccomp program).
 */
function spawnHelper(args: string[], opts: { userns?: boolean; extraFd?: number } = {}): Helper {
  const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'];
  if (opts.extraFd !== undefined) stdio.push(opts.extraFd);
  const fullArgs = [...args];
  const sep = fullArgs.indexOf('--');
  const extra = ['--status-fd', '3', ...(opts.userns ? ['--userns-block-fd', '4'] : [])];
  fullArgs.splice(sep < 0 ? fullArgs.length : sep, 0, ...extra);
  const child = start(HELPER, fullArgs, { stdio });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const status = new StatusReader(child.stdio[3] as Readable);
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? 9 : 0)));
  });
  if (opts.userns) {
    const block = child.stdio[4] as Writable;
    status
      .wait('pid')
      .then((msg) => {
        const pid = msg.pid as number;
        writeFileSync(`/proc/${pid}/uid_map`, ID_MAP);
        writeFileSync(`/proc/${pid}/gid_map`, ID_MAP);
        block.end(Buffer.from([1]));
      })
      .catch(() => block.destroy());
  }
  return { child, status, stdout: () => out, stderr: () => err, exited };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

function nsInode(pid: number | 'self', type: string): string {
  return readlinkSync(`/proc/${pid}/ns/${type}`);
}

function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Wait until /proc/PID/comm shows COMM (the helper reports "started" before the exec'd image is visible). */
async function waitComm(pid: number, comm: string): Promise<void> {
  await until(`pid ${pid} to become ${comm}`, () => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false; // not there yet / gone
    }
  });
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const waitFile = (path: string) => until(path, () => existsSync(path));

/** rmdir a cgroup whose last task was just killed: the kernel frees it a moment after the kill. */
const removeCgroup = (cg: string) =>
  until(`rmdir ${cg}`, () => {
    try {
      rmdirSync(cg);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
  });

/** One cBPF instruction (struct sock_filter, little endian): return SECCOMP_RET_ALLOW. */
function allowAllBpf(): Buffer {
  const bpf = Buffer.alloc(8);
  bpf.writeUInt16LE(0x06, 0); // BPF_RET | BPF_K
  bpf.writeUInt32LE(0x7fff0000, 4); // SECCOMP_RET_ALLOW
  return bpf;
}

/** A fresh busybox rootfs in a temp dir; removed by the returned cleanup. */
function fixture(prefix: string): { dir: string; rootfs: string; cleanup: () => void } {
  const dir = tmpdir(`tsbox-${prefix}`);
  chmodSync(dir, 0o755); // the root of a user namespace (host uid 100000) must reach the rootfs
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  makeBusyboxRootfs(rootfs);
  return { dir, rootfs, cleanup: () => removeTree(dir) };
}

/** Attached run; resolves with exit code, stdout, stderr and status lines. */
async function runAttached(args: string[], opts: { userns?: boolean; extraFd?: number } = {}) {
  const h = spawnHelper(['run', ...args], opts);
  const code = await withTimeout(h.exited, 20000, `helper ${args.join(' ')}`);
  // give the status/stdout streams a tick to flush their last lines
  await new Promise((r) => setImmediate(r));
  return { code, stdout: h.stdout(), stderr: h.stderr(), status: h.status.lines };
}

test('tsbox-helper', { skip }, async (t) => {
  await t.test('version', () => {
    const r = attempt(HELPER, ['version']);
    assert.equal(r.exitCode, 0, howItEnded(r));
    assert.equal(r.stdout.trim(), '2');
  });

  await t.test('all eight namespaces differ from the host; hostname, uid maps', async () => {
    const f = fixture('ns');
    let pid = 0;
    try {
      const h = spawnHelper(
        ['run', '--rootfs', f.rootfs, ...NS_TYPES.flatMap((n) => ['--ns', n]), '--hostname', 'nsbox', PATH_ENV, '--', 'sleep', '60'],
        { userns: true },
      );
      pid = (await h.status.wait('pid')).pid as number;
      await h.status.wait('started');
      await waitComm(pid, 'sleep');
      for (const type of NS_TYPES) {
        assert.notEqual(nsInode(pid, type), nsInode('self', type), `${type} namespace must be new`);
      }
      assert.equal(readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 100000 65536');
      killPid(pid);
      assert.equal(await withTimeout(h.exited, 10000, 'helper exit'), 137);
      const exit = await h.status.wait('exit');
      assert.deepEqual(exit, { exit: 137, signal: 9 });

      const r = await runAttached(['--rootfs', f.rootfs, '--ns', 'uts', '--hostname', 'boxname', PATH_ENV, '--', 'hostname']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'boxname');
    } finally {
      if (pid) killPid(pid);
      f.cleanup();
    }
  });

  await t.test('mounts inside: rootfs at /, proc, sys, dev, dev/pts, masks', async () => {
    const f = fixture('mounts');
    try {
      for (const userns of [false, true]) {
        const nsArgs = ['--ns', 'pid', '--ns', 'net', '--ns', 'ipc', ...(userns ? ['--ns', 'user'] : [])];
        const r = await runAttached(
          ['--rootfs', f.rootfs, ...nsArgs, PATH_ENV, '--', 'sh', '-c', 'cat /proc/self/mountinfo; echo ---; ls -l /dev; echo ---; id -u'],
          { userns },
        );
        assert.equal(r.code, 0, r.stderr);
        const [mountinfo, devls, id] = r.stdout.split('---\n');
        const mounts = mountinfo!
          .trim()
          .split('\n')
          .map((l) => {
            const [pre, post] = l.split(' - ');
            const f1 = pre!.split(' ');
            const f2 = post!.split(' ');
            return { root: f1[3]!, point: f1[4]!, opts: f1[5]!, fstype: f2[0]! };
          });
        const at = (p: string) => mounts.filter((m) => m.point === p).at(-1);
        assert.equal(at('/')?.root, f.rootfs, 'the rootfs is mounted at /');
        assert.equal(at('/proc')?.fstype, 'proc');
        assert.equal(at('/sys')?.fstype, 'sysfs');
        assert.match(at('/sys')!.opts, /^ro/);
        assert.equal(at('/dev')?.fstype, 'tmpfs');
        assert.equal(at('/dev/pts')?.fstype, 'devpts');
        assert.equal(at('/dev/shm')?.fstype, 'tmpfs');
        assert.equal(at('/dev/mqueue')?.fstype, 'mqueue');
        assert.match(at('/proc/sys')!.opts, /^ro/);
        if (existsSync('/proc/keys')) assert.ok(at('/proc/keys'), '/proc/keys is masked');
        assert.ok(!mounts.some((m) => m.point.startsWith('/work') || m.point.startsWith('/mnt')), 'no host mounts left');
        for (const node of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
          assert.match(devls!, new RegExp(`^c.* ${node}$`, 'm'), `/dev/${node}`);
        }
        assert.match(devls!, /ptmx -> pts\/ptmx/);
        assert.match(devls!, /fd -> \/proc\/self\/fd/);
        assert.match(devls!, /stdin -> \/proc\/self\/fd\/0/);
        assert.equal(id!.trim(), '0');
      }
    } finally {
      f.cleanup();
    }
  });

  await t.test('uid, gid, groups, capabilities, no_new_privs, seccomp', async () => {
    const f = fixture('creds');
    const pids: number[] = [];
    try {
      // non-root user: no capabilities left
      let h = spawnHelper(['run', '--rootfs', f.rootfs, '--ns', 'pid', '--uid', '1000', '--gid', '1001', '--groups', '10,20',
        '--caps', '0x800425fb', PATH_ENV, '--', 'sleep', '60']);
      let pid = (await h.status.wait('pid')).pid as number;
      pids.push(pid);
      await h.status.wait('started');
      await waitComm(pid, 'sleep');
      let st = procStatus(pid);
      assert.equal(st.Uid, '1000\t1000\t1000\t1000');
      assert.equal(st.Gid, '1001\t1001\t1001\t1001');
      assert.equal(st.Groups, '10 20');
      assert.equal(st.CapEff, '0000000000000000');
      assert.equal(st.CapPrm, '0000000000000000');
      assert.equal(st.CapBnd, '00000000800425fb');
      killPid(pid);
      assert.equal(await withTimeout(h.exited, 10000, 'exit'), 137);

      // root with a mask, no_new_privs and an allow-all filter
      const bpfPath = join(f.dir, 'allow.bpf');
      writeFileSync(bpfPath, allowAllBpf());
      const bpfFd = openSync(bpfPath, 'r');
      try {
        h = spawnHelper(['run', '--rootfs', f.rootfs, '--ns', 'pid', '--caps', '0x00000000a80425fb', '--no-new-privs',
          '--seccomp-fd', '5', PATH_ENV, '--', 'sleep', '60'], { extraFd: bpfFd });
      } finally {
        closeSync(bpfFd);
      }
      pid = (await h.status.wait('pid')).pid as number;
      pids.push(pid);
      await h.status.wait('started');
      await waitComm(pid, 'sleep');
      st = procStatus(pid);
      assert.equal(st.Uid, '0\t0\t0\t0');
      assert.equal(st.CapEff, '00000000a80425fb');
      assert.equal(st.CapBnd, '00000000a80425fb');
      assert.equal(st.CapAmb, '0000000000000000');
      assert.equal(st.NoNewPrivs, '1');
      assert.equal(st.Seccomp, '2');
      killPid(pid);
      assert.equal(await withTimeout(h.exited, 10000, 'exit'), 137);

      // without a filter: mode 0
      const r = await runAttached(['--rootfs', f.rootfs, PATH_ENV, '--', 'sh', '-c', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /NoNewPrivs:\s+0/);
      assert.match(r.stdout, /Seccomp:\s+0/);
    } finally {
      for (const p of pids) killPid(p);
      f.cleanup();
    }
  });

  await t.test('exit codes: 3, 127, 126, 125', async () => {
    const f = fixture('codes');
    try {
      let r = await runAttached(['--rootfs', f.rootfs, PATH_ENV, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
      assert.deepEqual(r.status.at(-1), { exit: 3, signal: 0 });
      assert.deepEqual(r.status.find((l) => 'started' in l), { started: true });

      r = await runAttached(['--rootfs', f.rootfs, PATH_ENV, '--', '/no/such/cmd']);
      assert.equal(r.code, 127);
      const err127 = r.status.find((l) => 'error' in l);
      assert.equal(err127?.stage, 'exec');
      assert.equal(err127?.errno, 2);

      writeFileSync(join(f.rootfs, 'noexec'), '#!/bin/sh\necho hi\n');
      chmodSync(join(f.rootfs, 'noexec'), 0o644);
      r = await runAttached(['--rootfs', f.rootfs, PATH_ENV, '--', '/noexec']);
      assert.equal(r.code, 126);
      assert.equal(r.status.find((l) => 'error' in l)?.stage, 'exec');

      r = await runAttached(['--rootfs', join(f.dir, 'missing'), PATH_ENV, '--', 'true']);
      assert.equal(r.code, 125);
      const err125 = r.status.find((l) => 'error' in l);
      assert.ok(err125, 'an error line');
      assert.equal(typeof err125!.error, 'string');
      assert.equal(err125!.errno, 2);
      assert.ok(!r.status.some((l) => 'started' in l));

      r = await runAttached(['--rootfs', f.rootfs, '--bogus', '--', 'true']);
      assert.equal(r.code, 125);
      assert.equal(r.status.find((l) => 'error' in l)?.stage, 'argv');

      for (const rule of ['c 1:3', 'x 1:3 rwm', 'c 1:3 rwx', 'c one:3 r', 'c 1:3 rw extra']) {
        r = await runAttached(['--rootfs', f.rootfs, '--device-rule', rule, '--', 'true']);
        assert.equal(r.code, 125, rule);
        const err = r.status.find((l) => 'error' in l);
        assert.equal(err?.stage, 'argv', rule);
        assert.match(String(err?.error), /--device-rule/, rule);
      }
      // a good rule with no cgroup v2 to enforce it on is refused, not ignored
      r = await runAttached(['--rootfs', f.rootfs, '--device-rule', 'c 1:3 rwm', '--', 'true']);
      assert.equal(r.code, 125);
      assert.match(String(r.status.find((l) => 'error' in l)?.error), /--device-rule needs a cgroup v2/);

      // --idmap: only a bind given before it, and only with a user namespace of the container's own
      r = await runAttached(['--rootfs', f.rootfs, '--idmap', '/nowhere', '--', 'true']);
      assert.equal(r.code, 125);
      assert.match(String(r.status.find((l) => 'error' in l)?.error), /--idmap `\/nowhere`: names no --bind/);
      r = await runAttached(['--rootfs', f.rootfs, '--bind-ro', `${f.dir}:/d`, '--idmap', '/d', PATH_ENV, '--', 'true']);
      assert.equal(r.code, 125);
      assert.match(String(r.status.find((l) => 'error' in l)?.error), /--idmap needs a user namespace of the container's own/);
      assert.ok(!r.status.some((l) => 'pid' in l), 'refused before the clone');

      // a failing step after clone: the child is killed and reaped, 125
      r = await runAttached(['--rootfs', f.rootfs, '--cwd', '/does/not/exist', PATH_ENV, '--', 'true']);
      assert.equal(r.code, 125);
      assert.equal(r.status.find((l) => 'error' in l)?.stage, 'cwd');

      // killed by a signal: 128 + 9
      r = await runAttached(['--rootfs', f.rootfs, PATH_ENV, '--', 'sh', '-c', 'kill -9 $$']);
      assert.equal(r.code, 137);
      assert.deepEqual(r.status.at(-1), { exit: 137, signal: 9 });
    } finally {
      f.cleanup();
    }
  });

  await t.test('--detach, --exit-file, --log (CRI format)', async () => {
    const f = fixture('detach');
    const exitFile = join(f.dir, 'exit.json');
    let pid = 0;
    try {
      const log = join(f.dir, 'ctr.log');
      // the container waits at this gate until the test has seen the helper detach
      const gate = join(f.rootfs, 'gate');
      run('mkfifo', [gate]);
      const h = spawnHelper(['run', '--detach', '--rootfs', f.rootfs, '--ns', 'pid', '--log', log, '--exit-file', exitFile, PATH_ENV,
        '--', 'sh', '-c', 'echo hello; echo oops >&2; printf "no newline"; read go < /gate; exit 5']);
      pid = (await h.status.wait('pid')).pid as number;
      const code = await withTimeout(h.exited, 10000, 'detached helper exit');
      assert.equal(code, 0, h.stderr());
      const monitor = (await h.status.wait('monitor')).monitor as number;
      await h.status.wait('started');
      assert.ok(pid > 0 && monitor > 0 && monitor !== h.child.pid);
      assert.ok(!existsSync(exitFile), 'the helper returned while the container runs');
      process.kill(monitor, 0); // and its monitor lives on
      // a non-blocking open for writing succeeds once the container has the gate open for reading
      let gateFd = -1;
      await until('the container to open the gate', () => {
        try {
          gateFd = openSync(gate, constants.O_WRONLY | constants.O_NONBLOCK);
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
          return false;
        }
      });
      writeSync(gateFd, 'go\n');
      closeSync(gateFd);
      await waitFile(exitFile);
      const exit = JSON.parse(readFileSync(exitFile, 'utf8')) as { exitCode: number; signal: number; finishedAt: string };
      assert.equal(exit.exitCode, 5);
      assert.equal(exit.signal, 0);
      assert.match(exit.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      assert.ok(!existsSync(`${exitFile}.tmp`));
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      for (const l of lines) assert.match(l, CRI_LINE);
      const text = lines.map((l) => l.replace(CRI_LINE, '$1 ') + '|' + l.split(' ')[2]);
      assert.ok(text.includes('stdout hello|F'), JSON.stringify(lines));
      assert.ok(text.includes('stderr oops|F'), JSON.stringify(lines));
      assert.ok(text.includes('stdout no newline|P'), JSON.stringify(lines));
    } finally {
      if (pid && !existsSync(exitFile)) killPid(pid); // a failed test's container, still at the gate
      f.cleanup();
    }
  });

  await t.test('--tty gives CMD a pty of the container devpts', async () => {
    const f = fixture('tty');
    try {
      const r = await runAttached(['--rootfs', f.rootfs, '--ns', 'pid', '--tty', PATH_ENV, '--', 'sh', '-c', 'tty; exit 4']);
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stdout.trim(), '/dev/pts/0');
    } finally {
      f.cleanup();
    }
  });

  await t.test('bind destinations through symlinks stay inside the rootfs', async () => {
    const f = fixture('symlink');
    const marker = `tsbox-test-${process.pid}-${Date.now()}`;
    const hostHosts = readFileSync('/etc/hosts');
    try {
      symlinkSync('/etc', join(f.rootfs, 'evil'));
      symlinkSync('../../', join(f.rootfs, 'up'));
      const src = join(f.dir, 'payload');
      writeFileSync(src, 'payload\n');
      const r = await runAttached(['--rootfs', f.rootfs, '--bind', `${src}:/evil/hosts`, '--bind-ro', `${src}:/evil/${marker}`,
        '--bind', `${src}:/up/up/tmp/${marker}`, PATH_ENV, '--',
        'sh', '-c', `cat /etc/hosts /etc/${marker} /tmp/${marker}; (echo x > /etc/${marker}) 2>/dev/null && echo WRITABLE; true`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'payload\npayload\npayload\n');
      assert.ok(readFileSync('/etc/hosts').equals(hostHosts), 'host /etc/hosts untouched');
      assert.ok(!existsSync(join('/etc', marker)), 'nothing created in host /etc');
      assert.ok(!existsSync(join('/tmp', marker)), 'nothing created in host /tmp');
      assert.ok(existsSync(join(f.rootfs, 'etc', marker)), 'created inside the rootfs instead');
      assert.ok(existsSync(join(f.rootfs, 'tmp', marker)));
      assert.equal(readFileSync(src, 'utf8'), 'payload\n', 'read-only bind was not written');
    } finally {
      f.cleanup();
    }
  });

  await t.test('--overlay leaves the lower dir unchanged and no mount on the host', async () => {
    const f = fixture('overlay');
    try {
      const upper = join(f.dir, 'upper');
      const work = join(f.dir, 'work');
      const merged = join(f.dir, 'merged');
      for (const d of [upper, work, merged]) mkdirSync(d);
      const before = readdirSync(f.rootfs).sort();
      const r = await runAttached(['--rootfs', merged, '--overlay', `${f.rootfs}:${upper}:${work}`, '--ns', 'pid', PATH_ENV, '--',
        'sh', '-c', 'echo new > /newfile && rm /etc/hosts && cat /newfile && grep " / / " /proc/self/mountinfo']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^new\n/);
      assert.match(r.stdout, / - overlay /);
      assert.deepEqual(readdirSync(f.rootfs).sort(), before);
      assert.ok(existsSync(join(f.rootfs, 'etc', 'hosts')), 'lower file still there');
      assert.ok(!existsSync(join(f.rootfs, 'newfile')));
      assert.equal(readFileSync(join(upper, 'newfile'), 'utf8'), 'new\n');
      assert.deepEqual(readdirSync(merged), [], 'mount point still empty on the host');
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(f.dir), 'no mount on the host');
    } finally {
      f.cleanup();
    }
  });

  await t.test('argv that would smuggle mount options is refused before anything is made: a comma in --overlay, a quote in --mount-label', async () => {
    const f = fixture('smuggle');
    try {
      const dirs = (prefix: string) => ['upper', 'work', 'merged'].map((d) => join(f.dir, `${prefix}${d}`));
      // The attack: the helper joins the paths into one option string, and
      // overlayfs takes the last lowerdir= it is given, so a workdir path with
      // a comma could make the host's /etc the container's root. That string,
      // mounted by hand in a private mount namespace, does so:
      const [hu, hw, hm] = dirs('by-hand-');
      for (const d of [hu, hw, hm]) mkdirSync(d);
      const smuggled = `lowerdir=${f.rootfs},upperdir=${hu},workdir=${hw},lowerdir=/etc`;
      const byHand = attempt('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t overlay overlay -o "$1" "$2" && test -e "$2/passwd" && ! test -e "$2/bin/busybox"', 'sh', smuggled, hm]);
      assert.equal(byHand.exitCode, 0, `the smuggled lowerdir replaces the rootfs: ${byHand.stderr}`);

      const [upper, work, merged] = dirs('');
      for (const d of [upper, work, merged]) mkdirSync(d);
      const overlay = '--overlay: paths must not contain `,`';
      const refusals: Array<[string[], string]> = [
        [['--rootfs', merged, '--overlay', `${f.rootfs}:${upper}:${work},lowerdir=/etc`], overlay],
        [['--rootfs', merged, '--overlay', 'a,b:c:d'], overlay],
        // context="LABEL" in the options of tmpfs, devpts and mqueue: a quote
        // would end the quoted value (used only where SELinux is enforcing,
        // which this kernel cannot be, so this one is refused argv only)
        [['--rootfs', f.rootfs, '--mount-label', 'x"y'], '--mount-label: bad label `x"y`'],
        [['--rootfs', f.rootfs, '--mount-label', 'system_u:object_r:container_file_t:s0",mode=0777,context="x'], '--mount-label: bad label `system_u:object_r:container_file_t:s0",mode=0777,context="x`'],
        [['--rootfs', f.rootfs, '--mount-label', 'x\\y'], '--mount-label: bad label `x\\y`'],
      ];
      for (const [flags, error] of refusals) {
        const r = await runAttached([...flags, '--ns', 'mnt', '--ns', 'pid', PATH_ENV, '--', 'touch', '/made']);
        assert.equal(r.code, 125, flags.join(' '));
        assert.deepEqual(r.status, [{ error, errno: 0, stage: 'argv' }], 'refused as bad argv, and no child was started (no pid)');
        // without a status fd, the same words on stderr
        const plain = attempt(HELPER, ['run', ...flags, '--', 'touch', '/made']);
        assert.equal(plain.exitCode, 125);
        assert.equal(plain.stderr, `tsbox-helper: ${error}\n`);
      }
      for (const d of [upper, work, merged]) assert.deepEqual(readdirSync(d), [], `${d} untouched`);
      assert.ok(!existsSync(join(f.rootfs, 'made')), 'CMD never ran');
      assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(f.dir), 'no mount on the host');
    } finally {
      f.cleanup();
    }
  });

  await t.test('exec joins the namespaces; --pid-start mismatch is refused', async () => {
    const f = fixture('exec');
    let pid = 0;
    let execPid = 0;
    try {
      const h = spawnHelper(['run', '--detach', '--rootfs', f.rootfs, ...NS_TYPES.flatMap((n) => ['--ns', n]), '--hostname', 'execbox',
        PATH_ENV, '--', 'sleep', '60'], { userns: true });
      assert.equal(await withTimeout(h.exited, 10000, 'detach'), 0, h.stderr());
      const msg = await h.status.wait('pid');
      pid = msg.pid as number;
      const start = msg.start as number;
      await waitComm(pid, 'sleep');

      const nsArgs = NS_TYPES.flatMap((n) => ['--ns', n]);
      const bpfPath = join(f.dir, 'allow.bpf');
      writeFileSync(bpfPath, allowAllBpf());
      const e = spawnHelper(['exec', '--pid', String(pid), '--pid-start', String(start), ...nsArgs, '--no-new-privs', '--seccomp-file', bpfPath,
        '--caps', '0x5', PATH_ENV, '--', 'sleep', '60']);
      execPid = (await e.status.wait('pid')).pid as number;
      await e.status.wait('started');
      await waitComm(execPid, 'sleep');
      for (const type of NS_TYPES) {
        assert.equal(nsInode(execPid, type), nsInode(pid, type), `exec joined ${type}`);
      }
      const st = procStatus(execPid);
      assert.equal(st.Seccomp, '2');
      assert.equal(st.NoNewPrivs, '1');
      assert.equal(st.CapBnd, '0000000000000005');
      assert.equal(st.Uid, '100000\t100000\t100000\t100000', 'uid 0 of the container user namespace');
      killPid(execPid);
      assert.equal(await withTimeout(e.exited, 10000, 'exec exit'), 137);

      // output, exit code and hostname through exec
      const e2 = spawnHelper(['exec', '--pid', String(pid), '--pid-start', String(start), ...nsArgs, '--uid', '5', PATH_ENV, '--',
        'sh', '-c', 'hostname; id -u; exit 9']);
      assert.equal(await withTimeout(e2.exited, 10000, 'exec exit'), 9);
      assert.equal(e2.stdout(), 'execbox\n5\n');
      assert.deepEqual(e2.status.lines.at(-1), { exit: 9, signal: 0 });

      // exec --tty: a pty from the container's devpts
      const e3 = spawnHelper(['exec', '--pid', String(pid), '--pid-start', String(start), ...nsArgs, '--tty', PATH_ENV, '--', 'tty']);
      assert.equal(await withTimeout(e3.exited, 10000, 'exec exit'), 0, e3.stderr());
      assert.match(e3.stdout(), /^\/dev\/pts\/\d+\r?\n$/);

      const bad = spawnHelper(['exec', '--pid', String(pid), '--pid-start', String(start + 1), '--ns', 'mnt', PATH_ENV, '--', 'true']);
      assert.equal(await withTimeout(bad.exited, 10000, 'exec exit'), 125);
      const err = await bad.status.wait('error');
      assert.match(String(err.error), /not the container's process/);
      assert.ok(!bad.status.lines.some((l) => 'pid' in l));
    } finally {
      if (execPid) killPid(execPid);
      if (pid) killPid(pid);
      f.cleanup();
    }
  });

  await t.test('--cgroup places the init before the cgroup namespace is made', async () => {
    const f = fixture('cgroup');
    const cg = `/sys/fs/cgroup/pids/tsbox-test-${process.pid}-${Date.now()}`;
    notePath(cg);
    let pid = 0;
    try {
      mkdirSync(cg);
      const h = spawnHelper(['run', '--rootfs', f.rootfs, '--ns', 'pid', '--ns', 'cgroup', '--cgroup', cg, PATH_ENV, '--',
        'sh', '-c', 'grep pids /proc/self/cgroup; exec sleep 60']);
      pid = (await h.status.wait('pid')).pid as number;
      await h.status.wait('started');
      await waitComm(pid, 'sleep');
      const host = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      assert.match(host, new RegExp(`:pids:${cg.replace('/sys/fs/cgroup/pids', '')}$`, 'm'));
      assert.ok(readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
      assert.notEqual(nsInode(pid, 'cgroup'), nsInode('self', 'cgroup'));
      killPid(pid);
      assert.equal(await withTimeout(h.exited, 10000, 'exit'), 137);
      assert.match(h.stdout(), /:pids:\/$/m, 'inside, the cgroup namespace root is the container cgroup');
    } finally {
      if (pid) killPid(pid);
      f.cleanup();
      await removeCgroup(cg);
    }
  });

  await t.test('--join-ns shares another container\'s namespaces', async () => {
    const f = fixture('join');
    let pid = 0;
    try {
      const h = spawnHelper(['run', '--detach', '--rootfs', f.rootfs, '--ns', 'user', '--ns', 'pid', '--ns', 'net', '--ns', 'uts',
        '--ns', 'ipc', '--hostname', 'first', PATH_ENV, '--', 'sleep', '60'], { userns: true });
      assert.equal(await withTimeout(h.exited, 10000, 'detach'), 0, h.stderr());
      pid = (await h.status.wait('pid')).pid as number;
      await waitComm(pid, 'sleep');
      const join = (type: string) => ['--join-ns', `${type}:/proc/${pid}/ns/${type}`];
      const r = await runAttached(['--rootfs', f.rootfs, ...join('user'), ...join('pid'), ...join('net'), ...join('uts'), '--ns', 'ipc',
        PATH_ENV, '--', 'sh', '-c', 'hostname; ls /sys/class/net; ps -o pid,comm | grep -c sleep; for n in user pid net uts ipc mnt; do readlink /proc/self/ns/$n; done']);
      assert.equal(r.code, 0, r.stderr + JSON.stringify(r.status));
      const [hostname, nets, sleeps, ...ns] = r.stdout.trim().split('\n');
      assert.equal(hostname, 'first');
      assert.equal(nets, 'lo', 'a fresh sysfs of the joined network namespace');
      assert.equal(sleeps, '1', 'the joined pid namespace shows the first container');
      assert.deepEqual(ns.slice(0, 4), ['user', 'pid', 'net', 'uts'].map((t) => nsInode(pid, t)));
      assert.notEqual(ns[4], nsInode(pid, 'ipc'), 'ipc is new');
      assert.notEqual(ns[5], nsInode(pid, 'mnt'), 'mnt is always new');

      // a joined user namespace with a new pid namespace is fine (rootless.test.ts), but a new time namespace with a
      // joined pid namespace is refused: its init would be adopted by that pid namespace's init (PROTOCOL.md, --join-ns)
      const bad = await runAttached(['--rootfs', f.rootfs, ...join('user'), ...join('pid'), '--ns', 'time', PATH_ENV, '--', 'true']);
      assert.equal(bad.code, 125);
      assert.equal(bad.status.find((l) => 'error' in l)?.stage, 'argv');
    } finally {
      if (pid) killPid(pid);
      f.cleanup();
    }
  });

  await t.test('--ro-root, --tmpfs, host /sys read-only with the host network', async () => {
    const f = fixture('roroot');
    try {
      const r = await runAttached(['--rootfs', f.rootfs, '--ro-root', '--tmpfs', '/scratch/deep', PATH_ENV, '--', 'sh', '-c',
        '(touch /x) 2>/dev/null && echo ROOT-RW; touch /scratch/deep/y && echo tmpfs-ok; touch /dev/shm/z && echo shm-ok; ' +
          '(touch /sys/x) 2>/dev/null && echo SYS-RW; grep " /sys " /proc/self/mountinfo; stat -c %a /scratch/deep']);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /ROOT-RW|SYS-RW/);
      assert.match(r.stdout, /tmpfs-ok\nshm-ok\n/);
      assert.match(r.stdout, / \/sys ro,.* - sysfs /);
      assert.match(r.stdout, /1777\n$/);
      assert.ok(existsSync(join(f.rootfs, 'scratch', 'deep')), 'missing tmpfs destination created in the rootfs');
    } finally {
      f.cleanup();
    }
  });

  await t.test('exec --cgroup, and exec without --ns mnt is refused', async () => {
    const f = fixture('execcg');
    const cg = `/sys/fs/cgroup/pids/tsbox-test-${process.pid}-${Date.now()}`;
    notePath(cg);
    let pid = 0;
    try {
      mkdirSync(cg);
      const h = spawnHelper(['run', '--detach', '--rootfs', f.rootfs, '--ns', 'pid', '--ns', 'cgroup', '--cgroup', cg, PATH_ENV, '--', 'sleep', '60']);
      assert.equal(await withTimeout(h.exited, 10000, 'detach'), 0, h.stderr());
      const msg = await h.status.wait('pid');
      pid = msg.pid as number;
      const base = ['exec', '--pid', String(pid), '--pid-start', String(msg.start)];
      const e = spawnHelper([...base, '--ns', 'mnt', '--ns', 'pid', '--ns', 'cgroup', '--cgroup', cg, PATH_ENV, '--', 'sh', '-c', 'grep pids /proc/self/cgroup']);
      assert.equal(await withTimeout(e.exited, 10000, 'exec'), 0, e.stderr());
      assert.match(e.stdout(), /:pids:\/$/m);
      const bad = spawnHelper([...base, '--ns', 'pid', PATH_ENV, '--', 'true']);
      assert.equal(await withTimeout(bad.exited, 10000, 'exec'), 125);
      assert.equal((await bad.status.wait('error')).stage, 'argv');
    } finally {
      if (pid) killPid(pid);
      f.cleanup();
      await removeCgroup(cg);
    }
  });

  await t.test('xattr: many files in one run beneath root fds, answers in order', async () => {
    const dir = tmpdir('tsbox-xattr', '/var/tmp');
    const O_PATH = 0o10000000;
    const roots: number[] = [];
    try {
      const file = join(dir, 'f');
      writeFileSync(file, 'x');
      const odd = 'a name\nwith a newline';
      writeFileSync(join(dir, odd), 'y');
      symlinkSync(file, join(dir, 'link'));
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'sub', 'g'), 'z');
      symlinkSync('/etc', join(dir, 'etc-link'));
      const root = openSync(dir, O_PATH);
      roots.push(root);
      const label = 'system_u:object_r:container_file_t:s0:c1,c2';
      // the roots are fds 3.. of the helper; each op names its root by that number
      const xattr = (name: string, ops: string[][], fds = [root]) =>
        attempt(HELPER, ['xattr', name, ...fds.map((_, i) => String(3 + i))], {
          input: ops.map((o) => o.map((f) => `${f}\0`).join('')).join(''),
          stdio: ['pipe', 'pipe', 'pipe', ...fds],
        });
      let r = xattr('security.selinux', [
        ['s', '3', 'f', label],
        ['g', '3', 'f'],
        ['s', '3', odd, label],
        ['g', '3', odd],
        ['s', '3', 'link', 'system_u:object_r:link_t:s0'], // the link itself, never its target
        ['g', '3', 'link'],
        ['r', '3', odd],
        ['g', '3', odd],
        ['r', '3', odd],
        ['g', '3', 'missing'],
        ['s', '3', 'etc-link/hostname', label], // through a symlink: not beneath the root
        ['g', '3', '../f'],
        ['g', '3', '/etc/hostname'],
      ]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\0'), ['ok', `=${label}`, 'ok', `=${label}`, 'ok', '=system_u:object_r:link_t:s0', 'ok', '-', '-', '?', '?', '?', `!${'Invalid argument'}`, '']);
      // the kernel holds what the helper says, and /etc was not reached
      const gf = run('getfattr', ['--absolute-names', '-n', 'security.selinux', '--only-values', file]);
      assert.equal(gf.replace(/\0$/, ''), label);
      assert.doesNotMatch(attempt('getfattr', ['-d', '-m', '-', '--absolute-names', '/etc/hostname']).stdout, /container_file_t/);

      // a walk: every entry with its label, root first, names sorted, symlinks not followed
      r = xattr('security.selinux', [['w', '3']]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\0'), [
        '.', '-', odd, '-', 'etc-link', '-', 'f', `=${label}`, 'link', '=system_u:object_r:link_t:s0', 'sub', '-', 'sub/g', '-', '', 'ok', '',
      ]);
      // another filesystem inside is reported, not entered
      mkdirSync(join(dir, 'mnt'));
      run('mount', ['-t', 'tmpfs', 'tsbox-test', join(dir, 'mnt')]);
      try {
        writeFileSync(join(dir, 'mnt', 'inside'), '');
        r = xattr('security.selinux', [['w', '3'], ['g', '3', 'mnt/inside']]);
        const fields = r.stdout.split('\0');
        assert.equal(fields[fields.indexOf('mnt') + 1], '#');
        assert.ok(!fields.includes('mnt/inside'));
        assert.equal(fields.at(-2), '?', 'a path into another mount is not beneath the root');
      } finally {
        attempt('umount', [join(dir, 'mnt')]);
      }

      r = xattr('user.tsbox.absent', [['g', '3', 'f']]);
      assert.equal(r.stdout, '-\0');
      // a truncated operation, an unknown one, or a root that was not given is the caller's bug: 125, nothing done
      r = xattr('security.selinux', [['s', '3', 'f']]);
      assert.equal(r.exitCode, 125);
      assert.match(r.stderr, /ends before its last field/);
      r = xattr('security.selinux', [['x', '3', 'f']]);
      assert.equal(r.exitCode, 125);
      r = xattr('security.selinux', [['g', '9', 'f']]);
      assert.equal(r.exitCode, 125);
      assert.match(r.stderr, /not one of the root fds/);
      assert.equal(xattr('security.selinux', [['g', '3', 'f']]).stdout, `=${label}\0`, 'unchanged');
      assert.equal(attempt(HELPER, ['xattr', 'security.selinux']).exitCode, 125);
      assert.equal(attempt(HELPER, ['xattr', 'security.selinux', '77']).exitCode, 125, 'a root fd that is not open');
    } finally {
      for (const fd of roots) closeSync(fd);
      removeTree(dir);
    }
  });
});
