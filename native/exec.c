/* `exec`: run CMD inside a running container.
 *
 *   helper (host namespaces)       intermediate (host pid ns)      CMD's process (container's)
 *   pidfd_open + start time
 *   open host fds: cgroups,
 *   /dev/null, seccomp program
 *   fork ------------------------> join the cgroups
 *                                   setns into the container
 *                                   [--tty: pty of its devpts,
 *                                    master -> helper]
 *                                   stdio onto 0-2; close every fd
 *                                   but the error and pid pipes
 *                                   seccomp (no NNP), user, caps
 *                                   clone(CLONE_PARENT) ---------> close the pid pipe, setsid,
 *   <- CMD's pid (pid pipe)         _exit                           [tty], cwd, label, NNP,
 *   {"pid"}; error pipe: EOF = started                              seccomp, execve
 *   reap the intermediate
 *   copy output and input, forward signals, reap CMD
 *
 * The container is named by pid AND start time: pidfd_open() pins the
 * process, then the start time proves the pid was not reused.
 *
 * Why three processes: once a process is in the container's pid namespace
 * the container can see it, and with CAP_SYS_PTRACE ptrace it or open its
 * /proc/PID/fd/N, which would lead to the host's tree through any host fd
 * it held (and to the host's root through its capabilities). So the
 * helper never joins anything and keeps the host fds; the intermediate,
 * which joins but stays in our pid namespace where the container cannot
 * name it, does every step that needs them or more privilege than CMD's;
 * and CMD's process is born holding only its stdio and the two pipes,
 * with CMD's credentials already. CLONE_PARENT makes it the helper's own
 * child: the helper reaps it, gets its status, and it can have a parent-
 * death signal for the helper, with no reparenting to wait for. All three
 * are non-dumpable (set first, inherited), which keeps away ptracers
 * without CAP_SYS_PTRACE in the host's user namespace. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helper.h"
#include "syscalls.h"

/* pipes and sockets between the helper and the processes it starts:
 * [0] read end, [1] write end */
struct exec_channels {
  int report[2]; /* intermediate or CMD's process -> helper: struct child_report, EOF at execve */
  int pid[2];    /* intermediate -> helper: the host pid of CMD's process */
  int sock[2];   /* intermediate -> helper: the pty master (SCM_RIGHTS), --tty */
  int out[2];    /* CMD's stdout, no --tty */
  int err[2];    /* CMD's stderr, no --tty */
  int in[2];     /* CMD's stdin, --stdin without --tty */
};

static pid_t intermediate_pid = -1;
static pid_t child_pid = -1;

__attribute__((noreturn)) static void exec_fail(const struct error *e)
{
  kill_and_reap(child_pid);
  kill_and_reap(intermediate_pid);
  report_error(e);
  exit(exit_code_for(e->stage, e->err));
}

static void close_end(int *fds, int i)
{
  if (fds[i] >= 0) {
    close(fds[i]);
    fds[i] = -1;
  }
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

static int make_channels(const struct config *c, struct exec_channels *ch, struct error *e)
{
  if (pipe2(ch->report, O_CLOEXEC) < 0 || pipe2(ch->pid, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  if (c->tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch->sock) < 0)
      return fail(e, "clone", "socketpair");
    return 0;
  }
  /* CMD never gets the caller's fds (a terminal it could keep writing to
   * and reading from after we return): pipes, which we copy. */
  if (pipe2(ch->out, O_CLOEXEC) < 0 || pipe2(ch->err, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  if (c->keep_stdin && pipe2(ch->in, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  return 0;
}

/* CMD's process, from its clone by the intermediate to execve. */
__attribute__((noreturn)) static void exec_child(const struct config *c, struct exec_channels *ch)
{
  struct error e = { 0 };
  struct pollfd p = { .fd = ch->report[1], .events = POLLOUT };

  close_end(ch->pid, 1); /* the intermediate's, to tell the helper our pid */
  child_reset_signals();
  /* Our parent is the helper (CLONE_PARENT). Had it died before this
   * prctl, we would not be told: the error pipe has no reader then. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    die_with_error("clone", "PR_SET_PDEATHSIG");
  if (poll(&p, 1, 0) < 0 || (p.revents & POLLERR))
    _exit(125);
  /* Own session: the caller's terminal signals go to the helper, which
   * forwards them; with --tty the container's pty (on 0-2) becomes ours. */
  if (setsid() < 0)
    die_with_error("clone", "setsid");
  if (c->tty && pty_make_controlling(0, &e) < 0)
    die_with_struct(&e);
  exec_in_workdir(c);
}

/* The intermediate: joins, sets CMD's process up and clones it. Never
 * returns. Our parent, the helper, waits for CMD's pid on the pid pipe. */
__attribute__((noreturn)) static void exec_intermediate(const struct config *c, struct exec_channels *ch, int pidfd,
                                                        int flags, pid_t helper)
{
  struct error e = { 0 };
  int master = -1, slave = -1;
  pid_t pid;

  child_report_fd = ch->report[1];
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    die_with_error("clone", "PR_SET_PDEATHSIG");
  if (getppid() != helper)
    _exit(125); /* the helper died before the prctl */
  close_end(ch->report, 0);
  close_end(ch->pid, 0);
  close_end(ch->sock, 0);
  close_end(ch->out, 0);
  close_end(ch->err, 0);
  close_end(ch->in, 1);

  /* "0" is ourselves (see join_cgroups in run.c for why), and CMD's process
   * is born in them. The files were opened on the host, and the kernel
   * checks the migration against the opener's credentials and cgroup
   * namespace. */
  for (size_t i = 0; i < c->n_cgroups; i++)
    if (write_all(c->cgroup_fds[i], "0", 1) < 0)
      die_with_error("cgroup", "join cgroup `%s`", c->cgroups[i]);
  /* Inherited by CMD's process; set here, where /proc is still the host's */
  if (apply_process_limits(c, &e) < 0)
    die_with_struct(&e);
  /* All at once; pid and time apply to the process we clone next, which
   * alone is in the container's pid namespace. */
  if (flags != 0 && setns(pidfd, flags) < 0)
    die_with_error("setns", "setns into the namespaces of pid %d", (int) c->pid);

  /* stdio of CMD, before anything of the container can see it: the pty's
   * slave (our root is the container's now: its own devpts), or the pipes
   * and /dev/null. Never the caller's fds. */
  if (c->tty) {
    if (pty_open_in_root(&master, &slave, &e) < 0 || send_fd(ch->sock[1], master, "tty", "the pty master", &e) < 0)
      die_with_struct(&e);
    close(master);
    for (int fd = 0; fd < 3; fd++)
      if (dup2(slave, fd) < 0)
        die_with_error("tty", "dup2 the pty slave");
  } else {
    if (dup2(ch->in[0] >= 0 ? ch->in[0] : c->devnull_fd, 0) < 0 || dup2(ch->out[1], 1) < 0 ||
        dup2(ch->err[1], 2) < 0)
      die_with_error("clone", "dup2 stdin/stdout/stderr");
  }
  /* Host /proc, the pidfd, the cgroup files, /dev/null, the engine's fds:
   * none of them may reach CMD's process. */
  int keep[] = { ch->report[1], ch->pid[1] };
  if (close_fds_except(keep, 2, &e) < 0)
    die_with_struct(&e);
  set_credentials(c, (flags & CLONE_NEWUSER) != 0);

  pid = sys_clone_parent();
  if (pid < 0)
    die_with_error("clone", "clone CMD's process");
  if (pid == 0)
    exec_child(c, ch);
  /* We are in the host's pid namespace: this is its host pid. */
  if (write_all(ch->pid[1], &pid, sizeof pid) < 0)
    die_with_error("clone", "tell the helper CMD's pid");
  _exit(0);
}

/* The child's error pipe: 0 at EOF with nothing in it, -1 with E filled
 * from its report. */
static int read_report(int fd, struct error *e)
{
  static char stage[sizeof((struct child_report *) 0)->stage + 1];
  struct child_report rep;
  ssize_t n = read_full(fd, &rep, sizeof rep);

  if (n < 0)
    return fail(e, "clone", "read the error pipe");
  if (n == 0)
    return 0;
  if (n != (ssize_t) sizeof rep)
    return failx(e, "clone", "short report from the child (%zd bytes)", n);
  memcpy(stage, rep.stage, sizeof rep.stage);
  rep.msg[sizeof rep.msg - 1] = '\0';
  failx(e, stage, "%s", rep.msg);
  e->err = rep.err; /* the message already carries the errno text */
  return -1;
}

/* CMD's pid, from the intermediate. Its pipe was in CMD's process for a
 * moment, so the pid must prove itself: our child, and not the
 * intermediate (those are our only children). */
static pid_t receive_child_pid(struct exec_channels *ch, struct error *e)
{
  siginfo_t si;
  pid_t pid;
  ssize_t n = read_full(ch->pid[0], &pid, sizeof pid);
  int wstatus = 0;

  if (n < 0)
    return fail(e, "clone", "read the pid pipe");
  if (n == 0 || n != (ssize_t) sizeof pid) {
    /* the intermediate failed, and says why on the error pipe */
    while (waitpid(intermediate_pid, &wstatus, 0) < 0)
      if (errno != EINTR)
        return fail(e, "clone", "waitpid");
    intermediate_pid = -1;
    if (read_report(ch->report[0], e) < 0)
      return -1;
    return failx(e, "clone", "the intermediate process ended without starting CMD (wait status %#x)", wstatus);
  }
  memset(&si, 0, sizeof si);
  if (pid <= 0 || pid == intermediate_pid || waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
    return failx(e, "clone", "the intermediate process reported pid %d, which is not CMD's", (int) pid);
  child_pid = pid;
  return pid;
}

/* It exits right after telling us the pid: reaped once CMD runs, so that
 * its exit is not on the way to CMD's start. */
static int reap_intermediate(struct error *e)
{
  while (waitpid(intermediate_pid, NULL, 0) < 0)
    if (errno != EINTR)
      return fail(e, "clone", "waitpid");
  intermediate_pid = -1;
  return 0;
}

int exec_main(struct config *c)
{
  struct error e = { 0 };
  struct exec_channels ch = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
  cleanup_fd int pidfd = -1;
  cleanup_fd int procfd = -1;
  int sigfd, flags, master = -1, wstatus, code, sig;
  unsigned long long start;
  pid_t helper = getpid();

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
  if (make_channels(c, &ch, &e) < 0)
    exec_fail(&e);

  intermediate_pid = fork();
  if (intermediate_pid < 0) {
    fail(&e, "clone", "fork");
    exec_fail(&e);
  }
  if (intermediate_pid == 0)
    exec_intermediate(c, &ch, pidfd, flags, helper);
  /* EOF on the error pipe: CMD was exec'd (or nobody is left to report). */
  close_end(ch.report, 1);
  close_end(ch.pid, 1);
  close_end(ch.sock, 1);
  close_end(ch.out, 1);
  close_end(ch.err, 1);
  close_end(ch.in, 0);

  if (receive_child_pid(&ch, &e) < 0)
    exec_fail(&e);
  if (c->tty) {
    /* sent before the clone: it is there */
    master = recv_fd(ch.sock[0], "tty", "the pty master", &e);
    if (master < 0)
      exec_fail(&e);
    close_end(ch.sock, 0);
  }

  if (read_start_time(procfd, child_pid, &start, &e) < 0)
    exec_fail(&e);
  status_line("{\"pid\":%d,\"start\":%llu}", (int) child_pid, start);

  if (read_report(ch.report[0], &e) < 0)
    exec_fail(&e);
  close_end(ch.report, 0);
  status_line("{\"started\":true}");
  if (reap_intermediate(&e) < 0)
    exec_fail(&e);

  struct monitor m = {
    .pid = child_pid, .pidfd = -1, .sigfd = sigfd, .log_fd = -1,
    .in_fd = -1, .in_to = -1, .winsize_from = -1, .winsize_to = -1,
  };
  m.pidfd = sys_pidfd_open(child_pid, 0);
  if (m.pidfd < 0) {
    fail(&e, "clone", "pidfd_open");
    exec_fail(&e);
  }
  if (master >= 0) {
    if (monitor_attach_terminal(&m, master, c->keep_stdin, &e) < 0)
      exec_fail(&e);
  } else {
    monitor_attach_pipes(&m, ch.out[0], ch.err[0], ch.in[1]);
  }
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
