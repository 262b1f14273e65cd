// A frame of the dashboard fits its terminal: rows - 1 lines, as the
// dashboard draws them, none wider than the columns.
import assert from 'node:assert/strict';

export function fits(lines: string[], cols: number, rows: number): void {
  assert.equal(lines.length, rows - 1);
  for (const l of lines) assert.ok(l.length <= cols, `wider than ${cols}: ${JSON.stringify(l)}`);
}
