/* --on-exit: what a monitor runs once its container has exited and no
 * engine is there to see it (run --detach, or an attached engine that has
 * gone): the engine's cleanup, which removes a --rm container and applies
 * its restart policy, as conmon runs `podman container cleanup`.
 *
 * The command runs as root on the host, so it must not run where the
 * container could reach it. The monitor may have joined another
 * container's pid, time, net, ipc and uts namespaces (--join-ns); a fork
 * from there would be born in that pid namespace, visible to its
 * processes. So the monitor keeps fds of its own namespaces from before it
 * joined, and goes back to them first. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>

#include "helper.h"

/* The namespaces the monitor joins itself (run.c); user and cgroup are
 * joined by the child only. */
static const struct ns_name home_types[] = {
  { "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME }, { "net", CLONE_NEWNET },
  { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
};

int save_home_namespaces(struct config *c, struct error *e)
{
  if (c->on_exit == NULL)
    return 0;
  for (size_t i = 0; i < sizeof home_types / sizeof home_types[0]; i++) {
    char path[64];
    bool joined = false;
    for (size_t j = 0; j < c->n_joins; j++)
      joined |= c->joins[j].flag == home_types[i].flag;
    if (!joined)
      continue;
    snprintf(path, sizeof path, "/proc/self/ns/%s", home_types[i].name);
    c->home_ns[c->n_home_ns].flag = home_types[i].flag;
    c->home_ns[c->n_home_ns].path = home_types[i].name;
    c->home_ns[c->n_home_ns].fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->home_ns[c->n_home_ns].fd < 0)
      return fail(e, "clone", "open `%s` (for --on-exit)", path);
    c->n_home_ns++;
  }
  return 0;
}

/* The container's init holds none of the host's namespaces. */
void close_home_namespaces(struct config *c)
{
  for (size_t i = 0; i < c->n_home_ns; i++)
    if (c->home_ns[i].fd >= 0) {
      close(c->home_ns[i].fd);
      c->home_ns[i].fd = -1;
    }
  c->n_home_ns = 0;
}

void run_on_exit(struct config *c)
{
  pid_t pid;
  int devnull;

  /* An attached engine that is still our parent cleans up itself. */
  if (c->on_exit == NULL || (!c->detach && getppid() == c->starter))
    return;
  for (size_t i = 0; i < c->n_home_ns; i++)
    if (setns(c->home_ns[i].fd, c->home_ns[i].flag) < 0) {
      fprintf(stderr, "tsbox-helper: --on-exit not run: cannot return to the host's %s namespace: %s\n",
              c->home_ns[i].path, strerror(errno));
      return;
    }
  pid = fork();
  if (pid < 0) {
    fprintf(stderr, "tsbox-helper: --on-exit not run: fork: %s\n", strerror(errno));
    return;
  }
  if (pid > 0)
    return;
  /* The monitor's blocked and ignored signals would be the command's. */
  child_reset_signals();
  (void) setsid();
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
    _exit(125);
  execv(c->on_exit, c->on_exit_argv);
  _exit(127);
}
