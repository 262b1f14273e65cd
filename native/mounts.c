/* The container's filesystem view, built inside its own mount namespace.
 *
 * Rule: a path inside the rootfs is never handed to the kernel as a string.
 * It is resolved with openat2(rootfd, path, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so symlinks in the image (even "/etc" or
 * "../../..") stay inside the rootfs, and the mount then targets
 * /proc/self/fd/N of the resolved fd. Host paths (bind sources, /dev nodes,
 * /sys) come from the engine or are fixed, and are trusted. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

/* Resolve PATH inside the rootfs, creating missing components one at a time:
 * directories, and for the last one a directory or an empty file. Each new
 * component is created with mkdirat/openat relative to its parent's fd,
 * which was itself resolved in the root, so nothing is ever created outside
 * the rootfs. Returns an O_PATH fd. */
int resolve_or_create(int rootfd, const char *path, bool want_dir, struct error *e)
{
  cleanup_free char *buf = strdup(path);
  cleanup_fd int cur = -1; /* the prefix resolved so far; -1 = the root */
  char *p;

  if (buf == NULL)
    return fail(e, "mount", "strdup");
  for (p = buf;;) {
    char *end, *rest, saved;
    bool last;
    struct tsbox_open_how how = {
      .flags = O_PATH | O_CLOEXEC,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
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

    fd = sys_openat2(rootfd, buf, &how, sizeof how);
    if (fd < 0 && errno == ENOENT) {
      int dirfd = cur >= 0 ? cur : rootfd;
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
      fd = sys_openat2(rootfd, buf, &how, sizeof how);
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
    cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
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

static int bind_fd_on_fd(int srcfd, int dstfd, bool recursive, const char *what, struct error *e)
{
  char src[64];
  FD_PATH(src, srcfd);
  return mount_on_fd(src, dstfd, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL, what, e);
}

/* Make the mount whose root FD is read-only. mount_setattr() keeps the other
 * (possibly locked, in a user namespace) flags as they are; the remount
 * fallback for old kernels re-applies them from statvfs. */
static int make_readonly_fd(int fd, bool recursive, const char *what, struct error *e)
{
  struct tsbox_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  struct statvfs sv;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  char target[64];

  if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) == 0)
    return 0;
  if (errno != ENOSYS)
    return fail(e, "mount", "make `%s` read-only", what);
  if (fstatvfs(fd, &sv) < 0)
    return fail(e, "mount", "statvfs `%s`", what);
  if (sv.f_flag & ST_NOSUID)
    flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (sv.f_flag & ST_RELATIME)
    flags |= MS_RELATIME;
  if (sv.f_flag & ST_NOATIME)
    flags |= MS_NOATIME;
  FD_PATH(target, fd);
  if (mount(NULL, target, NULL, flags, NULL) < 0)
    return fail(e, "mount", "remount `%s` read-only", what);
  return 0;
}

/* Re-resolve PATH (now crossing into the mount just made on it) and make
 * that mount read-only. No container process exists yet, so nothing can
 * swap the path between the two resolutions. */
static int make_readonly_in_root(int rootfd, const char *path, bool recursive, struct error *e)
{
  cleanup_fd int fd = open_in_root(rootfd, path, O_PATH, e);
  if (fd < 0)
    return -1;
  return make_readonly_fd(fd, recursive, path, e);
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
  fs_data(data, sizeof data, "mode=1777,size=65536k", c);
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

/* runc's defaults: a few /proc entries read-only, a few hidden. */
static int mask_proc(int rootfd, struct error *e)
{
  static const char *const ro[] = { "proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus" };
  static const char *const masked[] = { "proc/kcore", "proc/keys", "proc/timer_list" };

  for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
    cleanup_fd int fd = open_in_root(rootfd, ro[i], O_PATH, e);
    if (fd < 0) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    if (bind_fd_on_fd(fd, fd, true, ro[i], e) < 0 || make_readonly_in_root(rootfd, ro[i], true, e) < 0)
      return -1;
  }
  for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
    cleanup_fd int fd = open_in_root(rootfd, masked[i], O_PATH, e);
    if (fd < 0) {
      if (errno == ENOENT)
        continue;
      return -1;
    }
    if (mount_on_fd("/dev/null", fd, NULL, MS_BIND, NULL, masked[i], e) < 0)
      return -1;
  }
  return 0;
}

/* The clone of a bind source, made here in the child when the monitor could
 * not (unprivileged: open_tree(OPEN_TREE_CLONE) needs CAP_SYS_ADMIN over the
 * mount namespace it copies from). We are root of our own user namespace,
 * and our mount namespace is a copy of the host's, so the engine-given path
 * names the same file here; it is re-opened and checked to be the very
 * object the monitor opened on the host, as the rootfs is. The copy of the
 * tree the kernel gave our namespace keeps the host's mounts locked
 * together, and open_tree clones it recursively, so nothing hidden under a
 * host mount is revealed. */
static int clone_bind_source(const struct mount_entry *m, struct error *e)
{
  cleanup_fd int fd = open(m->src, O_PATH | O_CLOEXEC);
  struct stat st, st0;
  int tree;

  if (fd < 0)
    return fail(e, "mount", "open bind source `%s`", m->src);
  if (fstat(fd, &st) < 0 || fstat(m->src_fd, &st0) < 0)
    return fail(e, "mount", "stat bind source `%s`", m->src);
  if (st.st_dev != st0.st_dev || st.st_ino != st0.st_ino)
    return failx(e, "mount", "bind source `%s` was replaced during setup", m->src);
  tree = sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0)
    return fail(e, "mount", "clone the mount tree of bind source `%s`", m->src);
  return tree;
}

static int user_mounts(int rootfd, const struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct mount_entry *m = &c->mounts[i];
    cleanup_fd int dst = -1;
    cleanup_fd int own_tree = -1;
    int tree = m->tree_fd;
    char data[1024];

    if (m->kind == MOUNT_TMPFS) {
      dst = resolve_or_create(rootfd, m->dst, true, e);
      if (dst < 0)
        return -1;
      fs_data(data, sizeof data, "mode=1777", c);
      if (mount_on_fd("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, data, m->dst, e) < 0)
        return -1;
      continue;
    }

    struct stat st;
    if (fstat(m->src_fd, &st) < 0)
      return fail(e, "mount", "stat `%s`", m->src);
    if (tree < 0) {
      own_tree = clone_bind_source(m, e);
      if (own_tree < 0)
        return -1;
      tree = own_tree;
    }
    dst = resolve_or_create(rootfd, m->dst, S_ISDIR(st.st_mode), e);
    if (dst < 0)
      return -1;
    if (sys_move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      return fail(e, "mount", "bind `%s` on `%s`", m->src, m->dst);
    /* Normally already private (the monitor used mount_setattr, or the
     * child cloned from its tree made private in setup_rootfs); this is for
     * kernels without mount_setattr. */
    close(steal_fd(&dst));
    dst = open_in_root(rootfd, m->dst, O_PATH, e);
    if (dst < 0 || mount_on_fd(NULL, dst, NULL, MS_REC | MS_PRIVATE, NULL, m->dst, e) < 0)
      return -1;
    if (m->ro && make_readonly_in_root(rootfd, m->dst, true, e) < 0)
      return -1;
  }
  return 0;
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
   * onto itself. */
  if (c->overlay_opts) {
    if (mount_on_fd("overlay", fd, "overlay", 0, c->overlay_opts, c->rootfs, e) < 0)
      return -1;
  } else if (bind_fd_on_fd(fd, fd, true, c->rootfs, e) < 0) {
    return -1;
  }
  close(steal_fd(&fd));
  /* Walk the path again to land on the new mount. */
  root = open(c->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0)
    return fail(e, "mount", "open `%s`", c->rootfs);

  fd = open_system_dir(root, "proc", e);
  if (fd < 0 || mount_on_fd("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc", e) < 0)
    return -1;
  close(steal_fd(&fd));

  fd = open_system_dir(root, "sys", e);
  if (fd < 0)
    return -1;
  /* sysfs shows the network namespace of its mounter, and only the owner
   * of that namespace may mount it. With the host's network (or one we may
   * not mount for): a read-only view of the host's /sys. */
  bool sysfs = false;
  if (ns->net_new || ns->net_joined) {
    sysfs = mount_on_fd("sysfs", fd, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/sys", e) == 0;
    if (!sysfs && (ns->net_new || errno != EPERM))
      return -1;
  }
  if (!sysfs && (mount_on_fd("/sys", fd, NULL, MS_BIND | MS_REC, NULL, "/sys", e) < 0 ||
                 make_readonly_in_root(root, "sys", true, e) < 0))
    return -1;
  close(steal_fd(&fd));

  if (setup_dev(root, c, ns->in_userns, ns->ipc_new, e) < 0)
    return -1;
  if (user_mounts(root, c, e) < 0)
    return -1;
  if (mask_proc(root, e) < 0)
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

  if (c->ro_root) {
    fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return fail(e, "mount", "open `/`");
    if (make_readonly_fd(fd, false, "/", e) < 0)
      return -1;
  }
  return 0;
}
