// The bundle measures text for Ink with src/ui/ink-width.ts, which answers
// itself for ASCII and the characters the dashboard draws and asks
// string-width (what Ink measures with) for the rest. Its answers must be
// string-width's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import widestLine from 'widest-line';
import { NARROW_CHARS, widestLine as fastWidestLine } from '../../src/ui/ink-width.js';
import { KEYMAP } from '../../src/ui/keymap.js';

test('every character of the fast path is one column to string-width', () => {
  for (const ch of NARROW_CHARS) assert.equal(stringWidth(ch), 1, `U+${ch.codePointAt(0)!.toString(16)}`);
});

test('the same widths as widest-line over string-width, and string-width asked only for what the fast path does not know', () => {
  const asked: string[] = [];
  const slow = (s: string) => (asked.push(s), stringWidth(s));
  const fast = [
    'plain ascii',
    '\x1b[1m\x1b[36mtsbox  \x1b[39m\x1b[22m200 containers  ·  3/200',
    '        \x1b[36m▁▂▃▄▅▆▇█▇▆\x1b[39m\x1b[90m  last 5m, scaled to the peak\x1b[39m',
    '╭──╮\n│ok│\n╰──╯',
    '  ↓ 12 more lines',
    'NAME▲ ▼ › … ← ⌫',
    '',
    ...KEYMAP.map((b) => b.keys.map((k) => k.label).join(' ') + ' ' + b.help),
  ];
  for (const s of fast) assert.equal(fastWidestLine(s, slow), widestLine(s), JSON.stringify(s));
  assert.deepEqual(asked, [], 'none of those needed string-width');
  const other = ['名前 wide', 'emoji 🙂 here', 'e\u0301 combining', '\x1b]8;;http://x\x07link\x1b]8;;\x07', 'tab\there', 'mixed ▁ and 名'];
  for (const s of other) assert.equal(fastWidestLine(s, slow), widestLine(s), JSON.stringify(s));
  assert.equal(asked.length, other.length, 'each of those went to string-width');
});
