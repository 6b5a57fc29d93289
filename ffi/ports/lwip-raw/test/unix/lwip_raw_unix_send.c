/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * lwip_raw_unix_send.c - sends COUNT mails at once from one thread with the
 * non-blocking API (IP_SMTPC_Start / IP_SMTPC_Poll) through the raw-API port
 * (ffi/ports/lwip-raw) on lwIP's unix port (Debian's liblwip.so) over a tap
 * interface. Run by ffi/ports/lwip-raw/test/unix/run inside a network
 * namespace.
 *
 *   lwip_raw_unix_send LOCAL_IP GATEWAY_IP SERVER_IP PORT TOKEN COUNT
 *
 * Debian's lwIP runs its own tcpip thread (NO_SYS 0) with core locking, so
 * the loop takes the core lock around each IP_SMTPC_Poll: the port's raw
 * calls and lwIP's callbacks never run at the same time, as in a NO_SYS
 * superloop. Prints one line per mail; exit status 0 if the server accepted
 * every one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/opt.h"
#include "lwip/tcpip.h"
#include "lwip/netif.h"
#include "lwip/ip4_addr.h"
#include "lwip/sys.h"
#include "netif/tapif.h"

#include "IP_SMTPC.h"
#include "ip_smtpc_lwip_raw.h"

#define MAX_MAILS 16

typedef struct {
  IP_SMTPC_SESSION       Session;
  IP_SMTPC_LWIP_RAW_CONN Conn;
  IP_SMTPC_OPTIONS       Opt;
  IP_SMTPC_MESSAGE       Msg;
  IP_SMTPC_MTA           Mta;
  char                   acServer[48];
  char                   acSubject[128];
  int                    Result;
} MAIL;

static MAIL     _aMail[MAX_MAILS];
static unsigned _Port;

/* "ip/index": the mail whose session connects. */
static SMTPC_SOCKET _Connect(const char *sServer) {
  char acIp[40];
  const char *pSlash = strchr(sServer, '/');
  size_t Len;
  int Index;
  if (pSlash == NULL || (Len = (size_t)(pSlash - sServer)) >= sizeof(acIp)) {
    return NULL;
  }
  memcpy(acIp, sServer, Len);
  acIp[Len] = '\0';
  Index = atoi(pSlash + 1);
  if (Index < 0 || Index >= MAX_MAILS) {
    return NULL;
  }
  return IP_SMTPC_LWIP_RAW_Connect(&_aMail[Index].Conn, acIp, (u16_t)_Port);
}

static const IP_SMTPC_API _Api = {
  _Connect, IP_SMTPC_LWIP_RAW_Disconnect, IP_SMTPC_LWIP_RAW_Send, IP_SMTPC_LWIP_RAW_Receive, NULL, NULL
};

static const IP_SMTPC_MAIL_ADDR _aAddr[] = {
  { "lwIP raw API", "sender@ip-smtpc.test", SMTPC_REC_TYPE_FROM },
  { "Dave",         "dave@ip-smtpc.test",   SMTPC_REC_TYPE_TO   },
};
static const IP_SMTPC_APPLICATION _App = { NULL, NULL, "lwip-raw.ip-smtpc.test", NULL };

int main(int argc, char **argv) {
  struct netif Netif;
  ip4_addr_t   Ip, Mask, Gw;
  int          Count, Active, i, Failed = 0;

  if (argc != 7) {
    fprintf(stderr, "usage: %s LOCAL_IP GATEWAY_IP SERVER_IP PORT TOKEN COUNT\n", argv[0]);
    return 2;
  }
  _Port = (unsigned)strtoul(argv[4], NULL, 10);
  Count = atoi(argv[6]);
  if (Count < 1 || Count > MAX_MAILS || ip4addr_aton(argv[1], &Ip) == 0 || ip4addr_aton(argv[2], &Gw) == 0) {
    fprintf(stderr, "bad arguments\n");
    return 2;
  }
  IP4_ADDR(&Mask, 255, 255, 255, 0);

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

  for (i = 0; i < Count; i++) {
    MAIL *m = &_aMail[i];
    int r;
    snprintf(m->acServer, sizeof(m->acServer), "%s/%d", argv[3], i);
    snprintf(m->acSubject, sizeof(m->acSubject), "lwIP raw API [%s] %d", argv[5], i);
    memset(&m->Msg, 0, sizeof(m->Msg));
    m->Msg.sSubject = m->acSubject;
    m->Msg.sBody = "Sent with IP_SMTPC_Start/IP_SMTPC_Poll through ip_smtpc_lwip_raw.c (tcp_* callbacks).\n"
                   ".a dot line\n";
    m->Mta.sServer = m->acServer;
    m->Mta.sUser = NULL;
    m->Mta.sPass = NULL;
    m->Mta.SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE;
    IP_SMTPC_OptionsInit(&m->Opt);
    m->Opt.ReplyTimeoutMs = 10000u;
    m->Opt.MessageIdSeed = (U32)i;
    m->Session.SizeOf = sizeof(m->Session);
    m->Result = IP_SMTPC_IN_PROGRESS;
    r = IP_SMTPC_Start(&m->Session, &_Api, _aAddr, 2, &m->Msg, &m->Mta, &_App, &m->Opt);
    if (r != 0) {
      fprintf(stderr, "mail %d: IP_SMTPC_Start %d (%s)\n", i, r, IP_SMTPC_ErrorString(r));
      return 1;
    }
  }
  /* The loop: every session polled under the core lock, then a short nap
     (lwIP's own thread does the I/O meanwhile). */
  Active = Count;
  while (Active > 0) {
    struct timespec Nap = { 0, 1000000 };
    LOCK_TCPIP_CORE();
    for (i = 0; i < Count; i++) {
      MAIL *m = &_aMail[i];
      if (m->Result != IP_SMTPC_IN_PROGRESS) {
        continue;
      }
      m->Result = IP_SMTPC_Poll(&m->Session, sys_now());
      if (m->Result != IP_SMTPC_IN_PROGRESS) {
        Active--;
      }
    }
    UNLOCK_TCPIP_CORE();
    nanosleep(&Nap, NULL);
  }
  for (i = 0; i < Count; i++) {
    printf("mail %d: %d (%s)\n", i, _aMail[i].Result, IP_SMTPC_ErrorString(_aMail[i].Result));
    Failed |= _aMail[i].Result != 0;
  }
  return Failed ? 1 : 0;
}
