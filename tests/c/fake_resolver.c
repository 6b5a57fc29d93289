/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * fake_resolver.c - LD_PRELOAD shim for the smtpc DNS tests (issue 17):
 * getaddrinfo fails for names under two test domains and asks the real
 * resolver for every other name.
 *
 *   *.tempfail.test   EAI_AGAIN   (temporary failure in name resolution)
 *   *.nxdomain.test   EAI_NONAME  (the name does not exist)
 *
 * Temporary DNS failures cannot be caused on demand otherwise, and the
 * machine's resolver may answer for an unknown name either way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>

typedef int (*GETADDRINFO_FUNC)(const char* sNode, const char* sService, const struct addrinfo* pHints,
                                struct addrinfo** ppRes);

static int _EndsWith(const char* s, const char* sSuffix) {
  size_t n;
  size_t m;

  n = strlen(s);
  m = strlen(sSuffix);
  return n >= m && strcmp(s + n - m, sSuffix) == 0;
}

int getaddrinfo(const char* sNode, const char* sService, const struct addrinfo* pHints, struct addrinfo** ppRes) {
  GETADDRINFO_FUNC pfNext;
  void*            p;

  if (sNode != NULL && _EndsWith(sNode, ".tempfail.test")) {
    return EAI_AGAIN;
  }
  if (sNode != NULL && _EndsWith(sNode, ".nxdomain.test")) {
    return EAI_NONAME;
  }
  p = dlsym(RTLD_NEXT, "getaddrinfo");
  if (p == NULL) {
    return EAI_FAIL;
  }
  memcpy(&pfNext, &p, sizeof(pfNext));   /* object to function pointer, without a cast ISO C forbids */
  return pfNext(sNode, sService, pHints, ppRes);
}
