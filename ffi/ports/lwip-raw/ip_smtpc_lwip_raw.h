/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_lwip_raw.h - IP_SMTPC_API transport hooks over lwIP's raw API
 * (tcp_new, tcp_connect, tcp_write, tcp_recv callbacks), for the
 * non-blocking API (IP_SMTPC_Start / IP_SMTPC_Poll) with NO_SYS == 1: a
 * superloop, no RTOS, no thread, nothing that blocks.
 *
 * lwIP configuration (lwipopts.h): LWIP_TCP 1; NO_SYS 1 (or call every
 * function of this port and IP_SMTPC_Poll from lwIP's tcpip thread);
 * lwIP 2.1 or later (pbuf_free_header). Server: an IPv4 or IPv6 literal
 * (the raw API resolves names asynchronously: resolve with dns_gethostbyname
 * first and pass the address's text). Plain TCP only: pfUpgrade /
 * pfDowngrade stay NULL (altcp_tls is a later step).
 *
 * The connection state lives in an IP_SMTPC_LWIP_RAW_CONN the application
 * provides (one per mail in flight; no heap, no static state in the port).
 * emNet's pfConnect receives the server name only, so the application wraps
 * IP_SMTPC_LWIP_RAW_Connect() in a function that adds the storage and port:
 *
 *   static IP_SMTPC_LWIP_RAW_CONN _Conn;
 *   static SMTPC_SOCKET _Connect(const char* sServer) {
 *     return IP_SMTPC_LWIP_RAW_Connect(&_Conn, sServer, 25u);
 *   }
 *   static const IP_SMTPC_API _Api = {
 *     _Connect, IP_SMTPC_LWIP_RAW_Disconnect, IP_SMTPC_LWIP_RAW_Send,
 *     IP_SMTPC_LWIP_RAW_Receive, NULL, NULL
 *   };
 *
 *   // superloop
 *   IP_SMTPC_Start(&Session, &_Api, aAddr, n, &Msg, &Mta, &App, &Opt);
 *   for (;;) {
 *     netif_poll / ethernetif_input(&netif);   // lwIP input
 *     sys_check_timeouts();                    // lwIP timers
 *     r = IP_SMTPC_Poll(&Session, sys_now());
 *     if (r != IP_SMTPC_IN_PROGRESS) break;    // the result
 *   }
 *
 * pfConnect returns at once (the handshake completes in lwIP's callback);
 * pfSend queues what tcp_sndbuf() takes (copied) and pfReceive hands out
 * what the recv callback queued, each answering IP_SMTPC_WOULD_BLOCK when
 * there is nothing to do yet. A reset or error from lwIP (tcp_err) fails
 * the next call; deadlines are the library's (IP_SMTPC_Poll's NowMs).
 * IP_SMTPC_LWIP_RAW_Wait() tells whether the connection has something new,
 * for a loop that sleeps.
 */
#ifndef IP_SMTPC_LWIP_RAW_H
#define IP_SMTPC_LWIP_RAW_H

#include "lwip/tcp.h"
#include "IP_SMTPC.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One connection; the application's storage, valid until pfDisconnect. */
typedef struct IP_SMTPC_LWIP_RAW_CONN {
  struct tcp_pcb *pPcb;    /* NULL once closed or reset */
  struct pbuf    *pRx;     /* received and not yet handed out, or NULL */
  u8_t            State;   /* IP_SMTPC_LWIP_RAW_STATE_* */
  u8_t            Events;  /* set by the callbacks, cleared by _Wait */
} IP_SMTPC_LWIP_RAW_CONN;

#define IP_SMTPC_LWIP_RAW_STATE_CONNECTING 1u
#define IP_SMTPC_LWIP_RAW_STATE_CONNECTED  2u
#define IP_SMTPC_LWIP_RAW_STATE_EOF        3u  /* the server closed: data may remain */
#define IP_SMTPC_LWIP_RAW_STATE_FAILED     4u  /* reset, aborted, connect failed */

/*
 * Starts a connection to sServer (an IPv4 or IPv6 literal) on Port; returns
 * pConn as the handle, or NULL (bad address, no memory, no route). The TCP
 * handshake completes later, in lwIP's callback.
 */
SMTPC_SOCKET IP_SMTPC_LWIP_RAW_Connect(IP_SMTPC_LWIP_RAW_CONN *pConn, const char *sServer, u16_t Port);

/* IP_SMTPC_API.pfDisconnect: closes (or aborts) the connection, frees what was queued. */
void IP_SMTPC_LWIP_RAW_Disconnect(SMTPC_SOCKET hSock);

/* IP_SMTPC_API.pfSend: queues what lwIP takes now (copied), or IP_SMTPC_WOULD_BLOCK. */
int IP_SMTPC_LWIP_RAW_Send(const char *pData, int NumBytes, SMTPC_SOCKET hSock);

/* IP_SMTPC_API.pfReceive: what has arrived (up to NumBytes), or IP_SMTPC_WOULD_BLOCK. */
int IP_SMTPC_LWIP_RAW_Receive(char *pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * Non-zero when lwIP reported something for this connection (connected,
 * data, acknowledged bytes, end, error) since the last call: time to call
 * IP_SMTPC_Poll. Clears the flag.
 */
int IP_SMTPC_LWIP_RAW_Wait(IP_SMTPC_LWIP_RAW_CONN *pConn);

#ifdef __cplusplus
}
#endif

#endif /* IP_SMTPC_LWIP_RAW_H */
