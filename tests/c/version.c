/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * version.c - the header's version macros, IP_SMTPC_GetVersion() of the
 * library linked, and Cargo.toml agree (ctest c.version; the expected
 * string comes from Cargo.toml through CMake as IP_SMTPC_CARGO_VERSION).
 */
#include <stdio.h>
#include <string.h>

#include "IP_SMTPC.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

int main(void) {
  IP_SMTPC_U32 Version;
  int          r;

  r       = 0;
  Version = IP_SMTPC_GetVersion();
  printf("header %s (%u), library %u\n", IP_SMTPC_VERSION_STRING, (unsigned)IP_SMTPC_VERSION, (unsigned)Version);
  if (Version != (IP_SMTPC_U32)IP_SMTPC_VERSION) {
    printf("FAIL IP_SMTPC_GetVersion() != IP_SMTPC_VERSION\n");
    r = 1;
  }
  if (IP_SMTPC_VERSION != IP_SMTPC_VERSION_MAJOR * 10000 + IP_SMTPC_VERSION_MINOR * 100 + IP_SMTPC_VERSION_PATCH) {
    printf("FAIL IP_SMTPC_VERSION is not MAJOR * 10000 + MINOR * 100 + PATCH\n");
    r = 1;
  }
  if (strcmp(IP_SMTPC_VERSION_STRING, STR(IP_SMTPC_VERSION_MAJOR) "." STR(IP_SMTPC_VERSION_MINOR) "." STR(IP_SMTPC_VERSION_PATCH)) != 0) {
    printf("FAIL IP_SMTPC_VERSION_STRING disagrees with the numbers\n");
    r = 1;
  }
#ifdef IP_SMTPC_CARGO_VERSION
  if (strcmp(IP_SMTPC_VERSION_STRING, IP_SMTPC_CARGO_VERSION) != 0) {
    printf("FAIL header %s, Cargo.toml %s\n", IP_SMTPC_VERSION_STRING, IP_SMTPC_CARGO_VERSION);
    r = 1;
  }
#endif
  if (strcmp(IP_SMTPC_ErrorString(IP_SMTPC_ERR_OUTCOME_UNKNOWN), "unknown error") == 0) {
    printf("FAIL IP_SMTPC_ErrorString does not know IP_SMTPC_ERR_OUTCOME_UNKNOWN\n");
    r = 1;
  }
  return r;
}
