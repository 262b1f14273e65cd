/* `xattr NAME FD...`: read, set and remove the extended attribute NAME
 * (security.selinux: volume labels) of many files in one run, so relabeling
 * a tree costs one process, not two per file. Every file is named by a path
 * beneath one of the root FDs (volume sources the engine opened and
 * checked), never by a host path: see tree.c for how a path is resolved
 * without following a symlink or leaving the root's mount.
 *
 * stdin: operations, each a list of NUL-terminated fields; ROOT is one of
 * the FDs given on argv, PATH is relative to it ("." is ROOT itself)
 *   g ROOT PATH          read
 *   s ROOT PATH VALUE    set
 *   r ROOT PATH          remove
 *   w ROOT               read every file of the tree
 * stdout: NUL-terminated fields, for each operation in order
 *   =VALUE    g: the value, without the NULs a kernel may end it with
 *   -         g: no such attribute (or a filesystem without xattrs);
 *             r: there was none
 *   ok        s, r: done
 *   ?         g, s, r: PATH is not (any more) beneath ROOT: removed,
 *             moved, or a component is now a symlink or a mount point
 *   !MESSAGE  the operation failed (strerror)
 *   w: PATH ANSWER for each file, the root first and parents before
 *      children, ANSWER as for g, or `#` for a mount point (another
 *      filesystem) that was not entered; then an empty field and `ok`, or
 *      `!MESSAGE` when the walk could not go on.
 *
 * The attribute is read and written through /proc/self/fd/N of the entry's
 * own O_PATH fd: the very file that was resolved, and a symlink is labelled
 * itself, never its target. */
#include <stdio.h>
#include <sys/xattr.h>

#include "helper.h"

struct xattr_run {
  const char *name;
  struct tree_root *roots;
  size_t n_roots;
};

static void field(const char *s, size_t len)
{
  fwrite(s, 1, len, stdout);
  putchar('\0');
}

static void put(const char *s)
{
  field(s, strlen(s));
}

static void put_error(int err)
{
  printf("!%s", strerror(err));
  putchar('\0');
}

static bool absent(int err)
{
  return err == ENODATA || err == EOPNOTSUPP;
}

#define FD_PATH(buf, fd) snprintf((buf), sizeof(buf), "/proc/self/fd/%d", (fd))

static void answer_get(int fd, const char *name)
{
  cleanup_free char *buf = NULL;
  char proc[64];
  ssize_t n;

  FD_PATH(proc, fd);
  for (;;) {
    ssize_t size = getxattr(proc, name, NULL, 0);
    char *nbuf;
    if (size < 0) {
      if (absent(errno))
        put("-");
      else
        put_error(errno);
      return;
    }
    nbuf = realloc(buf, (size_t) size + 1);
    if (nbuf == NULL) {
      put_error(errno);
      return;
    }
    buf = nbuf;
    n = getxattr(proc, name, buf, (size_t) size);
    if (n >= 0)
      break;
    if (errno != ERANGE) { /* ERANGE: the value grew meanwhile, ask again */
      put_error(errno);
      return;
    }
  }
  while (n > 0 && buf[n - 1] == '\0')
    n--;
  if (memchr(buf, '\0', (size_t) n) != NULL) {
    put("!the value holds a NUL byte");
    return;
  }
  putchar('=');
  field(buf, (size_t) n);
}

/* The entry at PATH beneath ROOT, or -1 once the answer is printed. */
static int open_entry(const struct tree_root *root, const char *path)
{
  int fd = tree_open(root, path);
  if (fd < 0) {
    if (tree_gone(errno))
      put("?");
    else
      put_error(errno);
  }
  return fd;
}

static int walk_entry(const struct tree_entry *t, void *ctx, struct error *e)
{
  const struct xattr_run *x = ctx;
  (void) e;
  put(t->path);
  answer_get(t->fd, x->name);
  return 0;
}

static void walk_mount_point(const char *path, void *ctx)
{
  (void) ctx;
  put(path);
  put("#");
}

static const struct tree_root *find_root(const struct xattr_run *x, const char *s)
{
  uint64_t v;
  if (!parse_u64(s, 10, INT32_MAX, &v))
    return NULL;
  for (size_t i = 0; i < x->n_roots; i++)
    if (x->roots[i].fd == (int) v)
      return &x->roots[i];
  return NULL;
}

int xattr_main(int argc, char **argv)
{
  cleanup_free char *op = NULL, *rootarg = NULL, *path = NULL, *value = NULL;
  size_t op_cap = 0, root_cap = 0, path_cap = 0, value_cap = 0;
  struct xattr_run x = { 0 };
  struct error e = { 0 };

  if (argc < 4) {
    fputs("usage: tsbox-helper xattr NAME FD... < operations (see native/PROTOCOL.md)\n", stderr);
    return 125;
  }
  x.name = argv[2];
  x.roots = calloc((size_t) argc, sizeof *x.roots);
  if (x.roots == NULL) {
    perror("tsbox-helper xattr: calloc");
    return 125;
  }
  for (int i = 3; i < argc; i++)
    if (tree_root_arg(argv[i], &x.roots[x.n_roots++], &e) < 0) {
      fprintf(stderr, "tsbox-helper xattr: %s\n", e.msg);
      return 125;
    }

  while (getdelim(&op, &op_cap, '\0', stdin) > 0) {
    const struct tree_root *root;
    bool walk = strcmp(op, "w") == 0, set = strcmp(op, "s") == 0;
    cleanup_fd int fd = -1;
    char proc[64];

    if (!walk && !set && strcmp(op, "g") != 0 && strcmp(op, "r") != 0) {
      fprintf(stderr, "tsbox-helper xattr: unknown operation `%s`\n", op);
      return 125;
    }
    if (getdelim(&rootarg, &root_cap, '\0', stdin) <= 0 || (!walk && getdelim(&path, &path_cap, '\0', stdin) <= 0) ||
        (set && getdelim(&value, &value_cap, '\0', stdin) <= 0)) {
      fputs("tsbox-helper xattr: an operation ends before its last field\n", stderr);
      return 125;
    }
    root = find_root(&x, rootarg);
    if (root == NULL) {
      fprintf(stderr, "tsbox-helper xattr: `%s` is not one of the root fds\n", rootarg);
      return 125;
    }
    if (walk) {
      struct tree_walker w = { .entry = walk_entry, .mount_point = walk_mount_point, .ctx = &x };
      int r = tree_walk(root, &w, &e);
      put("");
      if (r < 0)
        printf("!%s%c", e.msg, '\0');
      else
        put("ok");
      continue;
    }
    fd = open_entry(root, path);
    if (fd < 0)
      continue;
    FD_PATH(proc, fd);
    if (op[0] == 'g')
      answer_get(fd, x.name);
    else if (set && setxattr(proc, x.name, value, strlen(value), 0) < 0)
      put_error(errno);
    else if (set)
      put("ok");
    else if (removexattr(proc, x.name) == 0)
      put("ok");
    else if (absent(errno))
      put("-");
    else
      put_error(errno);
  }
  if (ferror(stdin)) {
    perror("tsbox-helper xattr: stdin");
    return 125;
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
