/*
 * SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * nb_poll: many mails in flight from one thread with the non-blocking API
 * (IP_SMTPC_Start / IP_SMTPC_Poll / IP_SMTPC_GetWait), over POSIX
 * non-blocking sockets and poll(). No thread, no blocking call: each mail
 * has its own IP_SMTPC_SESSION (caller storage, buffers included), and the
 * loop sleeps in poll() until a socket is ready or the nearest deadline.
 *
 *   nb_poll --server HOST:PORT --count N --token T --from A --to A [--cc A]
 *           [--bcc A] [--every-other] [--stall I] [--timeout MS]
 *           [--transcripts DIR]
 *
 *   --every-other    every pfSend/pfReceive answers IP_SMTPC_WOULD_BLOCK on
 *                    every other call (before touching the socket)
 *   --stall I        mail I goes to a server of this program's own that
 *                    accepts the connection and never answers: its deadline
 *                    fires, the others are not delayed
 *   --timeout MS     IP_SMTPC_OPTIONS.ReplyTimeoutMs (default 0: RFC 5321's)
 *   --transcripts D  writes what each session sent to D/mail-I.txt
 *
 * Prints one line per mail (result, step, counts, per-entry reply codes,
 * when it ended) and the time taken. Exit status: 0 when every mail got a result (the
 * checker decides whether it is the right one), 2 on a usage or setup error.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "IP_SMTPC.h"

#define MAX_MAILS 200

/* One connection: what the hooks get as SMTPC_SOCKET. */
typedef struct {
  int   Fd;
  int   EveryOther;   /* answer WOULD_BLOCK on every other call */
  int   Toggle;
  FILE *pTranscript;  /* what was sent, or NULL */
} CONN;

/* One mail and everything its session points to (valid until it ends). */
typedef struct {
  IP_SMTPC_SESSION     Session;
  IP_SMTPC_MAIL_ADDR   aAddr[4];
  int                  NumAddr;
  IP_SMTPC_MESSAGE     Msg;
  IP_SMTPC_MTA         Mta;
  IP_SMTPC_OPTIONS     Opt;
  IP_SMTPC_REPORT      Report;
  IP_SMTPC_RCPT_RESULT aResult[4];
  char                 acServer[80];
  char                 acSubject[128];
  char                 acBody[4096];
  CONN                 Conn;
  U32                  DeadlineMs;
  int                  Waiting;   /* IP_SMTPC_WAIT_* bits, 0: poll now */
  int                  Done;
  U32                  DoneMs;    /* when it ended, from the start of the loop */
} MAIL;

static MAIL _aMail[MAX_MAILS];   /* the sessions: static storage, no heap */
static int  _EveryOther;
static const char *_sTranscripts;

static U32 _NowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (U32)((unsigned long long)t.tv_sec * 1000u + (unsigned long long)t.tv_nsec / 1000000u);
}

/* "host:port/index": the index of the mail whose session connects. */
static SMTPC_SOCKET _Connect(const char *sServer) {
  char acHost[64];
  const char *pColon = strchr(sServer, ':');
  const char *pSlash = strchr(sServer, '/');
  struct sockaddr_in Addr;
  MAIL *pMail;
  size_t HostLen;
  int Index, Fd, r;

  if (pColon == NULL || pSlash == NULL || pSlash < pColon) {
    return NULL;
  }
  HostLen = (size_t)(pColon - sServer);
  if (HostLen >= sizeof(acHost)) {
    return NULL;
  }
  memcpy(acHost, sServer, HostLen);
  acHost[HostLen] = '\0';
  Index = atoi(pSlash + 1);
  if (Index < 0 || Index >= MAX_MAILS) {
    return NULL;
  }
  pMail = &_aMail[Index];
  memset(&Addr, 0, sizeof(Addr));
  Addr.sin_family = AF_INET;
  Addr.sin_port   = htons((unsigned short)atoi(pColon + 1));
  if (inet_pton(AF_INET, acHost, &Addr.sin_addr) != 1) {
    return NULL;
  }
  Fd = socket(AF_INET, SOCK_STREAM, 0);
  if (Fd < 0) {
    return NULL;
  }
  if (fcntl(Fd, F_SETFL, fcntl(Fd, F_GETFL, 0) | O_NONBLOCK) != 0) {
    goto fail;
  }
  /* Returns before the handshake is done: the first pfReceive waits for it. */
  r = connect(Fd, (struct sockaddr *)&Addr, sizeof(Addr));
  if (r != 0 && errno != EINPROGRESS) {
    goto fail;
  }
  pMail->Conn.Fd = Fd;
  pMail->Conn.EveryOther = _EveryOther;
  pMail->Conn.Toggle = 0;
  pMail->Conn.pTranscript = NULL;
  if (_sTranscripts != NULL) {
    char acPath[512];
    snprintf(acPath, sizeof(acPath), "%s/mail-%d.txt", _sTranscripts, Index);
    pMail->Conn.pTranscript = fopen(acPath, "wb");
    if (pMail->Conn.pTranscript == NULL) {
      goto fail;
    }
  }
  return &pMail->Conn;
fail:
  close(Fd);
  return NULL;
}

static void _Disconnect(SMTPC_SOCKET hSock) {
  CONN *p = (CONN *)hSock;
  close(p->Fd);
  p->Fd = -1;
  if (p->pTranscript != NULL) {
    fclose(p->pTranscript);
    p->pTranscript = NULL;
  }
}

/* Every other call: "would block" before the socket is touched. */
static int _Refuse(CONN *p) {
  if (!p->EveryOther) {
    return 0;
  }
  p->Toggle ^= 1;
  return p->Toggle;
}

static int _Send(const char *pData, int NumBytes, SMTPC_SOCKET hSock) {
  CONN *p = (CONN *)hSock;
  ssize_t n;
  if (_Refuse(p)) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  n = send(p->Fd, pData, (size_t)NumBytes, MSG_NOSIGNAL);
  if (n > 0) {
    if (p->pTranscript != NULL) {
      fwrite(pData, 1, (size_t)n, p->pTranscript);
    }
    return (int)n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  return -1;
}

static int _Receive(char *pData, int NumBytes, SMTPC_SOCKET hSock) {
  CONN *p = (CONN *)hSock;
  ssize_t n;
  if (_Refuse(p)) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  n = recv(p->Fd, pData, (size_t)NumBytes, 0);
  if (n > 0) {
    return (int)n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return IP_SMTPC_WOULD_BLOCK;
  }
  return -1;  /* closed, refused or reset */
}

static const IP_SMTPC_API _Api = { _Connect, _Disconnect, _Send, _Receive, NULL, NULL };

/* A listening socket that never accepts: the kernel completes the
   handshake, the greeting never comes. Returns its port, 0 on failure. */
static int _StalledServer(int *pFd) {
  struct sockaddr_in Addr;
  socklen_t Len = sizeof(Addr);
  int Fd = socket(AF_INET, SOCK_STREAM, 0);
  if (Fd < 0) {
    return 0;
  }
  memset(&Addr, 0, sizeof(Addr));
  Addr.sin_family = AF_INET;
  Addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(Fd, (struct sockaddr *)&Addr, sizeof(Addr)) != 0 || listen(Fd, 8) != 0
      || getsockname(Fd, (struct sockaddr *)&Addr, &Len) != 0) {
    close(Fd);
    return 0;
  }
  *pFd = Fd;
  return ntohs(Addr.sin_port);
}

static void _MakeBody(char *pBody, size_t Size, const char *sToken, int Index) {
  size_t Used;
  int Line;
  Used = (size_t)snprintf(pBody, Size,
                          "Mail %d of the non-blocking test %s.\n"
                          ".a line that starts with a dot\n"
                          "..and one with two\n"
                          "\n",
                          Index, sToken);
  for (Line = 0; Line < 30 && Used + 80 < Size; Line++) {
    Used += (size_t)snprintf(pBody + Used, Size - Used,
                             "%03d %02d The quick brown fox jumps over the lazy dog, mail %03d.\n",
                             Index, Line, Index);
  }
  snprintf(pBody + Used, Size - Used, ".\nend of mail %d\n", Index);
}

static void _Usage(void) {
  fprintf(stderr, "usage: nb_poll --server HOST:PORT --count N --token T --from A --to A"
                  " [--cc A] [--bcc A] [--every-other] [--stall I] [--timeout MS]"
                  " [--transcripts DIR]\n");
}

int main(int argc, char **argv) {
  const char *sServer = NULL, *sToken = NULL, *sFrom = NULL, *sTo = NULL;
  const char *sCc = NULL, *sBcc = NULL;
  int Count = 0, Stall = -1, StallFd = -1, StallPort = 0, Active, i;
  unsigned long TimeoutMs = 0;
  U32 Start;
  static struct pollfd aFd[MAX_MAILS];
  static int aWho[MAX_MAILS];

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
    if (strcmp(a, "--every-other") == 0) {
      _EveryOther = 1;
      continue;
    }
    if (v == NULL) {
      _Usage();
      return 2;
    }
    i++;
    if      (strcmp(a, "--server") == 0)      sServer = v;
    else if (strcmp(a, "--count") == 0)       Count = atoi(v);
    else if (strcmp(a, "--token") == 0)       sToken = v;
    else if (strcmp(a, "--from") == 0)        sFrom = v;
    else if (strcmp(a, "--to") == 0)          sTo = v;
    else if (strcmp(a, "--cc") == 0)          sCc = v;
    else if (strcmp(a, "--bcc") == 0)         sBcc = v;
    else if (strcmp(a, "--stall") == 0)       Stall = atoi(v);
    else if (strcmp(a, "--timeout") == 0)     TimeoutMs = strtoul(v, NULL, 10);
    else if (strcmp(a, "--transcripts") == 0) _sTranscripts = v;
    else {
      _Usage();
      return 2;
    }
  }
  if (sServer == NULL || sToken == NULL || sFrom == NULL || sTo == NULL
      || Count < 1 || Count > MAX_MAILS) {
    _Usage();
    return 2;
  }
  if (Stall >= 0) {
    StallPort = _StalledServer(&StallFd);
    if (StallPort == 0) {
      perror("nb_poll: stalled server");
      return 2;
    }
  }
  /* Start every mail: validation only, nothing is connected yet. */
  for (i = 0; i < Count; i++) {
    MAIL *m = &_aMail[i];
    int r;
    m->NumAddr = 0;
    m->aAddr[m->NumAddr].sName = "nb_poll";
    m->aAddr[m->NumAddr].sAddr = sFrom;
    m->aAddr[m->NumAddr++].Type = SMTPC_REC_TYPE_FROM;
    m->aAddr[m->NumAddr].sName = NULL;
    m->aAddr[m->NumAddr].sAddr = sTo;
    m->aAddr[m->NumAddr++].Type = SMTPC_REC_TYPE_TO;
    if (sCc != NULL) {
      m->aAddr[m->NumAddr].sName = NULL;
      m->aAddr[m->NumAddr].sAddr = sCc;
      m->aAddr[m->NumAddr++].Type = SMTPC_REC_TYPE_CC;
    }
    if (sBcc != NULL) {
      m->aAddr[m->NumAddr].sName = NULL;
      m->aAddr[m->NumAddr].sAddr = sBcc;
      m->aAddr[m->NumAddr++].Type = SMTPC_REC_TYPE_BCC;
    }
    snprintf(m->acSubject, sizeof(m->acSubject), "nb %s %03d", sToken, i);
    _MakeBody(m->acBody, sizeof(m->acBody), sToken, i);
    m->Msg.sSubject = m->acSubject;
    m->Msg.sBody = m->acBody;
    m->Msg.sBoundary = NULL;
    m->Msg.paMultipartItem = NULL;
    m->Msg.NumMultipartItems = 0;
    if (i == Stall) {
      snprintf(m->acServer, sizeof(m->acServer), "127.0.0.1:%d/%d", StallPort, i);
    } else {
      snprintf(m->acServer, sizeof(m->acServer), "%s/%d", sServer, i);
    }
    m->Mta.sServer = m->acServer;
    m->Mta.sUser = NULL;
    m->Mta.sPass = NULL;
    m->Mta.SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE;
    IP_SMTPC_OptionsInit(&m->Opt);
    m->Opt.ReplyTimeoutMs = (U32)TimeoutMs;
    m->Opt.MessageIdSeed = (U32)i;
    memset(&m->Report, 0, sizeof(m->Report));
    m->Report.paResult = m->aResult;
    m->Report.NumResults = 4;
    m->Opt.pReport = &m->Report;
    m->Session.SizeOf = sizeof(m->Session);
    m->Waiting = 0;
    m->Done = 0;
    r = IP_SMTPC_Start(&m->Session, &_Api, m->aAddr, m->NumAddr, &m->Msg, &m->Mta, NULL, &m->Opt);
    if (r != 0) {
      fprintf(stderr, "nb_poll: mail %d not started: %d %s\n", i, r, IP_SMTPC_ErrorString(r));
      return 2;
    }
  }
  /* The superloop: poll() until a socket is ready or a deadline is due,
     then IP_SMTPC_Poll the sessions that can go on. */
  Start = _NowMs();
  Active = Count;
  while (Active > 0) {
    U32 Now = _NowMs();
    int NumFd = 0, WaitMs = 1000, k;
    for (i = 0; i < Count; i++) {
      MAIL *m = &_aMail[i];
      int Left;
      if (m->Done) {
        continue;
      }
      if (m->Waiting == 0) {
        WaitMs = 0;
        continue;
      }
      Left = (int)(m->DeadlineMs - Now);
      if (Left < WaitMs) {
        WaitMs = Left < 0 ? 0 : Left;
      }
      aFd[NumFd].fd = m->Conn.Fd;
      aFd[NumFd].events = (short)(((m->Waiting & IP_SMTPC_WAIT_READ) ? POLLIN : 0)
                                  | ((m->Waiting & IP_SMTPC_WAIT_WRITE) ? POLLOUT : 0));
      aFd[NumFd].revents = 0;
      aWho[NumFd++] = i;
    }
    if (poll(aFd, (nfds_t)NumFd, WaitMs) < 0 && errno != EINTR) {
      perror("nb_poll: poll");
      return 2;
    }
    for (k = 0; k < NumFd; k++) {
      if (aFd[k].revents != 0) {
        _aMail[aWho[k]].Waiting = 0;
      }
    }
    Now = _NowMs();
    for (i = 0; i < Count; i++) {
      MAIL *m = &_aMail[i];
      int r;
      if (m->Done || (m->Waiting != 0 && (int)(m->DeadlineMs - Now) > 0)) {
        continue;
      }
      r = IP_SMTPC_Poll(&m->Session, Now);
      if (r == IP_SMTPC_IN_PROGRESS) {
        m->Waiting = IP_SMTPC_GetWait(&m->Session, &m->DeadlineMs);
        if (m->Waiting < 0) {
          fprintf(stderr, "nb_poll: mail %d: GetWait %d\n", i, m->Waiting);
          return 2;
        }
        continue;
      }
      m->Done = 1;
      m->DoneMs = Now - Start;
      Active--;
    }
  }
  for (i = 0; i < Count; i++) {
    const MAIL *m = &_aMail[i];
    printf("mail %d result %d step %u accepted %u rejected %u codes %u %u %u %u done %u ms\n", i,
           m->Report.Result, m->Report.Step, m->Report.NumAccepted, m->Report.NumRejected,
           m->aResult[0].ReplyCode, m->aResult[1].ReplyCode, m->aResult[2].ReplyCode,
           m->aResult[3].ReplyCode, (unsigned)m->DoneMs);
  }
  printf("elapsed %u ms\n", (unsigned)(_NowMs() - Start));
  if (StallFd >= 0) {
    close(StallFd);
  }
  return 0;
}
