// The pull rows of npm run bench: a 5-layer image of ~50 MB (10 MiB of
// random bytes per layer, so gzip cannot shrink it) in Debian's
// docker-registry on 127.0.0.1, pulled side by side in one hyperfine run by
// tsbox, `podman pull` (its own store, overlay driver) and `skopeo copy
// docker://… oci:DIR`; then a second pull of the image whose layers are all
// stored, by tsbox and by podman. Every first pull starts from an empty
// store (hyperfine --prepare empties it, untimed); every second pull from a
// store that has the image.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execaSync } from 'execa';
import { have, hyperfine, type HyperfineRow } from './tools.js';
import { BIN } from '../test/lib/cli.js';
import { buildImage, push, registryMissing, startRegistry } from '../test/lib/registry.js';

const LAYERS = 5;
const LAYER_BYTES = 10 << 20;

export interface PullBench {
  rows: HyperfineRow[];
  /** the image's blobs, compressed, in bytes */
  imageBytes: number;
  skipped?: string;
}

const q = (s: string) => `'${s}'`;

export async function benchPull(work: string, runs: number): Promise<PullBench> {
  const missing = registryMissing() ?? ['umoci', 'skopeo', 'podman', 'hyperfine'].find((t) => !have(t));
  if (missing) return { rows: [], imageBytes: 0, skipped: missing };
  const dir = path.join(work, 'pull');
  fs.mkdirSync(dir);
  const tars: string[] = [];
  for (let i = 0; i < LAYERS; i++) {
    const tree = path.join(dir, `tree${i}`);
    fs.mkdirSync(path.join(tree, `data${i}`), { recursive: true });
    fs.writeFileSync(path.join(tree, `data${i}`, 'blob'), crypto.randomBytes(LAYER_BYTES));
    const tar = path.join(dir, `l${i}.tar`);
    execaSync('tar', ['-C', tree, '--numeric-owner', '-cf', tar, '.']);
    fs.rmSync(tree, { recursive: true });
    tars.push(tar);
  }
  const layout = path.join(dir, 'layout');
  buildImage(layout, 'bench', tars);
  const reg = await startRegistry();
  const podmanRoots: string[] = [];
  try {
    push(reg, `${layout}:bench`, 'bench/pull:1');
    const ref = `${reg.host}/bench/pull:1`;
    const manifest = JSON.parse(execaSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]).stdout) as { layers: Array<{ size: number }> };
    const imageBytes = manifest.layers.reduce((n, l) => n + l.size, 0);
    const tsbox = (root: string) => `${q(process.execPath)} ${q(BIN)} --root ${q(root)} pull -q ${ref} >/dev/null`;
    const podman = (name: string) => {
      const p = path.join(dir, name);
      podmanRoots.push(p);
      return `podman --root ${q(`${p}/root`)} --runroot ${q(`${p}/run`)} --tmpdir ${q(`${p}/tmp`)} --storage-driver overlay --events-backend none`;
    };
    const [pFirst, pAgain] = [podman('podman1'), podman('podman2')];
    const ts1 = path.join(dir, 'tsbox1');
    const ts2 = path.join(dir, 'tsbox2');
    const oci = path.join(dir, 'skopeo-oci');
    const rows = hyperfine(
      [
        { name: `tsbox pull (${LAYERS} layers, empty store)`, cmd: tsbox(ts1), prepare: `rm -rf ${q(ts1)}` },
        { name: 'podman pull (empty store)', cmd: `${pFirst} pull -q --tls-verify=false ${ref} >/dev/null`, prepare: `${pFirst} rmi -af >/dev/null 2>&1; true` },
        { name: 'skopeo copy docker:// oci:DIR', cmd: `skopeo copy -q --src-tls-verify=false docker://${ref} oci:${q(oci)}:x`, prepare: `rm -rf ${q(oci)}` },
        { name: 'tsbox pull again (all layers stored)', cmd: tsbox(ts2), prepare: tsbox(ts2) },
        { name: 'podman pull again (all layers stored)', cmd: `${pAgain} pull -q --tls-verify=false ${ref} >/dev/null`, prepare: `${pAgain} pull -q --tls-verify=false ${ref} >/dev/null` },
      ],
      { runs, warmup: 1, v1View: false, work, perRound: runs },
    );
    return { rows, imageBytes };
  } finally {
    for (const p of podmanRoots) {
      execaSync('podman', ['--root', `${p}/root`, '--runroot', `${p}/run`, '--tmpdir', `${p}/tmp`, '--storage-driver', 'overlay', 'rmi', '-af'], { reject: false });
      execaSync('podman', ['--root', `${p}/root`, '--runroot', `${p}/run`, '--tmpdir', `${p}/tmp`, '--storage-driver', 'overlay', 'system', 'reset', '-f'], { reject: false });
    }
    await reg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
