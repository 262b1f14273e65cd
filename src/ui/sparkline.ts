// Sparklines: one block character per sample, newest on the right.

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as bars scaled to [0, max]. `max` defaults to the
 * largest value shown (at least 1, so an idle series stays flat). Missing
 * samples (null) are blanks; fewer samples than `width` are padded on the
 * right, so what follows the line does not move as it fills.
 */
export function sparkline(values: readonly (number | null)[], width: number, max?: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  const top = max ?? Math.max(1, ...shown.map((v) => v ?? 0));
  let out = '';
  for (const v of shown) {
    if (v === null || !Number.isFinite(v)) {
      out += ' ';
      continue;
    }
    const r = Math.min(1, Math.max(0, v / top));
    out += BARS[Math.min(BARS.length - 1, Math.floor(r * BARS.length))];
  }
  return out.padEnd(width);
}

/**
 * At most `width` values, each the largest of an equal run of samples (peaks
 * are what a sparkline is for), the newest run last. Returns the values and
 * how many samples each one stands for.
 */
export function bucket(values: readonly (number | null)[], width: number): { values: (number | null)[]; per: number } {
  if (width <= 0) return { values: [], per: 1 };
  const per = Math.max(1, Math.ceil(values.length / width));
  if (per === 1) return { values: [...values], per };
  const out: (number | null)[] = [];
  // group from the newest end so the last bucket is always full and current
  for (let end = values.length; end > 0; end -= per) {
    let m: number | null = null;
    for (const v of values.slice(Math.max(0, end - per), end)) if (v !== null && (m === null || v > m)) m = v;
    out.unshift(m);
  }
  return { values: out, per };
}
