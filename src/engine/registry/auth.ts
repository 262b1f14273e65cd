// Credentials saved by `tsbox login`, in podman's auth.json format
// ({"auths": {"REGISTRY": {"auth": base64("USER:PASS")}}}), in a file only
// its owner can read (0600, in a 0700 directory): REGISTRY_AUTH_FILE, or
// auth.json in tsbox's runtime directory, as podman keeps its own in
// $XDG_RUNTIME_DIR/containers (gone at reboot).
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors.js';
import { writeJsonAtomic } from '../fsutil.js';
import type { Paths } from '../paths.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string }>;
  [k: string]: unknown;
}

export function authFile(paths: Paths, override?: string): string {
  return override ?? process.env.REGISTRY_AUTH_FILE ?? path.join(paths.run, 'auth.json');
}

function read(file: string): AuthFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`cannot read the credentials in ${file}: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as AuthFile;
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v;
  } catch (e) {
    throw new UserError(`${file} is not an auth.json file: ${(e as Error).message}`, 125, 'Fix or remove it; tsbox login writes a new one.');
  }
}

/** USER:PASS, as --creds takes it. */
export function parseCreds(text: string): Credentials {
  const i = text.indexOf(':');
  if (i <= 0) throw new UserError(`--creds must be USER:PASS, not '${text.replace(/:.*/, ':...')}'`);
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

export function lookupCredentials(file: string, registry: string): Credentials | undefined {
  const entry = read(file).auths?.[registry];
  if (!entry?.auth) return undefined;
  const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
  const i = plain.indexOf(':');
  return i > 0 ? { username: plain.slice(0, i), password: plain.slice(i + 1) } : undefined;
}

export function saveCredentials(file: string, registry: string, creds: Credentials): void {
  const data = read(file);
  data.auths = { ...data.auths, [registry]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  write(file, data);
}

/** false when there was nothing saved for REGISTRY. */
export function removeCredentials(file: string, registry: string): boolean {
  const data = read(file);
  if (!data.auths?.[registry]) return false;
  delete data.auths[registry];
  write(file, data);
  return true;
}

function write(file: string, data: AuthFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeJsonAtomic(file, data, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
