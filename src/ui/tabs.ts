// The detail pane's tabs as styled lines: pure functions of plain data and a
// width. The pane shows a window of them, search runs over their text, and
// tests read them without rendering.
import { NAMESPACE_TYPES } from '../engine/types.js';
import { clockTime, formatBytes, formatDuration, formatPercent } from './format.js';
import { clipLine, line, seg, wrapWords, type Line } from './lines.js';
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

export function statsLines(r: ContainerRecord, stats: Avail<Record<string, ContainerStats>>, h: History | undefined, width: number, intervalMs = 1000): Line[] {
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

export function namespacesLines(
  r: ContainerRecord,
  all: ContainerRecord[],
  views: Avail<Record<string, NamespaceView[]>>,
  legend: string | null,
  width: number,
): Line[] {
  const names = new Map(all.map((c) => [c.id, c.name]));
  const running = isLive(r);
  const live = running && views.ok ? views.value[r.id] : undefined;
  const head = 'TYPE'.padEnd(8) + 'CONFIGURED'.padEnd(23) + 'INODE'.padEnd(13) + 'SHARING'.padEnd(9) + 'WITH';
  const out: Line[] = [line(seg(head, 'muted', { bold: true }))];
  for (const type of NAMESPACE_TYPES) {
    const v = live?.find((x) => x.type === type);
    const cfg = configuredMode(r, type, names).padEnd(22);
    if (!v) {
      out.push(line(type.padEnd(8), cfg));
      continue;
    }
    const tone = v.sharing === 'host' ? 'warn' : v.sharing === 'shared' ? 'accent' : v.sharing === 'unknown' ? 'muted' : 'good';
    out.push(
      line(
        type.padEnd(8),
        cfg,
        ' ',
        (v.inode === null ? '?' : String(v.inode)).padEnd(12),
        ' ',
        seg(v.sharing.padEnd(8), tone),
        ' ',
        v.sharedWith.join(', '),
      ),
    );
  }
  if (!running) out.push(...notRunning(r, 'its namespaces exist only while it runs; the configured modes are shown', width));
  else if (!views.ok) out.push(...notAvailable(views.reason, width));
  else if (!live) out.push(...notAvailable('no namespace sample for this container yet', width));
  if (legend) for (const l of wrapWords(legend.split(' '), width)) out.push(line(seg(l, 'muted')));
  return out.map((l) => clipLine(l, width));
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

function mapLines(title: string, entries: IdMapEntry[], ranges: IdRange[] | null, kind: string, user: string): Line[] {
  if (isIdentity(entries)) return [line(label(title, 9), 'identity (0 0 4294967295): no user namespace, ids are the host\'s')];
  const out: Line[] = [];
  entries.forEach((e, i) => {
    out.push(
      line(
        label(i === 0 ? title : '', 9),
        String(e.container).padEnd(11),
        String(e.host).padEnd(11),
        String(e.size).padEnd(11),
        seg(rangeOf(e, ranges, kind, user), 'muted'),
      ),
    );
  });
  if (entries.length === 0) out.push(line(label(title, 9), 'empty: no ids are mapped'));
  return out;
}

export function usersLines(r: ContainerRecord, users: Avail<UsersData> | null, uid: { query: string; result: string | null }, width: number): Line[] {
  const out: Line[] = [];
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
  out.push(line(seg(`ID MAPS (${source})`.padEnd(9 + 33), 'muted', { bold: true }), seg('FROM', 'muted', { bold: true })));
  out.push(line(seg(''.padEnd(9) + 'container  host       size', 'muted')));
  out.push(...mapLines('uid_map', uidMap ?? [], subRanges?.uid ?? null, 'subuid', user));
  out.push(...mapLines('gid_map', gidMap ?? [], subRanges?.gid ?? null, 'subgid', user));
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
  return out.map((l) => clipLine(l, width));
}

// ---- Security --------------------------------------------------------------

export function securityLines(r: ContainerRecord, sec: Avail<ProcessSecurity> | null, width: number): Line[] {
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

export function volumesLines(r: ContainerRecord, vols: Avail<VolumeRow[]> | null, width: number): Line[] {
  const specRows: VolumeRow[] = r.spec.volumes.map((v) => ({
    source: v.source,
    destination: v.destination,
    mode: v.readOnly ? 'ro' : 'rw',
    relabel: v.relabel,
    current: null,
    expected: null,
    agrees: null,
    sharedWith: [],
    warnings: [],
  }));
  if (specRows.length === 0) return [line(seg('no volumes', 'muted'))];
  const rows = vols?.ok ? vols.value : specRows;
  const out: Line[] = [];
  for (const v of rows) {
    const z = v.relabel ? `:${v.relabel}` : '';
    out.push(line(seg(v.destination, 'accent', { bold: true }), ' ← ', v.source, `  ${v.mode}${z}`));
    if (vols?.ok) {
      const verdict = v.agrees === null ? '' : v.agrees ? ' ✓' : ' ✗ differs';
      out.push(
        line(
          '  label ',
          v.current ?? seg('none', 'muted'),
          '  expected ',
          v.expected ?? seg('none', 'muted'),
          seg(verdict, v.agrees ? 'good' : 'bad', { bold: !v.agrees }),
        ),
      );
      if (v.sharedWith.length) out.push(line('  shared with ', v.sharedWith.map((s) => `${s.name} (${s.label ?? 'no label'})`).join(', ')));
      for (const w of v.warnings) out.push(line(seg(`  ! ${w}`, 'warn')));
    }
  }
  if (vols === null) out.push(line(seg('reading labels…', 'muted')));
  else if (!vols.ok) out.push(line(seg('labels not available: ', 'warn', { bold: true }), vols.reason));
  else if (r.spec.labels.disabled) out.push(line(seg('SELinux labeling is off for this container: no label is set or expected', 'muted')));
  return out.map((l) => clipLine(l, width));
}

// ---- Logs and Config ------------------------------------------------------

export function logsLines(logs: UiState['logs'], search: string, match: number | null, width: number): Line[] {
  if (logs.error) return notAvailable(logs.error, width);
  if (logs.lines.length === 0) return [line(seg('no output yet', 'muted'))];
  const t = search.toLowerCase();
  return logs.lines.map((l: LogLine, i) => {
    const hit = t !== '' && `${l.time} ${l.text}`.toLowerCase().includes(t);
    const text = seg(l.text, l.stream === 'stderr' ? 'bad' : hit ? 'warn' : undefined, { inverse: i === match });
    return clipLine(line(seg(`${clockTime(l.time)} `, 'muted'), text), width);
  });
}

export function configLines(cfg: Avail<string[]> | null, search: string, match: number | null, width: number): Line[] {
  if (cfg === null) return [line(seg('reading…', 'muted'))];
  if (!cfg.ok) return notAvailable(cfg.reason, width);
  const t = search.toLowerCase();
  return cfg.value.map((l, i) => {
    const hit = t !== '' && l.toLowerCase().includes(t);
    return clipLine(line(seg(l, hit ? 'warn' : undefined, { inverse: i === match })), width);
  });
}

/** The lines of the active tab for the selected container. */
export function tabLines(s: UiState, tab: TabId, width: number): Line[] {
  const r = s.containers.find((c) => c.id === s.selectedId);
  if (!r) return [line(seg(s.loaded ? 'no container selected' : 'reading containers…', 'muted'))];
  switch (tab) {
    case 'stats':
      return statsLines(r, s.stats, s.history[r.id], width, s.intervalMs);
    case 'namespaces':
      return namespacesLines(r, s.containers, s.namespaces, s.nsLegend, width);
    case 'users':
      return usersLines(r, s.detail.users, s.uid, width);
    case 'security':
      return securityLines(r, s.detail.security, width);
    case 'volumes':
      return volumesLines(r, s.detail.volumes, width);
    case 'logs':
      return logsLines(s.logs, s.text.search, s.text.match, width);
    case 'config':
      return configLines(s.detail.config, s.text.search, s.text.match, width);
  }
}
