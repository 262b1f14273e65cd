#include "util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "syscalls.h"

int status_fd = -1;
int child_report_fd = -1;

static void vformat_error(struct error *e, int err, const char *stage, const char *fmt, va_list ap)
{
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  if (err != 0) {
    size_t n = strlen(e->msg);
    snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(err));
  }
  e->err = err;
  e->stage = stage;
}

int error_set(struct error *e, int err, const char *stage, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vformat_error(e, err, stage, fmt, ap);
  va_end(ap);
  errno = err;
  return -1;
}

int exit_code_for(const char *stage, int err)
{
  if (stage != NULL && strcmp(stage, "exec") == 0) {
    if (err == ENOENT || err == ENOTDIR)
      return 127;
    if (err == EACCES || err == ENOEXEC || err == EISDIR || err == EPERM)
      return 126;
  }
  return 125;
}

void die_with_struct(const struct error *e)
{
  struct child_report r;
  memset(&r, 0, sizeof r);
  r.err = e->err;
  snprintf(r.stage, sizeof r.stage, "%s", e->stage ? e->stage : "unknown");
  snprintf(r.msg, sizeof r.msg, "%s", e->msg);
  if (child_report_fd < 0 || write_all(child_report_fd, &r, sizeof r) < 0)
    fprintf(stderr, "tsbox-helper: %s: %s\n", r.stage, r.msg);
  _exit(exit_code_for(e->stage, e->err));
}

void die_with_error(const char *stage, const char *fmt, ...)
{
  struct error e;
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  vformat_error(&e, err, stage, fmt, ap);
  va_end(ap);
  die_with_struct(&e);
}

void json_escape(char *dst, size_t len, const char *src)
{
  size_t o = 0;
  if (len == 0)
    return;
  for (; *src != '\0'; src++) {
    unsigned char c = (unsigned char) *src;
    char tmp[8];
    size_t n;
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char) c;
      n = 2;
    } else if (c < 0x20) {
      n = (size_t) snprintf(tmp, sizeof tmp, "\\u%04x", c);
    } else {
      tmp[0] = (char) c;
      n = 1;
    }
    if (o + n + 1 > len)
      break;
    memcpy(dst + o, tmp, n);
    o += n;
  }
  dst[o] = '\0';
}

void status_line(const char *fmt, ...)
{
  char buf[2048];
  va_list ap;
  int n;
  if (status_fd < 0)
    return;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t) n > sizeof buf - 2)
    n = (int) sizeof buf - 2;
  buf[n++] = '\n';
  /* The engine may have gone away; a status line is never worth dying for. */
  if (write_all(status_fd, buf, (size_t) n) < 0 && errno == EPIPE)
    status_fd = -1;
}

void status_error(const struct error *e)
{
  char msg[1024];
  json_escape(msg, sizeof msg, e->msg);
  status_line("{\"error\":\"%s\",\"errno\":%d,\"stage\":\"%s\"}", msg, e->err,
              e->stage ? e->stage : "unknown");
}

void report_error(const struct error *e)
{
  if (status_fd >= 0)
    status_error(e);
  else
    fprintf(stderr, "tsbox-helper: %s: %s\n", e->stage ? e->stage : "error", e->msg);
}

void kill_and_reap(pid_t pid)
{
  if (pid <= 0)
    return;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

void cloexec_fds_from_3(void)
{
  /* Linux >= 5.11; an older kernel is refused before we get here. A helper
   * that cannot do this must not go on: CMD would inherit the engine's fds. */
  if (sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    fprintf(stderr, "tsbox-helper: close_range(CLOSE_RANGE_CLOEXEC): %s\n", strerror(errno));
    exit(125);
  }
}

int close_fds_except(const int *keep, size_t n, struct error *e)
{
  int sorted[8];
  unsigned int from = 3;

  if (n > sizeof sorted / sizeof sorted[0])
    return failx(e, "clone", "close_fds_except: too many fds to keep");
  /* insertion sort: a handful of fds */
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    for (; j > 0 && sorted[j - 1] > keep[i]; j--)
      sorted[j] = sorted[j - 1];
    sorted[j] = keep[i];
  }
  for (size_t i = 0; i < n; i++) {
    if (sorted[i] < (int) from)
      continue; /* stdio, or kept twice */
    if ((unsigned int) sorted[i] > from && sys_close_range(from, (unsigned int) sorted[i] - 1, 0) < 0)
      return fail(e, "clone", "close_range %u-%d", from, sorted[i] - 1);
    from = (unsigned int) sorted[i] + 1;
  }
  if (sys_close_range(from, ~0U, 0) < 0)
    return fail(e, "clone", "close_range %u-", from);
  return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN) {
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
          return -1;
        continue;
      }
      return -1;
    }
    p += n;
    len -= (size_t) n;
  }
  return 0;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, p + got, len - got);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      break;
    got += (size_t) n;
  }
  return (ssize_t) got;
}

int set_nonblock(int fd)
{
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0)
    return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int read_start_time(int procfd, pid_t pid, unsigned long long *out, struct error *e)
{
  char path[64], buf[4096];
  cleanup_fd int fd = -1;
  ssize_t n;
  char *p;
  int field;

  snprintf(path, sizeof path, "%d/stat", (int) pid);
  fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(e, "clone", "open `/proc/%s`", path);
  n = read_full(fd, buf, sizeof buf - 1);
  if (n < 0)
    return fail(e, "clone", "read `/proc/%s`", path);
  buf[n] = '\0';
  /* comm (field 2) may contain spaces and parentheses: start after the last ')'. */
  p = strrchr(buf, ')');
  if (p == NULL)
    return failx(e, "clone", "parse `/proc/%s`", path);
  p++;
  for (field = 2; field < 21; field++) {
    p = strchr(p + 1, ' ');
    if (p == NULL)
      return failx(e, "clone", "parse `/proc/%s`", path);
  }
  /* p is the space before field 22 */
  errno = 0;
  *out = strtoull(p + 1, NULL, 10);
  if (errno != 0)
    return fail(e, "clone", "parse `/proc/%s`", path);
  return 0;
}

void format_rfc3339(char *buf, size_t len, const struct timespec *ts)
{
  struct tm tm;
  size_t n;
  gmtime_r(&ts->tv_sec, &tm);
  n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", (long) ts->tv_nsec);
}

bool parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
  char *end;
  unsigned long long v;
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
    return false;
  errno = 0;
  v = strtoull(s, &end, base);
  if (errno != 0 || *end != '\0' || v > max)
    return false;
  *out = v;
  return true;
}

int read_small_file(const char *path, char *buf, size_t len)
{
  cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;
  if (fd < 0)
    return -1;
  n = read_full(fd, buf, len - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
    buf[--n] = '\0';
  return 0;
}
