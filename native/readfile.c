/* `read-file`: print one file of an image's tree or of a running
 * container's root, for the engine (their /etc/passwd and /etc/group, to
 * resolve `-u NAME`).
 *
 *   read-file --root DIR --max BYTES PATH
 *   read-file --pid N --pid-start T --max BYTES PATH
 *
 * Neither tree is the host's, and their owners choose what a path in them
 * is: PATH and every symlink on the way resolve inside the root
 * (RESOLVE_IN_ROOT: `/`, `..` and absolute targets stop at it), magic
 * links (/proc/self/root, /proc/N/fd/M) are refused, and only a regular
 * file is opened for reading, so a device node is never opened (an image's
 * /dev/watchdog would reboot the host). Of that file at most its size, as
 * stat gives it, is read: a file whose size the kernel does not know
 * (/proc/kmsg) reads as empty, and nothing blocks.
 *
 * stdout: the file. Exit 0; 1 when PATH does not exist; 125 for anything
 * else (bad argv, not a regular file, larger than BYTES, a magic link),
 * with the reason on stderr. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "helper.h"
#include "syscalls.h"

/* BYTES is the engine's cap; this bounds what it may ask us to hold. */
#define MAX_BYTES (64ULL << 20)
#define NOT_FOUND 1

/* /proc/N/root of the process N that started at START (field 22 of its
 * stat); also the root of `extract --pid` and copy.c. */
int open_pid_root(pid_t pid, unsigned long long start, struct error *e)
{
  char name[32];
  unsigned long long now;
  cleanup_fd int procfd = -1, piddir = -1, rootfd = -1;

  procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return fail(e, "read-file", "open `/proc`");
  snprintf(name, sizeof name, "%d", (int) pid);
  piddir = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (piddir < 0)
    return fail(e, "read-file", "open `/proc/%d`", (int) pid);
  rootfd = openat(piddir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return fail(e, "read-file", "open `/proc/%d/root`", (int) pid);
  /* Checked after the root is open: a /proc/N directory stays bound to the
   * process it was opened for, and the container's init started before we
   * ran, so a process that holds N now with start time START is the one
   * whose root we hold. */
  if (read_start_time(procfd, pid, &now, e) < 0)
    return -1;
  if (now != start)
    return failx(e, "read-file", "pid %d is not the container's process anymore (start time %llu, expected %llu)", (int) pid, now,
                 start);
  return steal_fd(&rootfd);
}

static const char *kind_of(mode_t m)
{
  if (S_ISDIR(m))
    return "a directory";
  if (S_ISCHR(m))
    return "a character device";
  if (S_ISBLK(m))
    return "a block device";
  if (S_ISFIFO(m))
    return "a FIFO";
  if (S_ISSOCK(m))
    return "a socket";
  return "not a regular file";
}

/* PATH beneath ROOTFD as an O_PATH fd (plus EXTRA_FLAGS, e.g. O_NOFOLLOW),
 * inside it whatever its symlinks say: RESOLVE_IN_ROOT, no magic links.
 * 0 (the fd in *OUT), 1 when PATH does not exist, or -1 and E (STAGE names
 * the subcommand). Shared by read-file and copy (copy.c). */
int resolve_in_root(int rootfd, const char *path, int extra_flags, const char *stage, int *out, struct error *e)
{
  struct tsbox_open_how how = { .flags = (uint64_t) (O_PATH | O_CLOEXEC | extra_flags), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = -1;

  /* EAGAIN: a rename raced with a `..` in the walk; the kernel asks us to try again */
  for (int tries = 0; tries < 8; tries++) {
    fd = sys_openat2(rootfd, path, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN)
      break;
  }
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return 1;
  if (fd < 0 && errno == ELOOP)
    return failx(e, stage, "`%s` leads through a magic link (/proc/*/root, /proc/*/fd) or too many symlinks", path);
  if (fd < 0)
    return fail(e, stage, "open `%s`", path);
  *out = fd;
  return 0;
}

/* Write PATH of ROOTFD's tree to stdout. 0, NOT_FOUND, or -1 and E. */
static int copy_file(int rootfd, const char *path, uint64_t max, struct error *e)
{
  cleanup_fd int pathfd = -1, fd = -1;
  cleanup_free char *buf = NULL;
  char self[64];
  struct stat st;
  size_t got = 0;
  int r = resolve_in_root(rootfd, path, 0, "read-file", &pathfd, e);

  if (r != 0)
    return r;
  if (fstat(pathfd, &st) < 0)
    return fail(e, "read-file", "stat `%s`", path);
  if (!S_ISREG(st.st_mode))
    return failx(e, "read-file", "`%s` is %s, not a regular file", path, kind_of(st.st_mode));
  if ((uint64_t) st.st_size > max)
    return failx(e, "read-file", "`%s` is %lld bytes, more than the %llu this reads", path, (long long) st.st_size,
                 (unsigned long long) max);
  /* The same inode, now for reading: it is a regular file, so opening it
   * has no side effect. O_NONBLOCK: nothing on a pseudo filesystem waits. */
  snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
  fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return fail(e, "read-file", "open `%s` for reading", path);
  buf = malloc((size_t) st.st_size + 1);
  if (buf == NULL)
    return fail(e, "read-file", "malloc");
  while (got < (size_t) st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(e, "read-file", "read `%s`", path);
    if (n == 0)
      break; /* shrank meanwhile */
    got += (size_t) n;
  }
  if (write_all(1, buf, got) < 0)
    return fail(e, "read-file", "write to stdout");
  return 0;
}

int read_file_main(int argc, char **argv)
{
  struct error e = { 0 };
  const char *dir = NULL, *path = NULL;
  uint64_t pid = 0, start = 0, max = 0;
  bool has_start = false;
  cleanup_fd int rootfd = -1;
  int r;

  for (int i = 2; i < argc; i++) {
    const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (opt[0] != '-') {
      if (path != NULL || i + 1 != argc)
        goto usage;
      path = opt;
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
    else if (strcmp(opt, "--max") == 0 && parse_u64(val, 10, MAX_BYTES, &max))
      continue;
    else
      goto usage;
  }
  if (path == NULL || max == 0 || (dir != NULL) == (pid != 0) || (pid != 0) != has_start)
    goto usage;

  if (dir != NULL) {
    rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      fail(&e, "read-file", "open `%s`", dir);
  } else {
    rootfd = open_pid_root((pid_t) pid, start, &e);
  }
  r = rootfd < 0 ? -1 : copy_file(rootfd, path, max, &e);
  if (r == NOT_FOUND) {
    fprintf(stderr, "tsbox-helper: read-file: `%s`: no such file\n", path);
    return NOT_FOUND;
  }
  if (r < 0) {
    fprintf(stderr, "tsbox-helper: read-file: %s\n", e.msg);
    return 125;
  }
  return 0;

usage:
  fputs("usage: tsbox-helper read-file (--root DIR | --pid N --pid-start T) --max BYTES PATH (BYTES 1.."
        "67108864; see native/PROTOCOL.md)\n",
        stderr);
  return 125;
}
