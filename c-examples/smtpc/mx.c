/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * mx.c - smtpc --mx: the resolver hook of IP_SMTPC_SendToDomain over the
 * system resolver (libresolv), and with --dns-server (or $SMTPC_DNS_SERVER)
 * the address lookups of the mail hosts through that same server.
 *
 * The MX query is the one IP_SMTPC_MxQuery writes, sent with res_send(), so
 * the library gets the server's response as it is, NXDOMAIN and "no MX"
 * included (res_query() would hide both behind -1). POSIX only: the
 * Windows build of smtpc has no --mx.
 */
#ifndef _WIN32

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"

/*********************************************************************
*
*       Static data
*
**********************************************************************
*/

static struct sockaddr_in _Server;      /* --dns-server, when given */
static int                _HaveServer;
static int                _Ready;

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* res_init() once, then the one server of --dns-server (glibc honours it). */
static int _Init(void) {
  if (_Ready) {
    return 0;
  }
  if (res_init() != 0) {
    return -1;
  }
  if (_HaveServer) {
    _res.nscount        = 1;
    _res.nsaddr_list[0] = _Server;
  }
  _Ready = 1;
  return 0;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * --dns-server IP[:PORT] (IPv4; port 53 when absent). 0, or -1 with a
 * message on standard error.
 */
int SMTPC_SetDnsServer(const char* sSpec) {
  char          acIp[INET_ADDRSTRLEN];
  const char*   pColon;
  unsigned long Port;
  size_t        Len;

  pColon = strchr(sSpec, ':');
  Len    = (pColon != NULL) ? (size_t)(pColon - sSpec) : strlen(sSpec);
  Port   = 53u;
  memset(&_Server, 0, sizeof(_Server));
  _Server.sin_family = AF_INET;
  if (Len == 0u || Len >= sizeof(acIp)
      || (pColon != NULL && SMTPC_ParseUnsigned(pColon + 1, 1ul, 65535ul, &Port) != 0)) {
    fprintf(stderr, "smtpc: input: --dns-server: '%s' is not IPv4[:PORT]\n", sSpec);
    return -1;
  }
  memcpy(acIp, sSpec, Len);
  acIp[Len] = '\0';
  if (inet_pton(AF_INET, acIp, &_Server.sin_addr) != 1) {
    fprintf(stderr, "smtpc: input: --dns-server: '%s' is not IPv4[:PORT]\n", sSpec);
    return -1;
  }
  _Server.sin_port = htons((unsigned short)Port);
  _HaveServer      = 1;
  _Ready           = 0;
  return 0;
}

/* IP_SMTPC_RESOLVER.pfQueryMx: the raw response to the MX query of sDomain. */
int SMTPC_QueryMx(const char* sDomain, U8* pAnswer, unsigned AnswerSize, void* pContext) {
  U8  aQuery[IP_SMTPC_MX_QUERY_SIZE];
  int n;

  (void)pContext;
  if (_Init() != 0) {
    return -1;
  }
  n = IP_SMTPC_MxQuery(sDomain, (U16)SMTPC_Seed(), aQuery, sizeof(aQuery));
  if (n < 0) {
    return n;
  }
  n = res_send(aQuery, n, pAnswer, (int)AnswerSize);
  return (n > (int)AnswerSize) ? -1 : n;
}

/*
 * With --dns-server: the first IPv4 address of sHost from that server, as
 * text into acIp; 1 when there is no server to ask (use getaddrinfo), 0
 * when found, -1 when not.
 */
int SMTPC_ResolveHost(const char* sHost, char* acIp, size_t IpSize) {
  U8     aAnswer[NS_PACKETSZ];
  ns_msg Msg;
  ns_rr  Rr;
  int    n;
  int    i;

  if (!_HaveServer) {
    return 1;
  }
  if (_Init() != 0) {
    return -1;
  }
  n = res_query(sHost, ns_c_in, ns_t_a, aAnswer, (int)sizeof(aAnswer));
  if (n < 0 || n > (int)sizeof(aAnswer) || ns_initparse(aAnswer, n, &Msg) != 0) {
    return -1;
  }
  for (i = 0; i < ns_msg_count(Msg, ns_s_an); i++) {
    if (ns_parserr(&Msg, ns_s_an, i, &Rr) == 0 && ns_rr_type(Rr) == ns_t_a && ns_rr_rdlen(Rr) == 4u) {
      return (inet_ntop(AF_INET, ns_rr_rdata(Rr), acIp, (socklen_t)IpSize) != NULL) ? 0 : -1;
    }
  }
  return -1;
}

#endif  /* _WIN32 */

/*************************** End of file ****************************/
