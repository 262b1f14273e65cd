/* Running from a sealed copy of our own binary (CVE-2019-5736).
 *
 * A process of a container that can open /proc/PID/exe of one of ours (it
 * holds CAP_SYS_PTRACE in the host's user namespace: a root container with
 * --cap-add SYS_PTRACE sharing a pid namespace with it) reaches the file we
 * run from, wherever it is on the host. The kernel refuses writes to it
 * while it is executed (ETXTBSY), but an fd opened then stays valid: once
 * no helper runs from the file, the container rewrites it through that fd,
 * and the next helper root starts is the container's program.
 *
 * So `exec`, whose processes enter the container's pid namespace, and `run`
 * of a container that joins another's pid namespace (or the host's), first
 * re-execute from a memfd copy sealed against every change: what
 * /proc/PID/exe names then is that copy, which nothing can write (EPERM,
 * and ETXTBSY while it runs), and which goes away with the last process
 * running it. Done before anything else, while nothing is open but what
 * the engine passed, which survives the execve. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "helper.h"
#include "syscalls.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern char **environ;

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool running_sealed(int exe)
{
  int seals = fcntl(exe, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

/* A memfd holding EXE's bytes, sealed: nothing can write, grow, shrink it or
 * change the seals again, and (Linux >= 6.3) nobody can take its execute
 * bits away. */
static int sealed_copy(int exe, struct error *e)
{
  cleanup_fd int fd = -1;
  struct stat st;
  off_t off = 0;

  if (fstat(exe, &st) < 0)
    return fail(e, "seal", "stat our own binary");
  /* MFD_EXEC (Linux 6.3) keeps it executable where vm.memfd_noexec says
   * otherwise; before 6.3 every memfd is, and the flag is EINVAL. */
  fd = memfd_create("tsbox-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create("tsbox-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return fail(e, "seal", "memfd_create for a sealed copy of the helper");
  while (off < st.st_size) {
    ssize_t n = sendfile(fd, exe, &off, (size_t) (st.st_size - off));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(e, "seal", "copy the helper into its memfd");
    if (n == 0)
      return failx(e, "seal", "our own binary ended at %lld of %lld bytes", (long long) off, (long long) st.st_size);
  }
  if (fcntl(fd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 && (errno != EINVAL || fcntl(fd, F_ADD_SEALS, SEALS) < 0))
    return fail(e, "seal", "seal the helper's memfd");
  return steal_fd(&fd);
}

int reexec_sealed(char **argv, struct error *e)
{
  cleanup_fd int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_fd int copy = -1;

  if (exe < 0)
    return fail(e, "seal", "open `/proc/self/exe`");
  if (running_sealed(exe)) {
    /* execveat named us after the fd; ps, and the tests, know us by name */
    (void) prctl(PR_SET_NAME, "tsbox-helper", 0, 0, 0);
    return 0;
  }
  copy = sealed_copy(exe, e);
  if (copy < 0)
    return -1;
  /* The copy is close-on-exec: the kernel maps it before that closes it,
   * and the dynamic loader gets it mapped, not by path. */
  syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  return fail(e, "seal", "execute the sealed copy of the helper");
}
