/* --idmap DST: a volume shown through the container's user namespace
 * (mount_setattr MOUNT_ATTR_IDMAP, Linux 5.12; ext4, xfs, btrfs, tmpfs 6.3).
 *
 * Without it, a container whose root is host uid 100000 sees a host
 * directory's files as nobody (their owners are outside its map), and what
 * it writes there is owned by 100000 and up. Through an idmapped mount the
 * file owned by host uid N is shown as container uid N, and container uid N
 * writes host uid N: the volume keeps its host owners, and nothing is
 * chowned. The container's processes stay unprivileged host uids; only
 * files on this mount carry the ids they would have without a user
 * namespace (so container root writes root-owned files there: podman's
 * `:idmap` has the same meaning, and the engine asks for it only when told).
 *
 * Who does what, and why it is safe:
 * - The kernel lets only a holder of CAP_SYS_ADMIN over the filesystem's
 *   user namespace (the host's, for ext4) idmap a mount, and only a mount
 *   nobody sees yet (a detached clone). So the monitor, root on the host,
 *   clones the volume from the fd the engine opened and checked, exactly as
 *   for a plain bind (run.c: open_run_fds), and sets the idmap on the clone.
 * - The map is the container's own user namespace, taken from its init
 *   (/proc/PID/ns/user, opened through the monitor's /proc) after the
 *   engine has written uid_map and gid_map: the kernel copies the maps into
 *   the mount then, and refuses a namespace without them.
 * - The clone goes to the child over a socketpair made before clone3; the
 *   child attaches it like any other tree (mounts.c: user_mounts). It is
 *   read-only when asked and private, as every bind is. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>

#include "helper.h"
#include "syscalls.h"

bool idmap_wanted(const struct config *c)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    if (c->mounts[i].idmap)
      return true;
  return false;
}

/* The cases where there is no map of the container's own to show, or nobody
 * who may make the mount: refused before anything is created. */
int idmap_check(const struct config *c, bool joins_userns, struct error *e)
{
  if (!idmap_wanted(c))
    return 0;
  if (c->unprivileged)
    return failx(e, "argv", "--idmap needs root on the host: only a holder of CAP_SYS_ADMIN over the volume's filesystem may idmap a mount");
  if (!(c->ns_flags & CLONE_NEWUSER) || joins_userns)
    return failx(e, "argv", "--idmap needs a user namespace of the container's own (--userns), whose maps it shows");
  if (c->userns_block_fd < 0)
    return failx(e, "argv", "--idmap needs --userns-block-fd: the mount takes the id maps, which must be written first");
  return 0;
}

/* In the monitor, after the engine wrote the id maps, before the release. */
int idmap_send_trees(const struct config *c, int procfd, pid_t pid, int sock, struct error *e)
{
  char ns[32];
  cleanup_fd int userns = -1;

  snprintf(ns, sizeof ns, "%d/ns/user", (int) pid);
  userns = openat(procfd, ns, O_RDONLY | O_CLOEXEC);
  if (userns < 0)
    return fail(e, "mount", "open the container's user namespace (/proc/%d/ns/user)", (int) pid);
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct mount_entry *m = &c->mounts[i];
    struct tsbox_mount_attr attr = {
      .attr_set = MOUNT_ATTR_IDMAP | (m->ro ? MOUNT_ATTR_RDONLY : 0),
      .propagation = MS_PRIVATE,
      .userns_fd = (uint64_t) userns,
    };
    cleanup_fd int tree = -1;

    if (!m->idmap)
      continue;
    tree = sys_open_tree(m->src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0)
      return fail(e, "mount", "clone the mount tree of `%s`", m->src);
    /* EINVAL: a filesystem in the tree the kernel cannot idmap (or a
     * kernel before 5.12 without it at all) */
    if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
      if (errno == EINVAL)
        return failx(e, "mount", "cannot idmap `%s`: its filesystem (or one mounted below it) does not support idmapped mounts on this kernel; "
                     "drop :idmap for it", m->src);
      return fail(e, "mount", "idmap the mount tree of `%s`", m->src);
    }
    if (send_fd(sock, tree, "mount", "an idmapped volume", e) < 0)
      return -1;
  }
  return 0;
}

/* In the child, after the release: the trees, in the order of the mounts. */
int idmap_receive_trees(struct config *c, int sock, struct error *e)
{
  for (size_t i = 0; i < c->n_mounts; i++) {
    struct mount_entry *m = &c->mounts[i];
    if (!m->idmap)
      continue;
    m->tree_fd = recv_fd(sock, "mount", "an idmapped volume", e);
    if (m->tree_fd < 0)
      return -1;
  }
  return 0;
}
