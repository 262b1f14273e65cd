// What commands print, written straight to fd 1. `process.stdout` is a
// stream that Node builds on first use, loading its stream modules: ~4 ms,
// a tenth of `tsbox ps`. Commands print whole texts, so a synchronous write
// does all they need.
import fs from 'node:fs';

/** Exit status of a process killed by SIGPIPE, as podman's (Go's) is when its reader goes away. */
const EXIT_BROKEN_PIPE = 141;

let sink: (text: string) => void = (text) => writeAll(1, Buffer.from(text));

export function print(text: string): void {
  sink(text);
}

/** Bytes as they are (a container's output), to stdout or stderr. */
export function writeBytes(fd: 1 | 2, buf: Buffer): void {
  writeAll(fd, buf);
}

/** Tests: collect what is printed instead of writing it. Returns the function that undoes this. */
export function captureOutput(into: string[]): () => void {
  const previous = sink;
  sink = (text) => void into.push(text);
  return () => {
    sink = previous;
  };
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // a reader like `| head` has gone: stop quietly, as a SIGPIPE would
      if (code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
      // fd 1 may be a pipe someone made non-blocking: wait for room
      if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      else throw e;
    }
  }
}
