/* The loop of a process that waits for its child: copy output (to the log
 * and, attached, to our own stdout/stderr), forward the caller's input and
 * signals, and reap the child. Used by run's monitor and by exec. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "helper.h"
#include "syscalls.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* Block the signals we forward and read them from a signalfd instead, so
 * none of them can kill us halfway through setup. The child restores the
 * mask before execve (child_reset_signals). */
int monitor_setup_signals(struct error *e)
{
  sigset_t set;
  int fd;

  sigemptyset(&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset(&set, forwarded[i]);
  sigaddset(&set, SIGWINCH);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
    return fail(e, "clone", "sigprocmask");
  /* An ignored signal is discarded, not queued to the signalfd: undo what
   * the engine's shell may have ignored (SIGINT/SIGQUIT in background jobs). */
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    if (signal(forwarded[i], SIG_DFL) == SIG_ERR)
      return fail(e, "clone", "reset signal %d", forwarded[i]);
  /* A closed reader (engine gone) must not kill the monitor. */
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
    return fail(e, "clone", "ignore SIGPIPE");
  fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0)
    return fail(e, "clone", "signalfd");
  return fd;
}

void wstatus_to_code(int wstatus, int *code, int *sig)
{
  if (WIFSIGNALED(wstatus)) {
    *sig = WTERMSIG(wstatus);
    *code = 128 + *sig;
  } else {
    *sig = 0;
    *code = WEXITSTATUS(wstatus);
  }
}

/* Returns false at EOF or on an error that ends the stream (EIO on a pty
 * master once the last slave is closed). */
static bool pump(struct monitor *m, struct stream *s)
{
  char buf[16384];
  for (;;) {
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return true;
    if (n <= 0)
      return false;
    /* The attached caller may have closed its end; keep logging anyway. */
    if (s->out_fd >= 0 && write_all(s->out_fd, buf, (size_t) n) < 0)
      s->out_fd = -1;
    log_record(m->log_fd, s->name, buf, (size_t) n);
    if ((size_t) n < sizeof buf)
      return true;
  }
}

/* The caller's input ended (or CMD stopped reading it): a pipe is closed,
 * so CMD reads EOF; a pty master stays, it is CMD's terminal. */
static void end_input(struct monitor *m)
{
  m->in_fd = -1;
  m->in_len = m->in_off = 0;
  if (m->in_to >= 0 && !m->in_to_pty)
    close(m->in_to);
  m->in_to = -1;
}

/* One chunk at a time: read the caller's input only once the last chunk is
 * all written, and write only when CMD's side has room (in_to is
 * non-blocking). A CMD that does not read its stdin thus never blocks us,
 * and we keep copying its output meanwhile. */
static void read_input(struct monitor *m)
{
  ssize_t n = read(m->in_fd, m->in_buf, sizeof m->in_buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0) {
    m->in_len = (size_t) n;
    m->in_off = 0;
    return;
  }
  /* End of a piped input into a pty: type the EOF character, so CMD sees
   * end of input like on a terminal. */
  struct termios t;
  m->in_fd = -1;
  if (m->in_to_pty && tcgetattr(m->in_to, &t) == 0) {
    m->in_buf[0] = (char) t.c_cc[VEOF];
    m->in_len = 1;
    m->in_off = 0;
    return;
  }
  end_input(m);
}

static void write_input(struct monitor *m)
{
  ssize_t n = write(m->in_to, m->in_buf + m->in_off, m->in_len - m->in_off);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n < 0) {
    end_input(m); /* EPIPE: CMD closed its stdin; the rest is not wanted */
    return;
  }
  m->in_off += (size_t) n;
  if (m->in_off == m->in_len) {
    m->in_len = m->in_off = 0;
    if (m->in_fd < 0)
      end_input(m);
  }
}

static void forward(struct monitor *m, int sig)
{
  /* The child may already be gone (ESRCH); then there is nothing to do. */
  if (m->pidfd >= 0)
    (void) sys_pidfd_send_signal(m->pidfd, sig);
  else
    (void) kill(m->pid, sig);
}

static void handle_signal(struct monitor *m)
{
  struct signalfd_siginfo si;
  while (read(m->sigfd, &si, sizeof si) == (ssize_t) sizeof si) {
    if (si.ssi_signo == SIGWINCH) {
      copy_winsize(m->winsize_from, m->winsize_to);
      continue;
    }
    /* While the engine relays, what reaches us reached it too (a Ctrl-C
     * goes to the whole foreground process group, a supervisor kills the
     * group): forwarding both would deliver it twice. */
    if (m->relay_fd < 0)
      forward(m, (int) si.ssi_signo);
  }
}

/* Bytes from --signal-fd, each a signal number the engine received. A
 * pipe, unlike signals, loses none: a relayed SIGINT cannot merge with
 * the terminal's pending one. At EOF the engine is gone, and our own
 * signals are forwarded again. */
static void handle_relay(struct monitor *m)
{
  unsigned char buf[64];
  ssize_t n = read(m->relay_fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    close(m->relay_fd);
    m->relay_fd = -1;
    return;
  }
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] >= 1 && buf[i] <= 64 && buf[i] != SIGKILL && buf[i] != SIGSTOP)
      forward(m, buf[i]);
}

/* With a pty: output of the master goes to our stdout, and when our stdin is
 * a terminal, its size follows ours and (with keep_stdin) it is made raw and
 * forwarded to the master. */
int monitor_attach_terminal(struct monitor *m, int master, bool keep_stdin, struct error *e)
{
  m->streams[m->n_streams++] = (struct stream){ master, "stdout", 1 };
  if (isatty(0)) {
    copy_winsize(0, master);
    m->winsize_from = 0;
    m->winsize_to = master;
    if (keep_stdin && term_make_raw(0, e) < 0)
      return -1;
  }
  if (keep_stdin) {
    m->in_fd = 0;
    m->in_to = master;
    m->in_to_pty = true;
  }
  return 0;
}

/* Without a pty: CMD's stdout and stderr pipes are copied to ours, and our
 * stdin to IN (CMD's stdin pipe, closed at the end of ours), if IN >= 0. */
void monitor_attach_pipes(struct monitor *m, int out, int err, int in)
{
  m->streams[m->n_streams++] = (struct stream){ out, "stdout", 1 };
  m->streams[m->n_streams++] = (struct stream){ err, "stderr", 2 };
  if (in >= 0) {
    m->in_fd = 0;
    m->in_to = in;
    m->in_to_pty = false;
  }
}

int monitor_loop(struct monitor *m, int *wstatus, struct error *e)
{
  bool exited = false;

  for (size_t i = 0; i < m->n_streams; i++)
    if (m->streams[i].fd >= 0 && set_nonblock(m->streams[i].fd) < 0)
      return fail(e, "clone", "set O_NONBLOCK");
  /* (not our stdin: its file description is the caller's too) */
  if (m->in_to >= 0 && set_nonblock(m->in_to) < 0)
    return fail(e, "clone", "set O_NONBLOCK");
  if (m->relay_fd >= 0 && set_nonblock(m->relay_fd) < 0)
    return fail(e, "clone", "set O_NONBLOCK");

  while (!exited) {
    struct pollfd pfd[6];
    int idx_stream[2] = { -1, -1 }, idx_in = -1, idx_sig = -1, idx_relay = -1, idx_pid = -1;
    bool pending = m->in_len > m->in_off;
    nfds_t n = 0;

    for (size_t i = 0; i < m->n_streams; i++)
      if (m->streams[i].fd >= 0) {
        idx_stream[i] = (int) n;
        pfd[n++] = (struct pollfd){ .fd = m->streams[i].fd, .events = POLLIN };
      }
    if (m->in_to >= 0 && (pending || m->in_fd >= 0)) {
      idx_in = (int) n;
      pfd[n++] = pending ? (struct pollfd){ .fd = m->in_to, .events = POLLOUT }
                         : (struct pollfd){ .fd = m->in_fd, .events = POLLIN };
    }
    if (m->sigfd >= 0) {
      idx_sig = (int) n;
      pfd[n++] = (struct pollfd){ .fd = m->sigfd, .events = POLLIN };
    }
    if (m->relay_fd >= 0) {
      idx_relay = (int) n;
      pfd[n++] = (struct pollfd){ .fd = m->relay_fd, .events = POLLIN };
    }
    idx_pid = (int) n;
    pfd[n++] = (struct pollfd){ .fd = m->pidfd, .events = POLLIN };

    if (poll(pfd, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      return fail(e, "clone", "poll");
    }
    for (size_t i = 0; i < m->n_streams; i++)
      if (idx_stream[i] >= 0 && pfd[idx_stream[i]].revents && !pump(m, &m->streams[i])) {
        if (m->in_to == m->streams[i].fd)
          end_input(m); /* the pty is gone: nothing to type into */
        close(m->streams[i].fd);
        m->streams[i].fd = -1;
      }
    if (idx_in >= 0 && pfd[idx_in].revents && m->in_to >= 0) {
      if (pending)
        write_input(m);
      else
        read_input(m);
    }
    /* relayed first: at EOF in the same round, our own signals count again */
    if (idx_relay >= 0 && pfd[idx_relay].revents)
      handle_relay(m);
    if (idx_sig >= 0 && pfd[idx_sig].revents)
      handle_signal(m);
    if (pfd[idx_pid].revents) {
      pid_t r;
      do
        r = waitpid(m->pid, wstatus, 0);
      while (r < 0 && errno == EINTR);
      if (r < 0)
        return fail(e, "clone", "waitpid");
      exited = true;
    }
  }

  /* Drain what is left. A pty hands data to the master asynchronously, so
   * give it a moment; but do not wait for EOF forever: a process that
   * outlived the container (no pid namespace) may hold the pipe open. */
  for (size_t i = 0; i < m->n_streams; i++) {
    struct stream *s = &m->streams[i];
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (s->fd >= 0) {
      struct pollfd p = { .fd = s->fd, .events = POLLIN };
      int r = poll(&p, 1, 100);
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (r <= 0 || !pump(m, s) || now.tv_sec - start.tv_sec >= 2) {
        close(s->fd);
        s->fd = -1;
      }
    }
  }
  return 0;
}
