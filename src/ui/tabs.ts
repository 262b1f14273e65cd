// The detail pane's tabs as bodies of styled lines and small tables
// (body.ts): pure functions of plain data and a width. The pane shows a
// window of them, and tests read them without rendering.
import { NAMESPACE_TYPES } from '../engine/types.js';
import { linesBlock, table, type Body, type TableColumn } from './body.js';
import { clockTime, formatBytes, formatDuration, formatPercent } from './format.js';
import { clipLine, line, seg, wrapWords, type Line, type Tone } from './lines.js';
import type {
  Avail,
  ContainerRecord,
  ContainerStats,
  IdMapEntry,
  IdRange,
  LogLine,
  NamespaceView,
  ProcessSecurity,
  UsersData,
  VolumeRow,
} from './model.js';
import { describeDeviceRules, type DeviceAccess } from '../probe/devices.js';
import { seriesValues } from './series.js';
import { bucket, sparkline } from './sparkline.js';
import { isLive, stateLabel } from './records.js';
import type { History, TabId, UiState } from './state.js';

/** A bold head and its explanation, wrapped (not cut) to the width: the reason is the point. */
function notice(head: string, text: string, width: number): Line[] {
  const lines = wrapWords(`${head}${text}`.split(' '), width);
  const first = lines[0] ?? '';
  const h = first.startsWith(head.trimEnd()) ? Math.min(head.length, first.length) : 0;
  return [line(seg(first.slice(0, h), 'warn', { bold: true }), first.slice(h)), ...lines.slice(1).map((l) => line(l))];
}
const notAvailable = (reason: string, width: number): Line[] => notice('not available: ', reason, width);
const notRunning = (r: ContainerRecord, what: string, width: number): Line[] => notice(`${r.name} is ${stateLabel(r)}: `, what, width);
const label = (text: string, width = 8): Line[number] => seg(text.padEnd(width), undefined, { bold: true });

// ---- Stats -----------------------------------------------------------------

/**
 * A sparkline draws no wider than this: it covers the whole history by
 * grouping samples, and every block character costs Ink noticeably more to
 * lay out than ASCII.
 */
const SPARK_MAX = 60;

function spark(values: (number | null)[], width: number, max: number, intervalMs: number): { bars: string; span: string } {
  const w = Math.max(10, Math.min(SPARK_MAX, width - 22));
  const b = bucket(values, w);
  return { bars: sparkline(b.values, w, max), span: `last ${formatDuration(values.length * intervalMs)}` };
}

export function statsBody(r: ContainerRecord, stats: Avail<Record<string, ContainerStats>>, h: History | undefined, width: number, intervalMs = 1000): Body {
  return [linesBlock(statsLines(r, stats, h, width, intervalMs))];
}

function statsLines(r: ContainerRecord, stats: Avail<Record<string, ContainerStats>>, h: History | undefined, width: number, intervalMs: number): Line[] {
  if (r.state !== 'running') return notRunning(r, 'no live statistics; they are read from its cgroups while it runs', width);
  if (!stats.ok) return notAvailable(stats.reason, width);
  const st = stats.value[r.id];
  if (!st) return notAvailable('no sample for this container yet', width);
  const cpu = h ? seriesValues(h.cpu) : [];
  const mem = h ? seriesValues(h.mem) : [];
  const peakCpu = Math.max(0, ...cpu.map((v) => v ?? 0));
  const peakMem = Math.max(0, ...mem.map((v) => v ?? 0));
  const cpuSpark = spark(cpu, width, Math.max(1, peakCpu), intervalMs);
  const memSpark = spark(mem, width, st.memLimit ?? Math.max(1, peakMem), intervalMs);
  const out: Line[] = [];
  out.push(
    line(
      label('CPU'),
      seg(formatPercent(st.cpuPercent), 'accent', { bold: true }),
      `  peak ${formatPercent(peakCpu)}  (100% = one core)`,
      st.cpuPercentOfLimit === null ? '  no cpu limit' : `  ${formatPercent(st.cpuPercentOfLimit)} of its limit`,
    ),
  );
  out.push(line(' '.repeat(8), seg(cpuSpark.bars, 'accent'), seg(`  ${cpuSpark.span}, scaled to the peak`, 'muted')));
  out.push(
    line(
      label('MEM'),
      seg(formatBytes(st.memUsed), 'good', { bold: true }),
      st.memLimit === null ? ' of no limit' : ` of ${formatBytes(st.memLimit)} (${formatPercent(st.memPercent)})`,
      `  peak ${formatBytes(peakMem)}`,
    ),
  );
  out.push(line(' '.repeat(8), seg(memSpark.bars, 'good'), seg(`  ${memSpark.span}, scaled to ${st.memLimit === null ? 'the peak' : 'the limit'}`, 'muted')));
  out.push(
    line(
      label('PIDS'),
      st.pidsLimit === null ? `${st.pids} (no limit)` : `${st.pids} of ${st.pidsLimit}`,
      '   ',
      label('OOM', 4),
      st.oomKills > 0 ? seg(`${st.oomKills} kills`, 'bad', { bold: true }) : '0 kills',
    ),
  );
  out.push(line(label('IO'), `read ${formatBytes(st.blkRead)}  write ${formatBytes(st.blkWrite)}`));
  out.push(line(label('NET'), `rx ${formatBytes(st.netRx)}  tx ${formatBytes(st.netTx)}`));
  return out.map((l) => clipLine(l, width));
}

// ---- Namespaces -------------------------------------------------------------

function configuredMode(r: ContainerRecord, type: (typeof NAMESPACE_TYPES)[number], names: Map<string, string>): string {
  const m = r.spec.namespaces?.[type];
  if (!m) return '?';
  if (m.kind === 'container') return `container:${names.get(m.container) ?? m.container.slice(0, 12)}`;
  return m.kind;
}

const SHARING_TONES: Record<string, Tone> = { host: 'warn', shared: 'accent', unknown: 'muted', private: 'good' };
const NAMESPACE_COLUMNS: TableColumn[] = [
  { key: 'TYPE' },
  { key: 'CONFIGURED' },
  { key: 'INODE', align: 'right' },
  { key: 'SHARING', tones: SHARING_TONES },
  { key: 'WITH' },
];

export function namespacesBody(
  r: ContainerRecord,
  all: ContainerRecord[],
  views: Avail<Record<string, NamespaceView[]>>,
  legend: string | null,
  width: number,
): Body {
  const names = new Map(all.map((c) => [c.id, c.name]));
  const running = isLive(r);
  const live = running && views.ok ? views.value[r.id] : undefined;
  const rows = NAMESPACE_TYPES.map((type): Record<string, string> => {
    const v = live?.find((x) => x.type === type);
    const configured = configuredMode(r, type, names);
    if (!v) return { TYPE: type, CONFIGURED: configured };
    return { TYPE: type, CONFIGURED: configured, INODE: v.inode === null ? '?' : String(v.inode), SHARING: v.sharing, WITH: v.sharedWith.join(', ') };
  });
  const notes: Line[] = [];
  if (!running) notes.push(...notRunning(r, 'its namespaces exist only while it runs; the configured modes are shown', width));
  else if (!views.ok) notes.push(...notAvailable(views.reason, width));
  else if (!live) notes.push(...notAvailable('no namespace sample for this container yet', width));
  if (legend) for (const l of wrapWords(legend.split(' '), width)) notes.push(line(seg(l, 'muted')));
  return [table(NAMESPACE_COLUMNS, rows), linesBlock(notes.map((l) => clipLine(l, width)))];
}

// ---- Users -----------------------------------------------------------------

function isIdentity(m: IdMapEntry[]): boolean {
  return m.length === 1 && m[0].container === 0 && m[0].host === 0 && m[0].size >= 4294967295;
}

function rangeOf(e: IdMapEntry, ranges: IdRange[] | null, kind: string, user: string): string {
  if (e.host === 0 && e.container === 0) return 'the host ids themselves';
  if (!ranges) return '';
  const r = ranges.find((x) => e.host >= x.start && e.host + e.size <= x.start + x.count);
  return r ? `${kind} ${user}:${r.start}:${r.count}` : `outside ${user}'s ${kind} ranges`;
}

const MAP_COLUMNS: TableColumn[] = [
  { key: 'MAP' },
  { key: 'CONTAINER', align: 'right' },
  { key: 'HOST', align: 'right' },
  { key: 'SIZE', align: 'right' },
  { key: 'FROM', tone: 'muted' },
];

function mapRows(name: string, entries: IdMapEntry[], ranges: IdRange[] | null, kind: string, user: string): Array<Record<string, string>> {
  if (isIdentity(entries)) return [{ MAP: name, CONTAINER: '0', HOST: '0', SIZE: '4294967295', FROM: "identity: no user namespace, ids are the host's" }];
  if (entries.length === 0) return [{ MAP: name, FROM: 'empty: no ids are mapped' }];
  return entries.map((e, i) => ({
    MAP: i === 0 ? name : '',
    CONTAINER: String(e.container),
    HOST: String(e.host),
    SIZE: String(e.size),
    FROM: rangeOf(e, ranges, kind, user),
  }));
}

export function usersBody(r: ContainerRecord, users: Avail<UsersData> | null, uid: { query: string; result: string | null }, width: number): Body {
  const running = isLive(r);
  let uidMap = r.spec.uidMap;
  let gidMap = r.spec.gidMap;
  let source = 'configured';
  let subRanges: { uid: IdRange[]; gid: IdRange[] } | null = null;
  let user = '';
  if (running && users?.ok) {
    uidMap = users.value.maps.uid;
    gidMap = users.value.maps.gid;
    source = 'live, from /proc';
    if (users.value.subids.ok) {
      subRanges = users.value.subids.value;
      user = users.value.subids.value.user;
    }
  }
  const title = [line(seg(`id maps (${source})`, 'muted', { bold: true }))];
  const maps = table(MAP_COLUMNS, [...mapRows('uid_map', uidMap ?? [], subRanges?.uid ?? null, 'subuid', user), ...mapRows('gid_map', gidMap ?? [], subRanges?.gid ?? null, 'subgid', user)]);
  const out: Line[] = [];
  if (!running) out.push(...notRunning(r, 'live maps are read from its process; the configured maps are shown', width));
  else if (users === null) out.push(line(seg('reading /proc…', 'muted')));
  else if (!users.ok) out.push(...notAvailable(users.reason, width));
  else if (!users.value.subids.ok) out.push(line(label('subids', 9), seg(`not available: ${users.value.subids.reason}`, 'warn')));
  else {
    const s = users.value.subids.value;
    const fmt = (rs: IdRange[]) => (rs.length ? rs.map((x) => `${x.start}+${x.count}`).join(', ') : 'none');
    out.push(line(label('subuid', 9), `${s.user}: ${fmt(s.uid)}`));
    out.push(line(label('subgid', 9), `${s.user}: ${fmt(s.gid)}`));
  }
  const hint = 'press t to translate a uid';
  out.push(line(label('translate', 10), uid.result ?? (uid.query ? '' : seg(hint, 'muted'))));
  return [linesBlock(title), maps, linesBlock(out.map((l) => clipLine(l, width)))];
}

// ---- Security --------------------------------------------------------------

export function securityBody(r: ContainerRecord, sec: Avail<ProcessSecurity> | null, width: number): Body {
  return [linesBlock(securityLines(r, sec, width))];
}

function securityLines(r: ContainerRecord, sec: Avail<ProcessSecurity> | null, width: number): Line[] {
  const running = isLive(r);
  if (!running) {
    return [
      ...notRunning(r, 'capabilities, seccomp and labels are read from its live process', width),
      line(label('config', 9), `${r.spec.capabilities.length} capabilities, seccomp ${r.spec.seccomp}, no_new_privs ${r.spec.noNewPrivileges ? 'yes' : 'no'}${r.spec.privileged ? ', PRIVILEGED' : ''}`),
    ].map((l) => clipLine(l, width));
  }
  if (sec === null) return [line(seg('reading /proc…', 'muted'))];
  if (!sec.ok) return notAvailable(sec.reason, width);
  const s = sec.value;
  const out: Line[] = [];
  if (s.privileged) out.push(line(seg(' PRIVILEGED ', 'bad', { bold: true, inverse: true }), seg(' all capabilities, no seccomp filter, host devices', 'bad')));
  out.push(line(label('caps', 9), `${s.capEff.length} effective of ${s.capBnd.length} in the bounding set`));
  const words = s.capEff.map((c) => c.replace(/^CAP_/, ''));
  for (const l of wrapWords(words.length ? words : ['(none)'], width, ' '.repeat(9))) out.push(line(l));
  const seccompTone = s.seccomp === 'filter' || s.seccomp === 'strict' ? 'good' : 'bad';
  out.push(
    line(
      label('seccomp', 9),
      seg(s.seccomp.padEnd(10), seccompTone),
      label('no_new_privs', 13),
      seg(s.noNewPrivs ? 'yes' : 'no', s.noNewPrivs ? 'good' : 'warn'),
    ),
  );
  out.push(line(label('label', 9), s.label === null ? seg('none (no LSM label on the process)', 'muted') : s.label));
  if (s.devices) out.push(devicesLine(s.devices, r));
  out.push(line(label('uid', 9), `${s.uid.join(' ')}   `, label('gid', 4), s.gid.join(' '), seg('  (real effective saved fs)', 'muted')));
  return out.map((l) => clipLine(l, width));
}

function devicesLine(d: DeviceAccess, r: ContainerRecord): Line {
  if (d.kind === 'none') return line(label('devices', 9), seg('no cgroup of its own: its user namespace refuses device nodes', 'muted'));
  if (d.kind === 'bpf') {
    // the program cannot be read back here; what tsbox attached follows from the spec
    const what = r.spec.privileged ? seg('every device (privileged: no program)', 'bad') : seg('allowlist (a BPF program on its cgroup v2)', 'good');
    return line(label('devices', 9), what);
  }
  const { every, text } = describeDeviceRules(d.rules);
  return line(label('devices', 9), seg(text, every ? 'bad' : 'good'));
}

// ---- Volumes ---------------------------------------------------------------

const LABEL_TONES: Record<string, Tone> = { none: 'muted' };
// a label's end (its level, s0:c1,c2) is what tells two containers' apart
const VOLUME_COLUMNS: TableColumn[] = [{ key: 'DESTINATION' }, { key: 'SOURCE', cut: 'start' }, { key: 'MODE' }];
const LABEL_COLUMNS: TableColumn[] = [
  { key: 'LABEL', tones: LABEL_TONES, cut: 'start' },
  { key: 'EXPECTED', tones: LABEL_TONES, cut: 'start' },
  { key: 'AGREES', tones: { yes: 'good', 'no, differs': 'bad' } },
];

export function volumesBody(r: ContainerRecord, vols: Avail<VolumeRow[]> | null, width: number): Body {
  if (r.spec.volumes.length === 0) return [linesBlock([line(seg('no volumes', 'muted'))])];
  const report = vols?.ok ? vols.value : null;
  const rows = (report ?? r.spec.volumes.map((v) => ({ source: v.source, destination: v.destination, mode: v.readOnly ? 'ro' : 'rw', relabel: v.relabel }))).map((v) => ({
    DESTINATION: v.destination,
    SOURCE: v.source,
    MODE: `${v.mode}${v.relabel ? `:${v.relabel}` : ''}`,
  }));
  const out: Line[] = [];
  let columns = VOLUME_COLUMNS;
  if (report) {
    columns = [...VOLUME_COLUMNS, ...LABEL_COLUMNS];
    report.forEach((v, i) => {
      Object.assign(rows[i], { LABEL: v.current ?? 'none', EXPECTED: v.expected ?? 'none', AGREES: v.agrees === null ? '' : v.agrees ? 'yes' : 'no, differs' });
      if (v.sharedWith.length) out.push(line(`${v.destination} is shared with `, v.sharedWith.map((s) => `${s.name} (${s.label ?? 'no label'})`).join(', ')));
      for (const w of v.warnings) out.push(line(seg(`! ${v.destination}: ${w}`, 'warn')));
    });
  }
  if (vols === null) out.push(line(seg('reading labels…', 'muted')));
  else if (!vols.ok) out.push(line(seg('labels not available: ', 'warn', { bold: true }), vols.reason));
  else if (r.spec.labels.disabled) out.push(line(seg('SELinux labeling is off for this container: no label is set or expected', 'muted')));
  return [table(columns, rows), linesBlock(out.map((l) => clipLine(l, width)))];
}

// ---- Logs and Config ------------------------------------------------------

export function logsBody(logs: UiState['logs'], search: string, match: number | null, width: number): Body {
  return [linesBlock(logsLines(logs, search, match, width))];
}

function logsLines(logs: UiState['logs'], search: string, match: number | null, width: number): Line[] {
  if (logs.error) return notAvailable(logs.error, width);
  if (logs.lines.length === 0) return [line(seg('no output yet', 'muted'))];
  const t = search.toLowerCase();
  return logs.lines.map((l: LogLine, i) => {
    const hit = t !== '' && `${l.time} ${l.text}`.toLowerCase().includes(t);
    const text = seg(l.text, l.stream === 'stderr' ? 'bad' : hit ? 'warn' : undefined, { inverse: i === match });
    return clipLine(line(seg(`${clockTime(l.time)} `, 'muted'), text), width);
  });
}

export function configBody(cfg: Avail<string[]> | null, search: string, match: number | null, width: number): Body {
  return [linesBlock(configLines(cfg, search, match, width))];
}

function configLines(cfg: Avail<string[]> | null, search: string, match: number | null, width: number): Line[] {
  if (cfg === null) return [line(seg('reading…', 'muted'))];
  if (!cfg.ok) return notAvailable(cfg.reason, width);
  const t = search.toLowerCase();
  return cfg.value.map((l, i) => {
    const hit = t !== '' && l.toLowerCase().includes(t);
    return clipLine(line(seg(l, hit ? 'warn' : undefined, { inverse: i === match })), width);
  });
}

/** The body of the active tab for the selected container. */
export function tabBody(s: UiState, tab: TabId, width: number): Body {
  const r = s.containers.find((c) => c.id === s.selectedId);
  if (!r) return [linesBlock([line(seg(s.loaded ? 'no container selected' : 'reading containers…', 'muted'))])];
  switch (tab) {
    case 'stats':
      return statsBody(r, s.stats, s.history[r.id], width, s.intervalMs);
    case 'namespaces':
      return namespacesBody(r, s.containers, s.namespaces, s.nsLegend, width);
    case 'users':
      return usersBody(r, s.detail.users, s.uid, width);
    case 'security':
      return securityBody(r, s.detail.security, width);
    case 'volumes':
      return volumesBody(r, s.detail.volumes, width);
    case 'logs':
      return logsBody(s.logs, s.text.search, s.text.match, width);
    case 'config':
      return configBody(s.detail.config, s.text.search, s.text.match, width);
  }
}
