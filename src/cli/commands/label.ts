// tsbox label show PATH... | label restore PATH: the SELinux labels tsbox
// wrote on host files for :z/:Z volumes, and putting the originals back.
import type { Command } from '../command.js';
import { str } from '../args.js';
import { formatFlag, json, table } from '../format.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { pathLabelReport, restoreLabels, type PathLabelReport } from '../../engine/labels.js';
import { print } from '../output.js';

function describe(r: PathLabelReport): string {
  const lines = [r.path, `  label:    ${r.current ?? '(none)'}`];
  if (r.original !== undefined) lines.push(`  original: ${r.original ?? '(none)'}   (before tsbox relabeled it; tsbox label restore puts it back)`);
  else lines.push('  original: not changed by tsbox');
  if (r.mounts.length === 0) return lines.join('\n') + '\n  no container mounts it\n';
  const rows = r.mounts.map((m) => [
    m.container,
    m.state,
    m.source === r.path ? '.' : m.source,
    m.destination,
    m.mode,
    m.relabel ? `:${m.relabel}` : '-',
    m.expected ?? '-',
    m.agrees ? 'yes' : 'NO',
  ]);
  const t = table(['CONTAINER', 'STATE', 'SOURCE', 'DESTINATION', 'MODE', 'RELABEL', 'NEEDS', 'OK'], rows);
  const indented = t.trimEnd().split('\n').map((l) => `  ${l}`);
  return [...lines, ...indented].join('\n') + '\n';
}

export const label: Command = {
  name: 'label',
  summary: 'Show the SELinux labels of host paths, or restore the ones tsbox changed',
  usage: 'tsbox label show [--format json] PATH... | tsbox label restore PATH',
  flags: [{ name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or text (default) (show)' }],
  async run(p, g) {
    const [sub, ...args] = p.positionals;
    const engine = openEngine(g);
    const ctx = { paths: engine.paths, helper: engine.helperPath };
    switch (sub) {
      case 'show': {
        if (args.length === 0) throw new UserError('label show needs a path', 125, 'Usage: tsbox label show PATH...');
        const fmt = formatFlag(str(p, 'format'));
        const all = engine.list({ all: true });
        const reports = args.map((a) => pathLabelReport(a, all, ctx));
        print(fmt === 'json' ? json(reports) : reports.map(describe).join('\n'));
        return 0;
      }
      case 'restore': {
        if (args.length !== 1) throw new UserError('label restore takes one path', 125, 'Usage: tsbox label restore PATH');
        if (p.flags.format !== undefined) throw new UserError('--format does not apply to label restore');
        const r = await restoreLabels(args[0], ctx);
        for (const s of r.skipped)
          process.stderr.write(`warning: left ${s.path} as it is: its label changed after tsbox set it (now ${s.label ?? 'none'})\n`);
        if (r.gone > 0) process.stderr.write(`note: ${r.gone} relabeled file(s) under ${args[0]} no longer exist\n`);
        const total = r.restored + r.skipped.length + r.gone;
        print(total === 0 ? `tsbox changed no labels under ${args[0]}\n` : `restored ${r.restored} label(s) under ${args[0]}\n`);
        for (const c of engine.list({ all: false })) {
          const v = c.spec.volumes.find((x) => x.relabel !== '' && r.restoredPaths.some((rp) => rp === x.source || rp.startsWith(x.source + '/')));
          if (v) process.stderr.write(`warning: running container ${c.name} mounts ${v.source} with :${v.relabel} and may have lost access to it\n`);
        }
        return 0;
      }
      case undefined:
        throw new UserError('label needs a subcommand', 125, 'Use: show PATH..., restore PATH.');
      default:
        throw new UserError(`unknown label command '${sub}'`, 125, 'Use: show PATH..., restore PATH.');
    }
  },
};
