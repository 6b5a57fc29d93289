/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * input.c - smtpc: the message's parts read from files before connecting:
 * the body (read whole), the attachments (opened now, streamed while
 * sending, ATTACH_CHUNK bytes at a time) and the Date header's time zone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "smtpc.h"

#define MAX_BODY_BYTES        0x7FFFFFFFul
#define ATTACH_CHUNK          512u      /* bytes read from an attachment at once */

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
 * Reads the whole body (a file or standard input) into a NUL-terminated
 * buffer. Returns 0 or EXIT_USAGE after printing why.
 */
int SMTPC_ReadBody(const char* sPath, char** ppBody) {
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
