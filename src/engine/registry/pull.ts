// `tsbox pull`: a reference resolved (short names through the search
// registries), its manifest (an index: the platform asked for, or this
// host's), the config, and every layer that is not stored yet, downloaded in
// parallel and extracted while it downloads. Each blob's bytes are hashed as
// they stream: a layer whose blob does not match its digest, or whose tar
// does not match the config's diff id, is thrown away before anything uses
// it, and so is one whose download is cut. The image record is written last,
// under the lock: an image is there whole or not at all (layers that were
// whole stay stored, for the next pull to reuse).
import { UserError } from '../../common/errors.js';
import { ingestLayer } from '../layer-ingest.js';
import { crypto } from '../lazy.js';
import { hasTar, type LayerRecord, type LayerStore } from '../layers.js';
import type { OciStore } from '../oci-store.js';
import type { ImageRecord, OciImageConfig } from '../types.js';
import type { Credentials } from './auth.js';
import { errorText, readAll, RegistryClient } from './client.js';
import { ACCEPT, choosePlatform, hostPlatform, layerCompression, parseManifest, type Descriptor, type Manifest, type Platform } from './manifest.js';
import { formatRef, parseReference, repoOf, type ImageRef } from './reference.js';

export interface PullProgress {
  /** a layer's bytes so far (state 'download'), or that it is done, or was already stored */
  layer(digest: string, state: 'download' | 'done' | 'stored', done: number, total: number): void;
  /** a line of what happens ("Resolved alpine to docker.io/library/alpine:latest") */
  note(text: string): void;
}

export interface PullOptions {
  platform?: Platform;
  /** registries for which TLS is not verified (--tls-verify=false names the one pulled from) */
  tlsVerify: boolean;
  credentials: (registry: string) => Credentials | undefined;
  certDir?: string;
  progress?: PullProgress;
}

export interface PullContext {
  helper: string;
  layers: LayerStore;
  oci: OciStore;
  searchRegistries: string[];
  locked<T>(fn: () => T): Promise<T>;
}

/** layers downloaded at once: podman's default (containers/image's max parallel downloads), so that a 5- or 6-layer image has no layer left to download alone at the end */
const PARALLEL = 6;
const MAX_DOC = 4 << 20;
const sha256 = (b: Buffer) => `sha256:${crypto().createHash('sha256').update(b).digest('hex')}`;
const short = (d: string) => d.slice(7, 19);

function notFound(ref: ImageRef, why: string): UserError {
  return new UserError(`${formatRef(ref)}: no such image in ${ref.registry} (${why})`, 125, 'Check the name and the tag; `skopeo list-tags docker://REGISTRY/NAME` shows the tags a registry has.');
}

/** GET a manifest; undefined when the registry says it has no such one. */
async function getManifest(client: RegistryClient, ref: ImageRef, reference: string): Promise<{ body: Buffer; type?: string } | { missing: string }> {
  const res = await client.get(`/v2/${ref.repository}/manifests/${reference}`, `repository:${ref.repository}:pull`, { Accept: ACCEPT });
  if (res.status === 404) return { missing: (await errorText(res)) || '404 Not Found' };
  if (res.status !== 200) throw new UserError(`registry ${ref.registry} answered ${res.status} for the manifest of ${formatRef(ref)}: ${await errorText(res)}`);
  const type = res.headers['content-type'];
  return { body: await readAll(res.body, MAX_DOC), type };
}

/** Resolve REF to one image manifest, its digest and bytes. */
async function resolveManifest(client: RegistryClient, ref: ImageRef, opts: PullOptions): Promise<{ manifest: Manifest; bytes: Buffer; digest: string } | { missing: string }> {
  const what = formatRef(ref);
  const first = await getManifest(client, ref, ref.digest ?? ref.tag!);
  if ('missing' in first) return first;
  const digest = sha256(first.body);
  if (ref.digest && digest !== ref.digest) throw new UserError(`${what}: the registry sent a manifest whose digest is ${digest}`, 125, 'The registry is damaged or not to be trusted: nothing was stored.');
  const top = parseManifest(first.body, first.type, what);
  if (top.manifest) {
    if (opts.platform) opts.progress?.note(`${what} is a single-platform image; --platform ${opts.platform.os}/${opts.platform.architecture} is not checked against it`);
    return { manifest: top.manifest, bytes: first.body, digest };
  }
  const pick = choosePlatform(top.index!, opts.platform ?? hostPlatform(), what);
  const second = await getManifest(client, ref, pick.digest);
  if ('missing' in second) throw notFound(ref, `its index lists ${pick.digest}, which the registry does not have: ${second.missing}`);
  const d2 = sha256(second.body);
  if (d2 !== pick.digest) throw new UserError(`${what}: the manifest for ${pick.digest} has the digest ${d2}`, 125, 'The registry is damaged or not to be trusted: nothing was stored.');
  const m = parseManifest(second.body, second.type, what);
  if (!m.manifest) throw new UserError(`${what}: its index points at another index, which tsbox does not follow`);
  return { manifest: m.manifest, bytes: second.body, digest: d2 };
}

interface LayerJob {
  desc: Descriptor;
  diffId: string;
}

/** Download, verify and extract one layer; the stored one when it is there. */
async function fetchLayer(ctx: PullContext, client: RegistryClient, ref: ImageRef, job: LayerJob, opts: PullOptions, abort: { reason?: unknown }): Promise<LayerRecord> {
  const { desc } = job;
  const stored = ctx.layers.get(desc.digest) ?? ctx.layers.byDiffId(job.diffId);
  if (stored) {
    if (!hasTar(stored, job.diffId)) throw new UserError(`layer ${desc.digest} is stored with diff id ${stored.diffId}, but the image's config says ${job.diffId}`, 125, 'The image is inconsistent; nothing was stored.');
    opts.progress?.layer(desc.digest, 'stored', desc.size, desc.size);
    return stored;
  }
  const comp = layerCompression(desc.mediaType);
  const what = `layer ${short(desc.digest)} of ${formatRef(ref)}`;
  const res = await client.get(`/v2/${ref.repository}/blobs/${desc.digest}`, `repository:${ref.repository}:pull`);
  if (res.status !== 200) throw new UserError(`registry ${ref.registry} answered ${res.status} for ${what}: ${await errorText(res)}`, 125, res.status === 404 ? 'The registry lists a layer it does not have: push the image again.' : undefined);
  const blobHash = crypto().createHash('sha256');
  let got = 0;
  const cut = (e: Error) =>
    new UserError(`the download of ${what} from ${ref.registry} was cut after ${got} of ${desc.size} bytes: ${e.message}`, 125, 'Pull again: the layers already stored are kept and not downloaded again.');
  const blob = async function* (): AsyncGenerator<Buffer> {
    try {
      for await (const c of res.body as AsyncIterable<Buffer>) {
        if (abort.reason) throw abort.reason;
        got += c.length;
        if (got > desc.size) throw new UserError(`${what}: the registry sent more than its ${desc.size} bytes`, 125, 'The registry is damaged or not to be trusted: nothing of it was stored.');
        blobHash.update(c);
        opts.progress?.layer(desc.digest, 'download', got, desc.size);
        yield c;
      }
    } catch (e) {
      if (e instanceof UserError || e === abort.reason) throw e;
      throw cut(e as Error);
    }
    if (got < desc.size) throw cut(new Error('the connection closed'));
    const d = `sha256:${blobHash.digest('hex')}`;
    if (d !== desc.digest) {
      throw new UserError(`${what} does not match its digest: the registry's blob ${desc.digest} hashes to ${d}`, 125, "The registry's copy is damaged or was changed: nothing of it was stored. Tell whoever runs the registry, or pull from another.");
    }
  };
  try {
    const rec = await ingestLayer(ctx, blob(), { digest: desc.digest, mediaType: desc.mediaType, size: desc.size, compression: comp, diffId: job.diffId }, what);
    opts.progress?.layer(desc.digest, 'done', desc.size, desc.size);
    return rec;
  } catch (e) {
    res.body.destroy();
    throw e;
  }
}

/** Run JOBS, PARALLEL at a time; the first failure stops the rest (they see abort.reason) and is thrown. */
async function inParallel<T>(jobs: Array<(abort: { reason?: unknown }) => Promise<T>>): Promise<T[]> {
  const abort: { reason?: unknown } = {};
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !abort.reason) {
      const i = next++;
      try {
        out[i] = await jobs[i](abort);
      } catch (e) {
        abort.reason ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, worker));
  if (abort.reason) throw abort.reason;
  return out;
}

/** Pull TEXT; resolves with the stored image. */
export async function pullImage(ctx: PullContext, text: string, opts: PullOptions): Promise<ImageRecord> {
  const candidates = parseReference(text, ctx.searchRegistries);
  const misses: string[] = [];
  for (const ref of candidates) {
    const client = new RegistryClient(ref.registry, { tlsVerify: opts.tlsVerify, credentials: opts.credentials(ref.registry), certDir: opts.certDir });
    let resolved;
    try {
      resolved = await resolveManifest(client, ref, opts);
    } catch (e) {
      if (candidates.length > 1 && e instanceof UserError && /not reachable|needs credentials/.test(e.message)) {
        misses.push(e.message);
        continue;
      }
      throw e;
    }
    if ('missing' in resolved) {
      misses.push(notFound(ref, resolved.missing).message);
      continue;
    }
    if (candidates.length > 1) opts.progress?.note(`Resolved "${text}" to ${formatRef(ref)}`);
    return pullResolved(ctx, client, ref, resolved, opts);
  }
  if (candidates.length === 1) throw notFound(candidates[0], misses[0].replace(/^.*\((.*)\)$/, '$1'));
  throw new UserError(`${text}: not found in any search registry:\n  ${misses.join('\n  ')}`, 125, 'Name the registry (REGISTRY/NAME:TAG), or add it to unqualified-search-registries (TSBOX_REGISTRIES for one command).');
}

async function pullResolved(ctx: PullContext, client: RegistryClient, ref: ImageRef, r: { manifest: Manifest; bytes: Buffer; digest: string }, opts: PullOptions): Promise<ImageRecord> {
  const what = formatRef(ref);
  const { manifest } = r;
  const res = await client.get(`/v2/${ref.repository}/blobs/${manifest.config.digest}`, `repository:${ref.repository}:pull`);
  if (res.status !== 200) throw new UserError(`registry ${ref.registry} answered ${res.status} for the config of ${what}: ${await errorText(res)}`);
  const configBytes = await readAll(res.body, MAX_DOC);
  if (sha256(configBytes) !== manifest.config.digest) throw new UserError(`${what}: its config does not match its digest ${manifest.config.digest}`, 125, "The registry's copy is damaged or was changed: nothing was stored.");
  let config: OciImageConfig;
  try {
    config = JSON.parse(configBytes.toString('utf8')) as OciImageConfig;
  } catch (e) {
    throw new UserError(`${what}: its config is not JSON (${(e as Error).message})`);
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw new UserError(`${what}: the manifest has ${manifest.layers.length} layers and the config ${diffIds.length} diff ids`, 125, 'The image is inconsistent; push it again.');
  if (opts.platform && config.architecture && config.architecture !== opts.platform.architecture) {
    throw new UserError(`${what} is for ${config.os}/${config.architecture}, not ${opts.platform.os}/${opts.platform.architecture}`, 125, 'Pull the image built for that platform.');
  }
  const layers = await inParallel(manifest.layers.map((desc, i) => (abort: { reason?: unknown }) => fetchLayer(ctx, client, ref, { desc, diffId: diffIds[i] }, opts, abort)));
  const id = manifest.config.digest.slice(7);
  const rec: ImageRecord = {
    name: ref.tag ? what : '<none>',
    id,
    created: config.created ?? new Date(0).toISOString(),
    kind: 'oci',
    size: layers.reduce((n, l) => n + l.size, 0),
    source: `${ref.registry}/${ref.repository}`,
    names: ref.tag ? [what] : [],
    repoDigests: [`${repoOf(ref)}@${r.digest}`],
    digest: r.digest,
    layers: layers.map((l) => l.digest),
    config,
  };
  return ctx.locked(() => ctx.oci.save(rec, r.bytes, configBytes));
}
