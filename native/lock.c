/* `lock [--try]`: flock(LOCK_EX) on fd 3, for an engine that cannot load
 * tsbox-spawn.node (src/engine/lock.ts); exit 0 once it is held.
 *
 * fd 3 is the engine's own open lock file. A flock belongs to the open file
 * description, which this process only shares: once taken here, the lock
 * stays with the engine's fd after this process has exited, and the kernel
 * releases it when the engine closes that fd or dies. This process never
 * holds the lock on its own, so killing it cannot release a lock the engine
 * is working under (it can only end a wait).
 *
 * A waiter dies with the engine that spawned it (PR_SET_PDEATHSIG): an
 * engine killed or gone after a timeout leaves no process behind that would
 * take the lock for nobody.
 *
 * Exit: 0 held; 1 --try and another process holds it; 125 an error. */
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <signal.h>

#include "helper.h"

#define LOCK_FD 3

static int take_lock(bool try, bool *busy, struct error *e)
{
  struct stat st;
  pid_t parent = getppid();
  int r;

  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
    return fail(e, "lock", "prctl(PR_SET_PDEATHSIG)");
  /* the engine died before the line above: nobody to lock for */
  if (getppid() != parent)
    return failx(e, "lock", "the caller has exited");
  if (fstat(LOCK_FD, &st) < 0)
    return fail(e, "lock", "fd %d (the lock file)", LOCK_FD);
  if (!S_ISREG(st.st_mode))
    return failx(e, "lock", "fd %d is not a regular file", LOCK_FD);
  while ((r = flock(LOCK_FD, LOCK_EX | (try ? LOCK_NB : 0))) < 0 && errno == EINTR)
    ;
  if (r < 0 && try && errno == EWOULDBLOCK) {
    *busy = true;
    return 0;
  }
  if (r < 0)
    return fail(e, "lock", "flock");
  return 0;
}

int lock_main(int argc, char **argv)
{
  struct error e = { 0 };
  bool try = false, busy = false;

  if (argc == 3 && strcmp(argv[2], "--try") == 0)
    try = true;
  else if (argc != 2) {
    fputs("usage: tsbox-helper lock [--try] 3<LOCKFILE\n", stderr);
    return 125;
  }
  if (take_lock(try, &busy, &e) < 0) {
    report_error(&e);
    return 125;
  }
  return busy ? 1 : 0;
}
