/*
 * outcome.c - smtpc: the exit status of a send and the lines that explain
 * it on standard error: every rejected recipient, then one line
 *   smtpc: <step>: <error>[: <reply code> <reply text>]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smtpc.h"

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

/*
 * Prints what went wrong and returns the exit status for result r of
 * SMTPC_Send.
 */
int SMTPC_Outcome(const SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, int r,
                  const IP_SMTPC_REPORT* pReport) {
  const char* sStep;
  int         Exit;
  int         i;

  for (i = 1; i < pSettings->NumAddr; i++) {
    if (pCtx->paRejection[i].ReplyCode != 0u) {
      fprintf(stderr, "smtpc: rejected: %s: %u ", pSettings->paAddr[i].sAddr, (unsigned)pCtx->paRejection[i].ReplyCode);
      if (pCtx->paRejection[i].sText != NULL) {
        SMTPC_PutEscaped(pCtx->paRejection[i].sText, strlen(pCtx->paRejection[i].sText));
      }
      fputc('\n', stderr);
    }
  }
  if (r == 0) {
    return EXIT_SENT;
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
  if (r == IP_SMTPC_ERR_CONNECT && pCtx->Verbose && pCtx->ConnectErrno != 0) {
    //
    // The port reports a name that does not resolve as ENOENT.
    //
    fprintf(stderr, "smtpc: connecting to %s port %u: %s\n", pCtx->sServer, pCtx->Port,
            (pCtx->ConnectErrno == ENOENT) ? "host name not found" : strerror(pCtx->ConnectErrno));
  }
  for (i = 0; i < pSettings->NumAttach; i++) {
    if (pSettings->paAtt[i].ReadErrno != 0) {
      fprintf(stderr, "smtpc: reading attachment %s: %s\n", pSettings->paAtt[i].sPath, strerror(pSettings->paAtt[i].ReadErrno));
    }
  }
    if (Exit == EXIT_USAGE) {
    sStep = "input";
  } else if (pReport->Step == IP_SMTPC_STEP_START_TLS && pCtx->TlsMode == IP_SMTPC_TLS_IMPLICIT) {
    sStep = "tls";                  /* the handshake before the greeting */
  } else {
    sStep = _StepName(pReport->Step);
  }
  fprintf(stderr, "smtpc: %s: %s", sStep, IP_SMTPC_ErrorString(r));
#ifdef SMTPC_WITH_MBEDTLS
  if (r == IP_SMTPC_ERR_TLS_HANDSHAKE && pCtx->TlsError != IP_SMTPC_MBEDTLS_ERR_NONE) {
    //
    // The class (certificate / host name / handshake) and mbedTLS's words;
    // the 220 that preceded the handshake decided nothing.
    //
    fprintf(stderr, ": %s", IP_SMTPC_MBEDTLS_ErrorString(pCtx->TlsError));
    if (pCtx->acTlsDetail[0] != '\0') {
      fputs(": ", stderr);
      SMTPC_PutEscaped(pCtx->acTlsDetail, strlen(pCtx->acTlsDetail));
    }
    fputc('\n', stderr);
    return Exit;
  }
#endif
  if (Exit != EXIT_USAGE && pReport->ReplyCode != 0u) {
    fprintf(stderr, ": %u ", (unsigned)pReport->ReplyCode);
    SMTPC_PutEscaped(pReport->acReply, strlen(pReport->acReply));
  }
  fputc('\n', stderr);
  return Exit;
}

/*************************** End of file ****************************/
