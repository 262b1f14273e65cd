import { EventEmitter } from 'node:events';
import { render } from 'ink';
const { benchModel } = await import('./dist/src/ui/bench.js');
const { dashboardElement } = await import('./dist/src/ui/app.js');
const { createDashboardStore } = await import('./dist/src/ui/store.js');
const { reduce } = await import('./dist/src/ui/state.js');
const { COLOR } = await import('./dist/components/theme.js');
class Out extends EventEmitter { columns = 120; rows = 40; frames = 0; write(s){ this.frames++; return true; } }
class In extends EventEmitter { isTTY = true; setEncoding(){} setRawMode(){} ref(){} unref(){} read(){return null} }
const out = new Out();
let m = reduce(benchModel(200), {type:'resize', cols:120, rows:40});
const store = createDashboardStore(m);
const idle = { start() {}, stop() {}, tick() {}, handleKey() {}, idle: async () => {} };
const inst = render(dashboardElement(store, idle, COLOR), { stdout: out, stdin: new In(), patchConsole: false, maxFps: 1000 });
const mode = process.argv[2];
for (let i = 0; i < 6000; i++) {
  const stats = mode === 'same' ? m.stats.value : Object.fromEntries(Object.entries(m.stats.value).map(([id, s]) => [id, { ...s, cpuPercent: Math.random() * 100, memUsed: Math.floor(Math.random() * 64 << 20) }]));
  m = reduce(m, { type: 'snapshot', snap: { at: m.now + 1000, containers: { ok: true, value: m.containers }, stats: { ok: true, value: stats }, namespaces: m.namespaces, nsColumn: m.nsColumn, nsLegend: null } });
  const f = out.frames;
  store.setState(m, true);
  if (mode !== 'same') while (out.frames === f) await new Promise(r => setImmediate(r));
  else await new Promise(r => setImmediate(r));
  if (i % 1500 === 0 || i === 5999) { global.gc?.(); const mu = process.memoryUsage(); console.log(mode, i, 'heap', (mu.heapUsed / 1048576).toFixed(1), 'ext', (mu.external/1048576).toFixed(1), 'ab', (mu.arrayBuffers/1048576).toFixed(1), 'rss', (mu.rss / 1048576).toFixed(1)); }
}
inst.unmount();
