// The flags of `pull`, and of `run`/`create` for the pull they may do
// (--pull, --platform, --tls-verify, --creds, --cert-dir, --authfile), and
// the progress display: one line per layer and a total, redrawn on a
// terminal (stderr), nothing when stderr is not one or with -q.
import type { FlagSpec, Parsed } from './args.js';
import { str } from './args.js';
import { UserError } from '../common/errors.js';
import type { PullRequest } from '../engine/image-pull.js';
import { parseCreds } from '../engine/registry/auth.js';
import { parsePlatform } from '../engine/registry/manifest.js';
import type { PullProgress } from '../engine/registry/pull.js';
import { humanSize } from './format.js';

export const PULL_FLAGS: FlagSpec[] = [
  { name: 'platform', type: 'string', arg: 'OS/ARCH[/VARIANT]', help: "the platform to pull from a multi-platform image (default: this host's)" },
  { name: 'tls-verify', type: 'string', arg: 'BOOL', help: "false: don't verify the registry's TLS certificate, and allow plain http (this registry only)" },
  { name: 'creds', type: 'string', arg: 'USER:PASS', help: 'credentials for the registry (default: those of tsbox login)' },
  { name: 'cert-dir', type: 'string', arg: 'DIR', help: "CA certificates (*.crt) for the registry, besides /etc/containers/certs.d/REGISTRY" },
  { name: 'authfile', type: 'string', arg: 'FILE', help: 'the auth.json of tsbox login (default: $REGISTRY_AUTH_FILE, or auth.json in the runtime dir)' },
];

export type PullPolicy = 'missing' | 'always' | 'never' | 'newer';

export function pullPolicy(p: Parsed): PullPolicy {
  const v = str(p, 'pull') ?? 'missing';
  if (v === 'missing' || v === 'always' || v === 'never' || v === 'newer') return v;
  if (v === 'true') return 'always';
  if (v === 'false') return 'never';
  throw new UserError(`invalid --pull '${v}'`, 125, 'Use missing (the default), always, never or newer.');
}

export function pullRequest(p: Parsed, quiet: boolean): PullRequest {
  const tls = str(p, 'tls-verify');
  if (tls !== undefined && tls !== 'true' && tls !== 'false') throw new UserError(`--tls-verify takes true or false, not '${tls}'`);
  const platform = str(p, 'platform');
  const creds = str(p, 'creds');
  return {
    platform: platform ? parsePlatform(platform) : undefined,
    tlsVerify: tls !== 'false',
    credentials: creds !== undefined ? parseCreds(creds) : undefined,
    certDir: str(p, 'cert-dir'),
    authFile: str(p, 'authfile'),
    progress: !quiet && process.stderr.isTTY ? terminalProgress() : quietProgress(),
  };
}

function quietProgress(): PullProgress {
  return { layer() {}, note() {} };
}

/** Lines on stderr, redrawn in place at most 10 times a second. */
function terminalProgress(): PullProgress {
  const layers = new Map<string, { done: number; total: number; state: string }>();
  let drawn = 0;
  let last = 0;
  const bar = (done: number, total: number) => {
    const w = 24;
    const n = total > 0 ? Math.min(w, Math.round((done / total) * w)) : w;
    return `[${'='.repeat(n)}${n < w ? '>' : ''}${' '.repeat(Math.max(0, w - n - 1))}]`;
  };
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const lines: string[] = [];
    let done = 0;
    let total = 0;
    for (const [d, l] of layers) {
      done += l.done;
      total += l.total;
      const what = l.state === 'stored' ? 'already stored' : l.state === 'done' ? `done ${humanSize(l.total)}` : `${humanSize(l.done)} / ${humanSize(l.total)}`;
      lines.push(`Copying blob ${d.slice(7, 19)} ${bar(l.done, l.total)} ${what}`);
    }
    lines.push(`Total ${bar(done, total)} ${humanSize(done)} / ${humanSize(total)}`);
    process.stderr.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\r\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
  return {
    layer(digest, state, done, total) {
      layers.set(digest, { done, total, state });
      draw(state !== 'download');
    },
    note(text) {
      process.stderr.write(`${text}\n`);
      drawn = 0;
    },
  };
}
