/* The last steps of the child, common to run and exec: credentials
 * (seccomp without NNP, user, caps), then, in the process that becomes CMD,
 * the fds, cwd, label, no_new_privs, seccomp with NNP, execve. Every failure
 * is reported on the error pipe with its stage and ends the child. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"
#include "syscalls.h"

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

void set_credentials(const struct config *c, bool in_userns)
{
  struct error e = { 0 };

  /* Loading a filter needs no_new_privs or CAP_SYS_ADMIN. Without NNP we
   * load it now, while we still hold CAP_SYS_ADMIN; the filter allows
   * everything that follows (like runc's order): setgroups, setresuid,
   * capset, prctl, clone without CLONE_NEW* (exec), close_range, openat2,
   * fchdir, getcwd, execve. */
  if (c->seccomp_prog && !c->no_new_privs && seccomp_load(c, &e) < 0)
    die_with_struct(&e);
  if (apply_user_and_caps(c, in_userns, &e) < 0)
    die_with_struct(&e);
}

/* The workdir failed to open: say what is wrong with it, as podman does
 * ("workdir ... does not exist"), keeping the errno for the engine. */
__attribute__((noreturn)) static void die_workdir(const char *dir)
{
  struct error e = { 0 };
  int err = errno;

  if (err == ENOENT)
    failx(&e, "cwd", "workdir `%s` does not exist in the container", dir);
  else if (err == ENOTDIR)
    failx(&e, "cwd", "workdir `%s` is not a directory", dir);
  else if (err == ELOOP)
    failx(&e, "cwd", "workdir `%s` leads through a magic link (/proc/PID/fd, /proc/PID/cwd, ...) or too many symlinks", dir);
  else if (err == EACCES)
    failx(&e, "cwd", "workdir `%s`: permission denied to uid %u", dir, (unsigned) getuid());
  else
    error_set(&e, err, "cwd", "open workdir `%s`", dir);
  e.err = err;
  die_with_struct(&e);
}

/* chdir into DIR of the container, as the final user (the permission checks
 * are CMD's), and only there. Our root is the container's (after
 * pivot_root in run, after setns into its mount namespace in exec), and
 * the container controls every name in it: DIR, or a symlink it has put
 * where DIR was, may say /proc/self/fd/N or ../../... With only stdio and
 * the error pipe open, no fd of ours leads out; RESOLVE_IN_ROOT keeps `..`
 * and absolute symlinks inside the root and RESOLVE_NO_MAGICLINKS refuses
 * /proc/PID/{fd,cwd,root}/..., which lead wherever their process is; and
 * getcwd() tells if we ended up somewhere the root cannot reach after all
 * (the kernel then says "(unreachable)", which glibc turns into ENOENT). */
static void enter_workdir(const char *dir)
{
  struct tsbox_open_how how = {
    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  cleanup_fd int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_fd int fd = -1;
  char cwd[PATH_MAX];

  if (root < 0)
    die_with_error("cwd", "open `/`");
  fd = sys_openat2(root, dir, &how, sizeof how);
  if (fd < 0)
    die_workdir(dir);
  /* O_PATH checked the search right on every directory on the way; fchdir
   * checks it on DIR itself. */
  if (fchdir(fd) < 0)
    die_workdir(dir);
  if (getcwd(cwd, sizeof cwd) == NULL || cwd[0] != '/') {
    struct error e = { 0 };
    failx(&e, "cwd", "workdir `%s` is not reachable from the container's root", dir);
    die_with_struct(&e);
  }
}

void exec_in_workdir(const struct config *c)
{
  struct error e = { 0 };
  int keep = child_report_fd;

  if (close_fds_except(&keep, 1, &e) < 0)
    die_with_struct(&e);
  enter_workdir(c->cwd ? c->cwd : "/");
  umask(022);
  if (c->process_label && c->selinux_enforcing)
    write_exec_label(c->process_label);
  if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error("caps", "PR_SET_NO_NEW_PRIVS");
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
    die_with_error("exec", "clear PR_SET_PDEATHSIG");
  if (c->seccomp_prog && c->no_new_privs && seccomp_load(c, &e) < 0)
    die_with_struct(&e);

  if (c->init)
    become_init_of_cmd(c); /* returns in CMD's process */
  /* execvp searches the PATH of the environment we give CMD */
  environ = c->env;
  execvp(c->argv[0], c->argv);
  die_with_error("exec", "exec `%s`", c->argv[0]);
}

void finish_and_exec(const struct config *c, bool in_userns)
{
  set_credentials(c, in_userns);
  exec_in_workdir(c);
}
