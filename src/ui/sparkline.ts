// Sparklines: one block character per sample, newest on the right.

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as bars scaled to [0, max]. `max` defaults to the
 * largest value shown (at least 1, so an idle series stays flat). Missing
 * samples (null) are blanks; fewer samples than `width` are padded on the left
 * so time always flows at the same place.
 */
export function sparkline(values: readonly (number | null)[], width: number, max?: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  const top = max ?? Math.max(1, ...shown.map((v) => v ?? 0));
  let out = ' '.repeat(width - shown.length);
  for (const v of shown) {
    if (v === null || !Number.isFinite(v)) {
      out += ' ';
      continue;
    }
    const r = Math.min(1, Math.max(0, v / top));
    out += BARS[Math.min(BARS.length - 1, Math.floor(r * BARS.length))];
  }
  return out;
}
