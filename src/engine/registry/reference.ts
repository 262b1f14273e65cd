// Docker image references, as podman and the distribution spec read them:
// [REGISTRY/]REPOSITORY[:TAG][@DIGEST]. The first component is a registry
// when it has a `.` or a `:` or is `localhost`; otherwise the name is short
// and each unqualified-search registry is a candidate (docker.io by
// default, where a one-component name is under library/). Pure: no I/O.
import { UserError } from '../../common/errors.js';

export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REGISTRY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;

function bad(text: string, why: string): UserError {
  return new UserError(`invalid image reference '${text}': ${why}`, 125, 'Use NAME[:TAG] or REGISTRY/NAME[:TAG][@sha256:DIGEST], e.g. alpine:3.20, docker.io/library/alpine, localhost:5000/app@sha256:...');
}

/** Is the first component of a name a registry? */
function isRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/**
 * The candidates TEXT stands for: one when it names its registry, one per
 * search registry when it is short. Tag `latest` when neither tag nor digest is given.
 */
export function parseReference(text: string, searchRegistries: string[]): ImageRef[] {
  if (text === '' || text.length > 4096) throw bad(text, 'empty or too long');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(text, `'${digest}' is not a sha256 digest (sha256: and 64 hex digits)`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(text, `'${tag}' is not a valid tag`);
  }
  if (!tag && !digest) tag = 'latest';
  const parts = rest.split('/');
  let registries: string[];
  if (parts.length > 1 && isRegistry(parts[0])) {
    const reg = parts.shift()!;
    if (!REGISTRY.test(reg)) throw bad(text, `'${reg}' is not a registry host[:port]`);
    registries = [reg === 'index.docker.io' || reg === 'registry-1.docker.io' ? DOCKER_HUB : reg];
  } else {
    if (searchRegistries.length === 0) throw bad(text, 'a short name, and no unqualified-search registries are configured');
    registries = searchRegistries;
  }
  for (const p of parts) if (!COMPONENT.test(p)) throw bad(text, `'${p}' is not a valid name component (lower-case letters, digits, separators . _ __ -)`);
  if (parts.join('/').length > 255) throw bad(text, 'the repository name is longer than 255 characters');
  return registries.map((registry) => ({
    registry,
    repository: registry === DOCKER_HUB && parts.length === 1 ? `library/${parts[0]}` : parts.join('/'),
    tag,
    digest,
  }));
}

/** Is TEXT short (its registry not named)? */
export function isShortName(text: string): boolean {
  const first = text.split('/')[0];
  return !(text.includes('/') && isRegistry(first));
}

/** registry/repository:tag, or @digest when there is no tag. */
export function formatRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest && !r.tag ? `@${r.digest}` : ''}`;
}

/** registry/repository (what a repo digest is recorded under). */
export function repoOf(r: ImageRef): string {
  return `${r.registry}/${r.repository}`;
}

/** Is HOST (host[:port]) on this machine's loopback? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
