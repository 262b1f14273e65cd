/* --cgroup-mount: the container's own cgroups at /sys/fs/cgroup, where the
 * runtimes that size themselves from their limits look (the JVM, Go's
 * GOMAXPROCS and GOMEMLIMIT helpers, Node): each of the container's cgroup
 * directories, bound read-only at /sys/fs/cgroup/NAME on a tmpfs of its
 * own, or, on a pure v2 host, at /sys/fs/cgroup itself. As podman shows
 * them: only the container's subtree of each hierarchy, never a host
 * cgroup, whether or not the container has a cgroup namespace.
 *
 * Read-only is what keeps the limits: a container root could otherwise
 * write its own memory.limit_in_bytes or pids.max (--cgroup-mount-rw, for
 * --privileged, lifts that, as podman does). The sources are engine-given
 * host paths of cgroup directories, opened by the monitor before anything
 * else and refused unless they are on a cgroup filesystem; cgroupfs has no
 * symlinks, so a container that can write its cgroup cannot plant one. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "helper.h"
#include "syscalls.h"

/* In the monitor, on the host: like --bind sources (run.c: open_run_fds),
 * cloned here as root, or by the child when unprivileged. */
int open_cgroup_mounts(struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_cgroup_mounts; i++) {
    struct mount_entry *m = &c->cgroup_mounts[i];
    struct statfs sfs;

    m->ro = !c->cgroup_mounts_rw;
    m->src_fd = open(m->src, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (m->src_fd < 0)
      return fail(e, "cgroup", "open `%s` (--cgroup-mount)", m->src);
    if (fstatfs(m->src_fd, &sfs) < 0)
      return fail(e, "cgroup", "statfs `%s`", m->src);
    if (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)
      return failx(e, "cgroup", "--cgroup-mount `%s` is not a cgroup directory", m->src);
    if (c->unprivileged) {
      m->canon = fd_path(m->src_fd, e);
      if (m->canon == NULL)
        return -1;
      continue;
    }
    m->tree_fd = detached_tree(m->src_fd, m->ro, m->src, e);
    if (m->tree_fd < 0)
      return -1;
  }
  return 0;
}

void close_cgroup_mounts(struct config *c)
{
  for (size_t i = 0; i < c->n_cgroup_mounts; i++) {
    struct mount_entry *m = &c->cgroup_mounts[i];
    if (m->src_fd >= 0)
      close(m->src_fd);
    if (m->tree_fd >= 0)
      close(m->tree_fd);
    m->src_fd = m->tree_fd = -1;
  }
}

static int attach_cgroup(const struct mount_entry *m, int dst, struct error *e)
{
  cleanup_fd int owned = -1;
  int tree = m->tree_fd;

  if (tree < 0 && (tree = owned = clone_bind_source(m, e)) < 0)
    return -1;
  return attach_tree(tree, dst, m->src, e);
}

/* A tmpfs for /sys/fs/cgroup, made read-only once its directories exist. */
static int cgroup_tmpfs(const struct config *c, struct error *e)
{
  cleanup_fd int fs = sys_fsopen("tmpfs", TSBOX_FSOPEN_CLOEXEC);

  if (fs < 0)
    return fail(e, "mount", "fsopen tmpfs for `/sys/fs/cgroup`");
  if (sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
      sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
      (c->selinux_enforcing && c->mount_label &&
       sys_fsconfig(fs, TSBOX_FSCONFIG_SET_STRING, "context", c->mount_label, 0) < 0) ||
      sys_fsconfig(fs, TSBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fail(e, "mount", "create the tmpfs for `/sys/fs/cgroup`");
  int mnt = sys_fsmount(fs, TSBOX_FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0)
    return fail(e, "mount", "fsmount the tmpfs for `/sys/fs/cgroup`");
  return mnt;
}

/* systemd's names for co-mounted controllers: /sys/fs/cgroup/cpu and
 * cpuacct are symlinks to cpu,cpuacct. Our tmpfs holds nothing else. */
static int link_comounted(int dir, const char *name, struct error *e)
{
  cleanup_free char *copy = strdup(name);
  char *save = NULL;

  if (copy == NULL)
    return fail(e, "mount", "strdup");
  if (strchr(name, ',') == NULL)
    return 0;
  for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save))
    if (symlinkat(name, dir, part) < 0 && errno != EEXIST)
      return fail(e, "mount", "symlink `/sys/fs/cgroup/%s`", part);
  return 0;
}

/* In the child, after /sys is mounted and before the masks and pivot_root. */
int mount_cgroups(int rootfd, const struct config *c, struct error *e)
{
  cleanup_fd int dst = -1;
  cleanup_fd int tmp = -1;

  if (c->n_cgroup_mounts == 0)
    return 0;
  /* the /sys we mounted: sysfs has the directory, a copy of the host's /sys
   * has the host's cgroup mounts there, which ours cover */
  dst = open_in_root(rootfd, "sys/fs/cgroup", O_PATH | O_DIRECTORY, e);
  if (dst < 0)
    return -1;
  if (strcmp(c->cgroup_mounts[0].dst, ".") == 0)
    return attach_cgroup(&c->cgroup_mounts[0], dst, e);

  tmp = cgroup_tmpfs(c, e);
  if (tmp < 0 || attach_tree(tmp, dst, "/sys/fs/cgroup", e) < 0)
    return -1;
  /* TMP is the root of the attached tmpfs: ours alone, so plain *at()
   * calls relative to it are safe */
  for (size_t i = 0; i < c->n_cgroup_mounts; i++) {
    const struct mount_entry *m = &c->cgroup_mounts[i];
    cleanup_fd int sub = -1;

    if (mkdirat(tmp, m->dst, 0755) < 0)
      return fail(e, "mount", "mkdir `/sys/fs/cgroup/%s`", m->dst);
    sub = openat(tmp, m->dst, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
      return fail(e, "mount", "open `/sys/fs/cgroup/%s`", m->dst);
    if (attach_cgroup(m, sub, e) < 0 || link_comounted(tmp, m->dst, e) < 0)
      return -1;
  }
  /* the tmpfs alone (not recursive): each hierarchy keeps its own mode */
  struct tsbox_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (sys_mount_setattr(tmp, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
    return fail(e, "mount", "make `/sys/fs/cgroup` read-only");
  return 0;
}
