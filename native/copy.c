/* `copy-stat` and `copy-out`: the container side of `tsbox cp` (the way in
 * is `extract --pid`, extract.c).
 *
 *   copy-stat (--root DIR | --pid N --pid-start T) [--follow] PATH
 *   copy-out  (--root DIR | --pid N --pid-start T) [--name NAME]
 *             [--uid-map C:H:N]... [--gid-map C:H:N]... PATH
 *
 * A container's tree is its owner's: any component of PATH may be a
 * symlink to /etc, `..` or /proc/self/root. PATH resolves with openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS beneath the root (`/`, `..` and
 * absolute targets stop at it; magic links are refused), so whatever the
 * symlinks say, the entry found is one of the container's. Its final
 * component is not followed (copy-out copies a symlink as itself; copy-stat
 * follows it, still inside the root, with --follow).
 *
 * copy-out then walks that entry with tree.c (every step one name from a
 * directory fd we hold, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV): a directory swapped for a symlink while we copy is
 * written as the symlink, never entered, and the walk never leaves the
 * entry's mount (other mounts beneath it are named on stderr and left out).
 * A regular file is read through its own O_PATH fd (/proc/self/fd/N, the
 * same inode), so a device node or FIFO is never opened.
 *
 * copy-out writes a tar stream on stdout: ustar headers, a pax record for
 * what ustar cannot hold (long names, big sizes or ids); NAME (default: the
 * last component of PATH) is the name of the top entry. Owners are
 * translated to the ids the container sees through the maps given
 * (container:host:count, as in /proc/PID/uid_map); a host id outside them
 * is the overflow id 65534, as the kernel shows it. --no-setid writes modes
 * without set-uid and set-gid: a copy onto the host belongs to the caller
 * (root), and a container's set-uid file must not become root's there. Hard links are written
 * as files; sockets are left out (a tar cannot hold them).
 *
 * Exit 0; 1 when PATH does not exist; 125 otherwise, the reason on stderr. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "helper.h"
#include "syscalls.h"

#define NOT_FOUND 1
#define MAX_MAP 340
#define OVERFLOW_ID 65534
#define BLOCK 512
#define CHUNK (256u << 10)

struct id_map {
  uint32_t container, host, count;
};

struct copy_out {
  const char *name;
  mode_t keep; /* the mode bits written: all, or all but set-uid/set-gid (--no-setid) */
  struct id_map uids[MAX_MAP], gids[MAX_MAP];
  size_t n_uids, n_gids;
  char *buf;
};

static int parse_map(const char *s, struct id_map *maps, size_t *n, struct error *e)
{
  unsigned long long c, h, k;
  char tail;
  if (*n == MAX_MAP)
    return failx(e, "argv", "more than %d id map lines", MAX_MAP);
  if (sscanf(s, "%llu:%llu:%llu%c", &c, &h, &k, &tail) != 3 || k == 0 || c + k > UINT32_MAX + 1ULL || h + k > UINT32_MAX + 1ULL)
    return failx(e, "argv", "bad id map `%s` (CONTAINER:HOST:COUNT)", s);
  maps[(*n)++] = (struct id_map) { (uint32_t) c, (uint32_t) h, (uint32_t) k };
  return 0;
}

/* HOST as the container sees it; no maps: the host's own ids */
static uint32_t to_container(const struct id_map *maps, size_t n, uint32_t host)
{
  if (n == 0)
    return host;
  for (size_t i = 0; i < n; i++)
    if (host >= maps[i].host && host - maps[i].host < maps[i].count)
      return maps[i].container + (host - maps[i].host);
  return OVERFLOW_ID;
}

static int open_root(const char *dir, uint64_t pid, uint64_t start, struct error *e)
{
  int fd;
  if (pid != 0)
    return open_pid_root((pid_t) pid, start, e);
  fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd < 0 ? fail(e, "copy", "open `%s`", dir) : fd;
}

static const char *kind(mode_t m)
{
  return S_ISDIR(m) ? "dir" : S_ISREG(m) ? "file" : S_ISLNK(m) ? "symlink" : "other";
}

/* ---- tar ---- */

/* LEN-1 octal digits and a NUL; callers pass only values that fit (the
 * rest have a pax record and a 0 here) */
static void octal(char *field, size_t len, uint64_t v)
{
  field[len - 1] = '\0';
  for (size_t i = len - 1; i-- > 0; v >>= 3)
    field[i] = (char) ('0' + (v & 7));
}

/* "LEN KEY=VALUE\n" appended to PAX (cap bytes), LEN counting itself */
static int pax_add(char *pax, size_t cap, size_t *len, const char *key, const char *value, struct error *e)
{
  size_t body = strlen(key) + strlen(value) + 3, n = body + 1;
  while (snprintf(NULL, 0, "%zu", n) + body != n)
    n = (size_t) snprintf(NULL, 0, "%zu", n) + body;
  if (*len + n + 1 > cap)
    return failx(e, "copy-out", "a name too long for a pax record");
  snprintf(pax + *len, cap - *len, "%zu %s=%s\n", n, key, value);
  *len += n;
  return 0;
}

static void checksum(char *h)
{
  unsigned sum = 0;
  memset(h + 148, ' ', 8);
  for (int i = 0; i < BLOCK; i++)
    sum += (unsigned char) h[i];
  octal(h + 148, 7, sum);
  h[155] = ' ';
}

static int put_header(mode_t keep, const char *name, char type, const struct stat *st, uint32_t uid, uint32_t gid, uint64_t size, const char *link,
                      struct error *e)
{
  char h[BLOCK] = { 0 }, pax[3 * 4096 + 256];
  size_t plen = 0;
  char num[32];
  int64_t mtime = st->st_mtim.tv_sec < 0 ? 0 : st->st_mtim.tv_sec;

  if (strlen(name) >= 100 && pax_add(pax, sizeof pax, &plen, "path", name, e) < 0)
    return -1;
  if (strlen(link) >= 100 && pax_add(pax, sizeof pax, &plen, "linkpath", link, e) < 0)
    return -1;
  if (size > 077777777777ULL) {
    snprintf(num, sizeof num, "%llu", (unsigned long long) size);
    if (pax_add(pax, sizeof pax, &plen, "size", num, e) < 0)
      return -1;
  }
  if (uid > 07777777) {
    snprintf(num, sizeof num, "%u", uid);
    if (pax_add(pax, sizeof pax, &plen, "uid", num, e) < 0)
      return -1;
  }
  if (gid > 07777777) {
    snprintf(num, sizeof num, "%u", gid);
    if (pax_add(pax, sizeof pax, &plen, "gid", num, e) < 0)
      return -1;
  }
  if (plen > 0) {
    char x[BLOCK] = { 0 }, pad[BLOCK] = { 0 };
    strcpy(x, "././@PaxHeader");
    octal(x + 100, 8, 0644);
    octal(x + 108, 8, 0);
    octal(x + 116, 8, 0);
    octal(x + 124, 12, plen);
    octal(x + 136, 12, (uint64_t) mtime);
    x[156] = 'x';
    memcpy(x + 257, "ustar\0" "00", 8);
    checksum(x);
    if (write_all(1, x, BLOCK) < 0 || write_all(1, pax, plen) < 0 || write_all(1, pad, (BLOCK - plen % BLOCK) % BLOCK) < 0)
      return fail(e, "copy-out", "write to stdout");
  }
  /* the ustar fields get what fits; the pax record above says the rest */
  memcpy(h, name, strnlen(name, 99));
  octal(h + 100, 8, st->st_mode & keep);
  octal(h + 108, 8, uid > 07777777 ? 0 : uid);
  octal(h + 116, 8, gid > 07777777 ? 0 : gid);
  octal(h + 124, 12, size > 077777777777ULL ? 0 : size);
  octal(h + 136, 12, (uint64_t) mtime);
  h[156] = type;
  memcpy(h + 157, link, strnlen(link, 99));
  memcpy(h + 257, "ustar\0" "00", 8);
  if (type == '3' || type == '4') {
    octal(h + 329, 8, major(st->st_rdev));
    octal(h + 337, 8, minor(st->st_rdev));
  }
  checksum(h);
  if (write_all(1, h, BLOCK) < 0)
    return fail(e, "copy-out", "write to stdout");
  return 0;
}

/* ST_SIZE bytes of the file at FD (O_PATH), then the block padding; a file
 * that shrank meanwhile is padded with zeros, one that grew is cut, so the
 * stream stays what its header says. */
static int put_data(struct copy_out *c, int fd, const char *name, uint64_t size, struct error *e)
{
  char self[64];
  cleanup_fd int rd = -1;
  uint64_t left = size;

  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  rd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (rd < 0)
    return fail(e, "copy-out", "open `%s` for reading", name);
  while (left > 0) {
    size_t want = left < CHUNK ? (size_t) left : CHUNK;
    ssize_t n = read(rd, c->buf, want);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(e, "copy-out", "read `%s`", name);
    if (n == 0) {
      memset(c->buf, 0, want);
      n = (ssize_t) want;
    }
    if (write_all(1, c->buf, (size_t) n) < 0)
      return fail(e, "copy-out", "write to stdout");
    left -= (uint64_t) n;
  }
  memset(c->buf, 0, BLOCK);
  if (write_all(1, c->buf, (BLOCK - size % BLOCK) % BLOCK) < 0)
    return fail(e, "copy-out", "write to stdout");
  return 0;
}

static int put_entry(const struct tree_entry *t, void *ctx, struct error *e)
{
  struct copy_out *c = ctx;
  const struct stat *st = t->st;
  uint32_t uid = to_container(c->uids, c->n_uids, st->st_uid), gid = to_container(c->gids, c->n_gids, st->st_gid);
  cleanup_free char *name = NULL;
  char link[4097] = "";
  bool top = strcmp(t->path, ".") == 0;
  int r;

  if (S_ISSOCK(st->st_mode)) {
    fprintf(stderr, "tsbox-helper: copy-out: `%s` is a socket, left out\n", t->path);
    return 0;
  }
  r = top ? asprintf(&name, "%s%s", c->name, S_ISDIR(st->st_mode) ? "/" : "")
          : asprintf(&name, "%s/%s%s", c->name, t->path, S_ISDIR(st->st_mode) ? "/" : "");
  if (r < 0) {
    name = NULL;
    return fail(e, "copy-out", "asprintf");
  }
  if (S_ISREG(st->st_mode))
    return put_header(c->keep, name, '0', st, uid, gid, (uint64_t) st->st_size, "", e) < 0 ? -1 : put_data(c, t->fd, name, (uint64_t) st->st_size, e);
  if (S_ISDIR(st->st_mode))
    return put_header(c->keep, name, '5', st, uid, gid, 0, "", e);
  if (S_ISLNK(st->st_mode)) {
    /* the link's own fd (O_PATH | O_NOFOLLOW): its target, read, never followed */
    ssize_t n = readlinkat(t->fd, "", link, sizeof link - 1);
    if (n < 0)
      return fail(e, "copy-out", "readlink `%s`", t->path);
    link[n] = '\0';
    return put_header(c->keep, name, '2', st, uid, gid, 0, link, e);
  }
  return put_header(c->keep, name, S_ISCHR(st->st_mode) ? '3' : S_ISBLK(st->st_mode) ? '4' : '6', st, uid, gid, 0, "", e);
}

static void skip_mount(const char *path, void *ctx)
{
  (void) ctx;
  fprintf(stderr, "tsbox-helper: copy-out: `%s` is another mount, left out\n", path);
}

static int write_tar(int fd, struct copy_out *c, struct error *e)
{
  struct tree_root root = { .fd = fd };
  struct tree_walker w = { .entry = put_entry, .mount_point = skip_mount, .ctx = c };
  struct stat st;
  char end[2 * BLOCK] = { 0 };

  if (fstat(fd, &st) < 0)
    return fail(e, "copy-out", "stat");
  root.dev = st.st_dev;
  if (tree_walk(&root, &w, e) < 0)
    return -1;
  if (write_all(1, end, sizeof end) < 0)
    return fail(e, "copy-out", "write to stdout");
  return 0;
}

int copy_main(int argc, char **argv)
{
  struct error e = { 0 };
  bool out = strcmp(argv[1], "copy-out") == 0, follow = false, has_start = false;
  const char *dir = NULL, *path = NULL;
  uint64_t pid = 0, start = 0;
  cleanup_free struct copy_out *c = calloc(1, sizeof *c);
  cleanup_fd int rootfd = -1, fd = -1;
  int r;

  if (c == NULL) {
    fputs("tsbox-helper: copy: out of memory\n", stderr);
    return 125;
  }
  c->keep = 07777;
  for (int i = 2; i < argc; i++) {
    const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (opt[0] != '-') {
      if (path != NULL || i + 1 != argc)
        goto usage;
      path = opt;
      continue;
    }
    if (strcmp(opt, "--follow") == 0 && !out) {
      follow = true;
      continue;
    }
    if (strcmp(opt, "--no-setid") == 0 && out) {
      c->keep = 01777;
      continue;
    }
    if (val == NULL)
      goto usage;
    i++;
    if (strcmp(opt, "--root") == 0)
      dir = val;
    else if (strcmp(opt, "--pid") == 0 && parse_u64(val, 10, INT32_MAX, &pid) && pid > 0)
      continue;
    else if (strcmp(opt, "--pid-start") == 0 && parse_u64(val, 10, UINT64_MAX, &start))
      has_start = true;
    else if (strcmp(opt, "--name") == 0 && out && val[0] != '\0' && strchr(val, '/') == NULL && strcmp(val, "..") != 0)
      c->name = val;
    else if (strcmp(opt, "--uid-map") == 0 && out) {
      if (parse_map(val, c->uids, &c->n_uids, &e) < 0)
        goto bad;
    } else if (strcmp(opt, "--gid-map") == 0 && out) {
      if (parse_map(val, c->gids, &c->n_gids, &e) < 0)
        goto bad;
    } else
      goto usage;
  }
  if (path == NULL || (dir != NULL) == (pid != 0) || (pid != 0) != has_start)
    goto usage;

  rootfd = open_root(dir, pid, start, &e);
  if (rootfd < 0)
    goto bad;
  r = resolve_in_root(rootfd, path, follow ? 0 : O_NOFOLLOW, "copy", &fd, &e);
  if (r == NOT_FOUND) {
    fprintf(stderr, "tsbox-helper: %s: `%s`: no such file or directory\n", argv[1], path);
    return NOT_FOUND;
  }
  if (r < 0)
    goto bad;
  if (!out) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
      fail(&e, "copy-stat", "stat `%s`", path);
      goto bad;
    }
    printf("%s\n", kind(st.st_mode));
    return fflush(stdout) == 0 ? 0 : 125;
  }
  if (c->name == NULL) {
    const char *slash = strrchr(path, '/');
    c->name = slash ? slash + 1 : path;
    /* `/`, `dir/` or `..` name no entry of their own: the archive's top is `.` */
    if (*c->name == '\0' || strcmp(c->name, "..") == 0)
      c->name = ".";
  }
  c->buf = malloc(CHUNK);
  if (c->buf == NULL) {
    fail(&e, "copy-out", "malloc");
    goto bad;
  }
  r = write_tar(fd, c, &e);
  free(c->buf);
  if (r < 0)
    goto bad;
  return 0;

bad:
  fprintf(stderr, "tsbox-helper: %s: %s\n", argv[1], e.msg);
  return 125;
usage:
  fprintf(stderr, "usage: tsbox-helper copy-stat (--root DIR | --pid N --pid-start T) [--follow] PATH\n"
                  "       tsbox-helper copy-out (--root DIR | --pid N --pid-start T) [--name NAME] [--no-setid] [--uid-map C:H:N]... "
                  "[--gid-map C:H:N]... PATH\n"
                  "(see native/PROTOCOL.md)\n");
  return 125;
}
