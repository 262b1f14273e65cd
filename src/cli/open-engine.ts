// The engine as every command opens it: its warnings (src/engine/events.ts)
// are printed on stderr as `warning: ...`, where podman prints its own, and
// with --log-level debug its debug notes as `debug: ...`.
import { Engine } from '../engine/engine.js';
import type { GlobalOptions } from './command.js';

export function openEngine(g: GlobalOptions): Engine {
  const engine = Engine.open(g);
  engine.events.on('warning', (w) => process.stderr.write(`warning: ${w.message}\n`));
  if (g.logLevel === 'debug') engine.events.on('debug', (d) => process.stderr.write(`debug: ${d.message}\n`));
  return engine;
}
