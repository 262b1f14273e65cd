/* tsbox-spawn.node: what its sources share (module.c has the overview). */
#pragma once

#define NAPI_VERSION 8
#include <node_api.h>

/* A JS Error with code "E..." (like Node's own) for errno ERR; WHAT is a
 * short constant that starts the message. NULL if even that failed. */
napi_value errno_error(napi_env env, int err, const char *what);
/* Throw errno_error / a TypeError; both return NULL, for `return throw_...`. */
napi_value throw_errno(napi_env env, int err, const char *what);
napi_value throw_type(napi_env env, const char *msg);
/* 0, or -1 with a JS exception pending */
int export_function(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* each source's functions onto the module's exports: 0 or -1 */
int spawn_exports(napi_env env, napi_value exports);
int flock_exports(napi_env env, napi_value exports);
