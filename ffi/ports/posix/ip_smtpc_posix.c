/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_posix.c - IP_SMTPC_API transport hooks over BSD sockets.
 * See ip_smtpc_posix.h.
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* getaddrinfo, clock_gettime, poll */
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ip_smtpc_posix.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0            /* e.g. macOS: SO_NOSIGPIPE is set instead */
#endif
/* Send and receive first and poll() only when the socket would block: one
 * system call per buffer instead of two. Without MSG_DONTWAIT the socket
 * blocks, so poll() comes first there (a blocking call is then short). */
#ifdef MSG_DONTWAIT
#define POLL_FIRST   0
#else
#define MSG_DONTWAIT 0
#define POLL_FIRST   1
#endif

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

typedef struct {
  int                        Fd;          /* connected TCP socket            */
  unsigned                   TimeoutMs;   /* I/O timeout, 0 = none           */
  IP_SMTPC_POSIX_TRACE_FUNC* pfTrace;     /* transcript hook or NULL         */
  void*                      pTraceUser;  /* its user pointer                */
} POSIX_CONN;

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* Milliseconds of CLOCK_MONOTONIC (wraps; only differences are used). */
static unsigned long _NowMs(void) {
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    return 0ul;
  }
  return (unsigned long)ts.tv_sec * 1000ul + (unsigned long)(ts.tv_nsec / 1000000l);
}

/*
 * Waits until Fd is ready for Events or TimeoutMs have elapsed since Start
 * (a _NowMs() value; TimeoutMs 0 = forever); restarts after EINTR with the
 * time that is left. A caller that waits several times passes the Start of
 * its whole call, so TimeoutMs bounds the call, not each wait.
 * Returns 1 ready (including error/hang-up conditions, which the next
 * recv/send/getsockopt reports), 0 timeout, -1 error.
 */
static int _Wait(int Fd, short Events, unsigned long Start, unsigned TimeoutMs) {
  struct pollfd Pfd;
  unsigned long Elapsed;
  int           Wait;
  int           r;

  for (;;) {
    if (TimeoutMs == 0u) {
      Wait = -1;
    } else {
      Elapsed = _NowMs() - Start;
      if (Elapsed >= TimeoutMs) {
        return 0;
      }
      Wait = (TimeoutMs - Elapsed > (unsigned long)INT_MAX) ? INT_MAX : (int)(TimeoutMs - Elapsed);
    }
    Pfd.fd      = Fd;
    Pfd.events  = Events;
    Pfd.revents = 0;
    r = poll(&Pfd, 1, Wait);
    if (r > 0) {
      return 1;
    }
    if (r == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return -1;
    }
  }
}

static int _SetNonBlocking(int Fd, int OnOff) {
  int Flags;

  Flags = fcntl(Fd, F_GETFL, 0);
  if (Flags < 0) {
    return -1;
  }
  Flags = OnOff ? (Flags | O_NONBLOCK) : (Flags & ~O_NONBLOCK);
  return fcntl(Fd, F_SETFL, Flags);
}

/*
 * One connection attempt to one resolved address.
 * Returns the connected, blocking socket or -1 (errno set).
 */
static int _ConnectOne(const struct addrinfo* pAddr, unsigned TimeoutMs) {
  int       Fd;
  int       Err;
  int       One;
  int       r;
  socklen_t Len;

  Fd = socket(pAddr->ai_family, pAddr->ai_socktype, pAddr->ai_protocol);
  if (Fd < 0) {
    return -1;
  }
  (void)fcntl(Fd, F_SETFD, FD_CLOEXEC);
  if (_SetNonBlocking(Fd, 1) != 0) {
    goto Fail;
  }
  r = connect(Fd, pAddr->ai_addr, pAddr->ai_addrlen);
  if (r != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      goto Fail;
    }
    r = _Wait(Fd, POLLOUT, _NowMs(), TimeoutMs);
    if (r == 0) {
      errno = ETIMEDOUT;
      goto Fail;
    }
    if (r < 0) {
      goto Fail;
    }
    Err = 0;
    Len = (socklen_t)sizeof(Err);
    if (getsockopt(Fd, SOL_SOCKET, SO_ERROR, &Err, &Len) != 0) {
      goto Fail;
    }
    if (Err != 0) {
      errno = Err;
      goto Fail;
    }
  }
  if (_SetNonBlocking(Fd, 0) != 0) {
    goto Fail;
  }
  One = 1;
  (void)setsockopt(Fd, IPPROTO_TCP, TCP_NODELAY, &One, (socklen_t)sizeof(One));
#ifdef SO_NOSIGPIPE
  (void)setsockopt(Fd, SOL_SOCKET, SO_NOSIGPIPE, &One, (socklen_t)sizeof(One));
#endif
  return Fd;
Fail:
  Err = errno;
  (void)close(Fd);
  errno = Err;
  return -1;
}

static void _Trace(const POSIX_CONN* pConn, int Dir, const char* pData, size_t Len) {
  if (pConn->pfTrace != NULL && Len > 0u) {
    pConn->pfTrace(pConn->pTraceUser, Dir, pData, (unsigned)Len);
  }
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

SMTPC_SOCKET IP_SMTPC_POSIX_Connect(const char* sHost, unsigned Port, unsigned TimeoutMs) {
  struct addrinfo  Hints;
  struct addrinfo* pList;
  struct addrinfo* pAddr;
  POSIX_CONN*      pConn;
  char             acPort[8];
  int              Fd;
  int              Err;
  int              r;

  pList = NULL;
  pConn = NULL;
  Fd    = -1;
  Err   = EINVAL;
  if (sHost == NULL || *sHost == '\0' || Port == 0u || Port > 65535u) {
    goto Cleanup;
  }
  (void)snprintf(acPort, sizeof(acPort), "%u", Port);
  memset(&Hints, 0, sizeof(Hints));
  Hints.ai_family   = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  Hints.ai_protocol = IPPROTO_TCP;
  Hints.ai_flags    = AI_NUMERICSERV;
  r = getaddrinfo(sHost, acPort, &Hints, &pList);
  if (r != 0) {
    Err = (r == EAI_SYSTEM) ? errno : ENOENT;
    pList = NULL;
    goto Cleanup;
  }
  Err = ENOENT;
  for (pAddr = pList; pAddr != NULL; pAddr = pAddr->ai_next) {
    Fd = _ConnectOne(pAddr, TimeoutMs);
    if (Fd >= 0) {
      break;
    }
    Err = errno;
  }
  if (Fd < 0) {
    goto Cleanup;
  }
  pConn = (POSIX_CONN*)malloc(sizeof(*pConn));
  if (pConn == NULL) {
    Err = ENOMEM;
    (void)close(Fd);
    goto Cleanup;
  }
  pConn->Fd         = Fd;
  pConn->TimeoutMs  = TimeoutMs;
  pConn->pfTrace    = NULL;
  pConn->pTraceUser = NULL;
  Err = 0;
Cleanup:
  if (pList != NULL) {
    freeaddrinfo(pList);
  }
  if (pConn == NULL) {
    errno = Err;
  }
  return (SMTPC_SOCKET)pConn;
}

int IP_SMTPC_POSIX_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  POSIX_CONN*   pConn;
  unsigned long Start;
  size_t        Done;
  size_t        Total;
  ssize_t       n;
  int           r;

  pConn = (POSIX_CONN*)hSock;
  if (pConn == NULL || NumBytes < 0 || (pData == NULL && NumBytes > 0)) {
    return -1;
  }
  Start = _NowMs();
  Total = (size_t)NumBytes;
  Done  = 0u;
  while (Done < Total) {
    //
    // Send first; wait only while the socket's buffer is full.
    //
    if (POLL_FIRST && _Wait(pConn->Fd, POLLOUT, Start, pConn->TimeoutMs) <= 0) {
      return -1;
    }
    n = send(pConn->Fd, pData + Done, Total - Done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return -1;
      }
      r = _Wait(pConn->Fd, POLLOUT, Start, pConn->TimeoutMs);
      if (r <= 0) {
        return -1;                        /* timeout or poll error */
      }
      continue;
    }
    _Trace(pConn, IP_SMTPC_POSIX_TRACE_SENT, pData + Done, (size_t)n);
    Done += (size_t)n;
  }
  return NumBytes;
}

int IP_SMTPC_POSIX_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  POSIX_CONN*   pConn;
  unsigned long Start;
  ssize_t       n;
  int           r;

  pConn = (POSIX_CONN*)hSock;
  if (pConn == NULL || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  Start = _NowMs();
  for (;;) {
    //
    // Receive first; wait only while nothing has arrived.
    //
    if (POLL_FIRST) {
      r = _Wait(pConn->Fd, POLLIN, Start, pConn->TimeoutMs);
      if (r <= 0) {
        return (r == 0) ? IP_SMTPC_ERR_TIMEOUT : -1;
      }
    }
    n = recv(pConn->Fd, pData, (size_t)NumBytes, MSG_DONTWAIT);
    if (n > 0) {
      _Trace(pConn, IP_SMTPC_POSIX_TRACE_RECEIVED, pData, (size_t)n);
      return (int)n;
    }
    if (n == 0) {
      return -1;                          /* the server closed the connection */
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return -1;
    }
    r = _Wait(pConn->Fd, POLLIN, Start, pConn->TimeoutMs);
    if (r == 0) {
      return IP_SMTPC_ERR_TIMEOUT;
    }
    if (r < 0) {
      return -1;
    }
  }
}

void IP_SMTPC_POSIX_Disconnect(SMTPC_SOCKET hSock) {
  POSIX_CONN* pConn;

  pConn = (POSIX_CONN*)hSock;
  if (pConn == NULL) {
    return;
  }
  (void)close(pConn->Fd);
  free(pConn);
}

void IP_SMTPC_POSIX_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs) {
  POSIX_CONN* pConn;

  pConn = (POSIX_CONN*)hSock;
  if (pConn != NULL) {
    pConn->TimeoutMs = TimeoutMs;
  }
}

void IP_SMTPC_POSIX_SetTrace(SMTPC_SOCKET hSock, IP_SMTPC_POSIX_TRACE_FUNC* pfTrace, void* pUser) {
  POSIX_CONN* pConn;

  pConn = (POSIX_CONN*)hSock;
  if (pConn != NULL) {
    pConn->pfTrace    = pfTrace;
    pConn->pTraceUser = pUser;
  }
}

/*************************** End of file ****************************/
