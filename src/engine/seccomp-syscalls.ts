// Syscall numbers for the syscalls the default seccomp filter looks at, per
// architecture. Only these are listed: the filter allows everything else, so it
// never needs a full table. Numbers are from the kernel's uapi headers
// (x86_64: asm/unistd_64.h; aarch64 uses the generic table, asm-generic/unistd.h);
// test/unit/seccomp.test.ts checks them against the headers installed here.
//
// A name missing from an architecture does not exist there (aarch64 has no
// legacy syscalls such as iopl or _sysctl). The i386-only ones (stime, umount,
// vm86, vm86old) are in neither table: an i386 or x32 call never reaches the
// per-syscall rules, the architecture check rejects it first.

export type SeccompArch = 'x86_64' | 'aarch64';

/** seccomp_data.arch values (AUDIT_ARCH_* from linux/audit.h). */
export const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: 0xc000003e, // EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
  aarch64: 0xc00000b7, // EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
};

export const SYSCALLS: Record<SeccompArch, Readonly<Record<string, number>>> = {
  x86_64: {
    clone: 56,
    syslog: 103,
    uselib: 134,
    personality: 135,
    sysfs: 139,
    pivot_root: 155,
    _sysctl: 156,
    acct: 163,
    settimeofday: 164,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    iopl: 172,
    ioperm: 173,
    create_module: 174,
    init_module: 175,
    delete_module: 176,
    get_kernel_syms: 177,
    query_module: 178,
    quotactl: 179,
    nfsservctl: 180,
    lookup_dcookie: 212,
    clock_settime: 227,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    unshare: 272,
    move_pages: 279,
    perf_event_open: 298,
    name_to_handle_at: 303,
    open_by_handle_at: 304,
    clock_adjtime: 305,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    mount_setattr: 442,
    quotactl_fd: 443,
  },
  aarch64: {
    lookup_dcookie: 18,
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    nfsservctl: 42,
    quotactl: 60,
    acct: 89,
    personality: 92,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    clock_settime: 112,
    syslog: 116,
    reboot: 142,
    settimeofday: 170,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    move_pages: 239,
    perf_event_open: 241,
    name_to_handle_at: 264,
    open_by_handle_at: 265,
    clock_adjtime: 266,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    mount_setattr: 442,
    quotactl_fd: 443,
  },
};

/** Node's name for the architecture -> ours, or undefined when the filter does not support it. */
export function seccompArch(arch: NodeJS.Architecture): SeccompArch | undefined {
  if (arch === 'x64') return 'x86_64';
  if (arch === 'arm64') return 'aarch64';
  return undefined;
}
