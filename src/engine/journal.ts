// The events journal: what happened to containers, one JSON object a line in
// DATA/events.log, in podman's layout (its file logger writes the same
// objects), for `tsbox events` and the dashboard. The lifecycle appends
// create, stop, kill, pause, unpause, restart, rename and remove; each
// container's monitor appends start, oom and died (native/events.c): only
// it is there when a detached container ends, and its start line comes
// before its died however soon the container exits.
//
// Appends are one write(2) each to a file opened O_APPEND, so writers never
// interleave inside a line. The file is bounded: the writer that finds it
// past MAX_BYTES first renames it to events.log.1 (replacing the older
// half), so the journal holds at most about twice that. Readers read .1,
// then the file.
import fs from 'node:fs';
import type { Paths } from './paths.js';
import type { ContainerRecord } from './types.js';

export const EVENTS_FILE = 'events.log';
/** podman's default events_logfile_max_size (1 MB) */
export const MAX_BYTES = 1_000_000;

/** The statuses tsbox records (podman's names for them). */
export const EVENT_STATUSES = ['create', 'start', 'restart', 'stop', 'kill', 'pause', 'unpause', 'rename', 'remove', 'oom', 'died'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** One line of the journal, as podman's `events --format json` prints it. */
export interface JournalEvent {
  /** died only, and left out when 0 (as podman) */
  ContainerExitCode?: number;
  ID: string;
  Image: string;
  Name: string;
  Status: EventStatus;
  /** RFC 3339, nanoseconds from the monitor, milliseconds from the engine */
  Time: string;
  Type: 'container';
  /** the container's labels (the image's, then --label's), as podman's */
  Attributes: Record<string, string>;
}

export function journalPath(paths: Paths): string {
  return `${paths.data}/${EVENTS_FILE}`;
}

/** The members every event of REC starts with (the monitor's --event-head too). */
function headOf(rec: ContainerRecord): Omit<JournalEvent, 'Status' | 'Time'> {
  return { ID: rec.id, Image: rec.spec.image, Name: rec.name, Type: 'container', Attributes: { ...(rec.spec.imageLabels ?? {}), ...(rec.spec.userLabels ?? {}) } };
}

/** A line must fit the monitor's buffer (native/events.c, 8 KiB): labels that would not are left out of the head. */
const HEAD_MAX = 6000;

/**
 * What the monitor puts before its own members in each of its lines: the
 * object's first members, ending in a comma (native/PROTOCOL.md,
 * --event-head). JSON.stringify escapes newlines, so it is one line.
 */
export function monitorEventHead(rec: ContainerRecord): string {
  let text = JSON.stringify(headOf(rec));
  if (text.length > HEAD_MAX) text = JSON.stringify({ ...headOf(rec), Attributes: {} });
  return `${text.slice(1, -1)},`;
}

/** Append one event of REC; rotates the journal first when it is full (past maxBytes). */
export function appendEvent(paths: Paths, rec: ContainerRecord, status: EventStatus, extra: Partial<JournalEvent> = {}, maxBytes = MAX_BYTES): void {
  const file = journalPath(paths);
  const ev: JournalEvent = { ...headOf(rec), Status: status, Time: new Date().toISOString(), ...extra };
  const line = `${JSON.stringify(ev)}\n`;
  let fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  try {
    const st = fs.fstatSync(fd);
    if (st.size + line.length > maxBytes && st.size > 0) {
      // Only the file we opened is rotated: a writer that lost the race to
      // another sees a new inode at the path and writes on into the old
      // file, which readers still read as .1.
      let same = false;
      try {
        same = fs.statSync(file).ino === st.ino;
      } catch {
        /* rotated away meanwhile */
      }
      if (same) {
        fs.renameSync(file, `${file}.1`);
        fs.closeSync(fd);
        fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
      }
    }
    fs.writeSync(fd, line);
  } finally {
    fs.closeSync(fd);
  }
}

/** A line of the journal, or undefined for one that is not an event (cut short by a full disk, say). */
export function parseEventLine(line: string): JournalEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const v = JSON.parse(line) as JournalEvent;
    if (typeof v !== 'object' || v === null || typeof v.Status !== 'string' || typeof v.Time !== 'string' || Number.isNaN(Date.parse(v.Time))) return undefined;
    v.Attributes ??= {};
    return v;
  } catch {
    return undefined;
  }
}

function readLines(file: string): JournalEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: JournalEvent[] = [];
  for (const line of text.split('\n')) {
    const ev = parseEventLine(line);
    if (ev) out.push(ev);
  }
  return out;
}

/**
 * Every event in the journal, oldest first. Sorted by time: a writer that
 * lost a rotation race wrote into .1 after the first line of the new file.
 */
export function readEvents(paths: Paths): JournalEvent[] {
  const file = journalPath(paths);
  const all = [...readLines(`${file}.1`), ...readLines(file)];
  return all.map((ev, i) => ({ ev, i, t: Date.parse(ev.Time) })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.ev);
}

// ---------------------------------------------------------------- filters

/** podman's --filter KEY=VALUE for events: the same key any of its values, every key (AND). */
export type EventFilters = Map<string, string[]>;

export const EVENT_FILTER_KEYS = ['container', 'event', 'type', 'image', 'label'] as const;

export function matchesEvent(ev: JournalEvent, filters: EventFilters): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case 'container':
          return ev.Name === v || ev.ID === v || (v.length >= 3 && ev.ID.startsWith(v));
        case 'event':
          // docker's name for died, which podman takes too
          return ev.Status === (v === 'die' ? 'died' : v);
        case 'type':
          return ev.Type === v;
        case 'image':
          // as the image was given: localhost/ and :latest may be left out
          return ev.Image === v || ev.Image.replace(/^localhost\//, '').replace(/:latest$/, '') === v.replace(/^localhost\//, '').replace(/:latest$/, '');
        case 'label': {
          const eq = v.indexOf('=');
          return eq < 0 ? v in ev.Attributes : ev.Attributes[v.slice(0, eq)] === v.slice(eq + 1);
        }
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------- following

export interface EventWatch {
  close(): void;
}

export interface WatchOptions {
  /** the events already in the journal first (synchronously, before watchEvents returns), then the new ones: none is missed or seen twice between */
  replay?: boolean;
  pollMs?: number;
}

/**
 * Calls onEvent with each event appended from now on (with replay: from the
 * journal's start), in the order written, across rotations: the file is
 * polled every pollMs (a stat and, when it grew, a read of what is new).
 * For `events` and the dashboard.
 */
export function watchEvents(paths: Paths, onEvent: (ev: JournalEvent) => void, opts: WatchOptions = {}): EventWatch {
  const file = journalPath(paths);
  let fd: number | undefined;
  let ino = 0;
  let offset = 0;
  let partial = '';
  const open = (fromEnd: boolean) => {
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      fd = undefined; // not made yet
      return;
    }
    const st = fs.fstatSync(fd);
    ino = st.ino;
    offset = fromEnd ? st.size : 0;
    partial = '';
  };
  const drain = () => {
    if (fd === undefined) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) break;
      offset += n;
      const lines = (partial + buf.subarray(0, n).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        const ev = parseEventLine(l);
        if (ev) onEvent(ev);
      }
    }
  };
  if (opts.replay) {
    for (const ev of readLines(`${file}.1`)) onEvent(ev);
    open(false);
    drain();
  } else open(true);
  const tick = () => {
    drain();
    let now: number | undefined;
    try {
      now = fs.statSync(file).ino;
    } catch {
      now = undefined;
    }
    if (now !== undefined && now !== ino) {
      // rotated (or made): the rest of the old file was drained above
      if (fd !== undefined) fs.closeSync(fd);
      open(false);
      drain();
    }
  };
  const timer = setInterval(tick, opts.pollMs ?? 200);
  return {
    close() {
      clearInterval(timer);
      tick();
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
