/* --sysctl KEY=VALUE: kernel parameters of the container's own namespaces,
 * written into its fresh /proc before /proc/sys is made read-only.
 *
 * Only keys that belong to a namespace the container has apart from the
 * host are taken (runc's and podman's rule): net.* to a network namespace,
 * kernel.msg*, kernel.shm*, kernel.sem and fs.mqueue.* to an IPC namespace,
 * kernel.hostname and kernel.domainname to a UTS namespace; new or joined
 * (another container's), never the host's. Every other sysctl is the
 * host's, whatever /proc it is written through, and is refused here, where
 * the privilege is, whatever the engine let through. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>

#include "helper.h"
#include "syscalls.h"

/* The namespace a key belongs to, 0 for a key of the host's. KEY is in path
 * form (net/ipv4/ping_group_range). */
static int key_namespace(const char *key)
{
  if (strncmp(key, "net/", 4) == 0)
    return CLONE_NEWNET;
  if (strncmp(key, "kernel/msg", 10) == 0 || strncmp(key, "kernel/shm", 10) == 0 || strcmp(key, "kernel/sem") == 0 ||
      strncmp(key, "fs/mqueue/", 10) == 0)
    return CLONE_NEWIPC;
  if (strcmp(key, "kernel/hostname") == 0 || strcmp(key, "kernel/domainname") == 0)
    return CLONE_NEWUTS;
  return 0;
}

int parse_sysctl(struct config *c, const char *val, struct error *e)
{
  const char *eq = strchr(val, '=');
  struct sysctl_entry *s = &c->sysctls[c->n_sysctls];
  char *key;

  if (eq == NULL || eq == val)
    return failx(e, "argv", "--sysctl: expected KEY=VALUE, got `%s`", val);
  key = strndup(val, (size_t) (eq - val));
  if (key == NULL)
    return fail(e, "argv", "strndup");
  /* names of /proc/sys files: no `..`, no leading or doubled separator */
  for (char *p = key; *p; p++)
    if (*p == '.')
      *p = '/';
  if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/") != strlen(key) || key[0] == '/' ||
      strstr(key, "//") != NULL || key[strlen(key) - 1] == '/') {
    free(key);
    return failx(e, "argv", "--sysctl: bad key in `%s`", val);
  }
  if (strpbrk(eq + 1, "\n") != NULL) {
    free(key);
    return failx(e, "argv", "--sysctl: the value of `%.*s` holds a newline", (int) (eq - val), val);
  }
  if (key_namespace(key) == 0) {
    failx(e, "argv", "--sysctl %.*s: not a sysctl of a namespace the container can have (net.*, kernel.msg*, kernel.shm*, "
          "kernel.sem, fs.mqueue.*, kernel.hostname, kernel.domainname): it is the host's",
          (int) (eq - val), val);
    free(key);
    return -1;
  }
  s->key = key;
  s->value = eq + 1;
  c->n_sysctls++;
  return 0;
}

int check_sysctl_namespaces(const struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_sysctls; i++) {
    int ns = key_namespace(c->sysctls[i].key);
    bool own = (c->ns_flags & ns) != 0;
    for (size_t j = 0; j < c->n_joins; j++)
      own |= c->joins[j].flag == ns;
    if (!own)
      return failx(e, "argv", "--sysctl %s needs a %s namespace of the container's own (new or joined): this one is the host's",
                   c->sysctls[i].key, ns == CLONE_NEWNET ? "net" : ns == CLONE_NEWIPC ? "ipc" : "uts");
  }
  return 0;
}

/* PROCFD: the container's /proc, which we mounted, so nothing in it is the
 * image's; a key is a plain path there. The files show the namespaces of the
 * process that opens them: ours, the container's. */
int apply_sysctls(int procfd, const struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_sysctls; i++) {
    const struct sysctl_entry *s = &c->sysctls[i];
    char path[512];
    struct tsbox_open_how how = { .flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    cleanup_fd int fd = -1;

    if ((size_t) snprintf(path, sizeof path, "sys/%s", s->key) >= sizeof path)
      return failx(e, "sysctl", "sysctl `%s`: name too long", s->key);
    fd = sys_openat2(procfd, path, &how, sizeof how);
    if (fd < 0)
      return fail(e, "sysctl", "sysctl `%s`%s", s->key, errno == ENOENT ? " does not exist in the container" : "");
    if (write_all(fd, s->value, strlen(s->value)) < 0)
      return fail(e, "sysctl", "sysctl `%s` = `%s`", s->key, s->value);
  }
  return 0;
}
