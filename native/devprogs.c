/* `device-programs`: print the device programs in force for a cgroup v2
 * directory, for `tsbox audit`, which reads a container's device access from
 * the kernel rather than from its record.
 *
 *   device-programs CGROUP_DIR
 *
 * On cgroup v2 the device allowlist is no file but BPF_PROG_TYPE_CGROUP_DEVICE
 * programs: the cgroup's own and its ancestors' (all of them must allow an
 * access). The kernel lists them (BPF_PROG_QUERY with BPF_F_QUERY_EFFECTIVE)
 * and shows each program's instructions as the verifier left them; the
 * engine runs those on the devices it asks about (src/engine/device-program.ts).
 *
 * stdout: one line per program, `ID HEX`, HEX being its instructions as the
 * kernel's struct bpf_insn bytes; no line when none is attached (every
 * device is allowed then). Exit 0, or 125 with the reason on stderr.
 * Nothing is changed: the programs are only read. Reading instructions
 * needs CAP_SYS_ADMIN (and CAP_PERFMON or kptr_restrict 0 on some kernels);
 * where the kernel hides them the reason says so. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include "helper.h"

/* More than the kernel attaches in practice: 64 per cgroup with ALLOW_MULTI,
 * times a few levels. ENOSPC says how many there are, and we ask again. */
#define FIRST_GUESS 256

static long bpf(int cmd, union bpf_attr *attr)
{
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

/* The ids of the device programs effective at DIRFD: *N of them in *IDS. */
static int query_programs(int dirfd, uint32_t **ids, uint32_t *n, struct error *e)
{
  uint32_t cap = FIRST_GUESS;

  for (int attempt = 0; attempt < 2; attempt++) {
    union bpf_attr q;
    free(*ids);
    *ids = calloc(cap, sizeof **ids);
    if (*ids == NULL)
      return fail(e, "device-programs", "calloc");
    memset(&q, 0, sizeof q);
    q.query.target_fd = (uint32_t) dirfd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.query_flags = BPF_F_QUERY_EFFECTIVE;
    q.query.prog_ids = (uint64_t) (uintptr_t) *ids;
    q.query.prog_cnt = cap;
    if (bpf(BPF_PROG_QUERY, &q) == 0) {
      *n = q.query.prog_cnt;
      return 0;
    }
    if (errno != ENOSPC)
      return fail(e, "device-programs", "list the cgroup's device programs (BPF_PROG_QUERY)");
    cap = q.query.prog_cnt; /* the kernel wrote how many there are */
  }
  return failx(e, "device-programs", "the cgroup's device programs changed while they were listed; try again");
}

/* Print program ID's instructions as one line. */
static int print_program(uint32_t id, struct error *e)
{
  union bpf_attr a;
  struct bpf_prog_info info;
  cleanup_fd int fd = -1;
  cleanup_free uint8_t *insns = NULL;
  uint32_t len;

  memset(&a, 0, sizeof a);
  a.prog_id = id;
  fd = (int) bpf(BPF_PROG_GET_FD_BY_ID, &a);
  if (fd < 0)
    return fail(e, "device-programs", "open device program %u (BPF_PROG_GET_FD_BY_ID)", id);

  /* First the length, then the instructions into a buffer of that size. */
  memset(&info, 0, sizeof info);
  memset(&a, 0, sizeof a);
  a.info.bpf_fd = (uint32_t) fd;
  a.info.info_len = sizeof info;
  a.info.info = (uint64_t) (uintptr_t) &info;
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
    return fail(e, "device-programs", "read device program %u (BPF_OBJ_GET_INFO_BY_FD)", id);
  if (info.type != BPF_PROG_TYPE_CGROUP_DEVICE)
    return failx(e, "device-programs", "program %u is not a device program (type %u)", id, info.type);
  len = info.xlated_prog_len;
  if (len == 0 || len % sizeof(struct bpf_insn) != 0)
    return failx(e, "device-programs", "the kernel does not show device program %u's instructions (it needs CAP_SYS_ADMIN and kptr_restrict < 2)", id);
  insns = malloc(len);
  if (insns == NULL)
    return fail(e, "device-programs", "malloc");
  memset(&info, 0, sizeof info);
  info.xlated_prog_len = len;
  info.xlated_prog_insns = (uint64_t) (uintptr_t) insns;
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
    return fail(e, "device-programs", "read device program %u's instructions", id);
  /* The program cannot change once loaded; a shorter copy means a kernel we do not understand. */
  if (info.xlated_prog_len != len)
    return failx(e, "device-programs", "device program %u's length changed between two reads", id);

  printf("%u ", id);
  for (uint32_t i = 0; i < len; i++)
    printf("%02x", insns[i]);
  printf("\n");
  return 0;
}

/* DIR, opened, if it is a cgroup v2 directory. */
static int open_cgroup2(const char *dir, struct error *e)
{
  struct statfs sfs;
  cleanup_fd int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return fail(e, "device-programs", "open `%s`", dir);
  if (fstatfs(fd, &sfs) < 0)
    return fail(e, "device-programs", "statfs `%s`", dir);
  if (sfs.f_type != CGROUP2_SUPER_MAGIC)
    return failx(e, "device-programs", "`%s` is not a cgroup v2 directory", dir);
  return steal_fd(&fd);
}

int device_programs_main(int argc, char **argv)
{
  struct error e = { 0 };
  cleanup_fd int dirfd = -1;
  cleanup_free uint32_t *ids = NULL;
  uint32_t n = 0;

  if (argc != 3 || argv[2][0] == '-') {
    fprintf(stderr, "usage: tsbox-helper device-programs CGROUP_DIR\n");
    return 125;
  }
  dirfd = open_cgroup2(argv[2], &e);
  if (dirfd < 0 || query_programs(dirfd, &ids, &n, &e) < 0)
    goto failed;
  for (uint32_t i = 0; i < n; i++)
    if (print_program(ids[i], &e) < 0)
      goto failed;
  return fflush(stdout) == 0 ? 0 : 125;

failed:
  fflush(stdout);
  fprintf(stderr, "tsbox-helper: device-programs: %s\n", e.msg);
  return 125;
}
