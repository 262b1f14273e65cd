// The detail pane's tabs, one entry each: the table is what the tab bar, the
// digit keys, the body, what the screen rebuilds it on, what the controller
// reads for it and the search all come from. Adding a tab is a body function
// (tabs.ts, tabs-process.ts) and an entry here, plus a source method when it
// reads something new (test/ui/tab-defs.test.tsx adds one and sees it work).
import { linesBlock, type Body } from './body.js';
import { clockTime } from './format.js';
import { line, seg } from './lines.js';
import type { Avail, ContainerRecord, EnvData, MountRow, ProcessSample, ProcessSecurity, UsersData, VolumeRow } from './model.js';
import type { DashboardSource } from './source.js';
import type { TabId, UiState } from './state.js';
import { configBody, logsBody, namespacesBody, securityBody, statsBody, usersBody, volumesBody } from './tabs.js';
import { envBody, mountsBody, processesBody } from './tabs-process.js';
import { auditBody } from './tabs-audit.js';

export interface TabRead {
  /**
   * live: while the container runs, at every refresh the tab shows;
   * always: at every refresh, running or not; once: once per record (it
   * changes only when the record does)
   */
  when: 'live' | 'always' | 'once';
  read(src: DashboardSource, r: ContainerRecord, s: UiState): Avail<unknown>;
}

export interface TabDef {
  id: TabId;
  label: string;
  body(s: UiState, r: ContainerRecord, width: number): Body;
  /** what the body depends on besides the tab, the width and the record: the screen rebuilds it when one changes */
  deps(s: UiState, r: ContainerRecord): unknown[];
  /** the tab's data, read through the source into state.detail.data[id] (Logs reads its own way: the controller's cursor) */
  load?: TabRead;
  /** the lines / searches, for tabs that have text to search */
  text?(s: UiState): string[] | null;
}

/** The tab's loaded data (null: not read yet for this container). */
export function detailOf<T>(s: UiState, id: TabId): Avail<T> | null {
  return (s.detail.data[id] as Avail<T> | undefined) ?? null;
}

export const TAB_DEFS: TabDef[] = [
  {
    id: 'stats',
    label: 'Stats',
    body: (s, r, w) => statsBody(r, s.stats, s.history[r.id], w, s.intervalMs),
    deps: (s, r) => [s.stats, s.history[r.id]],
  },
  {
    id: 'namespaces',
    label: 'Namespaces',
    body: (s, r, w) => namespacesBody(r, s.containers, s.namespaces, s.nsLegend, w),
    deps: (s) => [s.containers, s.namespaces, s.nsLegend],
  },
  {
    id: 'users',
    label: 'Users',
    body: (s, r, w) => usersBody(r, detailOf<UsersData>(s, 'users'), s.uid, w),
    deps: (s) => [s.detail.data.users, s.uid],
    load: { when: 'live', read: (src, r) => src.users(r) },
  },
  {
    id: 'security',
    label: 'Security',
    // the audit's findings first: what is weak matters more than the list of what is set
    body: (s, r, w) => [...auditBody(r, s.audit[r.id], w), ...securityBody(r, detailOf<ProcessSecurity>(s, 'security'), w)],
    deps: (s, r) => [s.detail.data.security, s.audit[r.id]],
    load: { when: 'live', read: (src, r) => src.security(r) },
  },
  {
    id: 'volumes',
    label: 'Volumes',
    body: (s, r, w) => volumesBody(r, detailOf<VolumeRow[]>(s, 'volumes'), w),
    deps: (s) => [s.detail.data.volumes],
    load: { when: 'always', read: (src, r, s) => src.volumes(r, s.containers) },
  },
  {
    id: 'logs',
    label: 'Logs',
    body: (s, _r, w) => logsBody(s.logs, s.text.search, s.text.match, w),
    deps: (s) => [s.logs, s.text.search, s.text.match],
    text: (s) => s.logs.lines.map((l) => `${clockTime(l.time)} ${l.text}`),
  },
  {
    id: 'config',
    label: 'Config',
    body: (s, _r, w) => configBody(detailOf<string[]>(s, 'config'), s.text.search, s.text.match, w),
    deps: (s) => [s.detail.data.config, s.text.search, s.text.match],
    load: { when: 'once', read: (src, r) => src.config(r) },
    text: (s) => {
      const c = detailOf<string[]>(s, 'config');
      return c?.ok ? c.value : null;
    },
  },
  {
    id: 'processes',
    label: 'Processes',
    body: (s, r, w) => processesBody(r, detailOf<ProcessSample>(s, 'processes'), w),
    deps: (s) => [s.detail.data.processes],
    load: { when: 'live', read: (src, r) => src.processes(r) },
  },
  {
    id: 'env',
    label: 'Env',
    body: (s, r, w) => envBody(r, detailOf<EnvData>(s, 'env'), s.revealSecrets, w),
    deps: (s) => [s.detail.data.env, s.revealSecrets],
    load: { when: 'live', read: (src, r) => src.env(r) },
  },
  {
    id: 'mounts',
    label: 'Mounts',
    body: (s, r, w) => mountsBody(r, detailOf<MountRow[]>(s, 'mounts'), w),
    deps: (s) => [s.detail.data.mounts],
    load: { when: 'live', read: (src, r) => src.mounts(r) },
  },
];

export function tabDef(id: TabId): TabDef {
  return TAB_DEFS.find((t) => t.id === id) ?? TAB_DEFS[0];
}

/** The body of the active tab for the selected container. */
export function tabBody(s: UiState, tab: TabId, width: number): Body {
  const r = s.containers.find((c) => c.id === s.selectedId);
  if (!r) return [linesBlock([line(seg(s.loaded ? 'no container selected' : 'reading containers…', 'muted'))])];
  return tabDef(tab).body(s, r, width);
}
