// Flags of `run` and `create` that podman users and scripts reach for in
// their first hour, with podman's names and meanings, parsed into the
// spec's typed fields (run-flags.ts builds the rest). And podman's other
// run/create flags, which say that tsbox does not support them yet rather
// than "unknown flag".
import fs from 'node:fs';
import { intFlag, list, str, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { parseSize } from '../common/size.js';
import { os } from '../engine/lazy.js';
import type { ContainerSpec, RestartPolicy, VolumeSpec } from '../engine/types.js';

export const COMPAT_FLAGS: FlagSpec[] = [
  { name: 'label', short: 'l', type: 'list', arg: 'KEY=VALUE', help: 'metadata for the container (ps --filter label=..., inspect Config.Labels)' },
  { name: 'label-file', type: 'list', arg: 'FILE', help: 'labels from a file, one KEY=VALUE a line' },
  { name: 'env-file', type: 'list', arg: 'FILE', help: 'environment from a file, one K=V (or K, or PREFIX*) a line; -e wins' },
  { name: 'restart', type: 'string', arg: 'POLICY', help: 'no (default), on-failure[:N], always or unless-stopped: the monitor starts it again when it exits' },
  { name: 'stop-signal', type: 'string', arg: 'SIGNAL', help: 'what stop (and rm -f) sends first (default TERM)' },
  { name: 'stop-timeout', type: 'string', arg: 'SECONDS', help: 'how long stop waits before SIGKILL (default 10)' },
  { name: 'shm-size', type: 'string', arg: 'SIZE', help: 'size of /dev/shm (default 64m)' },
  { name: 'cidfile', type: 'string', arg: 'FILE', help: "write the container's id to FILE (which must not exist)" },
  { name: 'replace', type: 'bool', help: 'remove a container of the same --name first' },
  { name: 'sig-proxy', type: 'bool', help: 'pass the signals this process gets on to the container (default true; --sig-proxy=false: they end only this process)' },
  { name: 'read-only-tmpfs', type: 'bool', help: 'with --read-only, tmpfs on /run, /tmp and /var/tmp (default true, as podman)' },
];

/**
 * podman 4's `run` and `create` flags (podman run --help). Those tsbox has
 * are in RUN_FLAGS; the rest are refused by name, as podman's.
 */
export const PODMAN_RUN_FLAGS = [
  'add-host', 'annotation', 'arch', 'attach', 'authfile', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-conf',
  'cgroup-parent', 'cgroupns', 'cgroups', 'chrootdirs', 'cidfile', 'conmon-pidfile', 'cpu-period', 'cpu-quota', 'cpu-rt-period',
  'cpu-rt-runtime', 'cpu-shares', 'cpus', 'cpuset-cpus', 'cpuset-mems', 'detach', 'detach-keys', 'device', 'device-cgroup-rule',
  'device-read-bps', 'device-read-iops', 'device-write-bps', 'device-write-iops', 'disable-content-trust', 'dns', 'dns-option',
  'dns-search', 'entrypoint', 'env', 'env-file', 'env-host', 'env-merge', 'expose', 'gidmap', 'group-add', 'health-cmd',
  'health-interval', 'health-on-failure', 'health-retries', 'health-start-period', 'health-timeout', 'hostname', 'hostuser',
  'http-proxy', 'image-volume', 'init', 'init-path', 'interactive', 'ip', 'ip6', 'ipc', 'label', 'label-file', 'log-driver', 'log-opt',
  'mac-address', 'memory', 'memory-reservation', 'memory-swap', 'memory-swappiness', 'mount', 'name', 'network', 'network-alias',
  'no-healthcheck', 'no-hosts', 'oom-kill-disable', 'oom-score-adj', 'os', 'passwd', 'passwd-entry', 'personality', 'pid', 'pidfile',
  'pids-limit', 'platform', 'pod', 'pod-id-file', 'preserve-fds', 'privileged', 'publish', 'publish-all', 'pull', 'quiet', 'read-only',
  'read-only-tmpfs', 'replace', 'requires', 'restart', 'rm', 'rmi', 'rootfs', 'sdnotify', 'seccomp-policy', 'secret', 'security-opt',
  'shm-size', 'sig-proxy', 'stop-signal', 'stop-timeout', 'subgidname', 'subuidname', 'sysctl', 'systemd', 'timeout', 'tls-verify',
  'tmpfs', 'tty', 'tz', 'uidmap', 'ulimit', 'umask', 'unsetenv', 'unsetenv-all', 'user', 'userns', 'uts', 'variant', 'volume',
  'volumes-from', 'workdir',
];
/** podman's one-letter run flags, with their long names */
export const PODMAN_RUN_SHORTS: Record<string, string> = {
  a: 'attach', c: 'cpu-shares', d: 'detach', e: 'env', h: 'help', i: 'interactive', l: 'label', m: 'memory', p: 'publish',
  P: 'publish-all', q: 'quiet', t: 'tty', u: 'user', v: 'volume', w: 'workdir',
};

/** What parseCompatFlags adds to the spec. */
export type CompatSpec = Pick<ContainerSpec, 'userLabels' | 'stopSignal' | 'stopTimeout' | 'restartPolicy' | 'shmSize'>;

export function parseCompatFlags(p: Parsed, opts: { autoRemove: boolean }): CompatSpec {
  const out: CompatSpec = {};
  const labels = parseLabels([...list(p, 'label-file').flatMap((f) => lines(f, '--label-file')), ...list(p, 'label')]);
  if (Object.keys(labels).length) out.userLabels = labels;
  const stop = str(p, 'stop-signal');
  if (stop !== undefined) out.stopSignal = signalName(stop, '--stop-signal');
  const timeout = intFlag(p, 'stop-timeout');
  if (timeout !== undefined) out.stopTimeout = timeout;
  const restart = str(p, 'restart');
  if (restart !== undefined) {
    out.restartPolicy = parseRestart(restart);
    if (opts.autoRemove && out.restartPolicy.name !== 'no') {
      throw new UserError('the --rm option conflicts with --restart, when the restart policy is not "" and "no"', 125, 'Choose one: a container that is removed when it exits cannot be restarted.');
    }
  }
  const shm = str(p, 'shm-size');
  if (shm !== undefined) {
    const n = parseSize(shm);
    if (n === null || n < 4096) throw new UserError(`invalid --shm-size '${shm}'`, 125, 'Give a size of at least 4k, e.g. 64m or 1g (units of 1024).');
    out.shmSize = n;
  }
  return out;
}

/** --env-file files, then -e, as podman merges them: later wins (mergeEnv). */
export function envFileEntries(p: Parsed): string[] {
  return list(p, 'env-file').flatMap((f) => lines(f, '--env-file'));
}

/** -e/--env-file values: K=V as given, K alone from our environment, PREFIX* every variable of ours that starts with PREFIX (podman). */
export function expandEnv(values: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  return values.flatMap((e) => {
    if (e.includes('=')) {
      if (e.startsWith('=')) throw new UserError(`invalid --env '${e}': the variable name is empty`);
      return [e];
    }
    if (e.endsWith('*')) {
      const prefix = e.slice(0, -1);
      return Object.keys(env)
        .filter((k) => k.startsWith(prefix))
        .sort()
        .map((k) => `${k}=${env[k]}`);
    }
    const v = env[e];
    return v === undefined ? [] : [`${e}=${v}`];
  });
}

/** A file of KEY=VALUE lines: blank lines and # comments skipped. */
function lines(file: string, flag: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 125, `Give a readable file of KEY=VALUE lines.`);
  }
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

export function parseLabels(items: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!key) throw new UserError(`invalid --label '${item}'`, 125, 'Use --label KEY=VALUE (or KEY alone for an empty value).');
    labels[key] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return labels;
}

/** A signal name or number, as SIGNAME (or the number): what stop sends. */
function signalName(text: string, flag: string): string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return text;
  } else {
    const name = text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
    if (name in os().constants.signals) return name;
  }
  throw new UserError(`invalid ${flag} '${text}'`, 125, 'Use a signal name (TERM, INT, QUIT, SIGUSR1...) or a number from 1 to 64.');
}

function parseRestart(text: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text);
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    throw new UserError(`invalid --restart '${text}'`, 125, 'Use no, on-failure, on-failure:N (at most N restarts), always or unless-stopped.');
  }
  return { name: m[1] as RestartPolicy['name'], maxRetries: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Where podman's --read-only puts a tmpfs, so that programs can still write their pid and temp files. */
const READ_ONLY_TMPFS = ['/run', '/tmp', '/var/tmp'];

/** --read-only --read-only-tmpfs (the default): the tmpfs mounts, except where a volume of the user's already goes. */
export function readOnlyTmpfs(p: Parsed, readOnlyRoot: boolean, volumes: VolumeSpec[]): VolumeSpec[] {
  if (!readOnlyRoot || p.flags['read-only-tmpfs'] === false) return [];
  return READ_ONLY_TMPFS.filter((d) => !volumes.some((v) => v.destination === d)).map((destination) => ({
    source: '',
    destination,
    readOnly: false,
    relabel: '',
    chown: false,
    type: 'tmpfs',
  }));
}

/** --cidfile: refused before anything is created when the file is there already (podman). */
export function checkCidfile(p: Parsed): string | undefined {
  const file = str(p, 'cidfile');
  if (file !== undefined && fs.existsSync(file)) {
    throw new UserError(`container id file exists: ${file}`, 125, 'Ensure another container is not using it, or delete it.');
  }
  return file;
}
