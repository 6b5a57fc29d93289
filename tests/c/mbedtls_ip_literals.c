/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * mbedtls_ip_literals.c - the mbedTLS port's own IP literal parser (used on
 * targets without inet_pton, IP_SMTPC_MBEDTLS_INET_PTON=0) against the
 * host's inet_pton: same verdict and same bytes for every string below.
 * Includes the port's source to reach its static functions.
 *
 * Exit status: 0 passed, 1 failed.
 */
#define IP_SMTPC_MBEDTLS_INET_PTON 0
#include "ip_smtpc_mbedtls.c"

#include <arpa/inet.h>

int main(void) {
  static const char* const _asCase[] = {
    "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4.",
    ".1.2.3.4", "01.2.3.4", "1.2.3.04", "1.2.3.0", "1.2.3.4x", "", "localhost", "mail.ip-smtpc.test",
    "::", "::1", "1::", "1:", ":1", "1::2", "fe80::1", "fe80::1%eth0", "2001:db8::8a2e:370:7334",
    "2001:0db8:0000:0000:0000:ff00:0042:8329", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
    "1::2:3:4:5:6:7:8", "1::2:3:4:5:6:7", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2::3", ":::",
    "12345::1", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
    "::ffff:1.2.3", "::ffff:1.2.3.4:1", "1.2.3.4::", "ABCD:EF01::", "g::1", "1:::2", "[::1]",
  };
  unsigned char abOwn[16];
  unsigned char abRef[16];
  unsigned      i;
  unsigned      Failed;
  int           Own;
  int           Ref;

  Failed = 0u;
  for (i = 0u; i < sizeof(_asCase) / sizeof(_asCase[0]); i++) {
    memset(abOwn, 0xAA, sizeof(abOwn));
    memset(abRef, 0xAA, sizeof(abRef));
    Own = (_ParseIpv4(_asCase[i], strlen(_asCase[i]), abOwn) == 0);
    Ref = (inet_pton(AF_INET, _asCase[i], abRef) == 1);
    if (Own != Ref || (Own && memcmp(abOwn, abRef, 4u) != 0)) {
      printf("FAIL  IPv4 \"%s\": port %d, inet_pton %d\n", _asCase[i], Own, Ref);
      Failed++;
    }
    memset(abOwn, 0xAA, sizeof(abOwn));
    memset(abRef, 0xAA, sizeof(abRef));
    Own = (_ParseIpv6(_asCase[i], strlen(_asCase[i]), abOwn) == 0);
    Ref = (inet_pton(AF_INET6, _asCase[i], abRef) == 1);
    if (Own != Ref || (Own && memcmp(abOwn, abRef, 16u) != 0)) {
      printf("FAIL  IPv6 \"%s\": port %d, inet_pton %d\n", _asCase[i], Own, Ref);
      Failed++;
    }
  }
  printf("%u strings, %u mismatches\n", (unsigned)(sizeof(_asCase) / sizeof(_asCase[0])), Failed);
  return (Failed == 0u) ? 0 : 1;
}

/*************************** End of file ****************************/
