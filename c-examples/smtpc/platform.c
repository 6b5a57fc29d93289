/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * platform.c - smtpc: what differs between POSIX systems and Windows
 * (mingw-w64): clocks, the local time zone, name resolution errors, the
 * password command and file permissions. Everything else is C99.
 */
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <io.h>
#include <process.h>
#else
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <netdb.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "smtpc.h"

/* Milliseconds of a monotonic clock (wraps at 2^32): the library's deadlines. */
U32 SMTPC_NowMs(void) {
#ifdef _WIN32
  return (U32)GetTickCount64();
#else
  struct timespec ts;

  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    return 0u;
  }
  return (U32)((unsigned long)ts.tv_sec * 1000ul + (unsigned long)(ts.tv_nsec / 1000000l));
#endif
}

/* Varies between runs: process id and the time in nanoseconds (Message-ID seed). */
U32 SMTPC_Seed(void) {
#ifdef _WIN32
  LARGE_INTEGER Counter;

  (void)QueryPerformanceCounter(&Counter);
  return (U32)_getpid() ^ (U32)time(NULL) ^ (U32)Counter.QuadPart ^ (U32)(Counter.QuadPart >> 32);
#else
  struct timespec ts;

  (void)clock_gettime(CLOCK_REALTIME, &ts);
  return (U32)getpid() ^ (U32)ts.tv_sec ^ (U32)ts.tv_nsec;
#endif
}

/* UTC broken down; 0 or -1. */
int SMTPC_GmTime(time_t Now, struct tm* pTm) {
#ifdef _WIN32
  return (gmtime_s(pTm, &Now) == 0) ? 0 : -1;
#else
  return (gmtime_r(&Now, pTm) != NULL) ? 0 : -1;
#endif
}

/* Seconds east of UTC of the local time zone now; 0 or -1. */
int SMTPC_UtcOffset(long* pOffsetSec) {
  struct tm Local;
  struct tm Utc;
  time_t    Now;
  long      Days;

  Now = time(NULL);
#ifdef _WIN32
  if (localtime_s(&Local, &Now) != 0) {
    return -1;
  }
#else
  if (localtime_r(&Now, &Local) == NULL) {
    return -1;
  }
#endif
  if (SMTPC_GmTime(Now, &Utc) != 0) {
    return -1;
  }
  Days = (long)(Local.tm_yday - Utc.tm_yday);
  if (Local.tm_year != Utc.tm_year) {
    Days = (Local.tm_year > Utc.tm_year) ? 1l : -1l;   /* across New Year */
  }
  *pOffsetSec = Days * 86400l + (long)(Local.tm_hour - Utc.tm_hour) * 3600l
              + (long)(Local.tm_min - Utc.tm_min) * 60l + (long)(Local.tm_sec - Utc.tm_sec);
  return 0;
}

/*
 * The ports report every name that does not resolve as ENOENT; asked
 * again, getaddrinfo tells a temporary failure from a name that does not
 * exist. Returns its error code, or 0 when the name resolves now.
 */
int SMTPC_ResolveError(const char* sHost) {
  struct addrinfo  Hints;
  struct addrinfo* pList;
  int              r;
#ifdef _WIN32
  WSADATA          WsaData;

  if (WSAStartup(MAKEWORD(2, 2), &WsaData) != 0) {
    return EAI_FAIL;
  }
#endif
  memset(&Hints, 0, sizeof(Hints));
  Hints.ai_family   = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  pList = NULL;
  r = getaddrinfo(sHost, NULL, &Hints, &pList);
  if (r == 0 && pList != NULL) {
    freeaddrinfo(pList);
  }
#ifdef _WIN32
  (void)WSACleanup();
#endif
  return r;
}

int SMTPC_ResolveErrorIsTemporary(int Error) {
  return Error == EAI_AGAIN;
}

const char* SMTPC_ResolveErrorString(int Error) {
  return gai_strerror(Error);
}

/* popen/pclose of the platform; SMTPC_PClose returns the exit code or -1. */
FILE* SMTPC_POpen(const char* sCommand) {
#ifdef _WIN32
  return _popen(sCommand, "r");
#else
  return popen(sCommand, "r");
#endif
}

int SMTPC_PClose(FILE* pPipe) {
  int Status;

#ifdef _WIN32
  Status = _pclose(pPipe);
  return (Status < 0) ? -1 : Status;
#else
  Status = pclose(pPipe);
  if (Status == -1 || !WIFEXITED(Status)) {
    return -1;
  }
  return WEXITSTATUS(Status);
#endif
}

/*
 * 1 when group or others may read the file. On Windows the mode bits say
 * nothing about who may read a file (NTFS ACLs decide): 0, not checked.
 */
int SMTPC_ReadableByOthers(const struct stat* pSt) {
#ifdef _WIN32
  (void)pSt;
  return 0;
#else
  return (pSt->st_mode & 077u) != 0u;
#endif
}

/* fstat of an open stream; 0 or -1. */
int SMTPC_FStat(FILE* pFile, struct stat* pSt) {
#ifdef _WIN32
  return fstat(_fileno(pFile), pSt);
#else
  return fstat(fileno(pFile), pSt);
#endif
}

/* 1 when the file exists and may be read. */
int SMTPC_CanRead(const char* sPath) {
#ifdef _WIN32
  return _access(sPath, 4) == 0;
#else
  return access(sPath, R_OK) == 0;
#endif
}

/*************************** End of file ****************************/
