/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_lwip.c - IP_SMTPC_API transport hooks over the lwIP sockets API.
 * See ip_smtpc_lwip.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/def.h"
#include "lwip/sockets.h"
#include "lwip/netdb.h"
#include "lwip/errno.h"

#include "ip_smtpc_lwip.h"

#if !LWIP_SOCKET || !LWIP_TCP
#error "ip_smtpc_lwip.c needs LWIP_SOCKET and LWIP_TCP"
#endif
#if !LWIP_SO_RCVTIMEO
#error "ip_smtpc_lwip.c needs LWIP_SO_RCVTIMEO (a dead server would block pfReceive forever)"
#endif
#if defined(LWIP_SOCKET_SET_ERRNO) && !LWIP_SOCKET_SET_ERRNO
#error "ip_smtpc_lwip.c needs LWIP_SOCKET_SET_ERRNO (a receive timeout is told apart by errno)"
#endif

/*********************************************************************
*
*       Defines
*
**********************************************************************
*/

#define PORT_STRING_SIZE 6u                   /* "65535" + NUL */
#define TIMEOUT_MS_MAX   0x7fffffffu

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* Handle <-> socket number: +1 so that socket 0 is not NULL. */
static SMTPC_SOCKET _ToHandle(int Sock) {
  return (SMTPC_SOCKET)(uintptr_t)((unsigned)Sock + 1u);
}

static int _ToSock(SMTPC_SOCKET hSock) {
  uintptr_t v;

  v = (uintptr_t)hSock;
  if (v == 0u || v > (uintptr_t)INT32_MAX) {
    return -1;
  }
  return (int)(v - 1u);
}

/*
 * Writes Port as decimal into pBuf (BufSize bytes, NUL-terminated).
 * Returns 0, or -1 if it does not fit.
 */
static int _FormatPort(char* pBuf, size_t BufSize, unsigned Port) {
  char   acTmp[PORT_STRING_SIZE];
  size_t n;
  size_t i;

  n = 0u;
  do {
    if (n >= sizeof(acTmp)) {
      return -1;
    }
    acTmp[n++] = (char)('0' + (Port % 10u));
    Port /= 10u;
  } while (Port != 0u);
  if (n + 1u > BufSize) {
    return -1;
  }
  for (i = 0u; i < n; i++) {
    pBuf[i] = acTmp[n - 1u - i];
  }
  pBuf[n] = '\0';
  return 0;
}

static int _SetTimeouts(int Sock, unsigned TimeoutMs) {
#if LWIP_SO_SNDRCVTIMEO_NONSTANDARD
  int            Tv;
#else
  struct timeval Tv;
#endif

  if (TimeoutMs > TIMEOUT_MS_MAX) {
    TimeoutMs = TIMEOUT_MS_MAX;
  }
#if LWIP_SO_SNDRCVTIMEO_NONSTANDARD
  Tv = (int)TimeoutMs;                        /* 0 = no timeout */
#else
  memset(&Tv, 0, sizeof(Tv));
  Tv.tv_sec  = (long)(TimeoutMs / 1000u);
  Tv.tv_usec = (long)((TimeoutMs % 1000u) * 1000u);
#endif
  if (lwip_setsockopt(Sock, SOL_SOCKET, SO_RCVTIMEO, &Tv, (socklen_t)sizeof(Tv)) != 0) {
    return -1;
  }
#if LWIP_SO_SNDTIMEO
  if (lwip_setsockopt(Sock, SOL_SOCKET, SO_SNDTIMEO, &Tv, (socklen_t)sizeof(Tv)) != 0) {
    return -1;
  }
#endif
  return 0;
}

/*
 * Connects Sock to pAddr. With LWIP_SOCKET_SELECT and TimeoutMs != 0 the
 * handshake is bounded by TimeoutMs (non-blocking connect + lwip_select),
 * otherwise lwip_connect blocks until lwIP gives up.
 * Returns 0 or -1.
 */
static int _ConnectAddr(int Sock, const struct sockaddr* pAddr, socklen_t AddrLen, unsigned TimeoutMs) {
#if LWIP_SOCKET_SELECT
  fd_set         WriteSet;
  struct timeval Tv;
  int            Err;
  socklen_t      Len;
  int            r;

  if (TimeoutMs == 0u) {
    return (lwip_connect(Sock, pAddr, AddrLen) == 0) ? 0 : -1;
  }
  if (lwip_fcntl(Sock, F_SETFL, O_NONBLOCK) != 0) {
    return -1;
  }
  r = lwip_connect(Sock, pAddr, AddrLen);
  if (r != 0) {
    if (errno != EINPROGRESS) {
      return -1;
    }
    FD_ZERO(&WriteSet);
    FD_SET(Sock, &WriteSet);
    memset(&Tv, 0, sizeof(Tv));
    Tv.tv_sec  = (long)(TimeoutMs / 1000u);
    Tv.tv_usec = (long)((TimeoutMs % 1000u) * 1000u);
    r = lwip_select(Sock + 1, NULL, &WriteSet, NULL, &Tv);
    if (r <= 0) {
      return -1;                              /* timeout or select error */
    }
    Err = 0;
    Len = (socklen_t)sizeof(Err);
    if (lwip_getsockopt(Sock, SOL_SOCKET, SO_ERROR, &Err, &Len) != 0 || Err != 0) {
      return -1;
    }
  }
  return (lwip_fcntl(Sock, F_SETFL, 0) == 0) ? 0 : -1;
#else
  (void)TimeoutMs;
  return (lwip_connect(Sock, pAddr, AddrLen) == 0) ? 0 : -1;
#endif
}

/*
 * One attempt: a socket of Family, connected to pAddr, with the timeouts set.
 * Returns the socket or -1.
 */
static int _ConnectOne(int Family, const struct sockaddr* pAddr, socklen_t AddrLen, unsigned TimeoutMs) {
  int Sock;
  int One;

  Sock = lwip_socket(Family, SOCK_STREAM, IPPROTO_TCP);
  if (Sock < 0) {
    return -1;
  }
  if (_ConnectAddr(Sock, pAddr, AddrLen, TimeoutMs) != 0) {
    goto Fail;
  }
  if (_SetTimeouts(Sock, TimeoutMs) != 0) {
    goto Fail;
  }
  /* SMTP is lock-step: no Nagle delay on the last segment of a command. */
  One = 1;
  (void)lwip_setsockopt(Sock, IPPROTO_TCP, TCP_NODELAY, &One, (socklen_t)sizeof(One));
  return Sock;
Fail:
  (void)lwip_close(Sock);
  return -1;
}

#if !LWIP_DNS
/*
 * Without DNS: sHost must be an IPv4 (or, with LWIP_IPV6, IPv6) literal.
 * Fills *pAddr (AddrSize bytes) and returns its length, or 0.
 */
static socklen_t _ParseLiteral(const char* sHost, unsigned Port, struct sockaddr_storage* pAddr, size_t AddrSize,
                               int* pFamily) {
  memset(pAddr, 0, AddrSize);
#if LWIP_IPV4
  if (AddrSize >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in* pIn;

    pIn = (struct sockaddr_in*)(void*)pAddr;
    if (lwip_inet_pton(AF_INET, sHost, &pIn->sin_addr) == 1) {
      pIn->sin_family = AF_INET;
      pIn->sin_port   = lwip_htons((u16_t)Port);
      *pFamily = AF_INET;
      return (socklen_t)sizeof(*pIn);
    }
  }
#endif
#if LWIP_IPV6
  if (AddrSize >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6* pIn6;

    pIn6 = (struct sockaddr_in6*)(void*)pAddr;
    if (lwip_inet_pton(AF_INET6, sHost, &pIn6->sin6_addr) == 1) {
      pIn6->sin6_family = AF_INET6;
      pIn6->sin6_port   = lwip_htons((u16_t)Port);
      *pFamily = AF_INET6;
      return (socklen_t)sizeof(*pIn6);
    }
  }
#endif
  (void)sHost;
  (void)Port;
  (void)pFamily;
  return 0;
}
#endif

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

SMTPC_SOCKET IP_SMTPC_LWIP_Connect(const char* sHost, unsigned Port, unsigned TimeoutMs) {
#if LWIP_DNS
  struct addrinfo  Hints;
  struct addrinfo* pList;
  struct addrinfo* pAddr;
  char             acPort[PORT_STRING_SIZE];
#else
  struct sockaddr_storage Addr;
  socklen_t               AddrLen;
  int                     Family;
#endif
  int Sock;

  Sock = -1;
  if (sHost == NULL || *sHost == '\0' || Port == 0u || Port > 65535u) {
    return NULL;
  }
#if LWIP_DNS
  pList = NULL;
  if (_FormatPort(acPort, sizeof(acPort), Port) != 0) {
    goto Cleanup;
  }
  memset(&Hints, 0, sizeof(Hints));
  Hints.ai_family   = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  Hints.ai_protocol = IPPROTO_TCP;
  if (lwip_getaddrinfo(sHost, acPort, &Hints, &pList) != 0) {
    pList = NULL;
    goto Cleanup;
  }
  for (pAddr = pList; pAddr != NULL && Sock < 0; pAddr = pAddr->ai_next) {
    Sock = _ConnectOne(pAddr->ai_family, pAddr->ai_addr, pAddr->ai_addrlen, TimeoutMs);
  }
Cleanup:
  if (pList != NULL) {
    lwip_freeaddrinfo(pList);
  }
#else
  (void)_FormatPort;
  Family  = AF_UNSPEC;
  AddrLen = _ParseLiteral(sHost, Port, &Addr, sizeof(Addr), &Family);
  if (AddrLen != 0u) {
    Sock = _ConnectOne(Family, (const struct sockaddr*)(const void*)&Addr, AddrLen, TimeoutMs);
  }
#endif
  return (Sock < 0) ? NULL : _ToHandle(Sock);
}

int IP_SMTPC_LWIP_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  size_t  Done;
  size_t  Total;
  ssize_t n;
  int     Sock;

  Sock = _ToSock(hSock);
  if (Sock < 0 || NumBytes < 0 || (pData == NULL && NumBytes > 0)) {
    return -1;
  }
  Total = (size_t)NumBytes;
  Done  = 0u;
  while (Done < Total) {
    n = lwip_send(Sock, pData + Done, Total - Done, 0);
    if (n <= 0) {
      return -1;                              /* error, or the send timeout expired */
    }
    Done += (size_t)n;
  }
  return NumBytes;
}

int IP_SMTPC_LWIP_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  ssize_t n;
  int     Sock;

  Sock = _ToSock(hSock);
  if (Sock < 0 || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  n = lwip_recv(Sock, pData, (size_t)NumBytes, 0);
  if (n > 0) {
    return (int)n;
  }
  if (n == 0) {
    return -1;                                /* the server closed the connection */
  }
  if (errno == EWOULDBLOCK || errno == EAGAIN) {
    return IP_SMTPC_ERR_TIMEOUT;              /* SO_RCVTIMEO expired */
  }
  return -1;
}

void IP_SMTPC_LWIP_Disconnect(SMTPC_SOCKET hSock) {
  int Sock;

  Sock = _ToSock(hSock);
  if (Sock >= 0) {
    (void)lwip_close(Sock);
  }
}

int IP_SMTPC_LWIP_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs) {
  int Sock;

  Sock = _ToSock(hSock);
  if (Sock < 0) {
    return -1;
  }
  return _SetTimeouts(Sock, TimeoutMs);
}

/*************************** End of file ****************************/
