/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * deadline.c - one mail through IP_SMTPC_SendEx with a reply deadline, the
 * POSIX port below the mbedTLS port, as firmware would set it up: clock
 * (pfGetTimeMs) and pfSetTimeout in the options, the same clock and the
 * POSIX port's IP_SMTPC_POSIX_SetTimeout in the TLS port's configuration.
 * Driven by tests/tls/postfix_deadline.py through a proxy that slows down
 * the server's TLS bytes.
 *
 * Usage: ip_smtpc_deadline HOST PORT starttls|implicit CAFILE TLS-NAME
 *                          USER PASS FROM TO SUBJECT DEADLINE-MS
 *
 * Prints one line:
 *   result=<r> timeout=<1 if r is IP_SMTPC_ERR_TIMEOUT> step=<report step>
 *   elapsed_ms=<duration of the IP_SMTPC_SendEx call> tls_error=<class> (<text>)
 * Exit status: 0 sent, 3 not sent, 2 usage error.
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_mbedtls.h"
#include "ip_smtpc_posix.h"

#define CONNECT_TIMEOUT_MS  10000u

/* What pfConnect and pfDisconnect need (emNet's hooks carry no user pointer). */
typedef struct {
  unsigned                Port;
  IP_SMTPC_MBEDTLS_CONFIG Tls;
  int                     TlsError;     /* IP_SMTPC_MBEDTLS_ERR_* of the connection */
} CONN_CFG;

/* The one send of this process; set in main() for the duration of the call. */
static CONN_CFG* _pCfg;

/* The plain connection below TLS. */
static const IP_SMTPC_API _PlainApi = {
  NULL, IP_SMTPC_POSIX_Disconnect, IP_SMTPC_POSIX_Send, IP_SMTPC_POSIX_Receive, NULL, NULL
};

static U32 _GetTimeMs(void) {
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    return 0u;
  }
  return (U32)((unsigned long)ts.tv_sec * 1000ul + (unsigned long)(ts.tv_nsec / 1000000l));
}

static SMTPC_SOCKET _Connect(const char* sServer) {
  SMTPC_SOCKET hPlain;

  hPlain = IP_SMTPC_POSIX_Connect(sServer, _pCfg->Port, CONNECT_TIMEOUT_MS);
  return (hPlain != NULL) ? IP_SMTPC_MBEDTLS_Open(&_PlainApi, hPlain, &_pCfg->Tls) : NULL;
}

static void _Disconnect(SMTPC_SOCKET hSock) {
  _pCfg->TlsError = IP_SMTPC_MBEDTLS_LastError(hSock);
  IP_SMTPC_MBEDTLS_Disconnect(hSock);
}

static int _ParseUnsigned(const char* s, unsigned long Max, unsigned long* pValue) {
  char*         pEnd;
  unsigned long v;

  v = strtoul(s, &pEnd, 10);
  if (*s == '\0' || *pEnd != '\0' || v == 0ul || v > Max) {
    return -1;
  }
  *pValue = v;
  return 0;
}

int main(int argc, char* argv[]) {
  static const IP_SMTPC_API _Api = {
    _Connect, _Disconnect, IP_SMTPC_MBEDTLS_Send, IP_SMTPC_MBEDTLS_Receive,
    IP_SMTPC_MBEDTLS_Upgrade, IP_SMTPC_MBEDTLS_Downgrade
  };
  CONN_CFG             Cfg;
  IP_SMTPC_MAIL_ADDR   aAddr[2];
  IP_SMTPC_MESSAGE     Message;
  IP_SMTPC_MTA         Mta;
  IP_SMTPC_OPTIONS     Options;
  IP_SMTPC_REPORT      Report;
  unsigned long        Port;
  unsigned long        DeadlineMs;
  U32                  Start;
  U32                  Elapsed;
  int                  Implicit;
  int                  r;

  if (argc != 12 || _ParseUnsigned(argv[2], 65535ul, &Port) != 0
      || _ParseUnsigned(argv[11], 0xFFFFFFFFul, &DeadlineMs) != 0) {
    fprintf(stderr, "usage: %s HOST PORT starttls|implicit CAFILE TLS-NAME USER PASS FROM TO SUBJECT DEADLINE-MS\n",
            argv[0]);
    return 2;
  }
  Implicit = (argv[3][0] == 'i');
  memset(&Cfg, 0, sizeof(Cfg));            /* fields a later version appends stay 0 */
  Cfg.Port                  = (unsigned)Port;
  Cfg.Tls.sCaFile           = argv[4];
  Cfg.Tls.sServerName       = argv[5];
  Cfg.Tls.pfGetTimeMs       = _GetTimeMs;
  Cfg.Tls.pfSetLowerTimeout = IP_SMTPC_POSIX_SetTimeout;
  Cfg.TlsError              = IP_SMTPC_MBEDTLS_ERR_NONE;
  aAddr[0].sName = NULL;
  aAddr[0].sAddr = argv[8];
  aAddr[0].Type  = SMTPC_REC_TYPE_FROM;
  aAddr[1].sName = NULL;
  aAddr[1].sAddr = argv[9];
  aAddr[1].Type  = SMTPC_REC_TYPE_TO;
  Message.sSubject          = argv[10];
  Message.sBody             = "Sent under a deadline.\n";
  Message.sBoundary         = NULL;
  Message.paMultipartItem   = NULL;
  Message.NumMultipartItems = 0u;
  Mta.sServer   = argv[1];
  Mta.sUser     = argv[6];
  Mta.sPass     = argv[7];
  Mta.SecPolicy = SMTPC_SEC_POLICY_SECURE_ONLY;
  r = IP_SMTPC_OptionsInit(&Options);
  if (r != 0) {
    fprintf(stderr, "IP_SMTPC_OptionsInit: %d\n", r);
    return 2;
  }
  Options.TlsMode        = Implicit ? IP_SMTPC_TLS_IMPLICIT : IP_SMTPC_TLS_STARTTLS_REQUIRED;
  Options.ReplyTimeoutMs = (U32)DeadlineMs;
  Options.pfGetTimeMs    = _GetTimeMs;
  Options.pfSetTimeout   = IP_SMTPC_MBEDTLS_SetTimeout;
  Options.pReport        = &Report;
  Report.paResult   = NULL;
  Report.NumResults = 0u;
  _pCfg = &Cfg;
  Start   = _GetTimeMs();
  r       = IP_SMTPC_SendEx(&_Api, aAddr, 2, &Message, &Mta, NULL, &Options);
  Elapsed = _GetTimeMs() - Start;
  _pCfg = NULL;
  printf("result=%d timeout=%d step=%u elapsed_ms=%u tls_error=%d (%s) %s\n", r,
         (r == IP_SMTPC_ERR_TIMEOUT) ? 1 : 0, (unsigned)Report.Step, (unsigned)Elapsed, Cfg.TlsError,
         IP_SMTPC_MBEDTLS_ErrorString(Cfg.TlsError), IP_SMTPC_ErrorString(r));
  return (r == 0) ? 0 : 3;
}

/*************************** End of file ****************************/
