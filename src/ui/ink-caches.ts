// Ink's two text caches, bounded, and used for the width Ink takes of every
// text on every frame: patched in by scripts/bundle.mjs when the dashboard
// is bundled.
//
// Why: ink/build/measure-text.js and ink/build/wrap-text.js each keep every
// string Ink ever measured or wrapped in a module-level map that is never
// emptied (vadimdemedes/ink#986). Yoga's measure function feeds them on
// every layout, and a dashboard draws new strings every second (uptimes,
// CPU figures, sparklines, log lines), so over hours they would hold
// everything it ever showed.
//
// What: each cache keeps two generations of at most GENERATION entries. A
// string is looked up in the young one, then in the old one (and moved to
// the young one when found there); when the young one is full it becomes
// the old one and the old one is dropped. What every frame draws is found
// again every frame and stays; what scrolled off is gone two generations
// later. At most 2 x GENERATION entries, and a hit costs one or two map
// lookups (an LRU that reorders a map on every hit would cost more on the
// hot path than the cache saves).
//
// And: Ink's renderer takes the width of every text node again on every
// frame (render-node-to-output.js, with widest-line, uncached), though the
// measure cache has just been asked for the same string by the layout, or
// was on an earlier frame. For text beyond ASCII (a sparkline, the header's
// middle dot) string-width segments graphemes and tests each against an
// emoji pattern: 70-180 us a line, half of Ink's time in a frame of the
// Stats tab. The patched renderer asks the measure cache instead.

/** Entries per generation: a frame of the dashboard measures a few hundred strings. */
export const GENERATION = 1000;

export class BoundedCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly generation = GENERATION) {}

  get(key: string): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

const caches = new Map<string, BoundedCache<unknown>>();

/** The cache for one of Ink's modules ('measure-text', 'wrap-text'), made on first use. */
export function inkTextCache<V>(name: string): BoundedCache<V> {
  let c = caches.get(name);
  if (!c) {
    c = new BoundedCache<V>() as BoundedCache<unknown>;
    caches.set(name, c);
  }
  return c as BoundedCache<V>;
}

/** How many entries each of Ink's caches holds now (tests, the benchmark). */
export function inkCacheSizes(): Record<string, number> {
  return Object.fromEntries([...caches].map(([name, c]) => [name, c.size]));
}
