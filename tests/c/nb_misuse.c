/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * nb_misuse.c - the non-blocking API (IP_SMTPC_Start / Poll / GetWait /
 * Abort) misused, through the real libip_smtpc.a, in the style of misuse.c.
 *
 * Usage: ip_smtpc_nb_misuse CASE      run one case (ctest: c.nb_misuse.CASE)
 *        ip_smtpc_nb_misuse --list    print the case names
 *
 * Every case prepares a valid fixture except for one misuse, calls the
 * library and checks the exact return code, that no hook ran that should
 * not have (every hook counts its calls), and that the library read and
 * wrote nothing it should not: a session whose SizeOf is wrong sits at the
 * end of a mapping whose next page is PROT_NONE, so reading past its first
 * word ends the program with SIGSEGV (the Rust archive is not instrumented
 * by ASan; the guard page is what catches it). Runs under ASan and, with
 * IP_SMTPC_TEST_WRAPPER, under valgrind.
 *
 * Exit status: 0 when the case passed, 1 on the first mismatch, 2 on usage
 * errors, 77 when the case cannot run on this system (skipped).
 */
#define _GNU_SOURCE                     /* MAP_ANONYMOUS */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "IP_SMTPC.h"

typedef struct {
  unsigned Connect;
  unsigned Disconnect;
  unsigned Send;
  unsigned Receive;
} CALLS;

static CALLS _Calls;
static int   _ConnectOk;     /* pfConnect returns a handle (else NULL) */
static int   _Failed;

#define CHECK_EQ(a, b) _CheckEq((long)(a), (long)(b), #a, __LINE__)

static void _CheckEq(long Got, long Want, const char *sWhat, int Line) {
  if (Got != Want) {
    fprintf(stderr, "nb_misuse.c:%d: %s is %ld, expected %ld\n", Line, sWhat, Got, Want);
    _Failed = 1;
  }
}

static SMTPC_SOCKET _Connect(const char *s) {
  (void)s;
  _Calls.Connect++;
  return _ConnectOk ? (SMTPC_SOCKET)&_Calls : NULL;
}
static void _Disconnect(SMTPC_SOCKET h) { (void)h; _Calls.Disconnect++; }
static int _Send(const char *p, int n, SMTPC_SOCKET h) {
  (void)p; (void)n; (void)h;
  _Calls.Send++;
  return IP_SMTPC_WOULD_BLOCK;
}
static int _Receive(char *p, int n, SMTPC_SOCKET h) {
  (void)p; (void)n; (void)h;
  _Calls.Receive++;
  return IP_SMTPC_WOULD_BLOCK;
}
static int _SendItem(IP_SMTPC_CONTEXT *pContext, const IP_SMTPC_MULTIPART_ITEM *pItem,
                     const IP_SMTPC_MULTIPART_API *pAPI) {
  (void)pContext; (void)pItem; (void)pAPI;
  return 0;
}

static const IP_SMTPC_API _Api = { _Connect, _Disconnect, _Send, _Receive, NULL, NULL };
static const IP_SMTPC_MAIL_ADDR _aAddr[] = {
  { NULL, "node@example.test", SMTPC_REC_TYPE_FROM },
  { "Ops", "ops@example.test", SMTPC_REC_TYPE_TO },
};

typedef struct {
  IP_SMTPC_MESSAGE     Msg;
  IP_SMTPC_MTA         Mta;
  IP_SMTPC_OPTIONS     Opt;
  IP_SMTPC_REPORT      Report;
  IP_SMTPC_RCPT_RESULT aResult[2];
} FIXTURE;

static void _Fixture(FIXTURE *f) {
  memset(f, 0, sizeof(*f));
  f->Msg.sSubject = "s";
  f->Msg.sBody = "b\n";
  f->Mta.sServer = "127.0.0.1";
  f->Mta.SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE;
  IP_SMTPC_OptionsInit(&f->Opt);
  f->Report.paResult = f->aResult;
  f->Report.NumResults = 2;
  f->Report.Result = 12345;
  f->Opt.pReport = &f->Report;
}

static int _Start(IP_SMTPC_SESSION *pSession, FIXTURE *f, int NumAddr) {
  return IP_SMTPC_Start(pSession, &_Api, _aAddr, NumAddr, &f->Msg, &f->Mta, NULL, &f->Opt);
}

static IP_SMTPC_SESSION *_NewSession(void) {
  IP_SMTPC_SESSION *p = calloc(1, sizeof(*p));
  if (p == NULL) {
    exit(77);
  }
  p->SizeOf = sizeof(*p);
  return p;
}

/*********************************************************************
*
*       Cases
*
**********************************************************************
*/

static void _null_session(void) {
  FIXTURE f;
  U32 At = 7;
  _Fixture(&f);
  CHECK_EQ(_Start(NULL, &f, 2), IP_SMTPC_ERR_NULL_POINTER);
  CHECK_EQ(IP_SMTPC_Poll(NULL, 0), IP_SMTPC_ERR_NULL_POINTER);
  CHECK_EQ(IP_SMTPC_GetWait(NULL, &At), IP_SMTPC_ERR_NULL_POINTER);
  CHECK_EQ(IP_SMTPC_Abort(NULL), IP_SMTPC_ERR_NULL_POINTER);
  CHECK_EQ(At, 7);
  CHECK_EQ(f.Report.Result, 12345);
}

/* Storage of the wrong size: only SizeOf is read, nothing is written
   (the storage ends 8 bytes after its start). */
static void _wrong_size(void) {
  static const U32 aSize[] = { 0, 4, sizeof(IP_SMTPC_SESSION) - 1, sizeof(IP_SMTPC_SESSION) + 8 };
  long Page = sysconf(_SC_PAGESIZE);
  unsigned char *pMap;
  IP_SMTPC_SESSION *p;
  FIXTURE f;
  size_t i;
  U32 At = 7;
  pMap = mmap(NULL, (size_t)Page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pMap == MAP_FAILED || mprotect(pMap + Page, (size_t)Page, PROT_NONE) != 0) {
    exit(77);
  }
  /* The "session" is its first 8 bytes (SizeOf, State), then the guard page. */
  p = (IP_SMTPC_SESSION *)(void *)(pMap + Page - 8);
  _Fixture(&f);
  for (i = 0; i < sizeof(aSize) / sizeof(aSize[0]); i++) {
    p->SizeOf = aSize[i];
    CHECK_EQ(_Start(p, &f, 2), IP_SMTPC_ERR_SESSION_SIZE);
    CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_SESSION_SIZE);
    CHECK_EQ(IP_SMTPC_GetWait(p, &At), IP_SMTPC_ERR_SESSION_SIZE);
    CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_SESSION_SIZE);
    CHECK_EQ(p->SizeOf, aSize[i]);
  }
  CHECK_EQ(At, 7);
  CHECK_EQ(f.Report.Result, 12345);
  CHECK_EQ(_Calls.Connect, 0);
  munmap(pMap, (size_t)Page * 2);
}

static void _never_started(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  U32 At = 7;
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(IP_SMTPC_GetWait(p, &At), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_NOT_STARTED);
  /* Garbage: any bytes but a valid SizeOf. */
  memset(p, 0xA5, sizeof(*p));
  p->SizeOf = sizeof(*p);
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(At, 7);
  CHECK_EQ(_Calls.Connect, 0);
  free(p);
}

static void _start_invalid_input(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  FIXTURE f;
  _Fixture(&f);
  CHECK_EQ(_Start(p, &f, 1), IP_SMTPC_ERR_NO_RECIPIENT);
  CHECK_EQ(f.Report.Result, IP_SMTPC_ERR_NO_RECIPIENT);
  CHECK_EQ(f.Report.Step, IP_SMTPC_STEP_INPUT);
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_NOT_STARTED);
  _Fixture(&f);
  f.Opt.SizeOf = 3;
  CHECK_EQ(_Start(p, &f, 2), IP_SMTPC_ERR_INVALID_OPTIONS);
  CHECK_EQ(f.Report.Result, 12345);
  CHECK_EQ(_Calls.Connect, 0);
  free(p);
}

static void _start_items(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  IP_SMTPC_MULTIPART_ITEM Item = { "a.txt", NULL, "text/plain", _SendItem };
  FIXTURE f;
  _Fixture(&f);
  f.Msg.paMultipartItem = &Item;
  f.Msg.NumMultipartItems = 1;
  CHECK_EQ(_Start(p, &f, 2), IP_SMTPC_ERR_BLOCKING_ITEM);
  CHECK_EQ(f.Report.Result, IP_SMTPC_ERR_BLOCKING_ITEM);
  CHECK_EQ(f.Report.Step, IP_SMTPC_STEP_INPUT);
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(_Calls.Connect, 0);
  free(p);
}

static void _start_busy(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  FIXTURE f, g;
  U32 At = 7;
  _Fixture(&f);
  _Fixture(&g);
  CHECK_EQ(_Start(p, &f, 2), 0);
  CHECK_EQ(IP_SMTPC_GetWait(p, &At), 0);
  CHECK_EQ(At, 7);
  CHECK_EQ(_Start(p, &g, 2), IP_SMTPC_ERR_BUSY);
  CHECK_EQ(g.Report.Result, 12345);
  CHECK_EQ(_Calls.Connect, 0);
  /* Aborted before the first Poll: never connected. */
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_APPLICATION_ABORT);
  CHECK_EQ(f.Report.Result, IP_SMTPC_ERR_APPLICATION_ABORT);
  CHECK_EQ(f.Report.Step, IP_SMTPC_STEP_CONNECT);
  CHECK_EQ(_Calls.Connect, 0);
  /* Finished: it may be started again. */
  CHECK_EQ(_Start(p, &g, 2), 0);
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_APPLICATION_ABORT);
  free(p);
}

static void _finished(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  FIXTURE f;
  U32 At = 7;
  _Fixture(&f);
  CHECK_EQ(_Start(p, &f, 2), 0);
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_ERR_CONNECT);  /* pfConnect returns NULL */
  CHECK_EQ(f.Report.Step, IP_SMTPC_STEP_CONNECT);
  CHECK_EQ(IP_SMTPC_Poll(p, 1), IP_SMTPC_ERR_FINISHED);
  CHECK_EQ(IP_SMTPC_GetWait(p, &At), IP_SMTPC_ERR_FINISHED);
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_FINISHED);
  CHECK_EQ(At, 7);
  CHECK_EQ(_Calls.Connect, 1);
  CHECK_EQ(_Calls.Disconnect, 0);
  free(p);
}

/* A stalled server: the deadline comes from NowMs only. */
static void _deadline(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  FIXTURE f;
  U32 At = 7;
  _ConnectOk = 1;
  _Fixture(&f);
  f.Opt.ReplyTimeoutMs = 1000;     /* no pfGetTimeMs needed here */
  CHECK_EQ(_Start(p, &f, 2), 0);
  CHECK_EQ(IP_SMTPC_Poll(p, 0xFFFFFF00u), IP_SMTPC_IN_PROGRESS);
  CHECK_EQ(IP_SMTPC_GetWait(p, &At), IP_SMTPC_WAIT_READ);
  CHECK_EQ(At, 0xFFFFFF00u + 1000u);
  CHECK_EQ(IP_SMTPC_Poll(p, At - 1), IP_SMTPC_IN_PROGRESS);
  CHECK_EQ(IP_SMTPC_Poll(p, At), IP_SMTPC_ERR_TIMEOUT);
  CHECK_EQ(f.Report.Step, IP_SMTPC_STEP_GREETING);
  CHECK_EQ(_Calls.Disconnect, 1);
  CHECK_EQ(_Calls.Send, 0);
  free(p);
}

/* A copy of a session in progress is not a session in progress. */
static void _moved(void) {
  IP_SMTPC_SESSION *p = _NewSession();
  IP_SMTPC_SESSION *q = _NewSession();
  FIXTURE f;
  _ConnectOk = 1;
  _Fixture(&f);
  CHECK_EQ(_Start(p, &f, 2), 0);
  CHECK_EQ(IP_SMTPC_Poll(p, 0), IP_SMTPC_IN_PROGRESS);
  memcpy(q, p, sizeof(*p));
  CHECK_EQ(IP_SMTPC_Poll(q, 1), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(IP_SMTPC_Abort(q), IP_SMTPC_ERR_NOT_STARTED);
  CHECK_EQ(IP_SMTPC_Abort(p), IP_SMTPC_ERR_APPLICATION_ABORT);
  CHECK_EQ(_Calls.Disconnect, 1);
  free(p);
  free(q);
}

/* The blocking call: a hook's WOULD_BLOCK is a failure, not a hang. */
static void _blocking_would_block(void) {
  FIXTURE f;
  _ConnectOk = 1;
  _Fixture(&f);
  CHECK_EQ(IP_SMTPC_SendEx(&_Api, _aAddr, 2, &f.Msg, &f.Mta, NULL, &f.Opt), IP_SMTPC_ERR_RECEIVE);
  CHECK_EQ(_Calls.Receive, 1);
  CHECK_EQ(_Calls.Disconnect, 1);
}

static void _error_strings(void) {
  static const int aCode[] = { IP_SMTPC_ERR_SESSION_SIZE, IP_SMTPC_ERR_NOT_STARTED,
                               IP_SMTPC_ERR_FINISHED, IP_SMTPC_ERR_BUSY,
                               IP_SMTPC_ERR_BLOCKING_ITEM };
  size_t i;
  for (i = 0; i < sizeof(aCode) / sizeof(aCode[0]); i++) {
    const char *s = IP_SMTPC_ErrorString(aCode[i]);
    CHECK_EQ(s != NULL && strcmp(s, "unknown error") != 0, 1);
  }
}

typedef struct {
  const char *sName;
  void (*pfRun)(void);
} CASE_ENTRY;

#define CASE(n) { #n, _##n }

static const CASE_ENTRY _aCase[] = {
  CASE(null_session),
  CASE(wrong_size),
  CASE(never_started),
  CASE(start_invalid_input),
  CASE(start_items),
  CASE(start_busy),
  CASE(finished),
  CASE(deadline),
  CASE(moved),
  CASE(blocking_would_block),
  CASE(error_strings),
};

int main(int argc, char **argv) {
  size_t i;
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < sizeof(_aCase) / sizeof(_aCase[0]); i++) {
      printf("%s\n", _aCase[i].sName);
    }
    return 0;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: ip_smtpc_nb_misuse CASE | --list\n");
    return 2;
  }
  for (i = 0; i < sizeof(_aCase) / sizeof(_aCase[0]); i++) {
    if (strcmp(argv[1], _aCase[i].sName) == 0) {
      _aCase[i].pfRun();
      return _Failed ? 1 : 0;
    }
  }
  fprintf(stderr, "ip_smtpc_nb_misuse: no case %s\n", argv[1]);
  return 2;
}
