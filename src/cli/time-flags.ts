// --since and --until as podman reads them (events, logs): a Unix time
// (seconds, with a fraction), an RFC 3339 time, 2006-01-02T15:04:05 or
// 2006-01-02 (those two in local time, as Go parses them for podman), or a
// Go duration (10m, 1h30m, 1.5s) back from now.
import { UserError } from '../common/errors.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, \u00b5s: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (time.ParseDuration), in ms; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h))*$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

/** The time FLAG's VALUE names, in ms since the epoch. */
export function parseTimeFlag(flag: string, value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const d = parseGoDuration(value);
  if (d !== undefined) return now - d;
  // RFC 3339 (a zone or Z), or Go's local-time layouts
  const rfc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
  const local = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?$/;
  if (rfc.test(value) || local.test(value)) {
    // Date reads a bare date as UTC; Go (and so podman) as local midnight
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value);
    if (!Number.isNaN(t)) return t;
  }
  throw new UserError(
    `invalid --${flag} '${value}'`,
    125,
    'Give a Unix time (1700000000), an RFC 3339 time (2026-01-02T15:04:05Z), a date (2026-01-02), or a duration back from now (10m, 1h30m).',
  );
}
