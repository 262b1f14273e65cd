/* The device allowlist of a cgroup v2: which device nodes the container may
 * create (mknod) and open. v2 has no devices.allow file; the kernel asks a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead. The
 * engine writes the rules of a v1 devices hierarchy itself; this file turns
 * the same rules (--device-rule, in the v1 syntax) into that program.
 *
 * The program, for a context {access << 16 | type, major, minor}:
 *
 *   for each rule:  if type, major, minor match and the access asked for is
 *                   within the rule's: return 1 (allow)
 *   return 0 (deny)
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "helper.h"

/* A major or minor number: -1 for "*" (any). */
static int parse_number(const char *s, int64_t *out)
{
  uint64_t v;

  if (strcmp(s, "*") == 0) {
    *out = -1;
    return 0;
  }
  if (!parse_u64(s, 10, INT32_MAX, &v))
    return -1;
  *out = (int64_t) v;
  return 0;
}

/* "TYPE MAJOR:MINOR ACCESS": TYPE a|b|c, MAJOR and MINOR a number or *,
 * ACCESS of r, w, m. As in a v1 devices.allow file ("c 1:3 rwm"). */
int parse_device_rule(struct config *c, const char *val, struct error *e)
{
  struct device_rule *r = &c->device_rules[c->n_device_rules];
  char type, major[16], minor[16], access[8];
  int used = 0;

  if (sscanf(val, "%c %15[0-9*]:%15[0-9*] %7[rwm]%n", &type, major, minor, access, &used) != 4 || val[used] != '\0' ||
      (type != 'a' && type != 'b' && type != 'c'))
    return failx(e, "argv", "--device-rule: expected `TYPE MAJOR:MINOR ACCESS` (e.g. `c 1:3 rwm`), got `%s`", val);
  r->type = type == 'a' ? 0 : type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
  if (parse_number(major, &r->major) < 0)
    return failx(e, "argv", "--device-rule: bad major `%s`", major);
  if (parse_number(minor, &r->minor) < 0)
    return failx(e, "argv", "--device-rule: bad minor `%s`", minor);
  r->access = 0;
  for (const char *a = access; *a; a++)
    r->access |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  c->n_device_rules++;
  return 0;
}

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
  return i;
}

/* Instructions of one rule's test, the jumps not counted in yet. */
static size_t rule_length(const struct device_rule *r)
{
  return (r->type ? 1 : 0) + (r->access != ACC_ALL ? 3 : 0) + (r->major >= 0 ? 1 : 0) + (r->minor >= 0 ? 1 : 0) + 2;
}

/* Registers: r2 type, r3 access asked for, r4 major, r5 minor, r6 scratch. */
static size_t build_program(const struct device_rule *rules, size_t n, struct bpf_insn *p)
{
  size_t k = 0;

  p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* r2 = access_type */
  p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0); /* r3 = r2 >> 16 */
  p[k++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16);
  p[k++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff); /* r2 &= 0xffff */
  p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0); /* r4 = major */
  p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0); /* r5 = minor */
  for (size_t i = 0; i < n; i++) {
    const struct device_rule *r = &rules[i];
    size_t next = k + rule_length(r); /* first instruction of the next rule */
#define SKIP ((int16_t) (next - k - 1)) /* jump offset from instruction k to `next` */
    if (r->type) {
      p[k] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, SKIP, (int32_t) r->type);
      k++;
    }
    if (r->access != ACC_ALL) {
      /* any access asked for beyond the rule's: no match */
      p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
      p[k++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, (int32_t) (~r->access & ACC_ALL));
      p[k] = insn(BPF_JMP | BPF_JNE | BPF_K, 6, 0, SKIP, 0);
      k++;
    }
    if (r->major >= 0) {
      p[k] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, SKIP, (int32_t) r->major);
      k++;
    }
    if (r->minor >= 0) {
      p[k] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, SKIP, (int32_t) r->minor);
      k++;
    }
#undef SKIP
    p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
    p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  }
  p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
  p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return k;
}

/* Load the program and attach it to the cgroup (BPF_F_ALLOW_MULTI: next to
 * any program an ancestor has, which the kernel runs too; all must allow).
 * The attachment keeps the program for as long as the cgroup lives. */
int attach_device_filter(int cgroup_dir, const struct device_rule *rules, size_t n, struct error *e)
{
  size_t max = 8 + n * 8; /* 6 + 2 at most, and 8 per rule */
  cleanup_free struct bpf_insn *prog = calloc(max, sizeof *prog);
  cleanup_fd int fd = -1;
  union bpf_attr load, attach;
  char log[4096] = "";

  if (prog == NULL)
    return fail(e, "cgroup", "calloc");
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t) (uintptr_t) prog;
  load.insn_cnt = (uint32_t) build_program(rules, n, prog);
  load.license = (uint64_t) (uintptr_t) "Apache-2.0";
  fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
  if (fd < 0) {
    /* again with the verifier's log, for the message */
    int saved = errno;
    load.log_buf = (uint64_t) (uintptr_t) log;
    load.log_size = sizeof log;
    load.log_level = 1;
    (void) syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    log[sizeof log - 1] = '\0';
    log[strcspn(log, "\n")] = '\0'; /* the verifier's first line says why */
    errno = saved;
    return fail(e, "cgroup", "load the device filter (BPF_PROG_LOAD%s%s)", log[0] ? ": " : "", log);
  }

  memset(&attach, 0, sizeof attach);
  attach.target_fd = (uint32_t) cgroup_dir;
  attach.attach_bpf_fd = (uint32_t) fd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) < 0)
    return fail(e, "cgroup", "attach the device filter to the container's cgroup");
  return 0;
}
