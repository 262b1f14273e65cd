/* The attacker of the inheritable-capabilities test (test/integration/
 * defaults.test.ts), run as a container's root: it becomes UID (as su or a
 * daemon dropping privileges would) and executes PROG, a file of the image
 * that carries inheritable file capabilities. If the inheritable set it was
 * started with holds them, the kernel grants them to PROG (CVE-2022-24769).
 *
 *   drop-to-user [--raise] UID PROG [ARG...]
 *
 * --raise first copies the permitted set into the inheritable one (root of
 * the container may: it holds CAP_SETPCAP), which is what an engine that
 * sets the inheritable set to the container's mask does for every process:
 * it shows that the kernel and the mount would honour PROG's file
 * capabilities, so an empty result without it is the helper's doing. */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  int i = 1;
  uid_t uid;

  if (argc > i && strcmp(argv[i], "--raise") == 0) {
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) < 0) { perror("capget"); return 1; }
    data[0].inheritable = data[0].permitted;
    data[1].inheritable = data[1].permitted;
    if (syscall(SYS_capset, &hdr, data) < 0) { perror("capset"); return 1; }
    i++;
  }
  if (argc < i + 2) {
    fprintf(stderr, "usage: drop-to-user [--raise] UID PROG [ARG...]\n");
    return 2;
  }
  uid = (uid_t) strtoul(argv[i], NULL, 10);
  if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
    perror("drop to uid");
    return 1;
  }
  execv(argv[i + 1], argv + i + 1);
  perror("exec");
  return 127;
}
