/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Firmware code of a consumer: calls the library, defines IP_SMTPC_OnPanic. */
#include "IP_SMTPC.h"

void IP_SMTPC_OnPanic(void) {
  for (;;) {
  }
}

unsigned FirmwareVersion(void);
unsigned FirmwareVersion(void) {
  return (unsigned)IP_SMTPC_GetVersion();
}

#ifdef IP_SMTPC_TEST_WITH_MAIN
int main(void) {
  return (int)FirmwareVersion();
}
#endif
