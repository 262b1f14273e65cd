/* tsbox-spawn.node: the engine's Node-API module, when it is built.
 *
 *   spawn.c   how the engine starts tsbox-helper (spawn, pipe, wait)
 *   flock.c   the state lock (tryLock, lock): flock(2) on the engine's fd
 *
 * It runs inside the CLI with the CLI's privileges: it is not part of the
 * privilege boundary (tsbox-helper is). Where it is not built (no Node-API
 * headers) or cannot be loaded, the engine does the same without it:
 * child_process starts the helper, and `tsbox-helper lock` takes the flock
 * on the engine's fd (src/engine/spawn.ts, src/engine/lock.ts). */
#include <stdio.h>
#include <string.h>

#include "addon.h"

napi_value errno_error(napi_env env, int err, const char *what)
{
  char msg[256];
  const char *name = strerrorname_np(err);
  napi_value code, text, error;

  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  if (napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok || napi_create_error(env, code, text, &error) != napi_ok)
    return NULL;
  return error;
}

napi_value throw_errno(napi_env env, int err, const char *what)
{
  napi_value error = errno_error(env, err, what);

  if (error != NULL)
    napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg)
{
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

int export_function(napi_env env, napi_value exports, const char *name, napi_callback fn)
{
  napi_value f;

  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) == napi_ok && napi_set_named_property(env, exports, name, f) == napi_ok
             ? 0
             : -1;
}

NAPI_MODULE_INIT()
{
  if (spawn_exports(env, exports) < 0 || flock_exports(env, exports) < 0)
    return NULL;
  return exports;
}
