/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * mbedtls_static.c - the mbedTLS port as firmware uses it, against the
 * Postfix test bed: handle and mbedTLS contexts in a caller-provided
 * IP_SMTPC_MBEDTLS_SESSION (on this function's stack, as on a task's), the CA
 * from a buffer (the test bed's CA file read into memory first, as if it
 * were in flash), an entropy hook, deadlines. Built twice by
 * tests/c/tests.cmake: against the host library (ip_smtpc_mbedtls), and with
 * the port's source compiled in the firmware configuration
 * (IP_SMTPC_MBEDTLS_HEAP=0, _FILE_SYSTEM=0, _INET_PTON=0).
 *
 * Usage: ip_smtpc_mbedtls_static CASE OTHER-CA-PEM
 *   starttls-pem    STARTTLS on the submission port, AUTH, CA as PEM
 *   implicit-der    implicit TLS on the smtps port, CA as DER (in place)
 *   implicit-ip     implicit TLS, certificate checked for 127.0.0.1 (the
 *                   IP literal parser; the test bed's certificate has
 *                   that iPAddress)
 *   wrong-ca        STARTTLS, OTHER-CA-PEM (a CA that did not issue the
 *                   server's certificate): CERT_UNTRUSTED, nothing sent
 *   wrong-ip        implicit TLS, expected name ::1: NAME_MISMATCH
 *   pem-no-nul      PEM passed with CaLen = strlen: SETUP, nothing sent
 *   heap-starttls   IP_SMTPC_MBEDTLS_Open (the calloc path), CA as PEM
 *                   (host library only): for comparison
 * Delivered mails are looked up in the test bed's Maildir by a unique
 * token in the subject.
 *
 * Allocations: the link wraps malloc, calloc, realloc and free
 * (-Wl,--wrap=...), so every call from a statically linked object - the
 * port, the library, this program, the POSIX port - comes through
 * __wrap_*. Calls made inside the POSIX port's connect and disconnect (its
 * context, getaddrinfo) are counted as the lower port's; every other
 * wrapped call is the port's (or the library's) own and must be 0 on the
 * static path. mbedTLS is a shared library, so its calls reach the
 * allocator directly: under ASan a malloc/free hook sees them, and they are
 * reported (count, peak bytes, bytes a live session holds, largest block).
 *
 * Exit status: 0 passed, 1 failed, 2 usage, 77 the test bed is not running.
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, nanosleep */
#endif

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_mbedtls.h"
#include "ip_smtpc_posix.h"

#define CONNECT_TIMEOUT_MS   10000u
#define REPLY_TIMEOUT_MS     20000u
#define CA_MAX               16384u       /* bytes of CA PEM read */
#define ENV_MAX              32u
#define ENV_LINE_MAX         512u
#define MAIL_MAX             65536u       /* bytes of a delivered mail searched */
#define TLS_NAME             "mail.ip-smtpc.test"
#define SKIP                 77

#ifndef IP_SMTPC_TEST_HEAP
#define IP_SMTPC_TEST_HEAP   1            /* the port was built with IP_SMTPC_MBEDTLS_Open */
#endif

/*********************************************************************
*
*       Allocation counting
*
**********************************************************************
*/

typedef struct {
  int      InLower;        /* inside the POSIX port's connect / disconnect */
  unsigned PortCalls;      /* wrapped allocations outside it               */
  unsigned LowerCalls;     /* wrapped allocations inside it                */
  unsigned long LowerBytes;
  int      Measuring;      /* the ASan hook counts                        */
  unsigned HookCalls;      /* every allocation while measuring            */
  long     CurBytes;
  long     PeakBytes;
  long     CurBlocks;
  long     PeakBlocks;     /* blocks allocated when the peak was reached   */
  unsigned long LargestBlock;
} ALLOC_STATS;

/* The counters (the wrappers and hooks get no user pointer). */
static ALLOC_STATS* _pStats;

void* __real_malloc(size_t Size);
void* __real_calloc(size_t Num, size_t Size);
void* __real_realloc(void* p, size_t Size);
void  __real_free(void* p);
void* __wrap_malloc(size_t Size);
void* __wrap_calloc(size_t Num, size_t Size);
void* __wrap_realloc(void* p, size_t Size);
void  __wrap_free(void* p);

static void _CountWrapped(size_t Size) {
  if (_pStats == NULL) {
    return;
  }
  if (_pStats->InLower) {
    _pStats->LowerCalls++;
    _pStats->LowerBytes += (unsigned long)Size;
  } else {
    _pStats->PortCalls++;
  }
}

void* __wrap_malloc(size_t Size) {
  _CountWrapped(Size);
  return __real_malloc(Size);
}

void* __wrap_calloc(size_t Num, size_t Size) {
  _CountWrapped(Num * Size);
  return __real_calloc(Num, Size);
}

void* __wrap_realloc(void* p, size_t Size) {
  _CountWrapped(Size);
  return __real_realloc(p, Size);
}

void __wrap_free(void* p) {
  __real_free(p);
}

/* ASan's allocator hooks (sanitizer/allocator_interface.h); absent without ASan. */
extern int    __sanitizer_install_malloc_and_free_hooks(void (*pfMalloc)(const volatile void* p, size_t Size),
                                                        void (*pfFree)(const volatile void* p))
                                                        __attribute__((weak));
extern size_t __sanitizer_get_allocated_size(const volatile void* p) __attribute__((weak));

static void _HookMalloc(const volatile void* p, size_t Size) {
  (void)p;
  if (_pStats == NULL || !_pStats->Measuring || _pStats->InLower) {
    return;
  }
  _pStats->HookCalls++;
  _pStats->CurBytes += (long)Size;
  _pStats->CurBlocks++;
  if (_pStats->CurBytes > _pStats->PeakBytes) {
    _pStats->PeakBytes  = _pStats->CurBytes;
    _pStats->PeakBlocks = _pStats->CurBlocks;
  }
  if ((unsigned long)Size > _pStats->LargestBlock) {
    _pStats->LargestBlock = (unsigned long)Size;
  }
}

static void _HookFree(const volatile void* p) {
  if (_pStats == NULL || !_pStats->Measuring || _pStats->InLower || p == NULL) {
    return;
  }
  _pStats->CurBytes -= (long)__sanitizer_get_allocated_size(p);
  _pStats->CurBlocks--;
}

/*********************************************************************
*
*       Test bed, hooks
*
**********************************************************************
*/

typedef struct {
  char acName[64];
  char acValue[256];
} ENV_VAR;

typedef struct {
  ENV_VAR  aVar[ENV_MAX];
  unsigned NumVars;
} TESTBED_ENV;

/* What the hooks need (emNet's hooks carry no user pointer). */
typedef struct {
  unsigned                  Port;
  int                       Static;       /* OpenStatic (1) or Open (0) */
  IP_SMTPC_MBEDTLS_SESSION* pSession;
  IP_SMTPC_MBEDTLS_CONFIG   Tls;
  int                       TlsError;     /* IP_SMTPC_MBEDTLS_ERR_* at disconnect */
  char                      acDetail[256];
  int                       WasSecure;
  long                      HeldBytes;    /* mbedTLS heap while the session is up */
  unsigned                  EntropyCalls;
  char                      acSession[128];  /* protocol and cipher suite */
  int                       Opened;       /* OpenStatic succeeded: the session is valid */
} CONN_CFG;

static CONN_CFG* _pCfg;

static void _LowerDisconnect(SMTPC_SOCKET hSock) {
  _pStats->InLower = 1;
  IP_SMTPC_POSIX_Disconnect(hSock);
  _pStats->InLower = 0;
}

/* The plain connection below TLS; its disconnect is counted as the lower port's. */
static const IP_SMTPC_API _PlainApi = {
  NULL, _LowerDisconnect, IP_SMTPC_POSIX_Send, IP_SMTPC_POSIX_Receive, NULL, NULL
};

static U32 _GetTimeMs(void) {
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    return 0u;
  }
  return (U32)((unsigned long)ts.tv_sec * 1000ul + (unsigned long)(ts.tv_nsec / 1000000l));
}

/* pfEntropy: the host's random source (firmware: its TRNG); allocates nothing. */
static int _Entropy(void* pUser, unsigned char* pBuf, size_t BufLen, size_t* pOutLen) {
  CONN_CFG* pCfg;
  ssize_t   n;

  pCfg = (CONN_CFG*)pUser;
  n    = getrandom(pBuf, BufLen, 0u);
  if (n < 0) {
    return -1;
  }
  *pOutLen = (size_t)n;
  pCfg->EntropyCalls++;
  return 0;
}

static SMTPC_SOCKET _Connect(const char* sServer) {
  SMTPC_SOCKET hPlain;
  SMTPC_SOCKET hSock;

  _pStats->InLower = 1;
  hPlain = IP_SMTPC_POSIX_Connect(sServer, _pCfg->Port, CONNECT_TIMEOUT_MS);
  _pStats->InLower = 0;
  if (hPlain == NULL) {
    return NULL;
  }
  if (_pCfg->Static) {
    hSock = IP_SMTPC_MBEDTLS_OpenStatic(_pCfg->pSession, &_PlainApi, hPlain, &_pCfg->Tls);
    _pCfg->Opened = (hSock != NULL);
    return hSock;
  }
#if IP_SMTPC_TEST_HEAP
  return IP_SMTPC_MBEDTLS_Open(&_PlainApi, hPlain, &_pCfg->Tls);
#else
  _LowerDisconnect(hPlain);
  return NULL;
#endif
}

static void _Downgrade(SMTPC_SOCKET hSock) {
  _pCfg->WasSecure = IP_SMTPC_MBEDTLS_IsSecure(hSock);
  _pCfg->HeldBytes = _pStats->CurBytes;      /* the session up, before close_notify */
  (void)IP_SMTPC_MBEDTLS_GetSessionInfo(hSock, _pCfg->acSession, sizeof(_pCfg->acSession));
  IP_SMTPC_MBEDTLS_Downgrade(hSock);
}

static void _Disconnect(SMTPC_SOCKET hSock) {
  _pCfg->TlsError = IP_SMTPC_MBEDTLS_LastError(hSock);
  (void)IP_SMTPC_MBEDTLS_GetDetail(hSock, _pCfg->acDetail, sizeof(_pCfg->acDetail));
  IP_SMTPC_MBEDTLS_Disconnect(hSock);
}

/* Reads the test bed's env file ("export NAME=value" lines). Returns 0, -1 missing, -2 malformed. */
static int _LoadEnv(TESTBED_ENV* pEnv) {
  char        acPath[256];
  char        acLine[ENV_LINE_MAX];
  const char* sDir;
  FILE*       pFile;
  char*       pEq;
  size_t      Len;
  ENV_VAR*    pVar;
  int         r;

  r    = 0;
  sDir = getenv("SMTPC_TESTBED_DIR");
  if (sDir == NULL || sDir[0] == '\0') {
    sDir = "/tmp/ip-smtpc-testbed";
  }
  if ((unsigned)snprintf(acPath, sizeof(acPath), "%s/env", sDir) >= sizeof(acPath)) {
    return -2;
  }
  pFile = fopen(acPath, "r");
  if (pFile == NULL) {
    printf("SKIP: the Postfix test bed is not running (%s is missing)\n", acPath);
    return -1;
  }
  pEnv->NumVars = 0u;
  while (fgets(acLine, sizeof(acLine), pFile) != NULL) {
    Len = strcspn(acLine, "\r\n");
    if (acLine[Len] == '\0' && !feof(pFile)) {
      //
      // A line longer than acLine (the OAuth test token): not one of ours;
      // skip the rest of it.
      //
      while (fgets(acLine, sizeof(acLine), pFile) != NULL && acLine[strcspn(acLine, "\n")] == '\0') {
      }
      continue;
    }
    if (strncmp(acLine, "export ", 7u) != 0) {
      continue;
    }
    acLine[Len] = '\0';
    pEq = strchr(acLine + 7, '=');
    if (pEq == NULL || pEnv->NumVars >= ENV_MAX) {
      r = -2;
      goto Cleanup;
    }
    *pEq = '\0';
    pVar = &pEnv->aVar[pEnv->NumVars];
    if (strlen(acLine + 7) >= sizeof(pVar->acName) || strlen(pEq + 1) >= sizeof(pVar->acValue)) {
      r = -2;
      goto Cleanup;
    }
    strcpy(pVar->acName, acLine + 7);
    strcpy(pVar->acValue, pEq + 1);
    pEnv->NumVars++;
  }
Cleanup:
  (void)fclose(pFile);
  return r;
}

static const char* _Env(const TESTBED_ENV* pEnv, const char* sName) {
  unsigned i;

  for (i = 0u; i < pEnv->NumVars; i++) {
    if (strcmp(pEnv->aVar[i].acName, sName) == 0) {
      return pEnv->aVar[i].acValue;
    }
  }
  return NULL;
}

/* Reads the file into pBuf (BufSize bytes) and appends a NUL; *pLen = bytes incl. the NUL. */
static int _ReadFile(const char* sPath, unsigned char* pBuf, size_t BufSize, size_t* pLen) {
  FILE*  pFile;
  size_t n;

  pFile = fopen(sPath, "rb");
  if (pFile == NULL) {
    return -1;
  }
  n = fread(pBuf, 1u, BufSize - 1u, pFile);
  (void)fclose(pFile);
  if (n == 0u || n >= BufSize - 1u) {
    return -1;
  }
  pBuf[n] = '\0';
  *pLen   = n + 1u;
  return 0;
}

/* The PEM CA (NUL-terminated, PemLen with the NUL) as DER into pDer. Returns 0 or -1. */
static int _PemToDer(const unsigned char* pPem, size_t PemLen, unsigned char* pDer, size_t DerSize, size_t* pDerLen) {
  mbedtls_x509_crt Crt;
  int              r;

  r = -1;
  mbedtls_x509_crt_init(&Crt);
  if (mbedtls_x509_crt_parse(&Crt, pPem, PemLen) != 0 || Crt.raw.len > DerSize) {
    goto Cleanup;
  }
  memcpy(pDer, Crt.raw.p, Crt.raw.len);
  *pDerLen = Crt.raw.len;
  r = 0;
Cleanup:
  mbedtls_x509_crt_free(&Crt);
  return r;
}

/* 1 when pHay (HayLen bytes) contains sNeedle. */
static int _Contains(const char* pHay, size_t HayLen, const char* sNeedle) {
  size_t NeedleLen;
  size_t i;

  NeedleLen = strlen(sNeedle);
  for (i = 0u; i + NeedleLen <= HayLen; i++) {
    if (memcmp(pHay + i, sNeedle, NeedleLen) == 0) {
      return 1;
    }
  }
  return 0;
}

/* Waits up to 30 s for a mail in sDir (Maildir new/) newer than Since holding sToken. */
static int _FindMail(const char* sDir, time_t Since, const char* sToken, char* pBuf, size_t BufSize) {
  char           acPath[1024];
  DIR*           pDir;
  struct dirent* pEnt;
  struct stat    St;
  FILE*          pFile;
  size_t         n;
  int            Try;
  struct timespec Pause;

  Pause.tv_sec  = 0;
  Pause.tv_nsec = 200000000l;
  for (Try = 0; Try < 150; Try++) {
    pDir = opendir(sDir);
    while (pDir != NULL && (pEnt = readdir(pDir)) != NULL) {
      if (pEnt->d_name[0] == '.') {
        continue;
      }
      if ((unsigned)snprintf(acPath, sizeof(acPath), "%s/%s", sDir, pEnt->d_name) >= sizeof(acPath)) {
        continue;
      }
      if (stat(acPath, &St) != 0 || St.st_mtime + 2 < Since) {
        continue;
      }
      pFile = fopen(acPath, "rb");
      if (pFile == NULL) {
        continue;
      }
      n = fread(pBuf, 1u, BufSize, pFile);
      (void)fclose(pFile);
      if (_Contains(pBuf, n, sToken)) {
        (void)closedir(pDir);
        return 0;
      }
    }
    if (pDir != NULL) {
      (void)closedir(pDir);
    }
    (void)nanosleep(&Pause, NULL);
  }
  return -1;
}

/*********************************************************************
*
*       main
*
**********************************************************************
*/

int main(int argc, char* argv[]) {
  static const IP_SMTPC_API _Api = {
    _Connect, _Disconnect, IP_SMTPC_MBEDTLS_Send, IP_SMTPC_MBEDTLS_Receive,
    IP_SMTPC_MBEDTLS_Upgrade, _Downgrade
  };
  IP_SMTPC_MBEDTLS_SESSION Session;       /* on the stack, as on a sending task's */
  TESTBED_ENV          Env;
  ALLOC_STATS          Stats;
  CONN_CFG             Cfg;
  IP_SMTPC_MAIL_ADDR   aAddr[2];
  IP_SMTPC_MESSAGE     Message;
  IP_SMTPC_MTA         Mta;
  IP_SMTPC_OPTIONS     Options;
  IP_SMTPC_REPORT      Report;
  unsigned char        abCa[CA_MAX];
  unsigned char        abDer[CA_MAX];
  unsigned char        abOther[CA_MAX];
  char                 acMail[MAIL_MAX];
  char                 acSubject[128];
  char                 acFrom[128];
  char                 acTo[128];
  char                 acNewDir[512];
  const char*          sCase;
  const char*          sHost;
  const char*          sPort;
  const char*          sCa;
  const char*          sMaildir;
  const char*          sDomain;
  size_t               CaLen;
  size_t               DerLen;
  size_t               OtherLen;
  int                  ExpectSent;
  int                  ExpectError;
  int                  Implicit;
  int                  Failed;
  int                  r;
  time_t               Start;

  if (argc != 3) {
    fprintf(stderr, "usage: %s CASE OTHER-CA-PEM\n", argv[0]);
    return 2;
  }
  sCase = argv[1];
  r = _LoadEnv(&Env);
  if (r == -1) {
    return SKIP;
  }
  sHost    = _Env(&Env, "SMTPC_TB_HOST");
  sCa      = _Env(&Env, "SMTPC_TB_CA");
  sMaildir = _Env(&Env, "SMTPC_TB_MAILDIR");
  sDomain  = _Env(&Env, "SMTPC_TB_DOMAIN");
  if (r != 0 || sHost == NULL || sCa == NULL || sMaildir == NULL || sDomain == NULL
      || _Env(&Env, "SMTPC_TB_USER") == NULL || _Env(&Env, "SMTPC_TB_PASS") == NULL) {
    printf("FAIL: the test bed's env file is incomplete\n");
    return 1;
  }
  if (_ReadFile(sCa, abCa, sizeof(abCa), &CaLen) != 0
      || _PemToDer(abCa, CaLen, abDer, sizeof(abDer), &DerLen) != 0
      || _ReadFile(argv[2], abOther, sizeof(abOther), &OtherLen) != 0) {
    printf("FAIL: cannot read the CA files %s, %s\n", sCa, argv[2]);
    return 1;
  }
  memset(&Cfg, 0, sizeof(Cfg));
  memset(&Stats, 0, sizeof(Stats));
  Cfg.Static                = 1;
  Cfg.pSession              = &Session;
  Cfg.Tls.sServerName       = TLS_NAME;
  Cfg.Tls.pfGetTimeMs       = _GetTimeMs;
  Cfg.Tls.pfSetLowerTimeout = IP_SMTPC_POSIX_SetTimeout;
  Cfg.Tls.pfEntropy         = _Entropy;
  Cfg.Tls.pEntropyUser      = &Cfg;
  Cfg.Tls.pCa               = abCa;
  Cfg.Tls.CaLen             = (unsigned)CaLen;
  Implicit    = 0;
  ExpectSent  = 1;
  ExpectError = IP_SMTPC_MBEDTLS_ERR_NONE;
  if (strcmp(sCase, "starttls-pem") == 0) {
    /* the defaults */
  } else if (strcmp(sCase, "implicit-der") == 0) {
    Implicit      = 1;
    Cfg.Tls.pCa   = abDer;
    Cfg.Tls.CaLen = (unsigned)DerLen;
  } else if (strcmp(sCase, "implicit-ip") == 0) {
    Implicit            = 1;
    Cfg.Tls.sServerName = "127.0.0.1";
    Cfg.Tls.pCa         = abDer;
    Cfg.Tls.CaLen       = (unsigned)DerLen;
  } else if (strcmp(sCase, "wrong-ca") == 0) {
    Cfg.Tls.pCa   = abOther;
    Cfg.Tls.CaLen = (unsigned)OtherLen;
    ExpectSent    = 0;
    ExpectError   = IP_SMTPC_MBEDTLS_ERR_CERT_UNTRUSTED;
  } else if (strcmp(sCase, "wrong-ip") == 0) {
    Implicit            = 1;
    Cfg.Tls.sServerName = "::1";
    ExpectSent          = 0;
    ExpectError         = IP_SMTPC_MBEDTLS_ERR_NAME_MISMATCH;
  } else if (strcmp(sCase, "pem-no-nul") == 0) {
    Cfg.Tls.CaLen = (unsigned)(CaLen - 1u);
    ExpectSent    = 0;
    ExpectError   = IP_SMTPC_MBEDTLS_ERR_SETUP;
  } else if (strcmp(sCase, "heap-starttls") == 0 && IP_SMTPC_TEST_HEAP) {
    Cfg.Static = 0;
  } else {
    fprintf(stderr, "%s: unknown case %s\n", argv[0], sCase);
    return 2;
  }
  sPort = _Env(&Env, Implicit ? "SMTPC_TB_PORT_SMTPS" : "SMTPC_TB_PORT_SUBMISSION");
  if (sPort == NULL) {
    printf("FAIL: no port in the env file\n");
    return 1;
  }
  Cfg.Port = (unsigned)strtoul(sPort, NULL, 10);
  Start = time(NULL);
  (void)snprintf(acSubject, sizeof(acSubject), "mbedtls-static %s %ld-%ld", sCase, (long)getpid(), (long)Start);
  (void)snprintf(acFrom, sizeof(acFrom), "sender@%s", sDomain);
  (void)snprintf(acTo, sizeof(acTo), "alice@%s", sDomain);
  (void)snprintf(acNewDir, sizeof(acNewDir), "%s/alice/new", sMaildir);
  memset(aAddr, 0, sizeof(aAddr));
  aAddr[0].sAddr = acFrom;
  aAddr[0].Type  = SMTPC_REC_TYPE_FROM;
  aAddr[1].sAddr = acTo;
  aAddr[1].Type  = SMTPC_REC_TYPE_TO;
  memset(&Message, 0, sizeof(Message));
  Message.sSubject = acSubject;
  Message.sBody    = "Sent through the mbedTLS port's static session, CA from a buffer.\n";
  memset(&Mta, 0, sizeof(Mta));
  Mta.sServer   = sHost;
  Mta.sUser     = _Env(&Env, "SMTPC_TB_USER");
  Mta.sPass     = _Env(&Env, "SMTPC_TB_PASS");
  Mta.SecPolicy = SMTPC_SEC_POLICY_SECURE_ONLY;
  r = IP_SMTPC_OptionsInit(&Options);
  if (r != 0) {
    printf("FAIL: IP_SMTPC_OptionsInit %d\n", r);
    return 1;
  }
  Options.TlsMode        = Implicit ? IP_SMTPC_TLS_IMPLICIT : IP_SMTPC_TLS_STARTTLS_REQUIRED;
  Options.ReplyTimeoutMs = REPLY_TIMEOUT_MS;
  Options.pfGetTimeMs    = _GetTimeMs;
  Options.pfSetTimeout   = IP_SMTPC_MBEDTLS_SetTimeout;
  Options.pReport        = &Report;
  memset(&Report, 0, sizeof(Report));
  //
  // The send, counted.
  //
  _pCfg   = &Cfg;
  _pStats = &Stats;
  Stats.Measuring = 1;
  if (__sanitizer_install_malloc_and_free_hooks != NULL) {
    (void)__sanitizer_install_malloc_and_free_hooks(_HookMalloc, _HookFree);
  }
  r = IP_SMTPC_SendEx(&_Api, aAddr, 2, &Message, &Mta, NULL, &Options);
  Stats.Measuring = 0;
  _pStats = NULL;
  _pCfg   = NULL;
  //
  // Verdict.
  //
  Failed = 0;
  printf("case %s (%s): result %d (%s), TLS class %d (%s)%s%s\n", sCase, Cfg.Static ? "OpenStatic" : "Open",
         r, IP_SMTPC_ErrorString(r), Cfg.TlsError, IP_SMTPC_MBEDTLS_ErrorString(Cfg.TlsError),
         (Cfg.acDetail[0] != '\0') ? ": " : "", Cfg.acDetail);
  if (ExpectSent) {
    if (r != 0 || !Cfg.WasSecure) {
      printf("FAIL: not sent over TLS\n");
      Failed = 1;
    } else if (_FindMail(acNewDir, Start, acSubject, acMail, sizeof(acMail)) != 0) {
      printf("FAIL: \"%s\" not found in %s\n", acSubject, acNewDir);
      Failed = 1;
    } else {
      printf("delivered over %s: \"%s\" found in %s\n", Cfg.acSession, acSubject, acNewDir);
    }
  } else {
    if (r != IP_SMTPC_ERR_TLS_HANDSHAKE || Cfg.TlsError != ExpectError) {
      printf("FAIL: expected IP_SMTPC_ERR_TLS_HANDSHAKE with class %d (%s)\n", ExpectError,
             IP_SMTPC_MBEDTLS_ErrorString(ExpectError));
      Failed = 1;
    }
  }
  //
  // A disconnected static session still tells its error, and a second
  // disconnect does nothing (no second close of the lower handle).
  //
  if (Cfg.Static) {
    if (!Cfg.Opened) {
      printf("FAIL: IP_SMTPC_MBEDTLS_OpenStatic failed\n");
      Failed = 1;
    } else {
      if (IP_SMTPC_MBEDTLS_LastError((SMTPC_SOCKET)&Session) != Cfg.TlsError) {
        printf("FAIL: the session's error changed after the disconnect\n");
        Failed = 1;
      }
      IP_SMTPC_MBEDTLS_Disconnect((SMTPC_SOCKET)&Session);
      if (IP_SMTPC_MBEDTLS_Send("x", 1, (SMTPC_SOCKET)&Session) != -1) {
        printf("FAIL: a disconnected session accepted a send\n");
        Failed = 1;
      }
    }
  }
  if (Cfg.EntropyCalls == 0u && ExpectError != IP_SMTPC_MBEDTLS_ERR_SETUP) {
    printf("FAIL: the entropy hook was never called\n");
    Failed = 1;
  }
  printf("allocations through the wrapped allocator: port and library %u, lower (POSIX) port %u (%lu B)\n",
         Stats.PortCalls, Stats.LowerCalls, Stats.LowerBytes);
  if (Cfg.Static && Stats.PortCalls != 0u) {
    printf("FAIL: the static path allocated %u times\n", Stats.PortCalls);
    Failed = 1;
  }
  if (__sanitizer_install_malloc_and_free_hooks != NULL) {
    printf("allocations seen by ASan's hook (mbedTLS's own%s): %u, peak %ld B in %ld blocks, held by the "
           "open session %ld B, largest block %lu B\n", Cfg.Static ? "" : ", and the port's on this heap path", Stats.HookCalls, Stats.PeakBytes, Stats.PeakBlocks, Cfg.HeldBytes, Stats.LargestBlock);
  } else {
    printf("mbedTLS's own allocations: not measured (no ASan in this build)\n");
  }
  printf("sizeof: IP_SMTPC_MBEDTLS_SESSION %u B (handle %u, contexts %u: entropy %u, DRBG %u, CA chain head %u, "
         "ssl_config %u, ssl_context %u)\n",
         (unsigned)sizeof(IP_SMTPC_MBEDTLS_SESSION), (unsigned)sizeof(IP_SMTPC_MBEDTLS_CONN),
         (unsigned)sizeof(IP_SMTPC_MBEDTLS_CONTEXTS), (unsigned)sizeof(mbedtls_entropy_context),
         (unsigned)sizeof(mbedtls_ctr_drbg_context), (unsigned)sizeof(mbedtls_x509_crt),
         (unsigned)sizeof(mbedtls_ssl_config), (unsigned)sizeof(mbedtls_ssl_context));
  printf("%s\n", Failed ? "FAILED" : "passed");
  return Failed ? 1 : 0;
}

/*************************** End of file ****************************/
