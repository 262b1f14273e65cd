// The controller: the only place where time and I/O meet the store. It runs
// the refresh loop, loads the active tab's data, turns keys into commands and
// runs container actions in the background. An action's failure becomes a
// status line; nothing here may throw into Ink.
import { errorText } from '../common/errors.js';
import { matchKey, type Command, type KeyInfo } from './keymap.js';
import type { ActionKind, ContainerRecord, LogCursor, Snapshot, UsersData } from './model.js';
import { detailOf, tabDef } from './tab-defs.js';
import { isLive } from './records.js';
import type { DashboardSource, SnapshotScope } from './source.js';
import { createAuditCache } from './audit-cache.js';
import { columnDef } from './columns.js';
import { modeOf, selectedRecord, tableRowsOf, type ConfirmAction, type UiState } from './state.js';
import type { DashboardStore } from './store.js';

const FULL_SWEEP_EVERY = 5;
/** the keys that act on the marked set when there is one */
const BULK: ReadonlySet<Command> = new Set(['start', 'stop', 'restart', 'kill', 'pause', 'remove']);

export interface ControllerOptions {
  intervalMs: number;
  /** q or Ctrl-C */
  onQuit(): void;
  /** e on a running container: the caller hands the terminal over */
  onExec(r: ContainerRecord): void;
  /** the first refresh, made and painted before the dashboard loaded (launch.ts): it stands for this controller's first */
  first?: Snapshot;
}

export interface Controller {
  start(): void;
  stop(): void;
  /** one refresh now (also what the timer runs) */
  tick(): void;
  handleKey(input: string, key: KeyInfo): void;
  /** resolves when every action started so far has finished (tests) */
  idle(): Promise<void>;
}

const PENDING_LABEL: Record<ActionKind, string> = {
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
  kill: 'killing',
  pause: 'pausing',
  unpause: 'unpausing',
  remove: 'removing',
};
const DONE_LABEL: Record<ActionKind, string> = {
  start: 'started',
  stop: 'stopped',
  restart: 'restarted',
  kill: 'killed',
  pause: 'paused',
  unpause: 'unpaused',
  remove: 'removed',
};

const SPECIAL: Array<keyof KeyInfo> = ['upArrow', 'downArrow', 'leftArrow', 'rightArrow', 'pageUp', 'pageDown', 'home', 'end', 'escape', 'tab', 'backspace', 'delete', 'ctrl', 'meta'];

/** Split a multi-character input into single keys, recognising enter, tab, backspace and ctrl letters. */
export function splitKeys(input: string, key: KeyInfo): Array<[string, KeyInfo]> {
  if ([...input].length <= 1 || SPECIAL.some((f) => key[f])) return [[input, key]];
  return [...input].map((ch): [string, KeyInfo] => {
    if (ch === '\r' || ch === '\n') return ['', { return: true }];
    if (ch === '\t') return ['', { tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { backspace: true }];
    const code = ch.charCodeAt(0);
    if (code < 0x20) return [String.fromCharCode(code + 0x60), { ctrl: true }];
    return [ch, { shift: /[A-Z]/.test(ch) }];
  });
}

export function createController(store: DashboardStore, source: DashboardSource, opts: ControllerOptions): Controller {
  let timer: NodeJS.Timeout | null = null;
  let logs: { id: string; cursor: LogCursor } | null = null;
  /** which record a tab read 'once' was read for: read again when it changes */
  const readFor = new Map<string, ContainerRecord>();
  const running = new Set<Promise<void>>();
  const state = () => store.getState();
  /** the grades and findings, worked out between refreshes (audit-cache.ts) */
  const audit = createAuditCache(store, source);
  /**
   * The engine's warnings, never written over the screen: one about a
   * container whose action is running waits for the action's outcome and
   * is shown with it (which would replace it otherwise); any other goes to
   * the status line at once.
   */
  const held = new Map<string, string[]>();
  source.onWarning?.((w) => {
    const mine = w.container && held.get(w.container.id);
    if (mine) mine.push(w.message);
    else store.dispatch({ type: 'status', text: `warning: ${w.message}`, kind: 'warning' });
  });

  /** Read the active tab's data, as its definition says (tab-defs.ts). */
  function loadDetail(): void {
    const s = state();
    const r = selectedRecord(s);
    if (!r) return;
    try {
      if (s.tab === 'logs') {
        loadLogs(r);
        return;
      }
      const load = tabDef(s.tab).load;
      if (!load) return;
      if (load.when === 'live' && !isLive(r)) return;
      if (load.when === 'once') {
        if (s.detail.data[s.tab] !== undefined && readFor.get(s.tab) === r) return;
        readFor.set(s.tab, r);
      }
      store.dispatch({ type: 'detail', id: r.id, key: s.tab, value: load.read(source, r, s) });
    } catch (e) {
      store.dispatch({ type: 'status', text: `reading ${s.tab} failed: ${errorText(e)}`, kind: 'error' });
    }
  }

  function loadLogs(r: ContainerRecord): void {
    // A new container, or the store dropped the lines (selection changed): read from the tail again.
    const fresh = logs === null || logs.id !== r.id || state().logs.id !== r.id;
    const res = source.readLogs(r, fresh ? null : logs!.cursor);
    if (!res.ok) {
      logs = null;
      store.dispatch({ type: 'logsError', id: r.id, reason: res.reason });
      return;
    }
    logs = { id: r.id, cursor: res.value.cursor };
    if (res.value.lines.length > 0 || res.value.reset || fresh) {
      store.dispatch({ type: 'logs', id: r.id, lines: res.value.lines, reset: res.value.reset || fresh });
    }
  }

  let ticks = 0;
  if (opts.first) {
    store.dispatch({ type: 'snapshot', snap: opts.first });
    ticks = 1;
  }
  /**
   * What this refresh reads besides the container list. With hundreds of
   * containers, reading every container's files every second was most of the
   * dashboard's CPU, and reading them all before the first frame most of
   * its start-up:
   * - the first refresh, before the first frame: the list alone;
   * - the second, right after that frame: statistics of the rows on screen
   *   and the selected container, and the namespaces;
   * - the third, and every FULL_SWEEP_EVERY-th after it: statistics of all
   *   (this one opens every container's files once);
   * - the others: the rows on screen and the selected one; rows scrolled into
   *   view get their figures at the next refresh.
   * While the table is sorted by a statistic, every refresh reads all.
   */
  function scope(s: UiState): SnapshotScope {
    const n = ticks++;
    if (n === 0) return { stats: 'current', current: new Set(), namespaces: false };
    const onScreen = s.visibleIds.slice(s.scrollTop, s.scrollTop + tableRowsOf(s));
    const current = new Set(s.selectedId ? [...onScreen, s.selectedId] : onScreen);
    const all = (n >= 2 && (n - 2) % FULL_SWEEP_EVERY === 0) || !!columnDef(s.sort.column)?.stats;
    return { stats: all ? 'all' : 'current', current, namespaces: true };
  }

  function tick(): void {
    try {
      store.dispatch({ type: 'snapshot', snap: source.snapshot(scope(state())) });
    } catch (e) {
      store.dispatch({ type: 'status', text: `refresh failed: ${errorText(e)}`, kind: 'error' });
    }
    audit?.update(state().containers);
    loadDetail();
  }

  function schedule(delay = opts.intervalMs): void {
    timer = setTimeout(() => {
      tick();
      if (timer) schedule();
    }, delay);
  }

  function runAction(kind: ActionKind, r: ContainerRecord): void {
    if (state().pending[r.id]) {
      store.dispatch({ type: 'status', text: `${r.name} is busy ${state().pending[r.id]}`, kind: 'info' });
      return;
    }
    store.dispatch({ type: 'pending', id: r.id, label: `${PENDING_LABEL[kind]} ${r.name}` });
    held.set(r.id, []);
    const p = source
      .act(kind, r)
      .then(
        () => store.dispatch({ type: 'done', id: r.id, message: `${r.name} ${DONE_LABEL[kind]}`, warnings: held.get(r.id) }),
        (e: unknown) => store.dispatch({ type: 'done', id: r.id, error: `${kind} ${r.name}: ${errorText(e)}` }),
      )
      .then(() => {
        held.delete(r.id);
        running.delete(p);
        tick(); // show the outcome now, not at the next interval
      });
    running.add(p);
  }

  function onUidSubmitted(s: UiState): void {
    const q = s.uid.query.trim();
    if (q === '') return;
    if (!/^\d+$/.test(q)) {
      store.dispatch({ type: 'uidResult', text: `'${q}' is not a uid: type a number` });
      return;
    }
    const users = detailOf<UsersData>(s, 'users');
    if (!users?.ok) {
      store.dispatch({ type: 'uidResult', text: `no live id maps to translate with${users && !users.ok ? `: ${users.reason}` : ''}` });
      return;
    }
    store.dispatch({ type: 'uidResult', text: source.translateUid(users.value.maps, Number(q)) });
  }

  /** pause on one container: pause a running one, unpause a paused one; false (with a message) for any other */
  function pauseToggle(c: ContainerRecord, quiet = false): boolean {
    if (c.state === 'paused') runAction('unpause', c);
    else if (c.state === 'running') runAction('pause', c);
    else {
      if (!quiet) store.dispatch({ type: 'status', text: `${c.name} is ${c.state}: only a running container can be paused`, kind: 'error' });
      return false;
    }
    return true;
  }

  /** s x r K p d with marks: one question naming how many, for all of them. */
  function askBulk(s: UiState, action: ConfirmAction): void {
    const targets = s.marked.map((id) => s.containers.find((c) => c.id === id)).filter((c): c is ContainerRecord => !!c);
    store.dispatch({ type: 'confirmAction', action, ids: targets.map((c) => c.id), names: targets.map((c) => c.name), force: targets.some(isLive) });
  }

  function runConfirmed(s: UiState): void {
    if (s.overlay?.kind !== 'confirm') return;
    const { action, ids } = s.overlay;
    const targets = ids.map((id) => s.containers.find((x) => x.id === id)).filter((c): c is ContainerRecord => !!c);
    store.dispatch({ type: 'command', command: 'cancel' });
    if (ids.length > 1 || s.marked.length > 0) store.dispatch({ type: 'clearMarks' });
    let skipped = 0;
    for (const c of targets) {
      if (action === 'pause') {
        if (!pauseToggle(c, targets.length > 1)) skipped++;
      } else runAction(action, c);
    }
    if (skipped) store.dispatch({ type: 'status', text: `${skipped} of ${targets.length} not paused: only running (or paused) containers can be`, kind: 'info' });
  }

  /** Commands with effects; the rest are the reducer's. Returns true when handled. */
  function effect(cmd: Command): boolean {
    const s = state();
    const r = selectedRecord(s);
    if (s.marked.length > 0 && BULK.has(cmd) && modeOf(s) !== 'confirm') {
      askBulk(s, cmd as ConfirmAction);
      return true;
    }
    const need = (): ContainerRecord | null => {
      if (!r) store.dispatch({ type: 'status', text: 'no container selected', kind: 'info' });
      return r;
    };
    switch (cmd) {
      case 'quit':
        opts.onQuit();
        return true;
      case 'start':
      case 'stop':
      case 'restart':
      case 'kill': {
        const c = need();
        if (c) runAction(cmd, c);
        return true;
      }
      case 'pause': {
        const c = need();
        if (c) pauseToggle(c);
        return true;
      }
      case 'remove': {
        const c = need();
        if (c) store.dispatch({ type: 'confirmRemove', id: c.id, name: c.name, force: isLive(c) });
        return true;
      }
      case 'confirm':
        runConfirmed(s);
        return true;
      case 'exec': {
        const c = need();
        if (!c) return true;
        if (c.state !== 'running') {
          store.dispatch({ type: 'status', text: `${c.name} is ${c.state}: a shell needs a running container`, kind: 'error' });
          return true;
        }
        opts.onExec(c);
        return true;
      }
      default:
        return false;
    }
  }

  /** Ink hands over a burst of plain keys (typed fast, pasted) as one string: one key at a time here. */
  function handleKey(input: string, key: KeyInfo): void {
    for (const [i, k] of splitKeys(input, key)) handleOneKey(i, k);
  }

  function handleOneKey(input: string, key: KeyInfo): void {
    const before = state();
    const mode = modeOf(before);
    const cmd = matchKey(mode, input, key);
    if (cmd === null) {
      // typing: printable text goes to the open input line
      if (mode === 'input' && input && !key.ctrl && !key.meta) store.dispatch({ type: 'type', text: input });
      return;
    }
    if (effect(cmd)) return;
    store.dispatch({ type: 'command', command: cmd, arg: input });
    const after = state();
    if (cmd === 'inputSubmit' && before.input?.kind === 'uid') onUidSubmitted(after);
    // a new tab or container: show its data now rather than at the next tick
    if (after.tab !== before.tab || after.selectedId !== before.selectedId) loadDetail();
  }

  return {
    start() {
      if (timer) return;
      audit?.resume();
      // The first refresh reads the list alone, for the first frame (the
      // caller may have run it already): the next one comes as soon as the
      // caller has drawn. Otherwise refresh now.
      if (ticks !== 1) tick();
      schedule(ticks === 1 ? 0 : opts.intervalMs);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      audit?.stop();
    },
    tick,
    handleKey,
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
      await audit?.idle();
    },
  };
}
