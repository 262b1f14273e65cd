// What an image's config gives a container, as podman applies it: Env
// before -e, User unless -u, WorkingDir unless -w, and the command: the
// entrypoint (--entrypoint, else the image's) followed by the arguments
// given after IMAGE, else the image's Cmd. --entrypoint drops the image's
// Cmd, as in podman and Docker. With neither, and no command given, there
// is nothing to run: refused as podman refuses it (125).
import { UserError } from '../common/errors.js';
import type { OciImageConfig } from '../engine/types.js';

export interface FromImage {
  command: string[];
  env: string[];
  user?: string;
  workdir?: string;
  stopSignal?: string;
  labels?: Record<string, string>;
  exposedPorts: string[];
}

/** --entrypoint: a JSON array, or one string (the program alone); "" means none. */
function parseEntrypoint(text: string): string[] {
  if (text.trim().startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new UserError(`--entrypoint '${text}' is not a JSON array: ${(e as Error).message}`, 125, 'Give a program (--entrypoint /bin/sh) or a JSON array of strings (--entrypoint \'["/bin/sh","-c"]\').');
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new UserError(`--entrypoint '${text}' is not an array of strings`);
    return v as string[];
  }
  return text === '' ? [] : [text];
}

export function applyImageConfig(c: OciImageConfig['config'] | undefined, given: { command: string[]; entrypoint?: string }): FromImage {
  const entrypoint = given.entrypoint !== undefined ? parseEntrypoint(given.entrypoint) : (c?.Entrypoint ?? []);
  const args = given.command.length ? given.command : given.entrypoint !== undefined ? [] : (c?.Cmd ?? []);
  const command = [...entrypoint, ...args];
  if (command.length === 0) throw new UserError('no command or entrypoint provided, and no CMD or ENTRYPOINT from image', 125, 'Give the command after the image: tsbox run [FLAGS] IMAGE CMD [ARG...]');
  const workdir = c?.WorkingDir || undefined;
  if (workdir !== undefined && !workdir.startsWith('/')) throw new UserError(`the image's WorkingDir '${workdir}' is not absolute`, 125, 'Give -w DIR.');
  return {
    command,
    env: (c?.Env ?? []).filter((e) => e.includes('=') && !e.startsWith('=')),
    user: c?.User || undefined,
    workdir,
    stopSignal: c?.StopSignal || undefined,
    labels: c?.Labels ?? undefined,
    exposedPorts: Object.keys(c?.ExposedPorts ?? {}),
  };
}
