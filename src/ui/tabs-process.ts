// The tabs read from a container's live processes: Processes (its pid
// namespace, both pids and both uids side by side), Env (its command's
// environment, secret-looking values hidden until asked) and Mounts (its
// mount namespace). Pure functions of plain data and a width, like tabs.ts.
import { linesBlock, table, type Body, type TableColumn } from './body.js';
import { formatBytes, formatPercent } from './format.js';
import { clipLine, line, seg, wrapWords, type Line } from './lines.js';
import type { Avail, ContainerRecord, EnvData, MountRow, ProcessSample } from './model.js';
import { isLive, stateLabel } from './records.js';

function notice(head: string, text: string, width: number): Line[] {
  const [first = '', ...more] = wrapWords(`${head}${text}`.split(' '), width);
  const h = first.startsWith(head.trimEnd()) ? Math.min(head.length, first.length) : 0;
  return [line(seg(first.slice(0, h), 'warn', { bold: true }), first.slice(h)), ...more.map((l) => line(l))];
}
const muted = (text: string): Body => [linesBlock([line(seg(text, 'muted'))])];

/** A stopped container, a read not done yet, or one that failed: the plain reason, or null when there is data. */
function reasonBody<T>(r: ContainerRecord, data: Avail<T> | null, what: string, width: number): Body | null {
  if (!isLive(r)) return [linesBlock(notice(`${r.name} is ${stateLabel(r)}: `, what, width))];
  if (data === null) return muted('reading /proc…');
  if (!data.ok) return [linesBlock(notice('not available: ', data.reason, width))];
  return null;
}

// ---- Processes ---------------------------------------------------------------

const STATE_TONES = { R: 'good', D: 'warn', Z: 'bad', T: 'warn', t: 'warn' } as const;
const PROCESS_COLUMNS: TableColumn[] = [
  { key: 'PID', align: 'right' },
  { key: 'HOST PID', align: 'right' },
  { key: 'UID', align: 'right' },
  { key: 'HOST UID', align: 'right' },
  { key: 'S', tones: STATE_TONES },
  { key: 'CPU%', align: 'right' },
  { key: 'RSS', align: 'right' },
  { key: 'COMMAND' },
];

export function processesBody(r: ContainerRecord, data: Avail<ProcessSample> | null, width: number): Body {
  const why = reasonBody(r, data, 'it has no processes; they are read from its pid namespace while it runs', width);
  if (why || !data?.ok) return why ?? [];
  const rows = data.value.rows.map((p) => ({
    PID: p.pid === null ? '-' : String(p.pid),
    'HOST PID': String(p.hostPid),
    // an unmapped uid is what the container sees as the overflow uid
    UID: p.uid === null ? 'unmapped' : String(p.uid),
    'HOST UID': String(p.hostUid),
    S: p.state,
    'CPU%': p.cpuPercent === null ? '-' : formatPercent(p.cpuPercent),
    RSS: formatBytes(p.rss),
    COMMAND: p.command,
  }));
  const n = rows.length;
  const note = line(seg(`${n} process${n === 1 ? '' : 'es'} in its pid namespace; PID and UID as the container sees them, HOST as the host does`, 'muted'));
  return [table(PROCESS_COLUMNS, rows), linesBlock([clipLine(note, width)])];
}

// ---- Env ---------------------------------------------------------------------

/**
 * Names that usually hold a secret: passwords, tokens, keys, credentials.
 * It errs on hiding (COMPASS_DIR is hidden too); the value is one key away.
 */
const SECRET_NAME = /PASS|SECRET|TOKEN|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|(^|_)KEY($|_)|APIKEY|ACCESSKEY/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

const ENV_COLUMNS: TableColumn[] = [{ key: 'NAME' }, { key: 'VALUE', tones: { 'hidden (v shows it)': 'muted' } }];

export function envBody(r: ContainerRecord, data: Avail<EnvData> | null, reveal: boolean, width: number): Body {
  // a stopped container's environment is the one it was configured with
  const env: Avail<EnvData> | null = isLive(r) ? data : { ok: true, value: { vars: r.spec.env, source: 'configured' } };
  if (env === null) return muted('reading /proc…');
  if (!env.ok) return [linesBlock(notice('not available: ', env.reason, width))];
  let hidden = 0;
  const rows = env.value.vars.map((v) => {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    const value = eq < 0 ? '' : v.slice(eq + 1);
    const secret = looksSecret(name);
    if (secret && !reveal) hidden++;
    return { NAME: name, VALUE: secret && !reveal ? 'hidden (v shows it)' : value };
  });
  const from = env.value.source === 'live' ? 'from /proc/PID/environ: what its command was started with' : `configured (${r.name} is ${stateLabel(r)})`;
  const notes = [line(seg(`${rows.length} variables, ${from}`, 'muted'))];
  if (hidden) notes.push(line(seg(`${hidden} value${hidden === 1 ? '' : 's'} of secret-looking names hidden: v shows them`, 'warn')));
  else if (reveal) notes.push(line(seg('secret-looking values shown: v hides them', 'warn')));
  return [table(ENV_COLUMNS, rows), linesBlock(notes.map((l) => clipLine(l, width)))];
}

// ---- Mounts ------------------------------------------------------------------

const PROPAGATION_TONES = { private: 'good' } as const;
const MOUNT_COLUMNS: TableColumn[] = [
  { key: 'MOUNTPOINT' },
  { key: 'TYPE' },
  { key: 'SOURCE', cut: 'start' },
  { key: 'PROPAGATION', tones: PROPAGATION_TONES },
  { key: 'OPTIONS' },
];

export function mountsBody(r: ContainerRecord, data: Avail<MountRow[]> | null, width: number): Body {
  const why = reasonBody(r, data, 'its mounts exist only while it runs; they are read from its mount namespace', width);
  if (why || !data?.ok) return why ?? [];
  const rows = data.value.map((m) => ({
    MOUNTPOINT: m.mountPoint,
    TYPE: m.fsType,
    // a bind mount shows the directory of its filesystem it comes from
    SOURCE: m.root === '/' ? m.source : `${m.source}[${m.root}]`,
    PROPAGATION: m.propagation,
    OPTIONS: m.options.join(','),
  }));
  const note = line(seg(`${rows.length} mounts in its mount namespace, from /proc/${r.pid}/mountinfo`, 'muted'));
  return [table(MOUNT_COLUMNS, rows), linesBlock([clipLine(note, width)])];
}
