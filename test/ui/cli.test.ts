import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInterval } from '../../src/cli/commands/dashboard.js';
import { CLEAN_COMMAND, DEMO_CONTAINERS } from '../../src/cli/commands/demo.js';
import { isUserError } from '../../src/common/errors.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('--interval: seconds or a duration with a unit, 1 s by default', () => {
  assert.equal(parseInterval(undefined), 1000);
  assert.equal(parseInterval('2'), 2000);
  assert.equal(parseInterval('0.5'), 500);
  assert.equal(parseInterval('250ms'), 250);
  assert.equal(parseInterval('3s'), 3000);
  assert.equal(parseInterval('1m'), 60_000);
  for (const bad of ['', 'fast', '-1', '1h', '10ms', '1 s x']) {
    assert.throws(() => parseInterval(bad), (e) => isUserError(e) && /--interval/.test(e.message), bad);
  }
});

/** The static imports of a compiled module (dist), as repo-relative paths or package names. */
function staticImports(file: string): string[] {
  const js = fs.readFileSync(path.join(dist, file), 'utf8');
  return [...js.matchAll(/^import [^;]* from '([^']+)';$/gm)].map((m) => (m[1].startsWith('.') ? path.posix.join(path.posix.dirname(file), m[1]) : m[1]));
}

test('the CLI command modules load Ink, React and zustand only inside run(); the launch they import loads none', () => {
  for (const f of ['src/cli/commands/dashboard.js', 'src/cli/commands/demo.js']) {
    for (const s of staticImports(f)) assert.ok(!/^(ink|react|zustand)$/.test(s) && (!s.includes('/ui/') || s === 'src/ui/launch.js'), `${f} imports ${s} statically`);
  }
  // launch.ts is bundled into the CLI (it paints the first frame): nothing it pulls in may be Ink's world
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const s of staticImports(f)) {
      assert.ok(!/^(ink|react|zustand|@alcalzone\/ink-table)/.test(s), `${f}, reached from src/ui/launch.js, imports ${s}`);
      if (s.startsWith('src/') || s.startsWith('components/')) walk(s);
    }
  };
  walk('src/ui/launch.js');
  assert.ok(seen.size > 5, `the walk saw ${seen.size} modules`);
  const dashboard = fs.readFileSync(path.join(dist, 'src/cli/commands/dashboard.js'), 'utf8');
  assert.match(dashboard, /import\('\.\.\/\.\.\/ui\/main\.js'\)/);
});

test('the demo: limits, shared namespaces, a volume, and one command to remove it', () => {
  const args = DEMO_CONTAINERS.map((d) => d.argv.join(' '));
  assert.ok(args.some((a) => a.includes('--memory 64m') && a.includes('--pids-limit 50')));
  assert.ok(args.some((a) => a.includes('--network container:demo-web') && a.includes('--ipc container:demo-web')));
  assert.ok(args.some((a) => a.includes('--volume demo-data:/data')));
  assert.ok(args.some((a) => a.includes('--userns=auto')), 'one whose root is not host root, for the Users tab');
  // the container others join comes first
  assert.equal(DEMO_CONTAINERS[0].name, 'demo-web');
  assert.equal(CLEAN_COMMAND, 'tsbox demo --clean');
});
