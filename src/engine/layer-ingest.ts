// A layer blob made a stored layer: decompressed as it streams (gzip by
// zlib; zstd by Debian's `zstd -d` as a streaming child, since Node 20's
// zlib has none), its tar hashed against the diff id the image's config
// names and extracted confined (layer-extract.ts) into a staging dir, which
// moves into the layer store only when everything matched. Shared by `pull`
// (blobs from a registry) and `image load` (blobs from an archive): the
// caller's BLOB stream checks the blob's own digest and throws at its end
// when it does not match, before the layer is committed.
import type { Readable, Writable } from 'node:stream';
import { UserError } from '../common/errors.js';
import { removeTree } from './fsutil.js';
import { extractTar } from './layer-extract.js';
import { childProcess, crypto, zlib } from './lazy.js';
import type { LayerRecord, LayerStore } from './layers.js';
import type { Compression } from './registry/manifest.js';

/** SRC through a duplex (zlib) or a program (zstd): INPUT is written, OUTPUT read, errors of either side end it. */
async function* through(src: AsyncIterable<Buffer>, input: Writable, output: Readable, done: () => Promise<void>): AsyncGenerator<Buffer> {
  const { once } = process.getBuiltinModule('node:events');
  let feedError: unknown;
  input.on('error', () => {}); // seen through output or done()
  const feeding = (async () => {
    try {
      for await (const c of src) if (!input.write(c)) await once(input, 'drain');
      input.end();
    } catch (e) {
      feedError = e;
      output.destroy();
      input.destroy();
    }
  })();
  try {
    for await (const c of output as AsyncIterable<Buffer>) yield c;
  } catch (e) {
    await feeding;
    throw feedError ?? e;
  }
  await feeding;
  if (feedError) throw feedError;
  await done();
}

export function decompress(src: AsyncIterable<Buffer>, comp: Compression, what: string): AsyncIterable<Buffer> {
  if (comp === 'none') return src;
  if (comp === 'gzip') {
    const z = zlib().createGunzip({ chunkSize: 256 * 1024 });
    return (async function* () {
      try {
        yield* through(src, z, z, async () => {});
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${what} is not valid gzip: ${(e as Error).message}`);
      }
    })();
  }
  // Node 20's zlib has no zstd: Debian's zstd decompresses, as a stream
  const child = childProcess().spawn('zstd', ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  return through(src, child.stdin!, child.stdout!, async () => {
    const code = await exited;
    if (code === null) throw new UserError(`${what} is zstd-compressed, and the zstd program was not found`, 125, 'Install it: apt-get install zstd.');
    if (code !== 0) throw new UserError(`${what} is not valid zstd: ${err.trim()}`);
  });
}

export interface IngestContext {
  helper: string;
  layers: LayerStore;
}

/** What the layer is: its blob's descriptor and the diff id the config gives it. */
export interface LayerSource {
  digest: string;
  mediaType: string;
  size: number;
  compression: Compression;
  diffId: string;
}

/** Store the layer whose blob BLOB streams (it checks its own digest); resolves with the stored record. */
export async function ingestLayer(ctx: IngestContext, blob: AsyncIterable<Buffer>, src: LayerSource, what: string): Promise<LayerRecord> {
  const staging = ctx.layers.staging();
  try {
    const diffHash = crypto().createHash('sha256');
    let size = 0;
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const c of decompress(blob, src.compression, what)) {
        diffHash.update(c);
        yield c;
      }
    };
    const result = await extractTar(counted(), { helper: ctx.helper, dir: `${staging}/diff`, kind: 'layer', what, onFile: (n) => (size += n) });
    const diffId = `sha256:${diffHash.digest('hex')}`;
    if (diffId !== src.diffId) throw new UserError(`${what}: its tar hashes to ${diffId}, but the image's config says ${src.diffId}`, 125, 'The image is inconsistent: nothing of it was stored.');
    return ctx.layers.commit(staging, {
      digest: src.digest,
      diffId,
      mediaType: src.mediaType,
      compressedSize: src.size,
      size,
      whiteouts: result.whiteouts,
      opaque: result.opaque,
      created: new Date().toISOString(),
    });
  } catch (e) {
    removeTree(staging);
    throw e;
  }
}
