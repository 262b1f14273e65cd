// tsbox audit, the engine's part: the running containers asked for, their
// kernel facts (audit-facts.ts) judged by the rules (audit-rules.ts), a
// grade each; and who shares which namespace with whom.
import { UserError } from '../common/errors.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/namespaces.js';
import { readNamespaceInodes, type NamespaceView } from '../probe/namespaces.js';
import { gatherFacts, type ContainerFacts } from './audit-facts.js';
import { readDevicePrograms } from './device-program.js';
import { volumeLabelReport } from './labels.js';
import { auditContainer, gradeOf, type EngineDirs, type Finding } from './audit-rules.js';
import type { Engine } from './engine.js';
import type { ContainerRecord } from './types.js';

export interface ContainerAudit {
  id: string;
  name: string;
  pid: number;
  grade: string;
  findings: Finding[];
  namespaces: NamespaceView[];
}

/** The records to audit: REFS (each must be running), or every running container. */
export function auditTargets(engine: Engine, refs: readonly string[]): ContainerRecord[] {
  if (refs.length === 0) return engine.list().filter((r) => r.state === 'running' || r.state === 'paused');
  return refs.map((ref) => {
    const r = engine.get(ref);
    if (r.state !== 'running' && r.state !== 'paused') {
      throw new UserError(`container ${r.name} is ${r.state}: audit reads the kernel's view of a running process`, 125, `Start it (tsbox start ${r.name}) and run tsbox audit again.`);
    }
    return r;
  });
}

export function engineDirs(engine: Engine): EngineDirs {
  const p = engine.paths;
  return { data: p.data, run: p.run, containers: p.containers, volumes: p.volumes, images: p.images };
}

/**
 * Audit RECORDS. Every running container is read, so that checks across
 * containers (overlapping uid maps, a :Z volume used twice, shared
 * namespaces) see all of them, whichever were asked for.
 */
export function audit(engine: Engine, records: readonly ContainerRecord[]): ContainerAudit[] {
  const wanted = new Set(records.map((r) => r.id));
  const everyone = engine.list().filter((r) => r.pid > 0);
  const targets = [...everyone, ...records.filter((r) => !everyone.some((e) => e.id === r.id))];
  const all = gatherFacts(targets, {
    hostNs: readNamespaceInodes('self'),
    volumeLabels: (r) => volumeLabelReport(r, targets, { helper: engine.helperPath }),
    devicePrograms: (dir) => readDevicePrograms(engine.helperPath, dir),
  });
  const dirs = engineDirs(engine);
  return all
    .filter((f) => wanted.has(f.id))
    .map((facts: ContainerFacts) => {
      const findings = auditContainer({ facts, all, dirs });
      return { id: facts.id, name: facts.name, pid: facts.pid, grade: gradeOf(findings), findings, namespaces: facts.namespaces };
    });
}

/** Namespace sharing: per container, per type, 'private', 'host' or the names it shares with. */
export function namespaceMatrix(audits: readonly ContainerAudit[]): Array<{ name: string; namespaces: Record<NamespaceType, { inode: number | null; sharing: NamespaceView['sharing']; with: string[] }> }> {
  return audits.map((a) => ({
    name: a.name,
    namespaces: Object.fromEntries(
      NAMESPACE_TYPES.map((t) => {
        const v = a.namespaces.find((n) => n.type === t);
        return [t, { inode: v?.inode ?? null, sharing: v?.sharing ?? 'unknown', with: v?.sharedWith ?? [] }];
      }),
    ) as Record<NamespaceType, { inode: number | null; sharing: NamespaceView['sharing']; with: string[] }>,
  }));
}
