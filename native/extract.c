/* `extract --root DIR [--userxattr]`: write the entries of an image layer
 * (or an imported rootfs archive) into DIR, confined to it.
 *
 * The engine parses the tar stream (src/engine/tarcheck.ts's reader) and
 * sends us what each entry is as records on stdin (native/PROTOCOL.md,
 * `extract`); here nothing is parsed but those fixed records. Whatever a
 * layer says (`../x`, `/etc/shadow`, a symlink to `/` and then a write
 * through it, a hard link to a host file), nothing outside DIR can be
 * reached, for two reasons that each suffice:
 *
 *  - we chroot into DIR before reading the first record, as
 *    containers/storage's chrootarchive does: `/` and `..` of every lookup
 *    stop at DIR, and so does an absolute symlink target;
 *  - every name is resolved with openat2(RESOLVE_IN_ROOT |
 *    RESOLVE_NO_MAGICLINKS) beneath DIR's fd to its parent directory, and
 *    the entry is made relative to that fd under its last component alone
 *    (never `.` or `..`), without following a final symlink.
 *
 * DIR is a staging directory of the engine's, which only root (or the
 * rootless caller) can reach: nothing races with us in it. With
 * `--pid N --pid-start T` the root is a running container's
 * (/proc/N/root, for `tsbox cp` into it), whose processes may swap any
 * directory for a symlink while we write: each name is resolved again,
 * beneath the root, so a swap can only send an entry elsewhere inside it.
 *
 * Owners are set as given: root's are the host's ids; a rootless caller
 * runs us as root of its own user namespace, so the image's ids land on
 * its subordinate ids (an id it does not map is an error, as in podman).
 * Device nodes need CAP_MKNOD in the host's namespace; without it they are
 * skipped and counted (the kernel refuses them in a user namespace, and so
 * would a rootless container). Whiteouts are overlayfs's: a 0/0 character
 * device (allowed in a user namespace since Linux 5.8), and an opaque
 * directory has trusted.overlay.opaque=y (user.overlay.opaque with
 * --userxattr, for a rootless overlay mounted with `userxattr`). A layer's
 * own overlay xattrs are refused: they would steer the overlay mount
 * (redirects, metacopy) at other layers' files.
 *
 * stdout at the end: `ok FILES SKIPPED_DEVICES SKIPPED_XATTRS`. Exit 0, or
 * 125 with `tsbox-helper: extract: MSG` on stderr (the entry named). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "helper.h"
#include "syscalls.h"

#define MAX_NAME 4096
#define MAX_XATTRS (1u << 20)
#define CHUNK (256u << 10)

/* One record's fixed part, in the engine's (our) byte order. */
struct record {
  uint8_t type; /* f d l h c b p w o */
  uint8_t pad[3];
  uint32_t mode; /* permission bits, 07777 */
  uint32_t uid, gid;
  uint64_t size; /* bytes of file data after the names ('f' only) */
  int64_t mtime;
  uint32_t major, minor;
  uint32_t path_len, link_len, xattr_len;
  uint32_t pad2;
};
_Static_assert(sizeof(struct record) == 56, "the engine writes 56-byte records");

struct dir_time {
  char *path;
  int64_t mtime;
};

struct extract {
  int root;
  const char *opaque_xattr;
  uint64_t files, skipped_devices, skipped_xattrs;
  struct dir_time *dirs; /* directory mtimes, set at the end: entries made in them change it */
  size_t n_dirs, cap_dirs;
  char *buf;
};

static int read_exact(void *buf, size_t len, const char *what, struct error *e)
{
  ssize_t n = read_full(0, buf, len);
  if (n < 0)
    return fail(e, "extract", "read %s", what);
  if ((size_t) n != len)
    return failx(e, "extract", "the input ends inside %s", what);
  return 0;
}

/* PATH's parent directory (an O_PATH fd beneath the root) and its last
 * component. Missing directories on the way are made 0755 (layers need not
 * list them). */
static int open_parent(struct extract *x, const char *path, int depth, struct error *e)
{
  struct tsbox_open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  cleanup_free char *parent = NULL;
  const char *slash = strrchr(path, '/');
  int fd;

  if (slash == NULL || slash == path) {
    fd = fcntl(x->root, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? fail(e, "extract", "dup") : fd;
  }
  parent = strndup(path, (size_t) (slash - path));
  if (parent == NULL)
    return fail(e, "extract", "strndup");
  for (int tries = 0; tries < 2; tries++) {
    fd = sys_openat2(x->root, parent, &how, sizeof how);
    if (fd >= 0)
      return fd;
    if (errno != ENOENT || depth > 512)
      break;
    /* make the missing directory in its own parent, and look again */
    cleanup_fd int gp = open_parent(x, parent, depth + 1, e);
    const char *base = strrchr(parent, '/');
    base = base ? base + 1 : parent;
    if (gp < 0)
      return -1;
    if (strcmp(base, "..") == 0 || strcmp(base, ".") == 0)
      break;
    if (mkdirat(gp, base, 0755) < 0 && errno != EEXIST)
      return fail(e, "extract", "mkdir `%s`", parent);
  }
  if (errno == ENOENT)
    return failx(e, "extract", "`%s` leads through a symlink to a directory that is not there", path);
  if (errno == ELOOP)
    return failx(e, "extract", "`%s` leads through a magic link or a symlink loop", path);
  return fail(e, "extract", "open the directory of `%s`", path);
}

static const char *last_component(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* Remove NAME beneath DIR, a whole tree if it is a directory; never
 * following a symlink. */
static int remove_at(int dir, const char *name, struct error *e)
{
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : fail(e, "extract", "stat `%s`", name);
  if (S_ISDIR(st.st_mode)) {
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    struct dirent *de;
    int r = 0;
    if (d == NULL) {
      if (fd >= 0)
        close(fd);
      return fail(e, "extract", "open directory `%s` to replace it", name);
    }
    while (r == 0 && (de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
        r = remove_at(dirfd(d), de->d_name, e);
    closedir(d);
    if (r < 0)
      return -1;
    if (unlinkat(dir, name, AT_REMOVEDIR) < 0)
      return fail(e, "extract", "remove directory `%s`", name);
    return 0;
  }
  if (unlinkat(dir, name, 0) < 0)
    return fail(e, "extract", "remove `%s`", name);
  return 0;
}

static bool overlay_xattr(const char *name)
{
  return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

/* XATTRS: [u32 name_len][u32 value_len][name][value]... set on FD (a file or
 * directory opened for it). Names the filesystem or our privilege does not
 * take (EPERM, EOPNOTSUPP) are counted, not fatal. */
static int set_xattrs(struct extract *x, int fd, const char *path, const char *xattrs, size_t len, struct error *e)
{
  size_t off = 0;
  while (off < len) {
    uint32_t nl, vl;
    char name[256];
    if (len - off < 8)
      return failx(e, "extract", "`%s`: a malformed xattr list", path);
    memcpy(&nl, xattrs + off, 4);
    memcpy(&vl, xattrs + off + 4, 4);
    off += 8;
    if (nl == 0 || nl >= sizeof name || vl > len - off || nl > len - off - vl)
      return failx(e, "extract", "`%s`: a malformed xattr list", path);
    memcpy(name, xattrs + off, nl);
    name[nl] = '\0';
    if (memchr(name, '\0', nl) != NULL)
      return failx(e, "extract", "`%s`: an xattr name with a NUL", path);
    if (overlay_xattr(name))
      return failx(e, "extract", "`%s` carries the overlay xattr `%s`, which only tsbox sets", path, name);
    if (fsetxattr(fd, name, xattrs + off + nl, vl, 0) < 0) {
      if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOTSUP)
        return fail(e, "extract", "set xattr `%s` of `%s`", name, path);
      x->skipped_xattrs++;
    }
    off += nl + vl;
  }
  return 0;
}

/* Owner, mode, time of what FD is (file or directory); chown first, since
 * it clears the set-id bits. */
static int set_meta(int fd, const struct record *r, const char *path, struct error *e)
{
  if (fchown(fd, r->uid, r->gid) < 0) {
    if (errno == EINVAL)
      return failx(e, "extract", "`%s` belongs to uid %u gid %u, which this user namespace does not map", path, r->uid, r->gid);
    return fail(e, "extract", "chown `%s`", path);
  }
  if (fchmod(fd, r->mode & 07777) < 0)
    return fail(e, "extract", "chmod `%s`", path);
  return 0;
}

static int set_time(int fd, const char *name, int flags, int64_t mtime, const char *path, struct error *e)
{
  struct timespec ts[2] = { { .tv_sec = mtime, .tv_nsec = 0 }, { .tv_sec = mtime, .tv_nsec = 0 } };
  if (utimensat(fd, name, ts, flags) < 0)
    return fail(e, "extract", "set the time of `%s`", path);
  return 0;
}

static int copy_data(struct extract *x, int fd, uint64_t size, const char *path, struct error *e)
{
  while (size > 0) {
    size_t n = size < CHUNK ? (size_t) size : CHUNK;
    if (read_exact(x->buf, n, "a file's data", e) < 0)
      return -1;
    if (write_all(fd, x->buf, n) < 0)
      return fail(e, "extract", "write `%s`", path);
    size -= n;
  }
  return 0;
}

static int remember_dir(struct extract *x, const char *path, int64_t mtime, struct error *e)
{
  if (x->n_dirs == x->cap_dirs) {
    size_t cap = x->cap_dirs ? x->cap_dirs * 2 : 64;
    struct dir_time *d = realloc(x->dirs, cap * sizeof *d);
    if (d == NULL)
      return fail(e, "extract", "realloc");
    x->dirs = d;
    x->cap_dirs = cap;
  }
  x->dirs[x->n_dirs].path = strdup(path);
  if (x->dirs[x->n_dirs].path == NULL)
    return fail(e, "extract", "strdup");
  x->dirs[x->n_dirs++].mtime = mtime;
  return 0;
}

/* Replace whatever NAME is in DIR unless it is a directory and KEEP_DIR. */
static int clear_place(int dir, const char *name, bool keep_dir, struct error *e)
{
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : fail(e, "extract", "stat `%s`", name);
  if (keep_dir && S_ISDIR(st.st_mode))
    return 0;
  return remove_at(dir, name, e);
}

static int apply(struct extract *x, const struct record *r, const char *path, const char *link, const char *xattrs, struct error *e)
{
  cleanup_fd int dir = -1, fd = -1;
  const char *name = last_component(path);

  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    if (r->type == 'd' && (strcmp(path, ".") == 0 || *path == '\0'))
      return 0; /* the root itself: DIR keeps its own owner and mode */
    return failx(e, "extract", "`%s` does not name an entry", path);
  }
  dir = open_parent(x, path, 0, e);
  if (dir < 0)
    return -1;

  switch (r->type) {
  case 'd':
  case 'o':
    if (clear_place(dir, name, true, e) < 0)
      return -1;
    if (mkdirat(dir, name, r->type == 'o' ? 0755 : 0700) < 0 && errno != EEXIST)
      return fail(e, "extract", "mkdir `%s`", path);
    fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return fail(e, "extract", "open directory `%s`", path);
    if (r->type == 'o') {
      if (fsetxattr(fd, x->opaque_xattr, "y", 1, 0) < 0)
        return fail(e, "extract", "mark `%s` opaque (%s)", path, x->opaque_xattr);
      return 0;
    }
    if (set_meta(fd, r, path, e) < 0 || set_xattrs(x, fd, path, xattrs, r->xattr_len, e) < 0)
      return -1;
    return remember_dir(x, path, r->mtime, e);
  case 'f':
    if (clear_place(dir, name, false, e) < 0)
      return -1;
    fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return fail(e, "extract", "create `%s`", path);
    if (copy_data(x, fd, r->size, path, e) < 0 || set_meta(fd, r, path, e) < 0 || set_xattrs(x, fd, path, xattrs, r->xattr_len, e) < 0)
      return -1;
    x->files++;
    return set_time(fd, "", AT_EMPTY_PATH, r->mtime, path, e);
  case 'l':
    if (clear_place(dir, name, false, e) < 0)
      return -1;
    if (symlinkat(link, dir, name) < 0)
      return fail(e, "extract", "symlink `%s`", path);
    if (fchownat(dir, name, r->uid, r->gid, AT_SYMLINK_NOFOLLOW) < 0)
      return fail(e, "extract", "chown symlink `%s`", path);
    return set_time(dir, name, AT_SYMLINK_NOFOLLOW, r->mtime, path, e);
  case 'h': {
    /* the target, resolved beneath the root as any other name */
    cleanup_fd int tdir = open_parent(x, link, 0, e);
    const char *tname = last_component(link);
    if (tdir < 0)
      return -1;
    if (*tname == '\0' || strcmp(tname, ".") == 0 || strcmp(tname, "..") == 0)
      return failx(e, "extract", "hard link `%s` to `%s`: not a file", path, link);
    if (clear_place(dir, name, false, e) < 0)
      return -1;
    /* flags 0: a final symlink is linked itself, never followed */
    if (linkat(tdir, tname, dir, name, 0) < 0)
      return fail(e, "extract", "hard link `%s` to `%s`", path, link);
    x->files++;
    return 0;
  }
  case 'c':
  case 'b':
  case 'p':
  case 'w': {
    mode_t kind = r->type == 'b' ? S_IFBLK : r->type == 'p' ? S_IFIFO : S_IFCHR;
    dev_t dev = r->type == 'w' || r->type == 'p' ? 0 : makedev(r->major, r->minor);
    if (clear_place(dir, name, false, e) < 0)
      return -1;
    if (mknodat(dir, name, kind | (r->type == 'w' ? 0 : (r->mode & 07777)), dev) < 0) {
      if (errno == EPERM && (r->type == 'c' || r->type == 'b')) {
        x->skipped_devices++;
        return 0;
      }
      return fail(e, "extract", "%s `%s`", r->type == 'w' ? "whiteout" : "mknod", path);
    }
    if (r->type == 'w')
      return 0;
    if (fchownat(dir, name, r->uid, r->gid, AT_SYMLINK_NOFOLLOW) < 0)
      return fail(e, "extract", "chown `%s`", path);
    /* not opened: opening a FIFO or device has effects */
    if (fchmodat(dir, name, r->mode & 07777, 0) < 0)
      return fail(e, "extract", "chmod `%s`", path);
    return set_time(dir, name, AT_SYMLINK_NOFOLLOW, r->mtime, path, e);
  }
  default:
    return failx(e, "extract", "unknown record type %u for `%s`", r->type, path);
  }
}

static int set_dir_times(struct extract *x, struct error *e)
{
  struct tsbox_open_how how = { .flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  for (size_t i = x->n_dirs; i-- > 0;) {
    cleanup_fd int fd = sys_openat2(x->root, x->dirs[i].path, &how, sizeof how);
    if (fd < 0)
      continue; /* replaced by a later entry */
    if (set_time(fd, "", AT_EMPTY_PATH, x->dirs[i].mtime, x->dirs[i].path, e) < 0)
      return -1;
  }
  return 0;
}

static int run_extract(struct extract *x, struct error *e)
{
  for (;;) {
    struct record r;
    cleanup_free char *path = NULL, *link = NULL, *xattrs = NULL;
    ssize_t n = read_full(0, &r, sizeof r);
    if (n == 0)
      break;
    if (n < 0)
      return fail(e, "extract", "read a record");
    if ((size_t) n != sizeof r)
      return failx(e, "extract", "the input ends inside a record");
    if (r.path_len == 0 || r.path_len > MAX_NAME || r.link_len > MAX_NAME || r.xattr_len > MAX_XATTRS)
      return failx(e, "extract", "a record with lengths out of range (path %u, link %u, xattrs %u)", r.path_len, r.link_len, r.xattr_len);
    if (r.size != 0 && r.type != 'f')
      return failx(e, "extract", "data on a record of type `%c`", r.type);
    path = calloc(1, r.path_len + 1);
    link = calloc(1, r.link_len + 1);
    xattrs = malloc(r.xattr_len + 1);
    if (path == NULL || link == NULL || xattrs == NULL)
      return fail(e, "extract", "calloc");
    if (read_exact(path, r.path_len, "a name", e) < 0 || read_exact(link, r.link_len, "a link target", e) < 0 ||
        read_exact(xattrs, r.xattr_len, "an xattr list", e) < 0)
      return -1;
    if (strlen(path) != r.path_len || strlen(link) != r.link_len)
      return failx(e, "extract", "a name with a NUL in it");
    if ((r.type == 'l' || r.type == 'h') && r.link_len == 0)
      return failx(e, "extract", "`%s`: a link without a target", path);
    if (apply(x, &r, path, link, xattrs, e) < 0)
      return -1;
  }
  return set_dir_times(x, e);
}

int extract_main(int argc, char **argv)
{
  struct error e = { 0 };
  struct extract x = { .root = -1, .opaque_xattr = "trusted.overlay.opaque" };
  const char *dir = NULL;
  uint64_t pid = 0, start = 0;
  bool has_start = false, bad = false;
  int r;

  for (int i = 2; i < argc && !bad; i++) {
    if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc)
      bad = !parse_u64(argv[++i], 10, INT32_MAX, &pid) || pid == 0;
    else if (strcmp(argv[i], "--pid-start") == 0 && i + 1 < argc)
      bad = !(has_start = parse_u64(argv[++i], 10, UINT64_MAX, &start));
    else if (strcmp(argv[i], "--userxattr") == 0)
      x.opaque_xattr = "user.overlay.opaque";
    else
      bad = true;
  }
  if (bad || (dir != NULL) == (pid != 0) || (pid != 0) != has_start) {
    fputs("usage: tsbox-helper extract (--root DIR | --pid N --pid-start T) [--userxattr] < RECORDS (see native/PROTOCOL.md)\n", stderr);
    return 125;
  }
  x.buf = malloc(CHUNK);
  if (x.buf == NULL) {
    fprintf(stderr, "tsbox-helper: extract: out of memory\n");
    return 125;
  }
  umask(0);
  /* --pid: a running container's root (`tsbox cp` into it), its mounts
   * included; every name still resolves beneath it, as in DIR */
  x.root = pid != 0 ? open_pid_root((pid_t) pid, start, &e) : open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (x.root < 0 && pid != 0)
    r = -1;
  else if (x.root < 0)
    r = fail(&e, "extract", "open `%s`", dir);
  else if (fchdir(x.root) < 0)
    r = fail(&e, "extract", "chdir to `%s`", dir);
  else if (chroot(".") < 0)
    r = fail(&e, "extract", "chroot into `%s`", dir);
  else
    r = run_extract(&x, &e);
  if (r < 0) {
    fprintf(stderr, "tsbox-helper: extract: %s\n", e.msg);
    return 125;
  }
  printf("ok %llu %llu %llu\n", (unsigned long long) x.files, (unsigned long long) x.skipped_devices, (unsigned long long) x.skipped_xattrs);
  return 0;
}
