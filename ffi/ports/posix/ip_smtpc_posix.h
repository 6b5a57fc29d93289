/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_posix.h - IP_SMTPC_API transport hooks over BSD sockets
 * (Linux, macOS, any POSIX host).
 *
 * Plain TCP only: pfUpgrade / pfDowngrade (TLS) are not part of this port;
 * leave them NULL, or wrap the handle with the mbedTLS port
 * (ffi/ports/mbedtls/ip_smtpc_mbedtls.h), which adds them on top of these hooks.
 *
 * emNet's pfConnect receives the server name only, without a port, so an
 * application wraps IP_SMTPC_POSIX_Connect() in a three-line function that
 * adds its port and timeout:
 *
 *   static SMTPC_SOCKET _Connect(const char* sServer) {
 *     return IP_SMTPC_POSIX_Connect(sServer, 25u, 10000u);
 *   }
 *
 *   static const IP_SMTPC_API _IP_Api = {
 *     _Connect,                     // pfConnect
 *     IP_SMTPC_POSIX_Disconnect,    // pfDisconnect
 *     IP_SMTPC_POSIX_Send,          // pfSend
 *     IP_SMTPC_POSIX_Receive,       // pfReceive
 *     NULL,                         // pfUpgrade   (no TLS in this port)
 *     NULL                          // pfDowngrade
 *   };
 *
 * If the port or the timeout is chosen at run time, the wrapper has to read
 * it from a variable of the application: pfConnect has no user pointer.
 *
 * Each handle owns its own small context (allocated with malloc, freed by
 * IP_SMTPC_POSIX_Disconnect); the port itself keeps no static state, so
 * several tasks may send at the same time over different handles. One handle
 * must not be used by two threads at once.
 *
 * The process should not die of SIGPIPE when the server closes early:
 * the port sends with MSG_NOSIGNAL (or sets SO_NOSIGPIPE where that exists).
 */
#ifndef IP_SMTPC_POSIX_H
#define IP_SMTPC_POSIX_H

#include "IP_SMTPC.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Dir argument of the trace hook. */
#define IP_SMTPC_POSIX_TRACE_SENT      0   /* bytes the client sent     */
#define IP_SMTPC_POSIX_TRACE_RECEIVED  1   /* bytes the client received */

/*
 * Trace hook: called with every chunk of bytes actually sent or received on
 * the handle (not NUL-terminated; chunks do not follow line boundaries).
 * Runs in the calling task, during IP_SMTPC_POSIX_Send/_Receive.
 */
typedef void (IP_SMTPC_POSIX_TRACE_FUNC)(void* pUser, int Dir, const char* pData, unsigned Len);

/*
 * Resolves sHost (host name, IPv4 or IPv6 literal; getaddrinfo, AF_UNSPEC)
 * and connects to Port, trying each address in turn. Each attempt waits at
 * most TimeoutMs milliseconds for the TCP handshake (0 = no limit).
 * TimeoutMs is also the initial I/O timeout of IP_SMTPC_POSIX_Send and
 * IP_SMTPC_POSIX_Receive (change it with IP_SMTPC_POSIX_SetTimeout).
 * Name resolution itself is not bounded by TimeoutMs (getaddrinfo blocks).
 *
 * Returns a handle for the IP_SMTPC_API hooks, or NULL; then errno tells
 * why the last attempt failed (ETIMEDOUT, ECONNREFUSED, ...; EINVAL for bad
 * arguments, ENOENT when the name does not resolve).
 */
SMTPC_SOCKET IP_SMTPC_POSIX_Connect(const char* sHost, unsigned Port, unsigned TimeoutMs);

/*
 * pfSend: sends all NumBytes bytes (loops over partial writes and EINTR),
 * within the I/O timeout for the whole call. Returns NumBytes, or -1 on
 * error or timeout.
 */
int IP_SMTPC_POSIX_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfReceive: waits at most the I/O timeout for data, then reads what is
 * there (one recv(), at most NumBytes bytes). Returns the number of bytes
 * (> 0), IP_SMTPC_ERR_TIMEOUT when nothing arrived in time, -1 when the
 * server closed the connection or on error.
 */
int IP_SMTPC_POSIX_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfDisconnect: closes the socket and frees the handle. NULL is ignored.
 */
void IP_SMTPC_POSIX_Disconnect(SMTPC_SOCKET hSock);

/*
 * Sets the I/O timeout of a handle in milliseconds (0 = wait forever): each
 * later IP_SMTPC_POSIX_Send / _Receive call returns within it. Its
 * signature is that of IP_SMTPC_OPTIONS.pfSetTimeout: given there (with
 * ReplyTimeoutMs), the library sets the time left before every call, so
 * every wait ends by the deadline. It is also the pfSetLowerTimeout of the
 * mbedTLS port's configuration, which does the same below TLS.
 */
void IP_SMTPC_POSIX_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs);

/*
 * Installs (or, with pfTrace NULL, removes) the transcript hook of a handle.
 * Call it right after IP_SMTPC_POSIX_Connect, i.e. inside the application's
 * pfConnect wrapper, to see the whole dialogue including the greeting.
 */
void IP_SMTPC_POSIX_SetTrace(SMTPC_SOCKET hSock, IP_SMTPC_POSIX_TRACE_FUNC* pfTrace, void* pUser);

#ifdef __cplusplus
}
#endif

#endif /* IP_SMTPC_POSIX_H */
