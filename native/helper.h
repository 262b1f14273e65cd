/* The plan the engine hands us on argv, plus the fds we open from it, and the
 * entry points of each module. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define PROTOCOL_VERSION 2

/* The oldest kernel run, exec, xattr and chown accept (main.c: check_kernel) */
#define KERNEL_FLOOR_MAJOR 5
#define KERNEL_FLOOR_MINOR 12

/* MOUNT_DEVICE: a host device node (--device-fd) made in the container:
 * mknod of the same type and number, or (in a user namespace, where mknod
 * is refused) a bind of the host's node */
enum mount_kind { MOUNT_BIND, MOUNT_TMPFS, MOUNT_DEVICE };

struct mount_entry {
  enum mount_kind kind;
  const char *src; /* host path: as given (--bind), or what the engine's fd
                      names (--bind-fd), for messages */
  const char *dst; /* path inside the rootfs */
  bool ro;
  bool idmap;  /* --idmap DST: shown through the container's user namespace
                  (idmap.c); its tree comes from the monitor once the id maps
                  are written */
  uint64_t attr; /* --bind-flags: MOUNT_ATTR_NOSUID, _NODEV, _NOEXEC (binds) */
  int src_fd;  /* O_PATH on the host source: the engine's (--bind-fd), or
                  opened before anything else (--bind) */
  int tree_fd; /* detached copy of it, read-only when ro and private, that
                  the child attaches in its own mount namespace; -1 when the
                  monitor is unprivileged (the child clones it then) */
  char *canon; /* the path src_fd names (readlink, no symlink in it): for
                  --bind-fd always, for --bind when unprivileged, as the
                  child re-opens it in its copy of the mount tree */
  /* tmpfs: mount flags and data (tmpfs.c: parse_tmpfs_options) */
  unsigned long flags;
  char *data;
};

/* --rlimit NAME=SOFT:HARD */
struct rlimit_entry {
  int resource; /* RLIMIT_* */
  const char *name;
  uint64_t soft, hard; /* RLIM_INFINITY for unlimited */
};

/* --sysctl KEY=VALUE: KEY as a path below /proc/sys (net/ipv4/ping_group_range) */
struct sysctl_entry {
  char *key;
  const char *value;
};

struct ns_join {
  int flag; /* CLONE_NEW* */
  const char *path;
  int fd;
};

struct config {
  bool is_exec;
  /* not root of the host (see main.c: check_unprivileged): the privilege
   * comes from the container's user namespace only */
  bool unprivileged;

  /* run */
  const char *rootfs;
  int rootfs_fd;
  /* --overlay: lowerdir (dirs separated by ':'), upperdir, workdir */
  char *overlay_lower, *overlay_upper, *overlay_work;
  bool overlay_userxattr; /* layers with user.overlay.* whiteouts (rootless) */
  struct ns_join joins[8];
  size_t n_joins;
  int userns_block_fd;
  const char *hostname;
  struct mount_entry *mounts;
  size_t n_mounts;
  bool ro_root;
  const char *mount_label;
  struct sysctl_entry *sysctls;
  size_t n_sysctls;
  /* --mask PATH: masked besides the defaults; --unmask PATH: a default
   * (masked or read-only) path left alone; --unmask ALL: all of them */
  const char **masks;
  size_t n_masks;
  const char **unmasks;
  size_t n_unmasks;
  const char **readonly; /* --readonly PATH: read-only besides the defaults */
  size_t n_readonly;
  bool unmask_all;
  /* --init: pid 1 is a small init of ours (init.c) and CMD its child */
  bool init;
  bool detach;
  const char *log_path;
  uint64_t log_max; /* 0: no cap */
  uint64_t shm_size; /* bytes of /dev/shm; 0: the default, 64 MiB */
  int log_fd;
  const char *exit_file;
  /* --event-file PATH, --event-head TEXT: the journal the monitor appends
   * "oom" and "died" to, and the members each line starts with (events.c) */
  const char *event_file;
  const char *event_head;
  /* --cgroup-mount DIR:NAME: cgroup directories shown read-only (rw with
   * --cgroup-mount-rw) at /sys/fs/cgroup/NAME inside the container; dst is
   * NAME ("." for /sys/fs/cgroup itself) */
  struct mount_entry *cgroup_mounts;
  size_t n_cgroup_mounts;
  bool cgroup_mounts_rw;
  /* --on-exit PATH, --on-exit-arg ARG...: run when the container has exited,
   * if nobody is attached (onexit.c) */
  const char *on_exit;
  char **on_exit_argv; /* NULL terminated, argv[0] = PATH */
  size_t n_on_exit_argv;
  pid_t starter;       /* our parent when we started: the engine */
  /* the host's namespaces the monitor left for --join-ns, to go back to for --on-exit */
  struct ns_join home_ns[5];
  size_t n_home_ns;

  /* run and exec */
  int ns_flags; /* run: namespaces to create; exec: namespaces to join */
  char **env;   /* NULL terminated */
  size_t n_env;
  const char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t n_groups;
  bool has_groups;
  const char **cgroups;
  int *cgroup_fds;  /* the file a process joins through: tasks (v1) or cgroup.procs (v2) */
  size_t n_cgroups;
  int cgroup_v2_dir; /* run: the v2 cgroup's directory (-1: none), for CLONE_INTO_CGROUP */
  struct device_rule *device_rules; /* run: the v2 cgroup's device allowlist, if any */
  size_t n_device_rules;
  size_t cgroup_v2_index; /* its place in cgroups[] */
  bool cgroup_v2_by_clone; /* run: clone3 placed the init in it */
  const char *process_label;
  bool has_caps;
  uint64_t caps;
  unsigned int cap_last;
  bool no_new_privs;
  struct rlimit_entry *rlimits;
  size_t n_rlimits;
  bool has_oom_score_adj;
  int oom_score_adj;
  int seccomp_fd;
  const char *seccomp_file; /* alternative to seccomp_fd, read on the host */
  struct sock_filter *seccomp_prog;
  unsigned short seccomp_len;
  /* --signal-fd: signals the attached engine relays (monitor.c) */
  int signal_fd;
  bool tty;
  bool keep_stdin;
  int devnull_fd;
  bool selinux_enforcing;

  /* OCI runtime mode (src/runtime): the caller's own reaper (conmon,
   * containerd's shim) adopts CMD, and the caller owns its stdio */
  bool inherit_stdio;         /* CMD's fds 0-2 are ours, as the caller gave them */
  bool no_monitor;            /* exit once CMD runs or waits at --start-fifo */
  const char *start_fifo;     /* run: CMD waits before execve until a reader opens it */
  int start_fifo_fd;          /* O_PATH on it, opened on the host */
  const char *console_socket; /* --tty: the pty master goes to this unix socket */
  int console_fd;             /* connected to it, on the host */

  /* exec */
  pid_t pid;
  unsigned long long pid_start;
  bool has_pid_start;

  char **argv; /* CMD, NULL terminated */
};

/* --device-rule: one entry of the device allowlist */
struct device_rule {
  uint32_t type;   /* BPF_DEVCG_DEV_BLOCK or _CHAR; 0: any */
  int64_t major;   /* -1: any */
  int64_t minor;   /* -1: any */
  uint32_t access; /* BPF_DEVCG_ACC_* bits */
};

/* namespace names as in /proc/PID/ns */
struct ns_name {
  const char *name;
  int flag;
};
extern const struct ns_name ns_names[8];

/* sealed.c: re-execute from a sealed memfd copy of our binary, with ARGV
 * (returns 0 at once when that is what we run from; never on success) */
int reexec_sealed(char **argv, struct error *e);

/* main.c: things both run and exec open on the host before changing anything */
int open_common_fds(struct config *c, struct error *e);

/* run.c / exec.c / xattr.c / chown.c */
int run_main(struct config *c);
int exec_main(struct config *c);
int xattr_main(int argc, char **argv);
int chown_main(int argc, char **argv);
int userns_main(int argc, char **argv);
int lock_main(int argc, char **argv);
int read_file_main(int argc, char **argv);
int extract_main(int argc, char **argv);
int device_programs_main(int argc, char **argv);
int copy_main(int argc, char **argv);
/* readfile.c: an O_PATH fd on /proc/PID/root, if PID still started at START */
int open_pid_root(pid_t pid, unsigned long long start, struct error *e);
/* readfile.c: PATH beneath ROOTFD, RESOLVE_IN_ROOT and no magic links; 0 (fd in *OUT), 1 not found, -1 */
int resolve_in_root(int rootfd, const char *path, int extra_flags, const char *stage, int *out, struct error *e);

/* mounts.c */
int open_in_root(int rootfd, const char *path, int flags, struct error *e);
/* A detached copy of the mount tree at FD (recursive), read-only if RO, and
 * private: what every bind becomes before it is attached. */
int detached_tree(int fd, bool ro, const char *what, struct error *e);
int detached_tree_attr(int fd, uint64_t attr_set, const char *what, struct error *e);
/* what a bind's detached tree is set to: read-only, --bind-flags */
uint64_t bind_attr(const struct mount_entry *m);
/* Attach the detached TREE onto the resolved DST. */
int attach_tree(int tree, int dst, const char *what, struct error *e);
/* An unprivileged monitor's bind source, cloned by the child in its own
 * mount namespace from the path M->canon, checked to be M->src_fd's file. */
int clone_bind_source(const struct mount_entry *m, struct error *e);
/* The path FD names (readlink of /proc/self/fd/FD), malloc'd. */
char *fd_path(int fd, struct error *e);
/* which namespaces the container owns, as far as mounting is concerned */
struct ns_plan {
  bool in_userns;  /* new or joined user namespace */
  bool net_new;
  bool net_joined;
  bool ipc_new;
};
int setup_rootfs(const struct config *c, const struct ns_plan *ns, struct error *e);
/* --unmask paths must be among the defaults */
int check_unmasks(const struct config *c, struct error *e);

/* tree.c: trees of host files beneath an O_PATH fd the engine opened (the
 * sources of :U and :z/:Z volumes), never leaving them */
struct stat;
struct tree_root {
  int fd;
  dev_t dev; /* the walk does not enter other filesystems */
};
struct tree_entry {
  const char *path; /* relative to the root, "." for the root itself */
  int fd;           /* O_PATH on exactly this entry (a symlink: the link) */
  const struct stat *st;
};
struct tree_walker {
  int (*entry)(const struct tree_entry *t, void *ctx, struct error *e); /* -1 stops the walk */
  void (*mount_point)(const char *path, void *ctx);                     /* not entered */
  void *ctx;
};
/* argv FD: an open fd (a symlink is a tree of one entry, the link) */
int tree_root_arg(const char *s, struct tree_root *root, struct error *e);
/* O_PATH fd of PATH beneath ROOT, or -1/errno (tree_gone(errno): not there) */
int tree_open(const struct tree_root *root, const char *path);
bool tree_gone(int err);
/* Every entry, the root first, parents before children, names sorted. */
int tree_walk(const struct tree_root *root, const struct tree_walker *w, struct error *e);

/* devices.c */
int parse_device_rule(struct config *c, const char *val, struct error *e);
int attach_device_filter(int cgroup_dir, const struct device_rule *rules, size_t n, struct error *e);

/* idmap.c: --idmap volumes, mounts that show host ids through the
 * container's user namespace */
int idmap_check(const struct config *c, bool joins_userns, struct error *e);
bool idmap_wanted(const struct config *c);
int idmap_send_trees(const struct config *c, int procfd, pid_t pid, int sock, struct error *e);
int idmap_receive_trees(struct config *c, int sock, struct error *e);

/* pty.c */
int pty_open_in_root(int *master, int *slave, struct error *e);
int pty_make_controlling(int slave, struct error *e);
int send_fd(int sock, int fd, const char *stage, const char *what, struct error *e);
int recv_fd(int sock, const char *stage, const char *what, struct error *e);
int term_make_raw(int fd, struct error *e);
void term_restore(void);
void copy_winsize(int from, int to);

/* log.c: the monitor's one log. Opens PATH (appending); with MAX > 0 it is
 * rotated to PATH.1 before it would pass MAX bytes. Returns the fd. */
int log_open(const char *path, uint64_t max, struct error *e);
void log_record(int fd, const char *stream, const char *buf, size_t len);

/* monitor.c: the I/O and signal loop shared by run's monitor and exec */
struct stream {
  int fd;             /* read side: container stdout/stderr pipe or pty master */
  const char *name;   /* "stdout" / "stderr" for the log */
  int out_fd;         /* copy to this fd too (attached), or -1 */
};
struct monitor {
  pid_t pid;
  int pidfd;
  int sigfd;
  struct stream streams[2];
  size_t n_streams;
  int log_fd;
  int in_fd; /* caller's stdin to forward, or -1 */
  int in_to; /* where to: the pty master or CMD's stdin pipe; -1 when done */
  bool in_to_pty;
  char in_buf[4096]; /* read from in_fd, not yet all written to in_to */
  size_t in_len, in_off;
  int winsize_from, winsize_to;
  /* --signal-fd: one byte per signal the engine relays; while it is open our
   * own INT, TERM, HUP and QUIT are not forwarded (the engine, which shares
   * our process group, got them too and relays them). -1 once at EOF. */
  int relay_fd;
};
int monitor_setup_signals(struct error *e);
int monitor_attach_terminal(struct monitor *m, int master, bool keep_stdin, struct error *e);
void monitor_attach_pipes(struct monitor *m, int out, int err, int in);
int monitor_loop(struct monitor *m, int *wstatus, struct error *e);
void wstatus_to_code(int wstatus, int *code, int *sig);

/* cgroupfs.c: the container's own cgroups at /sys/fs/cgroup */
int open_cgroup_mounts(struct config *c, struct error *e);
int mount_cgroups(int rootfd, const struct config *c, struct error *e);
void close_cgroup_mounts(struct config *c);

/* onexit.c: --on-exit */
int save_home_namespaces(struct config *c, struct error *e);
void close_home_namespaces(struct config *c);
void run_on_exit(struct config *c);
/* events.c: the "start" line of --event-file once CMD runs; "oom" and "died" once it has ended */
void write_start_event(const struct config *c);
void write_exit_events(const struct config *c, int code);

/* tmpfs.c: --tmpfs DST:OPTS, the options checked one by one */
int parse_tmpfs_options(struct mount_entry *m, const char *opts, struct error *e);

/* sysctl.c */
int parse_sysctl(struct config *c, const char *val, struct error *e);
int check_sysctl_namespaces(const struct config *c, struct error *e);
int apply_sysctls(int procfd, const struct config *c, struct error *e);

/* limits.c: --rlimit and --oom-score-adj, applied on the host side of the
 * process before it enters the container (run: the init's first step;
 * exec: the intermediate's), inherited from there */
int parse_rlimit(struct config *c, const char *val, struct error *e);
int apply_process_limits(const struct config *c, struct error *e);

/* init.c: --init. Forks; the child returns and becomes CMD, the parent is
 * the container's pid 1 until CMD ends (never returns). */
void become_init_of_cmd(const struct config *c);

/* caps.c */
int apply_user_and_caps(const struct config *c, bool in_userns, struct error *e);

/* seccomp.c */
int seccomp_read_program(struct config *c, struct error *e);
int seccomp_load(const struct config *c, struct error *e);

/* process.c: last steps of the child, common to run and exec.
 * set_credentials: seccomp (without NNP), user, caps.
 * exec_in_workdir: close every fd but stdio and the error pipe, cwd, label,
 * NNP, seccomp (with NNP), execve.
 * finish_and_exec: both, in one process (run's init). */
void set_credentials(const struct config *c, bool in_userns);
__attribute__((noreturn)) void exec_in_workdir(const struct config *c);
__attribute__((noreturn)) void finish_and_exec(const struct config *c, bool in_userns);
void child_reset_signals(void);
/* --start-fifo: tell the monitor setup is done, then block until a reader
 * opens the fifo (`tsbox-runtime start`) */
void wait_for_start(const struct config *c);
/* the errno execvp would fail with for CMD in ENV's PATH (0: found) */
int find_executable(const struct config *c);
