/* Pseudo-terminals: opening one from the container's own devpts, making it
 * the controlling terminal, passing the master to the monitor, and putting
 * the caller's terminal in raw mode (restored on every exit path). */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "helper.h"
#include "syscalls.h"

/* Called with the container's root as our root (after pivot_root in run,
 * after setns into its mount namespace in exec). The container controls
 * that tree, so refuse symlinks and check that what we opened really is a
 * devpts ptmx before trusting it. */
int pty_open_in_root(int *master_out, int *slave_out, struct error *e)
{
  struct tsbox_open_how how = {
    .flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  cleanup_fd int master = sys_openat2(AT_FDCWD, "/dev/pts/ptmx", &how, sizeof how);
  cleanup_fd int slave = -1;
  struct statfs sfs;
  struct stat st;

  if (master < 0)
    return fail(e, "tty", "open `/dev/pts/ptmx`");
  if (fstatfs(master, &sfs) < 0 || fstat(master, &st) < 0)
    return fail(e, "tty", "stat `/dev/pts/ptmx`");
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
    return failx(e, "tty", "`/dev/pts/ptmx` is not a devpts ptmx");
  if (unlockpt(master) < 0)
    return fail(e, "tty", "unlockpt");
  /* TIOCGPTPEER opens the peer of this very master, no path lookup. */
  slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return fail(e, "tty", "open the pty slave");
  *master_out = steal_fd(&master);
  *slave_out = steal_fd(&slave);
  return 0;
}

/* In the child, already a session leader: the slave becomes its controlling
 * terminal and stdin/stdout/stderr. */
int pty_make_controlling(int slave, struct error *e)
{
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return fail(e, "tty", "TIOCSCTTY");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return fail(e, "tty", "dup2 the pty slave");
  if (slave > 2)
    close(slave);
  return 0;
}

int send_fd(int sock, int fd, const char *stage, const char *what, struct error *e)
{
  char byte = 0;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cmsg;

  memset(&u, 0, sizeof u);
  cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return fail(e, stage, "send %s", what);
  return 0;
}

int recv_fd(int sock, const char *stage, const char *what, struct error *e)
{
  char byte;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cmsg;
  ssize_t n;
  int fd;

  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return fail(e, stage, "receive %s", what);
  cmsg = CMSG_FIRSTHDR(&msg);
  if (n == 0 || cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
      cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
    return failx(e, stage, "receive %s: no fd", what);
  memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
  return fd;
}

static struct termios saved_termios;
static int saved_termios_fd = -1;

void term_restore(void)
{
  if (saved_termios_fd >= 0) {
    /* best effort: nothing more we could do if the terminal is gone */
    (void) tcsetattr(saved_termios_fd, TCSADRAIN, &saved_termios);
    saved_termios_fd = -1;
  }
}

int term_make_raw(int fd, struct error *e)
{
  static bool registered;
  struct termios raw;

  if (tcgetattr(fd, &saved_termios) < 0)
    return fail(e, "tty", "tcgetattr");
  if (!registered) {
    if (atexit(term_restore) != 0)
      return failx(e, "tty", "atexit");
    registered = true;
  }
  raw = saved_termios;
  cfmakeraw(&raw);
  saved_termios_fd = fd;
  if (tcsetattr(fd, TCSANOW, &raw) < 0) {
    saved_termios_fd = -1;
    return fail(e, "tty", "tcsetattr raw");
  }
  return 0;
}

void copy_winsize(int from, int to)
{
  struct winsize ws;
  /* Best effort: a caller without a terminal simply has no size. */
  if (from >= 0 && to >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
    (void) ioctl(to, TIOCSWINSZ, &ws);
}
