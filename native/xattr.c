/* `xattr get|set|remove`: labels (security.selinux) of volume content. Never
 * follows a final symlink (l*xattr), so a symlink cannot redirect the label
 * to a file it points at. */
#include <stdio.h>
#include <sys/xattr.h>

#include "helper.h"

int xattr_main(int argc, char **argv)
{
  if (argc == 5 && strcmp(argv[2], "get") == 0) {
    const char *path = argv[3], *name = argv[4];
    cleanup_free char *buf = NULL;
    ssize_t n;
    for (;;) {
      ssize_t size = lgetxattr(path, name, NULL, 0);
      char *nbuf;
      if (size < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
      }
      nbuf = realloc(buf, (size_t) size + 1);
      if (nbuf == NULL) {
        perror("tsbox-helper: realloc");
        return 1;
      }
      buf = nbuf;
      n = lgetxattr(path, name, buf, (size_t) size);
      if (n >= 0)
        break;
      if (errno != ERANGE) { /* ERANGE: the value grew meanwhile, ask again */
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
      }
    }
    while (n > 0 && buf[n - 1] == '\0')
      n--;
    fwrite(buf, 1, (size_t) n, stdout);
    putchar('\n');
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (argc == 6 && strcmp(argv[2], "set") == 0) {
    const char *path = argv[3], *name = argv[4], *value = argv[5];
    if (lsetxattr(path, name, value, strlen(value), 0) < 0) {
      fprintf(stderr, "%s: %s\n", path, strerror(errno));
      return 1;
    }
    return 0;
  }
  if (argc == 5 && strcmp(argv[2], "remove") == 0) {
    const char *path = argv[3], *name = argv[4];
    if (lremovexattr(path, name) < 0) {
      fprintf(stderr, "%s: %s\n", path, strerror(errno));
      return 1;
    }
    return 0;
  }
  fputs("usage: tsbox-helper xattr get PATH NAME | xattr set PATH NAME VALUE | xattr remove PATH NAME\n", stderr);
  return 125;
}
