// Manifests and indexes (OCI image-spec, and Docker's schema2 and manifest
// list, which have the same shape), and the choice of one platform from an
// index. Pure: no I/O.
import { UserError } from '../../common/errors.js';
import { DIGEST } from './reference.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** How a layer's blob is compressed, by its media type. */
export function layerCompression(mediaType: string): Compression {
  if (/tar\+zstd$/.test(mediaType)) return 'zstd';
  if (/tar\+gzip$|\.tar\.gzip$|rootfs\.diff\.tar\.gzip$/.test(mediaType)) return 'gzip';
  if (/\.tar$|image\.layer\.v1\.tar$|rootfs\.diff\.tar$/.test(mediaType)) return 'none';
  throw new UserError(`a layer of media type '${mediaType}', which tsbox cannot extract`, 125, 'tsbox reads tar layers, plain, gzip or zstd.');
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const x = d as Descriptor;
  if (!x || typeof x.mediaType !== 'string' || typeof x.digest !== 'string' || !DIGEST.test(x.digest) || !Number.isSafeInteger(x.size) || x.size < 0) {
    throw new UserError(`${what}: a descriptor without a valid mediaType, sha256 digest and size`);
  }
  return x;
}

/** A manifest or index from its bytes and Content-Type, checked enough to be used. */
export function parseManifest(body: Buffer, contentType: string | undefined, what: string): { index?: Index; manifest?: Manifest; mediaType: string } {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${what}: the manifest is not JSON (${(e as Error).message})`);
  }
  const mediaType = (typeof j.mediaType === 'string' ? j.mediaType : undefined) ?? contentType?.split(';')[0].trim() ?? '';
  if (j.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new UserError(`${what}: a Docker schema 1 manifest, which tsbox does not read`, 125, 'Push the image again with a current tool (schema 2 or OCI).');
  }
  if (Array.isArray(j.manifests)) {
    return { index: { schemaVersion: 2, mediaType, manifests: j.manifests.map((m, i) => checkDescriptor(m, `${what}: manifest ${i}`)) }, mediaType };
  }
  if (!Array.isArray(j.layers) || !j.config) throw new UserError(`${what}: neither an image manifest nor an index (media type '${mediaType}')`);
  return {
    manifest: { schemaVersion: 2, mediaType, config: checkDescriptor(j.config, `${what}: config`), layers: j.layers.map((l, i) => checkDescriptor(l, `${what}: layer ${i}`)) },
    mediaType,
  };
}

/** This host's platform, in OCI's words. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  const architecture = arch[process.arch] ?? process.arch;
  const variant = architecture === 'arm64' ? 'v8' : architecture === 'arm' ? 'v7' : undefined;
  return { os: 'linux', architecture, variant };
}

/** --platform os/arch[/variant] */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) throw new UserError(`invalid --platform '${text}'`, 125, 'Use OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8.');
  return { os, architecture, variant };
}

export function formatPlatform(p: Platform | undefined): string {
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unknown';
}

/** The entry of INDEX for WANT: os and architecture equal, the variant equal when both say one (arm64's v8 is its default). */
export function choosePlatform(index: Index, want: Platform, what: string): Descriptor {
  const images = index.manifests.filter((m) => m.platform && m.platform.architecture !== 'unknown');
  const norm = (p: Platform) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
  const hit =
    images.find((m) => m.platform!.os === want.os && m.platform!.architecture === want.architecture && norm(m.platform!) === norm(want)) ??
    images.find((m) => m.platform!.os === want.os && m.platform!.architecture === want.architecture && (!m.platform!.variant || !want.variant));
  if (hit) return hit;
  throw new UserError(
    `${what} has no image for ${formatPlatform(want)}: it has ${images.map((m) => formatPlatform(m.platform)).join(', ') || 'no platforms'}`,
    125,
    'Pull one of those with --platform OS/ARCH[/VARIANT] (it may not run on this host), or use an image built for this one.',
  );
}
