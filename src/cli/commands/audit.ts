// tsbox audit [NAME...] [--format json] [--fail-on LEVEL] [--namespaces]:
// which ways out of each running container are open, read from the kernel,
// with why and the flag that closes each (rules: src/engine/audit-rules.ts).
//
// Exit codes for scripts: 0 no finding at or above --fail-on (or no
// --fail-on), 1 one at least, 125 a wrong flag or a container that is not
// running or does not exist.
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { bool, str } from '../args.js';
import { UserError } from '../../common/errors.js';
import { NAMESPACE_TYPES } from '../../common/namespaces.js';
import { visible } from '../../common/visible.js';
import { audit, auditTargets, namespaceMatrix, type ContainerAudit } from '../../engine/audit.js';
import { LEVELS, levelRank, type Level } from '../../engine/audit-rules.js';
import { formatFlag, json, table } from '../format.js';
import { print } from '../output.js';

function failOn(value: string | undefined): Level | undefined {
  if (value === undefined) return undefined;
  if (!(LEVELS as readonly string[]).includes(value)) throw new UserError(`invalid --fail-on '${value}'`, 125, `Use one of ${LEVELS.join(', ')}.`);
  return value as Level;
}

function report(a: ContainerAudit): string {
  const worst = a.findings[0]?.level ?? 'none';
  const lines = [`${visible(a.name)} (${a.id.slice(0, 12)}, pid ${a.pid}): grade ${a.grade}${a.findings.length ? `, ${a.findings.length} finding${a.findings.length === 1 ? '' : 's'}, worst ${worst}` : ', no findings'}`];
  for (const f of a.findings) {
    lines.push(`  ${f.level.toUpperCase().padEnd(8)} ${f.id}: ${f.title} [${f.refs.join('; ')}]`);
    for (const e of f.evidence) lines.push(`           evidence: ${visible(e)}`);
    lines.push(`           why: ${f.why}`);
    lines.push(`           fix: ${f.fix}`);
  }
  return lines.join('\n') + '\n';
}

function namespacesTable(audits: readonly ContainerAudit[]): string {
  const m = namespaceMatrix(audits);
  const cell = (v: { sharing: string; with: string[] }) => (v.sharing === 'shared' ? `shared:${v.with.join(',')}` : v.sharing);
  return (
    table(['NAME', ...NAMESPACE_TYPES.map((t) => t.toUpperCase())], m.map((c) => [visible(c.name), ...NAMESPACE_TYPES.map((t) => cell(c.namespaces[t]))])) +
    '(host: the host\'s namespace; shared: the same namespace as the containers named; private: its own)\n'
  );
}

export const auditCmd: Command = {
  name: 'audit',
  summary: 'Show which isolation of running containers is weak, why, and the flag that fixes it',
  usage: 'tsbox audit [NAME...] [--format json] [--fail-on LEVEL] [--namespaces]',
  flags: [
    { name: 'format', type: 'string', arg: 'FORMAT', help: 'json, or text (default)' },
    { name: 'fail-on', type: 'string', arg: 'LEVEL', help: `exit 1 when a finding at or above LEVEL exists (${LEVELS.join(', ')})` },
    { name: 'namespaces', type: 'bool', help: 'show which containers share which namespace with whom and with the host' },
  ],
  async run(p, g) {
    const fmt = str(p, 'format');
    const format = fmt === 'text' ? 'table' : formatFlag(fmt);
    const threshold = failOn(str(p, 'fail-on'));
    const engine = openEngine(g);
    const audits = audit(engine, auditTargets(engine, p.positionals));
    if (bool(p, 'namespaces')) {
      print(format === 'json' ? json(namespaceMatrix(audits)) : audits.length ? namespacesTable(audits) : 'no running containers\n');
    } else if (format === 'json') {
      print(json(audits.map(({ namespaces: _ns, ...a }) => a)));
    } else {
      print(audits.length ? audits.map(report).join('\n') : 'no running containers\n');
    }
    const failed = threshold !== undefined && audits.some((a) => a.findings.some((f) => levelRank(f.level) >= levelRank(threshold)));
    return failed ? 1 : 0;
  },
};
