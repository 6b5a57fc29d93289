/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * A program of another project using ip-smtpc through find_package(ip_smtpc)
 * (tests/cmake/consumer), add_subdirectory (tests/cmake/subproject) or
 * pkg-config: the version agrees, bad input is refused, a closed port is
 * IP_SMTPC_ERR_CONNECT, and with a port argument a mail goes through the
 * POSIX port to the server on 127.0.0.1 (the Postfix test bed in scripts/test).
 *
 *   consumer [PORT]
 */
#include <stdio.h>
#include <stdlib.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_posix.h"

static unsigned _Port;

static SMTPC_SOCKET _Connect(const char* sServer) {
  return IP_SMTPC_POSIX_Connect(sServer, _Port, 10000u);
}

static const IP_SMTPC_API _Api = {
  _Connect, IP_SMTPC_POSIX_Disconnect, IP_SMTPC_POSIX_Send, IP_SMTPC_POSIX_Receive, NULL, NULL
};

int main(int argc, char** argv) {
  static const IP_SMTPC_MAIL_ADDR aAddr[] = {
    { "Consumer", "sender@ip-smtpc.test", SMTPC_REC_TYPE_FROM },
    { NULL,       "alice@ip-smtpc.test",  SMTPC_REC_TYPE_TO   },
  };
  IP_SMTPC_MESSAGE     Msg = { "from a CMake consumer", "Built with find_package(ip_smtpc).\n", NULL, NULL, 0u };
  IP_SMTPC_MTA         Mta = { "127.0.0.1", NULL, NULL, SMTPC_SEC_POLICY_ALLOW_INSECURE };
  IP_SMTPC_APPLICATION App = { NULL, NULL, "consumer.ip-smtpc.test", NULL };
  int                  r;

  if (IP_SMTPC_GetVersion() != IP_SMTPC_VERSION) {
    printf("FAIL library %u, header %u\n", (unsigned)IP_SMTPC_GetVersion(), (unsigned)IP_SMTPC_VERSION);
    return 1;
  }
  r = IP_SMTPC_Send(&_Api, aAddr, 1, &Msg, &Mta, &App);
  if (r != IP_SMTPC_ERR_NO_RECIPIENT) {
    printf("FAIL one address: %d (%s)\n", r, IP_SMTPC_ErrorString(r));
    return 1;
  }
  _Port = 1u;                                 /* nothing listens there */
  r = IP_SMTPC_Send(&_Api, aAddr, 2, &Msg, &Mta, &App);
  if (r != IP_SMTPC_ERR_CONNECT) {
    printf("FAIL closed port: %d (%s)\n", r, IP_SMTPC_ErrorString(r));
    return 1;
  }
  if (argc > 1) {
    _Port = (unsigned)strtoul(argv[1], NULL, 10);
    r = IP_SMTPC_Send(&_Api, aAddr, 2, &Msg, &Mta, &App);
    if (r != 0) {
      printf("FAIL send through port %u: %d (%s)\n", _Port, r, IP_SMTPC_ErrorString(r));
      return 1;
    }
    printf("sent through 127.0.0.1:%u\n", _Port);
  }
  printf("ip-smtpc %s consumer: ok\n", IP_SMTPC_VERSION_STRING);
  return 0;
}
