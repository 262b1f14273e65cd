/* Credentials and capabilities of CMD.
 *
 * Order matters: drop from the bounding set while we still hold
 * CAP_SETPCAP, switch ids with PR_SET_KEEPCAPS so the permitted set survives
 * a non-zero uid just long enough for capset(), then set the final sets.
 * For uid 0 the kernel recomputes permitted/effective at execve from the
 * bounding set, so the mask is what CMD gets; other uids end with none.
 *
 * The inheritable set stays empty, as in runc and moby since CVE-2022-24769:
 * it survives a change of uid, so a root CMD that drops to another user
 * (su, a daemon's setuid) and executes a file carrying inheritable file
 * capabilities (setcap cap_net_admin+ei) would hand that user those
 * capabilities. With it empty, a non-root program gets only what its file
 * permits (+ep) within the bounding set, and the ambient set, which needs
 * a capability to be inheritable, stays empty too. */
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "helper.h"

static int capset_mask(uint64_t mask, struct error *e)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];

  memset(data, 0, sizeof data);
  data[0].effective = data[0].permitted = (uint32_t) mask;
  data[1].effective = data[1].permitted = (uint32_t) (mask >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0)
    return fail(e, "caps", "capset %#llx", (unsigned long long) mask);
  return 0;
}

int apply_user_and_caps(const struct config *c, bool in_userns, struct error *e)
{
  uint64_t valid = c->cap_last >= 63 ? UINT64_MAX : ((uint64_t) 1 << (c->cap_last + 1)) - 1;
  uint64_t mask = c->caps & valid;

  if (c->has_caps) {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
      return fail(e, "caps", "PR_SET_KEEPCAPS");
    for (unsigned int cap = 0; cap <= c->cap_last; cap++)
      if (!(mask & ((uint64_t) 1 << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        return fail(e, "caps", "drop capability %u from the bounding set", cap);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
      return fail(e, "caps", "clear the ambient set");
  }

  if (c->has_groups && c->n_groups > 0) {
    if (setgroups(c->n_groups, c->groups) < 0)
      return fail(e, "user", "setgroups");
  } else if (setgroups(0, NULL) < 0) {
    /* In a user namespace whose setgroups is "deny" the inherited groups
     * cannot be dropped (they show as the overflow gid); that is the
     * kernel's rule, not a failure of ours. */
    if (!(in_userns && errno == EPERM))
      return fail(e, "user", "setgroups");
  }
  if (setresgid(c->gid, c->gid, c->gid) < 0)
    return fail(e, "user", "setresgid %u", (unsigned) c->gid);
  if (setresuid(c->uid, c->uid, c->uid) < 0)
    return fail(e, "user", "setresuid %u", (unsigned) c->uid);

  if (c->has_caps) {
    if (capset_mask(c->uid == 0 ? mask : 0, e) < 0)
      return -1;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
      return fail(e, "caps", "PR_SET_KEEPCAPS");
  }
  return 0;
}
