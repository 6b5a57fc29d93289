/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * lwip_unix_send.c - sends one mail with IP_SMTPC_Send() through the lwIP
 * port (ffi/ports/lwip) on lwIP's unix port (Debian's liblwip.so) over a tap
 * interface. Run by ffi/ports/lwip/test/unix/run inside a network namespace.
 *
 *   lwip_unix_send LOCAL_IP GATEWAY_IP SERVER_IP PORT TOKEN
 *
 * The tap interface is named by the environment variable PRECONFIGURED_TAPIF
 * and must exist and be up (the run script creates it). Exit status 0 if the
 * server accepted the mail. LWIP_SMTP_TIMEOUT_MS (default 10000) is the
 * connect/receive timeout handed to IP_SMTPC_LWIP_Connect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/tcpip.h"
#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "netif/tapif.h"

#include "IP_SMTPC.h"
#include "ip_smtpc_lwip.h"

static unsigned     _Port;
static unsigned     _TimeoutMs;
static const char*  _sServerIp;

static SMTPC_SOCKET _Connect(const char* sServer) {
  (void)sServer;
  return IP_SMTPC_LWIP_Connect(_sServerIp, _Port, _TimeoutMs);
}

static const IP_SMTPC_API _Api = {
  _Connect, IP_SMTPC_LWIP_Disconnect, IP_SMTPC_LWIP_Send, IP_SMTPC_LWIP_Receive, NULL, NULL
};

static const IP_SMTPC_MAIL_ADDR _aAddr[] = {
  { "lwIP unix port", "sender@ip-smtpc.test", SMTPC_REC_TYPE_FROM },
  { "Dave",           "dave@ip-smtpc.test",   SMTPC_REC_TYPE_TO   },
};

static const IP_SMTPC_MTA _Mta = { "server", NULL, NULL, SMTPC_SEC_POLICY_ALLOW_INSECURE };
static const IP_SMTPC_APPLICATION _App = { NULL, NULL, "lwip.ip-smtpc.test", NULL };

int main(int argc, char** argv) {
  struct netif Netif;
  ip4_addr_t   Ip;
  ip4_addr_t   Mask;
  ip4_addr_t   Gw;
  char         acSubject[128];
  IP_SMTPC_MESSAGE Msg;
  int          r;

  if (argc != 6) {
    fprintf(stderr, "usage: %s LOCAL_IP GATEWAY_IP SERVER_IP PORT TOKEN\n", argv[0]);
    return 2;
  }
  _sServerIp = argv[3];
  _Port      = (unsigned)strtoul(argv[4], NULL, 10);
  _TimeoutMs = (getenv("LWIP_SMTP_TIMEOUT_MS") != NULL)
             ? (unsigned)strtoul(getenv("LWIP_SMTP_TIMEOUT_MS"), NULL, 10) : 10000u;
  if (ip4addr_aton(argv[1], &Ip) == 0 || ip4addr_aton(argv[2], &Gw) == 0) {
    fprintf(stderr, "bad address\n");
    return 2;
  }
  IP4_ADDR(&Mask, 255, 255, 255, 0);
  (void)snprintf(acSubject, sizeof(acSubject), "lwIP unix port [%s]", argv[5]);

  tcpip_init(NULL, NULL);
  memset(&Netif, 0, sizeof(Netif));
  LOCK_TCPIP_CORE();
  if (netif_add(&Netif, &Ip, &Mask, &Gw, NULL, tapif_init, tcpip_input) == NULL) {
    UNLOCK_TCPIP_CORE();
    fprintf(stderr, "netif_add failed\n");
    return 1;
  }
  netif_set_default(&Netif);
  netif_set_up(&Netif);
  netif_set_link_up(&Netif);
  UNLOCK_TCPIP_CORE();

  memset(&Msg, 0, sizeof(Msg));
  Msg.sSubject = acSubject;
  Msg.sBody    = "Sent through ip_smtpc_lwip.c on lwIP's unix port over a tap interface.\n";
  r = IP_SMTPC_Send(&_Api, _aAddr, 2, &Msg, &_Mta, &_App);
  printf("IP_SMTPC_Send: %d (%s)\n", r, IP_SMTPC_ErrorString(r));
  return r == 0 ? 0 : 1;
}
