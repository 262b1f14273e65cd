// The part of Go's text/template that podman users write in --format:
//
//   {{.Field}} {{.A.B}} {{.}} {{$}} {{$.Field}}     fields, nested fields, the item, the root
//   {{.Labels.app}}                                  a map's key (missing: <no value>)
//   {{json .}} {{.X | json}} {{upper .X}} {{lower .X}} {{title .X}}
//   {{printf "%s:%d" .A .B}} {{len .X}} {{join .X ","}} {{index .M "k"}} {{truncate .ID 5}}
//   {{if .X}}..{{else if .Y}}..{{else}}..{{end}}     with eq ne lt le gt ge not and or
//   {{range .X}}..{{else}}..{{end}}                  over a list (or a map's values, by key)
//   {{with .X}}..{{end}} {{- trims -}} {{/* comments */}}
//   table {{.ID}}\t{{.Status}}                       a header row, columns aligned as podman's
//
// Anything else (variables, define/template/block, other functions) is
// refused when the template is parsed, naming what is not supported, as Go
// refuses what it does not know. Values print as Go prints them: lists as
// [a b], maps as map[k:v], nothing as <no value>. docs/podman-differences.md
// says where this differs from Go's.
import { UserError } from '../common/errors.js';

// ---------------------------------------------------------------- values

const MAP = Symbol('go map');

/** Mark OBJ as a Go map (labels, annotations): a missing key is <no value>, not an error, and it prints as map[k:v]. */
export function goMap<T extends object>(obj: T): T {
  Object.defineProperty(obj, MAP, { value: true, enumerable: false });
  return obj;
}
const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[MAP] === true;

/** Go's %v. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (isMap(v)) return `map[${Object.keys(o).sort().map((k) => `${k}:${goString(o[k])}`).join(' ')}]`;
    return `{${Object.values(o).map(goString).join(' ')}}`;
  }
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

// ---------------------------------------------------------------- parse

type Operand =
  | { kind: 'field'; root: 'dot' | 'var'; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipe: Pipeline };
type Command = Operand[];
type Pipeline = Command[];

type Block =
  | { kind: 'if' | 'with'; branches: Array<{ pipe: Pipeline; body: Node[] }>; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] };
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipe: Pipeline } | Block;

export interface Template {
  nodes: Node[];
  /** began with `table`: a header row and aligned columns */
  table: boolean;
}

const FUNCS = new Set(['json', 'upper', 'lower', 'title', 'printf', 'len', 'join', 'index', 'truncate', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'not', 'and', 'or', 'print', 'println']);

const bad = (what: string, hint = 'docs/podman-differences.md lists what --format templates support.') => new UserError(`template: ${what}`, 125, hint);

/** The words of one action: strings, raw strings, (, ), |, and the rest split at spaces. */
function lex(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw bad(`unterminated quoted string in {{${src}}}`);
      out.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw bad(`unterminated raw string in {{${src}}}`);
      out.push(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '|') {
      out.push(c);
      i++;
    } else {
      let j = i;
      while (j < src.length && !/[\s()|"`]/.test(src[j])) j++;
      out.push(src.slice(i, j));
      i = j;
    }
  }
  return out;
}

function parsePipeline(words: string[], src: string): Pipeline {
  let pos = 0;
  const pipeline = (): Pipeline => {
    const cmds: Pipeline = [[]];
    while (pos < words.length && words[pos] !== ')') {
      const w = words[pos++];
      if (w === '|') {
        if (cmds[cmds.length - 1].length === 0) throw bad(`missing command before | in {{${src}}}`);
        cmds.push([]);
        continue;
      }
      cmds[cmds.length - 1].push(operand(w));
    }
    if (cmds[cmds.length - 1].length === 0) throw bad(`empty command in {{${src}}}`);
    return cmds;
  };
  const operand = (w: string): Operand => {
    if (w === '(') {
      const inner = pipeline();
      if (words[pos++] !== ')') throw bad(`unclosed ( in {{${src}}}`);
      return { kind: 'pipe', pipe: inner };
    }
    if (w === '.') return { kind: 'field', root: 'dot', path: [] };
    if (w.startsWith('.')) return { kind: 'field', root: 'dot', path: w.slice(1).split('.').map((f) => checkField(f, src)) };
    if (w === '$') return { kind: 'field', root: 'var', path: [] };
    if (w.startsWith('$.')) return { kind: 'field', root: 'var', path: w.slice(2).split('.').map((f) => checkField(f, src)) };
    if (w.startsWith('$')) throw bad(`variables are not supported (${w} in {{${src}}}); use . and $`);
    if (w.startsWith('"')) return { kind: 'literal', value: JSON.parse(w.replace(/\\([^"\\/bfnrtu])/g, '$1')) };
    if (w.startsWith('`')) return { kind: 'literal', value: w.slice(1, -1) };
    if (/^-?\d+(\.\d+)?$/.test(w)) return { kind: 'literal', value: Number(w) };
    if (w === 'true' || w === 'false') return { kind: 'literal', value: w === 'true' };
    if (w === 'nil') return { kind: 'literal', value: null };
    if (FUNCS.has(w)) return { kind: 'func', name: w };
    throw bad(`function "${w}" not defined`, `Supported: ${[...FUNCS].join(', ')}.`);
  };
  const p = pipeline();
  if (pos < words.length) throw bad(`unexpected ) in {{${src}}}`);
  return p;
}

function checkField(f: string, src: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(f)) throw bad(`bad field name "${f}" in {{${src}}}`);
  return f;
}

/** Parse a --format value (`table` prefix, \t and \n written as two characters, as podman takes them). */
export function parseTemplate(format: string): Template {
  let text = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let table = false;
  if (/^table(\s|$)/.test(text)) {
    table = true;
    text = text.replace(/^table\s*/, '');
  }
  // split into text and actions, with {{- and -}} trimming
  const parts: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: text.slice(i) });
      break;
    }
    let before = text.slice(i, open);
    let start = open + 2;
    if (text[start] === '-' && /\s/.test(text[start + 1] ?? '')) {
      before = before.replace(/\s+$/, '');
      start += 2;
    }
    parts.push({ text: before });
    const close = text.indexOf('}}', start);
    if (close < 0) throw bad(`unclosed action in "${format}"`);
    let inner = text.slice(start, close);
    i = close + 2;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -2);
      const m = /^\s*/.exec(text.slice(i))!;
      i += m[0].length;
    }
    parts.push({ action: inner.trim() });
  }

  // nest if/range/with ... end
  type Frame = { node: Block | null; body: Node[] };
  const top: Frame = { node: null, body: [] };
  const stack: Frame[] = [top];
  const current = () => stack[stack.length - 1];
  for (const part of parts) {
    if ('text' in part) {
      if (part.text) current().body.push({ kind: 'text', text: part.text });
      continue;
    }
    const a = part.action;
    if (a.startsWith('/*')) {
      if (!a.endsWith('*/')) throw bad(`unclosed comment in "${format}"`);
      continue;
    }
    const words = lex(a);
    const [head, ...rest] = words;
    if (head === undefined) throw bad(`empty action {{}} in "${format}"`);
    if (head === 'if' || head === 'with') {
      const node: Block = { kind: head, branches: [{ pipe: parsePipeline(rest, a), body: [] }], otherwise: [] };
      current().body.push(node);
      stack.push({ node, body: node.branches[0].body });
    } else if (head === 'range') {
      if (rest.includes(':=')) throw bad(`variables are not supported ({{${a}}}); range sets . to each item`);
      const node: Block = { kind: 'range', pipe: parsePipeline(rest, a), body: [], otherwise: [] };
      current().body.push(node);
      stack.push({ node, body: node.body });
    } else if (head === 'else') {
      const f = current();
      if (!f.node) throw bad(`{{else}} outside if, with or range in "${format}"`);
      if (rest[0] === 'if') {
        if (f.node.kind !== 'if') throw bad(`{{else if}} outside if in "${format}"`);
        const branch = { pipe: parsePipeline(rest.slice(1), a), body: [] as Node[] };
        f.node.branches.push(branch);
        f.body = branch.body;
      } else {
        if (rest.length) throw bad(`unexpected {{${a}}}`);
        f.body = f.node.otherwise;
      }
    } else if (head === 'end') {
      if (stack.length === 1) throw bad(`unexpected {{end}} in "${format}"`);
      stack.pop();
    } else if (['define', 'template', 'block', 'break', 'continue'].includes(head)) {
      throw bad(`{{${head}}} is not supported`);
    } else {
      if (words.includes(':=') || words.includes('=')) throw bad(`variables are not supported ({{${a}}})`);
      current().body.push({ kind: 'action', pipe: parsePipeline(words, a) });
    }
  }
  if (stack.length > 1) throw bad(`unexpected end of template: an {{if}}, {{with}} or {{range}} has no {{end}} in "${format}"`);
  return { nodes: top.body, table };
}

// ---------------------------------------------------------------- execute

interface Scope {
  dot: unknown;
  root: unknown;
}

function field(value: unknown, path: string[], src: () => string): unknown {
  let v = value;
  for (const f of path) {
    if (v === null || v === undefined) throw bad(`nil pointer evaluating .${path.join('.')} in ${src()}`);
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(`can't evaluate field ${f} in ${src()}: not an object`);
    const o = v as Record<string, unknown>;
    if (!(f in o)) {
      if (isMap(v)) return undefined;
      throw bad(`can't evaluate field ${f} in ${src()}`, `The fields are those of --format json (${Object.keys(o).slice(0, 12).join(', ')}${Object.keys(o).length > 12 ? ', ...' : ''}).`);
    }
    v = o[f];
  }
  return v;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function titleCase(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, p: string, c: string) => p + c.toUpperCase());
}

/** Go's fmt verbs that podman templates use: %s %v %d %q %f %x %t %%, with flags and width. */
export function sprintf(fmt: string, args: unknown[]): string {
  let n = 0;
  return fmt.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([svdqfxXtT%])/g, (_, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    let s: string;
    switch (verb) {
      case 'd':
        s = typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${goString(a)})`;
        break;
      case 'f':
        s = typeof a === 'number' ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${goString(a)})`;
        break;
      case 'x':
      case 'X':
        s = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(goString(a)).toString('hex');
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 'q':
        s = JSON.stringify(goString(a));
        break;
      case 'T':
        s = a === null ? '<nil>' : Array.isArray(a) ? '[]interface {}' : typeof a === 'object' ? 'map[string]interface {}' : typeof a === 'number' ? 'int' : typeof a === 'boolean' ? 'bool' : 'string';
        break;
      default:
        s = goString(a);
        if (prec !== undefined && verb === 's') s = s.slice(0, Number(prec));
    }
    if (width !== undefined) s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width), flags.includes('0') && verb !== 's' ? '0' : ' ');
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(goString).join(', ')})` : '');
}

function call(name: string, args: unknown[], src: () => string): unknown {
  const need = (k: number) => {
    if (args.length !== k) throw bad(`wrong number of args for ${name}: want ${k} got ${args.length} in ${src()}`);
  };
  const str = (v: unknown) => goString(v);
  switch (name) {
    case 'json':
      need(1);
      return JSON.stringify(args[0] === undefined ? null : args[0]);
    case 'upper':
      need(1);
      return str(args[0]).toUpperCase();
    case 'lower':
      need(1);
      return str(args[0]).toLowerCase();
    case 'title':
      need(1);
      return titleCase(str(args[0]));
    case 'printf':
      if (args.length === 0) throw bad(`printf needs a format in ${src()}`);
      return sprintf(str(args[0]), args.slice(1));
    case 'print':
      return args.map(str).join(' ');
    case 'println':
      return `${args.map(str).join(' ')}\n`;
    case 'len': {
      need(1);
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw bad(`len of ${goString(v)} in ${src()}`);
    }
    case 'join': {
      need(2);
      const v = args[0];
      return Array.isArray(v) ? v.map(str).join(str(args[1])) : str(v);
    }
    case 'index': {
      if (args.length < 2) throw bad(`index needs a list or map and a key in ${src()}`);
      let v = args[0];
      for (const k of args.slice(1)) {
        if (Array.isArray(v) && typeof k === 'number') v = v[k];
        else if (v && typeof v === 'object') v = (v as Record<string, unknown>)[str(k)];
        else throw bad(`cannot index ${goString(v)} in ${src()}`);
      }
      return v;
    }
    case 'truncate':
      need(2);
      return str(args[0]).slice(0, Number(args[1]));
    case 'eq':
      if (args.length < 2) throw bad(`eq needs two arguments in ${src()}`);
      return args.slice(1).some((b) => compare(args[0], b) === 0 && typeof args[0] === typeof b);
    case 'ne':
      need(2);
      return compare(args[0], args[1]) !== 0;
    case 'lt':
      need(2);
      return compare(args[0], args[1]) < 0;
    case 'le':
      need(2);
      return compare(args[0], args[1]) <= 0;
    case 'gt':
      need(2);
      return compare(args[0], args[1]) > 0;
    case 'ge':
      need(2);
      return compare(args[0], args[1]) >= 0;
    case 'not':
      need(1);
      return !truthy(args[0]);
    case 'and':
      return args.find((a) => !truthy(a)) ?? args[args.length - 1];
    case 'or':
      return args.find((a) => truthy(a)) ?? args[args.length - 1];
  }
  throw bad(`function "${name}" not defined`);
}

function evalPipeline(pipe: Pipeline, scope: Scope, src: () => string): unknown {
  let piped: { value: unknown } | undefined;
  for (const cmd of pipe) {
    const [first, ...rest] = cmd;
    const arg = (o: Operand): unknown => {
      if (o.kind === 'literal') return o.value;
      if (o.kind === 'pipe') return evalPipeline(o.pipe, scope, src);
      if (o.kind === 'field') return field(o.root === 'dot' ? scope.dot : scope.root, o.path, src);
      throw bad(`function ${o.name} used as a value in ${src()}`);
    };
    let value: unknown;
    if (first.kind === 'func') {
      const args = rest.map(arg);
      if (piped) args.push(piped.value);
      value = call(first.name, args, src);
    } else {
      if (rest.length || piped) throw bad(`${goString(first.kind === 'literal' ? first.value : '.')} is not a function, in ${src()}`);
      value = arg(first);
    }
    piped = { value };
  }
  return piped!.value;
}

function exec(nodes: Node[], scope: Scope, out: string[], src: () => string): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'action') {
      const v = evalPipeline(n.pipe, scope, src);
      out.push(goString(v));
    } else if (n.kind === 'if' || n.kind === 'with') {
      let taken = false;
      for (const b of n.branches) {
        const v = evalPipeline(b.pipe, scope, src);
        if (!truthy(v)) continue;
        exec(b.body, n.kind === 'with' ? { ...scope, dot: v } : scope, out, src);
        taken = true;
        break;
      }
      if (!taken) exec(n.otherwise, scope, out, src);
    } else if (n.kind === 'range') {
      const v = evalPipeline(n.pipe, scope, src);
      const items = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : v === null || v === undefined ? [] : undefined;
      if (items === undefined) throw bad(`range can't iterate over ${goString(v)} in ${src()}`);
      if (items.length === 0) exec(n.otherwise, scope, out, src);
      for (const item of items) exec(n.body, { ...scope, dot: item }, out, src);
    }
  }
}

/** The template on one item ($ is the item too, as podman runs it per item). */
export function render(t: Template, item: unknown, name = 'format'): string {
  const out: string[] = [];
  exec(t.nodes, { dot: item, root: item }, out, () => `"${name}"`);
  return out.join('');
}

// ---------------------------------------------------------------- tables

/** A field's column title: podman's name for it where it has one, else its words in capitals (CreatedAt: CREATED AT). */
function headerOf(path: string[], titles: Record<string, string>): string {
  const f = path[path.length - 1] ?? '';
  return titles[f] ?? f.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toUpperCase();
}

/** The header row of a table template: each action's field title, the text between kept (the tabs). */
function headerRow(t: Template, titles: Record<string, string>): string {
  const firstField = (pipe: Pipeline): string[] | undefined => {
    for (const cmd of pipe) for (const o of cmd) if (o.kind === 'field') return o.path;
    return undefined;
  };
  return t.nodes
    .map((n) => {
      if (n.kind === 'text') return n.text;
      if (n.kind === 'action') {
        const p = firstField(n.pipe);
        return p ? headerOf(p, titles) : '';
      }
      return '';
    })
    .join('');
}

/**
 * Go's text/tabwriter as podman sets it up (minwidth 12, padding 2): a cell
 * ends at a tab, and each column is as wide as its widest cell plus two.
 * The text after a line's last tab is not a cell and is not padded.
 */
export function tabwrite(lines: string[]): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, [...r[i]].length);
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(Math.max(12, widths[i] + 2)) : c)).join('')).join('\n');
}

export interface RowsOptions {
  /** column titles podman gives some fields (ps: ID is CONTAINER ID) */
  titles?: Record<string, string>;
  /** the template's name in errors (ps, inspect...) */
  name?: string;
}

/** Each item through the template, one line each (a table: with its header, aligned). */
export function formatRows(format: string, items: unknown[], opts: RowsOptions = {}): string {
  const t = parseTemplate(format);
  const lines = items.map((item) => render(t, item, opts.name));
  if (!t.table) return lines.map((l) => `${l}\n`).join('');
  return `${tabwrite([headerRow(t, opts.titles ?? {}), ...lines])}\n`;
}
