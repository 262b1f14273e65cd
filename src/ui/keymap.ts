// The one keymap table. It drives the key matcher, the footer hints and the
// `?` help overlay, so a binding cannot exist without being documented.

/** Who owns the keys right now. */
export type Mode = 'table' | 'detail' | 'input' | 'help' | 'confirm';

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'nextTab'
  | 'prevTab'
  | 'selectTab'
  | 'focusDetail'
  | 'start'
  | 'stop'
  | 'restart'
  | 'kill'
  | 'pause'
  | 'remove'
  | 'exec'
  | 'logs'
  | 'filter'
  | 'search'
  | 'nextMatch'
  | 'prevMatch'
  | 'follow'
  | 'translateUid'
  | 'mark'
  | 'revealSecrets'
  | 'sortNext'
  | 'sortPrev'
  | 'sortInvert'
  | 'help'
  | 'escape'
  | 'quit'
  | 'confirm'
  | 'cancel'
  | 'inputSubmit'
  | 'inputCancel'
  | 'inputBackspace'
  | 'inputClear';

/** The subset of Ink's Key this table looks at. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

type SpecialKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete';

export interface KeySpec {
  /** a printable character, matched exactly (case matters: K is not k) */
  char?: string;
  special?: SpecialKey;
  ctrl?: boolean;
  shift?: boolean;
  /** how the key is written in the footer and the help */
  label: string;
}

export interface Binding {
  command: Command;
  keys: KeySpec[];
  modes: Mode[];
  /** the help overlay's sentence */
  help: string;
  /** a short footer word; bindings without one stay out of the footer */
  footer?: string;
  group: 'Move' | 'Containers' | 'View' | 'Logs and text' | 'Dialogs' | 'Typing';
}

const c = (char: string, label = char): KeySpec => ({ char, label });
const k = (special: SpecialKey, label: string, extra: Partial<KeySpec> = {}): KeySpec => ({ special, label, ...extra });
const MAIN: Mode[] = ['table', 'detail'];

export const KEYMAP: readonly Binding[] = [
  { command: 'up', keys: [c('k'), k('upArrow', '↑')], modes: [...MAIN, 'help'], help: 'previous container; in a pane: scroll up', footer: 'move', group: 'Move' },
  { command: 'down', keys: [c('j'), k('downArrow', '↓')], modes: [...MAIN, 'help'], help: 'next container; in a pane: scroll down', group: 'Move' },
  { command: 'pageUp', keys: [k('pageUp', 'PgUp')], modes: MAIN, help: 'one page up', group: 'Move' },
  { command: 'pageDown', keys: [k('pageDown', 'PgDn')], modes: MAIN, help: 'one page down', group: 'Move' },
  { command: 'top', keys: [c('g'), k('home', 'Home')], modes: MAIN, help: 'first container; in a pane: the top', group: 'Move' },
  { command: 'bottom', keys: [c('G'), k('end', 'End')], modes: MAIN, help: 'last container; in a pane: the end', group: 'Move' },
  { command: 'nextTab', keys: [k('tab', 'tab')], modes: MAIN, help: 'next detail tab', footer: 'tabs', group: 'View' },
  { command: 'prevTab', keys: [k('tab', 'shift-tab', { shift: true })], modes: MAIN, help: 'previous detail tab', group: 'View' },
  // the digit is the tab's number: the caller reads it from the input
  { command: 'selectTab', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'].map((d) => c(d)), modes: MAIN, help: 'a tab by its number (0 is the tenth)', group: 'View' },
  { command: 'focusDetail', keys: [k('return', 'enter')], modes: ['table'], help: 'give the keys to the detail pane', group: 'View' },
  { command: 'mark', keys: [c(' ', 'space')], modes: ['table'], help: 'mark or unmark; s x r K p d act on marks', footer: 'mark', group: 'Containers' },
  { command: 'start', keys: [c('s')], modes: MAIN, help: 'start the container', footer: 'start', group: 'Containers' },
  { command: 'stop', keys: [c('x')], modes: MAIN, help: 'stop the container', footer: 'stop', group: 'Containers' },
  { command: 'restart', keys: [c('r')], modes: MAIN, help: 'restart the container', footer: 'restart', group: 'Containers' },
  { command: 'kill', keys: [c('K')], modes: MAIN, help: 'kill the container (SIGKILL)', footer: 'kill', group: 'Containers' },
  { command: 'pause', keys: [c('p')], modes: MAIN, help: 'pause or unpause the container', footer: 'pause', group: 'Containers' },
  { command: 'remove', keys: [c('d')], modes: MAIN, help: 'remove the container (asks first)', footer: 'rm', group: 'Containers' },
  { command: 'exec', keys: [c('e')], modes: MAIN, help: 'a shell in the container (exit returns)', footer: 'exec', group: 'Containers' },
  { command: 'logs', keys: [c('l')], modes: MAIN, help: 'show and focus the logs', footer: 'logs', group: 'View' },
  { command: 'filter', keys: [c('/')], modes: ['table'], help: 'filter by name, image, id or state', footer: 'filter', group: 'View' },
  { command: 'sortNext', keys: [c('>')], modes: MAIN, help: 'sort by the next column', footer: 'sort', group: 'View' },
  { command: 'sortPrev', keys: [c('<')], modes: MAIN, help: 'sort by the previous column', group: 'View' },
  { command: 'sortInvert', keys: [c('I')], modes: MAIN, help: 'invert the sort order', group: 'View' },
  { command: 'search', keys: [c('/')], modes: ['detail'], help: 'search the logs or config', footer: 'search', group: 'Logs and text' },
  { command: 'nextMatch', keys: [c('n')], modes: ['detail'], help: 'next match', group: 'Logs and text' },
  { command: 'prevMatch', keys: [c('N')], modes: ['detail'], help: 'previous match', group: 'Logs and text' },
  { command: 'follow', keys: [c('f')], modes: ['detail'], help: 'follow the logs on/off', footer: 'follow', group: 'Logs and text' },
  { command: 'translateUid', keys: [c('t')], modes: MAIN, help: 'Users tab: translate a uid', group: 'Logs and text' },
  { command: 'revealSecrets', keys: [c('v')], modes: MAIN, help: 'Env tab: show or hide secret values', group: 'Logs and text' },
  { command: 'help', keys: [c('?')], modes: [...MAIN, 'help'], help: 'this help', footer: 'help', group: 'Dialogs' },
  { command: 'escape', keys: [k('escape', 'Esc')], modes: [...MAIN, 'help'], help: 'close help, filter, pane; clear marks', group: 'Dialogs' },
  { command: 'quit', keys: [c('q'), { char: 'c', ctrl: true, label: 'ctrl-c' }], modes: [...MAIN, 'help'], help: 'quit (containers keep running)', footer: 'quit', group: 'Dialogs' },
  { command: 'confirm', keys: [c('y'), k('return', 'enter')], modes: ['confirm'], help: 'confirm the dialog', footer: 'yes', group: 'Dialogs' },
  { command: 'cancel', keys: [c('n'), k('escape', 'Esc')], modes: ['confirm'], help: 'cancel the dialog', footer: 'no', group: 'Dialogs' },
  { command: 'inputSubmit', keys: [k('return', 'enter')], modes: ['input'], help: 'finish typing', footer: 'done', group: 'Typing' },
  { command: 'inputCancel', keys: [k('escape', 'Esc')], modes: ['input'], help: 'clear and close the input', footer: 'cancel', group: 'Typing' },
  { command: 'inputBackspace', keys: [k('backspace', '⌫'), k('delete', 'del')], modes: ['input'], help: 'delete a character', group: 'Typing' },
  { command: 'inputClear', keys: [{ char: 'u', ctrl: true, label: 'ctrl-u' }], modes: ['input'], help: 'clear the line', group: 'Typing' },
];

function matches(spec: KeySpec, input: string, key: KeyInfo): boolean {
  if (spec.special) {
    if (!key[spec.special]) return false;
    return !!spec.shift === !!key.shift;
  }
  if (spec.ctrl) return !!key.ctrl && input === spec.char;
  if (key.ctrl || key.meta) return false;
  return input === spec.char;
}

/** The command for a key in a mode, or null (in input mode null means "type it"). */
export function matchKey(mode: Mode, input: string, key: KeyInfo): Command | null {
  // Ctrl-C (the quit binding's second key) quits from every mode, even while
  // typing or in a dialog, where the binding's other key (q) must not.
  if (key.ctrl && input === 'c') return 'quit';
  for (const b of KEYMAP) {
    if (!b.modes.includes(mode)) continue;
    if (b.keys.some((s) => matches(s, input, key))) return b.command;
  }
  return null;
}

export interface Hint {
  keys: string;
  label: string;
}

/** Footer hints for a mode, in table order, cut to what fits in `width`. */
export function footerHints(mode: Mode, width: number): Hint[] {
  const all: Hint[] = [];
  for (const b of KEYMAP) {
    if (!b.footer || !b.modes.includes(mode)) continue;
    // the move hint shows both directions
    const keys = b.command === 'up' ? 'j/k' : b.keys[0].label;
    all.push({ keys, label: b.footer });
  }
  const out: Hint[] = [];
  let used = 0;
  for (const h of all) {
    const w = h.keys.length + 1 + h.label.length + 2;
    if (used + w > width) break;
    out.push(h);
    used += w;
  }
  return out;
}

export interface HelpRow {
  keys: string;
  help: string;
}

/** The help overlay's content: every binding, grouped. */
export function helpSections(): Array<{ title: string; rows: HelpRow[] }> {
  const groups = new Map<string, HelpRow[]>();
  for (const b of KEYMAP) {
    const rows = groups.get(b.group) ?? [];
    const keys = b.command === 'selectTab' ? '1-9,0' : b.keys.map((s) => s.label).join(' ');
    rows.push({ keys, help: b.help });
    groups.set(b.group, rows);
  }
  return [...groups].map(([title, rows]) => ({ title, rows }));
}
