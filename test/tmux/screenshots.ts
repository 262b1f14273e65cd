// `npm run screenshots`: the dashboard in a real terminal (tmux) over the
// demo containers, captured with its colors (capture-pane -e), turned into
// HTML by ansi-html.ts and into PNGs by headless Chromium (Debian's
// `chromium` package). Writes screenshots/*.png at the repository root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { paneToHtmlPage } from './ansi-html.js';
import { REPO, TSBOX, Tmux, haveTmux, tsbox } from './tmux.js';

const COLS = 120;
const ROWS = 34;
const FONT_PX = 14;
const LINE_PX = 18;
/** DejaVu Sans Mono's advance is 0.602 em */
const CHAR_PX = FONT_PX * 0.602;
const OUT = path.join(REPO, 'screenshots');

function chromium(): string {
  for (const c of ['chromium', 'chromium-browser']) if (!execaSync(c, ['--version'], { reject: false }).failed) return c;
  throw new Error('chromium is not installed: apt-get install -y chromium');
}

function renderPng(browser: string, html: string, png: string, profile: string): void {
  const htmlFile = png.replace(/\.png$/, '.html');
  fs.writeFileSync(htmlFile, html);
  const width = Math.ceil(COLS * CHAR_PX + 28);
  const height = ROWS * LINE_PX + 24;
  try {
    // a failure throws an error naming the command, with chromium's stderr
    execaSync(
      browser,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        `--screenshot=${png}`,
        `file://${htmlFile}`,
      ],
      { timeout: 60_000 },
    );
  } finally {
    fs.rmSync(htmlFile);
  }
  if (!fs.existsSync(png)) throw new Error(`${browser} exited without writing ${png}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (!haveTmux()) throw new Error('tmux is not installed');
  const browser = chromium();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-shots-'));
  // the demo's --userns=auto container reaches its files through the root as a mapped uid
  fs.chmodSync(root, 0o711);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tsbox-chromium-'));
  const t = new Tmux(COLS, ROWS);
  fs.mkdirSync(OUT, { recursive: true });
  const shots: Array<{ name: string; ansi: string }> = [];
  const shoot = (name: string) => shots.push({ name, ansi: t.capture(true) });
  try {
    tsbox(root, 'demo', '--no-dashboard');
    t.start(`node ${TSBOX} --root ${root}; exec sleep 600`);
    await t.waitFor((s) => /demo-web .*running/.test(s) && /demo-db .*running/.test(s), 'the demo containers');
    const select = async (name: string) => {
      // Esc alone (a key right after it would read as Alt+key), then a fresh filter
      t.keys('Escape');
      await sleep(150);
      t.keys('/', 'C-u');
      t.text(name);
      t.keys('Enter');
      await t.waitForText(`filter "${name}"`);
    };
    await select('demo-web');
    // let the sparklines and the logs fill a little
    await sleep(12_000);
    t.keys('Escape');
    await sleep(1200);
    shoot('table');
    await select('demo-db');
    t.keys('2');
    await t.waitForText('SHARING');
    shoot('namespaces');
    await select('demo-web');
    t.keys('l');
    await t.waitForText('served request');
    shoot('logs');
    t.keys('Escape');
    await sleep(150);
    t.keys('4');
    await t.waitForText('findings, worst first'); // the audit's findings open the tab
    shoot('security');
    await select('demo-vol');
    t.keys('5');
    await t.waitForText('/data');
    shoot('volumes');
    t.keys('Escape');
    await sleep(150);
    t.keys('?');
    await t.waitForText('pause or unpause');
    shoot('help');
    t.keys('Escape');
    await sleep(150);
    t.keys('q');
    for (const s of shots) {
      const png = path.join(OUT, `${s.name}.png`);
      renderPng(browser, paneToHtmlPage(s.ansi, { title: `tsbox ${s.name}`, cols: COLS, fontPx: FONT_PX, linePx: LINE_PX }), png, profile);
      process.stdout.write(`${path.relative(process.cwd(), png)}\n`);
    }
  } finally {
    t.kill();
    try {
      tsbox(root, 'demo', '--clean');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
