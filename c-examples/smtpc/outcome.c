/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * outcome.c - smtpc: the exit status of a send and the lines that explain
 * it on standard error: every rejected recipient, then one line
 *   smtpc: <step>: <cause>[: <reply code> <reply text>][ (<hint>)]
 * naming the host:port where the connection is the cause.
 *
 * Exit statuses: 0 all delivered, 1 some recipients rejected, 2 usage or
 * invalid input (nothing sent), 3 permanent failure, 4 outcome unknown
 * after the final dot, 75 (EX_TEMPFAIL) temporary failure with nothing
 * delivered: a 4xx reply (for RCPT: at least one recipient got one),
 * connection refused, unreachable or broken before the final dot, a
 * timeout, a temporary DNS failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smtpc.h"

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

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

/* "host:port", "[v6]:port" for an IPv6 literal. */
static void _PrintHostPort(const SMTPC_CTX* pCtx) {
  if (strchr(pCtx->sServer, ':') != NULL) {
    fprintf(stderr, "[%s]:%u", pCtx->sServer, pCtx->Port);
  } else {
    fprintf(stderr, "%s:%u", pCtx->sServer, pCtx->Port);
  }
}

/* A connection that could not be made: a temporary failure? */
static int _ConnectIsTemporary(const SMTPC_CTX* pCtx) {
  if (pCtx->ConnectErrno == ENOENT) {
    return SMTPC_ResolveErrorIsTemporary(pCtx->ResolveError);
  }
  switch (pCtx->ConnectErrno) {
  case ECONNREFUSED:
  case ETIMEDOUT:
  case EHOSTUNREACH:
  case ENETUNREACH:
  case ENETDOWN:
  case ECONNRESET:
  case ECONNABORTED:
  case EAGAIN:
  case EINTR:
    return 1;
  default:
    return 0;
  }
}

/* Was any recipient rejected with a 4xx? */
static int _AnyTemporaryRejection(const SMTPC_CTX* pCtx) {
  int i;

  for (i = 1; i < pCtx->NumAddr; i++) {
    if (pCtx->paRejection[i].ReplyCode >= 400u && pCtx->paRejection[i].ReplyCode <= 499u) {
      return 1;
    }
  }
  return 0;
}

static int _ExitStatus(const SMTPC_CTX* pCtx, int r, const IP_SMTPC_REPORT* pReport) {
  if (r == 0) {
    return EXIT_SENT;
  }
  if (r == IP_SMTPC_ERR_PARTIAL_DELIVERY) {
    return EXIT_PARTIAL;
  }
  if ((r <= -1 && r >= -19) || r == IP_SMTPC_ERR_INVALID_MX_DOMAIN) {
    return EXIT_USAGE;
  }
  if (r == IP_SMTPC_ERR_DNS_LOOKUP || r == IP_SMTPC_ERR_DNS_MALFORMED) {
    return EXIT_TEMPFAIL;               /* --mx: the DNS may answer later */
  }
  if (r == IP_SMTPC_ERR_OUTCOME_UNKNOWN) {
    return EXIT_UNKNOWN;
  }
  if (r == IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED) {
    return _AnyTemporaryRejection(pCtx) ? EXIT_TEMPFAIL : EXIT_FAILED;
  }
  if (r == IP_SMTPC_ERR_CONNECT) {
    return _ConnectIsTemporary(pCtx) ? EXIT_TEMPFAIL : EXIT_FAILED;
  }
  if (r == IP_SMTPC_ERR_TIMEOUT || r == IP_SMTPC_ERR_RECEIVE || r == IP_SMTPC_ERR_SEND) {
    return EXIT_TEMPFAIL;               /* before the final dot: nothing delivered */
  }
  if (pReport->ReplyCode >= 400u && pReport->ReplyCode <= 499u) {
    return EXIT_TEMPFAIL;
  }
  return EXIT_FAILED;
}

/* The cause of a failed connect, after "smtpc: connect: ". */
static void _PrintConnectCause(const SMTPC_CTX* pCtx) {
  if (pCtx->ConnectErrno == ENOENT) {
    fprintf(stderr, "cannot resolve %s", pCtx->sServer);
    if (pCtx->ResolveError != 0) {
      fprintf(stderr, ": %s", SMTPC_ResolveErrorString(pCtx->ResolveError));
    }
    return;
  }
  switch (pCtx->ConnectErrno) {
  case ECONNREFUSED:
    fputs("connection refused by ", stderr);
    _PrintHostPort(pCtx);
    break;
  case ETIMEDOUT:
    fputs("no connection to ", stderr);
    _PrintHostPort(pCtx);
    fprintf(stderr, " within %u s", pCtx->ConnectTimeoutMs / 1000u);
    break;
  case 0:
    fputs("cannot connect to ", stderr);
    _PrintHostPort(pCtx);
    break;
  default:
    fputs("cannot connect to ", stderr);
    _PrintHostPort(pCtx);
    fprintf(stderr, ": %s", strerror(pCtx->ConnectErrno));
    break;
  }
}

/* The cause of a timeout, after "smtpc: <step>: ". */
static void _PrintTimeoutCause(const SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, unsigned Step) {
  unsigned Minutes;

  fputs("no reply from ", stderr);
  _PrintHostPort(pCtx);
  if (pSettings->TimeoutS != 0u) {
    fprintf(stderr, " within %u s", pSettings->TimeoutS);
    return;
  }
  //
  // RFC 5321 4.5.3.2, as the library applies them per step.
  //
  Minutes = (Step == IP_SMTPC_STEP_DATA) ? 2u : (Step == IP_SMTPC_STEP_END_OF_DATA) ? 10u : 5u;
  fprintf(stderr, " within %u min (RFC 5321; --timeout sets another limit)", Minutes);
}

/* After AUTH trouble or a 530 in clear without --tls: did the server offer STARTTLS? */
static int _WantsStartTls(const SMTPC_CTX* pCtx, int r, const IP_SMTPC_REPORT* pReport) {
  if (pReport->Secure || !pCtx->StartTlsOffered || pCtx->TlsMode != IP_SMTPC_TLS_NONE) {
    return 0;
  }
  return r == IP_SMTPC_ERR_AUTH_NOT_SUPPORTED || r == IP_SMTPC_ERR_AUTH_INSECURE
      || r == IP_SMTPC_ERR_AUTH_REQUIRED || r == IP_SMTPC_ERR_AUTH_ENCRYPTION_REQUIRED
      || pReport->ReplyCode == 530u;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * Prints what went wrong and returns the exit status for result r of
 * SMTPC_Send.
 */
int SMTPC_Outcome(const SMTPC_CTX* pCtx, const SMTPC_SETTINGS* pSettings, int r,
                  const IP_SMTPC_REPORT* pReport) {
  const char* sStep;
  const char* pEnd;
  int         Exit;
  int         i;

  for (i = 1; i < pSettings->NumAddr && pCtx->paRejection != NULL; i++) {
    if (pCtx->paRejection[i].ReplyCode != 0u) {
      fprintf(stderr, "smtpc: rejected: %s: %u ", pSettings->paAddr[i].sAddr,
              (unsigned)pCtx->paRejection[i].ReplyCode);
      if (pCtx->paRejection[i].sText != NULL) {
        SMTPC_PutEscaped(pCtx->paRejection[i].sText, strlen(pCtx->paRejection[i].sText));
      }
      fputc('\n', stderr);
    }
  }
  Exit = _ExitStatus(pCtx, r, pReport);
  if (Exit == EXIT_SENT) {
    return Exit;
  }
  if (pSettings->Body.HasNul) {
    fprintf(stderr, "smtpc: input: the body (%s) contains a NUL byte; nothing was delivered\n",
            pSettings->Body.sPath);
  }
  if (pSettings->Body.ReadErrno != 0) {
    fprintf(stderr, "smtpc: reading %s: %s\n", pSettings->Body.sPath, strerror(pSettings->Body.ReadErrno));
  }
  for (i = 0; i < pSettings->NumAttach; i++) {
    if (pSettings->paAtt[i].ReadErrno != 0) {
      fprintf(stderr, "smtpc: reading attachment %s: %s\n", pSettings->paAtt[i].sPath,
              strerror(pSettings->paAtt[i].ReadErrno));
    }
  }
  if (r == IP_SMTPC_ERR_INVALID_BODY && pSettings->Body.pRest != NULL) {
    fprintf(stderr, "smtpc: input: -t: a line of the message after its first %u octets is longer than "
            "998 octets (RFC 5322; a leading dot counts twice); nothing was delivered\n", SMTPC_STREAM_AFTER);
    return Exit;
  }
  if (Exit == EXIT_USAGE) {
    sStep = "input";
  } else if (r <= IP_SMTPC_ERR_NO_SUCH_DOMAIN && r >= IP_SMTPC_ERR_DNS_LOOKUP) {
    sStep = "mx";                   /* --mx: the DNS answer decided, nothing connected */
  } else if (pReport->Step == IP_SMTPC_STEP_START_TLS && pCtx->TlsMode == IP_SMTPC_TLS_IMPLICIT) {
    sStep = "tls";                  /* the handshake before the greeting */
  } else {
    sStep = _StepName(pReport->Step);
  }
  fprintf(stderr, "smtpc: %s: ", sStep);
  if (r == IP_SMTPC_ERR_CONNECT) {
    _PrintConnectCause(pCtx);
    fputc('\n', stderr);
    return Exit;
  }
  if (r == IP_SMTPC_ERR_TIMEOUT) {
    _PrintTimeoutCause(pCtx, pSettings, pReport->Step);
    fputc('\n', stderr);
    return Exit;
  }
  fputs(IP_SMTPC_ErrorString(r), stderr);
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
  if (r == IP_SMTPC_ERR_RECEIVE || r == IP_SMTPC_ERR_SEND) {
    fputs(" (", stderr);
    _PrintHostPort(pCtx);
    fputc(')', stderr);
  }
  if (Exit != EXIT_USAGE && pReport->ReplyCode != 0u) {
    pEnd = (const char*)memchr(pReport->acReply, '\0', sizeof(pReport->acReply));
    fprintf(stderr, ": %u ", (unsigned)pReport->ReplyCode);
    SMTPC_PutEscaped(pReport->acReply, (pEnd != NULL) ? (size_t)(pEnd - pReport->acReply) : sizeof(pReport->acReply));
  }
  if (pReport->OAuthStatus != 0u) {
    fprintf(stderr, "\nsmtpc: OAuth: status %u (%s)", (unsigned)pReport->OAuthStatus,
            pReport->OAuthStatus == 401u ? "token rejected"
            : pReport->OAuthStatus == 403u ? "insufficient scope"
            : pReport->OAuthStatus == 400u ? "invalid request"
            : pReport->OAuthStatus == 1u   ? "no status the library knows"
            : "server's status");
  }
  if (_WantsStartTls(pCtx, r, pReport)) {
    fputs(" (", stderr);
    _PrintHostPort(pCtx);
    fputs(" offers STARTTLS: use --tls starttls)", stderr);
  }
  fputc('\n', stderr);
  return Exit;
}

/*************************** End of file ****************************/
