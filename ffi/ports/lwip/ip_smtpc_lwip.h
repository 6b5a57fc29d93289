/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_lwip.h - IP_SMTPC_API transport hooks over the lwIP sockets API
 * (lwip_socket, lwip_connect, lwip_send, lwip_recv, lwip_close,
 * lwip_getaddrinfo), for lwIP 2.x with an RTOS (NO_SYS == 0).
 *
 * lwIP configuration (lwipopts.h) this port needs:
 *   LWIP_SOCKET 1, LWIP_TCP 1          the sockets API over TCP
 *   LWIP_SO_RCVTIMEO 1                 receive timeout (IP_SMTPC_ERR_TIMEOUT)
 *   LWIP_SOCKET_SET_ERRNO 1 (default)  a timed-out lwip_recv sets errno to
 *                                      EWOULDBLOCK, which is how it is told
 *                                      apart from an error
 * optional:
 *   LWIP_DNS 1                         host names (lwip_getaddrinfo); without
 *                                      it only IPv4/IPv6 literals are accepted
 *   LWIP_SO_SNDTIMEO 1                 send timeout as well
 *   LWIP_SOCKET_SELECT 1               connect timeout (non-blocking connect +
 *                                      lwip_select); without it lwip_connect
 *                                      blocks until lwIP's SYN retransmissions
 *                                      give up (TCP_SYNMAXRTX)
 *
 * Plain TCP only: pfUpgrade / pfDowngrade (TLS) stay NULL.
 *
 * emNet's pfConnect receives the server name only, so the application wraps
 * IP_SMTPC_LWIP_Connect() in a function that adds its port and timeout:
 *
 *   static SMTPC_SOCKET _Connect(const char* sServer) {
 *     return IP_SMTPC_LWIP_Connect(sServer, 25u, 10000u);
 *   }
 *
 *   static const IP_SMTPC_API _IP_Api = {
 *     _Connect,                    // pfConnect
 *     IP_SMTPC_LWIP_Disconnect,    // pfDisconnect
 *     IP_SMTPC_LWIP_Send,          // pfSend
 *     IP_SMTPC_LWIP_Receive,       // pfReceive
 *     NULL,                        // pfUpgrade   (no TLS in this port)
 *     NULL                         // pfDowngrade
 *   };
 *
 * The handle is the lwIP socket number plus one, cast to a pointer (socket 0
 * must not look like NULL = "connect failed"). The port allocates nothing
 * and keeps no static state: the timeouts live in the socket's options, so
 * several tasks may send at the same time, each with its own handle. One
 * handle must not be used by two tasks at once.
 */
#ifndef IP_SMTPC_LWIP_H
#define IP_SMTPC_LWIP_H

#include "IP_SMTPC.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Resolves sHost (host name with LWIP_DNS, else an IPv4 or IPv6 literal),
 * connects to Port, trying each address lwip_getaddrinfo returns in turn.
 * With LWIP_SOCKET_SELECT each attempt waits at most TimeoutMs milliseconds
 * for the TCP handshake (0 = no limit). TimeoutMs also becomes the receive
 * (and, with LWIP_SO_SNDTIMEO, send) timeout of the socket; change it with
 * IP_SMTPC_LWIP_SetTimeout. Name resolution is bounded by lwIP's DNS
 * retries, not by TimeoutMs.
 *
 * Returns a handle for the IP_SMTPC_API hooks, or NULL.
 */
SMTPC_SOCKET IP_SMTPC_LWIP_Connect(const char* sHost, unsigned Port, unsigned TimeoutMs);

/*
 * pfSend: sends all NumBytes bytes (loops over partial writes). Returns
 * NumBytes, or -1 on error or send timeout.
 */
int IP_SMTPC_LWIP_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfReceive: one lwip_recv of at most NumBytes bytes, waiting at most the
 * receive timeout. Returns the number of bytes (> 0), IP_SMTPC_ERR_TIMEOUT
 * when nothing arrived in time, -1 when the server closed the connection or
 * on error.
 */
int IP_SMTPC_LWIP_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfDisconnect: closes the socket. NULL is ignored.
 */
void IP_SMTPC_LWIP_Disconnect(SMTPC_SOCKET hSock);

/*
 * Sets the receive (and, with LWIP_SO_SNDTIMEO, send) timeout of a handle in
 * milliseconds (0 = wait forever). Returns 0, or -1 when lwIP refused it.
 */
int IP_SMTPC_LWIP_SetTimeout(SMTPC_SOCKET hSock, unsigned TimeoutMs);

#ifdef __cplusplus
}
#endif

#endif /* IP_SMTPC_LWIP_H */
