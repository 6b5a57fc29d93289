/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_winsock.h - IP_SMTPC_API transport hooks over Winsock 2
 * (Windows; built with mingw-w64 or MSVC).
 *
 * The same functions as the POSIX port (ffi/ports/posix/ip_smtpc_posix.h),
 * with the prefix IP_SMTPC_WINSOCK_; read that header for the contract of
 * each. Differences:
 *   - IP_SMTPC_WINSOCK_Connect calls WSAStartup (Winsock counts the calls)
 *     and IP_SMTPC_WINSOCK_Disconnect the matching WSACleanup, so the
 *     application need not.
 *   - On failure, errno carries the POSIX name of the Winsock error
 *     (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ...; EIO for the
 *     rest; ENOENT when the name does not resolve), as in the POSIX port.
 *   - Waiting uses WSAPoll (Windows Vista or later).
 * Plain TCP only: no TLS in this port.
 */
#ifndef IP_SMTPC_WINSOCK_H
#define IP_SMTPC_WINSOCK_H

#include "IP_SMTPC.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Dir argument of the trace hook (the POSIX port's values). */
#define IP_SMTPC_WINSOCK_TRACE_SENT      0   /* bytes the client sent     */
#define IP_SMTPC_WINSOCK_TRACE_RECEIVED  1   /* bytes the client received */

/* Trace hook: every chunk actually sent or received on the handle. */
typedef void (IP_SMTPC_WINSOCK_TRACE_FUNC)(void* pUser, int Dir, const char* pData, unsigned Len);

SMTPC_SOCKET IP_SMTPC_WINSOCK_Connect   (const char* sHost, unsigned Port, unsigned TimeoutMs);
int          IP_SMTPC_WINSOCK_Send      (const char* pData, int NumBytes, SMTPC_SOCKET hSock);
int          IP_SMTPC_WINSOCK_Receive   (char* pData, int NumBytes, SMTPC_SOCKET hSock);
void         IP_SMTPC_WINSOCK_Disconnect(SMTPC_SOCKET hSock);
void         IP_SMTPC_WINSOCK_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs);
void         IP_SMTPC_WINSOCK_SetTrace  (SMTPC_SOCKET hSock, IP_SMTPC_WINSOCK_TRACE_FUNC* pfTrace, void* pUser);

#ifdef __cplusplus
}
#endif

#endif /* IP_SMTPC_WINSOCK_H */
