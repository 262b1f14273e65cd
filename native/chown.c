/* `chown UID GID FD...`: the :U volume option. Give every file of each tree
 * (volume sources the engine opened once and checked, see tree.c) to
 * UID:GID, the host ids of the container's user, so it can write there from
 * its user namespace.
 *
 * Each file is changed through its own O_PATH fd (fchownat AT_EMPTY_PATH):
 * a symlink is chowned itself, never its target, and nothing outside the
 * tree can be reached, however the tree changes while we walk it.
 *
 * The kernel clears the set-user-ID and set-group-ID bits of the files it
 * chowns (not of directories), and we leave them cleared: put back, they
 * would make host executables that run as the container's ids (or, without
 * a user namespace, as the host's own uid 0) for whoever can reach the
 * volume. podman does the same.
 *
 * stdout: NUL-terminated fields
 *   # FD PATH              a mount point (another filesystem): not entered
 *   ! FD PATH ERRNO MSG    chowning PATH failed; nothing after it is done
 * Exit 0 when every file is done, 1 after a `!` record, 125 for bad
 * arguments. */
#include <fcntl.h>
#include <stdio.h>

#include "helper.h"

struct chown_run {
  uid_t uid;
  gid_t gid;
  int fd; /* the root being walked, for the records */
};

static void record(const char *kind, int fd, const char *path)
{
  printf("%s%c%d%c%s%c", kind, '\0', fd, '\0', path, '\0');
}

static int chown_entry(const struct tree_entry *t, void *ctx, struct error *e)
{
  const struct chown_run *c = ctx;
  int err;
  if (fchownat(t->fd, "", c->uid, c->gid, AT_EMPTY_PATH) == 0)
    return 0;
  err = errno;
  record("!", c->fd, t->path);
  printf("%d%c%s%c", err, '\0', strerror(err), '\0');
  errno = err;
  return fail(e, "chown", "chown `%s`", t->path);
}

static void chown_mount_point(const char *path, void *ctx)
{
  record("#", ((const struct chown_run *) ctx)->fd, path);
}

int chown_main(int argc, char **argv)
{
  struct chown_run c = { 0 };
  struct error e = { 0 };
  uint64_t uid, gid;

  if (argc < 5) {
    fputs("usage: tsbox-helper chown UID GID FD... (see native/PROTOCOL.md)\n", stderr);
    return 125;
  }
  if (!parse_u64(argv[2], 10, UINT32_MAX - 1, &uid) || !parse_u64(argv[3], 10, UINT32_MAX - 1, &gid)) {
    fprintf(stderr, "tsbox-helper chown: bad uid or gid `%s` `%s`\n", argv[2], argv[3]);
    return 125;
  }
  c.uid = (uid_t) uid;
  c.gid = (gid_t) gid;
  /* every root is checked before any file changes */
  cleanup_free struct tree_root *roots = calloc((size_t) argc, sizeof *roots);
  if (roots == NULL) {
    perror("tsbox-helper chown: calloc");
    return 125;
  }
  for (int i = 4; i < argc; i++)
    if (tree_root_arg(argv[i], &roots[i - 4], &e) < 0) {
      fprintf(stderr, "tsbox-helper chown: %s\n", e.msg);
      return 125;
    }
  for (int i = 0; i < argc - 4; i++) {
    struct tree_walker w = { .entry = chown_entry, .mount_point = chown_mount_point, .ctx = &c };
    c.fd = roots[i].fd;
    if (tree_walk(&roots[i], &w, &e) < 0) {
      /* a failed chown has its record; a walk that failed otherwise gets one */
      if (strcmp(e.stage, "chown") != 0) {
        record("!", c.fd, ".");
        printf("%d%c%s%c", e.err, '\0', e.msg, '\0');
      }
      fflush(stdout);
      return 1;
    }
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
