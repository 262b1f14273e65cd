/* --init: the container's pid 1 is a small init of ours, and CMD its child,
 * as podman's --init (catatonit) and tini do. A program that is no init
 * makes a poor pid 1: the kernel sends pid 1 only the signals it has a
 * handler for, so SIGTERM does not stop a bare `sleep`, and the orphans it
 * inherits stay zombies unless it waits for them.
 *
 * Forked at the very last step, after the credentials, capabilities,
 * no_new_privs and seccomp filter are all CMD's: the init has nothing CMD
 * has not. It blocks every signal before the fork (none is lost between),
 * then waits for them: SIGCHLD reaps every child that has ended, any other
 * is forwarded to CMD. When CMD ends the init exits with its code (128+N
 * after signal N), and the kernel ends what is left of the pid namespace.
 *
 * It runs from the sealed copy of the helper (main.c: seen_by_containers),
 * non-dumpable as the root helper made it, so a process of the container
 * can neither ptrace it nor reach the helper's binary through
 * /proc/1/exe (sealed.c). Its syscalls (rt_sigprocmask, rt_sigtimedwait,
 * wait4, kill, exit_group) are in the default profile; a profile of one's
 * own must allow them too. */
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>

#include "helper.h"

__attribute__((noreturn)) static void init_loop(pid_t cmd, const sigset_t *all)
{
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(all, &si);
    if (sig < 0)
      continue; /* EINTR: nothing to do */
    if (sig != SIGCHLD) {
      (void) kill(cmd, sig); /* ESRCH: it has just ended; SIGCHLD follows */
      continue;
    }
    for (;;) {
      int wstatus;
      pid_t pid = waitpid(-1, &wstatus, WNOHANG);
      if (pid <= 0)
        break;
      if (pid == cmd)
        _exit(WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
    }
  }
}

void become_init_of_cmd(const struct config *c)
{
  sigset_t all, old;
  pid_t pid;

  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
    die_with_error("exec", "block signals for the init");
  pid = fork();
  if (pid < 0)
    die_with_error("exec", "fork CMD's process from the init");
  if (pid == 0) {
    /* CMD leads a process group of its own, the terminal's foreground one
     * with --tty: typed ^C reaches it once, not through the init again.
     * (SIGTTOU, which tcsetpgrp sends a background group, is blocked.) */
    if (setpgid(0, 0) < 0)
      die_with_error("exec", "setpgid");
    if (c->tty && tcsetpgrp(0, getpid()) < 0)
      die_with_error("tty", "make CMD the terminal's foreground process group");
    if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
      die_with_error("exec", "restore the signal mask");
    return;
  }
  /* CMD's execve closes its copy of the error pipe: the monitor sees EOF then */
  close(child_report_fd);
  init_loop(pid, &all);
}
