/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_lwip_raw.c - IP_SMTPC_API hooks over lwIP's raw TCP API for the
 * non-blocking API (see ip_smtpc_lwip_raw.h). No heap of its own, no static
 * state: everything lives in the application's IP_SMTPC_LWIP_RAW_CONN and in
 * lwIP's pbufs and pcb.
 */
#include <stddef.h>

#include "lwip/opt.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#include "ip_smtpc_lwip_raw.h"

#if !LWIP_TCP
#error "ip_smtpc_lwip_raw.c needs LWIP_TCP"
#endif

/*********************************************************************
*       lwIP callbacks (lwIP's context: the superloop with NO_SYS)
*/
static err_t _OnConnected(void *pArg, struct tcp_pcb *pPcb, err_t Err) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)pArg;
  (void)pPcb;
  if (pConn != NULL) {
    pConn->State = (Err == ERR_OK) ? IP_SMTPC_LWIP_RAW_STATE_CONNECTED : IP_SMTPC_LWIP_RAW_STATE_FAILED;
    pConn->Events = 1u;
  }
  return ERR_OK;
}

static err_t _OnReceive(void *pArg, struct tcp_pcb *pPcb, struct pbuf *p, err_t Err) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)pArg;
  (void)pPcb;
  if (pConn == NULL) {
    if (p != NULL) {
      pbuf_free(p);
    }
    return ERR_OK;
  }
  pConn->Events = 1u;
  if (p == NULL) {                        /* the server closed its side */
    if (pConn->State == IP_SMTPC_LWIP_RAW_STATE_CONNECTED) {
      pConn->State = IP_SMTPC_LWIP_RAW_STATE_EOF;
    }
    return ERR_OK;
  }
  if (Err != ERR_OK) {
    pbuf_free(p);
    pConn->State = IP_SMTPC_LWIP_RAW_STATE_FAILED;
    return ERR_OK;
  }
  if (pConn->pRx == NULL) {
    pConn->pRx = p;
  } else {
    pbuf_cat(pConn->pRx, p);              /* takes over the reference */
  }
  return ERR_OK;
}

static err_t _OnSent(void *pArg, struct tcp_pcb *pPcb, u16_t Len) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)pArg;
  (void)pPcb;
  (void)Len;
  if (pConn != NULL) {
    pConn->Events = 1u;                   /* room in the send buffer again */
  }
  return ERR_OK;
}

/* The pcb is already freed when lwIP calls this. */
static void _OnError(void *pArg, err_t Err) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)pArg;
  (void)Err;
  if (pConn != NULL) {
    pConn->pPcb = NULL;
    pConn->State = IP_SMTPC_LWIP_RAW_STATE_FAILED;
    pConn->Events = 1u;
  }
}

/*********************************************************************
*       IP_SMTPC_API hooks
*/
SMTPC_SOCKET IP_SMTPC_LWIP_RAW_Connect(IP_SMTPC_LWIP_RAW_CONN *pConn, const char *sServer, u16_t Port) {
  ip_addr_t Addr;
  struct tcp_pcb *pPcb;

  if (pConn == NULL || sServer == NULL) {
    return NULL;
  }
  pConn->pPcb = NULL;
  pConn->pRx = NULL;
  pConn->State = IP_SMTPC_LWIP_RAW_STATE_FAILED;
  pConn->Events = 0u;
  if (!ipaddr_aton(sServer, &Addr)) {
    return NULL;
  }
  pPcb = tcp_new_ip_type((u8_t)IP_GET_TYPE(&Addr));
  if (pPcb == NULL) {
    return NULL;
  }
  tcp_nagle_disable(pPcb);                /* the library writes whole commands */
  tcp_arg(pPcb, pConn);
  tcp_recv(pPcb, _OnReceive);
  tcp_sent(pPcb, _OnSent);
  tcp_err(pPcb, _OnError);
  pConn->pPcb = pPcb;
  pConn->State = IP_SMTPC_LWIP_RAW_STATE_CONNECTING;
  if (tcp_connect(pPcb, &Addr, Port, _OnConnected) != ERR_OK) {
    tcp_arg(pPcb, NULL);
    tcp_abort(pPcb);
    pConn->pPcb = NULL;
    pConn->State = IP_SMTPC_LWIP_RAW_STATE_FAILED;
    return NULL;
  }
  return (SMTPC_SOCKET)pConn;
}

void IP_SMTPC_LWIP_RAW_Disconnect(SMTPC_SOCKET hSock) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)hSock;
  if (pConn == NULL) {
    return;
  }
  if (pConn->pPcb != NULL) {
    struct tcp_pcb *pPcb = pConn->pPcb;
    tcp_arg(pPcb, NULL);
    tcp_recv(pPcb, NULL);
    tcp_sent(pPcb, NULL);
    tcp_err(pPcb, NULL);
    if (tcp_close(pPcb) != ERR_OK) {
      tcp_abort(pPcb);
    }
    pConn->pPcb = NULL;
  }
  if (pConn->pRx != NULL) {
    pbuf_free(pConn->pRx);
    pConn->pRx = NULL;
  }
  pConn->State = IP_SMTPC_LWIP_RAW_STATE_FAILED;
}

int IP_SMTPC_LWIP_RAW_Send(const char *pData, int NumBytes, SMTPC_SOCKET hSock) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)hSock;
  u16_t Room;
  u16_t Len;
  err_t Err;

  if (pConn == NULL || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  if (pConn->State == IP_SMTPC_LWIP_RAW_STATE_CONNECTING) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  if (pConn->State != IP_SMTPC_LWIP_RAW_STATE_CONNECTED || pConn->pPcb == NULL) {
    return -1;
  }
  Room = tcp_sndbuf(pConn->pPcb);
  if (Room == 0u || tcp_sndqueuelen(pConn->pPcb) >= TCP_SND_QUEUELEN) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  Len = (NumBytes < (int)Room) ? (u16_t)NumBytes : Room;
  Err = tcp_write(pConn->pPcb, pData, Len, TCP_WRITE_FLAG_COPY);
  if (Err == ERR_MEM) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  if (Err != ERR_OK) {
    return -1;
  }
  tcp_output(pConn->pPcb);
  return (int)Len;
}

int IP_SMTPC_LWIP_RAW_Receive(char *pData, int NumBytes, SMTPC_SOCKET hSock) {
  IP_SMTPC_LWIP_RAW_CONN *pConn = (IP_SMTPC_LWIP_RAW_CONN *)hSock;
  u16_t Want;
  u16_t Got;

  if (pConn == NULL || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  if (pConn->pRx == NULL) {
    if (pConn->State == IP_SMTPC_LWIP_RAW_STATE_CONNECTING
        || pConn->State == IP_SMTPC_LWIP_RAW_STATE_CONNECTED) {
      return IP_SMTPC_WOULD_BLOCK;
    }
    return -1;                            /* closed, reset or failed */
  }
  Want = (NumBytes > 0xFFFF) ? (u16_t)0xFFFFu : (u16_t)NumBytes;
  Got = pbuf_copy_partial(pConn->pRx, pData, Want, 0u);
  /* Drop what was handed out: whole pbufs leave the chain, the first
     remaining one loses its header (lwIP 2.1: pbuf_free_header). */
  pConn->pRx = pbuf_free_header(pConn->pRx, Got);
  if (pConn->pPcb != NULL && Got > 0u) {
    tcp_recved(pConn->pPcb, Got);         /* open the window again */
  }
  return (int)Got;
}

int IP_SMTPC_LWIP_RAW_Wait(IP_SMTPC_LWIP_RAW_CONN *pConn) {
  int r;
  if (pConn == NULL) {
    return 0;
  }
  r = pConn->Events != 0u;
  pConn->Events = 0u;
  return r;
}
