/* Test fixture of test/integration/knobs.test.ts: a set-user-ID program
 * that says what its credentials became: "uid=R euid=E". Under
 * no_new_privs the kernel ignores the set-user-ID bit, so E stays R. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
  printf("uid=%u euid=%u\n", (unsigned) getuid(), (unsigned) geteuid());
  return 0;
}
