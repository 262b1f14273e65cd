// Text formatting for the dashboard. Pure functions; every unit is labelled
// (KiB/MiB/GiB are powers of 1024, as cgroups count them).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** N in the largest unit that keeps it >= 1: the value and the unit's index in UNITS. */
function scaled(n: number): { v: number; i: number } {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return { v, i };
}

/** Bytes with an IEC unit: 0 B, 512 B, 1.5 KiB, 64.0 MiB, 12 GiB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-';
  const { v, i } = scaled(n);
  if (i === 0) return `${v} B`;
  return `${v < 100 ? v.toFixed(1) : Math.round(v)} ${UNITS[i]}`;
}

/**
 * Bytes in at most 6 characters for the table: 512B, 9.8Ki, 123Mi, 1.0Gi.
 * The binary suffix keeps the unit visible even when the column is narrow.
 */
export function formatBytesShort(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '-';
  const { v, i } = scaled(n);
  if (i === 0) return `${v}B`;
  // 1023.6 would round to 1024 and read as a bigger unit's worth: cap at 1023.
  const s = v < 10 ? v.toFixed(1) : String(Math.min(1023, Math.round(v)));
  return `${s}${UNITS[i][0]}i`;
}

/** Memory as used/limit for the table; no limit shows as "-". */
export function formatMemPair(used: number | null, limit: number | null): string {
  const u = used === null ? '-' : formatBytesShort(used);
  const l = limit === null ? '-' : formatBytesShort(limit);
  return `${u}/${l}`;
}

/** A duration in the largest two units that matter: 45s, 12m, 3h04m, 2d03h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h % 24).padStart(2, '0')}h`;
}

/** A percentage with one decimal, or "-" when it is unknown (first sample, no limit). */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return `${p.toFixed(1)}%`;
}

/** Cut to `width` columns, marking the cut with an ellipsis. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (s.length <= width) return s;
  if (width === 1) return '…';
  return s.slice(0, width - 1) + '…';
}

/** Exactly `width` columns: truncated, then padded (right-aligned when `right`). */
export function fit(s: string, width: number, right = false): string {
  const t = truncate(s, width);
  return right ? t.padStart(width) : t.padEnd(width);
}

/** HH:MM:SS of an RFC 3339 timestamp, in UTC like the log file itself. */
export function clockTime(rfc3339: string): string {
  const m = /T(\d\d:\d\d:\d\d)/.exec(rfc3339);
  return m ? m[1] : rfc3339.slice(0, 8);
}
