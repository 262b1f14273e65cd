// The sparklines' samples: the last `keep` values of a series, as an
// immutable value (the store's states are never changed) that appends in
// constant time. Copying a 300-sample array for every container on every
// refresh was most of what the dashboard allocated, and the copies lived
// long enough to be copied again by the garbage collector.
//
// A series is a window [start, end) of a buffer that is only ever written
// past its newest sample, so every older window keeps its values. Appending
// to a window that is not the newest one of its buffer (an older state, or a
// second branch from the same state), or to a full buffer, starts a new one.

export interface Series {
  readonly buf: { readonly data: Float64Array; used: number };
  readonly start: number;
  readonly end: number;
}

/** Missing samples (the container was not read that time) are stored as NaN. */
const MISSING = NaN;

export const EMPTY_SERIES: Series = { buf: { data: new Float64Array(0), used: 0 }, start: 0, end: 0 };

export function appendSample(s: Series, value: number | null, keep: number): Series {
  let { buf, start, end } = s;
  if (end !== buf.used || end === buf.data.length) {
    // room for `keep` more samples after the last keep-1 of this window
    const from = Math.max(start, end - (keep - 1));
    const data = new Float64Array(keep * 2);
    data.set(buf.data.subarray(from, end));
    buf = { data, used: end - from };
    start = 0;
    end -= from;
  }
  buf.data[end] = value ?? MISSING;
  buf.used = end + 1;
  return { buf, start: Math.max(start, end + 1 - keep), end: end + 1 };
}

/** The samples, oldest first; null where one is missing. */
export function seriesValues(s: Series): (number | null)[] {
  const out: (number | null)[] = [];
  for (let i = s.start; i < s.end; i++) {
    const v = s.buf.data[i];
    out.push(Number.isNaN(v) ? null : v);
  }
  return out;
}
