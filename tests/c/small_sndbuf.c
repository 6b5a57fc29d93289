/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * small_sndbuf.c - LD_PRELOAD shim for the bulk tests (issue 14): every TCP
 * socket the program makes gets a send buffer of SMALL_SNDBUF_BYTES
 * (default 2048; the kernel doubles it), and every send() that answers
 * EAGAIN / EWOULDBLOCK is counted. At exit the count goes to the file
 * SMALL_SNDBUF_REPORT names, so a test knows the POSIX port's "socket full"
 * path (poll() after EAGAIN) was taken, not merely that the mail arrived.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef int     (*SOCKET_FUNC)(int Domain, int Type, int Protocol);
typedef ssize_t (*SEND_FUNC)(int Fd, const void* pData, size_t Len, int Flags);

static unsigned long _NumFull;

static void _Report(void) {
  const char* sPath;
  FILE*       pFile;

  sPath = getenv("SMALL_SNDBUF_REPORT");
  if (sPath != NULL && (pFile = fopen(sPath, "w")) != NULL) {
    fprintf(pFile, "%lu\n", _NumFull);
    (void)fclose(pFile);
  }
}

int socket(int Domain, int Type, int Protocol) {
  static int  Registered;
  SOCKET_FUNC pfNext;
  const char* s;
  int         Size;
  int         Fd;

  *(void**)(&pfNext) = dlsym(RTLD_NEXT, "socket");
  if (pfNext == NULL) {
    errno = ENOSYS;
    return -1;
  }
  Fd = pfNext(Domain, Type, Protocol);
  if (Fd >= 0 && (Type & 0xF) == SOCK_STREAM) {
    s    = getenv("SMALL_SNDBUF_BYTES");
    Size = (s != NULL) ? atoi(s) : 2048;
    (void)setsockopt(Fd, SOL_SOCKET, SO_SNDBUF, &Size, (socklen_t)sizeof(Size));
    if (!Registered) {
      Registered = 1;
      (void)atexit(_Report);
    }
  }
  return Fd;
}

ssize_t send(int Fd, const void* pData, size_t Len, int Flags) {
  SEND_FUNC pfNext;
  ssize_t   r;

  *(void**)(&pfNext) = dlsym(RTLD_NEXT, "send");
  if (pfNext == NULL) {
    errno = ENOSYS;
    return -1;
  }
  r = pfNext(Fd, pData, Len, Flags);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    _NumFull++;
  }
  return r;
}

/*************************** End of file ****************************/
