/* CRI-style log records, as conmon writes them:
 *   2026-11-28T23:45:01.123456789Z stdout F text
 * One record per line of a chunk we read; a trailing piece without newline
 * is written at once as a partial (P) record, so nothing is held back.
 *
 * With a cap (--log-max), the container cannot fill the host's disk
 * through its log: a record that would take the file past the cap first
 * moves it to PATH.1 (replacing the one before) and starts a new PATH. The
 * log then takes at most twice the cap, and its newest part is whole. No
 * record is longer than the cap: a longer line goes out as P pieces. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "helper.h"

/* room for "TIMESTAMP stderr P " */
#define HEAD_MAX 128

/* The one log of this monitor. */
static struct {
  int dir_fd;    /* its directory: the rotation renames and creates in it */
  char *name;    /* "ctr.log" */
  char *rotated; /* "ctr.log.1" */
  uint64_t max;  /* 0: no cap */
  uint64_t size; /* of the file the log fd writes to */
} log_file = { .dir_fd = -1 };

static int open_in_dir(struct error *e)
{
  /* O_NOFOLLOW: the log's directory is the engine's, but a link there is never what we want to write through */
  int fd = openat(log_file.dir_fd, log_file.name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);
  struct stat st;
  if (fd < 0)
    return fail(e, "clone", "open log `%s`", log_file.name);
  if (fstat(fd, &st) < 0) {
    fail(e, "clone", "stat log `%s`", log_file.name);
    close(fd);
    return -1;
  }
  log_file.size = (uint64_t) st.st_size;
  return fd;
}

int log_open(const char *path, uint64_t max, struct error *e)
{
  cleanup_free char *d = strdup(path), *b = strdup(path);
  const char *base;

  if (d == NULL || b == NULL)
    return fail(e, "clone", "strdup");
  base = basename(b);
  log_file.dir_fd = open(dirname(d), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (log_file.dir_fd < 0)
    return fail(e, "clone", "open the log's directory `%s`", path);
  log_file.name = strdup(base);
  if (log_file.name == NULL || asprintf(&log_file.rotated, "%s.1", base) < 0)
    return fail(e, "clone", "strdup");
  log_file.max = max;
  return open_in_dir(e);
}

/* Move the full log aside and point FD at a new one. A rotation cut short
 * (no new file could be made) is finished by the next call: until then
 * records are dropped, so the cap holds even then. */
static bool rotate(int fd)
{
  struct error e;
  struct stat cur, named;
  cleanup_fd int nfd = -1;

  if (fstat(fd, &cur) < 0)
    return false;
  if (fstatat(log_file.dir_fd, log_file.name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == cur.st_dev &&
      named.st_ino == cur.st_ino && renameat(log_file.dir_fd, log_file.name, log_file.dir_fd, log_file.rotated) < 0)
    return false;
  nfd = open_in_dir(&e);
  if (nfd < 0)
    return false;
  /* the monitor keeps writing to the fd number it has */
  return dup3(nfd, fd, O_CLOEXEC) >= 0;
}

void log_record(int fd, const char *stream, const char *buf, size_t len)
{
  struct timespec ts;
  char stamp[64];
  size_t piece = log_file.max ? (size_t) log_file.max - HEAD_MAX : SIZE_MAX;

  if (fd < 0 || len == 0)
    return;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_rfc3339(stamp, sizeof stamp, &ts);

  while (len > 0) {
    const char *nl = memchr(buf, '\n', len);
    size_t n = nl ? (size_t) (nl - buf) : len;
    bool full = nl != NULL && n <= piece;
    cleanup_free char *rec = NULL;
    size_t total;
    int head;

    if (n > piece)
      n = piece;
    rec = malloc(n + HEAD_MAX);
    if (rec == NULL)
      return;
    head = snprintf(rec, HEAD_MAX, "%s %s %c ", stamp, stream, full ? 'F' : 'P');
    memcpy(rec + head, buf, n);
    rec[head + n] = '\n';
    total = (size_t) head + n + 1;
    buf += n + (full ? 1 : 0);
    len -= n + (full ? 1 : 0);
    if (log_file.max && log_file.size + total > log_file.max && !rotate(fd))
      continue;
    /* One write per record: O_APPEND keeps records whole. A full disk
     * loses log lines, never the container. */
    if (write_all(fd, rec, total) == 0)
      log_file.size += total;
  }
}
