// Facts about one container record that the table and the tabs both show.
import type { ContainerRecord } from './model.js';

/** What the table shows in the state column: running, paused, exited(CODE), OOMKilled... */
export function stateLabel(r: ContainerRecord): string {
  if (r.oomKilled && r.state === 'exited') return 'OOMKilled';
  if (r.state === 'exited') return r.exitCode === null ? 'exited' : `exited(${r.exitCode})`;
  return r.state;
}

export function imageName(r: ContainerRecord): string {
  return r.spec.image;
}

export function isLive(r: ContainerRecord): boolean {
  return r.state === 'running' || r.state === 'paused';
}

/** Milliseconds the container has been up, or null when it is not running. */
export function uptimeMs(r: ContainerRecord, now: number): number | null {
  if (!isLive(r) || !r.startedAt) return null;
  const t = Date.parse(r.startedAt);
  return Number.isFinite(t) ? Math.max(0, now - t) : null;
}
