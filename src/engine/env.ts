// Environment lists as K=V strings, merged as podman merges them: by
// variable name, later entries winning, first position kept.

export function mergeEnv(base: string[], extra: string[]): string[] {
  const m = new Map<string, string>();
  for (const e of [...base, ...extra]) m.set(e.split('=')[0], e);
  return [...m.values()];
}
