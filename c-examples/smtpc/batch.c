/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * batch.c - smtpc --batch FILE...: several complete messages (each read as
 * -t reads one) sent over one connection with IP_SMTPC_SendBatch: one TLS
 * handshake and one AUTH for all, RSET between two mails, a mail refused
 * by the server does not stop the next.
 *
 * Every file is read and checked before anything is connected: one that
 * cannot be read or is no valid message stops the batch with exit 2 and
 * nothing is sent. After the send, one line per file on standard output,
 *   FILE: sent | partial | failed | temporary failure | unknown | not sent
 * and for each file that was not sent to everyone the lines SMTPC_Outcome
 * prints for a single mail, after "smtpc: FILE:". The exit status is that
 * of the first file (in command-line order) that failed; files "not sent"
 * (the connection ended, or another file was invalid) follow a failed one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* The word of the standard-output line for a mail's exit status. */
static const char* _StatusWord(int Result, int Exit) {
  if (Result == IP_SMTPC_ERR_NOT_SENT) {
    return "not sent";
  }
  switch (Exit) {
  case EXIT_SENT:     return "sent";
  case EXIT_PARTIAL:  return "partial";
  case EXIT_UNKNOWN:  return "unknown";
  case EXIT_TEMPFAIL: return "temporary failure";
  default:            return "failed";
  }
}

/*
 * One file into its entry: the command line's settings with its own
 * addresses, then read and prepared as -t does. SMTPC_CONTINUE or
 * EXIT_USAGE after printing why.
 */
static int _Load(const SMTPC_SETTINGS* pSettings, const char* sPath, SMTPC_BATCH_ENTRY* pEntry) {
  SMTPC_SETTINGS* p;

  pEntry->sPath = sPath;
  p             = &pEntry->Settings;
  *p            = *pSettings;
  memset(&p->Body, 0, sizeof(p->Body));
  p->pMessageStore = NULL;
  p->paAddr        = (IP_SMTPC_MAIL_ADDR*)calloc((size_t)pSettings->MaxAddr, sizeof(*p->paAddr));
  if (p->paAddr == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  memcpy(p->paAddr, pSettings->paAddr, (size_t)pSettings->NumAddr * sizeof(*p->paAddr));
  if (strcmp(sPath, "-") == 0) {
    return SMTPC_Fail("input", "--batch: the messages must be files ('-' is not allowed)");
  }
  if (!SMTPC_CanRead(sPath)) {
    fprintf(stderr, "smtpc: input: --batch %s: %s\n", sPath, strerror(errno));
    return EXIT_USAGE;
  }
  if (SMTPC_ReadBody(sPath, &p->Body) != 0) {
    return EXIT_USAGE;
  }
  if (p->Body.pRest != NULL) {
    fprintf(stderr, "smtpc: input: --batch %s: longer than %u octets; send it alone with -t\n", sPath,
            SMTPC_STREAM_AFTER);
    return EXIT_USAGE;
  }
  if (SMTPC_PrepareMessage(p, &p->Body) != SMTPC_CONTINUE) {
    fprintf(stderr, "smtpc: input: --batch %s: the message above was refused; nothing was sent\n", sPath);
    return EXIT_USAGE;
  }
  return SMTPC_CONTINUE;
}

/* What one entry owns (the rest belongs to the command line's settings). */
static void _Free(SMTPC_BATCH_ENTRY* pEntry) {
  int i;

  if (pEntry->paRejection != NULL) {
    for (i = 0; i < pEntry->Settings.NumAddr; i++) {
      free(pEntry->paRejection[i].sText);
    }
  }
  free(pEntry->paRejection);
  free(pEntry->paResult);
  free(pEntry->Settings.paAddr);
  free(pEntry->Settings.pMessageStore);
  SMTPC_FreeBody(&pEntry->Settings.Body);
}

/*
 * The results: a line per file on standard output, the diagnostics of a
 * file not sent to everyone on standard error; the batch's exit status.
 */
static int _Report(const SMTPC_CTX* pCtx, SMTPC_BATCH_ENTRY* paEntry, int NumMails) {
  SMTPC_CTX Ctx;
  int       Exit;
  int       First;
  int       NotSent;
  int       i;

  First   = EXIT_SENT;
  NotSent = 0;
  for (i = 0; i < NumMails; i++) {
    Ctx             = *pCtx;
    Ctx.paAddr      = paEntry[i].Settings.paAddr;
    Ctx.NumAddr     = paEntry[i].Settings.NumAddr;
    Ctx.paRejection = paEntry[i].paRejection;
    if (paEntry[i].Result == IP_SMTPC_ERR_NOT_SENT) {
      Exit    = EXIT_SENT;                      /* not attempted: another file says why */
      NotSent = 1;
    } else {
      if (paEntry[i].Result != 0) {
        fprintf(stderr, "smtpc: %s:\n", paEntry[i].sPath);
      }
      Exit = SMTPC_Outcome(&Ctx, &paEntry[i].Settings, paEntry[i].Result, &paEntry[i].Report);
    }
    printf("%s: %s\n", paEntry[i].sPath, _StatusWord(paEntry[i].Result, Exit));
    if (First == EXIT_SENT) {
      First = Exit;
    }
  }
  fflush(stdout);
  if (First == EXIT_SENT && NotSent) {
    First = EXIT_TEMPFAIL;                      /* (not expected: a file failed before them) */
  }
  return First;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * --batch: reads and checks every file, sends them over one connection
 * and reports; returns the exit status.
 */
int SMTPC_RunBatch(SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings) {
  SMTPC_BATCH_ENTRY* paEntry;
  int                NumMails;
  int                Exit;
  int                i;

  NumMails = pSettings->NumBatchFiles;
  paEntry  = (SMTPC_BATCH_ENTRY*)calloc((size_t)NumMails, sizeof(*paEntry));
  if (paEntry == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  Exit = SMTPC_CONTINUE;
  for (i = 0; i < NumMails && Exit == SMTPC_CONTINUE; i++) {
    Exit = _Load(pSettings, pSettings->pasBatchFile[i], &paEntry[i]);
  }
  if (Exit == SMTPC_CONTINUE) {
    (void)SMTPC_SendMails(pCtx, pSettings, paEntry, NumMails);
    Exit = _Report(pCtx, paEntry, NumMails);
  }
  for (i = 0; i < NumMails; i++) {
    _Free(&paEntry[i]);
  }
  free(paEntry);
  return Exit;
}

/*************************** End of file ****************************/
