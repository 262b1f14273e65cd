// The device nodes a container may create and open: those tsbox makes in
// its /dev (null, zero, full, random, urandom, tty: native/mounts.c) and its
// own devpts (ptmx, pts/*), and nothing else. Like podman's list, it has no
// /dev/console (5:1): tsbox makes none, so such a node could only come from
// the image, and opening it would reach the host's console. Without a list,
// a container given CAP_MKNOD (--cap-add MKNOD) could make a node for the
// host's disk and read it; the kernel checks every mknod and open of a
// device node against the container's cgroup. The rules are in the syntax
// of a v1 devices.allow file. On v1 the engine writes them
// (cgroups/create.ts); on v2, where the kernel asks a BPF program instead,
// the helper builds and attaches one from the same rules (--device-rule,
// native/devices.c). tsbox has no --device flag yet: this list is all a
// container gets.
//
// Privileged containers get every device, as with podman; rootless ones
// need none: the kernel refuses device nodes made in a user namespace, and
// only root may load the BPF program.

export const DEFAULT_DEVICE_RULES: readonly string[] = Object.freeze([
  'c *:* m', // mknod of any node (opening one is another matter)
  'b *:* m',
  'c 1:3 rwm', // /dev/null
  'c 1:5 rwm', // /dev/zero
  'c 1:7 rwm', // /dev/full
  'c 1:8 rwm', // /dev/random
  'c 1:9 rwm', // /dev/urandom
  'c 5:0 rwm', // /dev/tty
  'c 5:2 rwm', // /dev/ptmx
  'c 136:* rwm', // /dev/pts/*
]);

/** The allowlist for a container, or undefined for none (every device). */
export function deviceRules(opts: { privileged: boolean; rootless: boolean }): readonly string[] | undefined {
  return opts.privileged || opts.rootless ? undefined : DEFAULT_DEVICE_RULES;
}

/** The rules as OCI config.json has them (linux.resources.devices). */
export function ociDeviceRules(rules: readonly string[] | undefined): Array<Record<string, unknown>> {
  if (!rules) return [{ allow: true, access: 'rwm' }];
  return [
    { allow: false, access: 'rwm' },
    ...rules.map((r) => {
      const [type, nums, access] = r.split(' ');
      const [major, minor] = nums.split(':').map((n) => (n === '*' ? undefined : Number(n)));
      return { allow: true, type, ...(major === undefined ? {} : { major }), ...(minor === undefined ? {} : { minor }), access };
    }),
  ];
}
