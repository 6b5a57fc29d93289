/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * session.c - smtpc: one IP_SMTPC_SendEx call and its hooks: the POSIX or
 * Winsock port (port.h; and the mbedTLS port above it with --tls), the Date clock, the
 * per-recipient callback and the -v transcript. The transcript hook always
 * runs: it also notes whether the server offered STARTTLS (for the hint
 * when AUTH is not offered in clear).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpc.h"
#include "port.h"

/*********************************************************************
*
*       Static data
*
**********************************************************************
*/

/*
 * pfConnect, pfGetTimeDate and pfCallback (emNet signatures) carry no user
 * pointer, so the one context of this process is reachable through this
 * pointer, set by SMTPC_Send for the duration of the send.
 */
static SMTPC_CTX* _pCtx;

#ifdef SMTPC_WITH_MBEDTLS
/* The plain connection below TLS: the POSIX port. */
static const IP_SMTPC_API _PlainApi = {
  NULL,                         /* pfConnect: not used by the mbedTLS port */
  PORT_Disconnect,
  PORT_Send,
  PORT_Receive,
  NULL,
  NULL
};
#endif

/*********************************************************************
*
*       Static code: transcript (-v) and STARTTLS detection
*
**********************************************************************
*/

/* One transcript line: prefix, escaped text, "..." when truncated. */
static void _PrintEscaped(int Verbose, const char* sPrefix, const char* s, unsigned Len, int Truncated) {
  if (!Verbose) {
    return;
  }
  fputs(sPrefix, stderr);
  SMTPC_PutEscaped(s, Len);
  if (Truncated) {
    fputs("...", stderr);
  }
  fputc('\n', stderr);
}

static void _EmitLine(SMTPC_CTX* pCtx, int Dir) {
  TRACE_LINE* pLine;
  const char* s;
  unsigned    Len;
  unsigned    i;

  pLine = &pCtx->aTrace[Dir];
  s     = pLine->acLine;
  Len   = pLine->Len;
  if (Len > 0u && s[Len - 1u] == '\r' && !pLine->Truncated) {
    Len--;
  }
  if (Dir == PORT_TRACE_SENT) {
    if (pCtx->DataState == 2) {
      //
      // Message content: shown as sent; "." ends it. No AUTH detection here.
      //
      _PrintEscaped(pCtx->Verbose, "C: ", s, Len, pLine->Truncated);
      if (Len == 1u && s[0] == '.') {
        pCtx->DataState = 0;
      }
    } else if (pCtx->Redacting) {
      _PrintEscaped(pCtx->Verbose, "C: <redacted>", "", 0u, 0);
    } else if (SMTPC_StartsWithNoCase(s, Len, "AUTH ")) {
      /* Show the mechanism name only: letters, digits, '-', '_'. */
      for (i = 5u; i < Len; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_')) {
          break;
        }
      }
      if (pCtx->Verbose) {
        fprintf(stderr, "C: AUTH %.*s <redacted>\n", (int)(i - 5u), s + 5);
      }
      pCtx->Redacting = 1;
    } else {
      _PrintEscaped(pCtx->Verbose, "C: ", s, Len, pLine->Truncated);
      pCtx->DataState   = (Len == 4u && SMTPC_EqualNoCase(s, 4u, "DATA")) ? 1 : 0;
      pCtx->InEhloReply = SMTPC_StartsWithNoCase(s, Len, "EHLO ");
    }
  } else {
    _PrintEscaped(pCtx->Verbose, "S: ", s, Len, pLine->Truncated);
    if (pCtx->InEhloReply && Len >= 12u && memcmp(s, "250", 3u) == 0 && (s[3] == '-' || s[3] == ' ')
        && SMTPC_EqualNoCase(s + 4, 8u, "STARTTLS") && (Len == 12u || s[12] == ' ')) {
      pCtx->StartTlsOffered = 1;
    }
    if (pCtx->Redacting && !(Len >= 3u && memcmp(s, "334", 3u) == 0)) {
      pCtx->Redacting = 0;
    }
    //
    // The message follows the 354. Other replies may come first (MAIL and
    // RCPT pipelined with DATA); after a refused DATA the next command the
    // client sends ends the state.
    //
    if (pCtx->DataState == 1 && Len >= 3u && memcmp(s, "354", 3u) == 0 && (Len == 3u || s[3] != '-')) {
      pCtx->DataState = 2;
    }
  }
  pLine->Len       = 0u;
  pLine->Truncated = 0;
}

/* IP_SMTPC_POSIX_TRACE_FUNC: assembles lines per direction. */
static void _Trace(void* pUser, int Dir, const char* pData, unsigned Len) {
  SMTPC_CTX*  pCtx;
  TRACE_LINE* pLine;
  const char* pEnd;
  unsigned    n;
  unsigned    Room;

  pCtx = (SMTPC_CTX*)pUser;
  if (pCtx == NULL || (Dir != PORT_TRACE_SENT && Dir != PORT_TRACE_RECEIVED)) {
    return;
  }
  pLine = &pCtx->aTrace[Dir];
  while (Len > 0u) {
    pEnd = (const char*)memchr(pData, '\n', Len);
    n    = (pEnd != NULL) ? (unsigned)(pEnd - pData) : Len;
    Room = (unsigned)sizeof(pLine->acLine) - pLine->Len;
    memcpy(pLine->acLine + pLine->Len, pData, (n < Room) ? n : Room);
    pLine->Len += (n < Room) ? n : Room;
    if (n > Room) {
      pLine->Truncated = 1;
    }
    if (pEnd == NULL) {
      break;
    }
    _EmitLine(pCtx, Dir);
    pData += n + 1u;
    Len   -= n + 1u;
  }
}

static void _FlushTrace(SMTPC_CTX* pCtx) {
  if (pCtx->aTrace[PORT_TRACE_RECEIVED].Len > 0u) {
    _EmitLine(pCtx, PORT_TRACE_RECEIVED);
  }
  if (pCtx->aTrace[PORT_TRACE_SENT].Len > 0u) {
    _EmitLine(pCtx, PORT_TRACE_SENT);
  }
}

/*********************************************************************
*
*       Static code: IP_SMTPC hooks
*
**********************************************************************
*/

static SMTPC_SOCKET _Connect(const char* sServer) {
  SMTPC_SOCKET hSock;
#ifndef _WIN32
  char         acIp[64];
  int          r;

  if (_pCtx->Mx) {
    //
    // --mx: the library names each mail host in turn; with --dns-server
    // its address comes from that server too.
    //
    (void)snprintf(_pCtx->acMxHost, sizeof(_pCtx->acMxHost), "%s", sServer);
    if (_pCtx->Verbose) {
      fprintf(stderr, "-- MX: trying %s\n", sServer);
    }
    r = SMTPC_ResolveHost(sServer, acIp, sizeof(acIp));
    if (r < 0) {
      _pCtx->ConnectErrno = ENOENT;
      return NULL;
    }
    if (r == 0) {
      sServer = acIp;
    }
  }
#endif
  hSock = PORT_Connect(sServer, _pCtx->Port, _pCtx->ConnectTimeoutMs);
  if (hSock == NULL) {
    _pCtx->ConnectErrno = errno;
    if (_pCtx->ConnectErrno == ENOENT) {
      _pCtx->ResolveError = SMTPC_ResolveError(sServer);
    }
    return NULL;
  }
  PORT_SetTimeout(hSock, _pCtx->IoTimeoutMs);
#ifdef SMTPC_WITH_MBEDTLS
  if (_pCtx->TlsMode != IP_SMTPC_TLS_NONE) {
    //
    // The TLS handle owns the plain one; the transcript shows the clear
    // text before and after the handshake.
    //
    hSock = IP_SMTPC_MBEDTLS_Open(&_PlainApi, hSock, &_pCtx->TlsConfig);
    if (hSock == NULL) {
      _pCtx->ConnectErrno = ENOMEM;
      return NULL;
    }
    IP_SMTPC_MBEDTLS_SetTrace(hSock, _Trace, _pCtx);
    return hSock;
  }
#endif
  PORT_SetTrace(hSock, _Trace, _pCtx);
  return hSock;
}

#ifdef SMTPC_WITH_MBEDTLS
/* Keeps the first TLS failure of the connection for the final message. */
static void _SaveTlsError(SMTPC_SOCKET hSock) {
  if (_pCtx->TlsError == IP_SMTPC_MBEDTLS_ERR_NONE) {
    _pCtx->TlsError = IP_SMTPC_MBEDTLS_LastError(hSock);
    (void)IP_SMTPC_MBEDTLS_GetDetail(hSock, _pCtx->acTlsDetail, sizeof(_pCtx->acTlsDetail));
  }
}

static int _Upgrade(SMTPC_SOCKET hSock, const char* sServer) {
  char acInfo[128];
  int  r;

  r = IP_SMTPC_MBEDTLS_Upgrade(hSock, sServer);
  if (r < 0) {
    _SaveTlsError(hSock);
  } else if (_pCtx->Verbose) {
    _FlushTrace(_pCtx);
    (void)IP_SMTPC_MBEDTLS_GetSessionInfo(hSock, acInfo, sizeof(acInfo));
    fprintf(stderr, "-- TLS: %s, certificate verified for %s\n", acInfo,
            (_pCtx->TlsConfig.sServerName != NULL) ? _pCtx->TlsConfig.sServerName : sServer);
  }
  return r;
}

static void _Disconnect(SMTPC_SOCKET hSock) {
  _SaveTlsError(hSock);
  IP_SMTPC_MBEDTLS_Disconnect(hSock);
}
#endif

/* Current time in the zone of the Date header, FAT-packed. */
static U32 _GetTimeDate(void) {
  struct tm Tm;
  time_t    Now;
  U32       Year;

  Now = time(NULL) + (time_t)_pCtx->TzOffsetSec;
  if (SMTPC_GmTime(Now, &Tm) != 0) {
    return 0u;
  }
  Year = (Tm.tm_year >= 80) ? (U32)(Tm.tm_year - 80) : 0u;
  if (Year > 127u) {
    Year = 127u;
  }
  return (U32)(Tm.tm_sec / 2)
       | ((U32)Tm.tm_min        << 5)
       | ((U32)Tm.tm_hour       << 11)
       | ((U32)Tm.tm_mday       << 16)
       | ((U32)(Tm.tm_mon + 1)  << 21)
       | (Year                  << 25);
}

static int _Callback(int Stat, void* p) {
  const IP_SMTPC_STATUS* pStatus;
  REJECTION*             pRej;

  pStatus = (const IP_SMTPC_STATUS*)p;
  if (Stat == IP_SMTPC_STAT_STEP && pStatus != NULL && pStatus->Step == IP_SMTPC_STEP_MAIL
      && _pCtx->paBatch != NULL && _pCtx->BatchIndex + 1 < _pCtx->NumBatch) {
    //
    // --batch: each mail's transaction starts with MAIL; its recipients'
    // rejections go to its own entry.
    //
    _pCtx->BatchIndex++;
    _pCtx->paRejection = _pCtx->paBatch[_pCtx->BatchIndex].paRejection;
    _pCtx->paAddr      = _pCtx->paBatch[_pCtx->BatchIndex].Settings.paAddr;
    _pCtx->NumAddr     = _pCtx->paBatch[_pCtx->BatchIndex].Settings.NumAddr;
    return 0;
  }
  if (Stat != IP_SMTPC_STAT_RCPT_REJECTED || pStatus == NULL || _pCtx->paRejection == NULL) {
    return 0;
  }
  if (pStatus->RecipientIndex < 1 || pStatus->RecipientIndex >= _pCtx->NumAddr) {
    return 0;
  }
  pRej = &_pCtx->paRejection[pStatus->RecipientIndex];
  free(pRej->sText);
  pRej->ReplyCode = pStatus->ReplyCode;
  pRej->sText     = SMTPC_DupN((pStatus->sText != NULL) ? pStatus->sText : "",
                          (pStatus->sText != NULL) ? (size_t)pStatus->TextLen : 0u);
  return 0;
}

/* What every send passes to the library besides the mail itself. */
typedef struct {
  IP_SMTPC_API         Api;
  IP_SMTPC_MTA         Mta;
  IP_SMTPC_APPLICATION App;
  IP_SMTPC_OPTIONS     Options;
} CALL;

/*
 * The hooks, the server and the options the settings describe, and the
 * context the hooks read; 0 or IP_SMTPC_OptionsInit's error.
 */
static int _Prepare(SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, CALL* pCall) {
  void (*pfSetTimeout)(SMTPC_SOCKET hSock, U32 RemainingMs);  /* of the handle's port */
  int  r;

  pCtx->sServer          = pSettings->sServer;
  pCtx->Port             = pSettings->Port;
  pCtx->Verbose          = pSettings->Verbose;
  pCtx->TzOffsetSec      = pSettings->TzOffsetSec;
  pCtx->TlsMode          = pSettings->TlsMode;
  pCtx->ConnectTimeoutMs = (pSettings->TimeoutS != 0u) ? pSettings->TimeoutS * 1000u : DEFAULT_CONNECT_MS;
  pCtx->IoTimeoutMs      = (pSettings->TimeoutS != 0u) ? pSettings->TimeoutS * 1000u : DEFAULT_IO_TIMEOUT_MS;
#ifdef SMTPC_WITH_MBEDTLS
  if (pSettings->TlsMode != IP_SMTPC_TLS_NONE) {
    pCtx->TlsConfig.sCaFile           = pSettings->sCaFile;
    pCtx->TlsConfig.sServerName       = pSettings->sTlsName;
    pCtx->TlsConfig.pfGetTimeMs       = SMTPC_NowMs;       /* deadlines inside TLS */
    pCtx->TlsConfig.pfSetLowerTimeout = PORT_SetTimeout;
    pCtx->TlsError                    = IP_SMTPC_MBEDTLS_ERR_NONE;
  }
#endif
  memset(pCall, 0, sizeof(*pCall));
  pCall->Api.pfConnect    = _Connect;
  pCall->Api.pfDisconnect = PORT_Disconnect;
  pCall->Api.pfSend       = PORT_Send;
  pCall->Api.pfReceive    = PORT_Receive;
  pCall->Api.pfUpgrade    = NULL;             /* no TLS in the POSIX port */
  pCall->Api.pfDowngrade  = NULL;
  pfSetTimeout            = PORT_SetTimeout;
#ifdef SMTPC_WITH_MBEDTLS
  if (pSettings->TlsMode != IP_SMTPC_TLS_NONE) {
    pCall->Api.pfDisconnect = _Disconnect;
    pCall->Api.pfSend       = IP_SMTPC_MBEDTLS_Send;
    pCall->Api.pfReceive    = IP_SMTPC_MBEDTLS_Receive;
    pCall->Api.pfUpgrade    = _Upgrade;
    pCall->Api.pfDowngrade  = IP_SMTPC_MBEDTLS_Downgrade;
    pfSetTimeout            = IP_SMTPC_MBEDTLS_SetTimeout;
  }
#endif
  pCall->Mta.sServer   = pSettings->sServer;
  pCall->Mta.sUser     = pSettings->sUser;
  pCall->Mta.sPass     = pSettings->sPass;
  pCall->Mta.SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE;
  pCall->App.pfGetTimeDate = _GetTimeDate;
  pCall->App.pfCallback    = _Callback;
  pCall->App.sDomain       = pSettings->sHelo;
  pCall->App.sTimezone     = pSettings->sTz;
  r = IP_SMTPC_OptionsInit(&pCall->Options);
  if (r != 0) {
    return r;
  }
  pCall->Options.AuthMechanisms    = pSettings->AuthMask;
  pCall->Options.AllowInsecureAuth = (U8)pSettings->AllowInsecureAuth;
  pCall->Options.sOAuthToken       = pSettings->sOAuthToken;
  pCall->Options.TlsMode           = (U8)pSettings->TlsMode;
  pCall->Options.sReplyTo          = pSettings->sReplyTo;
  pCall->Options.DsnNotify         = pSettings->DsnNotify;
  pCall->Options.DsnRet            = pSettings->DsnRet;
  pCall->Options.DsnRequired       = pSettings->DsnRequired;
  pCall->Options.sDsnEnvId         = pSettings->sDsnEnvId;
  pCall->Options.pasHeader         = (pSettings->NumHeaders > 0) ? pSettings->pasHeader : NULL;
  pCall->Options.NumHeaders        = (unsigned)pSettings->NumHeaders;
  pCall->Options.ReplyTimeoutMs    = (pSettings->TimeoutS != 0u) ? (U32)pCtx->IoTimeoutMs : 0u;
  pCall->Options.pfGetTimeMs       = SMTPC_NowMs;
  pCall->Options.pfSetTimeout      = (pSettings->TimeoutS != 0u) ? pfSetTimeout : NULL;  /* each wait ends by the deadline */
  pCall->Options.MessageIdSeed     = SMTPC_Seed();
  pCall->Options.RawMessage        = (U8)(pSettings->ReadEnvelope != 0);     /* -t: sent as given */
  return 0;
}

/* The subject, text and attachments of a mail. */
static void _Message(const SMTPC_SETTINGS* pSettings, IP_SMTPC_MESSAGE* pMessage) {
  memset(pMessage, 0, sizeof(*pMessage));
  pMessage->sSubject          = pSettings->sSubject;
  pMessage->sBody             = pSettings->Body.pData;
  pMessage->sBoundary         = NULL;             /* the library generates one */
  pMessage->paMultipartItem   = (pSettings->NumAttach > 0) ? pSettings->paItem : NULL;
  pMessage->NumMultipartItems = (unsigned)pSettings->NumAttach;
}

/* The per-recipient results and rejections of a mail of NumAddr entries; 0 or -1 (out of memory). */
static int _AllocResults(int NumAddr, IP_SMTPC_RCPT_RESULT** ppaResult, REJECTION** ppaRejection) {
  *ppaResult    = (IP_SMTPC_RCPT_RESULT*)calloc((size_t)NumAddr, sizeof(**ppaResult));
  *ppaRejection = (REJECTION*)calloc((size_t)NumAddr, sizeof(**ppaRejection));
  return (*ppaResult == NULL || *ppaRejection == NULL) ? -1 : 0;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * Sends the mail the settings describe with pSettings->Body as its text
 * (streamed when the input goes on after what was read: the library sends
 * a streamed text quoted-printable, a streamed -t message as it is); fills
 * *pCtx (for SMTPC_Outcome) and *pReport. Returns IP_SMTPC_SendEx's result.
 */
int SMTPC_Send(SMTPC_CTX* pCtx, SMTPC_SETTINGS* pSettings, IP_SMTPC_REPORT* pReport) {
  IP_SMTPC_MULTIPART_ITEM Stream;
  IP_SMTPC_MESSAGE        Message;
  IP_SMTPC_RCPT_RESULT*   paResult;
  CALL                    Call;
  int                     r;

  memset(pReport, 0, sizeof(*pReport));
  pCtx->paAddr  = pSettings->paAddr;
  pCtx->NumAddr = pSettings->NumAddr;
  if (_AllocResults(pSettings->NumAddr, &paResult, &pCtx->paRejection) != 0) {
    free(paResult);
    pReport->Step = IP_SMTPC_STEP_INPUT;
    return IP_SMTPC_ERR_APPLICATION_ABORT;
  }
  r = _Prepare(pCtx, pSettings, &Call);
  if (r != 0) {
    free(paResult);
    return r;
  }
  _Message(pSettings, &Message);
  Call.Options.pReport = pReport;
  if (pSettings->Body.pRest != NULL) {
    SMTPC_StreamBody(&pSettings->Body, &Stream);
    Message.sBody        = NULL;
    Call.Options.pBody   = &Stream;
  }
  pReport->paResult   = paResult;
  pReport->NumResults = (unsigned)pSettings->NumAddr;
  _pCtx = pCtx;
#ifndef _WIN32
  if (pSettings->sMxDomain != NULL) {
    IP_SMTPC_RESOLVER Resolver;

    Resolver.pfQueryMx = SMTPC_QueryMx;
    Resolver.pContext  = NULL;
    pCtx->Mx           = 1;
    pCtx->sServer      = pCtx->acMxHost;
    (void)snprintf(pCtx->acMxHost, sizeof(pCtx->acMxHost), "%s", pSettings->sMxDomain);
    r = IP_SMTPC_SendToDomain(&Call.Api, pSettings->paAddr, pSettings->NumAddr, &Message, &Call.Mta, &Call.App,
                              pSettings->sMxDomain, &Resolver, &Call.Options);
    if (pSettings->Verbose && pReport->NumHostsTried != 0u) {
      fprintf(stderr, "-- MX: %s was host %u in preference order\n", pCtx->acMxHost,
              (unsigned)pReport->NumHostsTried);
    }
  } else
#endif
  r = IP_SMTPC_SendEx(&Call.Api, pSettings->paAddr, pSettings->NumAddr, &Message, &Call.Mta, &Call.App,
                      &Call.Options);
  _FlushTrace(pCtx);
  _pCtx = NULL;
  pReport->paResult   = NULL;
  pReport->NumResults = 0u;
  free(paResult);
  return r;
}

/*
 * --batch: sends the NumMails prepared mails over one connection
 * (IP_SMTPC_SendBatch); the server, the account and the options of
 * pSettings apply to all. Fills each entry's Result, Report and
 * paRejection (the callback follows the mails in turn: each one's
 * transaction starts with the step MAIL). Returns the library's result.
 */
int SMTPC_SendMails(SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, SMTPC_BATCH_ENTRY* paEntry, int NumMails) {
  IP_SMTPC_BATCH_MAIL* paMail;
  IP_SMTPC_MESSAGE*    paMessage;
  CALL                 Call;
  int                  r;
  int                  i;

  paMail    = (IP_SMTPC_BATCH_MAIL*)calloc((size_t)NumMails, sizeof(*paMail));
  paMessage = (IP_SMTPC_MESSAGE*)calloc((size_t)NumMails, sizeof(*paMessage));
  r = (paMail == NULL || paMessage == NULL) ? IP_SMTPC_ERR_APPLICATION_ABORT : 0;
  for (i = 0; i < NumMails; i++) {
    paEntry[i].Result = IP_SMTPC_ERR_NOT_SENT;
  }
  for (i = 0; i < NumMails && r == 0; i++) {
    if (_AllocResults(paEntry[i].Settings.NumAddr, &paEntry[i].paResult, &paEntry[i].paRejection) != 0) {
      r = IP_SMTPC_ERR_APPLICATION_ABORT;
      break;
    }
    _Message(&paEntry[i].Settings, &paMessage[i]);
    memset(&paEntry[i].Report, 0, sizeof(paEntry[i].Report));
    paEntry[i].Report.paResult   = paEntry[i].paResult;
    paEntry[i].Report.NumResults = (unsigned)paEntry[i].Settings.NumAddr;
    paMail[i].paMailAddr  = paEntry[i].Settings.paAddr;
    paMail[i].NumMailAddr = paEntry[i].Settings.NumAddr;
    paMail[i].pMessage    = &paMessage[i];
    paMail[i].pReport     = &paEntry[i].Report;
  }
  if (r == 0) {
    r = _Prepare(pCtx, pSettings, &Call);
  }
  if (r == 0) {
    pCtx->paBatch    = paEntry;
    pCtx->NumBatch   = NumMails;
    pCtx->BatchIndex = -1;
    pCtx->paRejection = NULL;                /* until the first MAIL */
    _pCtx = pCtx;
    r = IP_SMTPC_SendBatch(&Call.Api, paMail, (unsigned)NumMails, &Call.Mta, &Call.App, &Call.Options);
    _FlushTrace(pCtx);
    _pCtx = NULL;
    pCtx->paBatch     = NULL;
    pCtx->paRejection = NULL;
    for (i = 0; i < NumMails; i++) {
      paEntry[i].Result = paMail[i].Result;
    }
  } else if (NumMails > 0) {
    paEntry[0].Result = r;                   /* nothing was sent: say why once */
  }
  for (i = 0; i < NumMails && paMail != NULL; i++) {
    paEntry[i].Report.paResult   = NULL;
    paEntry[i].Report.NumResults = 0u;
  }
  free(paMail);
  free(paMessage);
  return r;
}

/*************************** End of file ****************************/
