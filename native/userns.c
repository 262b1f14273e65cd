/* `userns`: run CMD as root of a new user namespace whose id maps the engine
 * writes, as `podman unshare` runs a command in the rootless user's
 * namespace (`tsbox unshare`).
 *
 * This process unshares itself; there is no fork and no monitor, so CMD's
 * exit status and signals are the caller's to see directly. No other
 * namespace is created and nothing is mounted: CMD sees the host's files,
 * with host ids outside the map shown as the overflow id (65534).
 *
 * Nothing here needs privilege: an unprivileged user may create a user
 * namespace, and only the engine (through the setuid newuidmap/newgidmap,
 * which check /etc/subuid and /etc/subgid) can give it more than the
 * caller's own id. Until the maps are written, setresuid(0) fails, so CMD
 * never runs with an unmapped identity.
 *
 *   engine                          helper (this process)
 *   spawn ------------------------> unshare(CLONE_NEWUSER)
 *   <------------------------------ {"pid":N,"start":T}
 *   newuidmap N ..., newgidmap N ...
 *   one byte ---------------------> setresgid(0), setresuid(0),
 *                                   [--clear-groups: setgroups(0)], execvp(CMD)
 *   EOF on the status fd (CLOEXEC) = CMD runs; or {"error":...}
 *   closing the block fd instead of writing = abort (exit 125)
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>

#include "helper.h"
#include "syscalls.h"

int userns_main(int argc, char **argv);

static bool parse_fd_arg(const char *s, int *fd)
{
  uint64_t v;
  if (!parse_u64(s, 10, INT32_MAX, &v) || v < 3 || fcntl((int) v, F_GETFD) < 0)
    return false;
  *fd = (int) v;
  return true;
}

static int parse_userns_args(int argc, char **argv, int *block_fd, bool *clear_groups, int *cmd, struct error *e)
{
  int i;
  for (i = 2; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--") == 0) {
      i++;
      break;
    }
    if (strncmp(opt, "--", 2) != 0)
      break;
    if (strcmp(opt, "--clear-groups") == 0) {
      *clear_groups = true;
      continue;
    }
    if (i + 1 >= argc)
      return failx(e, "argv", "%s needs a value", opt);
    if (strcmp(opt, "--status-fd") == 0) {
      if (!parse_fd_arg(argv[++i], &status_fd))
        return failx(e, "argv", "--status-fd: bad fd `%s`", argv[i]);
    } else if (strcmp(opt, "--userns-block-fd") == 0) {
      if (!parse_fd_arg(argv[++i], block_fd))
        return failx(e, "argv", "--userns-block-fd: bad fd `%s`", argv[i]);
    } else {
      return failx(e, "argv", "userns: unknown option `%s`", opt);
    }
  }
  /* Without a block fd nobody writes the maps, and setresuid(0) would fail
   * later with a far less helpful message. */
  if (*block_fd < 0)
    return failx(e, "argv", "userns needs --userns-block-fd (the engine writes the id maps meanwhile)");
  if (i >= argc)
    return failx(e, "argv", "userns needs a command after --");
  *cmd = i;
  return 0;
}

static int enter_userns(int block_fd, bool clear_groups, struct error *e)
{
  cleanup_fd int procfd = -1;
  unsigned long long start;
  char b;
  ssize_t n;

  if (unshare(CLONE_NEWUSER) < 0)
    return fail(e, "userns", "unshare(CLONE_NEWUSER)");
  procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return fail(e, "userns", "open `/proc`");
  if (read_start_time(procfd, getpid(), &start, e) < 0)
    return -1;
  status_line("{\"pid\":%d,\"start\":%llu}", (int) getpid(), start);

  do
    n = read(block_fd, &b, 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return fail(e, "userns", "read --userns-block-fd");
  if (n == 0)
    return failx(e, "userns", "aborted by the engine (--userns-block-fd closed)");
  close(block_fd);

  /* EINVAL here means an id has no mapping: the engine did not write them. */
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    return fail(e, "userns", "become root of the user namespace (are uid_map/gid_map written?)");
  /* The caller's groups are unmapped (nogroup) here but still count in
   * permission checks, as the group class of the caller's own files. */
  if (clear_groups && setgroups(0, NULL) < 0)
    return fail(e, "userns", "--clear-groups: setgroups (a map of one gid denies it)");
  return 0;
}

int userns_main(int argc, char **argv)
{
  struct error e = { 0 };
  int block_fd = -1, cmd = 0;
  bool clear_groups = false;

  cloexec_fds_from_3();
  if (parse_userns_args(argc, argv, &block_fd, &clear_groups, &cmd, &e) < 0 || enter_userns(block_fd, clear_groups, &e) < 0)
    goto fail;
  execvp(argv[cmd], &argv[cmd]);
  fail(&e, "exec", "exec `%s`", argv[cmd]);

fail:
  /* The engine prints the status line's error; stderr is for callers
   * without a status fd. */
  if (status_fd >= 0)
    status_error(&e);
  else
    fprintf(stderr, "tsbox-helper: %s: %s\n", e.stage ? e.stage : "error", e.msg);
  return exit_code_for(e.stage, e.err);
}
