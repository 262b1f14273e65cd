// A container's log, as its monitor writes it (native/log.c): CRI records
// ('TIMESTAMP STREAM F|P TEXT') in ctr.log, capped at --log-opt max-size:
// before it would pass that, ctr.log becomes ctr.log.1 (replacing the one
// before) and a new ctr.log starts, so a container can fill no more than
// twice the cap of the host's disk. Readers take both, the older first, and
// follow ctr.log across rotations by its identity (inode and birth time).
import fs from 'node:fs';

export const LOG_FILE = 'ctr.log';
/** the cap when none is given: 10 MiB a file, 20 MiB a container */
export const DEFAULT_LOG_MAX = 10 * 1024 * 1024;
/** smaller, and every few lines would rotate the log (the helper refuses less too) */
export const MIN_LOG_MAX = 4096;

/** How far a reader got: which file ctr.log was when it read it, and the offset after the last whole line. */
export interface LogPosition {
  /** inode and birth time: a file two rotations on may have the inode of one removed */
  file: string;
  offset: number;
}

export interface LogChunk {
  /** whole lines (records), each ending in a newline */
  data: Buffer;
  pos: LogPosition;
  /** the lines do not continue the last read: a first read, or the reader fell behind more than a rotation */
  reset: boolean;
}

interface Opened {
  fd: number;
  id: string;
  size: number;
}

function open(file: string): Opened | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const st = fs.fstatSync(fd, { bigint: true });
  return { fd, id: `${st.ino}@${st.birthtimeNs}`, size: Number(st.size) };
}

function readRange(f: Opened, from: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, f.size - from));
  const n = buf.length ? fs.readSync(f.fd, buf, 0, buf.length, from) : 0;
  return buf.subarray(0, n);
}

/**
 * What the log of a container (LOG: its ctr.log) holds after FROM, or all
 * of it (the last TAILBYTES of it, lines cut at the start dropped) on a
 * first read. Only whole lines: a record being written is left for the next.
 */
export function readLog(log: string, from: LogPosition | null, tailBytes?: number): LogChunk {
  // the current file first: a rotation after this leaves it as ctr.log.1, read already
  const cur = open(log);
  const old = open(`${log}.1`);
  try {
    if (!cur) return { data: Buffer.alloc(0), pos: from ?? { file: '', offset: 0 }, reset: from === null };
    let parts: Buffer[];
    let curStart: number;
    let reset = false;
    let cut = false;
    if (from && from.file === cur.id && from.offset <= cur.size) {
      parts = [];
      curStart = from.offset;
    } else if (from && old && old.id === from.file && from.offset <= old.size) {
      parts = [readRange(old, from.offset)]; // rotated since: the rest of the old file, then the new one
      curStart = 0;
    } else {
      // a first read (or one that fell too far behind): both files, or their last tailBytes
      reset = true;
      const tail = tailBytes ?? Infinity;
      curStart = Math.max(0, cur.size - tail);
      const fromOld = old && old.id !== cur.id && cur.size < tail ? Math.max(0, old.size - (tail - cur.size)) : undefined;
      parts = fromOld === undefined ? [] : [readRange(old!, fromOld)];
      cut = fromOld !== undefined ? fromOld > 0 : curStart > 0;
    }
    const before = parts.reduce((n, p) => n + p.length, 0);
    let data = Buffer.concat([...parts, readRange(cur, curStart)]);
    const end = data.lastIndexOf(0x0a) + 1;
    const pos = { file: cur.id, offset: curStart + Math.max(0, end - before) };
    data = data.subarray(0, end);
    // started in the middle of the file: the first line is a fragment
    if (cut) data = data.subarray(data.indexOf(0x0a) + 1);
    return { data, pos, reset };
  } finally {
    if (cur) fs.closeSync(cur.fd);
    if (old) fs.closeSync(old.fd);
  }
}
