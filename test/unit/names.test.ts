// The name -> id index (src/engine/names.ts) on a real directory, with the
// records it is checked against played by a map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NameIndex } from '../../src/engine/names.js';
import { tempDir } from '../lib/suite-run.js';

const id = (n: number) => n.toString(16).padStart(64, '0');

function setup(t: { after: (fn: () => void) => void }) {
  const dir = tempDir('tsbox-names-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const records = new Map<string, string>(); // id -> name
  return { dir, records, index: new NameIndex(path.join(dir, 'names'), (i) => records.get(i)) };
}

test('built from the records once; lookups are checked against them', (t) => {
  const { dir, records, index } = setup(t);
  records.set(id(1), 'web').set(id(2), 'db');
  assert.equal(index.exists(), false);
  assert.equal(index.lookup('web'), undefined, 'no index yet: the engine scans');
  index.build([...records].map(([i, name]) => ({ id: i, name })));
  assert.equal(index.lookup('web'), id(1));
  assert.equal(index.lookup('db'), id(2));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'names')).sort(), ['db', 'web']);
  index.build([]); // exists already: left as it is
  assert.equal(index.lookup('web'), id(1));
});

test('claim, release, and links a crash left behind count as free', (t) => {
  const { dir, records, index } = setup(t);
  index.build([]);
  index.claim('web', id(1));
  assert.equal(index.lookup('web'), undefined, 'claimed, but no record yet (a crash here): free');
  records.set(id(1), 'web');
  assert.equal(index.lookup('web'), id(1));
  records.set(id(1), 'other');
  assert.equal(index.lookup('web'), undefined, 'the record says otherwise: free');
  index.claim('web', id(2)); // replaces the stale link
  records.set(id(2), 'web');
  assert.equal(index.lookup('web'), id(2));
  index.release('web', id(1)); // not its link
  assert.equal(index.lookup('web'), id(2));
  index.release('web', id(2));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'names')), []);
  index.release('web', id(2)); // twice: nothing to do
});

test('only names are looked up: never a path, never a link to something else', (t) => {
  const { dir, records, index } = setup(t);
  index.build([]);
  records.set(id(3), '..');
  for (const bad of ['..', '.', '../names', 'a/b', '', '-x']) assert.equal(index.lookup(bad), undefined, bad);
  fs.symlinkSync('/etc/passwd', path.join(dir, 'names', 'odd'));
  records.set('/etc/passwd', 'odd');
  assert.equal(index.lookup('odd'), undefined, 'a link to something that is not an id');
});
