/* --rlimit NAME=SOFT:HARD (podman's --ulimit) and --oom-score-adj. Both are
 * inherited, so they are set once, early, in the process that becomes the
 * container's (run: the init's first step, still in the host's /proc;
 * exec: the intermediate, before it joins the container), never on the
 * monitor, which must not die of the container's limits.
 *
 * The kernel decides what may be raised: a hard limit above the current one
 * and an oom_score_adj below the lowest we ever had need CAP_SYS_RESOURCE
 * in the host's user namespace. The engine refuses those before anything
 * is created when it lacks that capability; here a refusal is an error of
 * stage `rlimit`. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>

#include "helper.h"

static const struct {
  const char *name;
  int resource;
} names[] = {
  { "as", RLIMIT_AS },           { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },
  { "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },   { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },
  { "rtprio", RLIMIT_RTPRIO },   { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};

static bool parse_limit(const char *s, uint64_t *out)
{
  if (strcmp(s, "unlimited") == 0) {
    *out = RLIM_INFINITY;
    return true;
  }
  return parse_u64(s, 10, UINT64_MAX - 1, out);
}

int parse_rlimit(struct config *c, const char *val, struct error *e)
{
  struct rlimit_entry *r = &c->rlimits[c->n_rlimits];
  const char *eq = strchr(val, '='), *colon = eq ? strchr(eq, ':') : NULL;
  char soft[32], hard[32];

  if (eq == NULL || colon == NULL || (size_t) (colon - eq - 1) >= sizeof soft || strlen(colon + 1) >= sizeof hard)
    return failx(e, "argv", "--rlimit: expected NAME=SOFT:HARD, got `%s`", val);
  r->name = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if ((size_t) (eq - val) == strlen(names[i].name) && strncmp(val, names[i].name, (size_t) (eq - val)) == 0) {
      r->name = names[i].name;
      r->resource = names[i].resource;
    }
  if (r->name == NULL)
    return failx(e, "argv", "--rlimit: unknown limit in `%s`", val);
  snprintf(soft, sizeof soft, "%.*s", (int) (colon - eq - 1), eq + 1);
  snprintf(hard, sizeof hard, "%s", colon + 1);
  if (!parse_limit(soft, &r->soft) || !parse_limit(hard, &r->hard))
    return failx(e, "argv", "--rlimit: bad number in `%s`", val);
  /* RLIM_INFINITY is the largest value: "unlimited" soft needs unlimited hard */
  if (r->soft > r->hard)
    return failx(e, "argv", "--rlimit %s: the soft limit is above the hard one", r->name);
  c->n_rlimits++;
  return 0;
}

int apply_process_limits(const struct config *c, struct error *e)
{
  for (size_t i = 0; i < c->n_rlimits; i++) {
    const struct rlimit_entry *r = &c->rlimits[i];
    struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
    if (setrlimit(r->resource, &rl) < 0)
      return fail(e, "rlimit", "set the %s limit to %llu:%llu%s", r->name, (unsigned long long) r->soft,
                  (unsigned long long) r->hard, errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
  }
  if (c->has_oom_score_adj) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d", c->oom_score_adj);
    cleanup_fd int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return fail(e, "rlimit", "open `/proc/self/oom_score_adj`");
    if (write_all(fd, buf, (size_t) n) < 0)
      return fail(e, "rlimit", "set oom_score_adj to %d%s", c->oom_score_adj,
                  errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
  }
  return 0;
}
