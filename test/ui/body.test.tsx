// Pane bodies (src/ui/body.ts) and their small tables (components/
// SmallTable.tsx, around @alcalzone/ink-table): heights without rendering,
// windows that cut tables, and tables fitted to a width by display width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Box } from 'ink';
import { Body } from '../../components/Body.js';
import { fitColumns } from '../../components/SmallTable.js';
import { NO_COLOR } from '../../components/theme.js';
import { bodyHeight, bodyText, linesBlock, table, windowOf, type Body as BodyData } from '../../src/ui/body.js';
import { line, textWidth } from '../../src/ui/lines.js';
import { renderAt } from './harness.js';

const ns = table(
  [{ key: 'TYPE' }, { key: 'INODE', align: 'right' }, { key: 'WITH' }],
  [
    { TYPE: 'net', INODE: '4026532999', WITH: 'web' },
    { TYPE: 'user', INODE: '1', WITH: '' },
    { TYPE: 'ipc', INODE: '42', WITH: 'web, db' },
  ],
);
const body: BodyData = [linesBlock([line('title')]), ns, linesBlock([line('note 1'), line('note 2')])];

function draw(b: BodyData, width: number): string[] {
  const app = renderAt(
    <Box flexDirection="column" width={width}>
      <Body blocks={b} width={width} theme={NO_COLOR} />
    </Box>,
    width,
  );
  const lines = app.lines();
  app.unmount();
  return lines;
}

test('a body is as many lines as it draws: one per line and table row, one for a heading', () => {
  assert.equal(bodyHeight(body), 1 + 4 + 2);
  const lines = draw(body, 60);
  assert.equal(lines.length, bodyHeight(body));
  assert.deepEqual(lines.map((l) => l.trimEnd()), [
    'title',
    ' TYPE       INODE  WITH',
    ' net   4026532999  web',
    ' user           1',
    ' ipc           42  web, db',
    'note 1',
    'note 2',
  ]);
  assert.equal(draw([table(ns.columns, ns.rows, false)], 60).length, 3, 'no heading, no line for it');
});

test('a window cuts a table between its lines, keeping the columns as wide as all its rows need', () => {
  const w = windowOf(body, 2, 3); // from the table's first row to its last
  assert.equal(bodyHeight(w), 3);
  assert.deepEqual(bodyText(w), bodyText(body).slice(2, 5));
  const lines = draw(w, 60);
  assert.deepEqual(lines.map((l) => l.trimEnd()), [' net   4026532999  web', ' user           1', ' ipc           42  web, db']);
  // every window of every size is the same lines as the whole body's
  const all = draw(body, 60);
  for (let top = 0; top < bodyHeight(body); top++) {
    for (let n = 1; top + n <= bodyHeight(body); n++) assert.deepEqual(draw(windowOf(body, top, n), 60), all.slice(top, top + n), `${top}+${n}`);
  }
});

test('a table wider than its room: the widest column gives way, cut with an ellipsis (at its start where asked)', () => {
  const vols = table(
    [{ key: 'DESTINATION' }, { key: 'SOURCE', cut: 'start' }, { key: 'LABEL', cut: 'start' }],
    [{ DESTINATION: '/data', SOURCE: '/var/lib/tsbox/volumes/demo-data/_data', LABEL: 'system_u:object_r:container_file_t:s0:c123,c456' }],
  );
  for (const width of [40, 66, 80]) {
    const widths = fitColumns(vols, width);
    assert.ok(widths.reduce((a, b) => a + b + 2, 0) <= width, `fits in ${width}`);
    const lines = draw([vols], width);
    for (const l of lines) assert.ok(textWidth(l) <= width, `${width}: ${l}`);
    assert.ok(lines[1].includes('/data'), 'a short column keeps its value');
    if (width < 90) assert.match(lines[1], /…[^…]*c123,c456/, 'a label keeps its end, the part that differs between containers');
  }
  // a narrow table is left as it is
  assert.deepEqual(fitColumns(ns, 200), [4, 10, 7]);
});

test('wide and combining characters keep their columns in line (ink-table counts code units)', () => {
  const t = table([{ key: 'NAME' }, { key: 'PATH' }], [
    { NAME: '名前', PATH: '/srv/x' },
    { NAME: 'e\u0301te\u0301', PATH: '/srv/y' },
    { NAME: 'ab', PATH: '/srv/z' },
  ]);
  const lines = draw([t], 40);
  const at = lines.map((l) => textWidth(l.slice(0, l.indexOf('/srv'))));
  assert.equal(new Set(at.slice(1)).size, 1, `the second column starts at one place: ${JSON.stringify(lines)}`);
});
