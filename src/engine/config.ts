// tsbox's settings file, in podman's containers.conf format (TOML), of which
// tsbox reads only what it has: `[containers] userns`. Other sections and
// keys are podman's and left alone, so that one file can serve both.
//
//   [containers]
//   userns = "auto"     # root's containers get --userns=auto unless told
//                       # otherwise: container root is never host root
//
// Where: --root DIR (or TSBOX_ROOT): DIR/containers.conf; root:
// /etc/tsbox/containers.conf; rootless: $XDG_CONFIG_HOME/tsbox/containers.conf
// (~/.config). A missing file is the defaults; a value tsbox cannot honour
// is an error naming the file and line, before anything is created.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../common/errors.js';
import { os } from './lazy.js';
import { isRootless } from './paths.js';

export interface Config {
  /** the file read, or where it would be */
  file: string;
  /** `[containers] userns`: the --userns a container gets when none is given ('' or absent: host for root) */
  userns?: 'auto' | 'host';
}

export function configPath(root?: string): string {
  const explicit = root ?? process.env.TSBOX_ROOT;
  if (explicit) return path.resolve(explicit, 'containers.conf');
  if (!isRootless()) return '/etc/tsbox/containers.conf';
  const xdg = process.env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os().homedir(), '.config'), 'tsbox', 'containers.conf');
}

/** The TOML subset these files use for tsbox's keys: [section] headers and key = "string" lines. */
export function parseConfig(text: string, file: string): Config {
  const out: Config = { file };
  let section = '';
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/^\s+|\s+$/g, '');
    if (l === '' || l.startsWith('#')) return;
    const head = /^\[\s*([A-Za-z0-9_.-]+)\s*\]$/.exec(l);
    if (head) {
      section = head[1];
      return;
    }
    if (section !== 'containers') return; // podman's other sections
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*(#.*)?$/.exec(l);
    if (!kv || kv[1] !== 'userns') return; // podman's other keys
    const m = /^"([^"]*)"$/.exec(kv[2]) ?? /^'([^']*)'$/.exec(kv[2]);
    const value = m?.[1];
    if (value === 'auto' || value === 'host') out.userns = value;
    else if (value !== '') {
      throw new UserError(
        `${file}:${i + 1}: userns = ${kv[2]} is not a setting tsbox has`,
        125,
        'Use userns = "auto" (each container gets a uid range of its own) or "host" (the default for root), or remove the line.',
      );
    }
  });
  return out;
}

export function readConfig(root?: string): Config {
  const file = configPath(root);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file };
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`, 125, 'Make it readable, or remove it.');
  }
  return parseConfig(text, file);
}
