// The events journal (src/engine/journal.ts) on its own: appends, the
// rotation that bounds it, a watch that follows across rotations, filters;
// and what `tsbox events` makes of flags (--since/--until, --filter) and
// how it prints (podman's text line and JSON key order).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendEvent, journalPath, matchesEvent, monitorEventHead, parseEventLine, readEvents, watchEvents, type JournalEvent } from '../../src/engine/journal.js';
import type { Paths } from '../../src/engine/paths.js';
import type { ContainerRecord } from '../../src/engine/types.js';
import { eventJson, eventLine, goTimeString, parseEventFilters } from '../../src/cli/commands/events.js';
import { parseGoDuration, parseTimeFlag } from '../../src/cli/time-flags.js';
import { UserError } from '../../src/common/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-journal-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const paths = { data: dir } as Paths;
const file = journalPath(paths);

function rec(name: string, labels: Record<string, string> = {}): ContainerRecord {
  return { id: `${name.padEnd(8, '0')}`.repeat(8).slice(0, 64), name, spec: { image: 'localhost/bb:latest', userLabels: labels } } as unknown as ContainerRecord;
}

test('appends are whole lines in podman layout; a full journal is rotated to .1 and read with it, oldest first', () => {
  for (let i = 0; i < 30; i++) appendEvent(paths, rec(`c${i}`), 'create', {}, 2000);
  assert.ok(fs.existsSync(`${file}.1`), 'rotated');
  assert.ok(fs.statSync(file).size <= 2000 && fs.statSync(`${file}.1`).size <= 2000, 'each half under the cap');
  const evs = readEvents(paths);
  // what the two files still hold: the newest events, none cut
  const names = evs.map((e) => e.Name);
  assert.equal(names[names.length - 1], 'c29');
  assert.deepEqual(names, [...names].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  assert.ok(evs.length >= 10 && evs.length < 30, `${evs.length} kept`);
  for (const line of fs.readFileSync(file, 'utf8').trim().split('\n')) assert.ok(parseEventLine(line), line);
  fs.rmSync(file);
  fs.rmSync(`${file}.1`);
});

test("the monitor's head is the event's first members, one line, labels dropped when too long for its buffer", () => {
  const head = monitorEventHead(rec('m', { app: 'web\nx' }));
  assert.ok(head.endsWith(',') && !head.includes('\n'));
  const line = `{${head}"Status":"died","Time":"2026-01-01T00:00:00.123456789Z"}`;
  const ev = parseEventLine(line)!;
  assert.equal(ev.Status, 'died');
  assert.deepEqual(ev.Attributes, { app: 'web\nx' });
  const big = monitorEventHead(rec('m', { big: 'x'.repeat(7000) }));
  assert.ok(big.length < 6000);
  assert.deepEqual(parseEventLine(`{${big}"Status":"died","Time":"2026-01-01T00:00:00Z"}`)!.Attributes, {});
  assert.equal(parseEventLine('{"Status":"died","Time":"not a time"}'), undefined);
  assert.equal(parseEventLine('{"ID":"cut sho'), undefined);
});

test('a watch replays the journal, then follows appends across a rotation, missing none and repeating none', async () => {
  appendEvent(paths, rec('old'), 'create');
  const seen: string[] = [];
  const w = watchEvents(paths, (ev) => seen.push(`${ev.Name}:${ev.Status}`), { replay: true, pollMs: 20 });
  assert.deepEqual(seen, ['old:create'], 'replayed before watchEvents returns');
  for (let i = 0; i < 40; i++) {
    appendEvent(paths, rec(`n${i}`), 'start', {}, 1500);
    if (i % 7 === 0) await new Promise((r) => setTimeout(r, 30));
  }
  // a line written in two pieces (a writer caught mid-way) is read once whole
  fs.appendFileSync(file, '{"ID":"x","Image":"i","Name":"half","Type":"container","Attrib');
  await new Promise((r) => setTimeout(r, 60));
  fs.appendFileSync(file, 'utes":{},"Status":"died","Time":"2026-01-01T00:00:00Z"}\n');
  await new Promise((r) => setTimeout(r, 60));
  w.close();
  assert.ok(fs.existsSync(`${file}.1`), 'it rotated meanwhile');
  assert.deepEqual(seen, ['old:create', ...Array.from({ length: 40 }, (_, i) => `n${i}:start`), 'half:died']);
  fs.rmSync(file);
  fs.rmSync(`${file}.1`);
});

const ev = (over: Partial<JournalEvent>): JournalEvent => ({ ID: 'abcdef0123'.padEnd(64, '9'), Image: 'localhost/bb:latest', Name: 'web', Status: 'start', Time: '2026-01-02T03:04:05.5Z', Type: 'container', Attributes: { app: 'x' }, ...over });

test("filters as podman's: one key's values any, different keys all; container by name, id or prefix; die is died", () => {
  const f = (...v: string[]) => parseEventFilters(v);
  assert.ok(matchesEvent(ev({}), f('container=web')));
  assert.ok(matchesEvent(ev({}), f('container=abcdef')));
  assert.ok(!matchesEvent(ev({}), f('container=ab')), 'a prefix is at least 3 digits');
  assert.ok(matchesEvent(ev({}), f('event=stop', 'event=start')));
  assert.ok(!matchesEvent(ev({}), f('event=start', 'container=other')));
  assert.ok(matchesEvent(ev({ Status: 'died' }), f('event=die')));
  assert.ok(matchesEvent(ev({}), f('type=container', 'label=app', 'label=app=x', 'image=bb')));
  assert.ok(!matchesEvent(ev({}), f('type=image')));
  assert.ok(!matchesEvent(ev({}), f('label=app=y')));
  for (const bad of ['bogus=1', 'container', 'container=', 'event=nope', 'type=thing']) {
    assert.throws(() => f(bad), (e: unknown) => e instanceof UserError && e.code === 125 && /invalid filter/.test(e.message), bad);
  }
});

test('--since/--until: Unix times, RFC 3339, dates in local time, Go durations back from now; anything else 125', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  assert.equal(parseTimeFlag('since', '1700000000.5', now), 1700000000500);
  assert.equal(parseTimeFlag('since', '2026-01-02T03:04:05Z', now), Date.parse('2026-01-02T03:04:05Z'));
  assert.equal(parseTimeFlag('since', '2026-01-02T03:04:05.123+02:00', now), Date.parse('2026-01-02T01:04:05.123Z'));
  assert.equal(parseTimeFlag('since', '2026-01-02', now), new Date(2026, 0, 2).getTime());
  assert.equal(parseTimeFlag('since', '1h30m', now), now - 90 * 60_000);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('10'), undefined);
  for (const bad of ['nonsense', '10 m', '2026-13', '-5m', '']) {
    assert.throws(() => parseTimeFlag('since', bad, now), (e: unknown) => e instanceof UserError && e.code === 125 && e.message === `invalid --since '${bad}'`, bad);
  }
});

test("podman's text line (Go's time String in UTC) and JSON keys in podman's order", () => {
  assert.equal(goTimeString('2026-12-07T17:34:15.737492320Z'), '2026-12-07 17:34:15.73749232 +0000 UTC');
  assert.equal(goTimeString('2026-12-07T17:34:15.000Z'), '2026-12-07 17:34:15 +0000 UTC');
  assert.equal(
    eventLine(ev({ Status: 'died' }), true),
    `2026-01-02 03:04:05.5 +0000 UTC container died ${'abcdef0123'.padEnd(64, '9')} (image=localhost/bb:latest, name=web, app=x)\n`,
  );
  assert.match(eventLine(ev({}), false), / container start abcdef012399 \(/);
  assert.deepEqual(Object.keys(JSON.parse(eventJson(ev({ Attributes: {}, Type: 'container', ContainerExitCode: 3 })))), ['ContainerExitCode', 'ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'Attributes']);
  assert.ok(!('ContainerExitCode' in JSON.parse(eventJson(ev({ ContainerExitCode: 0 })))), 'left out at 0, as podman');
});
