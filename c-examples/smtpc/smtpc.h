/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * smtpc.h - what the files of smtpc share.
 *
 *   main.c      the steps: options, account, input, send, outcome
 *   options.c   the command line (--help, --version) into SMTPC_SETTINGS
 *   config.c    accounts from the configuration file into SMTPC_SETTINGS
 *   input.c     body, attachments, time zone: the message's parts
 *   message.c   -t: a complete message, its envelope, Bcc removed, Date and Message-ID
 *   session.c   the library's hooks (POSIX port, mbedTLS port), -v transcript
 *   outcome.c   exit status and the one-line diagnostic
 *   batch.c     --batch: several -t messages over one connection
 *   util.c      string helpers
 *   platform.c  what differs between POSIX and Windows
 *   mx.c        --mx: the MX resolver hook over libresolv (POSIX only)
 *   port.h      the transport port (POSIX or Winsock) under one name
 */
#ifndef SMTPC_H
#define SMTPC_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "IP_SMTPC.h"
#ifdef SMTPC_WITH_MBEDTLS
#include "ip_smtpc_mbedtls.h"
#endif

/*********************************************************************
*
*       Defines
*
**********************************************************************
*/

/* Exit statuses (documented in --help and smtpc.1). */
#define EXIT_SENT             0
#define EXIT_PARTIAL          1
#define EXIT_USAGE            2
#define EXIT_FAILED           3
#define EXIT_UNKNOWN          4
#define EXIT_TEMPFAIL         75        /* EX_TEMPFAIL of sysexits.h, as sendmail and msmtp */

#define SMTPC_CONTINUE        (-1)      /* "no exit status yet" */

#define DEFAULT_PORT          25u
#define DEFAULT_SMTPS_PORT    465u      /* with --tls implicit (RFC 8314)        */
#define DEFAULT_IO_TIMEOUT_MS 600000u   /* port I/O timeout without --timeout:
                                           RFC 5321 allows 10 min after the dot  */
#define DEFAULT_CONNECT_MS    30000u    /* TCP connect timeout without --timeout */
#define MAX_TIMEOUT_S         (0xFFFFFFFFu / 1000u)
#define TRACE_LINE_SIZE       1024u     /* longest transcript line shown whole  */
#define DEFAULT_CAFILE        "/etc/ssl/certs/ca-certificates.crt"  /* without --cafile */
#define TLS_DETAIL_SIZE       256u
#define SMTPC_STREAM_AFTER    0x80000u  /* a body over 512 KiB is streamed        */

#define SMTPC_MAX_CONFIG_VALUES 32u     /* config.c's values kept for the settings */

#define AUTH_ALL_BUILT        0u        /* IP_SMTPC_OPTIONS.AuthMechanisms: everything built */

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

/*
 * The body (--body, or the complete message of -t) as read before
 * connecting: the whole input when it ends within SMTPC_STREAM_AFTER bytes,
 * else those first bytes and the open input, which is streamed after them
 * while sending (never all of it in memory).
 */
typedef struct {
  char*       pData;              /* what was read, NUL-terminated (-t: prepared) */
  size_t      Len;
  FILE*       pRest;              /* NULL: pData is all; else streamed after it */
  const char* sPath;              /* the file's name, or "standard input"      */
  int         Streamed;           /* the stream began (it cannot be read again) */
  int         ReadErrno;          /* errno of a read error while streaming      */
  int         HasNul;             /* the streamed input had a NUL byte          */
} SMTPC_BODY;

/* One --attach FILE[,TYPE]: the open file, streamed by the item callback. */
typedef struct {
  char*       sPath;              /* the argument; ",TYPE" cut off when opened */
  FILE*       pFile;
  int         Streamed;           /* streamed before: rewind first             */
  int         ReadErrno;          /* errno of a read error, 0 = none           */
} ATTACHMENT;

/*
 * Everything the command line and the account say. Strings point into argv,
 * into the account (config.c keeps them) or into papOwned. Arrays have
 * room for argc + 1 entries: every option consumes at least one argument.
 */
typedef struct {
  /* server */
  const char*               sServer;
  unsigned                  Port;
  int                       HavePort;
  int                       TlsMode;          /* IP_SMTPC_TLS_*; 0 = not given */
  const char*               sCaFile;
  const char*               sTlsName;
  /* credentials */
  const char*               sUser;
  const char*               sPass;
  char*                     sPassOwned;       /* from password-command         */
  U32                       AuthMask;
  int                       AllowInsecureAuth;
  const char*               sOAuthToken;      /* --oauth-token / $SMTPC_OAUTH_TOKEN */
  /* message */
  const char*               sHelo;
  const char*               sFrom;
  const char*               sFromName;
  IP_SMTPC_MAIL_ADDR*       paAddr;           /* [0] = sender, filled by main  */
  int                       NumAddr;
  int                       MaxAddr;          /* entries paAddr has room for   */
  int                       ReadEnvelope;     /* -t: the body is a complete message */
  int                       Batch;            /* --batch: the operands are -t messages */
  char**                    pasBatchFile;     /* the operands (into argv)      */
  int                       NumBatchFiles;
  char*                     pMessageStore;    /* -t: addresses from its header */
  ATTACHMENT*               paAtt;
  IP_SMTPC_MULTIPART_ITEM*  paItem;           /* one per attachment            */
  int                       NumAttach;
  const char**              pasHeader;
  int                       NumHeaders;
  const char*               sSubject;
  const char*               sBodyPath;
  SMTPC_BODY                Body;             /* read by SMTPC_ReadBody        */
  const char*               sReplyTo;
  U8                        DsnNotify;        /* IP_SMTPC_DSN_NOTIFY_* bits    */
  U8                        DsnRet;           /* IP_SMTPC_DSN_RET_*; 0 = none  */
  U8                        DsnRequired;
  const char*               sDsnEnvId;
  const char*               sTz;              /* "+HHMM" as given, or NULL     */
  long                      TzOffsetSec;
  /* run */
  unsigned                  TimeoutS;         /* 0 = not given                 */
  int                       Verbose;
  const char*               sConfig;          /* --config                      */
  const char*               sAccount;         /* --account                     */
  char*                     apConfigValue[SMTPC_MAX_CONFIG_VALUES];  /* config.c's strings */
  char**                    papOwned;         /* freed by SMTPC_FreeSettings   */
  int                       NumOwned;
  int                       MaxEntries;
  /* MX routing (--mx) */
  const char*               sMxDomain;        /* --mx DOMAIN: send to its mail hosts */
  const char*               sDnsServer;       /* --dns-server / $SMTPC_DNS_SERVER    */
} SMTPC_SETTINGS;

typedef struct {
  char     acLine[TRACE_LINE_SIZE];
  unsigned Len;
  int      Truncated;
} TRACE_LINE;

typedef struct {
  U16   ReplyCode;
  char* sText;                    /* malloc'ed copy, NUL-terminated */
} REJECTION;

/* --batch: one message file, its settings (own addresses and text) and its results. */
typedef struct {
  const char*               sPath;
  SMTPC_SETTINGS            Settings;         /* a copy of the command line's, with its own
                                                 paAddr, pMessageStore and Body */
  IP_SMTPC_RCPT_RESULT*     paResult;         /* Settings.NumAddr entries */
  REJECTION*                paRejection;      /* Settings.NumAddr entries */
  IP_SMTPC_REPORT           Report;
  int                       Result;           /* IP_SMTPC_BATCH_MAIL.Result */
} SMTPC_BATCH_ENTRY;

/* Everything the hooks need during the send; they have no user pointer. */
typedef struct {
  const char*               sServer;
  unsigned                  Port;
  unsigned                  ConnectTimeoutMs;
  unsigned                  IoTimeoutMs;
  int                       Verbose;
  int                       ConnectErrno;
  int                       ResolveError;     /* getaddrinfo's error when the name failed */
  int                       StartTlsOffered;  /* an EHLO reply listed STARTTLS           */
  long                      TzOffsetSec;      /* added to UTC for the Date header */
  TRACE_LINE                aTrace[2];        /* [PORT_TRACE_SENT / _RECEIVED] */
  int                       Redacting;        /* inside an AUTH exchange              */
  int                       DataState;        /* 0 commands, 1 DATA sent, 2 message   */
  int                       InEhloReply;      /* the last command sent was EHLO       */
  const IP_SMTPC_MAIL_ADDR* paAddr;
  int                       NumAddr;
  REJECTION*                paRejection;      /* NumAddr entries, indexed like paAddr */
  int                       TlsMode;          /* IP_SMTPC_TLS_*                        */
  SMTPC_BATCH_ENTRY*        paBatch;          /* --batch: the mails, else NULL         */
  int                       NumBatch;
  int                       BatchIndex;       /* the mail in its transaction, -1 before */
#ifdef SMTPC_WITH_MBEDTLS
  IP_SMTPC_MBEDTLS_CONFIG   TlsConfig;
  int                       TlsError;         /* IP_SMTPC_MBEDTLS_ERR_* of the connection */
  char                      acTlsDetail[TLS_DETAIL_SIZE];
#endif
  int                       Mx;               /* --mx: sServer is the host connected last */
  char                      acMxHost[IP_SMTPC_MAX_DOMAIN_LEN + 1];
} SMTPC_CTX;

/*********************************************************************
*
*       Functions
*
**********************************************************************
*/

/* util.c */
int         SMTPC_Fail          (const char* sStep, const char* sWhat);
char*       SMTPC_DupN          (const char* s, size_t Len);
int         SMTPC_EqualNoCase   (const char* s, size_t Len, const char* sWord);
int         SMTPC_StartsWithNoCase(const char* s, size_t Len, const char* sPrefix);
int         SMTPC_ParseUnsigned (const char* s, unsigned long Min, unsigned long Max, unsigned long* pValue);
int         SMTPC_ParseTlsMode  (const char* s, int* pMode);
int         SMTPC_ParseAuthList (const char* sList, U32* pMask);
int         SMTPC_ParseDsnNotify(const char* sList, U8* pBits);
void        SMTPC_PutEscaped    (const char* s, size_t Len);
char*       SMTPC_Own           (SMTPC_SETTINGS* pSettings, const char* s);

/* platform.c */
struct stat;
U32         SMTPC_NowMs         (void);
U32         SMTPC_Seed          (void);
int         SMTPC_GmTime        (time_t Now, struct tm* pTm);
int         SMTPC_UtcOffset     (long* pOffsetSec);
int         SMTPC_ResolveError  (const char* sHost);
int         SMTPC_ResolveErrorIsTemporary(int Error);
const char* SMTPC_ResolveErrorString(int Error);
FILE*       SMTPC_POpen         (const char* sCommand);
int         SMTPC_PClose        (FILE* pPipe);
int         SMTPC_ReadableByOthers(const struct stat* pSt);
int         SMTPC_CanRead       (const char* sPath);
int         SMTPC_FStat         (FILE* pFile, struct stat* pSt);

/* options.c */
int         SMTPC_InitSettings  (SMTPC_SETTINGS* pSettings, int argc);
void        SMTPC_FreeSettings  (SMTPC_SETTINGS* pSettings);
int         SMTPC_ParseArgs     (SMTPC_SETTINGS* pSettings, int argc, char* argv[]);

/* config.c */
int         SMTPC_LoadAccount   (SMTPC_SETTINGS* pSettings);

/* input.c */
int         SMTPC_ParseTimezone (const char* s, long* pOffsetSec);
int         SMTPC_LocalTimezone (char* pBuf, size_t BufSize, long* pOffsetSec);
int         SMTPC_ReadBody      (const char* sPath, SMTPC_BODY* pBody);
void        SMTPC_StreamBody    (SMTPC_BODY* pBody, IP_SMTPC_MULTIPART_ITEM* pItem);
void        SMTPC_FreeBody      (SMTPC_BODY* pBody);
int         SMTPC_OpenAttachment(char* sArg, ATTACHMENT* pAtt, IP_SMTPC_MULTIPART_ITEM* pItem);
void        SMTPC_CloseAttachments(ATTACHMENT* paAtt, int NumAttach);

/* message.c */
int         SMTPC_PrepareMessage(SMTPC_SETTINGS* pSettings, SMTPC_BODY* pBody);

/* session.c */
int         SMTPC_Send          (SMTPC_CTX* pCtx, SMTPC_SETTINGS* pSettings, IP_SMTPC_REPORT* pReport);
int         SMTPC_SendMails     (SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, SMTPC_BATCH_ENTRY* paEntry,
                                 int NumMails);

/* batch.c */
int         SMTPC_RunBatch      (SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings);

/* mx.c (POSIX only) */
int         SMTPC_SetDnsServer  (const char* sSpec);
int         SMTPC_QueryMx       (const char* sDomain, U8* pAnswer, unsigned AnswerSize, void* pContext);
int         SMTPC_ResolveHost   (const char* sHost, char* acIp, size_t IpSize);

/* outcome.c */
int         SMTPC_Outcome       (const SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, int r,
                                 const IP_SMTPC_REPORT* pReport);

#endif  /* SMTPC_H */

/*************************** End of file ****************************/
