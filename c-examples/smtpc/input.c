/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * input.c - smtpc: the message's parts read from files before connecting:
 * the body (read whole up to SMTPC_STREAM_AFTER bytes, the rest of a longer
 * one streamed while sending), the attachments (opened now, streamed while
 * sending, ATTACH_CHUNK bytes at a time) and the Date header's time zone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "smtpc.h"

#define ATTACH_CHUNK          512u      /* bytes read from an attachment at once */
#define BODY_CHUNK            0x10000u  /* bytes read from a streamed body at once */

/* "+HHMM" / "-HHMM" -> seconds east of UTC. */
int SMTPC_ParseTimezone(const char* s, long* pOffsetSec) {
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

/* The local time zone from the C library: "+HHMM" into pBuf (>= 6 bytes) and
 * its offset in whole minutes. Returns 0 or -1. */
int SMTPC_LocalTimezone(char* pBuf, size_t BufSize, long* pOffsetSec) {
  long Offset;

  if (SMTPC_UtcOffset(&Offset) != 0) {
    return -1;
  }
  _FormatTimezone(Offset, pBuf, BufSize);
  *pOffsetSec = (Offset / 60l) * 60l;
  return 0;
}


/*
 * Pushes what is left of pFile through pAPI->pfSend, Size bytes of pBuf at
 * a time. Returns 0 at its end, -1 after a read error (*pErrno set) or,
 * with pHasNul, at a NUL byte (*pHasNul set, the piece with it not sent).
 */
static int _Pump(FILE* pFile, char* pBuf, size_t Size, IP_SMTPC_CONTEXT* pContext,
                 const IP_SMTPC_MULTIPART_API* pAPI, int* pErrno, int* pHasNul) {
  size_t n;

  do {
    n = fread(pBuf, 1u, Size, pFile);
    if (n > 0u && pHasNul != NULL && memchr(pBuf, '\0', n) != NULL) {
      *pHasNul = 1;
      return -1;
    }
    if (n > 0u) {
      pAPI->pfSend(pContext, pBuf, (unsigned)n);
    }
  } while (n == Size);
  if (ferror(pFile)) {
    *pErrno = (errno != 0) ? errno : EIO;
    return -1;
  }
  return 0;
}

/*
 * Reads the body (a file or standard input) into a NUL-terminated buffer:
 * all of it when it ends within SMTPC_STREAM_AFTER bytes, else that much,
 * and pBody->pRest stays open for SMTPC_StreamBody. Returns 0 or EXIT_USAGE
 * after printing why.
 */
int SMTPC_ReadBody(const char* sPath, SMTPC_BODY* pBody) {
  FILE*  pFile;
  char*  pBuf;
  char*  pNew;
  size_t Cap;
  size_t Len;
  size_t n;
  int    c;
  int    r;

  memset(pBody, 0, sizeof(*pBody));
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
  pBody->sPath = sPath;
  Cap = 4096u;
  Len = 0u;
  pBuf = (char*)malloc(Cap);
  if (pBuf == NULL) {
    fprintf(stderr, "smtpc: input: out of memory\n");
    goto Cleanup;
  }
  for (;;) {
    if (Len >= SMTPC_STREAM_AFTER) {
      //
      // More than SMTPC_STREAM_AFTER bytes: the rest is streamed (if any).
      //
      c = getc(pFile);
      if (c != EOF) {
        (void)ungetc(c, pFile);
        pBody->pRest = pFile;
        pFile = NULL;
      }
      break;
    }
    if (Cap - Len < 2u) {
      Cap  = (Cap * 2u > SMTPC_STREAM_AFTER + 1u) ? SMTPC_STREAM_AFTER + 1u : Cap * 2u;
      pNew = (char*)realloc(pBuf, Cap);
      if (pNew == NULL) {
        fprintf(stderr, "smtpc: input: out of memory\n");
        goto Cleanup;
      }
      pBuf = pNew;
    }
    n = Cap - Len - 1u;
    if (n > SMTPC_STREAM_AFTER - Len) {
      n = SMTPC_STREAM_AFTER - Len;
    }
    n = fread(pBuf + Len, 1u, n, pFile);
    Len += n;
    if (n == 0u) {
      break;
    }
  }
  if (pFile != NULL && ferror(pFile)) {
    fprintf(stderr, "smtpc: input: reading %s: %s\n", sPath, strerror(errno));
    goto Cleanup;
  }
  if (memchr(pBuf, '\0', Len) != NULL) {
    fprintf(stderr, "smtpc: input: the body (%s) contains a NUL byte\n", sPath);
    goto Cleanup;
  }
  pBuf[Len]    = '\0';
  pBody->pData = pBuf;
  pBody->Len   = Len;
  pBuf = NULL;
  r = 0;
Cleanup:
  if (pFile != NULL && pFile != stdin) {
    (void)fclose(pFile);
  }
  free(pBuf);
  return r;
}

/*
 * pfSendItem of a streamed body: what was read, then the rest of the input
 * in BODY_CHUNK pieces; -1 on a read error or a NUL byte (the mail is then
 * abandoned before its end: nothing is delivered).
 */
static int _SendBody(IP_SMTPC_CONTEXT* pContext, const IP_SMTPC_MULTIPART_ITEM* pItem,
                     const IP_SMTPC_MULTIPART_API* pAPI) {
  static char acBuf[BODY_CHUNK];
  SMTPC_BODY* pBody;

  pBody = (SMTPC_BODY*)pItem->pUserContext;
  if (pBody->Streamed) {
    pBody->ReadErrno = ESPIPE;            /* the input cannot be read twice */
    return -1;
  }
  pBody->Streamed = 1;
  pAPI->pfSend(pContext, pBody->pData, (unsigned)pBody->Len);
  return _Pump(pBody->pRest, acBuf, sizeof(acBuf), pContext, pAPI, &pBody->ReadErrno, &pBody->HasNul);
}

/* Fills *pItem to stream the body (pBody->pRest is open): IP_SMTPC_OPTIONS.pBody. */
void SMTPC_StreamBody(SMTPC_BODY* pBody, IP_SMTPC_MULTIPART_ITEM* pItem) {
  memset(pItem, 0, sizeof(*pItem));
  pItem->pUserContext = pBody;
  pItem->pfSendItem   = _SendBody;
}

void SMTPC_FreeBody(SMTPC_BODY* pBody) {
  if (pBody->pRest != NULL && pBody->pRest != stdin) {
    (void)fclose(pBody->pRest);
  }
  free(pBody->pData);
  memset(pBody, 0, sizeof(*pBody));
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
      if (SMTPC_EqualNoCase(sDot + 1, strlen(sDot + 1), _aType[i].sExt)) {
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

  pAtt = (ATTACHMENT*)pItem->pUserContext;
  if (pAtt->Streamed && fseek(pAtt->pFile, 0L, SEEK_SET) != 0) {
    pAtt->ReadErrno = errno;
    return -1;
  }
  pAtt->Streamed = 1;
  return _Pump(pAtt->pFile, acBuf, sizeof(acBuf), pContext, pAPI, &pAtt->ReadErrno, NULL);
}

/*
 * --attach FILE[,TYPE]: splits off TYPE (text after the last comma, when it
 * contains a '/'; a file name may itself contain commas), opens the file and
 * fills the library's item. Returns 0 or EXIT_USAGE after printing why.
 */
int SMTPC_OpenAttachment(char* sArg, ATTACHMENT* pAtt, IP_SMTPC_MULTIPART_ITEM* pItem) {
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
  if (SMTPC_FStat(pAtt->pFile, &St) == 0 && S_ISDIR(St.st_mode)) {
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


void SMTPC_CloseAttachments(ATTACHMENT* paAtt, int NumAttach) {
  int i;

  if (paAtt == NULL) {
    return;
  }
  for (i = 0; i < NumAttach; i++) {
    if (paAtt[i].pFile != NULL) {
      (void)fclose(paAtt[i].pFile);
      paAtt[i].pFile = NULL;
    }
  }
}

/*************************** End of file ****************************/
