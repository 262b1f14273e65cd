/* argv parsing and subcommand dispatch. The engine has validated the plan;
 * we still refuse anything malformed, because this is the privilege
 * boundary. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/vfs.h>

#include "helper.h"
#include "syscalls.h"

const struct ns_name ns_names[8] = {
  { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "mnt", CLONE_NEWNS },
  { "net", CLONE_NEWNET },       { "pid", CLONE_NEWPID }, { "time", CLONE_NEWTIME },
  { "user", CLONE_NEWUSER },     { "uts", CLONE_NEWUTS },
};

static void usage(FILE *f)
{
  fputs("usage: tsbox-helper run  [OPTIONS] -- CMD [ARG...]\n"
        "       tsbox-helper exec [OPTIONS] -- CMD [ARG...]\n"
        "       tsbox-helper xattr NAME FD... < OPERATIONS\n"
        "       tsbox-helper chown UID GID FD...\n"
        "       tsbox-helper userns --status-fd FD --userns-block-fd FD [--clear-groups] -- CMD [ARG...]\n"
        "       tsbox-helper lock [--try] 3<LOCKFILE\n"
        "       tsbox-helper read-file (--root DIR | --pid N --pid-start T) --max BYTES PATH\n"
        "       tsbox-helper device-programs CGROUP_DIR\n"
        "       tsbox-helper extract (--root DIR | --pid N --pid-start T) [--userxattr] < RECORDS\n"
        "       tsbox-helper copy-stat (--root DIR | --pid N --pid-start T) [--follow] PATH\n"
        "       tsbox-helper copy-out (--root DIR | --pid N --pid-start T) [--name NAME] [--no-setid] [--uid-map C:H:N]... [--gid-map C:H:N]... PATH\n"
        "       tsbox-helper version\n"
        "See native/PROTOCOL.md.\n",
        f);
}

static int ns_flag(const char *name)
{
  for (size_t i = 0; i < 8; i++)
    if (strcmp(ns_names[i].name, name) == 0)
      return ns_names[i].flag;
  return 0;
}

static bool parse_fd(const char *s, int *fd)
{
  uint64_t v;
  if (!parse_u64(s, 10, INT32_MAX, &v) || v < 3)
    return false;
  if (fcntl((int) v, F_GETFD) < 0)
    return false;
  *fd = (int) v;
  return true;
}

static bool parse_id(const char *s, uint32_t *out)
{
  uint64_t v;
  if (!parse_u64(s, 10, UINT32_MAX - 1, &v))
    return false;
  *out = (uint32_t) v;
  return true;
}

static int parse_groups(struct config *c, const char *s, struct error *e)
{
  cleanup_free char *copy = strdup(s);
  size_t n = 1;
  char *save = NULL, *tok;
  if (copy == NULL)
    return fail(e, "argv", "strdup");
  for (const char *p = s; *p; p++)
    n += *p == ',';
  c->groups = calloc(n, sizeof *c->groups);
  if (c->groups == NULL)
    return fail(e, "argv", "calloc");
  c->n_groups = 0;
  c->has_groups = true;
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    uint32_t g;
    if (!parse_id(tok, &g))
      return failx(e, "argv", "--groups: bad gid `%s`", tok);
    c->groups[c->n_groups++] = g;
  }
  return 0;
}

/* LOWER[+LOWER...]:UPPER:WORK -> overlayfs lowerdir, upperdir, workdir.
 * Kernels before 6.5 pass them on as one comma-separated option string, so
 * a comma (and a colon in upper/work) would let one path smuggle in other
 * options: refuse them. */
static int parse_overlay(struct config *c, const char *s, struct error *e)
{
  char *lower, *upper, *work;
  if (strchr(s, ',') != NULL)
    return failx(e, "argv", "--overlay: paths must not contain `,`");
  lower = strdup(s);
  if (lower == NULL)
    return fail(e, "argv", "strdup");
  upper = strchr(lower, ':');
  if (upper == NULL)
    return failx(e, "argv", "--overlay: expected LOWER:UPPER:WORK");
  *upper++ = '\0';
  work = strchr(upper, ':');
  if (work == NULL || strchr(work + 1, ':') != NULL)
    return failx(e, "argv", "--overlay: expected LOWER:UPPER:WORK");
  *work++ = '\0';
  if (!*lower || !*upper || !*work)
    return failx(e, "argv", "--overlay: empty path");
  for (char *p = lower; *p; p++)
    if (*p == '+')
      *p = ':';
  c->overlay_lower = lower;
  c->overlay_upper = upper;
  c->overlay_work = work;
  return 0;
}

/* --bind SRC:DST (split on the last colon, so host paths may hold colons),
 * --bind-fd FD:DST (split on the first: FD is digits), --tmpfs DST */
static int add_mount(struct config *c, enum mount_kind kind, const char *arg, bool ro, bool by_fd, struct error *e)
{
  struct mount_entry *m = &c->mounts[c->n_mounts];
  memset(m, 0, sizeof *m);
  m->kind = kind;
  m->ro = ro;
  m->src_fd = m->tree_fd = -1;
  const char *opt = kind == MOUNT_DEVICE ? "--device-fd" : "--bind-fd";
  if (kind == MOUNT_TMPFS) {
    /* DST[:OPTS]: destinations hold no colon (the engine refuses them) */
    const char *colon = strchr(arg, ':');
    m->dst = colon ? strndup(arg, (size_t) (colon - arg)) : arg;
    if (m->dst == NULL)
      return fail(e, "argv", "strndup");
    if (parse_tmpfs_options(m, colon ? colon + 1 : NULL, e) < 0)
      return -1;
  } else if (by_fd) {
    const char *colon = strchr(arg, ':');
    cleanup_free char *fd = colon ? strndup(arg, (size_t) (colon - arg)) : NULL;
    if (colon == NULL || colon[1] == '\0')
      return failx(e, "argv", "%s: expected FD:DST, got `%s`", opt, arg);
    if (fd == NULL)
      return fail(e, "argv", "strndup");
    if (!parse_fd(fd, &m->src_fd))
      return failx(e, "argv", "%s: bad fd `%s`", opt, fd);
    m->dst = colon + 1;
  } else {
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || colon[1] == '\0')
      return failx(e, "argv", "--bind: expected SRC:DST, got `%s`", arg);
    m->src = strndup(arg, (size_t) (colon - arg));
    if (m->src == NULL)
      return fail(e, "argv", "strndup");
    m->dst = colon + 1;
  }
  if (m->dst[0] != '/')
    return failx(e, "argv", "mount destination `%s` must be absolute", m->dst);
  c->n_mounts++;
  return 0;
}

/* --cgroup-mount DIR:NAME (split on the last colon): NAME is one component
 * of /sys/fs/cgroup, or "." for /sys/fs/cgroup itself (a pure v2 host) */
static int add_cgroup_mount(struct config *c, const char *arg, struct error *e)
{
  struct mount_entry *m = &c->cgroup_mounts[c->n_cgroup_mounts];
  const char *colon = strrchr(arg, ':');
  const char *name = colon ? colon + 1 : NULL;

  memset(m, 0, sizeof *m);
  m->kind = MOUNT_BIND;
  m->ro = true;
  m->src_fd = m->tree_fd = -1;
  if (colon == NULL || colon == arg || arg[0] != '/')
    return failx(e, "argv", "--cgroup-mount: expected DIR:NAME with DIR absolute, got `%s`", arg);
  if (*name == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
      (strcmp(name, ".") == 0 && c->n_cgroup_mounts > 0))
    return failx(e, "argv", "--cgroup-mount: NAME must be one path component, or `.` alone, got `%s`", name);
  for (size_t i = 0; i < c->n_cgroup_mounts; i++)
    if (strcmp(c->cgroup_mounts[i].dst, name) == 0 || strcmp(c->cgroup_mounts[i].dst, ".") == 0)
      return failx(e, "argv", "--cgroup-mount: `%s` given twice, or with `.`", name);
  m->src = strndup(arg, (size_t) (colon - arg));
  if (m->src == NULL)
    return fail(e, "argv", "strndup");
  m->dst = name;
  c->n_cgroup_mounts++;
  return 0;
}

static int parse_args(struct config *c, int argc, char **argv, struct error *e)
{
  size_t n = (size_t) argc + 1;
  int i;

  c->env = calloc(n, sizeof *c->env);
  c->mounts = calloc(n, sizeof *c->mounts);
  c->cgroups = calloc(n, sizeof *c->cgroups);
  c->cgroup_fds = calloc(n, sizeof *c->cgroup_fds);
  c->device_rules = calloc(n, sizeof *c->device_rules);
  c->cgroup_mounts = calloc(n, sizeof *c->cgroup_mounts);
  c->on_exit_argv = calloc(n + 1, sizeof *c->on_exit_argv);
  c->sysctls = calloc(n, sizeof *c->sysctls);
  c->masks = calloc(n, sizeof *c->masks);
  c->unmasks = calloc(n, sizeof *c->unmasks);
  c->readonly = calloc(n, sizeof *c->readonly);
  c->rlimits = calloc(n, sizeof *c->rlimits);
  if (!c->env || !c->mounts || !c->cgroups || !c->cgroup_fds || !c->device_rules || !c->cgroup_mounts ||
      !c->on_exit_argv || !c->sysctls || !c->masks || !c->unmasks || !c->readonly || !c->rlimits)
    return fail(e, "argv", "calloc");

  for (i = 2; i < argc; i++) {
    char *opt = argv[i];
    const char *val = NULL;
    char *eq;

    if (strcmp(opt, "--") == 0) {
      i++;
      break;
    }
    if (strncmp(opt, "--", 2) != 0)
      break; /* CMD without "--" */

    /* flags without a value */
    if (strcmp(opt, "--ro-root") == 0) { c->ro_root = true; continue; }
    if (strcmp(opt, "--no-new-privs") == 0) { c->no_new_privs = true; continue; }
    if (strcmp(opt, "--tty") == 0) { c->tty = true; continue; }
    if (strcmp(opt, "--stdin") == 0) { c->keep_stdin = true; continue; }
    if (strcmp(opt, "--detach") == 0) { c->detach = true; continue; }
    if (strcmp(opt, "--cgroup-mount-rw") == 0) { c->cgroup_mounts_rw = true; continue; }
    if (strcmp(opt, "--init") == 0) { c->init = true; continue; }
    if (strcmp(opt, "--overlay-userxattr") == 0) { c->overlay_userxattr = true; continue; }
    if (strcmp(opt, "--inherit-stdio") == 0) { c->inherit_stdio = true; continue; }
    if (strcmp(opt, "--no-monitor") == 0) { c->no_monitor = true; continue; }

    eq = strchr(opt, '=');
    if (eq != NULL) {
      *eq = '\0';
      val = eq + 1;
    } else if (i + 1 < argc) {
      val = argv[++i];
    } else {
      return failx(e, "argv", "%s needs a value", opt);
    }

#define OPT(name) (strcmp(opt, name) == 0)
    if (OPT("--rootfs")) {
      c->rootfs = val;
    } else if (OPT("--overlay")) {
      if (parse_overlay(c, val, e) < 0)
        return -1;
    } else if (OPT("--ns")) {
      int f = ns_flag(val);
      if (!f)
        return failx(e, "argv", "--ns: unknown namespace `%s`", val);
      c->ns_flags |= f;
    } else if (OPT("--join-ns")) {
      const char *colon = strchr(val, ':');
      cleanup_free char *type = NULL;
      int f;
      if (colon == NULL || colon[1] == '\0')
        return failx(e, "argv", "--join-ns: expected TYPE:PATH, got `%s`", val);
      type = strndup(val, (size_t) (colon - val));
      if (type == NULL)
        return fail(e, "argv", "strndup");
      f = ns_flag(type);
      if (!f)
        return failx(e, "argv", "--join-ns: unknown namespace `%s`", type);
      for (size_t j = 0; j < c->n_joins; j++)
        if (c->joins[j].flag == f)
          return failx(e, "argv", "--join-ns: %s given twice", type);
      c->joins[c->n_joins].flag = f;
      c->joins[c->n_joins].path = colon + 1;
      c->joins[c->n_joins].fd = -1;
      c->n_joins++;
    } else if (OPT("--userns-block-fd")) {
      if (!parse_fd(val, &c->userns_block_fd))
        return failx(e, "argv", "--userns-block-fd: bad fd `%s`", val);
    } else if (OPT("--hostname")) {
      c->hostname = val;
    } else if (OPT("--env")) {
      if (strchr(val, '=') == NULL)
        return failx(e, "argv", "--env: expected K=V, got `%s`", val);
      c->env[c->n_env++] = (char *) val;
    } else if (OPT("--cwd")) {
      if (val[0] != '/')
        return failx(e, "argv", "--cwd must be absolute");
      c->cwd = val;
    } else if (OPT("--uid")) {
      if (!parse_id(val, &c->uid))
        return failx(e, "argv", "--uid: bad uid `%s`", val);
    } else if (OPT("--gid")) {
      if (!parse_id(val, &c->gid))
        return failx(e, "argv", "--gid: bad gid `%s`", val);
    } else if (OPT("--groups")) {
      if (*val != '\0' && parse_groups(c, val, e) < 0)
        return -1;
      c->has_groups = true;
    } else if (OPT("--cgroup")) {
      c->cgroups[c->n_cgroups++] = val;
    } else if (OPT("--device-rule")) {
      if (c->is_exec)
        return failx(e, "argv", "--device-rule is for run: exec joins the container's cgroups, and their allowlist");
      if (parse_device_rule(c, val, e) < 0)
        return -1;
    } else if (OPT("--bind") || OPT("--bind-ro") || OPT("--bind-fd") || OPT("--bind-ro-fd")) {
      if (add_mount(c, MOUNT_BIND, val, strstr(opt, "-ro") != NULL, strstr(opt, "-fd") != NULL, e) < 0)
        return -1;
    } else if (OPT("--bind-flags")) {
      /* for the bind just before: what OCI mounts ask of theirs */
      struct mount_entry *m = c->n_mounts ? &c->mounts[c->n_mounts - 1] : NULL;
      cleanup_free char *list = strdup(val);
      if (m == NULL || m->kind != MOUNT_BIND)
        return failx(e, "argv", "--bind-flags must follow a --bind or --bind-fd");
      if (list == NULL)
        return fail(e, "argv", "strdup");
      for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strcmp(w, "nosuid") == 0)
          m->attr |= MOUNT_ATTR_NOSUID;
        else if (strcmp(w, "nodev") == 0)
          m->attr |= MOUNT_ATTR_NODEV;
        else if (strcmp(w, "noexec") == 0)
          m->attr |= MOUNT_ATTR_NOEXEC;
        else
          return failx(e, "argv", "--bind-flags: unknown flag `%s` (nosuid, nodev, noexec)", w);
      }
    } else if (OPT("--tmpfs")) {
      if (add_mount(c, MOUNT_TMPFS, val, false, false, e) < 0)
        return -1;
    } else if (OPT("--idmap")) {
      /* names a bind given before it, by its destination */
      struct mount_entry *m = NULL;
      for (size_t j = 0; j < c->n_mounts; j++)
        if (c->mounts[j].kind == MOUNT_BIND && strcmp(c->mounts[j].dst, val) == 0)
          m = &c->mounts[j];
      if (c->is_exec || m == NULL)
        return failx(e, "argv", "--idmap `%s`: names no --bind or --bind-fd destination given before it", val);
      m->idmap = true;
    } else if (OPT("--device-fd")) {
      if (add_mount(c, MOUNT_DEVICE, val, false, true, e) < 0)
        return -1;
    } else if (OPT("--sysctl")) {
      if (parse_sysctl(c, val, e) < 0)
        return -1;
    } else if (OPT("--mask")) {
      if (val[0] != '/')
        return failx(e, "argv", "--mask: `%s` must be absolute", val);
      c->masks[c->n_masks++] = val;
    } else if (OPT("--readonly")) {
      if (val[0] != '/')
        return failx(e, "argv", "--readonly: `%s` must be absolute", val);
      c->readonly[c->n_readonly++] = val;
    } else if (OPT("--unmask")) {
      if (strcmp(val, "ALL") == 0)
        c->unmask_all = true;
      else
        c->unmasks[c->n_unmasks++] = val; /* mounts.c checks it is one of ours */
    } else if (OPT("--rlimit")) {
      if (parse_rlimit(c, val, e) < 0)
        return -1;
    } else if (OPT("--oom-score-adj")) {
      char *end;
      long v;
      errno = 0;
      v = strtol(val, &end, 10);
      if (errno || end == val || *end || v < -1000 || v > 1000)
        return failx(e, "argv", "--oom-score-adj: `%s` is not a number from -1000 to 1000", val);
      c->oom_score_adj = (int) v;
      c->has_oom_score_adj = true;
    } else if (OPT("--mount-label")) {
      /* goes into mount options as context="LABEL" */
      if (strpbrk(val, "\"\\\n") != NULL)
        return failx(e, "argv", "--mount-label: bad label `%s`", val);
      c->mount_label = val;
    } else if (OPT("--process-label")) {
      c->process_label = val;
    } else if (OPT("--caps")) {
      if (!parse_u64(val, 16, UINT64_MAX, &c->caps))
        return failx(e, "argv", "--caps: bad hex mask `%s`", val);
      c->has_caps = true;
    } else if (OPT("--seccomp-fd")) {
      if (!parse_fd(val, &c->seccomp_fd))
        return failx(e, "argv", "--seccomp-fd: bad fd `%s`", val);
    } else if (OPT("--seccomp-file")) {
      c->seccomp_file = val;
    } else if (OPT("--log")) {
      c->log_path = val;
    } else if (OPT("--shm-size")) {
      /* tmpfs rounds to pages; a size below one page would be none */
      if (!parse_u64(val, 10, UINT64_MAX / 2, &c->shm_size) || c->shm_size < 4096)
        return failx(e, "argv", "--shm-size: bad size `%s` (bytes, at least 4096)", val);
    } else if (OPT("--log-max")) {
      /* below a few records' worth, every line would rotate the log */
      if (!parse_u64(val, 10, UINT64_MAX / 2, &c->log_max) || c->log_max < 4096)
        return failx(e, "argv", "--log-max: bad size `%s` (bytes, at least 4096)", val);
    } else if (OPT("--exit-file")) {
      c->exit_file = val;
    } else if (OPT("--event-file")) {
      c->event_file = val;
    } else if (OPT("--event-head")) {
      /* copied into each journal line as is: a newline would end the line
       * and start a forged one */
      if (strchr(val, '\n') || val[0] == '\0' || val[strlen(val) - 1] != ',')
        return failx(e, "argv", "--event-head: JSON members ending in `,`, on one line");
      c->event_head = val;
    } else if (OPT("--cgroup-mount")) {
      if (add_cgroup_mount(c, val, e) < 0)
        return -1;
    } else if (OPT("--on-exit")) {
      if (val[0] != '/' || c->on_exit)
        return failx(e, "argv", "--on-exit: one absolute path, got `%s`", val);
      c->on_exit = val;
      c->on_exit_argv[0] = (char *) val;
    } else if (OPT("--on-exit-arg")) {
      if (!c->on_exit)
        return failx(e, "argv", "--on-exit-arg comes after --on-exit");
      c->on_exit_argv[++c->n_on_exit_argv] = (char *) val;
    } else if (OPT("--signal-fd")) {
      if (!parse_fd(val, &c->signal_fd))
        return failx(e, "argv", "--signal-fd: bad fd `%s`", val);
    } else if (OPT("--status-fd")) {
      if (!parse_fd(val, &status_fd))
        return failx(e, "argv", "--status-fd: bad fd `%s`", val);
    } else if (OPT("--start-fifo")) {
      c->start_fifo = val;
    } else if (OPT("--console-socket")) {
      c->console_socket = val;
    } else if (OPT("--pid")) {
      uint64_t v;
      if (!parse_u64(val, 10, INT32_MAX, &v) || v < 1)
        return failx(e, "argv", "--pid: bad pid `%s`", val);
      c->pid = (pid_t) v;
    } else if (OPT("--pid-start")) {
      uint64_t v;
      if (!parse_u64(val, 10, UINT64_MAX, &v))
        return failx(e, "argv", "--pid-start: bad value `%s`", val);
      c->pid_start = v;
      c->has_pid_start = true;
    } else {
      return failx(e, "argv", "unknown option `%s`", opt);
    }
#undef OPT
  }

  if (i >= argc)
    return failx(e, "argv", "missing CMD (after `--`)");
  if (c->seccomp_file && c->seccomp_fd >= 0)
    return failx(e, "argv", "--seccomp-fd and --seccomp-file are exclusive");
  c->argv = &argv[i];

  /* Without a monitor nobody copies output, writes a log or an exit file,
   * or holds a pty master: CMD's stdio must be the caller's own. */
  if (c->no_monitor && (c->detach || c->log_path || c->exit_file || c->keep_stdin || c->event_file))
    return failx(e, "argv", "--no-monitor excludes --detach, --log, --exit-file, --event-file and --stdin");
  if ((c->event_file == NULL) != (c->event_head == NULL))
    return failx(e, "argv", "--event-file and --event-head go together");
  if (c->no_monitor && !(c->tty ? c->console_socket != NULL : c->inherit_stdio))
    return failx(e, "argv", "--no-monitor needs --inherit-stdio, or --tty with --console-socket");
  if (c->console_socket && !c->tty)
    return failx(e, "argv", "--console-socket needs --tty");
  if (c->inherit_stdio && (c->tty || c->keep_stdin || c->log_path))
    return failx(e, "argv", "--inherit-stdio excludes --tty, --stdin and --log");
  if (c->start_fifo && (c->is_exec || c->detach))
    return failx(e, "argv", "--start-fifo is for run without --detach (the OCI create and run)");

  if (c->is_exec) {
    if (c->pid == 0 || !c->has_pid_start)
      return failx(e, "argv", "exec needs --pid and --pid-start");
    if (c->rootfs || c->overlay_lower || c->n_mounts || c->n_joins || c->detach || c->log_path || c->log_max ||
        c->exit_file || c->hostname || c->ro_root || c->userns_block_fd >= 0 || c->n_cgroup_mounts ||
        c->cgroup_mounts_rw || c->on_exit || c->shm_size || c->n_sysctls || c->n_masks || c->n_unmasks || c->unmask_all ||
        c->n_readonly || c->init || c->event_file)
      return failx(e, "argv", "option not valid for exec");
    /* Without the container's mount namespace CMD would run on the host's
     * filesystem (and a --tty pty would come from the host's devpts). */
    if (!(c->ns_flags & CLONE_NEWNS))
      return failx(e, "argv", "exec needs --ns mnt");
  } else {
    if (c->rootfs == NULL)
      return failx(e, "argv", "run needs --rootfs");
    if (c->pid != 0 || c->has_pid_start)
      return failx(e, "argv", "--pid is only valid for exec");
    c->ns_flags |= CLONE_NEWNS; /* mnt is always new */
    int joined = 0;
    for (size_t j = 0; j < c->n_joins; j++) {
      if (c->joins[j].flag == CLONE_NEWNS)
        return failx(e, "argv", "--join-ns mnt: the mount namespace of run is always new");
      c->ns_flags &= ~c->joins[j].flag;
      joined |= c->joins[j].flag;
    }
    /* With a joined user namespace the new time namespace is made by a
     * fork in the pid namespace the monitor joined (run.c, forks_init);
     * when that fork's parent exits, the init of that pid namespace, not
     * the monitor, would adopt the container's init. */
    if ((joined & CLONE_NEWUSER) && (joined & CLONE_NEWPID) && (c->ns_flags & CLONE_NEWTIME))
      return failx(e, "argv",
                   "--join-ns user and --join-ns pid cannot be combined with --ns time: "
                   "join the time namespace too (--join-ns time:PATH) or share the caller's");
    /* Setting the hostname of a namespace we do not own would change the
     * host's (or another container's) name. */
    if (c->hostname && !(c->ns_flags & CLONE_NEWUTS))
      return failx(e, "argv", "--hostname needs --ns uts");
    if (c->userns_block_fd >= 0 && !(c->ns_flags & CLONE_NEWUSER))
      return failx(e, "argv", "--userns-block-fd needs --ns user");
    if (check_sysctl_namespaces(c, e) < 0 || check_unmasks(c, e) < 0)
      return -1;
  }
  return 0;
}

/* Root of the host: uid 0 in the initial user namespace (whose uid_map is
 * the identity over all ids). uid 0 of some other user namespace, as inside
 * `tsbox unshare`, owns nothing on the host. */
static bool host_root(void)
{
  char buf[128];
  unsigned long long inside, outside, count;
  if (geteuid() != 0)
    return false;
  if (read_small_file("/proc/self/uid_map", buf, sizeof buf) < 0)
    return false;
  return sscanf(buf, "%llu %llu %llu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 &&
         count == 4294967295ULL && strchr(buf, '\n') == NULL;
}

/* Without root, every privilege the helper uses comes from a user namespace
 * it creates (or joins, or, for exec, enters): there it is root, and the
 * namespaces created together with (or after) it belong to it, so mounting,
 * pivot_root and sethostname are allowed inside. Whatever would have to
 * happen in the host's user namespace is refused here, with the reason,
 * instead of failing later with a bare EPERM. */
static int check_unprivileged(const struct config *c, struct error *e)
{
  if (c->is_exec) {
    /* exec_main checks that it really differs from ours */
    if (!(c->ns_flags & CLONE_NEWUSER))
      return failx(e, "argv", "exec without root needs --ns user: the container's user namespace is what allows joining its other namespaces");
    return 0;
  }
  bool user_joined = false;
  for (size_t j = 0; j < c->n_joins; j++) {
    int f = c->joins[j].flag;
    if (f == CLONE_NEWUSER) {
      user_joined = true;
    } else if (f != CLONE_NEWCGROUP) {
      /* pid, time, net, ipc and uts are joined by the monitor, which stays in
       * the host's user namespace, where joining needs CAP_SYS_ADMIN. */
      for (size_t i = 0; i < 8; i++)
        if (ns_names[i].flag == f)
          return failx(e, "argv",
                       "--join-ns %s needs root: the monitor joins it from the host's user namespace "
                       "(without root, only user and cgroup namespaces can be joined)",
                       ns_names[i].name);
    }
  }
  if (!(c->ns_flags & CLONE_NEWUSER) && !user_joined)
    return failx(e, "argv",
                 "tsbox-helper run without root needs --ns user (or --join-ns user:PATH): "
                 "only the root of a user namespace may mount and pivot_root");
  return 0;
}

/* The kernel floor: Linux 5.12. Every bind is made read-only and private
 * on its detached tree (mount_setattr, 5.12) before it is attached, which
 * leaves no remount that looks a destination up a second time; paths
 * beneath a volume are resolved with openat2 (5.6); clone3 with
 * CLONE_NEWTIME, pidfd_open and setns on a pidfd are 5.8. Older kernels are
 * refused here, with the reason, rather than with weaker fallbacks. */
static int check_kernel(struct error *e)
{
  struct utsname u;
  unsigned int major, minor;
  if (uname(&u) < 0)
    return fail(e, "kernel", "uname");
  if (sscanf(u.release, "%u.%u", &major, &minor) != 2)
    return failx(e, "kernel", "cannot read the kernel version `%s`", u.release);
  if (major < KERNEL_FLOOR_MAJOR || (major == KERNEL_FLOOR_MAJOR && minor < KERNEL_FLOOR_MINOR))
    return failx(e, "kernel",
                 "tsbox needs Linux %d.%d or later (mount_setattr, openat2, clone3); this kernel is %s: "
                 "run tsbox on a newer kernel",
                 KERNEL_FLOOR_MAJOR, KERNEL_FLOOR_MINOR, u.release);
  return 0;
}

/* Opened on the host, before any namespace is entered. */
int open_common_fds(struct config *c, struct error *e)
{
  char buf[64];
  uint64_t last;

  c->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (c->devnull_fd < 0)
    return fail(e, "argv", "open `/dev/null`");

  /* A process joins a v1 cgroup through its `tasks` file and a v2 cgroup
   * through cgroup.procs (see join_cgroups in run.c); `run` places its init
   * in a v2 cgroup with clone3, from the directory. */
  for (size_t i = 0; i < c->n_cgroups; i++) {
    struct statfs sfs;
    const char *file;
    cleanup_fd int dir = open(c->cgroups[i], O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (dir < 0)
      return fail(e, "cgroup", "open `%s`", c->cgroups[i]);
    if (fstatfs(dir, &sfs) < 0)
      return fail(e, "cgroup", "statfs `%s`", c->cgroups[i]);
    file = sfs.f_type == CGROUP2_SUPER_MAGIC ? "cgroup.procs" : "tasks";
    c->cgroup_fds[i] = openat(dir, file, O_WRONLY | O_CLOEXEC);
    if (c->cgroup_fds[i] < 0)
      return fail(e, "cgroup", "open `%s/%s`", c->cgroups[i], file);
    if (sfs.f_type == CGROUP2_SUPER_MAGIC && c->cgroup_v2_dir < 0) {
      c->cgroup_v2_dir = dir;
      c->cgroup_v2_index = i;
      dir = -1;
    }
  }
  if (c->n_device_rules > 0 && c->cgroup_v2_dir < 0)
    return failx(e, "argv", "--device-rule needs a cgroup v2 directory among --cgroup (a v1 devices cgroup takes devices.allow)");

  if (c->seccomp_file) {
    c->seccomp_fd = open(c->seccomp_file, O_RDONLY | O_CLOEXEC);
    if (c->seccomp_fd < 0)
      return fail(e, "seccomp", "open `%s`", c->seccomp_file);
  }
  if (c->seccomp_fd >= 0 && seccomp_read_program(c, e) < 0)
    return -1;

  if (read_small_file("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) < 0)
    return fail(e, "caps", "read `/proc/sys/kernel/cap_last_cap`");
  if (!parse_u64(buf, 10, 63, &last))
    return failx(e, "caps", "bad cap_last_cap `%s`", buf);
  c->cap_last = (unsigned int) last;

  /* Labels only matter when SELinux enforces; decided here, on the host,
   * because the container's /sys has no selinuxfs. */
  c->selinux_enforcing =
      read_small_file("/sys/fs/selinux/enforce", buf, sizeof buf) == 0 && strcmp(buf, "1") == 0;

  if (c->console_socket) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(c->console_socket) >= sizeof sa.sun_path)
      return failx(e, "tty", "--console-socket path `%s` is too long for a unix socket", c->console_socket);
    strcpy(sa.sun_path, c->console_socket);
    c->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->console_fd < 0)
      return fail(e, "tty", "socket");
    if (connect(c->console_fd, (struct sockaddr *) &sa, sizeof sa) < 0)
      return fail(e, "tty", "connect to --console-socket `%s`", c->console_socket);
  }
  return 0;
}

/* parse_args cuts `--opt=value` in two: a re-execution needs argv as it came. */
static char **copy_argv(int argc, char **argv)
{
  char **copy = calloc((size_t) argc + 1, sizeof *copy);
  if (copy == NULL)
    return NULL;
  for (int i = 0; i < argc; i++)
    if ((copy[i] = strdup(argv[i])) == NULL)
      return NULL;
  return copy;
}

/* Whether a process of ours will be in a pid namespace a container's
 * processes are in, before its execve (sealed.c says why that matters):
 * exec's always are; run's init is when it gets no new pid namespace, and
 * with --init it never execs: it stays the container's pid 1. */
static bool seen_by_containers(const struct config *c)
{
  return c->is_exec || !(c->ns_flags & CLONE_NEWPID) || c->init;
}

int main(int argc, char **argv)
{
  struct config c;
  struct error e = { 0 };
  char **orig_argv;

  if (argc < 2) {
    usage(stderr);
    return 125;
  }
  if (strcmp(argv[1], "version") == 0) {
    printf("%d\n", PROTOCOL_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "xattr") == 0 || strcmp(argv[1], "chown") == 0) {
    if (check_kernel(&e) < 0) {
      fprintf(stderr, "tsbox-helper: %s\n", e.msg);
      return 125;
    }
    return argv[1][0] == 'x' ? xattr_main(argc, argv) : chown_main(argc, argv);
  }
  if (strcmp(argv[1], "userns") == 0)
    return userns_main(argc, argv); /* rootless: no root check */
  if (strcmp(argv[1], "lock") == 0)
    return lock_main(argc, argv); /* the caller's own lock file: no privilege */
  if (strcmp(argv[1], "read-file") == 0)
    return read_file_main(argc, argv); /* reads as the caller, for the caller */
  if (strcmp(argv[1], "extract") == 0)
    return extract_main(argc, argv); /* writes as the caller, into the caller's dir */
  if (strcmp(argv[1], "device-programs") == 0)
    return device_programs_main(argc, argv); /* reads only; the kernel checks the caller's privilege */
  if (strcmp(argv[1], "copy-stat") == 0 || strcmp(argv[1], "copy-out") == 0)
    return copy_main(argc, argv); /* reads as the caller, inside the root it names */
  if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "exec") != 0) {
    usage(stderr);
    return 125;
  }

  memset(&c, 0, sizeof c);
  c.is_exec = strcmp(argv[1], "exec") == 0;
  c.rootfs_fd = c.userns_block_fd = c.log_fd = c.seccomp_fd = c.devnull_fd = c.cgroup_v2_dir = c.signal_fd = -1;
  c.start_fifo_fd = c.console_fd = -1;
  c.starter = getppid();

  /* Find the status fd first, so even an argv error is reported on it. */
  for (int i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--status-fd") == 0 && !parse_fd(argv[i + 1], &status_fd))
      status_fd = -1;

  orig_argv = copy_argv(argc, argv);
  if (orig_argv == NULL) {
    fail(&e, "argv", "copy argv");
    goto fail;
  }
  if (check_kernel(&e) < 0 || parse_args(&c, argc, argv, &e) < 0)
    goto fail;
  c.unprivileged = !host_root();
  if (c.unprivileged && check_unprivileged(&c, &e) < 0)
    goto fail;
  /* Before the engine's fds become close-on-exec: they go through. Returns
   * only once we run from the sealed copy (or on an error). */
  if (seen_by_containers(&c) && reexec_sealed(orig_argv, &e) < 0)
    goto fail;
  cloexec_fds_from_3();
  return c.is_exec ? exec_main(&c) : run_main(&c);

fail:
  if (status_fd >= 0)
    status_error(&e);
  else
    fprintf(stderr, "tsbox-helper: %s\n", e.msg);
  return 125;
}
