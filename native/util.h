/* Errors, cleanup helpers, JSON status lines and small I/O helpers. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* A failed step: errno (0 when the failure is not a syscall's), the protocol
 * stage it belongs to, and a message with context ("open `/x`: ..."). */
struct error {
  int err;
  const char *stage;
  char msg[400];
};

/* Fill E and return -1, so failing functions can `return fail(...)`.
 * fail() records the current errno, failx() records none. */
int error_set(struct error *e, int err, const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define fail(e, stage, ...) error_set((e), errno, (stage), __VA_ARGS__)
#define failx(e, stage, ...) error_set((e), 0, (stage), __VA_ARGS__)

/* What the child (container init or exec'd process) sends on its CLOEXEC
 * error pipe when a step fails; fixed size, below PIPE_BUF, so one atomic
 * write. An empty pipe at EOF means execve succeeded. */
struct child_report {
  int32_t err;
  char stage[16];
  char msg[488];
};

/* Set in the child before any step that can fail. */
extern int child_report_fd;

/* In the child only: send the report and _exit with the protocol code. */
__attribute__((noreturn, format(printf, 2, 3))) void die_with_error(const char *stage, const char *fmt, ...);
__attribute__((noreturn)) void die_with_struct(const struct error *e);

/* 125 for our own failures, 126/127 for execve failures of CMD. */
int exit_code_for(const char *stage, int err);

/* Status fd (JSON lines). -1 when not given or closed. */
extern int status_fd;
void status_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void status_error(const struct error *e);
/* The error on the status fd when there is one (the engine prints it), else
 * on stderr for callers without one. */
void report_error(const struct error *e);
void json_escape(char *dst, size_t len, const char *src);

/* Kill a half-made child and reap it: its namespaces, and every mount in its
 * mount namespace, die with it. Nothing to do for pid <= 0. */
void kill_and_reap(pid_t pid);

/* Mark every inherited fd above stderr close-on-exec, so that nothing the
 * engine passed us (status fd, seccomp fd, block pipe) reaches CMD; the status
 * fd's EOF is also how the engine learns that CMD was exec'd. Exits 125 if
 * the kernel refuses. */
void cloexec_fds_from_3(void);

/* Close every fd above stderr but the N in KEEP (at most 8). Close-on-exec
 * is not enough where the process can still be reached before execve: a
 * directory fd of the host, inherited, is a way out of the container through
 * /proc/self/fd/N (a working directory, a ptracer's pidfd_getfd). */
int close_fds_except(const int *keep, size_t n, struct error *e);

static inline void cleanup_freep(void *p)
{
  free(*(void **) p);
}
static inline void cleanup_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(cleanup_closep)))

static inline void *steal_ptr(void *pp)
{
  void **p = (void **) pp;
  void *ret = *p;
  *p = NULL;
  return ret;
}
#define steal_pointer(pp) steal_ptr(pp)

static inline int steal_fd(int *fd)
{
  int ret = *fd;
  *fd = -1;
  return ret;
}

/* Write everything (retrying EINTR, waiting on EAGAIN). 0 or -1/errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read until LEN bytes or EOF. Bytes read, or -1/errno. */
ssize_t read_full(int fd, void *buf, size_t len);
int set_nonblock(int fd);

/* Field 22 of PROCFD/PID/stat (start time in clock ticks after boot).
 * PROCFD is a directory fd of a procfs that shows PID. */
int read_start_time(int procfd, pid_t pid, unsigned long long *out, struct error *e);

/* "2026-11-28T23:45:01.123456789Z" */
void format_rfc3339(char *buf, size_t len, const struct timespec *ts);

bool parse_u64(const char *s, int base, uint64_t max, uint64_t *out);

/* Read a small file (e.g. /proc/sys/kernel/cap_last_cap) into BUF, NUL
 * terminated, trailing newline stripped. */
int read_small_file(const char *path, char *buf, size_t len);
