// Text formatting shared by CLI commands: tables, durations, sizes.
import { UserError } from '../common/errors.js';
import { parseTemplate } from './go-template.js';

/** Left-aligned columns separated by two spaces, like podman's tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  const d = Math.round(h / 24);
  return `${d} days`;
}

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** Validate --format: only 'json' and the default table. */
export function formatFlag(value: string | undefined): 'json' | 'table' {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json' || value === '{{json .}}') return 'json';
  throw new UserError(`unsupported --format '${value}'`, 125, 'Use --format json, or leave it out for a table.');
}

/**
 * --format where podman takes Go templates too: json, the default table, or
 * a template (go-template.ts), checked here so a wrong one fails before
 * anything is read.
 */
export function formatOrTemplate(value: string | undefined): 'json' | 'table' | { template: string } {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  parseTemplate(value);
  return { template: value };
}
