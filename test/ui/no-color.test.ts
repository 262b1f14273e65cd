// NO_COLOR: no color escape codes at all, but the selection still shows
// (inverse video and the › marker), with stock Ink and as shipped. Chalk
// decides its color level when it is first imported, so FORCE_COLOR is set
// before either Ink loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';

process.env.FORCE_COLOR = '1';
const { COLOR, NO_COLOR, themeFromEnv } = await import('../../components/theme.js');
const { benchModel, renderModelOnce } = await import('../../src/ui/bench.js');
const { renderToString } = await import('ink');
const { dashboardElement } = await import('../../src/ui/app.js');
const { createDashboardStore } = await import('../../src/ui/store.js');
const { reduce } = await import('../../src/ui/state.js');
const { shipped, stripAnsi } = await import('./harness.js');

// SGR parameters that set a foreground or background color
const COLOR_SGR = /\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;

function draw(theme: typeof COLOR): string {
  const s = reduce(benchModel(5, 80, 24), { type: 'command', command: 'help' });
  const noop = { start() {}, stop() {}, tick() {}, handleKey() {}, idle: async () => {} };
  const table = renderToString(dashboardElement(createDashboardStore(benchModel(5, 80, 24)), noop, theme), { columns: 80 });
  const help = renderToString(dashboardElement(createDashboardStore(s), noop, theme), { columns: 80 });
  return table + help;
}

test('NO_COLOR turns color off and keeps the selection visible', () => {
  assert.equal(themeFromEnv({ NO_COLOR: '1' }), NO_COLOR);
  assert.equal(themeFromEnv({ NO_COLOR: '' }), COLOR, 'an empty NO_COLOR does not count');
  assert.equal(themeFromEnv({}), COLOR);
  const colored = draw(COLOR);
  assert.match(colored, COLOR_SGR, 'colors are used normally');
  const plain = draw(NO_COLOR);
  assert.doesNotMatch(plain, COLOR_SGR);
  assert.ok(plain.includes('\x1b[7m'), 'inverse video marks the selection');
  assert.match(stripAnsi(plain), /› bench-00/, 'the marker on the selected row (at 80 columns the name is cut to fit GRADE)');
  assert.ok(renderModelOnce(benchModel(3), 100, 24).frame.includes('bench-0002'));
  // as shipped: the table and the help
  const ship = (theme: typeof COLOR) =>
    shipped.renderModelOnce(benchModel(5, 80, 24), 80, 24, theme).frame + shipped.renderModelOnce(reduce(benchModel(5, 80, 24), { type: 'command', command: 'help' }), 80, 24, theme).frame;
  assert.match(ship(COLOR), COLOR_SGR);
  const shippedPlain = ship(NO_COLOR);
  assert.doesNotMatch(shippedPlain, COLOR_SGR);
  assert.ok(shippedPlain.includes('\x1b[1;7m') && /› bench-00/.test(stripAnsi(shippedPlain)), 'inverse video marks the selection');
  assert.ok(shippedPlain.includes('Keys'), 'the help is drawn');
});
