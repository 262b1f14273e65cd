// --device HOST[:CONTAINER[:PERMS]] and --device-cgroup-rule, podman's: host
// device nodes made in the container, and rules of the device allowlist
// (src/engine/devices.ts says what each does).
import { list, type FlagSpec, type Parsed } from './args.js';
import { UserError } from '../common/errors.js';
import { checkDeviceRule, resolveDevice } from '../engine/devices.js';
import type { DeviceSpec } from '../engine/types.js';

export const DEVICE_FLAGS: FlagSpec[] = [
  { name: 'device', type: 'list', arg: 'HOST[:CONTAINER[:PERMS]]', help: 'add a host device node (PERMS of r, w, m; default rwm), e.g. /dev/fuse' },
  { name: 'device-cgroup-rule', type: 'list', arg: "'TYPE MAJOR:MINOR PERMS'", help: "allow devices in the device cgroup, e.g. 'c 10:229 rwm'" },
];

export function parseDeviceFlags(p: Parsed): { devices: DeviceSpec[]; deviceCgroupRules: string[] } {
  const devices = list(p, 'device').flatMap(resolveDevice);
  const seen = new Set<string>();
  for (const d of devices) {
    if (seen.has(d.path)) throw new UserError(`two --device nodes at ${d.path}`, 125, 'Give each container path once.');
    seen.add(d.path);
  }
  return { devices, deviceCgroupRules: list(p, 'device-cgroup-rule').map(checkDeviceRule) };
}
