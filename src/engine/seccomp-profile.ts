// Seccomp profiles in Docker's JSON format (the one docker, podman and
// containers-common ship, and `--security-opt seccomp=FILE` takes), and
// tsbox's default profile written in it.
//
// The default is an allowlist: a syscall it does not name fails with ENOSYS,
// as under podman's profile (/usr/share/containers/seccomp.json), so a
// program probing a syscall the container may not have (clone3, statx, a
// newer one) takes its fallback. It allows nothing podman's allows not, for
// any set of capabilities (test/unit/seccomp.test.ts compares the two,
// syscall by syscall), and takes Docker's stricter rules where Docker has
// them: what each rule adds over podman and why is in docs/security.md and
// in the rules' comments.
//
// Semantics (seccomp.ts compiles them to cBPF):
//   - a rule applies when the container keeps every capability of
//     includes.caps and none of excludes.caps, and the architecture is in
//     includes.arches (if given) and not in excludes.arches (Docker's names:
//     amd64, arm64);
//   - a syscall's applicable rules are tried in profile order and the first
//     whose args all hold decides; none: defaultAction. libseccomp (docker,
//     podman, runc and crun running config.json) merges the rules of a
//     syscall instead, where one without args overrides those with, whatever
//     the order. This profile is written so that both readings agree: for
//     each syscall and capability set, either one rule without args applies,
//     or only rules with args, whose sets of arguments overlap only where
//     their actions are the same (socket's allows are blocks of domains,
//     clone's refusals one per CLONE_NEW* bit).
//     test/unit/seccomp-libseccomp.test.ts builds it with libseccomp and
//     compares the two programs for every syscall, argument branch and
//     capability set.
//   - args compare the whole 64-bit register, unsigned, as libseccomp does.
//     For MASKED_EQ `value` is the mask and `valueTwo` the datum:
//     (arg & value) == valueTwo. Where the kernel reads an argument as a
//     32-bit int (socket's domain), the rules mask it to its low 32 bits, so
//     that garbage in the upper half cannot step around them.
//   - names that an architecture lacks are skipped there.

export type SeccompAction =
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_LOG';

export type SeccompOp =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOp;
}

export interface SeccompFilterSet {
  caps?: string[];
  arches?: string[];
  /** "MAJOR.MINOR": the rule applies from this kernel on (Docker's field) */
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  /** for SCMP_ACT_ERRNO; EPERM when missing */
  errnoRet?: number;
  args?: SeccompArg[];
  comment?: string;
  includes?: SeccompFilterSet;
  excludes?: SeccompFilterSet;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** libseccomp's names; the filter covers the native ABI alone whatever this says (seccomp-file.ts) */
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures: string[] }>;
  syscalls: SeccompRule[];
}

const EPERM = 1;
const EINVAL = 22;
const ENOSYS = 38;
const AF_NETLINK = 16;
const NETLINK_AUDIT = 9;
const AF_VSOCK = 40;
const LOW32 = 0xffffffff;
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. (CLONE_NEWTIME, 0x80, cannot be given to
 * clone: those bits hold its exit signal; clone3 is refused whole.) */
export const CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** personality(2) values podman and Docker allow: PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, and the query. */
const PERSONALITY_ALLOWED = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** NAMES allowed with CAP, refused with EPERM without it (Docker's and podman's pairs of rules); REFUSED: the names refused by other rules. */
function withCap(cap: string, names: string[], comment: string, refused: string[] = names): SeccompRule[] {
  return [
    { names, action: 'SCMP_ACT_ALLOW', includes: { caps: [cap] }, comment },
    { names: refused, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: [cap] } },
  ];
}

/** The values [lo, hi) of argument INDEX, where the kernel reads an int, as comparisons of its low 32 bits with
 * aligned blocks (MASKED_EQ): what the kernel reads is then in the set, whatever the upper half holds. */
function blocks(index: number, lo: number, hi: number): SeccompArg[] {
  const out: SeccompArg[] = [];
  for (let v = lo; v < hi; ) {
    let size = 1;
    while (v % (size * 2) === 0 && v + size * 2 <= hi) size *= 2;
    out.push({ index, value: LOW32 - (size - 1), valueTwo: v, op: 'SCMP_CMP_MASKED_EQ' });
    v += size;
  }
  return out;
}

/** refused with EPERM without CAP_SYS_ADMIN (clone and clone3 have rules of their own) */
const CAP_SYS_ADMIN_CALLS = [
  'unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree',
  'mount_setattr', 'bpf', 'fanotify_init', 'lookup_dcookie', 'perf_event_open', 'quotactl', 'sethostname', 'setdomainname',
];

export const DEFAULT_PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: ENOSYS,
  // Only the native ABI: the filter kills a process that calls through
  // another (i386's int 0x80 on x86_64, x32, 32-bit arm), whose numbers
  // these rules do not describe. podman's also allows those.
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: [] },
  ],
  syscalls: [
    {
      names: [
        'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'bind', 'brk', 'capget', 'capset', 'chdir', 'chmod', 'chown',
        'clock_adjtime', 'clock_getres', 'clock_gettime', 'clock_nanosleep', 'close', 'close_range', 'connect',
        'copy_file_range', 'creat', 'dup', 'dup2', 'dup3', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old',
        'epoll_pwait', 'epoll_pwait2', 'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'execve', 'execveat', 'exit',
        'exit_group', 'faccessat', 'faccessat2', 'fadvise64', 'fallocate', 'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat',
        'fchown', 'fchownat', 'fcntl', 'fdatasync', 'fgetxattr', 'flistxattr', 'flock', 'fork', 'fremovexattr',
        'fsetxattr', 'fstat', 'fstatfs', 'fsync', 'ftruncate', 'futex', 'futimesat', 'get_robust_list', 'get_thread_area',
        'getcpu', 'getcwd', 'getdents', 'getdents64', 'getegid', 'geteuid', 'getgid', 'getgroups', 'getitimer',
        'getpeername', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom', 'getresgid', 'getresuid',
        'getrlimit', 'getrusage', 'getsid', 'getsockname', 'getsockopt', 'gettid', 'gettimeofday', 'getuid', 'getxattr',
        'inotify_add_watch', 'inotify_init', 'inotify_init1', 'inotify_rm_watch', 'io_cancel', 'io_destroy',
        'io_getevents', 'io_setup', 'io_submit', 'ioctl', 'ioprio_get', 'ioprio_set', 'kill', 'landlock_add_rule',
        'landlock_create_ruleset', 'landlock_restrict_self', 'lchown', 'lgetxattr', 'link', 'linkat', 'listen',
        'listxattr', 'llistxattr', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat', 'madvise', 'membarrier',
        'memfd_create', 'memfd_secret', 'mincore', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'mlock', 'mlock2', 'mlockall',
        'mmap', 'mprotect', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedsend', 'mq_unlink',
        'mremap', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'msync', 'munlock', 'munlockall', 'munmap', 'nanosleep',
        'newfstatat', 'open', 'openat', 'openat2', 'pause', 'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2',
        'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'poll', 'ppoll', 'prctl', 'pread64', 'preadv', 'preadv2',
        'prlimit64', 'process_mrelease', 'process_vm_readv', 'process_vm_writev', 'pselect6', 'ptrace', 'pwrite64',
        'pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'recvfrom', 'recvmmsg', 'recvmsg',
        'remap_file_pages', 'removexattr', 'rename', 'renameat', 'renameat2', 'restart_syscall', 'rmdir', 'rseq',
        'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
        'rt_sigtimedwait', 'rt_tgsigqueueinfo', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getaffinity',
        'sched_getattr', 'sched_getparam', 'sched_getscheduler', 'sched_rr_get_interval', 'sched_setaffinity',
        'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp', 'select', 'semctl', 'semget',
        'semop', 'semtimedop', 'sendfile', 'sendmmsg', 'sendmsg', 'sendto', 'set_robust_list', 'set_thread_area',
        'set_tid_address', 'setfsgid', 'setfsuid', 'setgid', 'setgroups', 'setitimer', 'setpgid', 'setpriority',
        'setregid', 'setresgid', 'setresuid', 'setreuid', 'setrlimit', 'setsid', 'setsockopt', 'setuid', 'setxattr',
        'shmat', 'shmctl', 'shmdt', 'shmget', 'shutdown', 'sigaltstack', 'signalfd', 'signalfd4', 'socketpair', 'splice',
        'stat', 'statfs', 'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'sysinfo', 'tee', 'tgkill',
        'time', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_settime', 'timerfd_create',
        'timerfd_gettime', 'timerfd_settime', 'times', 'tkill', 'truncate', 'umask', 'uname', 'unlink', 'unlinkat', 'utime',
        'utimensat', 'utimes', 'vfork', 'wait4', 'waitid', 'write', 'writev',
      ],
      action: 'SCMP_ACT_ALLOW',
      comment:
        "podman's allowlist without what follows under rules of its own: clone, clone3, socket and personality look at " +
        'their arguments, and mounts, namespaces, reboot, syslog, pidfd_getfd, NUMA policy and name_to_handle_at need a capability',
    },
    {
      names: [
        'io_pgetevents', 'kexec_file_load', 'kexec_load', 'migrate_pages', 'move_pages', 'nfsservctl', 'swapoff',
        'swapon', 'sysfs', 'uselib', 'userfaultfd', 'ustat', 'vmsplice',
      ],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EPERM,
      comment:
        "podman's explicit refusals: kexec replaces the host's kernel, swap is host-wide, userfaultfd stalls the kernel " +
        'on a page fault to win exploit races, move_pages and migrate_pages move the memory of other processes',
    },
    {
      names: ['add_key', 'keyctl', 'request_key'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: ENOSYS,
      comment:
        'the keyring is not namespaced: the host and every container share it (Docker refuses all three, podman ' +
        'keyctl only); ENOSYS, as podman answers add_key, tells programs there is no keyring to use',
    },
    ...PERSONALITY_ALLOWED.map(
      (value): SeccompRule => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
        comment: 'only the personalities podman and Docker allow: no ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC...',
      }),
    ),
    { names: ['arch_prctl', 'modify_ldt'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    {
      names: ['socket'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EINVAL,
      args: [
        { index: 0, value: LOW32, valueTwo: AF_NETLINK, op: 'SCMP_CMP_MASKED_EQ' },
        { index: 2, value: LOW32, valueTwo: NETLINK_AUDIT, op: 'SCMP_CMP_MASKED_EQ' },
      ],
      excludes: { caps: ['CAP_AUDIT_WRITE'] },
      comment: "podman's: no audit socket without CAP_AUDIT_WRITE (the audit log is the host's)",
    },
    {
      names: ['socket'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EPERM,
      args: [{ index: 0, value: LOW32, valueTwo: AF_VSOCK, op: 'SCMP_CMP_MASKED_EQ' }],
      comment: "Docker's: no AF_VSOCK, which reaches the host's hypervisor and other VMs past the network namespace",
    },
    // The other domains, each rule a block of them, so that no rule without args overrides the refusals above
    // where libseccomp (runc, crun) reads the profile: 0..15, 17..39, 41..63 (the kernel has 46; the rest get
    // ENOSYS instead of its EAFNOSUPPORT); netlink but for the audit protocol (its 32 protocols).
    ...[...blocks(0, 0, AF_NETLINK), ...blocks(0, AF_NETLINK + 1, AF_VSOCK), ...blocks(0, AF_VSOCK + 1, 64)].map(
      (arg): SeccompRule => ({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [arg] }),
    ),
    ...[...blocks(2, 0, NETLINK_AUDIT), ...blocks(2, NETLINK_AUDIT + 1, 32)].map(
      (arg): SeccompRule => ({
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: LOW32, valueTwo: AF_NETLINK, op: 'SCMP_CMP_MASKED_EQ' }, arg],
        excludes: { caps: ['CAP_AUDIT_WRITE'] },
      }),
    ),
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: LOW32, valueTwo: AF_NETLINK, op: 'SCMP_CMP_MASKED_EQ' }], includes: { caps: ['CAP_AUDIT_WRITE'] } },
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NEW_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      excludes: { caps: ['CAP_SYS_ADMIN'] },
      comment:
        "Docker's: no new namespaces without CAP_SYS_ADMIN. A new user namespace needs no capability and grants all of " +
        'them over the namespaces it owns, which reopens kernel code (netfilter, mounts) the dropped capabilities keep shut',
    },
    // EPERM for each CLONE_NEW* bit, not one rule without args: libseccomp would let that override the allow above
    ...Array.from({ length: 32 }, (_, b) => 2 ** b)
      .filter((bit) => (CLONE_NEW_FLAGS & bit) !== 0)
      .map((bit): SeccompRule => ({ names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [{ index: 0, value: bit, valueTwo: bit, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } })),
    {
      names: ['clone3'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: ENOSYS,
      excludes: { caps: ['CAP_SYS_ADMIN'] },
      comment: "Docker's: clone3 keeps its flags in memory a filter cannot read; ENOSYS makes libc fall back to clone",
    },
    ...withCap('CAP_SYS_ADMIN', [...CAP_SYS_ADMIN_CALLS, 'clone', 'clone3'], "Docker's (podman allows mounts and namespaces to all): the helper built the mount table before the filter; " +
      'changing it could uncover what is masked, and the new mount API was the entry of CVE-2022-0185. bpf, perf and ' +
      'fanotify observe or program the kernel', CAP_SYS_ADMIN_CALLS),
    { names: ['syslog'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYSLOG'] }, comment: "Docker's: the kernel log is the host's and shows kernel addresses" },
    { names: ['syslog'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['syslog'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, excludes: { caps: ['CAP_SYSLOG', 'CAP_SYS_ADMIN'] } },
    ...withCap('CAP_SYS_BOOT', ['reboot'], "Docker's: at best a signal to the pid namespace's init"),
    ...withCap('CAP_DAC_READ_SEARCH', ['open_by_handle_at', 'name_to_handle_at'], 'opening an inode by number walks out of a bind mount (the "shocker" escape); name_to_handle_at only serves it (podman and Docker allow it to all)'),
    ...withCap('CAP_SYS_CHROOT', ['chroot'], "podman's"),
    ...withCap('CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module', 'query_module'], "podman's: code loaded into the kernel every container shares"),
    ...withCap('CAP_SYS_PACCT', ['acct'], "podman's: host-wide accounting"),
    ...withCap('CAP_SYS_PTRACE', ['kcmp', 'process_madvise', 'pidfd_getfd'], "podman's (pidfd_getfd: Docker's): they look into or act on other processes"),
    ...withCap('CAP_SYS_RAWIO', ['iopl', 'ioperm'], "podman's: hardware I/O ports"),
    ...withCap('CAP_SYS_TIME', ['settimeofday', 'clock_settime'], "podman's: the realtime clock is host-wide"),
    ...withCap('CAP_SYS_TTY_CONFIG', ['vhangup'], "podman's"),
    ...withCap('CAP_SYS_NICE', ['get_mempolicy', 'mbind', 'set_mempolicy'], "Docker's: NUMA placement is the host's"),
  ],
};
