import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ansiToHtmlLines, applySgr } from './ansi-html.js';

test('SGR codes become styled spans; text is escaped', () => {
  const [l] = ansiToHtmlLines('a \x1b[1;31mred<b>\x1b[0m plain');
  assert.equal(l, '<div>a <span style="color:#e0524d;font-weight:bold">red&lt;b&gt;</span> plain</div>');
  const [inv] = ansiToHtmlLines('\x1b[7mX\x1b[27m');
  assert.match(inv, /color:#161616;background:#d0d0d0/);
  const [c256] = ansiToHtmlLines('\x1b[38;5;196mZ');
  assert.match(c256, /color:rgb\(255,0,0\)/);
  const [rgb] = ansiToHtmlLines('\x1b[48;2;1;2;3mZ');
  assert.match(rgb, /background:rgb\(1,2,3\)/);
});

test('styles carry over to the next line, as in a terminal', () => {
  const lines = ansiToHtmlLines('\x1b[32mgreen\nstill\x1b[39m\nplain\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1], /color:#5fb85f">still/);
  assert.equal(lines[2], '<div>plain</div>');
});

test('resets', () => {
  const s = applySgr(applySgr(applySgr({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false }, [1, 4, 91]), [22, 24]), [39]);
  assert.deepEqual(s, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });
});
