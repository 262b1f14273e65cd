/* `xattr NAME`: read, set and remove the extended attribute NAME
 * (security.selinux: volume labels) of many files in one run, so relabeling
 * a tree costs one process, not two per file.
 *
 * stdin: operations, each a list of NUL-terminated fields
 *   g PATH          read
 *   s PATH VALUE    set
 *   r PATH          remove
 * stdout: one line per operation, in order
 *   =VALUE    g: the value, without the NULs a kernel may end it with
 *   -         g: no such attribute (or a filesystem without xattrs);
 *             r: there was none
 *   ok        s, r: done
 *   !MESSAGE  the operation failed (strerror)
 *
 * A final symlink is never followed (l*xattr): a link in a volume cannot
 * redirect a label to the file it points at. */
#include <stdio.h>
#include <sys/xattr.h>

#include "helper.h"

static bool absent(int err)
{
  return err == ENODATA || err == EOPNOTSUPP;
}

static void answer_get(const char *path, const char *name)
{
  cleanup_free char *buf = NULL;
  ssize_t n;

  for (;;) {
    ssize_t size = lgetxattr(path, name, NULL, 0);
    char *nbuf;
    if (size < 0) {
      if (absent(errno))
        puts("-");
      else
        printf("!%s\n", strerror(errno));
      return;
    }
    nbuf = realloc(buf, (size_t) size + 1);
    if (nbuf == NULL) {
      printf("!%s\n", strerror(errno));
      return;
    }
    buf = nbuf;
    n = lgetxattr(path, name, buf, (size_t) size);
    if (n >= 0)
      break;
    if (errno != ERANGE) { /* ERANGE: the value grew meanwhile, ask again */
      printf("!%s\n", strerror(errno));
      return;
    }
  }
  while (n > 0 && buf[n - 1] == '\0')
    n--;
  if (memchr(buf, '\n', (size_t) n) != NULL) {
    puts("!the value holds a newline");
    return;
  }
  printf("=%.*s\n", (int) n, buf);
}

int xattr_main(int argc, char **argv)
{
  cleanup_free char *op = NULL, *path = NULL, *value = NULL;
  size_t op_cap = 0, path_cap = 0, value_cap = 0;
  const char *name;

  if (argc != 3) {
    fputs("usage: tsbox-helper xattr NAME < operations (see native/PROTOCOL.md)\n", stderr);
    return 125;
  }
  name = argv[2];
  while (getdelim(&op, &op_cap, '\0', stdin) > 0) {
    bool set = strcmp(op, "s") == 0;
    if (!set && strcmp(op, "g") != 0 && strcmp(op, "r") != 0) {
      fprintf(stderr, "tsbox-helper xattr: unknown operation `%s`\n", op);
      return 125;
    }
    if (getdelim(&path, &path_cap, '\0', stdin) <= 0 || (set && getdelim(&value, &value_cap, '\0', stdin) <= 0)) {
      fputs("tsbox-helper xattr: an operation ends before its last field\n", stderr);
      return 125;
    }
    if (op[0] == 'g') {
      answer_get(path, name);
    } else if (set) {
      if (lsetxattr(path, name, value, strlen(value), 0) < 0)
        printf("!%s\n", strerror(errno));
      else
        puts("ok");
    } else if (lremovexattr(path, name) == 0) {
      puts("ok");
    } else if (absent(errno)) {
      puts("-");
    } else {
      printf("!%s\n", strerror(errno));
    }
  }
  if (ferror(stdin)) {
    perror("tsbox-helper xattr: stdin");
    return 125;
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
