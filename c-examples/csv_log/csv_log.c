/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * csv_log.c - mails a sensor log as a CSV attachment. The rows are computed
 * while the mail is being sent: 100,000 of them, never held in memory.
 *
 *   csv_log SERVER PORT FROM TO [ROWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_posix.h"

typedef struct {
  unsigned NumRows;
} LOG_INFO;

static unsigned _Port;                  /* pfConnect gets no port: set in main() */

static SMTPC_SOCKET _Connect(const char* sServer) {
  return IP_SMTPC_POSIX_Connect(sServer, _Port, 10000u);
}

/* Date header: the current UTC time, FAT-packed as emNet expects. */
static U32 _GetTimeDate(void) {
  time_t    Now = time(NULL);
  struct tm Tm  = *gmtime(&Now);

  return (U32)(Tm.tm_sec / 2) | ((U32)Tm.tm_min << 5) | ((U32)Tm.tm_hour << 11)
       | ((U32)Tm.tm_mday << 16) | ((U32)(Tm.tm_mon + 1) << 21) | ((U32)(Tm.tm_year - 80) << 25);
}

/*
 * pfSendItem: streams the CSV through pAPI->pfSend, one row at a time. The
 * library base64-encodes it on the fly; nothing is buffered.
 */
static int _SendLog(IP_SMTPC_CONTEXT* pContext, const IP_SMTPC_MULTIPART_ITEM* pItem,
                    const IP_SMTPC_MULTIPART_API* pAPI) {
  static const char _acHeader[] = "time_s,temperature_c,pressure_hpa\r\n";
  const LOG_INFO*   pInfo = (const LOG_INFO*)pItem->pUserContext;
  char              acRow[48];
  unsigned          i;
  unsigned          Wave;
  unsigned          Temp;               /* hundredths of a degree */
  int               Len;

  pAPI->pfSend(pContext, _acHeader, sizeof(_acHeader) - 1u);
  for (i = 0u; i < pInfo->NumRows; i++) {
    Wave = i % 200u;                    /* a triangle wave between 21.50 and 24.50 */
    Temp = 2150u + 3u * ((Wave < 100u) ? Wave : 200u - Wave);
    Len  = snprintf(acRow, sizeof(acRow), "%u,%u.%02u,%u\r\n", i * 10u, Temp / 100u, Temp % 100u,
                    1009u + (i / 1000u) % 9u);
    if (Len < 0 || (unsigned)Len >= sizeof(acRow)) {
      return -1;                        /* the library abandons the mail */
    }
    pAPI->pfSend(pContext, acRow, (unsigned)Len);
  }
  return 0;
}

int main(int argc, char* argv[]) {
  static const IP_SMTPC_API _Api = {
    _Connect, IP_SMTPC_POSIX_Disconnect, IP_SMTPC_POSIX_Send, IP_SMTPC_POSIX_Receive, NULL, NULL
  };
  LOG_INFO                Info = { 100000u };
  IP_SMTPC_MULTIPART_ITEM Item = { "sensor-log.csv", &Info, "text/csv", _SendLog };
  IP_SMTPC_MAIL_ADDR      aAddr[2];
  IP_SMTPC_MESSAGE        Message = { "Sensor log", "The sensor log is attached.\n", NULL, &Item, 1u };
  IP_SMTPC_MTA            Mta = { NULL, NULL, NULL, SMTPC_SEC_POLICY_ALLOW_INSECURE };
  IP_SMTPC_APPLICATION    App = { _GetTimeDate, NULL, NULL, "+0000" };
  int                     r;

  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: csv_log SERVER PORT FROM TO [ROWS]\n");
    return 2;
  }
  _Port        = (unsigned)strtoul(argv[2], NULL, 10);
  Mta.sServer  = argv[1];
  aAddr[0]     = (IP_SMTPC_MAIL_ADDR){ "Sensor 7", argv[3], SMTPC_REC_TYPE_FROM };
  aAddr[1]     = (IP_SMTPC_MAIL_ADDR){ NULL,       argv[4], SMTPC_REC_TYPE_TO   };
  if (argc == 6) {
    Info.NumRows = (unsigned)strtoul(argv[5], NULL, 10);
  }
  r = IP_SMTPC_Send(&_Api, aAddr, 2, &Message, &Mta, &App);
  if (r != 0) {
    printf("Log not sent: %s\n", IP_SMTPC_ErrorString(r));
    return 1;
  }
  printf("Log sent: %u rows\n", Info.NumRows);
  return 0;
}

/*************************** End of file ****************************/
