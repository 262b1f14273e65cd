/* --tmpfs DST[:OPTS]: the mount options of a tmpfs, as podman's --tmpfs
 * takes them. Each is checked against a short list, because they end up in
 * mount(2)'s data string, where a stray `,` or `=` would add options of its
 * own choosing (a `context=` label, say). Without OPTS: nosuid, nodev,
 * mode=1777, what a tmpfs of tsbox always was. */
#include <stdio.h>
#include <sys/mount.h>

#include "helper.h"

static const struct {
  const char *name;
  unsigned long set, clear;
} flag_words[] = {
  { "ro", MS_RDONLY, 0 },     { "rw", 0, MS_RDONLY },     { "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },   { "dev", 0, MS_NODEV },     { "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
  { "noatime", MS_NOATIME, 0 }, { "atime", 0, MS_NOATIME }, { "strictatime", MS_STRICTATIME, 0 },
};

/* KEY=VALUE options tmpfs itself takes, and the characters their values may hold */
static const struct {
  const char *key;
  const char *chars;
} data_keys[] = {
  { "size", "0123456789kKmMgG%" },  { "nr_blocks", "0123456789kKmMgG" }, { "nr_inodes", "0123456789kKmMgG" },
  { "mode", "01234567" },           { "uid", "0123456789" },              { "gid", "0123456789" },
};

static int add_word(struct mount_entry *m, const char *word, struct error *e)
{
  const char *eq = strchr(word, '=');
  if (eq == NULL) {
    for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++)
      if (strcmp(word, flag_words[i].name) == 0) {
        m->flags = (m->flags | flag_words[i].set) & ~flag_words[i].clear;
        return 0;
      }
    return failx(e, "argv", "--tmpfs %s: unknown option `%s`", m->dst, word);
  }
  for (size_t i = 0; i < sizeof data_keys / sizeof data_keys[0]; i++) {
    size_t klen = strlen(data_keys[i].key);
    if ((size_t) (eq - word) != klen || strncmp(word, data_keys[i].key, klen) != 0)
      continue;
    if (eq[1] == '\0' || strspn(eq + 1, data_keys[i].chars) != strlen(eq + 1))
      return failx(e, "argv", "--tmpfs %s: bad value in `%s`", m->dst, word);
    size_t have = strlen(m->data), add = strlen(word);
    char *d = realloc(m->data, have + add + 2);
    if (d == NULL)
      return fail(e, "argv", "realloc");
    snprintf(d + have, add + 2, "%s%s", have ? "," : "", word);
    m->data = d;
    return 0;
  }
  return failx(e, "argv", "--tmpfs %s: unknown option `%s`", m->dst, word);
}

int parse_tmpfs_options(struct mount_entry *m, const char *opts, struct error *e)
{
  cleanup_free char *copy = NULL;
  char *save = NULL;

  if (opts == NULL) {
    m->flags = MS_NOSUID | MS_NODEV;
    m->data = strdup("mode=1777");
    return m->data ? 0 : fail(e, "argv", "strdup");
  }
  m->flags = 0;
  m->data = calloc(1, 1);
  copy = strdup(opts);
  if (m->data == NULL || copy == NULL)
    return fail(e, "argv", "strdup");
  for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
    if (add_word(m, w, e) < 0)
      return -1;
  return 0;
}
