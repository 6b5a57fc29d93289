/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * emnet_sample.c - an application written the way emNet's SMTP client
 * sample is written (static const configuration tables, one call to
 * IP_SMTPC_Send()), running on a POSIX host over ip_smtpc_posix.
 *
 * Usage: emnet_sample [HOST [PORT [FROM [TO [CC [BCC]]]]]]
 *   Every argument is optional; an argument that is absent falls back to the
 *   environment (SMTP_SERVER, SMTP_PORT, SMTP_FROM, SMTP_TO, SMTP_CC,
 *   SMTP_BCC), then to the defaults below.
 * Exit status: 0 when IP_SMTPC_Send() returned 0, 1 otherwise.
 *
 * Build with -DIP_SMTPC_SAMPLE_USE_SEGGER_H to include SEGGER.h first, as
 * emNet application code does.
 */
#ifdef IP_SMTPC_SAMPLE_USE_SEGGER_H
#include "SEGGER.h"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_posix.h"

/*********************************************************************
*
*       Configuration
*
**********************************************************************
*/

#define SENDER_NAME        "Device"
#define SENDER_ADDR        "device@sample.com"
#define RECIPIENT_0_NAME   "Ops"
#define RECIPIENT_0_ADDR   "ops@sample.com"
#define RECIPIENT_1_NAME   "Service"
#define RECIPIENT_1_ADDR   "service@sample.com"
#define RECIPIENT_2_NAME   "Archive"
#define RECIPIENT_2_ADDR   "archive@sample.com"
#define SERVER_ADDR        "127.0.0.1"
#define SERVER_PORT        25u
#define SERVER_USER        NULL                  /* NULL: no authentication */
#define SERVER_PASS        NULL
#define OWN_DOMAIN         "sample.com"
#define UTC_OFFSET         "+0100"
#define TIMEOUT            10000u                /* ms, connect and I/O */

#ifndef SEGGER_COUNTOF
#define SEGGER_COUNTOF(a)  (sizeof((a)) / sizeof((a)[0]))
#endif

/*********************************************************************
*
*       Prototypes
*
**********************************************************************
*/

static SMTPC_SOCKET _Connect    (const char* sServer);
static U32          _GetTimeDate(void);
static int          _Callback   (int Stat, void* p);

/*********************************************************************
*
*       Static const data
*
**********************************************************************
*/

static const IP_SMTPC_MAIL_ADDR _aMailAddr[] = {
  { SENDER_NAME,      SENDER_ADDR,      SMTPC_REC_TYPE_FROM },   // Sender first.
  { RECIPIENT_0_NAME, RECIPIENT_0_ADDR, SMTPC_REC_TYPE_TO   },
  { RECIPIENT_1_NAME, RECIPIENT_1_ADDR, SMTPC_REC_TYPE_CC   },
  { RECIPIENT_2_NAME, RECIPIENT_2_ADDR, SMTPC_REC_TYPE_BCC  }
};

static const IP_SMTPC_MTA _MTAConfig = {
  SERVER_ADDR,                       // sServer
  SERVER_USER,                       // sUser
  SERVER_PASS,                       // sPass
  SMTPC_SEC_POLICY_ALLOW_INSECURE    // SecPolicy
};

static const IP_SMTPC_MESSAGE _Message = {
  "Sample mail",                                         // sSubject
  "Hello,\n"
  "\n"
  "this is a mail sent by the ip-smtpc emNet sample.\n"
  ".\n"
  "The line above is a single dot.\n",                   // sBody
  NULL,                                                  // sBoundary: no items
  NULL,                                                  // paMultipartItem
  0                                                      // NumMultipartItems
};

static const IP_SMTPC_API _IP_Api = {
  _Connect,                          // pfConnect
  IP_SMTPC_POSIX_Disconnect,         // pfDisconnect
  IP_SMTPC_POSIX_Send,               // pfSend
  IP_SMTPC_POSIX_Receive,            // pfReceive
  NULL,                              // pfUpgrade:   no TLS
  NULL                               // pfDowngrade
};

static const IP_SMTPC_APPLICATION _SMTPC_App = {
  _GetTimeDate,                      // pfGetTimeDate
  _Callback,                         // pfCallback
  OWN_DOMAIN,                        // sDomain
  UTC_OFFSET                         // sTimezone
};

/*********************************************************************
*
*       Static data
*
**********************************************************************
*/

static unsigned _ServerPort = SERVER_PORT;   // pfConnect has no port parameter.

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/*********************************************************************
*
*       _Connect()
*
*  Function description
*    pfConnect: resolves the server, connects to _ServerPort.
*/
static SMTPC_SOCKET _Connect(const char* sServer) {
  return IP_SMTPC_POSIX_Connect(sServer, _ServerPort, TIMEOUT);
}

/*********************************************************************
*
*       _GetTimeDate()
*
*  Function description
*    pfGetTimeDate: current time, FAT-packed:
*      Bit 0-4:   2-second count (0-29)
*      Bit 5-10:  Minutes (0-59)
*      Bit 11-15: Hours (0-23)
*      Bit 16-20: Day of month (1-31)
*      Bit 21-24: Month of year (1-12)
*      Bit 25-31: Count of years from 1980 (0-127)
*    The sample reports UTC shifted by UTC_OFFSET so Date is consistent.
*/
static U32 _GetTimeDate(void) {
  time_t     Now;
  struct tm* pTm;
  U32        r;

  Now = time(NULL) + 3600;                       // UTC_OFFSET "+0100"
  pTm = gmtime(&Now);
  if (pTm == NULL || pTm->tm_year < 80) {
    return (U32)((1u << 16) | (1u << 21));        // 1 Jan 1980 00:00:00
  }
  r  = (U32)(pTm->tm_sec / 2);
  r |= (U32)pTm->tm_min  << 5;
  r |= (U32)pTm->tm_hour << 11;
  r |= (U32)pTm->tm_mday << 16;
  r |= (U32)(pTm->tm_mon + 1) << 21;
  r |= (U32)(pTm->tm_year - 80) << 25;
  return r;
}

/*********************************************************************
*
*       _Callback()
*
*  Function description
*    pfCallback: progress. Only rejected recipients are logged here.
*/
static int _Callback(int Stat, void* p) {
  (void)p;
  if (Stat == IP_SMTPC_STAT_RCPT_REJECTED) {
    printf("SMTPC: a recipient was rejected.\n");
  }
  return 0;
}

/* argv[Index], else getenv(sEnv), else sDefault. */
static const char* _Arg(int argc, char* argv[], int Index, const char* sEnv, const char* sDefault) {
  const char* s;

  if (Index < argc) {
    return argv[Index];
  }
  s = getenv(sEnv);
  return (s != NULL) ? s : sDefault;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

int main(int argc, char* argv[]) {
  IP_SMTPC_MAIL_ADDR aMailAddr[SEGGER_COUNTOF(_aMailAddr)];
  IP_SMTPC_MTA       Mta;
  const char*        sPort;
  char*              pEnd;
  unsigned long      Port;
  int                r;

  //
  // Start from the const tables, then apply command line / environment.
  //
  memcpy(aMailAddr, _aMailAddr, sizeof(aMailAddr));
  Mta = _MTAConfig;
  Mta.sServer        = _Arg(argc, argv, 1, "SMTP_SERVER", SERVER_ADDR);
  sPort              = _Arg(argc, argv, 2, "SMTP_PORT",   NULL);
  aMailAddr[0].sAddr = _Arg(argc, argv, 3, "SMTP_FROM",   SENDER_ADDR);
  aMailAddr[1].sAddr = _Arg(argc, argv, 4, "SMTP_TO",     RECIPIENT_0_ADDR);
  aMailAddr[2].sAddr = _Arg(argc, argv, 5, "SMTP_CC",     RECIPIENT_1_ADDR);
  aMailAddr[3].sAddr = _Arg(argc, argv, 6, "SMTP_BCC",    RECIPIENT_2_ADDR);
  if (sPort != NULL) {
    Port = strtoul(sPort, &pEnd, 10);
    if (*sPort == '\0' || *pEnd != '\0' || Port == 0ul || Port > 65535ul) {
      printf("emnet_sample: bad port \"%s\"\n", sPort);
      return 1;
    }
    _ServerPort = (unsigned)Port;
  }
  printf("Sending mail via %s:%u.\n", Mta.sServer, _ServerPort);
  r = IP_SMTPC_Send(&_IP_Api, &aMailAddr[0], SEGGER_COUNTOF(aMailAddr), &_Message, &Mta, &_SMTPC_App);
  if (r != 0) {
    printf("Mail could not be sent: %d (%s).\n", r, IP_SMTPC_ErrorString(r));
    return 1;
  }
  printf("Mail sent: %d (%s).\n", r, IP_SMTPC_ErrorString(r));
  return 0;
}

/*************************** End of file ****************************/
