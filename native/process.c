/* The last steps of the child, common to run and exec: user, caps, cwd,
 * label, no_new_privs, seccomp, execve. Every failure is reported on the
 * error pipe with its stage and ends the child. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

extern char **environ;

/* Signal mask and ignored dispositions survive execve: give CMD a clean
 * slate, not the monitor's blocked set, our ignored SIGPIPE, or whatever
 * the engine's shell ignored (background jobs ignore SIGINT/SIGQUIT).
 * glibc's sigaction() refuses the two signals it keeps for itself (32 and
 * 33), which glibc's posix_spawn (the engine's) leaves ignored in its
 * children, so this goes to the kernel: SIG_DFL is 0, and an all-zero
 * kernel sigaction means "default" whatever the arch's layout of it. */
void child_reset_signals(void)
{
  static const unsigned long dfl[8]; /* larger than any arch's struct */
  sigset_t none;

  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void) syscall(SYS_rt_sigaction, sig, dfl, NULL, (size_t) (NSIG / 8)); /* nothing to do if refused */
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static void write_exec_label(const char *label)
{
  cleanup_fd int fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    die_with_error("label", "open `/proc/self/attr/exec`");
  if (write_all(fd, label, strlen(label)) < 0)
    die_with_error("label", "set process label `%s`", label);
}

void finish_and_exec(const struct config *c, bool in_userns)
{
  struct error e = { 0 };

  /* Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Without NNP we
   * load it now, while we still hold CAP_SYS_ADMIN; the filter allows the
   * setresuid/capset/chdir/execve that follow (like runc's order). */
  if (c->seccomp_prog && !c->no_new_privs && seccomp_load(c, &e) < 0)
    die_with_struct(&e);
  if (apply_user_and_caps(c, in_userns, &e) < 0)
    die_with_struct(&e);
  /* chdir as the final user, so permissions apply as for CMD itself */
  if (chdir(c->cwd ? c->cwd : "/") < 0)
    die_with_error("cwd", "chdir `%s`", c->cwd ? c->cwd : "/");
  umask(022);
  if (c->process_label && c->selinux_enforcing)
    write_exec_label(c->process_label);
  if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error("caps", "PR_SET_NO_NEW_PRIVS");
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
    die_with_error("exec", "clear PR_SET_PDEATHSIG");
  if (c->seccomp_prog && c->no_new_privs && seccomp_load(c, &e) < 0)
    die_with_struct(&e);

  /* execvp searches the PATH of the environment we give CMD */
  environ = c->env;
  execvp(c->argv[0], c->argv);
  die_with_error("exec", "exec `%s`", c->argv[0]);
}
