/* CRI-style log records, as conmon writes them:
 *   2026-11-28T23:45:01.123456789Z stdout F text
 * One record per line of a chunk we read; a trailing piece without newline
 * is written at once as a partial (P) record, so nothing is held back. */
#include <stdio.h>

#include "helper.h"

void log_record(int fd, const char *stream, const char *buf, size_t len)
{
  struct timespec ts;
  char stamp[64];

  if (fd < 0 || len == 0)
    return;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_rfc3339(stamp, sizeof stamp, &ts);

  while (len > 0) {
    const char *nl = memchr(buf, '\n', len);
    size_t n = nl ? (size_t) (nl - buf) : len;
    cleanup_free char *rec = NULL;
    int head;

    rec = malloc(n + 128);
    if (rec == NULL)
      return;
    head = snprintf(rec, 128, "%s %s %c ", stamp, stream, nl ? 'F' : 'P');
    memcpy(rec + head, buf, n);
    rec[head + n] = '\n';
    /* One write per record: O_APPEND keeps records whole. A full disk
     * loses log lines, never the container. */
    (void) write_all(fd, rec, (size_t) head + n + 1);
    buf += n + (nl ? 1 : 0);
    len -= n + (nl ? 1 : 0);
  }
}
