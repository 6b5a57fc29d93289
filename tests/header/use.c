/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Compiled by tests/header/check: IP_SMTPC.h alone (or after a BSP header,
 * -DBSP_FIRST / -DBSP_AFTER), in C and C++, warnings as errors. Uses every
 * kind of declaration the header makes, and defines IP_SMTPC_OnPanic as a
 * firmware does (-Wmissing-prototypes / -Wmissing-declarations).
 */
#ifdef BSP_FIRST
#include "bsp_types.h"
#endif
#include "IP_SMTPC.h"
#ifdef BSP_AFTER
#include "bsp_types.h"
#endif

static IP_SMTPC_U32 _GetTimeDate(void) {
  return 0u;
}

static int _Callback(int Stat, void* p) {
  const IP_SMTPC_STATUS* pStatus = (const IP_SMTPC_STATUS*)p;
  return (Stat == IP_SMTPC_STAT_STEP && pStatus->Step == IP_SMTPC_STEP_DONE) ? 1 : 0;
}

void IP_SMTPC_OnPanic(void) {
  for (;;) {
  }
}

int UseHeader(const IP_SMTPC_API* pApi);
int UseHeader(const IP_SMTPC_API* pApi) {
  static const IP_SMTPC_MAIL_ADDR aAddr[] = {
    { "Device", "device@example.com", SMTPC_REC_TYPE_FROM },
    { "Ops",    "ops@example.com",    SMTPC_REC_TYPE_TO   },
  };
  IP_SMTPC_MESSAGE     Msg = { "Alarm", "Pump 3 stopped.\n", NULL, NULL, 0u };
  IP_SMTPC_MTA         Mta = { "mail.example.com", NULL, NULL, SMTPC_SEC_POLICY_SECURE_ONLY };
  IP_SMTPC_APPLICATION App = { _GetTimeDate, _Callback, NULL, NULL };
  IP_SMTPC_OPTIONS     Options;
  IP_SMTPC_REPORT      Report;
  int                  r;

  (void)IP_SMTPC_OptionsInit(&Options);
  Options.TlsMode        = IP_SMTPC_TLS_STARTTLS_REQUIRED;
  Options.AuthMechanisms = IP_SMTPC_AUTH_PLAIN | IP_SMTPC_AUTH_LOGIN;
  Options.pReport        = &Report;
  r = IP_SMTPC_SendEx(pApi, aAddr, 2, &Msg, &Mta, &App, &Options);
  if (r == IP_SMTPC_ERR_PARTIAL_DELIVERY || Report.Step == IP_SMTPC_STEP_RCPT) {
    return 1;
  }
  /* With IP_SMTPC_SEND_VIA_SENDEX, IP_SMTPC_SendEx(..., NULL). */
  r = IP_SMTPC_Send(pApi, aAddr, 2, &Msg, &Mta, &App);
  if (IP_SMTPC_GetVersion() != IP_SMTPC_VERSION) {
    return 2;
  }
  return (IP_SMTPC_ErrorString(r)[0] != '\0') ? r : 0;
}
