// tsbox logs: the container's log (src/engine/logfile.ts), both its files,
// records as the container wrote them; on a terminal, with control
// characters made visible (src/common/visible.ts).
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { parseLogLine, type LogRecord } from '../../common/cri-log.js';
import { readLog, type LogPosition } from '../../engine/logfile.js';
import { bool, intFlag } from '../args.js';
import { writeBytes } from '../output.js';
import { visible } from '../../common/visible.js';

/**
 * Where records go: to stdout or stderr as the record says, as bytes, or
 * (that stream a terminal, no --raw) as visible text, decoded per stream so
 * that a character split between two P records stays whole.
 */
function writer(raw: boolean, timestamps: boolean): (r: LogRecord) => void {
  const { isatty } = process.getBuiltinModule('node:tty') as typeof import('node:tty');
  const { StringDecoder } = process.getBuiltinModule('node:string_decoder') as typeof import('node:string_decoder');
  const shown = { stdout: !raw && isatty(1), stderr: !raw && isatty(2) };
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  return (r) => {
    const fd = r.stream === 'stdout' ? 1 : 2;
    const prefix = timestamps ? `${r.time} ` : '';
    const end = r.partial ? '' : '\n';
    const bytes = Buffer.from(r.text, 'latin1'); // read as latin1: one char per byte
    if (!shown[r.stream]) return writeBytes(fd, Buffer.concat([Buffer.from(prefix), bytes, Buffer.from(end)]));
    const d = decoders[r.stream];
    writeBytes(fd, Buffer.from(`${visible(prefix + d.write(bytes) + (r.partial ? '' : d.end()))}${end}`));
  };
}

/** Where the last N lines start: a line is its P records and the F that ends it (unended P records at the end are a line too). */
function lastLines(recs: LogRecord[], n: number): number {
  let ended = 0; // lines passed, from the end
  for (let i = recs.length - 1; i >= 0; i--) {
    if (recs[i].partial && i !== recs.length - 1) continue;
    if (ended === n) return i + 1;
    ended++;
  }
  return 0;
}

export const logs: Command = {
  name: 'logs',
  summary: "Show a container's output",
  usage: 'tsbox logs [-f] [-t] [--tail N] [--raw] CONTAINER',
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'keep printing new output until the container exits' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'prefix each line with its time' },
    { name: 'tail', type: 'string', arg: 'N', help: 'only the last N lines' },
    {
      name: 'raw',
      type: 'bool',
      help: 'print escape sequences and other control characters as they are; without it a terminal shows them as ^[ and the like (podman passes them always; to a pipe or file tsbox does too)',
    },
  ],
  async run(p, g) {
    if (p.positionals.length !== 1) throw new UserError('logs takes exactly one container');
    const engine = openEngine(g);
    const ref = p.positionals[0];
    const file = engine.logPath(ref);
    const emit = writer(bool(p, 'raw'), bool(p, 'timestamps'));
    const tail = intFlag(p, 'tail');
    let pos: LogPosition | null = null;
    const readNew = (limit?: number) => {
      const chunk = readLog(file, pos);
      pos = chunk.pos;
      const recs = chunk.data
        .toString('latin1')
        .split('\n')
        .map(parseLogLine)
        .filter((r): r is LogRecord => r !== null);
      for (const r of limit !== undefined ? recs.slice(lastLines(recs, limit)) : recs) emit(r);
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
