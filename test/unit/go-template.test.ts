// --format templates (src/cli/go-template.ts) against what Go's text/template
// and podman print for the same template and data (outputs taken from
// podman 4.3 and Go 1.19 on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRows, goMap, parseTemplate, render, sprintf, tabwrite } from '../../src/cli/go-template.js';
import { UserError } from '../../src/common/errors.js';

const item = {
  ID: '81a294357899',
  Names: 'w5',
  Status: 'Up 4 seconds ago',
  State: { Status: 'running', Pid: 4242, Running: true, ExitCode: 0 },
  Labels: goMap({ app: 'web', tier: 'front' }),
  Mounts: ['/data', '/cache'],
  Ports: [] as string[],
  Command: ['sleep', '100'],
  Size: null,
};
const r = (tpl: string, data: unknown = item) => render(parseTemplate(tpl), data);
const refused = (tpl: string, re: RegExp) => assert.throws(() => r(tpl), (e: unknown) => e instanceof UserError && e.code === 125 && re.test(e.message), tpl);

test('fields, nested fields, the item and the root', () => {
  assert.equal(r('{{.Names}}'), 'w5');
  assert.equal(r('{{.State.Pid}} {{.State.Running}}'), '4242 true');
  assert.equal(r('{{$.ID}}/{{.ID}}'), '81a294357899/81a294357899');
  assert.equal(r('{{.Labels.app}}'), 'web');
  assert.equal(r('{{.Labels.nope}}'), '<no value>', 'a missing map key, as Go');
  assert.equal(r('id={{.ID}}\\tname={{.Names}}\\n'), 'id=81a294357899\tname=w5\n', '\\t and \\n as podman takes them');
});

test('values print as Go prints them', () => {
  assert.equal(r('{{.Mounts}}'), '[/data /cache]');
  assert.equal(r('{{.Labels}}'), 'map[app:web tier:front]');
  assert.equal(r('{{.Ports}}'), '[]');
  assert.equal(r('{{.Size}}'), '<nil>');
  assert.equal(r('{{.State.ExitCode}}'), '0');
});

test('json, upper, lower, title, printf, len, join, index, truncate; pipes and parentheses', () => {
  assert.equal(r('{{json .Labels}}'), '{"app":"web","tier":"front"}');
  assert.equal(r('{{.Labels | json}}'), '{"app":"web","tier":"front"}');
  assert.equal(r('{{json .State}}'), '{"Status":"running","Pid":4242,"Running":true,"ExitCode":0}');
  assert.equal(r('{{upper .Names}} {{lower "AbC"}} {{title "hello world"}}'), 'W5 abc Hello World');
  assert.equal(r('{{printf "%s:%d %5s|%-4s|%q %v %%" .Names .State.Pid "ab" "c" "q" .Mounts}}'), 'w5:4242    ab|c   |"q" [/data /cache] %');
  assert.equal(r('{{len .Mounts}} {{len .Labels}} {{len .Names}}'), '2 2 2');
  assert.equal(r('{{join .Command " "}}'), 'sleep 100');
  assert.equal(r('{{index .Labels "tier"}} {{index .Mounts 1}}'), 'front /cache');
  assert.equal(r('{{truncate .ID 5}}'), '81a29');
  assert.equal(r('{{upper (index .Labels "app")}}'), 'WEB');
  assert.equal(r('{{.Names | printf "<%s>"}}'), '<w5>');
});

test('if / else if / else, with comparisons; with; range over lists and maps', () => {
  assert.equal(r('{{if .State.Running}}up{{else}}down{{end}}'), 'up');
  assert.equal(r('{{if eq .State.Status "exited"}}x{{else if eq .State.Status "running"}}r{{else}}?{{end}}'), 'r');
  assert.equal(r('{{if and .State.Running (gt .State.Pid 1)}}ok{{end}}'), 'ok');
  assert.equal(r('{{if not .Ports}}no ports{{end}}'), 'no ports');
  assert.equal(r('{{if ne .Names "w5"}}other{{else}}same{{end}}'), 'same');
  assert.equal(r('{{with .State}}{{.Pid}}{{end}}'), '4242');
  assert.equal(r('{{range .Mounts}}[{{.}}]{{end}}'), '[/data][/cache]');
  assert.equal(r('{{range .Labels}}{{.}},{{end}}'), 'web,front,', 'a map: its values by key');
  assert.equal(r('{{range .Ports}}{{.}}{{else}}none{{end}}'), 'none');
  assert.equal(r('{{range .Mounts}}{{$.Names}}:{{.}} {{end}}'), 'w5:/data w5:/cache ');
  assert.equal(r('a {{- " b " -}} c'), 'a b c', 'trim markers');
  assert.equal(r('{{/* a comment */}}x'), 'x');
});

test('what is not supported, or wrong, is refused with the reason (125), as Go refuses', () => {
  refused('{{.Nope}}', /can't evaluate field Nope/);
  refused('{{.State.Nope}}', /can't evaluate field Nope/);
  refused('{{bogus .ID}}', /function "bogus" not defined/);
  refused('{{$x := .ID}}', /variables are not supported/);
  refused('{{range $i, $e := .Mounts}}{{end}}', /variables are not supported/);
  refused('{{template "x"}}', /\{\{template\}\} is not supported/);
  refused('{{if .ID}}', /has no \{\{end\}\}/);
  refused('{{end}}', /unexpected \{\{end\}\}/);
  refused('{{.ID', /unclosed action/);
  refused('{{range .ID}}{{end}}', /range can't iterate/);
  refused('{{json}}', /wrong number of args for json/);
});

test('sprintf: missing and extra arguments as Go writes them', () => {
  assert.equal(sprintf('%s %s', ['a']), 'a %!s(MISSING)');
  assert.equal(sprintf('%s', ['a', 'b']), 'a%!(EXTRA b)');
  assert.equal(sprintf('%05d|%.2f|%x', [42, 3.14159, 255]), '00042|3.14|ff');
});

test('table: a header from the fields (podman titles), columns as Go tabwriter (minwidth 12, padding 2)', () => {
  const rows = [item, { ...item, ID: 'ffff00001111', Names: 'a-much-longer-name', Status: 'Exited (0) 2 seconds ago' }];
  // podman 4.3: podman ps --format 'table {{.ID}}\t{{.Names}}\t{{.Status}}\t{{.Labels}}'
  assert.equal(
    formatRows('table {{.ID}}\\t{{.Names}}\\t{{.Status}}\\t{{.Labels}}', [item], { titles: { ID: 'CONTAINER ID' } }),
    'CONTAINER ID  NAMES       STATUS            LABELS\n81a294357899  w5          Up 4 seconds ago  map[app:web tier:front]\n',
  );
  const t = formatRows('table {{.ID}}\\t{{.Names}}\\t{{.State.Status}}', rows);
  assert.equal(t, 'ID            NAMES               STATUS\n81a294357899  w5                  running\nffff00001111  a-much-longer-name  running\n');
  assert.equal(formatRows('table {{.CreatedAt}}\\t{{json .Labels}}', [{ CreatedAt: 'x', Labels: {} }]), 'CREATED AT  LABELS\nx           {}\n');
  assert.equal(formatRows('{{.Names}}', rows), 'w5\na-much-longer-name\n', 'no table: a line per item');
  assert.equal(tabwrite(['a\tb', 'ccc\td']), 'a           b\nccc         d');
});
