/* Raw wrappers for the few syscalls glibc 2.36 does not wrap (or wraps
 * inconsistently across versions). Each returns -1 with errno = ENOSYS when
 * the libc headers do not know the syscall number, so the caller reports a
 * clear error instead of failing to build. The structs are private copies of
 * the kernel ABI (stable, size-versioned) so we do not depend on the uapi
 * headers that happen to be installed. */
#pragma once

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC 02000000 /* O_CLOEXEC */
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

struct tsbox_clone_args {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup; /* with CLONE_INTO_CGROUP (Linux 5.7) */
};

struct tsbox_open_how {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

struct tsbox_mount_attr {
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

/* Without CLONE_VM this behaves like fork(): the child returns 0 on a copy of
 * our stack. */
static inline pid_t sys_clone3(struct tsbox_clone_args *args, size_t size)
{
#ifdef SYS_clone3
  return (pid_t) syscall(SYS_clone3, args, size);
#else
  (void) args;
  (void) size;
  errno = ENOSYS;
  return -1;
#endif
}

/* fork() whose child is our parent's child, not ours (CLONE_PARENT): our
 * parent can wait for it and gets its exit status. Plain clone, not clone3:
 * the default seccomp filter refuses clone3 (ENOSYS) and allows clone
 * without CLONE_NEW* flags. Without CLONE_VM and with no stack given, the
 * child returns 0 on a copy of our stack, as from fork(); the remaining
 * arguments (tids, tls) are unused, so their per-arch order does not matter.
 * The kernel gives the child the exit signal our parent gets for us
 * (SIGCHLD), whatever the low byte of the flags says. */
static inline pid_t sys_clone_parent(void)
{
  return (pid_t) syscall(SYS_clone, (unsigned long) CLONE_PARENT, NULL, NULL, NULL, NULL);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
#ifdef SYS_pidfd_open
  return (int) syscall(SYS_pidfd_open, pid, flags);
#else
  (void) pid;
  (void) flags;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_pidfd_send_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
  return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
  (void) pidfd;
  (void) sig;
  errno = ENOSYS;
  return -1;
#endif
}

/* A lookup that crosses `..` under RESOLVE_IN_ROOT (or _BENEATH) fails with
 * EAGAIN when any rename or mount on the system raced with it: the kernel
 * cannot then prove that `..` stayed inside the root, and asks the caller to
 * try again. On a busy host that is not rare, so retry, a bounded number of
 * times (each try is a fresh, complete lookup). */
#define OPENAT2_EAGAIN_TRIES 64

static inline int sys_openat2(int dirfd, const char *path, struct tsbox_open_how *how, size_t size)
{
#ifdef SYS_openat2
  int fd, tries = 0;
  do
    fd = (int) syscall(SYS_openat2, dirfd, path, how, size);
  while (fd < 0 && errno == EAGAIN && ++tries < OPENAT2_EAGAIN_TRIES);
  return fd;
#else
  (void) dirfd;
  (void) path;
  (void) how;
  (void) size;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
#ifdef SYS_pivot_root
  return (int) syscall(SYS_pivot_root, new_root, put_old);
#else
  (void) new_root;
  (void) put_old;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_mount_setattr(int dirfd, const char *path, unsigned int flags,
                                    struct tsbox_mount_attr *attr, size_t size)
{
#ifdef SYS_mount_setattr
  return (int) syscall(SYS_mount_setattr, dirfd, path, flags, attr, size);
#else
  (void) dirfd;
  (void) path;
  (void) flags;
  (void) attr;
  (void) size;
  errno = ENOSYS;
  return -1;
#endif
}

/* A detached copy of the mount tree at PATH, usable from another mount
 * namespace with move_mount(). */
static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
#ifdef SYS_open_tree
  return (int) syscall(SYS_open_tree, dirfd, path, flags);
#else
  (void) dirfd;
  (void) path;
  (void) flags;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path,
                                 unsigned int flags)
{
#ifdef SYS_move_mount
  return (int) syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
#else
  (void) from_dfd;
  (void) from_path;
  (void) to_dfd;
  (void) to_path;
  (void) flags;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#ifdef SYS_close_range
  return (int) syscall(SYS_close_range, first, last, flags);
#else
  (void) first;
  (void) last;
  (void) flags;
  errno = ENOSYS;
  return -1;
#endif
}

/* The new mount API's context calls (Linux 5.2), for an overlay made as a
 * detached mount (mounts.c). Kernel ABI values, under names of our own so as
 * not to clash with the enum glibc's <sys/mount.h> declares. */
#define TSBOX_FSOPEN_CLOEXEC 0x00000001
#define TSBOX_FSMOUNT_CLOEXEC 0x00000001
#define TSBOX_FSCONFIG_SET_FLAG 0
#define TSBOX_FSCONFIG_SET_STRING 1
#define TSBOX_FSCONFIG_CMD_CREATE 6

static inline int sys_fsopen(const char *fsname, unsigned int flags)
{
#ifdef SYS_fsopen
  return (int) syscall(SYS_fsopen, fsname, flags);
#else
  (void) fsname;
  (void) flags;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
#ifdef SYS_fsconfig
  return (int) syscall(SYS_fsconfig, fd, cmd, key, value, aux);
#else
  (void) fd;
  (void) cmd;
  (void) key;
  (void) value;
  (void) aux;
  errno = ENOSYS;
  return -1;
#endif
}

static inline int sys_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
#ifdef SYS_fsmount
  return (int) syscall(SYS_fsmount, fd, flags, attr_flags);
#else
  (void) fd;
  (void) flags;
  (void) attr_flags;
  errno = ENOSYS;
  return -1;
#endif
}
