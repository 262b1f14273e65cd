// A process that uses the state lock (src/engine/lock.ts) the way the
// engine does, for test/integration/lock.test.ts. With TSBOX_NO_ADDON=1 it
// takes the lock through `tsbox-helper lock`, as an engine without
// tsbox-spawn.node does.
//
//   writer LOCK COUNTER LOG PAUSE_MS
//       for each line "go N" on stdin: N times, under the lock, log
//       "enter PID" to LOG (O_APPEND), read COUNTER, pause, write it + 1,
//       log "leave PID"; then print "done". Exits at the end of stdin.
//   hold LOCK [TIMEOUT_MS]
//       take the lock, print "held MS" (Date.now()), hold it until stdin
//       ends; or print "error MESSAGE" and exit 1.
//   act ROOT NAME
//       the dashboard's "remove" action on container NAME (src/ui/source.ts),
//       with a 10 ms timer and the dashboard's refresh running; prints JSON
//       { lateMs, snapshotMs, doneAt }: the timer's worst lateness and the
//       slowest refresh meanwhile.
import fs from 'node:fs';
import { withLock } from '../../src/engine/lock.js';
import { errorText } from '../../src/common/errors.js';

const [mode, ...args] = process.argv.slice(2);

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Calls onLine for each line of stdin; resolves at its end. */
function lines(onLine: (line: string) => Promise<void> | void): Promise<void> {
  return new Promise((resolve) => {
    let buf = '';
    let chain = Promise.resolve();
    process.stdin.on('data', (d) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        chain = chain.then(() => onLine(line));
      }
    });
    process.stdin.on('end', () => chain.then(resolve));
  });
}

async function writer(lockFile: string, counter: string, log: string, pauseMs: number): Promise<void> {
  const logFd = fs.openSync(log, 'a');
  await lines(async (line) => {
    const n = Number(line.split(' ')[1]);
    for (let i = 0; i < n; i++) {
      await withLock(lockFile, () => {
        fs.writeSync(logFd, `enter ${process.pid}\n`);
        const value = Number(fs.readFileSync(counter, 'utf8'));
        pause(pauseMs);
        fs.writeFileSync(counter, `${value + 1}\n`);
        fs.writeSync(logFd, `leave ${process.pid}\n`);
      });
    }
    process.stdout.write('done\n');
  });
}

async function hold(lockFile: string, timeoutMs?: number): Promise<void> {
  try {
    await withLock(
      lockFile,
      () => {
        process.stdout.write(`held ${Date.now()}\n`);
        return lines(() => {});
      },
      { timeoutMs },
    );
  } catch (e) {
    process.stdout.write(`error ${errorText(e)}\n`);
    process.exitCode = 1;
  }
}

async function act(root: string, name: string): Promise<void> {
  const { createEngineSource } = await import('../../src/ui/source.js');
  const { Engine } = await import('../../src/engine/engine.js');
  const source = await createEngineSource({ root });
  const rec = Engine.open({ root }).get(name);
  let lateMs = 0;
  let snapshotMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lateMs = Math.max(lateMs, now - last - 10);
    last = now;
  }, 10);
  // the dashboard's refresh (every second there), which reads every record
  const refresh = setInterval(() => {
    const t0 = performance.now();
    source.snapshot();
    snapshotMs = Math.max(snapshotMs, performance.now() - t0);
  }, 100);
  try {
    await source.act('remove', rec);
  } finally {
    clearInterval(timer);
    clearInterval(refresh);
  }
  process.stdout.write(`${JSON.stringify({ lateMs, snapshotMs, doneAt: Date.now() })}\n`);
}

if (mode === 'writer') await writer(args[0], args[1], args[2], Number(args[3]));
else if (mode === 'hold') await hold(args[0], args[1] ? Number(args[1]) : undefined);
else if (mode === 'act') await act(args[0], args[1]);
else throw new Error(`lock-tool: unknown mode ${mode}`);
