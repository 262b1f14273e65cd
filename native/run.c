/* `run`: create the container and stay as its monitor (its init's parent).
 *
 *   monitor (host namespaces)             child = container init
 *   open every host fd
 *   [--detach: double fork, setsid]
 *   join pid/net/ipc/uts/time (--join-ns)
 *   clone3(CLONE_NEW*, into the v2 cgroup) -> wait on the sync pipe
 *   {"pid"}; wait --userns-block-fd
 *   release ----------------------------> join the v1 cgroups, cgroup ns,
 *                                          mounts, pivot_root, tty,
 *                                          hostname, user, caps, nnp,
 *                                          seccomp, execve
 *   error pipe: EOF = started, else a report -> kill, reap, {"error"}
 *   copy output, forward signals, reap, write the exit file
 *
 * A joined user namespace with a new pid or time namespace takes one step
 * more (see join_user_namespace): the child joins, unshares them and forks
 * the real init, which the monitor adopts as a child subreaper.
 *
 * The child is in its own mount namespace from its first instruction, so
 * no mount it makes is ever visible on the host; killing it on any error
 * tears everything down. */
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

#include "helper.h"
#include "syscalls.h"

/* pipes and sockets between monitor and child: [0] read end, [1] write end */
struct channels {
  int sync[2];   /* monitor -> child: one byte = go */
  int report[2]; /* child -> monitor: struct child_report, or EOF at execve */
  int out[2];    /* container stdout (no tty) */
  int err[2];    /* container stderr (no tty) */
  int in[2];     /* container stdin (attached --stdin, no tty) */
  int sock[2];   /* child -> monitor: the pty master (SCM_RIGHTS) */
  int init[2];   /* forked init -> monitor: one byte whose SCM_CREDENTIALS
                    carry its pid (joined user namespace, see below) */
  int idmap[2];  /* monitor -> child: the idmapped volumes' trees (idmap.c) */
};

static pid_t child_pid = -1;
static int detach_result_fd = -1; /* detached monitor -> the process the engine waits for */

/* Setup failed: the container must not survive half-made. Kill and reap it
 * (its mount namespace and every mount in it die with it), report, exit. */
__attribute__((noreturn)) static void monitor_fail(const struct error *e)
{
  int code = exit_code_for(e->stage, e->err);
  kill_and_reap(child_pid);
  report_error(e);
  if (detach_result_fd >= 0) {
    unsigned char b = (unsigned char) code;
    (void) write_all(detach_result_fd, &b, 1);
  }
  exit(code);
}

/* Host-side resources, opened before anything else so later steps (and a
 * symlink planted meanwhile) cannot change what they refer to. */
static bool joins_user_namespace(const struct config *c);

static int open_run_fds(struct config *c, struct error *e)
{
  if (idmap_check(c, joins_user_namespace(c), e) < 0)
    return -1;
  if (open_common_fds(c, e) < 0)
    return -1;
  c->rootfs_fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (c->rootfs_fd < 0)
    return fail(e, "mount", "open rootfs `%s`", c->rootfs);
  for (size_t i = 0; i < c->n_mounts; i++) {
    struct mount_entry *m = &c->mounts[i];
    struct stat st;
    if (m->kind == MOUNT_TMPFS)
      continue;
    if (m->src_fd < 0) {
      /* --bind: a path of tsbox's own (the host image's /usr, a
       * container's /etc files), opened now, before anything changes */
      m->src_fd = open(m->src, O_PATH | O_CLOEXEC);
      if (m->src_fd < 0)
        return fail(e, "mount", "open bind source `%s`", m->src);
    } else {
      /* --bind-fd: the engine opened it (O_NOFOLLOW) and checked what it
       * names; a symlink would be a source swapped for one */
      if (fstat(m->src_fd, &st) < 0)
        return fail(e, "mount", "stat bind fd %d", m->src_fd);
      if (S_ISLNK(st.st_mode))
        return failx(e, "mount", "bind fd %d (for `%s`) is a symlink", m->src_fd, m->dst);
      if (m->kind == MOUNT_DEVICE && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        return failx(e, "mount", "device fd %d (for `%s`) is not a device node", m->src_fd, m->dst);
      m->src = m->canon = fd_path(m->src_fd, e);
      if (m->canon == NULL)
        return -1;
    }
    /* Cloning a tree of the host's mount namespace needs CAP_SYS_ADMIN in
     * the host's user namespace. Without it the child clones the source
     * from its own copy of the tree (mounts.c: clone_bind_source), found by
     * the path src_fd has there, and checks it against src_fd. */
    if (c->unprivileged) {
      if (m->canon == NULL && (m->canon = fd_path(m->src_fd, e)) == NULL)
        return -1;
      continue;
    }
    /* An fd on a mount of the host namespace cannot be bind-mounted from
     * the child's new namespace; a detached clone of the tree can be
     * attached. It is read-only (when asked) and private from here on.
     * An idmapped one is cloned once the maps exist (idmap.c). */
    if (m->idmap)
      continue;
    m->tree_fd = detached_tree_attr(m->src_fd, bind_attr(m), m->src, e);
    if (m->tree_fd < 0)
      return -1;
  }
  if (open_cgroup_mounts(c, e) < 0)
    return -1;
  for (size_t i = 0; i < c->n_joins; i++) {
    c->joins[i].fd = open(c->joins[i].path, O_RDONLY | O_CLOEXEC);
    if (c->joins[i].fd < 0)
      return fail(e, "clone", "open namespace `%s`", c->joins[i].path);
  }
  if (c->start_fifo) {
    struct stat st;
    /* Made here, in the runtime's own state dir (root's, 0700): mkfifo
     * fails on anything already there, so it is ours. Writable by all:
     * the init opens it as the container's user, which may be anyone. */
    if (mkfifo(c->start_fifo, 0600) < 0 || chmod(c->start_fifo, 0622) < 0)
      return fail(e, "argv", "make --start-fifo `%s`", c->start_fifo);
    c->start_fifo_fd = open(c->start_fifo, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (c->start_fifo_fd < 0)
      return fail(e, "argv", "open --start-fifo `%s`", c->start_fifo);
    if (fstat(c->start_fifo_fd, &st) < 0)
      return fail(e, "argv", "stat --start-fifo `%s`", c->start_fifo);
    if (!S_ISFIFO(st.st_mode))
      return failx(e, "argv", "--start-fifo `%s` is not a fifo", c->start_fifo);
  }
  if (c->log_path) {
    c->log_fd = log_open(c->log_path, c->log_max, e);
    if (c->log_fd < 0)
      return -1;
  } else if (c->log_max) {
    return failx(e, "argv", "--log-max needs --log");
  }
  return 0;
}

static void close_fd(int *fd)
{
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

static void close_setup_fds(struct config *c)
{
  close_fd(&c->rootfs_fd);
  for (size_t i = 0; i < c->n_mounts; i++) {
    close_fd(&c->mounts[i].src_fd);
    close_fd(&c->mounts[i].tree_fd);
  }
  for (size_t i = 0; i < c->n_joins; i++)
    close_fd(&c->joins[i].fd);
  close_fd(&c->devnull_fd);
  for (size_t i = 0; i < c->n_cgroups; i++)
    close_fd(&c->cgroup_fds[i]);
  close_fd(&c->cgroup_v2_dir);
  close_fd(&c->start_fifo_fd);
  close_fd(&c->console_fd);
  close_cgroup_mounts(c);
}

/* The process the engine spawned waits here for the monitor's verdict and
 * exits with it; only the detached monitor (grandchild, new session, no
 * terminal, stdio on /dev/null) returns. */
static void detach(struct config *c)
{
  struct error e = { 0 };
  int p[2];
  pid_t mid;
  unsigned char code;

  if (pipe2(p, O_CLOEXEC) < 0) {
    fail(&e, "clone", "pipe");
    monitor_fail(&e);
  }
  mid = fork();
  if (mid < 0) {
    fail(&e, "clone", "fork");
    monitor_fail(&e);
  }
  if (mid == 0) {
    pid_t mon;
    close(p[0]);
    if (setsid() < 0)
      _exit(125);
    mon = fork();
    if (mon < 0)
      _exit(125);
    if (mon > 0)
      _exit(0);
    detach_result_fd = p[1];
    for (int fd = 0; fd < 3; fd++)
      if (dup2(c->devnull_fd, fd) < 0) {
        fail(&e, "clone", "dup2 /dev/null");
        monitor_fail(&e);
      }
    return;
  }
  close(p[1]);
  while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
    ;
  exit(read_full(p[0], &code, 1) == 1 ? code : 125);
}

static int make_channels(struct channels *ch, const struct config *c, bool forked_init, struct error *e)
{
  if (pipe2(ch->sync, O_CLOEXEC) < 0 || pipe2(ch->report, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  if (forked_init) {
    int on = 1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch->init) < 0)
      return fail(e, "clone", "socketpair");
    /* The kernel attaches the sender's pid to what it writes, translated
     * into our pid namespace: the init knows itself only as pid 1. */
    if (setsockopt(ch->init[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
      return fail(e, "clone", "SO_PASSCRED");
  }
  if (idmap_wanted(c) && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch->idmap) < 0)
    return fail(e, "clone", "socketpair");
  if (c->tty) {
    /* with --console-socket the child sends the master there itself */
    if (c->console_fd < 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch->sock) < 0)
      return fail(e, "clone", "socketpair");
    return 0;
  }
  if (c->inherit_stdio)
    return 0;
  if (pipe2(ch->out, O_CLOEXEC) < 0 || pipe2(ch->err, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  /* The caller's stdin is copied into a pipe, never handed over: CMD (or
   * what it leaves behind) would keep the caller's terminal after we exit. */
  if (c->keep_stdin && !c->detach && pipe2(ch->in, O_CLOEXEC) < 0)
    return fail(e, "clone", "pipe");
  return 0;
}

static void close_pair_end(int *fds, int i)
{
  if (fds[i] >= 0) {
    close(fds[i]);
    fds[i] = -1;
  }
}

static bool joins_user_namespace(const struct config *c)
{
  for (size_t i = 0; i < c->n_joins; i++)
    if (c->joins[i].flag == CLONE_NEWUSER)
      return true;
  return false;
}

/* New pid and time namespaces belong to the user namespace of the process
 * that creates them, and a pid namespace's /proc may only be mounted by a
 * root of that user namespace. clone3 in the monitor would make them the
 * host's. So with a joined user namespace the child joins it, unshares
 * them there, and forks: the fork is the container's init (pid 1 of the new
 * pid namespace, born in the new time namespace). */
static bool forks_init(const struct config *c)
{
  return joins_user_namespace(c) && (c->ns_flags & (CLONE_NEWPID | CLONE_NEWTIME));
}

/* In the child, before the monitor releases it: join the user namespace
 * and create the namespaces it should own. With forks_init(), only the
 * forked init returns; it tells the monitor its pid, and the child exits so
 * that the monitor (a child subreaper) adopts it. */
static void join_user_namespace(const struct config *c, struct channels *ch, int user_fd)
{
  int flags = c->ns_flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWTIME);
  pid_t pid;

  if (setns(user_fd, CLONE_NEWUSER) < 0)
    die_with_error("userns", "join user namespace");
  if (unshare(flags) < 0)
    die_with_error("userns", "unshare");
  if (!forks_init(c))
    return;
  pid = fork();
  if (pid < 0)
    die_with_error("clone", "fork the container's init");
  if (pid > 0)
    _exit(0);
  /* A fork starts without a parent-death signal; the monitor is not our
   * parent yet (see container_init for when it is set). */
  if (write_all(ch->init[1], "1", 1) < 0)
    die_with_error("clone", "tell the monitor the init's pid");
  close_pair_end(ch->init, 1);
}

/* The init joins its cgroups itself, by writing "0" (the writer) to each
 * file opened on the host. Moving another process (writing its pid, as
 * the monitor once did) takes a global lock whose first taker waits for an
 * RCU grace period: ~10 ms of every container start. Moving oneself through
 * a v1 `tasks` file does not take it, and as we are single-threaded, moving
 * this thread moves the process. A v2 cgroup that clone3 placed us in is
 * already ours. */
static void join_cgroups(struct config *c)
{
  for (size_t i = 0; i < c->n_cgroups; i++) {
    if (c->cgroup_v2_by_clone && i == c->cgroup_v2_index)
      continue;
    if (write_all(c->cgroup_fds[i], "0", 1) < 0)
      die_with_error("cgroup", "join cgroup `%s`", c->cgroups[i]);
  }
}

/* The container's init, from clone3 to execve. Never returns. */
__attribute__((noreturn)) static void container_init(struct config *c, struct channels *ch)
{
  struct error e = { 0 };
  bool user_joined = false;
  int user_fd = -1, cgroup_fd = -1;
  char go;
  ssize_t n;

  child_report_fd = ch->report[1];
  child_reset_signals();
  /* Others' processes can see us while we hold host fds and every
   * capability: sharing a pid namespace (joined, or the host's), or from
   * the host's pid namespace (a --pid host container) with a new one. Only
   * a ptracer with CAP_SYS_PTRACE in the host's user namespace may come
   * near us now (execve makes CMD dumpable again): without it, our fds and
   * /proc/PID/exe (sealed.c) stay closed to a container root whose
   * capabilities are ours once we dropped them. Rootless, those others are
   * the caller's own processes, and newuidmap needs our /proc/PID to stay
   * the caller's. */
  if (!c->unprivileged && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error("clone", "PR_SET_DUMPABLE");
  /* If the monitor dies during setup, so do we. Cleared before execve. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    die_with_error("clone", "PR_SET_PDEATHSIG");
  /* While /proc is the host's and our ids are still the monitor's: the
   * oom_score_adj file of a non-dumpable process is host root's. */
  if (apply_process_limits(c, &e) < 0)
    die_with_struct(&e);
  close_pair_end(ch->sync, 1);
  close_pair_end(ch->report, 0);
  close_pair_end(ch->out, 0);
  close_pair_end(ch->err, 0);
  close_pair_end(ch->in, 1);
  close_pair_end(ch->sock, 0);
  close_pair_end(ch->init, 0);
  close_pair_end(ch->idmap, 1);
  /* the monitor's, for --on-exit and the engine's signal relay */
  close_home_namespaces(c);
  if (c->signal_fd >= 0) {
    close(c->signal_fd);
    c->signal_fd = -1;
  }
  /* Exact modes for the nodes and dirs we create; CMD gets 022. */
  umask(0);

  for (size_t i = 0; i < c->n_joins; i++) {
    if (c->joins[i].flag == CLONE_NEWUSER) {
      user_fd = c->joins[i].fd;
      user_joined = true;
    }
    if (c->joins[i].flag == CLONE_NEWCGROUP)
      cgroup_fd = c->joins[i].fd;
  }
  /* Joining a user namespace must come before creating namespaces that it
   * should own, so those were left out of clone3 and are unshared here;
   * before the release, since the monitor must know the final init's pid. */
  if (user_joined)
    join_user_namespace(c, ch, user_fd);

  /* stdio: pipes to the monitor, or /dev/null until the pty exists. The
   * caller's fds (its terminal) are never handed to the container. */
  if (c->inherit_stdio) {
    /* the OCI caller chose them (conmon's pipes, the shim's fifos) */
  } else if (!c->tty) {
    if (dup2(ch->in[0] >= 0 ? ch->in[0] : c->devnull_fd, 0) < 0 || dup2(ch->out[1], 1) < 0 ||
        dup2(ch->err[1], 2) < 0)
      die_with_error("clone", "dup2 stdin/stdout/stderr");
    close_pair_end(ch->in, 0);
    close_pair_end(ch->out, 1);
    close_pair_end(ch->err, 1);
  } else {
    for (int fd = 0; fd < 3; fd++)
      if (dup2(c->devnull_fd, fd) < 0)
        die_with_error("clone", "dup2 /dev/null");
  }

  do
    n = read(ch->sync[0], &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    _exit(125); /* the monitor gave up; it reports */
  if (forks_init(c)) {
    /* The monitor has adopted us by now (it waited for our first parent
     * before the release). It keeps its end of the sync pipe open until it
     * has our report, so a hang-up here means it died before the prctl. */
    struct pollfd p = { .fd = ch->sync[0], .events = POLLIN };
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
      die_with_error("clone", "PR_SET_PDEATHSIG");
    if (poll(&p, 1, 0) != 0)
      _exit(125);
  }
  close_pair_end(ch->sync, 0);
  if (ch->idmap[0] >= 0) {
    if (idmap_receive_trees(c, ch->idmap[0], &e) < 0)
      die_with_struct(&e);
    close_pair_end(ch->idmap, 0);
  }
  join_cgroups(c);

  /* Our own session: terminal signals of the caller reach the monitor only,
   * which forwards them; and with --tty the pty becomes our terminal. */
  if (setsid() < 0)
    die_with_error("clone", "setsid");

  /* In a user namespace our host ids (root) are unmapped, and files we
   * create could not be owned by anyone; become the namespace's root (the
   * engine has written the id maps by now). Capabilities are kept. */
  if ((c->ns_flags & CLONE_NEWUSER) || user_joined) {
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
      die_with_error("userns", "become root of the user namespace (are uid_map/gid_map written?)");
    /* The caller's supplementary groups are unmapped here, but still count
     * in permission checks: a directory of the caller's group with mode
     * 0701 would refuse the container's root the search right others have.
     * EPERM: setgroups is denied (a single-id map), and they are the
     * caller's own then, which that map makes us anyway. */
    if (setgroups(0, NULL) < 0 && errno != EPERM)
      die_with_error("userns", "drop the caller's supplementary groups");
  }

  /* We are in our cgroups (join_cgroups): a new cgroup namespace now has
   * our own cgroup as its root. */
  if (cgroup_fd >= 0) {
    if (setns(cgroup_fd, CLONE_NEWCGROUP) < 0)
      die_with_error("cgroup", "join cgroup namespace");
  } else if ((c->ns_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
    die_with_error("cgroup", "unshare cgroup namespace");
  }

  struct ns_plan plan = {
    .in_userns = (c->ns_flags & CLONE_NEWUSER) || user_joined,
    .net_new = c->ns_flags & CLONE_NEWNET,
    .ipc_new = c->ns_flags & CLONE_NEWIPC,
  };
  for (size_t i = 0; i < c->n_joins; i++)
    if (c->joins[i].flag == CLONE_NEWNET)
      plan.net_joined = true;
  if (setup_rootfs(c, &plan, &e) < 0)
    die_with_struct(&e);

  if (c->tty) {
    int master, slave;
    if (pty_open_in_root(&master, &slave, &e) < 0)
      die_with_struct(&e);
    /* The slave belongs to CMD's user, as login would arrange. Best
     * effort: an unmapped owner only makes `tty` checks stricter. */
    if (c->uid != 0 || c->gid != 0)
      (void) fchown(slave, c->uid, c->gid);
    if (pty_make_controlling(slave, &e) < 0 ||
        send_fd(c->console_fd >= 0 ? c->console_fd : ch->sock[1], master, "tty", "the pty master", &e) < 0)
      die_with_struct(&e);
    close(master);
    close_pair_end(ch->sock, 1);
  }

  if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
    die_with_error("hostname", "sethostname `%s`", c->hostname);

  finish_and_exec(c, plan.in_userns);
}

/* The child's error pipe: 0 at EOF with nothing in it (CMD was exec'd, or
 * the child is gone without a word), -1 with E filled from its report. */
static int read_report(struct channels *ch, struct error *e)
{
  static char stage[sizeof ((struct child_report *) 0)->stage + 1];
  struct child_report report;
  ssize_t n = read_full(ch->report[0], &report, sizeof report);

  if (n < 0)
    return fail(e, "clone", "read the error pipe");
  if (n == 0)
    return 0;
  if ((size_t) n != sizeof report)
    return failx(e, "clone", "short report from the container (%zd bytes)", n);
  memcpy(stage, report.stage, sizeof report.stage);
  report.msg[sizeof report.msg - 1] = '\0';
  failx(e, stage, "%s", report.msg);
  e->err = report.err; /* the message already carries the errno text */
  return -1;
}

/* forks_init(): learn the pid of the init our child forked, wait for that
 * child to exit (from then on the init is ours, as a subreaper's), and make
 * the init the child we report, signal and reap. */
static int adopt_init(struct channels *ch, int *pidfd, struct error *e)
{
  char byte, ctl[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  struct ucred cred = { 0 };
  struct cmsghdr *cm;
  ssize_t n;
  int wstatus;

  do
    n = recvmsg(ch->init[0], &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return fail(e, "clone", "receive the init's pid");
  /* EOF: the child failed before forking, and says why on the error pipe */
  if (n == 0)
    return read_report(ch, e) < 0 ? -1 : failx(e, "clone", "the container's init was not forked");
  for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
      memcpy(&cred, CMSG_DATA(cm), sizeof cred);
  if (cred.pid <= 0)
    return failx(e, "clone", "no credentials came with the init's message");
  close_pair_end(ch->init, 0);

  while (waitpid(child_pid, &wstatus, 0) < 0)
    if (errno != EINTR)
      return fail(e, "clone", "waitpid");
  close(*pidfd);
  child_pid = cred.pid;
  *pidfd = sys_pidfd_open(child_pid, 0);
  if (*pidfd < 0)
    return fail(e, "clone", "pidfd_open the container's init");
  /* Orphans of the container's processes go to its init (new pid
   * namespace) or, sharing ours, to the host's reaper, not to us. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) < 0)
    return fail(e, "clone", "PR_SET_CHILD_SUBREAPER");
  return 0;
}

static void write_exit_file(const char *path, int code, int sig)
{
  char tmp[4096], buf[256], stamp[64];
  struct timespec ts;
  cleanup_fd int fd = -1;
  int n;

  clock_gettime(CLOCK_REALTIME, &ts);
  format_rfc3339(stamp, sizeof stamp, &ts);
  n = snprintf(buf, sizeof buf, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"}\n", code, sig, stamp);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  /* Renamed into place so that readers see all of it or none; not fsynced:
   * the engine reads an exit file only in the boot that wrote it (a crash
   * that could lose it is a reboot, and the record then says so).
   * Nobody is left to report to in detached mode; stderr is all we have. */
  if (fd < 0 || write_all(fd, buf, (size_t) n) < 0 || rename(tmp, path) < 0)
    fprintf(stderr, "tsbox-helper: write exit file `%s`: %s\n", path, strerror(errno));
}

int run_main(struct config *c)
{
  struct error e = { 0 };
  struct channels ch = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
  unsigned long long start;
  int procfd, sigfd, pidfd = -1, master = -1, wstatus, code, sig;
  int clone_flags;
  ssize_t n;

  if (open_run_fds(c, &e) < 0)
    monitor_fail(&e);
  if (c->detach)
    detach(c);
  sigfd = monitor_setup_signals(&e);
  if (sigfd < 0)
    monitor_fail(&e);

  if (save_home_namespaces(c, &e) < 0)
    monitor_fail(&e);

  /* setns() into pid and time namespaces only affects our future children,
   * and net/ipc/uts do not change what this process may touch; so we join
   * those here and the child is born in them. user and cgroup are joined by
   * the child (see container_init). */
  for (size_t i = 0; i < c->n_joins; i++) {
    int f = c->joins[i].flag;
    if (f == CLONE_NEWUSER || f == CLONE_NEWCGROUP)
      continue;
    if (setns(c->joins[i].fd, f) < 0) {
      fail(&e, "clone", "join namespace `%s`", c->joins[i].path);
      monitor_fail(&e);
    }
  }

  if (make_channels(&ch, c, forks_init(c), &e) < 0)
    monitor_fail(&e);
  /* The forked init is orphaned when the child that forked it exits: as a
   * child subreaper we become its parent, and can reap it (see adopt_init). */
  if (forks_init(c) && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    fail(&e, "clone", "PR_SET_CHILD_SUBREAPER");
    monitor_fail(&e);
  }

  /* cgroup is unshared by the child once it sits in its cgroup; with a
   * joined user namespace the child creates the rest (join_user_namespace) */
  clone_flags = c->ns_flags & ~CLONE_NEWCGROUP;
  if (joins_user_namespace(c))
    clone_flags &= ~(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWTIME);

  struct tsbox_clone_args args = {
    .flags = (uint64_t) clone_flags | CLONE_PIDFD,
    .pidfd = (uint64_t) (uintptr_t) &pidfd,
    .exit_signal = SIGCHLD,
  };
  /* The allowlist applies before anything of the container is in the cgroup. */
  if (c->n_device_rules > 0 && c->cgroup_v2_dir >= 0 &&
      attach_device_filter(c->cgroup_v2_dir, c->device_rules, c->n_device_rules, &e) < 0)
    monitor_fail(&e);

  /* Born in the v2 cgroup (Linux 5.7): no migration at all. Refused
   * (an older kernel, say), the init joins it like the v1 ones. */
  if (c->cgroup_v2_dir >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t) c->cgroup_v2_dir;
    c->cgroup_v2_by_clone = true;
    child_pid = sys_clone3(&args, sizeof args);
    if (child_pid < 0) {
      args.flags &= ~CLONE_INTO_CGROUP;
      c->cgroup_v2_by_clone = false;
    }
  }
  if (!c->cgroup_v2_by_clone)
    child_pid = sys_clone3(&args, sizeof args);
  if (child_pid < 0) {
    fail(&e, "clone", "clone3");
    monitor_fail(&e);
  }
  if (child_pid == 0)
    container_init(c, &ch);

  close_pair_end(ch.sync, 0);
  close_pair_end(ch.report, 1);
  close_pair_end(ch.out, 1);
  close_pair_end(ch.err, 1);
  close_pair_end(ch.in, 0);
  close_pair_end(ch.sock, 1);
  close_pair_end(ch.init, 1);
  close_pair_end(ch.idmap, 0);

  /* Opened only now, so the child never holds the host's /proc (our mount
   * namespace is the host's whatever we joined). */
  procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0) {
    fail(&e, "clone", "open `/proc`");
    monitor_fail(&e);
  }

  if (forks_init(c) && adopt_init(&ch, &pidfd, &e) < 0)
    monitor_fail(&e);

  if (read_start_time(procfd, child_pid, &start, &e) < 0)
    monitor_fail(&e);
  status_line("{\"pid\":%d,\"start\":%llu}", (int) child_pid, start);
  if (c->detach)
    status_line("{\"monitor\":%d}", (int) getpid());

  if (c->userns_block_fd >= 0) {
    char b;
    do
      n = read(c->userns_block_fd, &b, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) {
      if (n < 0)
        fail(&e, "userns", "read --userns-block-fd");
      else
        failx(&e, "userns", "aborted by the engine (--userns-block-fd closed)");
      monitor_fail(&e);
    }
    close(c->userns_block_fd);
    c->userns_block_fd = -1;
  }
  /* sent before the release: the socket holds them until the child reads */
  if (ch.idmap[1] >= 0) {
    if (idmap_send_trees(c, procfd, child_pid, ch.idmap[1], &e) < 0)
      monitor_fail(&e);
    close_pair_end(ch.idmap, 1);
  }

  if (write_all(ch.sync[1], "1", 1) < 0) {
    fail(&e, "clone", "release the child");
    monitor_fail(&e);
  }

  if (read_report(&ch, &e) < 0)
    monitor_fail(&e);
  close_pair_end(ch.report, 0);
  /* held open until now: a forked init checks it for our death (container_init) */
  close_pair_end(ch.sync, 1);

  if (c->tty && c->console_fd < 0) {
    master = recv_fd(ch.sock[0], "tty", "the pty master", &e);
    if (master < 0)
      monitor_fail(&e);
    close_pair_end(ch.sock, 0);
  }

  /* The container runs: the host fds that built it are no longer needed,
   * and a long-lived monitor should not pin host directories. */
  close_setup_fds(c);

  if (c->no_monitor) {
    /* CMD runs, or waits at the start fifo, with the caller's stdio or
     * pty: our exit hands it to the caller's reaper (conmon or the shim
     * are child subreapers), which waits for it as runc's callers do. */
    status_line(c->start_fifo ? "{\"created\":true}" : "{\"started\":true}");
    return 0;
  }
  if (!c->start_fifo)
    write_start_event(c);
  status_line(c->start_fifo ? "{\"created\":true}" : "{\"started\":true}");
  if (c->detach) {
    unsigned char ok = 0;
    (void) write_all(detach_result_fd, &ok, 1);
    close(detach_result_fd);
    detach_result_fd = -1;
    close(status_fd);
    status_fd = -1;
  }

  struct monitor m = {
    .pid = child_pid, .pidfd = pidfd, .sigfd = sigfd, .log_fd = c->log_fd,
    .in_fd = -1, .in_to = -1, .winsize_from = -1, .winsize_to = -1,
    .relay_fd = c->signal_fd,
  };
  if (c->tty && c->detach) {
    m.streams[m.n_streams++] = (struct stream){ master, "stdout", -1 };
  } else if (c->tty) {
    if (monitor_attach_terminal(&m, master, c->keep_stdin, &e) < 0)
      monitor_fail(&e);
  } else if (c->detach) {
    m.streams[m.n_streams++] = (struct stream){ ch.out[0], "stdout", -1 };
    m.streams[m.n_streams++] = (struct stream){ ch.err[0], "stderr", -1 };
  } else {
    monitor_attach_pipes(&m, ch.out[0], ch.err[0], ch.in[1]);
  }

  /* From here on the container runs: errors no longer kill it. */
  if (monitor_loop(&m, &wstatus, &e) < 0) {
    child_pid = -1;
    monitor_fail(&e);
  }
  child_pid = -1;
  term_restore();
  wstatus_to_code(wstatus, &code, &sig);
  if (c->exit_file)
    write_exit_file(c->exit_file, code, sig);
  write_exit_events(c, code);
  status_line("{\"exit\":%d,\"signal\":%d}", code, sig);
  run_on_exit(c);
  return code;
}
