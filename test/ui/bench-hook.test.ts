// The benchmark's hook works and draws what the dashboard draws. Its timing
// is judged by `npm run bench`, not here; this prints it for information.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchModel, renderModelOnce } from '../../src/ui/bench.js';

test('renderModelOnce draws a 500-row model as one windowed frame', (t) => {
  const model = benchModel(500);
  assert.equal(model.containers.length, 500);
  const times: number[] = [];
  let frame = '';
  for (let i = 0; i < 20; i++) {
    const r = renderModelOnce(model, 120, 40);
    times.push(r.ms);
    frame = r.frame;
  }
  const lines = frame.split('\n');
  assert.equal(lines.length, 39);
  assert.ok(frame.includes('500 containers, 450 running'));
  assert.ok(frame.includes('bench-0000'));
  assert.ok(!frame.includes('bench-0499'), 'only the visible window is drawn');
  times.sort((a, b) => a - b);
  t.diagnostic(`median render ${times[10].toFixed(2)} ms`);
});
