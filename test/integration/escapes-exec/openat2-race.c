/* For test/integration/escapes-exec.test.ts: a busy host, as far as
 * openat2(RESOLVE_IN_ROOT) lookups through `..` are concerned.
 *
 *   openat2-race storm DIR          rename DIR/a <-> DIR/b forever: every
 *                                   rename bumps the kernel's global
 *                                   rename_lock sequence
 *   openat2-race count ROOT PATH N  N raw openat2(ROOT, PATH, RESOLVE_IN_ROOT)
 *                                   calls, no retry; prints "eagain K of N"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct open_how_v0 {
  uint64_t flags, mode, resolve;
};

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "storm") == 0) {
    char a[4096], b[4096];
    int fd;
    snprintf(a, sizeof a, "%s/a", argv[2]);
    snprintf(b, sizeof b, "%s/b", argv[2]);
    fd = open(a, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
      return 1;
    close(fd);
    for (;;)
      if (rename(a, b) < 0 || rename(b, a) < 0)
        return 1;
  }
  if (argc == 5 && strcmp(argv[1], "count") == 0) {
    struct open_how_v0 how = { .flags = O_PATH | O_CLOEXEC, .resolve = 0x10 /* RESOLVE_IN_ROOT */ };
    int root = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC), n = atoi(argv[4]), eagain = 0;
    if (root < 0)
      return 1;
    for (int i = 0; i < n; i++) {
      int fd = (int) syscall(SYS_openat2, root, argv[3], &how, sizeof how);
      if (fd >= 0)
        close(fd);
      else if (errno == EAGAIN)
        eagain++;
      else
        return perror("openat2"), 1;
    }
    printf("eagain %d of %d\n", eagain, n);
    return 0;
  }
  fprintf(stderr, "usage: openat2-race storm DIR | count ROOT PATH N\n");
  return 2;
}
