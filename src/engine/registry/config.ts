// Where short names are looked for: TSBOX_REGISTRIES (comma-separated; for
// tests and scripts), else `unqualified-search-registries = [...]` in
// tsbox's registries.conf (podman's key and syntax: /etc/tsbox/registries.conf
// for root, $XDG_CONFIG_HOME/tsbox/registries.conf rootless), else docker.io.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors.js';
import { os } from '../lazy.js';
import { isRootless } from '../paths.js';
import { DOCKER_HUB } from './reference.js';

export function registriesConfFile(): string {
  if (!isRootless()) return '/etc/tsbox/registries.conf';
  const base = process.env.XDG_CONFIG_HOME && path.isAbsolute(process.env.XDG_CONFIG_HOME) ? process.env.XDG_CONFIG_HOME : path.join(os().homedir(), '.config');
  return path.join(base, 'tsbox/registries.conf');
}

export function searchRegistries(): string[] {
  const env = process.env.TSBOX_REGISTRIES;
  if (env !== undefined) return env.split(',').map((s) => s.trim()).filter(Boolean);
  const file = registriesConfFile();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [DOCKER_HUB];
  }
  const m = /^\s*unqualified-search-registries\s*=\s*\[([^\]]*)\]/m.exec(text);
  if (!m) return [DOCKER_HUB];
  const list = [...m[1].matchAll(/"([^"]*)"|'([^']*)'/g)].map((x) => x[1] ?? x[2]);
  if (list.some((r) => !r || /[\s/]/.test(r))) throw new UserError(`${file}: unqualified-search-registries has an entry that is not a registry host[:port]`, 125, 'Write it as unqualified-search-registries = ["docker.io", "quay.io"].');
  return list;
}
