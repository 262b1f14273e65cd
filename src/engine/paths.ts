// Where tsbox keeps its state. Root: /var/lib/tsbox (persistent) and
// /run/tsbox (runtime, emptied at boot). Rootless: $XDG_DATA_HOME/tsbox and
// $XDG_RUNTIME_DIR/tsbox. `--root DIR` / TSBOX_ROOT puts both under DIR (tests).
import os from 'node:os';
import path from 'node:path';

export interface Paths {
  /** persistent: containers/, images/, volumes/, labels/ */
  data: string;
  /** runtime: pid and exit files; emptied at reboot */
  run: string;
  containers: string;
  images: string;
  volumes: string;
  labels: string;
  /** the file lock that serializes state changes */
  lock: string;
}

export function isRootless(): boolean {
  return process.getuid?.() !== 0;
}

export function resolvePaths(root?: string): Paths {
  const explicit = root ?? process.env.TSBOX_ROOT;
  let data: string;
  let run: string;
  if (explicit) {
    data = path.resolve(explicit, 'data');
    run = path.resolve(explicit, 'run');
  } else if (!isRootless()) {
    data = '/var/lib/tsbox';
    run = '/run/tsbox';
  } else {
    const home = os.homedir();
    data = path.join(process.env.XDG_DATA_HOME || path.join(home, '.local/share'), 'tsbox');
    run = path.join(process.env.XDG_RUNTIME_DIR || `/tmp/tsbox-run-${process.getuid!()}`, 'tsbox');
  }
  return {
    data,
    run,
    containers: path.join(data, 'containers'),
    images: path.join(data, 'images'),
    volumes: path.join(data, 'volumes'),
    labels: path.join(data, 'labels'),
    lock: path.join(data, 'lock'),
  };
}
