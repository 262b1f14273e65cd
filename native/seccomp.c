/* Seccomp: the engine compiles the filter (cBPF, array of struct
 * sock_filter, from an allowlist: src/engine/seccomp.ts); we only read and
 * load it. With no_new_privs it is the last step before execve; without,
 * it goes in while we still hold CAP_SYS_ADMIN, before the credentials
 * change (process.c), and allows what we do after it. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "helper.h"

int seccomp_read_program(struct config *c, struct error *e)
{
  size_t cap = 4096, len = 0;
  cleanup_free char *buf = malloc(cap);

  if (buf == NULL)
    return fail(e, "seccomp", "malloc");
  for (;;) {
    ssize_t n;
    if (len == cap) {
      char *nbuf;
      if (cap >= (size_t) BPF_MAXINSNS * sizeof(struct sock_filter))
        return failx(e, "seccomp", "seccomp program longer than %d instructions", BPF_MAXINSNS);
      cap *= 2;
      nbuf = realloc(buf, cap);
      if (nbuf == NULL)
        return fail(e, "seccomp", "realloc");
      buf = nbuf;
    }
    n = read(c->seccomp_fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(e, "seccomp", "read --seccomp-fd");
    if (n == 0)
      break;
    len += (size_t) n;
  }
  close(c->seccomp_fd);
  c->seccomp_fd = -1;
  if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS)
    return failx(e, "seccomp", "bad seccomp program size %zu", len);
  c->seccomp_prog = steal_pointer(&buf);
  c->seccomp_len = (unsigned short) (len / sizeof(struct sock_filter));
  return 0;
}

int seccomp_load(const struct config *c, struct error *e)
{
  struct sock_fprog prog = { .len = c->seccomp_len, .filter = c->seccomp_prog };
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return fail(e, "seccomp", "load the seccomp filter");
  return 0;
}
