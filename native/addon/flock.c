/* The state lock's two calls (part of tsbox-spawn.node, module.c), for
 * src/engine/lock.ts: flock(2) on a file the engine has opened, so the kernel
 * holds the lock exactly as long as the engine's open file lives, and drops
 * it when the process dies, however it dies.
 *
 *   tryLock(fd) -> boolean   LOCK_EX|LOCK_NB; false: another holds it
 *   lock(fd) -> Promise      LOCK_EX, waited for on a thread of its own
 *
 * There is no unlock: the engine closes its fd. A flock belongs to the open
 * file description, and the engine's fd is its last reference.
 *
 * Why a thread of its own and not napi async work on libuv's pool: a pool
 * thread blocked in flock would hold one of the pool's 4 threads that every
 * fs call of the process shares, could not be given up at a timeout (the
 * work's completion keeps the loop alive), and process.exit() joins the pool
 * threads, so the dashboard could not even quit while a lock was awaited. A
 * detached thread ends with the process. It waits on a dup of the fd: at a
 * timeout the engine closes its own fd and moves on; if the thread gets the
 * lock later, it closes the dup, the description's last reference, which
 * releases the lock at once. Otherwise the engine's fd holds it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "addon.h"

/* the waiting thread does nothing but flock and close */
#define WAIT_STACK (64 * 1024)

static int fd_arg(napi_env env, napi_callback_info info, const char *usage)
{
  size_t argc = 1;
  napi_value arg;
  int32_t fd;

  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_int32(env, arg, &fd) != napi_ok ||
      fd < 0) {
    throw_type(env, usage);
    return -1;
  }
  return fd;
}

static napi_value js_try_lock(napi_env env, napi_callback_info info)
{
  int fd = fd_arg(env, info, "tryLock(fd)");
  int r;
  napi_value out;

  if (fd < 0)
    return NULL;
  while ((r = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
    ;
  if (r < 0 && errno != EWOULDBLOCK)
    return throw_errno(env, errno, "flock");
  if (napi_get_boolean(env, r == 0, &out) != napi_ok)
    return NULL;
  return out;
}

/* One lock(fd) call, from the JS thread to the waiting thread and back. */
struct wait {
  int fd;  /* the dup the thread waits on */
  int err; /* 0: locked; else flock's errno */
  napi_deferred deferred;
  napi_threadsafe_function done;
};

static void *wait_thread(void *arg)
{
  struct wait *w = arg;
  /* w is settle()'s to free as soon as it has been queued */
  napi_threadsafe_function done = w->done;

  while (flock(w->fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      w->err = errno;
      break;
    }
  }
  close(w->fd);
  /* The queue is unbounded, so this never waits. It fails only when Node is
   * tearing the environment down: then nobody is left to tell. */
  if (napi_call_threadsafe_function(done, w, napi_tsfn_blocking) != napi_ok)
    free(w);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

/* On the JS thread, once the waiting thread is done. env is NULL when the
 * environment is going away. */
static void settle(napi_env env, napi_value js_cb, void *context, void *data)
{
  struct wait *w = data;
  napi_value v;

  (void) js_cb;
  (void) context;
  if (env != NULL) {
    if (w->err == 0) {
      if (napi_get_undefined(env, &v) == napi_ok)
        napi_resolve_deferred(env, w->deferred, v);
    } else if ((v = errno_error(env, w->err, "flock")) != NULL) {
      napi_reject_deferred(env, w->deferred, v);
    }
  }
  free(w);
}

static napi_value js_lock(napi_env env, napi_callback_info info)
{
  int fd = fd_arg(env, info, "lock(fd)");
  struct wait *w;
  napi_value name, promise, error;
  pthread_attr_t attr;
  pthread_t thread;
  sigset_t all, old;
  int err;

  if (fd < 0)
    return NULL;
  w = calloc(1, sizeof *w);
  if (w == NULL)
    return throw_errno(env, ENOMEM, "lock");
  w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (w->fd < 0) {
    err = errno;
    free(w);
    return throw_errno(env, err, "lock: dup");
  }
  /* Unreferenced: the engine's timeout timer keeps the loop alive while it
   * waits, and a wait it gave up must not keep the process from exiting. */
  if (napi_create_string_utf8(env, "tsbox lock", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, settle, &w->done) != napi_ok) {
    close(w->fd);
    free(w);
    return NULL;
  }
  if (napi_unref_threadsafe_function(env, w->done) != napi_ok || napi_create_promise(env, &w->deferred, &promise) != napi_ok) {
    napi_release_threadsafe_function(w->done, napi_tsfn_abort);
    close(w->fd);
    free(w);
    return NULL;
  }

  /* Every signal blocked in the thread (it inherits our mask): they are
   * Node's to handle, on its own threads. */
  sigfillset(&all);
  err = pthread_attr_init(&attr);
  if (err == 0) {
    if ((err = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED)) == 0 && (err = pthread_attr_setstacksize(&attr, WAIT_STACK)) == 0 &&
        (err = pthread_sigmask(SIG_SETMASK, &all, &old)) == 0) {
      err = pthread_create(&thread, &attr, wait_thread, w);
      pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    pthread_attr_destroy(&attr);
  }
  if (err != 0) {
    /* no thread: settle() will never run, so this is the only owner of w */
    napi_release_threadsafe_function(w->done, napi_tsfn_abort);
    close(w->fd);
    if ((error = errno_error(env, err, "lock: thread")) != NULL)
      napi_reject_deferred(env, w->deferred, error);
    free(w);
  }
  return promise;
}

int flock_exports(napi_env env, napi_value exports)
{
  if (export_function(env, exports, "tryLock", js_try_lock) < 0 || export_function(env, exports, "lock", js_lock) < 0)
    return -1;
  return 0;
}
