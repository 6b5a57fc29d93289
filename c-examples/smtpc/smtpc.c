/*
 * smtpc.c - command-line mail sender on top of ip-smtpc and the POSIX port.
 *
 *   smtpc --server HOST [--port N] --from ADDR [options] --to ADDR [--to ADDR ...]
 *
 * Attachments (--attach) are streamed from their files while the message is
 * sent, 512 bytes at a time: memory use does not depend on their size. TLS
 * (--tls) comes from the mbedTLS port (ffi/ports/mbedtls) layered on the
 * POSIX port; without mbedTLS at build time only --tls none is built.
 *
 * Run "smtpc --help" for the options. Exit status:
 *   0  the server accepted the message for every recipient
 *   1  accepted for some recipients only (the rejected ones are listed)
 *   2  usage error or invalid input; nothing was sent
 *   3  not sent
 *   4  outcome unknown: the connection broke after the message was sent
 * On any non-zero status the last line on standard error is
 *   smtpc: <step>: <error>[: <reply code> <reply text>]
 * and for a failed TLS handshake
 *   smtpc: starttls|tls: TLS handshake failed: <class>: <mbedTLS's reason>
 * where <class> is "server certificate not trusted", "server certificate
 * does not match the host name", "TLS handshake failed" or "TLS setup failed".
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE           /* struct tm.tm_gmtoff (glibc) */
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_posix.h"
#ifdef SMTPC_WITH_MBEDTLS
#include "ip_smtpc_mbedtls.h"
#endif

/*********************************************************************
*
*       Defines
*
**********************************************************************
*/

#define EXIT_SENT             0
#define EXIT_PARTIAL          1
#define EXIT_USAGE            2
#define EXIT_FAILED           3
#define EXIT_UNKNOWN          4

#define DEFAULT_PORT          25u
#define DEFAULT_SMTPS_PORT    465u      /* with --tls implicit (RFC 8314)        */
#define DEFAULT_IO_TIMEOUT_MS 600000u   /* port I/O timeout without --timeout:
                                           RFC 5321 allows 10 min after the dot  */
#define DEFAULT_CONNECT_MS    30000u    /* TCP connect timeout without --timeout */
#define MAX_TIMEOUT_S         (0xFFFFFFFFu / 1000u)
#define TRACE_LINE_SIZE       1024u     /* longest transcript line shown whole  */
#define MAX_BODY_BYTES        0x7FFFFFFFul
#define ATTACH_CHUNK          512u      /* bytes read from an attachment at once */
#define DEFAULT_CAFILE        "/etc/ssl/certs/ca-certificates.crt"  /* without --cafile */
#define TLS_DETAIL_SIZE       256u

#define AUTH_ALL_BUILT        0u        /* IP_SMTPC_OPTIONS.AuthMechanisms: everything built */

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

/* One --attach FILE[,TYPE]: the open file, streamed by _SendFile. */
typedef struct {
  char*       sPath;              /* the argument; ",TYPE" cut off when opened */
  FILE*       pFile;
  int         Streamed;           /* _SendFile ran before: rewind first      */
  int         ReadErrno;          /* errno of a read error, 0 = none          */
} ATTACHMENT;

typedef struct {
  char     acLine[TRACE_LINE_SIZE];
  unsigned Len;
  int      Truncated;
} TRACE_LINE;

typedef struct {
  U16   ReplyCode;
  char* sText;                    /* malloc'ed copy, NUL-terminated */
} REJECTION;

/* Everything the hooks need; they have no user pointer, see _pCtx. */
typedef struct {
  const char*               sServer;
  unsigned                  Port;
  unsigned                  ConnectTimeoutMs;
  unsigned                  IoTimeoutMs;
  int                       Verbose;
  int                       ConnectErrno;
  long                      TzOffsetSec;      /* added to UTC for the Date header */
  TRACE_LINE                aTrace[2];        /* [IP_SMTPC_POSIX_TRACE_SENT / _RECEIVED] */
  int                       Redacting;        /* inside an AUTH exchange              */
  int                       DataState;        /* 0 commands, 1 DATA sent, 2 message   */
  const IP_SMTPC_MAIL_ADDR* paAddr;
  int                       NumAddr;
  REJECTION*                paRejection;      /* NumAddr entries, indexed like paAddr */
  unsigned                  SendCounter;      /* mixed into the Message-ID seed       */
  int                       TlsMode;          /* IP_SMTPC_TLS_*                        */
#ifdef SMTPC_WITH_MBEDTLS
  IP_SMTPC_MBEDTLS_CONFIG   TlsConfig;
  int                       TlsError;         /* IP_SMTPC_MBEDTLS_ERR_* of the connection */
  char                      acTlsDetail[TLS_DETAIL_SIZE];
#endif
} SMTPC_CTX;

/*********************************************************************
*
*       Static data
*
**********************************************************************
*/

/*
 * pfConnect, pfGetTimeDate and pfCallback (emNet signatures) carry no user
 * pointer, so the one context of this process is reachable through this
 * pointer, set in main() for the duration of the send.
 */
static SMTPC_CTX* _pCtx;

#ifdef SMTPC_WITH_MBEDTLS
/* The plain connection below TLS: the POSIX port. */
static const IP_SMTPC_API _PlainApi = {
  NULL,                         /* pfConnect: not used by the mbedTLS port */
  IP_SMTPC_POSIX_Disconnect,
  IP_SMTPC_POSIX_Send,
  IP_SMTPC_POSIX_Receive,
  NULL,
  NULL
};
#endif

enum {
  OPT_SERVER = 256, OPT_PORT, OPT_TLS, OPT_CAFILE, OPT_TLS_NAME, OPT_USER, OPT_PASS,
  OPT_OAUTH_TOKEN, OPT_AUTH, OPT_ALLOW_INSECURE_AUTH, OPT_HELO, OPT_FROM, OPT_FROM_NAME,
  OPT_TO, OPT_CC, OPT_BCC, OPT_SUBJECT, OPT_BODY, OPT_ATTACH, OPT_HEADER, OPT_REPLY_TO,
  OPT_TIMEOUT, OPT_TZ, OPT_HELP
};

static const struct option _aLongOption[] = {
  { "server",              required_argument, NULL, OPT_SERVER              },
  { "port",                required_argument, NULL, OPT_PORT                },
  { "tls",                 required_argument, NULL, OPT_TLS                 },
  { "cafile",              required_argument, NULL, OPT_CAFILE              },
  { "tls-name",            required_argument, NULL, OPT_TLS_NAME            },
  { "user",                required_argument, NULL, OPT_USER                },
  { "pass",                required_argument, NULL, OPT_PASS                },
  { "oauth-token",         required_argument, NULL, OPT_OAUTH_TOKEN         },
  { "auth",                required_argument, NULL, OPT_AUTH                },
  { "allow-insecure-auth", no_argument,       NULL, OPT_ALLOW_INSECURE_AUTH },
  { "helo",                required_argument, NULL, OPT_HELO                },
  { "from",                required_argument, NULL, OPT_FROM                },
  { "from-name",           required_argument, NULL, OPT_FROM_NAME           },
  { "to",                  required_argument, NULL, OPT_TO                  },
  { "cc",                  required_argument, NULL, OPT_CC                  },
  { "bcc",                 required_argument, NULL, OPT_BCC                 },
  { "subject",             required_argument, NULL, OPT_SUBJECT             },
  { "body",                required_argument, NULL, OPT_BODY                },
  { "attach",              required_argument, NULL, OPT_ATTACH              },
  { "header",              required_argument, NULL, OPT_HEADER              },
  { "reply-to",            required_argument, NULL, OPT_REPLY_TO            },
  { "timeout",             required_argument, NULL, OPT_TIMEOUT             },
  { "tz",                  required_argument, NULL, OPT_TZ                  },
  { "help",                no_argument,       NULL, OPT_HELP                },
  { NULL,                  0,                 NULL, 0                       }
};

static const char _sUsage[] =
  "usage: smtpc --server HOST [--port N] --from ADDR [options] --to ADDR [--to ADDR ...]\n"
  "  --server HOST          mail server host name or IP (required)\n"
  "  --port N               TCP port (default 25; 465 with --tls implicit)\n"
  "  --tls MODE             none (default), starttls (when offered), starttls-required,\n"
  "                         implicit (TLS from the first byte)\n"
  "  --cafile FILE          trusted CA certificates, PEM\n"
  "                         (default " DEFAULT_CAFILE ")\n"
  "  --tls-name NAME        name the server certificate must match (default: --server)\n"
  "  --user U / --pass P    credentials (P may also come from $SMTPC_PASS)\n"
  "  --auth LIST            allowed mechanisms, comma separated: PLAIN,LOGIN (default: all built)\n"
  "  --allow-insecure-auth  permit AUTH on a connection without TLS (refused otherwise)\n"
  "  --helo NAME            own domain for EHLO/HELO and the Message-ID\n"
  "  --from ADDR            sender ('' = null reverse-path MAIL FROM:<>)\n"
  "  --from-name NAME       sender's display name\n"
  "  --to ADDR[,NAME]       recipient, repeatable\n"
  "  --cc ADDR[,NAME]       copy recipient, repeatable\n"
  "  --bcc ADDR             blind recipient (never in the header), repeatable\n"
  "  --subject TEXT         subject\n"
  "  --body FILE            body text; '-' or absent = standard input\n"
  "  --attach FILE[,TYPE]   attachment, repeatable; TYPE default: from the extension\n"
  "  --header 'Name: value' extra header field, repeatable\n"
  "  --reply-to ADDR        Reply-To address\n"
  "  --timeout SECONDS      per-reply deadline (also bounds the TLS handshake and\n"
  "                         each TLS record) and socket I/O timeout\n"
  "                         (default: RFC 5321 deadlines, 600 s I/O, 30 s connect)\n"
  "  --tz +HHMM             time zone of the Date header (default: local)\n"
  "  -v                     print the SMTP transcript on standard error (credentials redacted)\n"
  "  --oauth-token: not built into this version\n"
  "exit status: 0 sent, 1 some recipients rejected, 2 usage/invalid input, 3 failed,\n"
  "             4 outcome unknown\n";

/*********************************************************************
*
*       Static code: helpers
*
**********************************************************************
*/

static int _Fail(const char* sStep, const char* sWhat) {
  fprintf(stderr, "smtpc: %s: %s\n", sStep, sWhat);
  return EXIT_USAGE;
}

static int _NotBuilt(const char* sOption) {
  fprintf(stderr, "smtpc: --%s: not built into this version\n", sOption);
  return EXIT_USAGE;
}

static char* _DupN(const char* s, size_t Len) {
  char* p;

  p = (char*)malloc(Len + 1u);
  if (p != NULL) {
    memcpy(p, s, Len);
    p[Len] = '\0';
  }
  return p;
}

static int _ToUpper(int c) {
  return (c >= 'a' && c <= 'z') ? (c - 'a' + 'A') : c;
}

/* ASCII case-insensitive comparison of s[0..Len) with the NUL-terminated sWord. */
static int _EqualNoCase(const char* s, size_t Len, const char* sWord) {
  size_t i;

  for (i = 0u; i < Len; i++) {
    if (sWord[i] == '\0' || _ToUpper((unsigned char)s[i]) != _ToUpper((unsigned char)sWord[i])) {
      return 0;
    }
  }
  return sWord[Len] == '\0';
}

static int _StartsWithNoCase(const char* s, size_t Len, const char* sPrefix) {
  size_t n;

  n = strlen(sPrefix);
  return (Len >= n) && _EqualNoCase(s, n, sPrefix);
}

/* Strict decimal parse: digits only, Min <= value <= Max. */
static int _ParseUnsigned(const char* s, unsigned long Min, unsigned long Max, unsigned long* pValue) {
  unsigned long v;

  if (s == NULL || *s == '\0') {
    return -1;
  }
  v = 0ul;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') {
      return -1;
    }
    if (v > (Max - (unsigned long)(*s - '0')) / 10ul) {
      return -1;
    }
    v = v * 10ul + (unsigned long)(*s - '0');
  }
  if (v < Min) {
    return -1;
  }
  *pValue = v;
  return 0;
}

/* "+HHMM" / "-HHMM" -> seconds east of UTC. */
static int _ParseTimezone(const char* s, long* pOffsetSec) {
  int i;
  long Hours;
  long Minutes;

  if (strlen(s) != 5u || (s[0] != '+' && s[0] != '-')) {
    return -1;
  }
  for (i = 1; i < 5; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
  }
  Hours   = (long)(s[1] - '0') * 10l + (long)(s[2] - '0');
  Minutes = (long)(s[3] - '0') * 10l + (long)(s[4] - '0');
  if (Hours > 23l || Minutes > 59l) {
    return -1;
  }
  *pOffsetSec = (Hours * 3600l + Minutes * 60l) * ((s[0] == '-') ? -1l : 1l);
  return 0;
}

/* Seconds east of UTC -> "+HHMM" (whole minutes, clamped to +-23:59); BufSize >= 6. */
static void _FormatTimezone(long OffsetSec, char* pBuf, size_t BufSize) {
  unsigned long Minutes;

  if (BufSize < 6u) {
    if (BufSize > 0u) {
      pBuf[0] = '\0';
    }
    return;
  }
  pBuf[0] = (OffsetSec < 0l) ? '-' : '+';
  Minutes = (unsigned long)((OffsetSec < 0l) ? -OffsetSec : OffsetSec) / 60ul;
  if (Minutes > 23ul * 60ul + 59ul) {
    Minutes = 23ul * 60ul + 59ul;
  }
  pBuf[1] = (char)('0' + (int)(Minutes / 600ul));
  pBuf[2] = (char)('0' + (int)((Minutes / 60ul) % 10ul));
  pBuf[3] = (char)('0' + (int)((Minutes % 60ul) / 10ul));
  pBuf[4] = (char)('0' + (int)(Minutes % 10ul));
  pBuf[5] = '\0';
}

/* --auth PLAIN,LOGIN -> IP_SMTPC_AUTH_* mask; -1 on an unknown name. */
static int _ParseAuthList(const char* sList, U32* pMask) {
  const char* s;
  const char* pEnd;
  size_t      Len;
  U32         Mask;

  Mask = 0u;
  s    = sList;
  for (;;) {
    pEnd = strchr(s, ',');
    Len  = (pEnd != NULL) ? (size_t)(pEnd - s) : strlen(s);
    if (_EqualNoCase(s, Len, "PLAIN")) {
      Mask |= (U32)IP_SMTPC_AUTH_PLAIN;
    } else if (_EqualNoCase(s, Len, "LOGIN")) {
      Mask |= (U32)IP_SMTPC_AUTH_LOGIN;
    } else {
      fprintf(stderr, "smtpc: input: --auth: unknown mechanism '%.*s' (this version has PLAIN, LOGIN)\n",
              (int)Len, s);
      return -1;
    }
    if (pEnd == NULL) {
      break;
    }
    s = pEnd + 1;
  }
  *pMask = Mask;
  return 0;
}

/*
 * Reads the whole body (a file or standard input) into a NUL-terminated
 * buffer. Returns 0 or EXIT_USAGE after printing why.
 */
static int _ReadBody(const char* sPath, char** ppBody) {
  FILE*  pFile;
  char*  pBuf;
  char*  pNew;
  size_t Cap;
  size_t Len;
  size_t n;
  int    r;

  r     = EXIT_USAGE;
  pBuf  = NULL;
  pFile = NULL;
  if (sPath == NULL || strcmp(sPath, "-") == 0) {
    sPath = "standard input";
    pFile = stdin;
  } else {
    pFile = fopen(sPath, "rb");
    if (pFile == NULL) {
      fprintf(stderr, "smtpc: input: --body %s: %s\n", sPath, strerror(errno));
      goto Cleanup;
    }
  }
  Cap = 4096u;
  Len = 0u;
  pBuf = (char*)malloc(Cap);
  if (pBuf == NULL) {
    fprintf(stderr, "smtpc: input: out of memory\n");
    goto Cleanup;
  }
  for (;;) {
    if (Cap - Len < 2u) {
      if (Cap > MAX_BODY_BYTES / 2u) {
        fprintf(stderr, "smtpc: input: body of %s is too large\n", sPath);
        goto Cleanup;
      }
      pNew = (char*)realloc(pBuf, Cap * 2u);
      if (pNew == NULL) {
        fprintf(stderr, "smtpc: input: out of memory\n");
        goto Cleanup;
      }
      pBuf = pNew;
      Cap *= 2u;
    }
    n = fread(pBuf + Len, 1u, Cap - Len - 1u, pFile);
    Len += n;
    if (n == 0u) {
      break;
    }
  }
  if (ferror(pFile)) {
    fprintf(stderr, "smtpc: input: reading %s: %s\n", sPath, strerror(errno));
    goto Cleanup;
  }
  if (memchr(pBuf, '\0', Len) != NULL) {
    fprintf(stderr, "smtpc: input: the body (%s) contains a NUL byte\n", sPath);
    goto Cleanup;
  }
  pBuf[Len] = '\0';
  *ppBody = pBuf;
  pBuf = NULL;
  r = 0;
Cleanup:
  if (pFile != NULL && pFile != stdin) {
    (void)fclose(pFile);
  }
  free(pBuf);
  return r;
}

static const char* _StepName(unsigned Step) {
  switch (Step) {
  case IP_SMTPC_STEP_CONNECT:     return "connect";
  case IP_SMTPC_STEP_GREETING:    return "greeting";
  case IP_SMTPC_STEP_EHLO:        return "ehlo";
  case IP_SMTPC_STEP_START_TLS:   return "starttls";
  case IP_SMTPC_STEP_AUTH:        return "auth";
  case IP_SMTPC_STEP_MAIL:        return "mail";
  case IP_SMTPC_STEP_RCPT:        return "rcpt";
  case IP_SMTPC_STEP_DATA:        return "data";
  case IP_SMTPC_STEP_END_OF_DATA: return "end-of-data";
  case IP_SMTPC_STEP_QUIT:        return "quit";
  case IP_SMTPC_STEP_DONE:        return "done";
  default:                        return "unknown";
  }
}

/* The part of a path after its last '/'. */
static const char* _BaseName(const char* sPath) {
  const char* s;

  s = strrchr(sPath, '/');
  return (s != NULL) ? s + 1 : sPath;
}

/* Content-Type from the file name's extension. */
static const char* _GuessType(const char* sName) {
  static const struct {
    const char* sExt;
    const char* sType;
  } _aType[] = {
    { "txt",  "text/plain"       },
    { "csv",  "text/csv"         },
    { "png",  "image/png"        },
    { "jpg",  "image/jpeg"       },
    { "jpeg", "image/jpeg"       },
    { "pdf",  "application/pdf"  },
    { "json", "application/json" },
  };
  const char* sDot;
  size_t      i;

  sDot = strrchr(sName, '.');
  if (sDot != NULL && sDot != sName) {
    for (i = 0u; i < sizeof(_aType) / sizeof(_aType[0]); i++) {
      if (_EqualNoCase(sDot + 1, strlen(sDot + 1), _aType[i].sExt)) {
        return _aType[i].sType;
      }
    }
  }
  return "application/octet-stream";
}

/*
 * pfSendItem of an attachment: streams the file in ATTACH_CHUNK pieces
 * (never the whole file in memory); -1 on a read error.
 */
static int _SendFile(IP_SMTPC_CONTEXT* pContext, const IP_SMTPC_MULTIPART_ITEM* pItem,
                     const IP_SMTPC_MULTIPART_API* pAPI) {
  ATTACHMENT* pAtt;
  char        acBuf[ATTACH_CHUNK];
  size_t      n;

  pAtt = (ATTACHMENT*)pItem->pUserContext;
  if (pAtt->Streamed && fseek(pAtt->pFile, 0L, SEEK_SET) != 0) {
    pAtt->ReadErrno = errno;
    return -1;
  }
  pAtt->Streamed = 1;
  do {
    n = fread(acBuf, 1u, sizeof(acBuf), pAtt->pFile);
    if (n > 0u) {
      pAPI->pfSend(pContext, acBuf, (unsigned)n);
    }
  } while (n == sizeof(acBuf));
  if (ferror(pAtt->pFile)) {
    pAtt->ReadErrno = (errno != 0) ? errno : EIO;
    return -1;
  }
  return 0;
}

/*
 * --attach FILE[,TYPE]: splits off TYPE (text after the last comma, when it
 * contains a '/'; a file name may itself contain commas), opens the file and
 * fills the library's item. Returns 0 or EXIT_USAGE after printing why.
 */
static int _OpenAttachment(char* sArg, ATTACHMENT* pAtt, IP_SMTPC_MULTIPART_ITEM* pItem) {
  struct stat St;
  char*       pComma;
  const char* sType;

  sType  = NULL;
  pComma = strrchr(sArg, ',');
  if (pComma != NULL && strchr(pComma + 1, '/') != NULL) {
    *pComma = '\0';
    sType   = pComma + 1;
  }
  pAtt->sPath = sArg;
  pAtt->pFile = fopen(sArg, "rb");
  if (pAtt->pFile == NULL) {
    fprintf(stderr, "smtpc: input: --attach %s: %s\n", sArg, strerror(errno));
    return EXIT_USAGE;
  }
  if (fstat(fileno(pAtt->pFile), &St) == 0 && S_ISDIR(St.st_mode)) {
    fprintf(stderr, "smtpc: input: --attach %s: is a directory\n", sArg);
    return EXIT_USAGE;
  }
  if (_BaseName(sArg)[0] == '\0') {
    fprintf(stderr, "smtpc: input: --attach %s: no file name\n", sArg);
    return EXIT_USAGE;
  }
  pItem->sFilename    = _BaseName(sArg);
  pItem->sContentType = (sType != NULL) ? sType : _GuessType(pItem->sFilename);
  pItem->pUserContext = pAtt;
  pItem->pfSendItem   = _SendFile;
  return 0;
}

/*********************************************************************
*
*       Static code: transcript (-v)
*
**********************************************************************
*/

/* Writes s[0..Len) to stderr with control characters and non-ASCII bytes
 * escaped as \xHH: server text never reaches the terminal raw. */
static void _PutEscaped(const char* s, size_t Len) {
  size_t        i;
  unsigned char c;

  for (i = 0u; i < Len; i++) {
    c = (unsigned char)s[i];
    if (c < 0x20u || c >= 0x7Fu) {
      fprintf(stderr, "\\x%02X", (unsigned)c);
    } else {
      fputc((int)c, stderr);
    }
  }
}

/* One transcript line: prefix, escaped text, "..." when truncated. */
static void _PrintEscaped(const char* sPrefix, const char* s, unsigned Len, int Truncated) {
  fputs(sPrefix, stderr);
  _PutEscaped(s, Len);
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
  if (Dir == IP_SMTPC_POSIX_TRACE_SENT) {
    if (pCtx->DataState == 2) {
      //
      // Message content: shown as sent; "." ends it. No AUTH detection here.
      //
      _PrintEscaped("C: ", s, Len, pLine->Truncated);
      if (Len == 1u && s[0] == '.') {
        pCtx->DataState = 0;
      }
    } else if (pCtx->Redacting) {
      fputs("C: <redacted>\n", stderr);
    } else if (_StartsWithNoCase(s, Len, "AUTH ")) {
      /* Show the mechanism name only: letters, digits, '-', '_'. */
      for (i = 5u; i < Len; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_')) {
          break;
        }
      }
      fprintf(stderr, "C: AUTH %.*s <redacted>\n", (int)(i - 5u), s + 5);
      pCtx->Redacting = 1;
    } else {
      _PrintEscaped("C: ", s, Len, pLine->Truncated);
      pCtx->DataState = (Len == 4u && _EqualNoCase(s, 4u, "DATA")) ? 1 : 0;
    }
  } else {
    _PrintEscaped("S: ", s, Len, pLine->Truncated);
    if (pCtx->Redacting && !(Len >= 3u && memcmp(s, "334", 3u) == 0)) {
      pCtx->Redacting = 0;
    }
    if (pCtx->DataState == 1 && !(Len >= 4u && memcmp(s, "354-", 4u) == 0)) {
      pCtx->DataState = (Len >= 3u && memcmp(s, "354", 3u) == 0) ? 2 : 0;
    }
  }
  pLine->Len       = 0u;
  pLine->Truncated = 0;
}

/* IP_SMTPC_POSIX_TRACE_FUNC: assembles lines per direction. */
static void _Trace(void* pUser, int Dir, const char* pData, unsigned Len) {
  SMTPC_CTX*  pCtx;
  TRACE_LINE* pLine;
  unsigned    i;

  pCtx = (SMTPC_CTX*)pUser;
  if (pCtx == NULL || (Dir != IP_SMTPC_POSIX_TRACE_SENT && Dir != IP_SMTPC_POSIX_TRACE_RECEIVED)) {
    return;
  }
  pLine = &pCtx->aTrace[Dir];
  for (i = 0u; i < Len; i++) {
    if (pData[i] == '\n') {
      _EmitLine(pCtx, Dir);
    } else if (pLine->Len < sizeof(pLine->acLine)) {
      pLine->acLine[pLine->Len++] = pData[i];
    } else {
      pLine->Truncated = 1;
    }
  }
}

static void _FlushTrace(SMTPC_CTX* pCtx) {
  if (pCtx->aTrace[IP_SMTPC_POSIX_TRACE_RECEIVED].Len > 0u) {
    _EmitLine(pCtx, IP_SMTPC_POSIX_TRACE_RECEIVED);
  }
  if (pCtx->aTrace[IP_SMTPC_POSIX_TRACE_SENT].Len > 0u) {
    _EmitLine(pCtx, IP_SMTPC_POSIX_TRACE_SENT);
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

  hSock = IP_SMTPC_POSIX_Connect(sServer, _pCtx->Port, _pCtx->ConnectTimeoutMs);
  if (hSock == NULL) {
    _pCtx->ConnectErrno = errno;
    return NULL;
  }
  IP_SMTPC_POSIX_SetTimeout(hSock, _pCtx->IoTimeoutMs);
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
    if (_pCtx->Verbose) {
      IP_SMTPC_MBEDTLS_SetTrace(hSock, _Trace, _pCtx);
    }
    return hSock;
  }
#endif
  if (_pCtx->Verbose) {
    IP_SMTPC_POSIX_SetTrace(hSock, _Trace, _pCtx);
  }
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
  if (gmtime_r(&Now, &Tm) == NULL) {
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

static U32 _GetTimeMs(void) {
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    return 0u;
  }
  return (U32)((unsigned long)ts.tv_sec * 1000ul + (unsigned long)(ts.tv_nsec / 1000000l));
}

static int _Callback(int Stat, void* p) {
  const IP_SMTPC_STATUS* pStatus;
  REJECTION*             pRej;

  pStatus = (const IP_SMTPC_STATUS*)p;
  if (Stat != IP_SMTPC_STAT_RCPT_REJECTED || pStatus == NULL || _pCtx->paRejection == NULL) {
    return 0;
  }
  if (pStatus->RecipientIndex < 1 || pStatus->RecipientIndex >= _pCtx->NumAddr) {
    return 0;
  }
  pRej = &_pCtx->paRejection[pStatus->RecipientIndex];
  free(pRej->sText);
  pRej->ReplyCode = pStatus->ReplyCode;
  pRej->sText     = _DupN((pStatus->sText != NULL) ? pStatus->sText : "",
                          (pStatus->sText != NULL) ? (size_t)pStatus->TextLen : 0u);
  return 0;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

int main(int argc, char* argv[]) {
  SMTPC_CTX             Ctx;
  IP_SMTPC_API          Api;
  IP_SMTPC_MTA          Mta;
  IP_SMTPC_MESSAGE      Message;
  IP_SMTPC_APPLICATION  App;
  IP_SMTPC_OPTIONS      Options;
  IP_SMTPC_REPORT       Report;
  void                (*pfSetTimeout)(SMTPC_SOCKET hSock, U32 RemainingMs);  /* of the handle's port */
  IP_SMTPC_MAIL_ADDR*   paAddr;
  IP_SMTPC_RCPT_RESULT* paResult;
  IP_SMTPC_MULTIPART_ITEM* paItem;     /* one per --attach                       */
  ATTACHMENT*           paAtt;
  const char**          pasHeader;     /* --header lines                          */
  char**                papOwned;      /* strings split off --to/--cc/--attach    */
  int                   NumOwned;
  int                   NumAddr;
  int                   NumAttach;
  int                   NumHeaders;
  const char*           sFrom;
  const char*           sFromName;
  const char*           sUser;
  const char*           sPass;
  const char*           sHelo;
  const char*           sSubject;
  const char*           sBodyPath;
  const char*           sTz;
  const char*           sReplyTo;
  const char*           sStep;
  const char*           sCaFile;
  const char*           sTlsName;
  char                  acTz[8];
  char*                 pBody;
  char*                 pComma;
  char*                 sCopy;
  U32                   AuthMask;
  int                   AllowInsecureAuth;
  int                   HaveTimeout;
  int                   HavePort;
  int                   Type;
  int                   Opt;
  int                   Exit;
  int                   r;
  int                   i;
  unsigned long         Value;
  long                  Offset;
  time_t                Now;
  struct tm             Tm;
  struct timespec       Ts;

  memset(&Ctx, 0, sizeof(Ctx));
  memset(&Report, 0, sizeof(Report));
  paAddr            = NULL;
  paResult          = NULL;
  paItem            = NULL;
  paAtt             = NULL;
  pasHeader         = NULL;
  papOwned          = NULL;
  pBody             = NULL;
  NumOwned          = 0;
  NumAddr           = 1;            /* entry 0 is the sender */
  NumAttach         = 0;
  NumHeaders        = 0;
  sFrom             = NULL;
  sFromName         = NULL;
  sUser             = NULL;
  sPass             = NULL;
  sHelo             = NULL;
  sSubject          = NULL;
  sBodyPath         = NULL;
  sTz               = NULL;
  sReplyTo          = NULL;
  sCaFile           = NULL;
  sTlsName          = NULL;
  AuthMask          = AUTH_ALL_BUILT;
  AllowInsecureAuth = 0;
  HaveTimeout       = 0;
  HavePort          = 0;
  Exit              = EXIT_USAGE;
  Ctx.Port             = DEFAULT_PORT;
  Ctx.ConnectTimeoutMs = DEFAULT_CONNECT_MS;
  Ctx.IoTimeoutMs      = DEFAULT_IO_TIMEOUT_MS;
  Ctx.ConnectErrno     = 0;
  Ctx.TlsMode          = IP_SMTPC_TLS_NONE;
  //
  // Every option consumes at least one argv element: argc bounds the entries.
  //
  paAddr    = (IP_SMTPC_MAIL_ADDR*)calloc((size_t)argc + 1u, sizeof(*paAddr));
  papOwned  = (char**)calloc((size_t)argc + 1u, sizeof(*papOwned));
  paItem    = (IP_SMTPC_MULTIPART_ITEM*)calloc((size_t)argc + 1u, sizeof(*paItem));
  paAtt     = (ATTACHMENT*)calloc((size_t)argc + 1u, sizeof(*paAtt));
  pasHeader = (const char**)calloc((size_t)argc + 1u, sizeof(*pasHeader));
  if (paAddr == NULL || papOwned == NULL || paItem == NULL || paAtt == NULL || pasHeader == NULL) {
    Exit = _Fail("input", "out of memory");
    goto Cleanup;
  }
  //
  // Command line.
  //
  opterr = 0;
  for (;;) {
    Opt = getopt_long(argc, argv, ":hv", _aLongOption, NULL);
    if (Opt == -1) {
      break;
    }
    switch (Opt) {
    case 'h':
    case OPT_HELP:
      fputs(_sUsage, stdout);
      Exit = EXIT_SENT;
      goto Cleanup;
    case 'v':
      Ctx.Verbose = 1;
      break;
    case OPT_SERVER:
      Ctx.sServer = optarg;
      break;
    case OPT_PORT:
      if (_ParseUnsigned(optarg, 1ul, 65535ul, &Value) != 0) {
        fprintf(stderr, "smtpc: input: --port: '%s' is not a port number (1-65535)\n", optarg);
        goto Cleanup;
      }
      Ctx.Port = (unsigned)Value;
      HavePort = 1;
      break;
    case OPT_TLS:
      if (strcmp(optarg, "none") == 0) {
        Ctx.TlsMode = IP_SMTPC_TLS_NONE;
      } else if (strcmp(optarg, "starttls") == 0) {
        Ctx.TlsMode = IP_SMTPC_TLS_STARTTLS;
      } else if (strcmp(optarg, "starttls-required") == 0) {
        Ctx.TlsMode = IP_SMTPC_TLS_STARTTLS_REQUIRED;
      } else if (strcmp(optarg, "implicit") == 0) {
        Ctx.TlsMode = IP_SMTPC_TLS_IMPLICIT;
      } else {
        fprintf(stderr, "smtpc: input: --tls: unknown mode '%s' (none, starttls, starttls-required, implicit)\n",
                optarg);
        goto Cleanup;
      }
#ifndef SMTPC_WITH_MBEDTLS
      if (Ctx.TlsMode != IP_SMTPC_TLS_NONE) {
        Exit = _NotBuilt("tls");
        goto Cleanup;
      }
#endif
      break;
    case OPT_CAFILE:
#ifndef SMTPC_WITH_MBEDTLS
      Exit = _NotBuilt("cafile");
      goto Cleanup;
#else
      sCaFile = optarg;
      break;
#endif
    case OPT_TLS_NAME:
#ifndef SMTPC_WITH_MBEDTLS
      Exit = _NotBuilt("tls-name");
      goto Cleanup;
#else
      sTlsName = optarg;
      break;
#endif
    case OPT_OAUTH_TOKEN:
      Exit = _NotBuilt("oauth-token");
      goto Cleanup;
    case OPT_ATTACH:
      sCopy = _DupN(optarg, strlen(optarg));
      if (sCopy == NULL) {
        Exit = _Fail("input", "out of memory");
        goto Cleanup;
      }
      papOwned[NumOwned++]    = sCopy;
      paAtt[NumAttach++].sPath = sCopy;   /* opened after the options */
      break;
    case OPT_HEADER:
      pasHeader[NumHeaders++] = optarg;  /* checked by the library */
      break;
    case OPT_REPLY_TO:
      sReplyTo = optarg;
      break;
    case OPT_USER:
      sUser = optarg;
      break;
    case OPT_PASS:
      sPass = optarg;
      break;
    case OPT_AUTH:
      if (_ParseAuthList(optarg, &AuthMask) != 0) {
        goto Cleanup;
      }
      break;
    case OPT_ALLOW_INSECURE_AUTH:
      AllowInsecureAuth = 1;
      break;
    case OPT_HELO:
      sHelo = optarg;
      break;
    case OPT_FROM:
      sFrom = optarg;
      break;
    case OPT_FROM_NAME:
      sFromName = optarg;
      break;
    case OPT_TO:
    case OPT_CC:
      Type  = (Opt == OPT_TO) ? SMTPC_REC_TYPE_TO : SMTPC_REC_TYPE_CC;
      sCopy = _DupN(optarg, strlen(optarg));
      if (sCopy == NULL) {
        Exit = _Fail("input", "out of memory");
        goto Cleanup;
      }
      papOwned[NumOwned++] = sCopy;
      paAddr[NumAddr].sAddr = sCopy;
      paAddr[NumAddr].sName = NULL;
      paAddr[NumAddr].Type  = Type;
      pComma = strchr(sCopy, ',');
      if (pComma != NULL) {
        *pComma = '\0';
        if (pComma[1] != '\0') {
          paAddr[NumAddr].sName = pComma + 1;
        }
      }
      NumAddr++;
      break;
    case OPT_BCC:
      paAddr[NumAddr].sAddr = optarg;
      paAddr[NumAddr].sName = NULL;
      paAddr[NumAddr].Type  = SMTPC_REC_TYPE_BCC;
      NumAddr++;
      break;
    case OPT_SUBJECT:
      sSubject = optarg;
      break;
    case OPT_BODY:
      sBodyPath = optarg;
      break;
    case OPT_TIMEOUT:
      if (_ParseUnsigned(optarg, 1ul, (unsigned long)MAX_TIMEOUT_S, &Value) != 0) {
        fprintf(stderr, "smtpc: input: --timeout: '%s' is not a number of seconds (1-%lu)\n",
                optarg, (unsigned long)MAX_TIMEOUT_S);
        goto Cleanup;
      }
      Ctx.IoTimeoutMs      = (unsigned)(Value * 1000ul);
      Ctx.ConnectTimeoutMs = Ctx.IoTimeoutMs;
      HaveTimeout          = 1;
      break;
    case OPT_TZ:
      if (_ParseTimezone(optarg, &Offset) != 0) {
        fprintf(stderr, "smtpc: input: --tz: '%s' is not +HHMM or -HHMM\n", optarg);
        goto Cleanup;
      }
      sTz             = optarg;
      Ctx.TzOffsetSec = Offset;
      break;
    case ':':
      fprintf(stderr, "smtpc: input: option '%s' needs an argument (see smtpc --help)\n", argv[optind - 1]);
      goto Cleanup;
    default:
      if (optopt != 0 && optopt < 256) {
        fprintf(stderr, "smtpc: input: unknown option '-%c' (see smtpc --help)\n", optopt);
      } else {
        fprintf(stderr, "smtpc: input: unknown option '%s' (see smtpc --help)\n", argv[optind - 1]);
      }
      goto Cleanup;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "smtpc: input: unexpected argument '%s' (see smtpc --help)\n", argv[optind]);
    goto Cleanup;
  }
  if (Ctx.sServer == NULL || Ctx.sServer[0] == '\0') {
    Exit = _Fail("input", "--server is required (see smtpc --help)");
    goto Cleanup;
  }
  if (sFrom == NULL) {
    Exit = _Fail("input", "--from is required (use --from '' for the null sender)");
    goto Cleanup;
  }
  if (NumAddr < 2) {
    Exit = _Fail("input", "at least one --to, --cc or --bcc is required");
    goto Cleanup;
  }
  if (sUser != NULL && sUser[0] != '\0') {
    if (sPass == NULL) {
      sPass = getenv("SMTPC_PASS");
    }
    if (sPass == NULL) {
      Exit = _Fail("input", "--user needs --pass or the environment variable SMTPC_PASS");
      goto Cleanup;
    }
  } else if (sPass != NULL) {
    Exit = _Fail("input", "--pass needs --user");
    goto Cleanup;
  }
  if (sTz == NULL) {
    //
    // Local time zone, from the C library.
    //
    Now = time(NULL);
    if (localtime_r(&Now, &Tm) == NULL) {
      Exit = _Fail("input", "cannot determine the local time zone (use --tz)");
      goto Cleanup;
    }
    Offset = (long)Tm.tm_gmtoff;
    _FormatTimezone(Offset, acTz, sizeof(acTz));
    sTz             = acTz;
    Ctx.TzOffsetSec = (Offset / 60l) * 60l;
  }
  paAddr[0].sAddr = sFrom;
  paAddr[0].sName = sFromName;
  paAddr[0].Type  = SMTPC_REC_TYPE_FROM;
  //
  // TLS: the CA file must be readable now, not after STARTTLS.
  //
  if (Ctx.TlsMode == IP_SMTPC_TLS_NONE) {
    if (sCaFile != NULL || sTlsName != NULL) {
      Exit = _Fail("input", "--cafile and --tls-name need --tls starttls, starttls-required or implicit");
      goto Cleanup;
    }
  } else {
#ifdef SMTPC_WITH_MBEDTLS
    if (sCaFile == NULL) {
      sCaFile = DEFAULT_CAFILE;
    }
    if (access(sCaFile, R_OK) != 0) {
      fprintf(stderr, "smtpc: input: --cafile %s: %s\n", sCaFile, strerror(errno));
      goto Cleanup;
    }
    if (sTlsName != NULL && (sTlsName[0] == '\0' || strlen(sTlsName) > IP_SMTPC_MBEDTLS_MAX_NAME_LEN)) {
      Exit = _Fail("input", "--tls-name: empty or too long");
      goto Cleanup;
    }
    Ctx.TlsConfig.sCaFile           = sCaFile;
    Ctx.TlsConfig.sServerName       = sTlsName;
    Ctx.TlsConfig.pfGetTimeMs       = _GetTimeMs;       /* deadlines inside TLS */
    Ctx.TlsConfig.pfSetLowerTimeout = IP_SMTPC_POSIX_SetTimeout;
    Ctx.TlsError              = IP_SMTPC_MBEDTLS_ERR_NONE;
#endif
    if (Ctx.TlsMode == IP_SMTPC_TLS_IMPLICIT && !HavePort) {
      Ctx.Port = DEFAULT_SMTPS_PORT;
    }
  }
  //
  // Attachments: every file must open before anything is sent.
  //
  for (i = 0; i < NumAttach; i++) {
    if (_OpenAttachment(paAtt[i].sPath, &paAtt[i], &paItem[i]) != 0) {
      goto Cleanup;
    }
  }
  //
  // Body, read whole.
  //
  if (_ReadBody(sBodyPath, &pBody) != 0) {
    goto Cleanup;
  }
  //
  // Per-recipient results and rejections.
  //
  paResult        = (IP_SMTPC_RCPT_RESULT*)calloc((size_t)NumAddr, sizeof(*paResult));
  Ctx.paRejection = (REJECTION*)calloc((size_t)NumAddr, sizeof(*Ctx.paRejection));
  if (paResult == NULL || Ctx.paRejection == NULL) {
    Exit = _Fail("input", "out of memory");
    goto Cleanup;
  }
  Ctx.paAddr  = paAddr;
  Ctx.NumAddr = NumAddr;
  //
  // The library's structures.
  //
  memset(&Api, 0, sizeof(Api));
  Api.pfConnect    = _Connect;
  Api.pfDisconnect = IP_SMTPC_POSIX_Disconnect;
  Api.pfSend       = IP_SMTPC_POSIX_Send;
  Api.pfReceive    = IP_SMTPC_POSIX_Receive;
  Api.pfUpgrade    = NULL;             /* no TLS in the POSIX port */
  Api.pfDowngrade  = NULL;
  pfSetTimeout     = IP_SMTPC_POSIX_SetTimeout;
#ifdef SMTPC_WITH_MBEDTLS
  if (Ctx.TlsMode != IP_SMTPC_TLS_NONE) {
    Api.pfDisconnect = _Disconnect;
    Api.pfSend       = IP_SMTPC_MBEDTLS_Send;
    Api.pfReceive    = IP_SMTPC_MBEDTLS_Receive;
    Api.pfUpgrade    = _Upgrade;
    Api.pfDowngrade  = IP_SMTPC_MBEDTLS_Downgrade;
    pfSetTimeout     = IP_SMTPC_MBEDTLS_SetTimeout;
  }
#endif
  memset(&Mta, 0, sizeof(Mta));
  Mta.sServer   = Ctx.sServer;
  Mta.sUser     = sUser;
  Mta.sPass     = sPass;
  Mta.SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE;
  memset(&Message, 0, sizeof(Message));
  Message.sSubject          = sSubject;
  Message.sBody             = pBody;
  Message.sBoundary         = NULL;             /* the library generates one */
  Message.paMultipartItem   = (NumAttach > 0) ? paItem : NULL;
  Message.NumMultipartItems = (unsigned)NumAttach;
  memset(&App, 0, sizeof(App));
  App.pfGetTimeDate = _GetTimeDate;
  App.pfCallback    = _Callback;
  App.sDomain       = sHelo;
  App.sTimezone     = sTz;
  r = IP_SMTPC_OptionsInit(&Options);
  if (r != 0) {
    Exit = _Fail("input", IP_SMTPC_ErrorString(r));
    goto Cleanup;
  }
  (void)clock_gettime(CLOCK_REALTIME, &Ts);
  Options.AuthMechanisms    = AuthMask;
  Options.AllowInsecureAuth = (U8)AllowInsecureAuth;
  Options.TlsMode           = (U8)Ctx.TlsMode;
  Options.sReplyTo          = sReplyTo;
  Options.pasHeader         = (NumHeaders > 0) ? pasHeader : NULL;
  Options.NumHeaders        = (unsigned)NumHeaders;
  Options.ReplyTimeoutMs    = HaveTimeout ? (U32)Ctx.IoTimeoutMs : 0u;
  Options.pfGetTimeMs       = _GetTimeMs;
  Options.pfSetTimeout      = HaveTimeout ? pfSetTimeout : NULL;  /* each wait ends by the deadline */
  Ctx.SendCounter++;
  Options.MessageIdSeed     = (U32)getpid() ^ (U32)Ts.tv_sec ^ (U32)Ts.tv_nsec ^ (U32)Ctx.SendCounter;
  Options.pReport           = &Report;
  Report.paResult   = paResult;
  Report.NumResults = (unsigned)NumAddr;
  //
  // Send.
  //
  _pCtx = &Ctx;
  r = IP_SMTPC_SendEx(&Api, paAddr, NumAddr, &Message, &Mta, &App, &Options);
  _FlushTrace(&Ctx);
  _pCtx = NULL;
  //
  // Outcome.
  //
  for (i = 1; i < NumAddr; i++) {
    if (Ctx.paRejection[i].ReplyCode != 0u) {
      fprintf(stderr, "smtpc: rejected: %s: %u ", paAddr[i].sAddr, (unsigned)Ctx.paRejection[i].ReplyCode);
      if (Ctx.paRejection[i].sText != NULL) {
        _PutEscaped(Ctx.paRejection[i].sText, strlen(Ctx.paRejection[i].sText));
      }
      fputc('\n', stderr);
    }
  }
  if (r == 0) {
    Exit = EXIT_SENT;
    goto Cleanup;
  }
  if (r == IP_SMTPC_ERR_PARTIAL_DELIVERY) {
    Exit = EXIT_PARTIAL;
  } else if (r <= -1 && r >= -19) {
    Exit = EXIT_USAGE;
  } else if (r == IP_SMTPC_ERR_OUTCOME_UNKNOWN) {
    Exit = EXIT_UNKNOWN;
  } else {
    Exit = EXIT_FAILED;
  }
  if (r == IP_SMTPC_ERR_CONNECT && Ctx.Verbose && Ctx.ConnectErrno != 0) {
    //
    // The port reports a name that does not resolve as ENOENT.
    //
    fprintf(stderr, "smtpc: connecting to %s port %u: %s\n", Ctx.sServer, Ctx.Port,
            (Ctx.ConnectErrno == ENOENT) ? "host name not found" : strerror(Ctx.ConnectErrno));
  }
  for (i = 0; i < NumAttach; i++) {
    if (paAtt[i].ReadErrno != 0) {
      fprintf(stderr, "smtpc: reading attachment %s: %s\n", paAtt[i].sPath, strerror(paAtt[i].ReadErrno));
    }
  }
  Report.acReply[sizeof(Report.acReply) - 1u] = '\0';
  if (Exit == EXIT_USAGE) {
    sStep = "input";
  } else if (Report.Step == IP_SMTPC_STEP_START_TLS && Ctx.TlsMode == IP_SMTPC_TLS_IMPLICIT) {
    sStep = "tls";                  /* the handshake before the greeting */
  } else {
    sStep = _StepName(Report.Step);
  }
  fprintf(stderr, "smtpc: %s: %s", sStep, IP_SMTPC_ErrorString(r));
#ifdef SMTPC_WITH_MBEDTLS
  if (r == IP_SMTPC_ERR_TLS_HANDSHAKE && Ctx.TlsError != IP_SMTPC_MBEDTLS_ERR_NONE) {
    //
    // The class (certificate / host name / handshake) and mbedTLS's words;
    // the 220 that preceded the handshake decided nothing.
    //
    fprintf(stderr, ": %s", IP_SMTPC_MBEDTLS_ErrorString(Ctx.TlsError));
    if (Ctx.acTlsDetail[0] != '\0') {
      fputs(": ", stderr);
      _PutEscaped(Ctx.acTlsDetail, strlen(Ctx.acTlsDetail));
    }
    fputc('\n', stderr);
    goto Cleanup;
  }
#endif
  if (Exit != EXIT_USAGE && Report.ReplyCode != 0u) {
    fprintf(stderr, ": %u ", (unsigned)Report.ReplyCode);
    _PutEscaped(Report.acReply, strlen(Report.acReply));
  }
  fputc('\n', stderr);
Cleanup:
  if (Ctx.paRejection != NULL) {
    for (i = 0; i < Ctx.NumAddr; i++) {
      free(Ctx.paRejection[i].sText);
    }
    free(Ctx.paRejection);
  }
  if (papOwned != NULL) {
    for (i = 0; i < NumOwned; i++) {
      free(papOwned[i]);
    }
    free(papOwned);
  }
  if (paAtt != NULL) {
    for (i = 0; i < NumAttach; i++) {
      if (paAtt[i].pFile != NULL) {
        (void)fclose(paAtt[i].pFile);
      }
    }
  }
  free(paAtt);
  free(paItem);
  free(pasHeader);
  free(paResult);
  free(paAddr);
  free(pBody);
  return Exit;
}

/*************************** End of file ****************************/
