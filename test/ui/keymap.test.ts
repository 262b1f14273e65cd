import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYMAP, footerHints, helpSections, matchKey } from '../../src/ui/keymap.js';

test('every binding is in the help, with its keys', () => {
  const help = helpSections().flatMap((s) => s.rows);
  for (const b of KEYMAP) {
    const row = help.find((r) => r.help === b.help);
    assert.ok(row, `${b.command} has a help row`);
    assert.ok(row.keys.length > 0, `${b.command} shows its keys`);
  }
  // the brief's keys, by the label the help shows
  const keys = help.map((r) => r.keys).join(' ');
  for (const k of ['j', 'k', '↑', '↓', 'tab', '1-9,0', 's', 'x', 'r', 'K', 'p', 'd', 'e', 'l', '/', 'Esc', 'q', '?', 'n', 'N']) {
    assert.ok(keys.split(' ').includes(k), `help lists ${k}`);
  }
});

test('help sentences are short enough for two columns at 110 wide', () => {
  for (const b of KEYMAP) assert.ok(b.help.length <= 42, `${b.command}: ${b.help.length} characters`);
});

test('no key means two things in the same mode', () => {
  const seen = new Map<string, string>();
  for (const b of KEYMAP) {
    for (const m of b.modes) {
      for (const k of b.keys) {
        const id = `${m}:${k.char ?? k.special}:${!!k.ctrl}:${!!k.shift}`;
        assert.ok(!seen.has(id), `${id} is bound to ${seen.get(id)} and ${b.command}`);
        seen.set(id, b.command);
      }
    }
  }
});

test('keys match by mode', () => {
  assert.equal(matchKey('table', 'j', {}), 'down');
  assert.equal(matchKey('table', '', { downArrow: true }), 'down');
  assert.equal(matchKey('table', 'K', { shift: true }), 'kill');
  assert.equal(matchKey('table', 'k', {}), 'up');
  assert.equal(matchKey('table', '/', {}), 'filter');
  assert.equal(matchKey('detail', '/', {}), 'search');
  assert.equal(matchKey('table', '3', {}), 'selectTab');
  assert.equal(matchKey('table', '', { tab: true }), 'nextTab');
  assert.equal(matchKey('table', '', { tab: true, shift: true }), 'prevTab');
  assert.equal(matchKey('confirm', 'y', {}), 'confirm');
  assert.equal(matchKey('confirm', 'x', {}), null);
  assert.equal(matchKey('help', '', { escape: true }), 'escape');
  // typing: letters are text, not commands
  assert.equal(matchKey('input', 'q', {}), null);
  assert.equal(matchKey('input', 's', {}), null);
  assert.equal(matchKey('input', '', { return: true }), 'inputSubmit');
  // ctrl-c quits from everywhere; a ctrl letter is not its plain letter
  for (const m of ['table', 'detail', 'input', 'help', 'confirm'] as const) assert.equal(matchKey(m, 'c', { ctrl: true }), 'quit');
  assert.equal(matchKey('table', 'p', { ctrl: true }), null);
});

test('the footer shows what fits, from the same table', () => {
  const wide = footerHints('table', 200);
  const narrow = footerHints('table', 40);
  assert.ok(narrow.length < wide.length);
  assert.ok(narrow.reduce((n, h) => n + h.keys.length + h.label.length + 3, 0) <= 40);
  assert.deepEqual(wide[0], { keys: 'j/k', label: 'move' });
  for (const h of wide) assert.ok(KEYMAP.some((b) => b.footer === h.label), h.label);
  assert.deepEqual(footerHints('confirm', 80).map((h) => h.label), ['yes', 'no']);
});
