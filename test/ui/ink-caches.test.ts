// Ink's text caches (ink/build/measure-text.js, wrap-text.js) keep every
// string ever laid out; the bundle swaps in bounded ones (src/ui/ink-caches.ts,
// scripts/bundle.mjs). Shown here: stock Ink keeps everything (the
// precondition), the bounded cache keeps what is in use, and the dashboard
// as shipped, fed tens of thousands of distinct strings, stays within the
// bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COLOR } from '../../components/theme.js';
import { createController } from '../../src/ui/controller.js';
import { BoundedCache } from '../../src/ui/ink-caches.js';
import { initialState } from '../../src/ui/state.js';
import { createDashboardStore } from '../../src/ui/store.js';
import { FakeSource, rec } from './fixtures.js';
import { renderShipped, settle, shipped } from './harness.js';

const inkBuild = path.dirname(createRequire(import.meta.url).resolve('ink'));

test("stock Ink's measure cache keeps every string it ever measured", async () => {
  const measureText = ((await import(pathToFileURL(path.join(inkBuild, 'measure-text.js')).href)) as { default: (s: string) => object }).default;
  const first = measureText('the first string measured');
  for (let i = 0; i < 50_000; i++) measureText(`a distinct string ${i}`);
  // the very object from 50,000 strings ago: it was never let go
  assert.equal(measureText('the first string measured'), first);
});

test('the bounded cache holds two generations at most and keeps what is used', () => {
  const c = new BoundedCache<number>(100);
  c.set('hot', 1);
  for (let i = 0; i < 10_000; i++) {
    c.set(`cold ${i}`, i);
    assert.equal(c.get('hot'), 1, `the string used all along, after ${i}`);
    assert.ok(c.size <= 200);
  }
  assert.equal(c.get('cold 0'), undefined, 'an old one is gone');
  assert.equal(c.get('cold 9999'), 9999);
});

test('the shipped dashboard, fed 15,000 distinct strings, keeps Ink’s caches bounded', async (t) => {
  const src = new FakeSource();
  src.containers = [rec('web')];
  const store = createDashboardStore(initialState(100, 30));
  const ctl = createController(store, src, { intervalMs: 60_000, onQuit: () => undefined, onExec: () => undefined });
  ctl.tick();
  const app = renderShipped(store, ctl, COLOR, 100, 30);
  await app.press('6'); // the Logs tab
  const id = src.containers[0].id;
  const frames = app.frameCount();
  const most: Record<string, number> = {};
  for (let f = 0; f < 1500; f++) {
    // a screenful of new log lines (measured) and a status too long for its
    // line (wrapped, that is cut, then measured again)
    const lines = Array.from({ length: 9 }, (_, i) => ({ time: new Date(Date.UTC(2024, 0, 1, 0, 0, f % 60)).toISOString(), stream: 'stdout' as const, text: `frame ${f} line ${i}` }));
    store.dispatch({ type: 'logs', id, lines, reset: true });
    store.dispatch({ type: 'status', text: `refresh ${f}: ${'x'.repeat(120)}`, kind: 'info' });
    await settle(0);
    for (const [name, n] of Object.entries(shipped.inkCacheSizes())) most[name] = Math.max(most[name] ?? 0, n);
  }
  await settle();
  assert.ok(app.frameCount() - frames >= 1500, 'a frame per refresh');
  assert.ok(app.frame().includes('frame 1499 line 8'), 'the last frame is drawn');
  assert.deepEqual(Object.keys(most).sort(), ['measure-text', 'wrap-text'], 'both of Ink’s caches are the bounded ones');
  t.diagnostic(`most entries held: ${JSON.stringify(most)}`);
  for (const [name, n] of Object.entries(most)) {
    // past one generation: the strings did reach the cache, and it dropped old ones
    assert.ok(n > shipped.GENERATION, `${name} held at most ${n} entries: it was never filled`);
    assert.ok(n <= 2 * shipped.GENERATION, `${name} held ${n} entries`);
  }
  app.unmount();
});
