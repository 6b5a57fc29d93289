/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A target linking ip_smtpc::lwip: ip_smtpc_lwip.c is compiled into it. */
#include "ip_smtpc_lwip.h"

SMTPC_SOCKET ConsumerConnect(const char* sServer);
SMTPC_SOCKET ConsumerConnect(const char* sServer) {
  return IP_SMTPC_LWIP_Connect(sServer, 25u, 10000u);
}
