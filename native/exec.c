/* `exec`: run CMD inside a running container.
 *
 * The container is named by pid AND start time: pidfd_open() pins the
 * process, then the start time proves the pid was not reused. All host
 * resources (cgroup.procs, host /proc, /dev/null, the seccomp program) are
 * opened before setns(), since afterwards our mount namespace is the
 * container's. We make ourselves non-dumpable first: once we join the
 * container's user namespace its processes must not be able to ptrace us
 * or read our fds while we still hold those host fds. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helper.h"
#include "syscalls.h"

static pid_t child_pid = -1;

__attribute__((noreturn)) static void exec_fail(const struct error *e)
{
  kill_and_reap(child_pid);
  report_error(e);
  exit(exit_code_for(e->stage, e->err));
}

/* setns() into a namespace we are already in fails for user (EINVAL), and
 * is pointless for the rest: keep only the namespaces that differ. */
static int namespaces_to_join(const struct config *c, int procfd, struct error *e)
{
  int flags = 0;
  for (size_t i = 0; i < 8; i++) {
    char path[64];
    struct stat ours, theirs;
    if (!(c->ns_flags & ns_names[i].flag))
      continue;
    snprintf(path, sizeof path, "%d/ns/%s", (int) c->pid, ns_names[i].name);
    if (fstatat(procfd, path, &theirs, 0) < 0)
      return fail(e, "setns", "stat `/proc/%s`", path);
    snprintf(path, sizeof path, "self/ns/%s", ns_names[i].name);
    if (fstatat(procfd, path, &ours, 0) < 0)
      return fail(e, "setns", "stat `/proc/%s`", path);
    if (ours.st_dev != theirs.st_dev || ours.st_ino != theirs.st_ino)
      flags |= ns_names[i].flag;
  }
  return flags;
}

__attribute__((noreturn)) static void exec_child(const struct config *c, int report_fd, int slave, bool in_userns)
{
  struct error e = { 0 };

  child_report_fd = report_fd;
  child_reset_signals();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    die_with_error("clone", "PR_SET_PDEATHSIG");
  /* Own session: the caller's terminal signals go to us (the parent), which
   * forwards them; with --tty the container's pty becomes the terminal. */
  if (setsid() < 0)
    die_with_error("clone", "setsid");
  if (slave >= 0) {
    if (pty_make_controlling(slave, &e) < 0)
      die_with_struct(&e);
  } else if (!c->keep_stdin && dup2(c->devnull_fd, 0) < 0) {
    die_with_error("clone", "dup2 /dev/null");
  }
  /* "0" is ourselves (see join_cgroups in run.c for why). The files were
   * opened on the host, and the kernel checks the migration against the
   * opener's credentials and cgroup namespace. */
  for (size_t i = 0; i < c->n_cgroups; i++)
    if (write_all(c->cgroup_fds[i], "0", 1) < 0)
      die_with_error("cgroup", "join cgroup `%s`", c->cgroups[i]);
  finish_and_exec(c, in_userns);
}

int exec_main(struct config *c)
{
  struct error e = { 0 };
  cleanup_fd int pidfd = -1;
  cleanup_fd int procfd = -1;
  int report[2], sigfd, flags, master = -1, slave = -1, wstatus, code, sig;
  unsigned long long start;
  struct child_report rep;
  ssize_t n;

  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
    fail(&e, "setns", "PR_SET_DUMPABLE");
    exec_fail(&e);
  }
  procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0) {
    fail(&e, "setns", "open `/proc`");
    exec_fail(&e);
  }
  pidfd = sys_pidfd_open(c->pid, 0);
  if (pidfd < 0) {
    fail(&e, "setns", "pidfd_open %d", (int) c->pid);
    exec_fail(&e);
  }
  /* After pidfd_open: if this matches, the pidfd is the container's init. */
  if (read_start_time(procfd, c->pid, &start, &e) < 0) {
    e.stage = "setns";
    exec_fail(&e);
  }
  if (start != c->pid_start) {
    failx(&e, "setns", "pid %d is not the container's process anymore (start time %llu, expected %llu)",
          (int) c->pid, start, c->pid_start);
    exec_fail(&e);
  }
  if (open_common_fds(c, &e) < 0)
    exec_fail(&e);
  flags = namespaces_to_join(c, procfd, &e);
  if (flags < 0)
    exec_fail(&e);
  /* Without root, joining the container's other namespaces is allowed only
   * through its user namespace (which we own, so setns gives us every
   * capability in it). One that is ours already gives nothing. */
  if (c->unprivileged && !(flags & CLONE_NEWUSER)) {
    failx(&e, "setns", "pid %d shares our user namespace: exec without root needs a container with its own", (int) c->pid);
    exec_fail(&e);
  }
  sigfd = monitor_setup_signals(&e);
  if (sigfd < 0)
    exec_fail(&e);
  if (pipe2(report, O_CLOEXEC) < 0) {
    fail(&e, "clone", "pipe");
    exec_fail(&e);
  }

  /* All of them at once; pid and time apply to the child we fork next. */
  if (flags != 0 && setns(pidfd, flags) < 0) {
    fail(&e, "setns", "setns into the namespaces of pid %d", (int) c->pid);
    exec_fail(&e);
  }
  /* Our root is now the container's (if mnt was joined): its own devpts. */
  if (c->tty && pty_open_in_root(&master, &slave, &e) < 0)
    exec_fail(&e);

  child_pid = fork();
  if (child_pid < 0) {
    fail(&e, "clone", "fork");
    exec_fail(&e);
  }
  if (child_pid == 0) {
    close(report[0]);
    if (master >= 0)
      close(master);
    exec_child(c, report[1], slave, (flags & CLONE_NEWUSER) != 0);
  }
  close(report[1]);
  if (slave >= 0)
    close(slave);

  if (read_start_time(procfd, child_pid, &start, &e) < 0)
    exec_fail(&e);
  status_line("{\"pid\":%d,\"start\":%llu}", (int) child_pid, start);

  n = read_full(report[0], &rep, sizeof rep);
  if (n != 0) {
    static char stage[sizeof rep.stage + 1];
    if (n != (ssize_t) sizeof rep) {
      failx(&e, "clone", "short report from the child (%zd bytes)", n);
    } else {
      memcpy(stage, rep.stage, sizeof rep.stage);
      rep.msg[sizeof rep.msg - 1] = '\0';
      failx(&e, stage, "%s", rep.msg);
      e.err = rep.err;
    }
    exec_fail(&e);
  }
  close(report[0]);
  status_line("{\"started\":true}");

  struct monitor m = {
    .pid = child_pid, .pidfd = -1, .sigfd = sigfd, .log_fd = -1,
    .in_fd = -1, .in_to = -1, .winsize_from = -1, .winsize_to = -1,
  };
  m.pidfd = sys_pidfd_open(child_pid, 0);
  if (m.pidfd < 0) {
    fail(&e, "clone", "pidfd_open");
    exec_fail(&e);
  }
  if (master >= 0 && monitor_attach_terminal(&m, master, c->keep_stdin, &e) < 0)
    exec_fail(&e);
  if (monitor_loop(&m, &wstatus, &e) < 0) {
    child_pid = -1;
    exec_fail(&e);
  }
  child_pid = -1;
  term_restore();
  wstatus_to_code(wstatus, &code, &sig);
  status_line("{\"exit\":%d,\"signal\":%d}", code, sig);
  return code;
}
