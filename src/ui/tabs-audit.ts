// The top of the Security tab: the container's grade and findings, as
// `tsbox audit` gives them (the same rules, src/engine/audit-rules.ts, from
// the audit cache: audit-cache.ts). Worst first; each with its evidence
// (what the kernel showed) and the flag that fixes it.
import { linesBlock, type Body } from './body.js';
import { clipLine, line, seg, wrapWords, type Line, type Tone } from './lines.js';
import type { ContainerRecord } from './model.js';
import { isLive } from './records.js';
import type { AuditView } from './state.js';

const LEVEL_TONE: Record<string, Tone> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'accent' };
const GRADE_TONE: Record<string, Tone> = { A: 'good', B: 'good', C: 'warn', D: 'bad', F: 'bad' };

export function auditBody(r: ContainerRecord, a: AuditView | undefined, width: number): Body {
  if (!isLive(r) || r.pid <= 0) return [];
  if (!a || a.pid !== r.pid) return [linesBlock([line(seg('grade', undefined, { bold: true }), seg('    working it out (the rules of tsbox audit, read off the refresh)…', 'muted'))])];
  const out: Line[] = [];
  const n = a.findings.length;
  out.push(
    line(
      seg('grade', undefined, { bold: true }),
      '    ',
      seg(` ${a.grade} `, GRADE_TONE[a.grade], { bold: true, inverse: true }),
      seg(n === 0 ? '  no findings: nothing tsbox audit checks is weak' : `  ${n} finding${n === 1 ? '' : 's'}, worst first  (tsbox audit ${r.name} says the same)`, 'muted'),
    ),
  );
  for (const f of a.findings) {
    out.push(line(seg(`${f.level.padEnd(9)}`, LEVEL_TONE[f.level], { bold: true }), seg(f.title)));
    for (const e of f.evidence) for (const l of wrapWords(e.split(' '), width, ' '.repeat(11))) out.push(line(seg(l, 'muted')));
    out.push(line(seg('         fix: ', 'accent'), f.fix));
  }
  out.push(line(''));
  return [linesBlock(out.map((l) => clipLine(l, width)))];
}
