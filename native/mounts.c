/* The container's filesystem view, built inside its own mount namespace.
 *
 * Rule: a path inside the rootfs is never handed to the kernel as a string.
 * It is resolved with openat2(rootfd, path, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so symlinks in the image (even "/etc" or
 * "../../..") stay inside the rootfs, and the mount then targets the
 * resolved fd. A destination beneath a volume (or another bind) is resolved
 * beneath that mount without following any symlink: other containers may
 * write a shared volume, and must not steer where our mounts land.
 *
 * Every bind (the rootfs, volumes, /sys from the host, the read-only /proc
 * entries) is a detached tree, made read-only and private with
 * mount_setattr before move_mount attaches it to the destination fd that
 * was resolved once. No destination is ever looked up a second time, so
 * nothing that changes the tree meanwhile (a symlink raced into a shared
 * volume, CVE-2021-30465) can send a read-only or propagation change to
 * another mount. Host paths (bind sources the engine names, /dev nodes,
 * /sys) come from the engine or are fixed, and are trusted; volume sources
 * come as fds the engine opened and checked. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "helper.h"
#include "syscalls.h"

#define FD_PATH(buf, fd) snprintf((buf), sizeof(buf), "/proc/self/fd/%d", (fd))

int open_in_root(int rootfd, const char *path, int flags, struct error *e)
{
  struct tsbox_open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd = sys_openat2(rootfd, path, &how, sizeof how);
  if (fd < 0)
    return fail(e, "mount", "open `%s` in the rootfs", path);
  return fd;
}

/* Resolve PATH beneath BASE with RESOLVE (RESOLVE_IN_ROOT from the rootfs,
 * or RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS from a mount made before),
 * creating missing components one at a time: directories, and for the last
 * one a directory or an empty file. Each new component is created with
 * mkdirat/openat relative to its parent's fd, which was itself resolved
 * that way, so nothing is ever created outside. Returns an O_PATH fd. */
static int resolve_or_create(int base, const char *path, uint64_t resolve, bool want_dir, struct error *e)
{
  cleanup_free char *buf = strdup(path);
  cleanup_fd int cur = -1; /* the prefix resolved so far; -1 = BASE */
  char *p;

  if (buf == NULL)
    return fail(e, "mount", "strdup");
  for (p = buf;;) {
    char *end, *rest, saved;
    bool last;
    struct tsbox_open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = resolve };
    int fd;

    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    end = p + strcspn(p, "/");
    saved = *end;
    *end = '\0';
    rest = end;
    if (saved != '\0')
      for (rest = end + 1; *rest == '/'; rest++)
        ;
    last = *rest == '\0';

    fd = sys_openat2(base, buf, &how, sizeof how);
    if (fd < 0 && errno == ENOENT) {
      int dirfd = cur >= 0 ? cur : base;
      int r;
      if (!last || want_dir) {
        r = mkdirat(dirfd, p, 0755);
      } else {
        r = openat(dirfd, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
        if (r >= 0)
          r = close(r);
      }
      if (r < 0 && errno != EEXIST)
        return fail(e, "mount", "create `%s` in the rootfs", buf);
      fd = sys_openat2(base, buf, &how, sizeof how);
      if (fd < 0 && errno == ENOENT)
        return failx(e, "mount", "`%s` in the rootfs is a dangling symlink", buf);
    }
    if (fd < 0)
      return fail(e, "mount", "open `%s` in the rootfs", buf);
    if (cur >= 0)
      close(cur);
    cur = fd;
    *end = saved;
    p = end;
  }
  if (cur < 0) {
    cur = fcntl(base, F_DUPFD_CLOEXEC, 3);
    if (cur < 0)
      return fail(e, "mount", "dup rootfs fd");
  }
  return steal_fd(&cur);
}

/* /proc, /sys and /dev of the rootfs: single components that must be real
 * directories. A symlink there (harmless to follow in root, but confusing:
 * proc would land elsewhere) is refused. */
static int open_system_dir(int rootfd, const char *name, struct error *e)
{
  int fd;
  if (mkdirat(rootfd, name, 0755) < 0 && errno != EEXIST)
    return fail(e, "mount", "mkdir `/%s` in the rootfs", name);
  fd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return fail(e, "mount", "`/%s` in the rootfs must be a directory", name);
  return fd;
}

static int mount_on_fd(const char *src, int fd, const char *fstype, unsigned long flags,
                       const char *data, const char *what, struct error *e)
{
  char target[64];
  FD_PATH(target, fd);
  if (mount(src, target, fstype, flags, data) < 0)
    return fail(e, "mount", "mount %s on `%s`", fstype ? fstype : "bind", what);
  return 0;
}

uint64_t bind_attr(const struct mount_entry *m)
{
  return (m->ro ? MOUNT_ATTR_RDONLY : 0) | m->attr;
}

int detached_tree(int fd, bool ro, const char *what, struct error *e)
{
  return detached_tree_attr(fd, ro ? MOUNT_ATTR_RDONLY : 0, what, e);
}

int detached_tree_attr(int fd, uint64_t attr_set, const char *what, struct error *e)
{
  struct tsbox_mount_attr attr = { .attr_set = attr_set, .propagation = MS_PRIVATE };
  bool ro = attr_set & MOUNT_ATTR_RDONLY;
  cleanup_fd int tree = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);

  if (tree < 0)
    return fail(e, "mount", "clone the mount tree of `%s`", what);
  /* Set on the copy while nobody can see it, for every mount in it: a
   * read-only volume is read-only wherever it is attached, and mounts made
   * below a copy of a shared host mount would otherwise propagate back to
   * the host. */
  if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    return fail(e, "mount", "make the mount tree of `%s` %sprivate", what, ro ? "read-only and " : "");
  return steal_fd(&tree);
}

int attach_tree(int tree, int dst, const char *what, struct error *e)
{
  if (sys_move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return fail(e, "mount", "mount `%s`", what);
  return 0;
}

/* FD (resolved once) covered by a read-only copy of its own mount tree. */
static int bind_readonly_onto_itself(int fd, const char *what, struct error *e)
{
  cleanup_fd int tree = detached_tree(fd, true, what, e);
  if (tree < 0)
    return -1;
  return attach_tree(tree, fd, what, e);
}

char *fd_path(int fd, struct error *e)
{
  char link[64];
  char *buf = malloc(PATH_MAX);
  ssize_t n;

  if (buf == NULL) {
    fail(e, "mount", "malloc");
    return NULL;
  }
  FD_PATH(link, fd);
  n = readlink(link, buf, PATH_MAX);
  if (n < 0 || n == PATH_MAX) {
    if (n == PATH_MAX)
      errno = ENAMETOOLONG;
    fail(e, "mount", "read the path of fd %d", fd);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* tmpfs/devpts/mqueue options, with context= only when SELinux enforces. */
static void fs_data(char *buf, size_t len, const char *base, const struct config *c)
{
  if (c->selinux_enforcing && c->mount_label)
    snprintf(buf, len, "%s%scontext=\"%s\"", base, *base ? "," : "", c->mount_label);
  else
    snprintf(buf, len, "%s", base);
}

/* mkdir /dev/NAME in the container's fresh /dev (ours: plain *at() calls are
 * safe there) and mount FSTYPE on it. errno is the mount's on failure. */
static int mount_dev_dir(int dev, const char *name, mode_t mode, const char *source, const char *fstype, unsigned long flags,
                         const char *data, struct error *e)
{
  cleanup_fd int fd = -1;
  char what[32];
  int saved;

  snprintf(what, sizeof what, "/dev/%s", name);
  if (mkdirat(dev, name, mode) < 0)
    return fail(e, "mount", "mkdir `%s`", what);
  fd = openat(dev, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return fail(e, "mount", "open `%s`", what);
  if (mount_on_fd(source, fd, fstype, flags, data, what, e) < 0) {
    saved = errno;
    close(steal_fd(&fd));
    errno = saved;
    return -1;
  }
  return 0;
}

static int setup_dev(int rootfd, const struct config *c, bool in_userns, bool ipc_new, struct error *e)
{
  static const struct {
    const char *name;
    unsigned int major, minor;
  } nodes[] = {
    { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
  };
  static const struct {
    const char *target, *name;
  } links[] = {
    { "pts/ptmx", "ptmx" },           { "/proc/self/fd", "fd" },          { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
  };
  cleanup_fd int mp = -1;
  cleanup_fd int dev = -1;
  cleanup_fd int fd = -1;
  char data[1024];

  mp = open_system_dir(rootfd, "dev", e);
  if (mp < 0)
    return -1;
  /* Not nodev: the device nodes below live on it. */
  fs_data(data, sizeof data, "mode=755,size=65536k", c);
  if (mount_on_fd("tmpfs", mp, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, data, "/dev", e) < 0)
    return -1;
  /* From here on /dev is our fresh tmpfs: nothing from the image is in it,
   * so plain *at() calls relative to its fd are safe. */
  dev = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dev < 0)
    return fail(e, "mount", "open `/dev`");

  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    char host[64];
    /* mknod is refused inside a user namespace (and the node would be
     * useless on a filesystem mounted there); bind the host node instead. */
    if (!in_userns) {
      if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) == 0)
        continue;
      if (errno != EPERM)
        return fail(e, "mount", "mknod `/dev/%s`", nodes[i].name);
    }
    fd = openat(dev, nodes[i].name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
      return fail(e, "mount", "create `/dev/%s`", nodes[i].name);
    snprintf(host, sizeof host, "/dev/%s", nodes[i].name);
    if (mount_on_fd(host, fd, NULL, MS_BIND, NULL, host, e) < 0)
      return -1;
    close(steal_fd(&fd));
  }

  /* newinstance: the container's ptys are its own, not the host's. */
  fs_data(data, sizeof data, "newinstance,ptmxmode=0666,mode=0620", c);
  if (mount_dev_dir(dev, "pts", 0755, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, data, e) < 0)
    return -1;
  char shm_opts[64];
  snprintf(shm_opts, sizeof shm_opts, "mode=1777,size=%llu", (unsigned long long)(c->shm_size ? c->shm_size : 65536ull * 1024));
  fs_data(data, sizeof data, shm_opts, c);
  if (mount_dev_dir(dev, "shm", 01777, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, e) < 0)
    return -1;
  fs_data(data, sizeof data, "", c);
  if (mount_dev_dir(dev, "mqueue", 0755, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, e) < 0) {
    /* mqueue shows the queues of the IPC namespace; a user namespace may
     * only mount it for an IPC namespace it owns. With the host's (or a
     * joined) IPC namespace we leave /dev/mqueue an empty directory. */
    if (ipc_new || errno != EPERM)
      return -1;
  }

  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i].target, dev, links[i].name) < 0)
      return fail(e, "mount", "symlink `/dev/%s`", links[i].name);
  return 0;
}

/* A directory hidden under an empty read-only tmpfs, made as a detached
 * mount (fsopen/fsmount) and attached to FD like every bind. */
static int mask_dir(int fd, const char *what, const struct config *c, struct error *e)
{
  cleanup_fd int fs = sys_fsopen("tmpfs", TSBOX_FSOPEN_CLOEXEC);
  cleanup_fd int mnt = -1;

  if (fs < 0)
    return fail(e, "mount", "fsopen tmpfs to mask `%s`", what);
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
      (c->selinux_enforcing && c->mount_label &&
       sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "context", c->mount_label, 0) < 0) ||
      sys_fsconfig(fs, TSBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fail(e, "mount", "create the tmpfs that masks `%s`", what);
  mnt = sys_fsmount(fs, TSBOX_FSMOUNT_CLOEXEC,
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return fail(e, "mount", "fsmount the tmpfs that masks `%s`", what);
  return attach_tree(mnt, fd, what, e);
}

/* A file hidden under a read-only copy of the container's /dev/null (our
 * fresh /dev, see setup_dev: the node is the one we made), opened once
 * into *DEVNULL. */
static int mask_file(int rootfd, int *devnull, int fd, const char *what, struct error *e)
{
  cleanup_fd int tree = -1;

  if (*devnull < 0 && (*devnull = open_in_root(rootfd, "dev/null", O_PATH, e)) < 0)
    return -1;
  tree = detached_tree(*devnull, true, what, e);
  if (tree < 0)
    return -1;
  return attach_tree(tree, fd, what, e);
}

/* Kernel interfaces a container has no business with: podman's and
 * Docker's masked and read-only paths, together (Docker masks
 * /proc/asound, which podman only makes read-only; podman adds
 * /sys/fs/selinux and /sys/dev/block). Read-only ones are covered by a
 * read-only copy of their own tree; masked directories by an empty
 * read-only tmpfs, masked files by the container's /dev/null (read-only),
 * as runc does. /sys/firmware holds the host's ACPI tables, EFI variables
 * and memory map; powercap's energy counters leak what the host's CPUs run
 * (CVE-2020-8694, Platypus). Missing ones are skipped: they differ by
 * kernel configuration. */
static const char *const readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
static const char *const masked_paths[] = {
  "/proc/acpi",       "/proc/asound",      "/proc/kcore",       "/proc/keys",    "/proc/latency_stats",
  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",    "/sys/firmware",
  "/sys/devices/virtual/powercap",         "/sys/fs/selinux",   "/sys/dev/block",
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* --unmask PATH (security-opt unmask=): a default path left as it is */
static bool unmasked(const struct config *c, const char *path)
{
  if (c->unmask_all)
    return true;
  for (size_t i = 0; i < c->n_unmasks; i++)
    if (strcmp(c->unmasks[i], path) == 0)
      return true;
  return false;
}

int check_unmasks(const struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_unmasks; i++) {
    bool known = false;
    for (size_t j = 0; j < N_OF(readonly_paths); j++)
      known |= strcmp(c->unmasks[i], readonly_paths[j]) == 0;
    for (size_t j = 0; j < N_OF(masked_paths); j++)
      known |= strcmp(c->unmasks[i], masked_paths[j]) == 0;
    if (!known)
      return failx(e, "argv", "--unmask `%s`: not a path the helper masks or makes read-only", c->unmasks[i]);
  }
  return 0;
}

/* PATH hidden: a directory under an empty read-only tmpfs, anything else
 * under /dev/null. Missing: nothing to hide. */
static int mask_one(int rootfd, int *devnull, const char *path, const struct config *c, struct error *e)
{
  cleanup_fd int fd = open_in_root(rootfd, path, O_PATH, e);
  struct stat st;
  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  if (fstat(fd, &st) < 0)
    return fail(e, "mount", "stat `%s`", path);
  return S_ISDIR(st.st_mode) ? mask_dir(fd, path, c, e) : mask_file(rootfd, devnull, fd, path, e);
}

static int mask_paths(int rootfd, const struct config *c, struct error *e)
{
  cleanup_fd int devnull = -1;

  for (size_t i = 0; i < N_OF(readonly_paths); i++) {
    cleanup_fd int fd = -1;
    if (unmasked(c, readonly_paths[i]))
      continue;
    fd = open_in_root(rootfd, readonly_paths[i], O_PATH, e);
    if (fd < 0) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    if (bind_readonly_onto_itself(fd, readonly_paths[i], e) < 0)
      return -1;
  }
  /* --readonly: paths of the container (OCI readonlyPaths), as the defaults */
  for (size_t i = 0; i < c->n_readonly; i++) {
    cleanup_fd int fd = open_in_root(rootfd, c->readonly[i], O_PATH, e);
    if (fd < 0) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    if (bind_readonly_onto_itself(fd, c->readonly[i], e) < 0)
      return -1;
  }
  for (size_t i = 0; i < N_OF(masked_paths); i++)
    if (!unmasked(c, masked_paths[i]) && mask_one(rootfd, &devnull, masked_paths[i], c, e) < 0)
      return -1;
  /* --mask: paths of the container, resolved in it like the rest */
  for (size_t i = 0; i < c->n_masks; i++)
    if (mask_one(rootfd, &devnull, c->masks[i], c, e) < 0)
      return -1;
  return 0;
}

/* The clone of a bind source, made here in the child when the monitor could
 * not (unprivileged: open_tree(OPEN_TREE_CLONE) needs CAP_SYS_ADMIN over the
 * mount namespace it copies from). We are root of our own user namespace,
 * and our mount namespace is a copy of the host's, so the path the
 * monitor's fd named there names the same file here. It has no symlink in
 * it (the kernel's name for the fd), and is re-opened without following
 * any, then checked to be the very object the monitor opened, as the
 * rootfs is. The copy of the tree the kernel gave our namespace keeps the
 * host's mounts locked together, and open_tree clones it recursively, so
 * nothing hidden under a host mount is revealed. */
int clone_bind_source(const struct mount_entry *m, struct error *e)
{
  struct tsbox_open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  cleanup_fd int fd = sys_openat2(AT_FDCWD, m->canon, &how, sizeof how);
  struct stat st, st0;

  if (fd < 0)
    return fail(e, "mount", "open bind source `%s`", m->canon);
  if (fstat(fd, &st) < 0 || fstat(m->src_fd, &st0) < 0)
    return fail(e, "mount", "stat bind source `%s`", m->canon);
  if (st.st_dev != st0.st_dev || st.st_ino != st0.st_ino)
    return failx(e, "mount", "bind source `%s` was replaced during setup", m->canon);
  return detached_tree_attr(fd, bind_attr(m), m->src, e);
}

/* The remainder of DST below PARENT when PARENT's components are the first
 * ones of DST ("" when they are all), else NULL. */
static const char *below(const char *dst, const char *parent)
{
  for (;;) {
    size_t n;
    while (*parent == '/')
      parent++;
    while (*dst == '/')
      dst++;
    if (*parent == '\0')
      return dst;
    n = strcspn(parent, "/");
    if (strncmp(dst, parent, n) != 0 || (dst[n] != '/' && dst[n] != '\0'))
      return NULL;
    parent += n;
    dst += n;
  }
}

/* The mount of TREES[0..i) (binds made so far; -1: none) that DST is
 * deepest beneath, or -1; its remainder in *REST. */
static int enclosing_bind(const struct config *c, const int *trees, size_t i, const char **rest)
{
  int best = -1;
  for (size_t j = 0; j < i; j++) {
    const char *r = trees[j] >= 0 ? below(c->mounts[i].dst, c->mounts[j].dst) : NULL;
    if (r != NULL && (best < 0 || strlen(r) <= strlen(*rest))) {
      best = (int) j;
      *rest = r;
    }
  }
  return best;
}

/* Binds and tmpfs, in argv order. A destination beneath an earlier bind
 * (-v shared:/data -v other:/data/sub) is resolved beneath that mount's
 * root fd with RESOLVE_NO_SYMLINKS: what the shared volume holds (a
 * symlink a sibling container flips) cannot send the mount elsewhere. */
/* A device node at PATH (beneath BASE, resolved with RESOLVE) of the same
 * type, number, mode and owner as the host's node the engine opened: the
 * container's own node on its /dev tmpfs, so a chmod inside changes nothing
 * on the host. Whether it may be opened is the device cgroup's to say. */
static int make_device_node(int base, const char *path, uint64_t resolve, const struct mount_entry *m, struct error *e)
{
  cleanup_free char *dir = strdup(path);
  cleanup_fd int parent = -1;
  const char *parent_path = "";
  struct stat st;
  char *name, *slash;

  if (dir == NULL)
    return fail(e, "mount", "strdup");
  if (fstat(m->src_fd, &st) < 0)
    return fail(e, "mount", "stat device `%s`", m->src);
  name = dir;
  slash = strrchr(dir, '/');
  if (slash != NULL) {
    *slash = '\0';
    name = slash + 1;
    parent_path = dir;
  }
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return failx(e, "mount", "device destination `%s` names no file", m->dst);
  parent = resolve_or_create(base, parent_path, resolve, true, e);
  if (parent < 0)
    return -1;
  if (mknodat(parent, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
    if (errno == EEXIST)
      return failx(e, "mount", "device destination `%s` exists in the container already", m->dst);
    return fail(e, "mount", "mknod `%s`", m->dst);
  }
  if (fchownat(parent, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return fail(e, "mount", "chown `%s`", m->dst);
  return 0;
}

static int user_mounts(int rootfd, const struct config *c, bool in_userns, struct error *e)
{
  cleanup_free int *trees = calloc(c->n_mounts + 1, sizeof *trees); /* the attached trees' roots */
  cleanup_free bool *owned = calloc(c->n_mounts + 1, sizeof *owned);
  int r = 0;

  if (trees == NULL || owned == NULL)
    return fail(e, "mount", "calloc");
  for (size_t i = 0; i < c->n_mounts; i++)
    trees[i] = -1;
  for (size_t i = 0; i < c->n_mounts && r == 0; i++) {
    const struct mount_entry *m = &c->mounts[i];
    const char *rest = m->dst;
    uint64_t resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int base = rootfd, parent = enclosing_bind(c, trees, i, &rest);
    cleanup_fd int dst = -1;
    struct stat st;
    char data[1024];

    if (parent >= 0) {
      base = trees[parent];
      resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    }
    if (m->kind == MOUNT_DEVICE && !in_userns) {
      r = make_device_node(base, rest, resolve, m, e);
      continue;
    }
    if (m->kind != MOUNT_TMPFS && fstat(m->src_fd, &st) < 0) {
      r = fail(e, "mount", "stat `%s`", m->src);
      break;
    }
    dst = resolve_or_create(base, rest, resolve, m->kind == MOUNT_TMPFS || S_ISDIR(st.st_mode), e);
    if (dst < 0) {
      if (parent >= 0 && (errno == ELOOP || errno == EXDEV))
        failx(e, "mount", "the destination `%s` goes through a symlink (or `..`) inside the mount at `%s`: "
              "a destination beneath a volume must be a plain path in it", m->dst, c->mounts[parent].dst);
      r = -1;
      break;
    }
    if (m->kind == MOUNT_TMPFS) {
      fs_data(data, sizeof data, m->data, c);
      r = mount_on_fd("tmpfs", dst, "tmpfs", m->flags, data, m->dst, e);
      continue;
    }
    trees[i] = m->tree_fd;
    if (trees[i] < 0) {
      trees[i] = clone_bind_source(m, e);
      owned[i] = true;
    }
    if (trees[i] < 0 || attach_tree(trees[i], dst, m->dst, e) < 0)
      r = -1;
  }
  for (size_t i = 0; i < c->n_mounts; i++)
    if (owned[i] && trees[i] >= 0)
      close(trees[i]);
  return r;
}

/* The overlay rootfs as a detached mount (fsopen/fsmount), so the root of
 * the mount is an fd we hold rather than a path to look up again.
 *
 * The lower dirs go one by one as `lowerdir+` (Linux 6.8): fsconfig takes
 * string values of at most 256 bytes, and an image of a few layers has
 * longer lowerdir strings than that. Older kernels know no `lowerdir+`
 * (EINVAL on the first one): they get the one `lowerdir` string, which
 * must then fit. */
static int overlay_tree(const struct config *c, struct error *e)
{
  cleanup_fd int fs = sys_fsopen("overlay", TSBOX_FSOPEN_CLOEXEC);
  cleanup_free char *lowers = strdup(c->overlay_lower);
  bool one_by_one = true;
  int mnt;

  if (fs < 0)
    return fail(e, "mount", "fsopen overlay");
  if (lowers == NULL)
    return fail(e, "mount", "strdup");
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "source", "overlay", 0) < 0)
    return fail(e, "mount", "overlay option source");
  char *save = NULL;
  for (char *l = strtok_r(lowers, ":", &save); l != NULL && one_by_one; l = strtok_r(NULL, ":", &save)) {
    if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "lowerdir+", l, 0) == 0)
      continue;
    if (errno != EINVAL || l != lowers)
      return fail(e, "mount", "overlay option lowerdir+=`%s`", l);
    one_by_one = false; /* a kernel before 6.8 */
  }
  if (!one_by_one && sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "lowerdir", c->overlay_lower, 0) < 0) {
    if (errno == EINVAL && strlen(c->overlay_lower) > 255)
      return failx(e, "mount", "overlay lower dirs `%s` are longer than the 255 bytes this kernel takes before Linux 6.8", c->overlay_lower);
    return fail(e, "mount", "overlay option lowerdir=`%s`", c->overlay_lower);
  }
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "upperdir", c->overlay_upper, 0) < 0)
    return fail(e, "mount", "overlay option upperdir=`%s`", c->overlay_upper);
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "workdir", c->overlay_work, 0) < 0)
    return fail(e, "mount", "overlay option workdir=`%s`", c->overlay_work);
  /* layers extracted in a user namespace mark whiteouts with user.overlay.* */
  if (c->overlay_userxattr && sys_fsconfig(fs, TSBOX_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    return fail(e, "mount", "overlay option userxattr");
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    /* the kernel's own words on what is wrong (a lower dir missing, ...)
     * wait in the context's log */
    int err = errno;
    char log[256];
    ssize_t n = read(fs, log, sizeof log - 1);
    log[n > 0 ? n : 0] = '\0';
    errno = err;
    return fail(e, "mount", "mount overlay on `%s`%s%s%s", c->rootfs, n > 0 ? " (" : "", log, n > 0 ? ")" : "");
  }
  mnt = sys_fsmount(fs, TSBOX_FSMOUNT_CLOEXEC, 0);
  if (mnt < 0)
    return fail(e, "mount", "fsmount overlay on `%s`", c->rootfs);
  return mnt;
}

int setup_rootfs(const struct config *c, const struct ns_plan *ns, struct error *e)
{
  cleanup_fd int root = -1;
  cleanup_fd int fd = -1;
  struct stat st, st0;

  /* Our mount namespace is a copy of the host's: make every mount private
   * first, so nothing below (or the final detach of the old root)
   * propagates back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return fail(e, "mount", "make `/` private");

  /* The monitor's rootfs fd belongs to the host's mount namespace; mounts
   * need one from ours. Open the (engine-given, host) path again and check
   * it is still the same directory. */
  fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    /* In a user namespace this runs as the container's root, an
     * unprivileged host uid: say so, or EACCES is a riddle. */
    if (ns->in_userns)
      return fail(e, "mount", "open rootfs `%s` as root of the container's user namespace", c->rootfs);
    return fail(e, "mount", "open rootfs `%s`", c->rootfs);
  }
  if (fstat(fd, &st) < 0 || fstat(c->rootfs_fd, &st0) < 0)
    return fail(e, "mount", "stat rootfs `%s`", c->rootfs);
  if (st.st_dev != st0.st_dev || st.st_ino != st0.st_ino)
    return failx(e, "mount", "rootfs `%s` was replaced during setup", c->rootfs);

  /* The rootfs must be a mount point for pivot_root: overlay it, or bind it
   * onto itself. Either way ROOT is the new mount's root, held as an fd. */
  root = c->overlay_lower ? overlay_tree(c, e) : detached_tree(fd, false, c->rootfs, e);
  if (root < 0 || attach_tree(root, fd, c->rootfs, e) < 0)
    return -1;
  close(steal_fd(&fd));

  fd = open_system_dir(root, "proc", e);
  if (fd < 0 || mount_on_fd("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc", e) < 0)
    return -1;
  close(steal_fd(&fd));
  if (c->n_sysctls > 0) {
    /* the proc just mounted (the fd above is the directory under it) */
    cleanup_fd int proc = openat(root, "proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (proc < 0)
      return fail(e, "mount", "open `/proc`");
    if (apply_sysctls(proc, c, e) < 0)
      return -1;
  }

  fd = open_system_dir(root, "sys", e);
  if (fd < 0)
    return -1;
  /* sysfs shows the network namespace of its mounter, and only the owner
   * of that namespace may mount it. With the host's network (or one we may
   * not mount for): a read-only copy of the host's /sys. */
  bool sysfs = false;
  if (ns->net_new || ns->net_joined) {
    sysfs = mount_on_fd("sysfs", fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys", e) == 0;
    if (!sysfs && (ns->net_new || errno != EPERM))
      return -1;
  }
  if (!sysfs) {
    cleanup_fd int host = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    cleanup_fd int tree = host < 0 ? -1 : detached_tree(host, true, "/sys", e);
    if (host < 0)
      return fail(e, "mount", "open the host's `/sys`");
    if (tree < 0 || attach_tree(tree, fd, "/sys", e) < 0)
      return -1;
  }
  close(steal_fd(&fd));
  if (mount_cgroups(root, c, e) < 0)
    return -1;

  if (setup_dev(root, c, ns->in_userns, ns->ipc_new, e) < 0)
    return -1;
  if (user_mounts(root, c, ns->in_userns, e) < 0)
    return -1;
  if (mask_paths(root, c, e) < 0)
    return -1;

  /* pivot_root(".", ".") stacks the old root on top of the new one; detach
   * it, and the host's tree is gone from this namespace. */
  if (fchdir(root) < 0)
    return fail(e, "pivot", "chdir to the rootfs");
  if (sys_pivot_root(".", ".") < 0)
    return fail(e, "pivot", "pivot_root");
  if (umount2(".", MNT_DETACH) < 0)
    return fail(e, "pivot", "detach the old root");
  if (chdir("/") < 0)
    return fail(e, "pivot", "chdir `/`");

  /* ROOT still names the rootfs mount, now "/" */
  if (c->ro_root) {
    struct tsbox_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    if (sys_mount_setattr(root, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
      return fail(e, "mount", "make `/` read-only");
  }
  return 0;
}
