/* PROG of the inheritable-capabilities test: prints its uid and capability
 * sets (from /proc/self/status), then tries what CAP_NET_BIND_SERVICE
 * allows, binding TCP port 80:
 *   uid=U CapInh=... CapPrm=... CapEff=... CapAmb=... bind80=ok|ERRNO */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
  int s, r;

  printf("uid=%u", (unsigned) getuid());
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "Cap", 3) == 0 && strncmp(line, "CapBnd", 6) != 0) {
      line[strcspn(line, "\n")] = '\0';
      char *tab = strchr(line, '\t');
      if (tab) {
        *tab = '\0';
        printf(" %s%s", line, tab + 1);
      }
    }
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  s = socket(AF_INET, SOCK_STREAM, 0);
  r = s < 0 ? -1 : bind(s, (struct sockaddr *) &a, sizeof a);
  printf(" bind80=%s\n", r == 0 ? "ok" : strerror(errno));
  return 0;
}
