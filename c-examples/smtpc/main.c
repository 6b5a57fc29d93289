/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * main.c - smtpc, a command-line mail sender on top of ip-smtpc, the POSIX
 * port and (with --tls) the mbedTLS port.
 *
 *   smtpc --server HOST [--port N] --from ADDR [options] --to ADDR [--to ADDR ...]
 *
 * The steps: the command line (options.c), the account (config.c), the checks and defaults below,
 * the body and attachments (input.c), the send (session.c) and the exit
 * status with its diagnostic (outcome.c); --batch reads and sends several
 * messages instead (batch.c). Run "smtpc --help" or read
 * smtpc.1 for the options and the exit statuses.
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

/* --mx: no --server; --dns-server only with it ($SMTPC_DNS_SERVER: its default). */
static int _CompleteMx(SMTPC_SETTINGS* pSettings) {
#ifdef _WIN32
  (void)pSettings;
  return SMTPC_Fail("input", "--mx: not built into this version");
#else
  if (pSettings->sMxDomain == NULL) {
    return SMTPC_Fail("input", "--dns-server needs --mx");
  }
  if (pSettings->sServer != NULL) {
    return SMTPC_Fail("input", "--mx and --server exclude each other (the mail hosts come from DNS)");
  }
  if (pSettings->Batch) {
    return SMTPC_Fail("input", "--mx and --batch exclude each other (--batch needs --server)");
  }
  if (pSettings->sDnsServer == NULL) {
    pSettings->sDnsServer = getenv("SMTPC_DNS_SERVER");
  }
  if (pSettings->sDnsServer != NULL && SMTPC_SetDnsServer(pSettings->sDnsServer) != 0) {
    return EXIT_USAGE;
  }
  return SMTPC_CONTINUE;
#endif
}

/* Required options, credentials and defaults; SMTPC_CONTINUE or EXIT_USAGE. */
static int _Complete(SMTPC_SETTINGS* pSettings, char* acTz, size_t TzSize) {
  if (pSettings->sMxDomain != NULL || pSettings->sDnsServer != NULL) {
    if (_CompleteMx(pSettings) != SMTPC_CONTINUE) {
      return EXIT_USAGE;
    }
  } else if (pSettings->sServer == NULL || pSettings->sServer[0] == '\0') {
    return SMTPC_Fail("input", "--server is required (or server in the account; see smtpc --help)");
  }
  if (pSettings->sFrom == NULL && !pSettings->ReadEnvelope) {
    return SMTPC_Fail("input", "--from is required (use --from '' for the null sender)");
  }
  if (pSettings->NumAddr < 2 && !pSettings->ReadEnvelope) {          /* -t: from the message */
    return SMTPC_Fail("input", "at least one --to, --cc or --bcc is required");
  }
  if (pSettings->sUser != NULL && pSettings->sUser[0] != '\0') {
    if (pSettings->sPass == NULL && pSettings->sOAuthToken == NULL) {
      pSettings->sPass = getenv("SMTPC_PASS");
    }
    if (pSettings->sPass == NULL && pSettings->sOAuthToken == NULL) {
      pSettings->sOAuthToken = getenv("SMTPC_OAUTH_TOKEN");
    }
    if (pSettings->sPass == NULL && pSettings->sOAuthToken == NULL) {
      return SMTPC_Fail("input", "--user needs --pass, --oauth-token or the environment variable SMTPC_PASS or SMTPC_OAUTH_TOKEN");
    }
  } else if (pSettings->sPass != NULL) {
    return SMTPC_Fail("input", "--pass needs --user");
  } else if (pSettings->sOAuthToken != NULL) {
    return SMTPC_Fail("input", "--oauth-token needs --user");
  }
  if (pSettings->sTz == NULL) {
    if (SMTPC_LocalTimezone(acTz, TzSize, &pSettings->TzOffsetSec) != 0) {
      return SMTPC_Fail("input", "cannot determine the local time zone (use --tz)");
    }
    pSettings->sTz = acTz;
  }
  pSettings->paAddr[0].sAddr = pSettings->sFrom;
  pSettings->paAddr[0].sName = pSettings->sFromName;
  pSettings->paAddr[0].Type  = SMTPC_REC_TYPE_FROM;
  if (pSettings->TlsMode == 0) {
    pSettings->TlsMode = IP_SMTPC_TLS_NONE;
  }
  //
  // TLS: the CA file must be readable now, not after STARTTLS.
  //
  if (pSettings->TlsMode == IP_SMTPC_TLS_NONE) {
    if (pSettings->sCaFile != NULL || pSettings->sTlsName != NULL) {
      return SMTPC_Fail("input", "--cafile and --tls-name need --tls starttls, starttls-required or implicit");
    }
    return SMTPC_CONTINUE;
  }
#ifdef SMTPC_WITH_MBEDTLS
  if (pSettings->sCaFile == NULL) {
    pSettings->sCaFile = DEFAULT_CAFILE;
  }
  if (!SMTPC_CanRead(pSettings->sCaFile)) {
    fprintf(stderr, "smtpc: input: --cafile %s: %s\n", pSettings->sCaFile, strerror(errno));
    return EXIT_USAGE;
  }
  if (pSettings->sTlsName != NULL
      && (pSettings->sTlsName[0] == '\0' || strlen(pSettings->sTlsName) > IP_SMTPC_MBEDTLS_MAX_NAME_LEN)) {
    return SMTPC_Fail("input", "--tls-name: empty or too long");
  }
#endif
  if (pSettings->TlsMode == IP_SMTPC_TLS_IMPLICIT && !pSettings->HavePort) {
    pSettings->Port = DEFAULT_SMTPS_PORT;
  }
  return SMTPC_CONTINUE;
}

/* Every attachment must open before anything is sent. */
static int _OpenAttachments(SMTPC_SETTINGS* pSettings) {
  int i;

  for (i = 0; i < pSettings->NumAttach; i++) {
    if (SMTPC_OpenAttachment(pSettings->paAtt[i].sPath, &pSettings->paAtt[i], &pSettings->paItem[i]) != 0) {
      return EXIT_USAGE;
    }
  }
  return SMTPC_CONTINUE;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

int main(int argc, char* argv[]) {
  SMTPC_SETTINGS  Settings;
  SMTPC_CTX       Ctx;
  IP_SMTPC_REPORT Report;
  char            acTz[8];
  int             Exit;
  int             r;
  int             i;

  memset(&Ctx, 0, sizeof(Ctx));
  Exit  = SMTPC_InitSettings(&Settings, argc);
  if (Exit == SMTPC_CONTINUE) {
    Exit = SMTPC_ParseArgs(&Settings, argc, argv);
  }
  if (Exit == SMTPC_CONTINUE) {
    Exit = SMTPC_LoadAccount(&Settings);
  }
  if (Exit == SMTPC_CONTINUE) {
    Exit = _Complete(&Settings, acTz, sizeof(acTz));
  }
  if (Exit == SMTPC_CONTINUE) {
    Exit = _OpenAttachments(&Settings);
  }
  if (Exit == SMTPC_CONTINUE && Settings.Batch) {
    Exit = SMTPC_RunBatch(&Ctx, &Settings);
  }
  if (Exit == SMTPC_CONTINUE && SMTPC_ReadBody(Settings.sBodyPath, &Settings.Body) != 0) {
    Exit = EXIT_USAGE;
  }
  if (Exit == SMTPC_CONTINUE && Settings.ReadEnvelope) {
    Exit = SMTPC_PrepareMessage(&Settings, &Settings.Body);
  }
  if (Exit == SMTPC_CONTINUE) {
    r    = SMTPC_Send(&Ctx, &Settings, &Report);
    Exit = SMTPC_Outcome(&Ctx, &Settings, r, &Report);
  }
  if (Ctx.paRejection != NULL) {
    for (i = 0; i < Ctx.NumAddr; i++) {
      free(Ctx.paRejection[i].sText);
    }
    free(Ctx.paRejection);
  }
  SMTPC_FreeSettings(&Settings);
  return Exit;
}

/*************************** End of file ****************************/
