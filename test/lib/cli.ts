// Running the real CLI (bin/tsbox.js) against a private state root.
// child_process, not test/lib/programs.ts: the CLI under test, run as a shell runs it, with no layer between
// its exit code, streams and signals and what the tests assert (and no 100 MB buffer or kill-after-timeout of execa's)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './suite-run.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(REPO, 'bin/tsbox.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A new state root (mode 0700, as mkdtemp makes it), noted as the run's (test/lib/suite-run.ts). */
export function makeRoot(prefix = 'tsbox-test-'): string {
  return tempDir(prefix);
}

/** Synchronous run of `tsbox --root ROOT ARGS...` */
export function tsbox(root: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, '--root', root, ...args], {
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    timeout: opts.timeout ?? 60000,
    encoding: 'utf8',
  });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** Async variant, for running several at once. */
export function tsboxAsync(root: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/**
 * The engine keeps its cgroup parent (`<hierarchy>/tsbox`) once made, as
 * podman keeps libpod_parent. The suite leaves nothing behind: test/zz
 * removes it again when no container is left in it (rmdir refuses
 * otherwise). Only there: between tests, another engine on the machine may
 * have just made it for a container of its own.
 */
export function removeEmptyCgroupParents(): void {
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    try {
      fs.rmdirSync(path.join('/sys/fs/cgroup', h, 'tsbox'));
    } catch {
      /* absent, or still holding containers */
    }
  }
}

/** Remove every container under ROOT (force), and the root itself. */
export function cleanupRoot(root: string): void {
  const ps = tsbox(root, ['ps', '-a', '-q']);
  const ids = ps.stdout.split('\n').filter(Boolean);
  if (ids.length) tsbox(root, ['rm', '-f', ...ids]);
  fs.rmSync(root, { recursive: true, force: true });
}

export function inspect(root: string, name: string): Record<string, any> {
  const r = tsbox(root, ['inspect', name]);
  if (r.code !== 0) throw new Error(`inspect ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout)[0];
}
