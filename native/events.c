/* --event-file, --event-head: the monitor's lines of the engine's events
 * journal (src/engine/journal.ts reads it): "start" once CMD runs, "oom"
 * when the kernel's OOM killer killed a process of the container, then
 * "died" with the exit code, as podman reports them. The monitor is the one
 * process there when a detached container ends, so only it can say when;
 * and a start written by the same process comes before the died in the
 * file, however soon CMD ends (the engine learns of the start later).
 *
 * One line, one write(2) to a file opened O_APPEND: the kernel puts each
 * write at the end whole, so the engine and other monitors appending at
 * the same time never interleave inside a line. The engine rotates the
 * file (journal.ts); a line written to the old one just before is still
 * read from PATH.1. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "helper.h"

/* v2 memory.events and v1 memory.oom_control both have `oom_kill N`. The
 * engine makes the cgroups afresh for each start, so any kill counted
 * happened in this run. */
static unsigned long long oom_kills(const struct config *c)
{
  static const char *const files[] = { "memory.events", "memory.oom_control" };
  for (size_t i = 0; i < c->n_cgroups; i++)
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
      char path[4096], buf[1024];
      cleanup_fd int fd = -1;
      ssize_t n;
      snprintf(path, sizeof path, "%s/%s", c->cgroups[i], files[f]);
      fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      n = read(fd, buf, sizeof buf - 1);
      if (n <= 0)
        continue;
      buf[n] = '\0';
      for (char *line = buf; line != NULL; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp(line, "oom_kill ", 9) == 0)
          return strtoull(line + 9, NULL, 10);
    }
  return 0;
}

static void append_event(const struct config *c, const char *status, const char *extra)
{
  char line[8192], stamp[64];
  struct timespec ts;
  cleanup_fd int fd = -1;
  int n;

  clock_gettime(CLOCK_REALTIME, &ts);
  format_rfc3339(stamp, sizeof stamp, &ts);
  n = snprintf(line, sizeof line, "{%s%s\"Status\":\"%s\",\"Time\":\"%s\"}\n", extra, c->event_head, status, stamp);
  if (n < 0 || (size_t) n >= sizeof line) {
    fprintf(stderr, "tsbox-helper: event `%s` too long for the journal\n", status);
    return;
  }
  fd = open(c->event_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  /* Nobody is left to report to when detached; stderr is all we have. */
  if (fd < 0 || write(fd, line, (size_t) n) != n)
    fprintf(stderr, "tsbox-helper: append to the events journal `%s`: %s\n", c->event_file, strerror(errno));
}

void write_start_event(const struct config *c)
{
  if (c->event_file != NULL)
    append_event(c, "start", "");
}

void write_exit_events(const struct config *c, int code)
{
  char extra[64] = "";
  if (c->event_file == NULL)
    return;
  if (oom_kills(c) > 0)
    append_event(c, "oom", "");
  /* podman leaves ContainerExitCode out when it is 0 */
  if (code != 0)
    snprintf(extra, sizeof extra, "\"ContainerExitCode\":%d,", code);
  append_event(c, "died", extra);
}
