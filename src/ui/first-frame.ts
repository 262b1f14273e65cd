// The dashboard's first frame, written by main.tsx before Ink and React have
// loaded (most of the dashboard's start-up): the container rows, which are
// the screen's one hand-painted part anyway (components/painted-rows.ts).
import { FIRST_ROW_LINE, paintRows } from '../../components/painted-rows.js';
import type { Theme } from '../../components/theme.js';
import { tooSmall } from './layout.js';
import { createScreenSelector } from './screen-model.js';
import type { UiState } from './state.js';

/**
 * The first frame, before Ink has loaded: the container rows for `s`, at
 * the lines Ink draws them on, as terminal text that leaves the cursor at
 * the top left. Ink's first frame, of the same state, writes the same text
 * at the same place and the rest of the screen around it.
 */
export function paintedFirstFrame(s: UiState, theme: Theme): string {
  const m = createScreenSelector()(s);
  if (tooSmall(m.width, m.height)) return '';
  const rows = paintRows(m.table.rows, theme);
  return `${rows.map((r, i) => `\x1b[${FIRST_ROW_LINE + i + 1};1H${r}`).join('')}\x1b[H`;
}
