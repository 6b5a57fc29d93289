/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Firmware code of a consumer (tests/cmake/run, tests/release/run): defines
 * IP_SMTPC_OnPanic and, with IP_SMTPC_TEST_WITH_MAIN, a main() whose call of
 * IP_SMTPC_Send pulls the whole library into the link. Linked, never run.
 */
#include <stddef.h>

#include "IP_SMTPC.h"

void IP_SMTPC_OnPanic(void) {
  for (;;) {
  }
}

static SMTPC_SOCKET _Connect(const char* sServer) {
  (void)sServer;
  return NULL;
}

static void _Disconnect(SMTPC_SOCKET hSock) {
  (void)hSock;
}

static int _Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  (void)pData;
  (void)hSock;
  return NumBytes;
}

static int _Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  (void)pData;
  (void)NumBytes;
  (void)hSock;
  return -1;
}

int FirmwareSend(void);
int FirmwareSend(void) {
  static const IP_SMTPC_API       Api     = { _Connect, _Disconnect, _Send, _Receive, NULL, NULL };
  static const IP_SMTPC_MAIL_ADDR aAddr[] = {
    { "Device", "device@example.com", SMTPC_REC_TYPE_FROM },
    { NULL,     "ops@example.com",    SMTPC_REC_TYPE_TO   },
  };
  IP_SMTPC_MESSAGE     Msg = { "Alarm", "Pump 3 stopped.\n", NULL, NULL, 0u };
  IP_SMTPC_MTA         Mta = { "mail.example.com", NULL, NULL, SMTPC_SEC_POLICY_ALLOW_INSECURE };
  IP_SMTPC_APPLICATION App = { NULL, NULL, NULL, NULL };

  if (IP_SMTPC_GetVersion() != IP_SMTPC_VERSION) {
    return 1;
  }
  return IP_SMTPC_Send(&Api, aAddr, 2, &Msg, &Mta, &App);
}

#ifdef IP_SMTPC_TEST_WITH_MAIN
int main(void) {
  return (FirmwareSend() == IP_SMTPC_ERR_CONNECT) ? 0 : 1;
}
#endif
