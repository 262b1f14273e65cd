// The kernel side of user namespaces: whether this host lets us create them,
// writing a new namespace's id maps while the helper waits on its block fd,
// and running a command in a user namespace (`tsbox unshare`).
//
// Root writes /proc/PID/{uid,gid}_map itself. Anyone else may write only a
// map of their own id (and only after denying setgroups); everything else
// goes through shadow's setuid helpers newuidmap/newgidmap (Debian package
// uidmap), which allow exactly the ranges in /etc/subuid and /etc/subgid.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess, IOType } from 'node:child_process';
import type { Stream } from 'node:stream';
import { childProcess, os } from './lazy.js';
import { ProgramError, runProgramSync } from './programs.js';
import { UserError, EXIT_CANNOT_INVOKE, EXIT_ERROR, EXIT_NOT_FOUND } from '../common/errors.js';
import type { IdMapEntry } from './types.js';

/** Files that say whether user namespaces may be created; tests point them at fixtures. */
export interface UsernsSysctls {
  /** 0 = nobody may create a user namespace */
  maxUserNamespaces: string;
  /** Ubuntu 23.10+: 1 = unprivileged users need an AppArmor profile that allows `userns` */
  apparmorRestrict: string;
  /** Debian kernels before 5.10 (and some others): 0 = only root may */
  unprivilegedClone: string;
}

export const USERNS_SYSCTLS: UsernsSysctls = {
  maxUserNamespaces: '/proc/sys/user/max_user_namespaces',
  apparmorRestrict: '/proc/sys/kernel/apparmor_restrict_unprivileged_userns',
  unprivilegedClone: '/proc/sys/kernel/unprivileged_userns_clone',
};

function readSysctl(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined; // this kernel has no such knob
  }
}

/** Why this caller cannot create a user namespace here, or undefined when it can. */
export function usernsUnavailable(rootless: boolean, files: UsernsSysctls = USERNS_SYSCTLS): UserError | undefined {
  if (readSysctl(files.maxUserNamespaces) === '0') {
    return new UserError(
      `user namespaces are disabled on this host: ${files.maxUserNamespaces} is 0`,
      EXIT_ERROR,
      'Enable them as root: sysctl -w user.max_user_namespaces=28633 (and put user.max_user_namespaces=28633 in /etc/sysctl.d/userns.conf to keep it).',
    );
  }
  if (!rootless) return undefined;
  if (readSysctl(files.unprivilegedClone) === '0') {
    return new UserError(
      `this kernel lets only root create user namespaces: ${files.unprivilegedClone} is 0`,
      EXIT_ERROR,
      'Allow them as root: sysctl -w kernel.unprivileged_userns_clone=1 (and keep it in /etc/sysctl.d/userns.conf).',
    );
  }
  if (readSysctl(files.apparmorRestrict) === '1') {
    return new UserError(
      `AppArmor restricts unprivileged user namespaces on this host: ${files.apparmorRestrict} is 1`,
      EXIT_ERROR,
      'As root, either allow them for everyone: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0,\n' +
        'or give tsbox-helper an AppArmor profile with the `userns,` rule (see /etc/apparmor.d/, e.g. the profile Ubuntu ships for podman or bwrap).',
    );
  }
  return undefined;
}

// ---------------------------------------------------------------- newuidmap

export interface MapTools {
  newuidmap: string | null;
  newgidmap: string | null;
}

/** An executable NAME in the directories of PATH (as execvp would find it), or null. */
export function findInPath(name: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(':')) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would depend on the cwd
    const p = path.join(dir, name);
    try {
      if (fs.statSync(p).isFile()) {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      }
    } catch {
      /* not here */
    }
  }
  return null;
}

export function findMapTools(pathEnv = process.env.PATH ?? ''): MapTools {
  return { newuidmap: findInPath('newuidmap', pathEnv), newgidmap: findInPath('newgidmap', pathEnv) };
}

export function formatIdMap(map: IdMapEntry[]): string {
  return map.map((m) => `${m.container} ${m.host} ${m.size}\n`).join('');
}

function missingTool(name: string): UserError {
  return new UserError(
    `${name} was not found in PATH (${process.env.PATH ?? ''})`,
    EXIT_ERROR,
    'Install the uidmap package as root (apt-get install uidmap): it has the setuid newuidmap and newgidmap that map your /etc/subuid and /etc/subgid ranges.',
  );
}

function runMapTool(name: 'newuidmap' | 'newgidmap', tool: string | null, pid: number, map: IdMapEntry[]): void {
  if (!tool) throw missingTool(name);
  const args = [String(pid), ...map.flatMap((m) => [String(m.container), String(m.host), String(m.size)])];
  try {
    runProgramSync(tool, args, { what: name });
  } catch (e) {
    if (!(e instanceof ProgramError)) throw e;
    if (e.notFound) throw missingTool(name);
    const why = e.stderr || e.ended;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(tool);
    } catch {
      /* vanished meanwhile: the tool's own message says enough */
    }
    // Without the setuid bit (lost in a copy, a chmod, a nosuid mount) the
    // tool runs as us and the kernel refuses any map beyond our own id.
    if (st && (!(st.mode & 0o4000) || st.uid !== 0)) {
      throw new UserError(
        `${tool} is not setuid root (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${st.uid}), so it cannot write the ${name === 'newuidmap' ? 'uid' : 'gid'} map of the container (${why})`,
        EXIT_ERROR,
        `Restore it as root: chown root:root ${tool} && chmod u+s ${tool} (or apt-get install --reinstall uidmap).`,
      );
    }
    const file = name === 'newuidmap' ? '/etc/subuid' : '/etc/subgid';
    throw new UserError(
      `${name} ${args.join(' ')} failed: ${why}`,
      EXIT_ERROR,
      `${name} allows only your own id and your ranges in ${file}: check them with \`tsbox uidmap\`, and that ${file} lists ${os().userInfo().username}.`,
    );
  }
}

/** Is MAP just our own id (what an unprivileged process may write itself)? */
function ownIdOnly(map: IdMapEntry[], own: number): boolean {
  return map.length === 1 && map[0].size === 1 && map[0].host === own;
}

/**
 * Write the id maps of PID, a process that has just entered a new user
 * namespace and waits for them. `tools` are the newuidmap/newgidmap the plan
 * was made with (default: from PATH).
 */
export function writeIdMaps(pid: number, uidMap: IdMapEntry[], gidMap: IdMapEntry[], tools: MapTools = findMapTools()): void {
  const uid = process.getuid!();
  if (uid === 0) {
    fs.writeFileSync(`/proc/${pid}/uid_map`, formatIdMap(uidMap));
    fs.writeFileSync(`/proc/${pid}/gid_map`, formatIdMap(gidMap));
    return;
  }
  if (ownIdOnly(uidMap, uid)) fs.writeFileSync(`/proc/${pid}/uid_map`, formatIdMap(uidMap));
  else runMapTool('newuidmap', tools.newuidmap, pid, uidMap);
  if (ownIdOnly(gidMap, process.getgid!())) {
    // The kernel's rule (since 3.19): an unprivileged gid_map needs setgroups
    // denied first, or a process could drop a group that denies it access.
    fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny');
    fs.writeFileSync(`/proc/${pid}/gid_map`, formatIdMap(gidMap));
  } else {
    runMapTool('newgidmap', tools.newgidmap, pid, gidMap);
  }
}

// ---------------------------------------------------------------- unshare

interface StatusLine {
  pid?: number;
  error?: string;
  errno?: number;
  stage?: string;
}

function helperFailure(msg: StatusLine): UserError {
  if (msg.stage === 'exec') {
    const notFound = msg.errno === 2 || msg.errno === 20; // ENOENT, ENOTDIR
    return new UserError(
      msg.error ?? 'exec failed',
      notFound ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE,
      notFound ? 'Check the command name and $PATH.' : 'Check that the command is an executable file.',
    );
  }
  if (msg.stage === 'userns') {
    const why = usernsUnavailable(process.getuid?.() !== 0);
    if (why) return why;
  }
  return new UserError(`tsbox-helper userns: ${msg.error ?? 'failed'}${msg.stage ? ` [${msg.stage}]` : ''}`);
}

export interface UsernsChild {
  child: ChildProcess;
  /** CMD's exit code (128+N after signal N); rejects when the namespace cannot be set up or CMD cannot be executed */
  done: Promise<number>;
}

/**
 * Start CMD as root of a new user namespace with these maps, through
 * `tsbox-helper userns`; stdin, stdout and stderr as STDIO says. clearGroups:
 * without the caller's supplementary groups, which the namespace may not map
 * but which would still count in permission checks.
 */
export function spawnInUserNamespace(
  helper: string,
  cmd: string[],
  uidMap: IdMapEntry[],
  gidMap: IdMapEntry[],
  opts: { tools?: MapTools; stdio?: Array<IOType | Stream>; clearGroups?: boolean } = {},
): UsernsChild {
  const tools = opts.tools ?? findMapTools();
  const flags = ['--status-fd', '3', '--userns-block-fd', '4', ...(opts.clearGroups ? ['--clear-groups'] : [])];
  const child = childProcess().spawn(helper, ['userns', ...flags, '--', ...cmd], {
    stdio: [...(opts.stdio ?? ['inherit', 'inherit', 'inherit']), 'pipe', 'pipe'],
  });
  const status = child.stdio[3] as NodeJS.ReadableStream;
  const block = child.stdio[4] as NodeJS.WritableStream & { destroy(): void };
  let failure: UserError | undefined;
  let buf = '';
  status.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg: StatusLine;
      try {
        msg = JSON.parse(line) as StatusLine;
      } catch {
        continue;
      }
      if (msg.pid !== undefined) {
        try {
          writeIdMaps(msg.pid, uidMap, gidMap, tools);
          block.end('1');
        } catch (e) {
          failure ??= e instanceof UserError ? e : new UserError(`writing the id maps of ${msg.pid} failed: ${(e as Error).message}`);
          block.destroy(); // EOF without a byte: the helper gives up
        }
      }
      if (msg.error !== undefined) failure ??= helperFailure(msg);
    }
  });
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => {
      failure ??= new UserError(`cannot run ${helper}: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      if (failure) reject(failure);
      else resolve(exitCodeOf(code, signal));
    });
  });
  return { child, done };
}

/**
 * Run CMD (stdio inherited) as root of a new user namespace with these maps:
 * `tsbox unshare`. Resolves with CMD's exit code (128+N after signal N);
 * rejects with a UserError when the namespace cannot be set up or CMD cannot
 * be executed.
 */
export async function runInUserNamespace(
  helper: string,
  cmd: string[],
  uidMap: IdMapEntry[],
  gidMap: IdMapEntry[],
  tools: MapTools = findMapTools(),
): Promise<number> {
  const { child, done } = spawnInUserNamespace(helper, cmd, uidMap, gidMap, { tools });
  const stop = relaySignals(child);
  try {
    return await done;
  } finally {
    stop();
  }
}

/** podman's convention: the exit code, or 128+N after signal N. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (os().constants.signals[signal] ?? 0) : 0);
}

/**
 * While CHILD runs in the foreground: the terminal's ^C and ^\ reach it
 * through the process group, and we stay alive to report its exit; signals
 * sent to us alone are passed on. Returns the function that stops this.
 */
export function relaySignals(child: ChildProcess): () => void {
  const ignore = () => {};
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  return () => {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  };
}
