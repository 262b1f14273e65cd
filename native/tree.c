/* Trees of host files that the engine hands over as O_PATH fds (the sources
 * of :U and :z/:Z volumes, opened once and checked by the engine): opening a
 * path beneath one, and walking one, without ever following a symlink or
 * leaving the root's mount and filesystem.
 *
 * Why this is safe against a tree that changes while we work on it (a
 * container sharing the volume swaps a directory for a symlink to /etc):
 * every step starts from an fd we hold, names one component, and resolves
 * with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV. A symlink is
 * opened as itself (O_PATH | O_NOFOLLOW), never followed; a directory we
 * read is the very inode we opened; a swap can only make us see another
 * entry of the same tree, or lose one. The callers then act on the entry's
 * own fd (fchownat AT_EMPTY_PATH, *xattr on /proc/self/fd/N), not on a
 * name that could be looked up again. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "helper.h"
#include "syscalls.h"

#define BENEATH_ONLY (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

int tree_root_arg(const char *s, struct tree_root *root, struct error *e)
{
  uint64_t v;
  struct stat st;

  if (!parse_u64(s, 10, INT32_MAX, &v) || v < 3)
    return failx(e, "argv", "bad root fd `%s`", s);
  /* A symlink (the engine opens with O_NOFOLLOW) is a tree of one entry,
   * the link itself: everything acts on the entry's own fd. */
  if (fstat((int) v, &st) < 0)
    return fail(e, "argv", "root fd %s", s);
  root->fd = (int) v;
  root->dev = st.st_dev;
  return 0;
}

int tree_open(const struct tree_root *root, const char *path)
{
  struct tsbox_open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = BENEATH_ONLY };
  struct stat st;
  int fd;

  if (strcmp(path, ".") == 0)
    return fcntl(root->fd, F_DUPFD_CLOEXEC, 3);
  if (path[0] == '\0' || path[0] == '/') {
    errno = EINVAL;
    return -1;
  }
  fd = sys_openat2(root->fd, path, &how, sizeof how);
  if (fd < 0)
    return -1;
  /* NO_XDEV keeps us on the root's mount; another filesystem on the same
   * mount (a btrfs subvolume) is left alone too, as the walk leaves it. */
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  if (st.st_dev != root->dev) {
    close(fd);
    errno = EXDEV;
    return -1;
  }
  return fd;
}

bool tree_gone(int err)
{
  /* ENOENT/ENOTDIR: removed or moved; ELOOP: a component is a symlink now;
   * EXDEV: something is mounted there now. */
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EXDEV;
}

struct walk {
  const struct tree_walker *w;
  dev_t dev;
  char *path; /* relative to the root; "." for the root itself */
  size_t cap;
};

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

static void free_names(char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* The names in directory DIRFD (O_PATH), sorted: read all at once so that
 * only one fd per level stays open while we descend. */
static int read_names(int dirfd, const char *path, char ***out, size_t *count, struct error *e)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *d;
  DIR *dir;

  if (fd < 0)
    return fail(e, "walk", "open directory `%s`", path);
  dir = fdopendir(fd);
  if (dir == NULL) {
    close(fd);
    return fail(e, "walk", "read directory `%s`", path);
  }
  for (errno = 0; (d = readdir(dir)) != NULL; errno = 0) {
    if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
      continue;
    if (n == cap) {
      char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
      if (more == NULL)
        goto oom;
      names = more;
    }
    if ((names[n] = strdup(d->d_name)) == NULL)
      goto oom;
    n++;
  }
  if (errno != 0) {
    fail(e, "walk", "read directory `%s`", path);
    closedir(dir);
    free_names(names, n);
    return -1;
  }
  closedir(dir);
  qsort(names, n, sizeof *names, cmp_names);
  *out = names;
  *count = n;
  return 0;
oom:
  fail(e, "walk", "read directory `%s`", path);
  closedir(dir);
  free_names(names, n);
  return -1;
}

/* PATH (LEN bytes, 0 at the root) + "/" + NAME, in the walk's buffer. */
static int path_append(struct walk *k, size_t len, const char *name, size_t *newlen, struct error *e)
{
  size_t n = strlen(name), need = len + 1 + n + 1;
  if (need > k->cap) {
    char *p = realloc(k->path, need * 2);
    if (p == NULL)
      return fail(e, "walk", "realloc");
    k->path = p;
    k->cap = need * 2;
  }
  if (len > 0)
    k->path[len++] = '/';
  memcpy(k->path + len, name, n + 1);
  *newlen = len + n;
  return 0;
}

static int walk_dir(struct walk *k, int dirfd, size_t len, struct error *e)
{
  char **names = NULL;
  size_t n = 0;
  int r = 0;

  if (read_names(dirfd, len ? k->path : ".", &names, &n, e) < 0)
    return -1;
  for (size_t i = 0; i < n && r == 0; i++) {
    struct tsbox_open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = BENEATH_ONLY };
    cleanup_fd int fd = -1;
    struct stat st;
    size_t sub = 0;

    if (path_append(k, len, names[i], &sub, e) < 0) {
      r = -1;
      break;
    }
    /* One name, from the directory we hold: a symlink comes back as
     * itself, a mount point as EXDEV. */
    fd = sys_openat2(dirfd, names[i], &how, sizeof how);
    if (fd < 0 && errno == ENOENT)
      continue; /* removed since we read the directory */
    if (fd < 0 && errno == EXDEV) {
      k->w->mount_point(k->path, k->w->ctx);
      continue;
    }
    if (fd < 0 || fstat(fd, &st) < 0) {
      r = fail(e, "walk", "open `%s`", k->path);
      break;
    }
    if (st.st_dev != k->dev) {
      k->w->mount_point(k->path, k->w->ctx);
      continue;
    }
    struct tree_entry t = { .path = k->path, .fd = fd, .st = &st };
    r = k->w->entry(&t, k->w->ctx, e);
    if (r == 0 && S_ISDIR(st.st_mode))
      r = walk_dir(k, fd, sub, e);
  }
  free_names(names, n);
  k->path[len] = '\0';
  return r;
}

int tree_walk(const struct tree_root *root, const struct tree_walker *w, struct error *e)
{
  struct walk k = { .w = w, .dev = root->dev };
  struct stat st;
  int r;

  k.cap = 256;
  k.path = malloc(k.cap);
  if (k.path == NULL)
    return fail(e, "walk", "malloc");
  if (fstat(root->fd, &st) < 0) {
    free(k.path);
    return fail(e, "walk", "stat the root");
  }
  struct tree_entry t = { .path = ".", .fd = root->fd, .st = &st };
  r = w->entry(&t, w->ctx, e);
  k.path[0] = '\0';
  if (r == 0 && S_ISDIR(st.st_mode))
    r = walk_dir(&k, root->fd, 0, e);
  free(k.path);
  return r;
}
