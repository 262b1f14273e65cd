// Sizes as podman's flags take them (64m, 1.5g: units of 1024) and as tsbox
// shows them (64MiB).

const UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** '64m', '1g', '512k', '1024b', '1.5g', '64MiB', plain bytes; null when malformed. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+) ?(?:([kmgt])(?:i?b)?|(b))?$/i.exec(text.trim());
  if (!m) return null;
  const unit = m[2] ? UNIT[m[2].toLowerCase()] : 1;
  return Math.floor(Number(m[1]) * unit);
}

/** Bytes the way limits are usually given: 64MiB, 1.5GiB, 512KiB, 100B. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${+v.toFixed(2)}${units[i]}`;
}
