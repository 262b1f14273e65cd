// tsbox logs: the monitor's CRI-format log ('TIMESTAMP STREAM F|P TEXT').
import fs from 'node:fs';
import type { Command } from '../command.js';
import { Engine } from '../../engine/engine.js';
import { UserError } from '../../engine/errors.js';
import { bool, intFlag } from '../args.js';
import { print } from '../output.js';

export interface LogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseLogLine(line: string): LogRecord | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return null;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

function emit(r: LogRecord, timestamps: boolean): void {
  const text = `${timestamps ? `${r.time} ` : ''}${r.text}${r.partial ? '' : '\n'}`;
  if (r.stream === 'stderr') process.stderr.write(text);
  else print(text);
}

export const logs: Command = {
  name: 'logs',
  summary: "Show a container's output",
  usage: 'tsbox logs [-f] [-t] [--tail N] CONTAINER',
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'keep printing new output until the container exits' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'prefix each line with its time' },
    { name: 'tail', type: 'string', arg: 'N', help: 'only the last N lines' },
  ],
  async run(p, g) {
    if (p.positionals.length !== 1) throw new UserError('logs takes exactly one container');
    const engine = Engine.open(g);
    const ref = p.positionals[0];
    const file = engine.logPath(ref);
    const ts = bool(p, 'timestamps');
    const tail = intFlag(p, 'tail');
    let pos = 0;
    let pending = '';
    const readNew = (limit?: number) => {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // no output yet
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= pos) return;
        const buf = Buffer.alloc(size - pos);
        fs.readSync(fd, buf, 0, buf.length, pos);
        pos = size;
        const lines = (pending + buf.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        const recs = lines.map(parseLogLine).filter((r): r is LogRecord => r !== null);
        for (const r of limit !== undefined ? recs.slice(Math.max(0, recs.length - limit)) : recs) emit(r, ts);
      } finally {
        fs.closeSync(fd);
      }
    };
    readNew(tail);
    if (!bool(p, 'follow')) return 0;
    for (;;) {
      const state = engine.get(ref).state;
      readNew();
      if (state !== 'running' && state !== 'paused') return 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  },
};
