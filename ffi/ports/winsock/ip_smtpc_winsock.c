/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_winsock.c - IP_SMTPC_API transport hooks over Winsock 2.
 * See ip_smtpc_winsock.h; the structure follows ffi/ports/posix.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600       /* WSAPoll, GetTickCount64 */
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip_smtpc_winsock.h"

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

typedef struct {
  SOCKET                       Sock;        /* connected TCP socket    */
  unsigned                     TimeoutMs;   /* I/O timeout, 0 = none   */
  IP_SMTPC_WINSOCK_TRACE_FUNC* pfTrace;     /* transcript hook or NULL */
  void*                        pTraceUser;  /* its user pointer        */
} WINSOCK_CONN;

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

static unsigned long long _NowMs(void) {
  return (unsigned long long)GetTickCount64();
}

/* The POSIX errno for a Winsock error. */
static int _Errno(int WsaError) {
  switch (WsaError) {
  case WSAECONNREFUSED: return ECONNREFUSED;
  case WSAETIMEDOUT:    return ETIMEDOUT;
  case WSAEHOSTUNREACH: return EHOSTUNREACH;
  case WSAENETUNREACH:  return ENETUNREACH;
  case WSAENETDOWN:     return ENETDOWN;
  case WSAECONNRESET:   return ECONNRESET;
  case WSAECONNABORTED: return ECONNABORTED;
  case WSAEINTR:        return EINTR;
  case WSAEWOULDBLOCK:  return EWOULDBLOCK;
  case WSAEINVAL:       return EINVAL;
  case WSA_NOT_ENOUGH_MEMORY:
  case WSAENOBUFS:      return ENOMEM;
  default:              return EIO;
  }
}

/*
 * Waits until Sock is ready for Events or TimeoutMs have elapsed since
 * Start (0 = forever). Returns 1 ready, 0 timeout, -1 error.
 */
static int _Wait(SOCKET Sock, SHORT Events, unsigned long long Start, unsigned TimeoutMs) {
  WSAPOLLFD          Pfd;
  unsigned long long Elapsed;
  INT                Wait;
  int                r;

  if (TimeoutMs == 0u) {
    Wait = -1;
  } else {
    Elapsed = _NowMs() - Start;
    if (Elapsed >= TimeoutMs) {
      return 0;
    }
    Wait = (INT)(TimeoutMs - Elapsed);
  }
  Pfd.fd      = Sock;
  Pfd.events  = Events;
  Pfd.revents = 0;
  r = WSAPoll(&Pfd, 1u, Wait);
  if (r > 0) {
    return 1;
  }
  return (r == 0) ? 0 : -1;
}

static int _SetNonBlocking(SOCKET Sock, int OnOff) {
  u_long Mode;

  Mode = OnOff ? 1ul : 0ul;
  return (ioctlsocket(Sock, FIONBIO, &Mode) == 0) ? 0 : -1;
}

/* One attempt to one address: the connected, blocking socket, or INVALID_SOCKET (errno set). */
static SOCKET _ConnectOne(const struct addrinfo* pAddr, unsigned TimeoutMs) {
  SOCKET Sock;
  BOOL   One;
  int    Err;
  int    Len;
  int    r;

  Sock = socket(pAddr->ai_family, pAddr->ai_socktype, pAddr->ai_protocol);
  if (Sock == INVALID_SOCKET) {
    errno = _Errno(WSAGetLastError());
    return INVALID_SOCKET;
  }
  Err = 0;
  if (_SetNonBlocking(Sock, 1) != 0) {
    Err = _Errno(WSAGetLastError());
    goto Fail;
  }
  r = connect(Sock, pAddr->ai_addr, (int)pAddr->ai_addrlen);
  if (r != 0) {
    if (WSAGetLastError() != WSAEWOULDBLOCK) {
      Err = _Errno(WSAGetLastError());
      goto Fail;
    }
    r = _Wait(Sock, POLLWRNORM, _NowMs(), TimeoutMs);
    if (r == 0) {
      Err = ETIMEDOUT;
      goto Fail;
    }
    Len = (int)sizeof(Err);
    if (getsockopt(Sock, SOL_SOCKET, SO_ERROR, (char*)&Err, &Len) != 0) {
      Err = _Errno(WSAGetLastError());
      goto Fail;
    }
    if (Err != 0) {
      Err = _Errno(Err);
      goto Fail;
    }
    if (r < 0) {
      Err = EIO;
      goto Fail;
    }
  }
  if (_SetNonBlocking(Sock, 0) != 0) {
    Err = _Errno(WSAGetLastError());
    goto Fail;
  }
  One = TRUE;
  (void)setsockopt(Sock, IPPROTO_TCP, TCP_NODELAY, (const char*)&One, (int)sizeof(One));
  return Sock;
Fail:
  (void)closesocket(Sock);
  errno = Err;
  return INVALID_SOCKET;
}

static void _Trace(const WINSOCK_CONN* pConn, int Dir, const char* pData, int Len) {
  if (pConn->pfTrace != NULL && Len > 0) {
    pConn->pfTrace(pConn->pTraceUser, Dir, pData, (unsigned)Len);
  }
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

SMTPC_SOCKET IP_SMTPC_WINSOCK_Connect(const char* sHost, unsigned Port, unsigned TimeoutMs) {
  WSADATA          WsaData;
  struct addrinfo  Hints;
  struct addrinfo* pList;
  struct addrinfo* pAddr;
  WINSOCK_CONN*    pConn;
  SOCKET           Sock;
  char             acPort[8];
  int              Err;

  if (sHost == NULL || *sHost == '\0' || Port == 0u || Port > 65535u) {
    errno = EINVAL;
    return NULL;
  }
  if (WSAStartup(MAKEWORD(2, 2), &WsaData) != 0) {
    errno = EIO;
    return NULL;
  }
  pList = NULL;
  pConn = NULL;
  Sock  = INVALID_SOCKET;
  (void)snprintf(acPort, sizeof(acPort), "%u", Port);
  memset(&Hints, 0, sizeof(Hints));
  Hints.ai_family   = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  Hints.ai_protocol = IPPROTO_TCP;
  Hints.ai_flags    = AI_NUMERICSERV;
  if (getaddrinfo(sHost, acPort, &Hints, &pList) != 0) {
    Err   = ENOENT;
    pList = NULL;
    goto Cleanup;
  }
  Err = ENOENT;
  for (pAddr = pList; pAddr != NULL; pAddr = pAddr->ai_next) {
    Sock = _ConnectOne(pAddr, TimeoutMs);
    if (Sock != INVALID_SOCKET) {
      break;
    }
    Err = errno;
  }
  if (Sock == INVALID_SOCKET) {
    goto Cleanup;
  }
  pConn = (WINSOCK_CONN*)malloc(sizeof(*pConn));
  if (pConn == NULL) {
    Err = ENOMEM;
    (void)closesocket(Sock);
    goto Cleanup;
  }
  pConn->Sock       = Sock;
  pConn->TimeoutMs  = TimeoutMs;
  pConn->pfTrace    = NULL;
  pConn->pTraceUser = NULL;
  Err = 0;
Cleanup:
  if (pList != NULL) {
    freeaddrinfo(pList);
  }
  if (pConn == NULL) {
    (void)WSACleanup();
    errno = Err;
  }
  return (SMTPC_SOCKET)pConn;
}

int IP_SMTPC_WINSOCK_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  WINSOCK_CONN*      pConn;
  unsigned long long Start;
  int                Done;
  int                n;

  pConn = (WINSOCK_CONN*)hSock;
  if (pConn == NULL || NumBytes < 0 || (pData == NULL && NumBytes > 0)) {
    return -1;
  }
  Start = _NowMs();
  Done  = 0;
  while (Done < NumBytes) {
    if (_Wait(pConn->Sock, POLLWRNORM, Start, pConn->TimeoutMs) <= 0) {
      return -1;                          /* timeout or error */
    }
    n = send(pConn->Sock, pData + Done, NumBytes - Done, 0);
    if (n == SOCKET_ERROR) {
      if (WSAGetLastError() == WSAEWOULDBLOCK || WSAGetLastError() == WSAEINTR) {
        continue;
      }
      return -1;
    }
    _Trace(pConn, IP_SMTPC_WINSOCK_TRACE_SENT, pData + Done, n);
    Done += n;
  }
  return NumBytes;
}

int IP_SMTPC_WINSOCK_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  WINSOCK_CONN*      pConn;
  unsigned long long Start;
  int                n;
  int                r;

  pConn = (WINSOCK_CONN*)hSock;
  if (pConn == NULL || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  Start = _NowMs();
  for (;;) {
    r = _Wait(pConn->Sock, POLLRDNORM, Start, pConn->TimeoutMs);
    if (r == 0) {
      return IP_SMTPC_ERR_TIMEOUT;
    }
    if (r < 0) {
      return -1;
    }
    n = recv(pConn->Sock, pData, NumBytes, 0);
    if (n > 0) {
      _Trace(pConn, IP_SMTPC_WINSOCK_TRACE_RECEIVED, pData, n);
      return n;
    }
    if (n == 0) {
      return -1;                          /* the server closed the connection */
    }
    if (WSAGetLastError() != WSAEWOULDBLOCK && WSAGetLastError() != WSAEINTR) {
      return -1;
    }
  }
}

void IP_SMTPC_WINSOCK_Disconnect(SMTPC_SOCKET hSock) {
  WINSOCK_CONN* pConn;

  pConn = (WINSOCK_CONN*)hSock;
  if (pConn == NULL) {
    return;
  }
  (void)closesocket(pConn->Sock);
  free(pConn);
  (void)WSACleanup();
}

void IP_SMTPC_WINSOCK_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs) {
  WINSOCK_CONN* pConn;

  pConn = (WINSOCK_CONN*)hSock;
  if (pConn != NULL) {
    pConn->TimeoutMs = TimeoutMs;
  }
}

void IP_SMTPC_WINSOCK_SetTrace(SMTPC_SOCKET hSock, IP_SMTPC_WINSOCK_TRACE_FUNC* pfTrace, void* pUser) {
  WINSOCK_CONN* pConn;

  pConn = (WINSOCK_CONN*)hSock;
  if (pConn != NULL) {
    pConn->pfTrace    = pfTrace;
    pConn->pTraceUser = pUser;
  }
}

/*************************** End of file ****************************/
