/* How the engine starts tsbox-helper (part of tsbox-spawn.node, module.c).
 *
 * Node's child_process pulls net, stream and dgram into the process, and its
 * first spawn compiles much of them: 5-7 ms of every `tsbox run`, measured
 * against the ~60 ms the whole command takes. The engine needs none of that:
 * it reads the helper's status pipe with fs.read and waits for one exit. So
 * these three calls do what it needs, with no state:
 *
 *   spawn(file, argv, fds) -> pid   posix_spawn; fds[i] becomes the child's
 *                                   fd i; signals default and unblocked
 *   pipe() -> [read, write]         both close-on-exec
 *   wait(pid) -> code               blocks; the exit code, or 128 + signal
 *
 * src/engine/spawn.ts falls back to child_process where the module is not
 * built (Node's headers missing). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addon.h"

extern char **environ;

/* fds past the highest one a helper gets (status 3, seccomp, userns block) */
#define MAX_FDS 16

/* A JS string as a malloc'd C string, or NULL (with a JS exception pending). */
static char *string_arg(napi_env env, napi_value v)
{
  size_t len;
  char *s;

  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_type(env, "spawn: file and argv must be strings");
    return NULL;
  }
  s = malloc(len + 1);
  if (s == NULL) {
    throw_errno(env, ENOMEM, "spawn");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    throw_type(env, "spawn: file and argv must be strings");
    return NULL;
  }
  return s;
}

static void free_argv(char **argv, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++)
    free(argv[i]);
  free(argv);
}

/* argv as a NULL-terminated array of malloc'd strings, or NULL. */
static char **argv_arg(napi_env env, napi_value arr, uint32_t *n)
{
  char **argv;

  if (napi_get_array_length(env, arr, n) != napi_ok || *n == 0) {
    throw_type(env, "spawn: argv must be a non-empty array of strings");
    return NULL;
  }
  argv = calloc(*n + 1, sizeof *argv);
  if (argv == NULL) {
    throw_errno(env, ENOMEM, "spawn");
    return NULL;
  }
  for (uint32_t i = 0; i < *n; i++) {
    napi_value v;
    if (napi_get_element(env, arr, i, &v) != napi_ok) {
      free_argv(argv, i);
      throw_type(env, "spawn: argv must be an array of strings");
      return NULL;
    }
    if ((argv[i] = string_arg(env, v)) == NULL) {
      free_argv(argv, i);
      return NULL;
    }
  }
  return argv;
}

static napi_value js_spawn(napi_env env, napi_callback_info info)
{
  size_t argc = 3;
  napi_value args[3], out = NULL;
  char *file = NULL, **argv = NULL;
  uint32_t n_argv = 0, n_fds = 0;
  int src[MAX_FDS];
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t defaults, none;
  pid_t pid;
  int err;

  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3)
    return throw_type(env, "spawn(file, argv, fds)");
  if (napi_get_array_length(env, args[2], &n_fds) != napi_ok || n_fds > MAX_FDS)
    return throw_type(env, "spawn: fds must be an array of at most 16 fds");
  if ((file = string_arg(env, args[0])) == NULL)
    return NULL;
  if ((argv = argv_arg(env, args[1], &n_argv)) == NULL) {
    free(file);
    return NULL;
  }
  /* glibc's never fail; the standard allows ENOMEM */
  if ((err = posix_spawn_file_actions_init(&actions)) != 0) {
    free_argv(argv, n_argv);
    free(file);
    return throw_errno(env, err, "spawn");
  }
  if ((err = posix_spawnattr_init(&attr)) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    free_argv(argv, n_argv);
    free(file);
    return throw_errno(env, err, "spawn");
  }

  /* Each fd the child gets is first duplicated above every target number,
   * so that one dup2 cannot clobber the source of another; the copies are
   * close-on-exec, the dup2'd targets are not. */
  for (uint32_t i = 0; i < n_fds; i++)
    src[i] = -1;
  for (uint32_t i = 0; i < n_fds; i++) {
    napi_value v;
    int32_t fd;
    if (napi_get_element(env, args[2], i, &v) != napi_ok || napi_get_value_int32(env, v, &fd) != napi_ok || fd < 0) {
      throw_type(env, "spawn: fds must be fd numbers");
      goto out;
    }
    src[i] = fcntl(fd, F_DUPFD_CLOEXEC, MAX_FDS);
    if (src[i] < 0) {
      throw_errno(env, errno, "spawn: dup");
      goto out;
    }
    if ((err = posix_spawn_file_actions_adddup2(&actions, src[i], (int) i)) != 0) {
      throw_errno(env, err, "spawn: dup2");
      goto out;
    }
  }

  /* Node ignores SIGPIPE and may block signals on this thread: the helper
   * starts as a fresh process would (it forwards signals to the container). */
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  sigemptyset(&none);
  if ((err = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0 || (err = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
      (err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) {
    throw_errno(env, err, "spawn: attributes");
    goto out;
  }

  /* glibc's posix_spawn is vfork-like and reports a failed exec here
   * (the caller names the file in its message). */
  err = posix_spawn(&pid, file, &actions, &attr, argv, environ);
  if (err != 0) {
    throw_errno(env, err, "spawn");
    goto out;
  }
  if (napi_create_int32(env, pid, &out) != napi_ok)
    out = NULL;

out:
  for (uint32_t i = 0; i < n_fds; i++)
    if (src[i] >= 0)
      close(src[i]);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  free_argv(argv, n_argv);
  free(file);
  return out;
}

static napi_value js_pipe(napi_env env, napi_callback_info info)
{
  int p[2];
  napi_value arr, r, w;

  (void) info;
  if (pipe2(p, O_CLOEXEC) < 0)
    return throw_errno(env, errno, "pipe");
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok || napi_create_int32(env, p[0], &r) != napi_ok ||
      napi_create_int32(env, p[1], &w) != napi_ok || napi_set_element(env, arr, 0, r) != napi_ok ||
      napi_set_element(env, arr, 1, w) != napi_ok) {
    close(p[0]);
    close(p[1]);
    return NULL;
  }
  return arr;
}

static napi_value js_wait(napi_env env, napi_callback_info info)
{
  size_t argc = 1;
  napi_value arg, out;
  int32_t pid;
  int status;

  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_int32(env, arg, &pid) != napi_ok ||
      pid <= 0)
    return throw_type(env, "wait(pid)");
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return throw_errno(env, errno, "waitpid");
  if (napi_create_int32(env, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), &out) != napi_ok)
    return NULL;
  return out;
}

int spawn_exports(napi_env env, napi_value exports)
{
  if (export_function(env, exports, "spawn", js_spawn) < 0 || export_function(env, exports, "pipe", js_pipe) < 0 ||
      export_function(env, exports, "wait", js_wait) < 0)
    return -1;
  return 0;
}
