// `image inspect` and `image history` as podman shows them (its field
// names), from an image record; and the sizes `images` shows, with layers
// that several images share counted once.
import type { ImageStore } from './images.js';
import type { ImageRecord } from './types.js';

/** podman image inspect's object for REC. */
export function inspectImage(images: ImageStore, rec: ImageRecord): Record<string, unknown> {
  if (rec.kind !== 'oci') return { Id: rec.id, Names: [rec.name], Created: rec.created, Size: rec.size, Source: rec.source, Kind: rec.kind };
  const c = rec.config ?? {};
  const layers = (rec.layers ?? []).map((d) => images.layers.get(d));
  return {
    Id: rec.id,
    Digest: rec.digest,
    RepoTags: rec.names ?? [],
    RepoDigests: rec.repoDigests ?? [],
    Created: c.created ?? rec.created,
    Config: c.config ?? {},
    Version: '',
    Author: c.author ?? '',
    Architecture: c.architecture ?? '',
    Os: c.os ?? '',
    ...(c.variant ? { Variant: c.variant } : {}),
    Size: rec.size,
    VirtualSize: rec.size,
    Labels: c.config?.Labels ?? null,
    Annotations: {},
    ManifestType: images.oci.manifestType(rec.id),
    RootFS: { Type: 'layers', Layers: c.rootfs?.diff_ids ?? layers.map((l) => l?.diffId) },
    History: c.history ?? [],
    NamesHistory: rec.names ?? [],
  };
}

export interface HistoryRow {
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
}

/** The config's history, newest first, each entry that made a layer with that layer's size. */
export function imageHistory(images: ImageStore, rec: ImageRecord): HistoryRow[] {
  const hist = rec.config?.history ?? [];
  const layers = [...(rec.layers ?? [])];
  const rows: HistoryRow[] = [];
  let li = 0;
  for (const h of hist) {
    const empty = !!h.empty_layer;
    const layer = empty ? undefined : layers[li++];
    rows.push({ id: layer ? layer.slice(7) : '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size: layer ? (images.layers.get(layer)?.size ?? 0) : 0, comment: h.comment ?? '' });
  }
  // layers the history does not tell of (images made without one)
  for (; li < layers.length; li++) rows.push({ id: layers[li].slice(7), created: rec.created, createdBy: '', size: images.layers.get(layers[li])?.size ?? 0, comment: '' });
  rows.reverse();
  if (rows.length) rows[0].id = rec.id;
  return rows;
}

/** Bytes of each image's layers that another image lists too. */
export function sharedSizes(images: ImageStore, recs: ImageRecord[]): Map<string, number> {
  const count = new Map<string, number>();
  for (const r of recs) for (const l of new Set(r.layers ?? [])) count.set(l, (count.get(l) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const r of recs) {
    let n = 0;
    for (const l of new Set(r.layers ?? [])) if ((count.get(l) ?? 0) > 1) n += images.layers.get(l)?.size ?? 0;
    out.set(r.id, n);
  }
  return out;
}

/** What the store holds on disk: every layer once, and the imported trees. */
export function storeSize(images: ImageStore, recs: ImageRecord[]): number {
  return images.layers.list().reduce((n, l) => n + l.size, 0) + recs.filter((r) => r.kind === 'rootfs').reduce((n, r) => n + r.size, 0);
}
