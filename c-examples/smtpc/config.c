/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * config.c - smtpc: accounts from a configuration file (--config FILE,
 * --account NAME).
 *
 * The file: one "key value" per line; '#' starts a comment line; blank lines
 * are ignored; a value may be put in double quotes (kept as is inside, for
 * leading or trailing spaces). "account NAME" starts an account; keys before
 * the first one are defaults for every account. Keys:
 *
 *   server port tls cafile tls-name user password password-command
 *   from from-name helo timeout
 *
 * Without --account the account "default" is used when the file has one.
 * Options given on the command line win over the account, the account over
 * the defaults. A file holding a password must not be readable by group or
 * others (POSIX mode bits; not checked on Windows, where ACLs decide). Every error is one line "smtpc: config: FILE:LINE: ..." and exit
 * status 2, before anything is sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smtpc.h"

/*********************************************************************
*
*       Defines, types
*
**********************************************************************
*/

#define CONFIG_LINE_SIZE      1024u     /* longest line accepted, newline included */
#define PASSWORD_SIZE         (IP_SMTPC_MAX_TEXT_LEN + 2u)

enum {
  KEY_SERVER, KEY_PORT, KEY_TLS, KEY_CAFILE, KEY_TLS_NAME, KEY_USER, KEY_PASSWORD,
  KEY_PASSWORD_COMMAND, KEY_FROM, KEY_FROM_NAME, KEY_HELO, KEY_TIMEOUT, NUM_KEYS
};

static const char* const _asKey[NUM_KEYS] = {
  "server", "port", "tls", "cafile", "tls-name", "user", "password",
  "password-command", "from", "from-name", "helo", "timeout"
};

typedef char CHECK_CONFIG_VALUES[(2 * NUM_KEYS <= SMTPC_MAX_CONFIG_VALUES) ? 1 : -1];

/* What one section (the defaults or the chosen account) says. */
typedef struct {
  char*    asValue[NUM_KEYS];     /* malloc'ed, NULL = not given */
  unsigned aLine[NUM_KEYS];       /* where                        */
} SECTION;

typedef struct {
  const char* sPath;
  const char* sAccount;           /* wanted: --account or "default" */
  int         AccountGiven;       /* --account was given            */
  int         FoundAccount;
  SECTION     Defaults;
  SECTION     Account;
  unsigned    PasswordLine;       /* first "password" line, 0 = none */
} CONFIG;

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

static int _Error(const CONFIG* pConfig, unsigned Line, const char* sWhat, const char* sArg) {
  if (Line != 0u) {
    fprintf(stderr, "smtpc: config: %s:%u: ", pConfig->sPath, Line);
  } else {
    fprintf(stderr, "smtpc: config: %s: ", pConfig->sPath);
  }
  fprintf(stderr, sWhat, sArg);
  fputc('\n', stderr);
  return EXIT_USAGE;
}

static void _FreeSection(SECTION* pSection) {
  int i;

  for (i = 0; i < NUM_KEYS; i++) {
    free(pSection->asValue[i]);
    pSection->asValue[i] = NULL;
  }
}

static int _IsSpace(char c) {
  return c == ' ' || c == '\t';
}

/* A value valid for its key? Returns NULL or what is wrong (a format with %s). */
static const char* _CheckValue(int Key, const char* sValue) {
  unsigned long Value;
  int           Mode;

  switch (Key) {
  case KEY_PORT:
    return (SMTPC_ParseUnsigned(sValue, 1ul, 65535ul, &Value) != 0) ? "port: '%s' is not a port number (1-65535)" : NULL;
  case KEY_TIMEOUT:
    return (SMTPC_ParseUnsigned(sValue, 1ul, (unsigned long)MAX_TIMEOUT_S, &Value) != 0)
           ? "timeout: '%s' is not a number of seconds" : NULL;
  case KEY_TLS:
    if (SMTPC_ParseTlsMode(sValue, &Mode) != 0) {
      return "tls: unknown mode '%s' (none, starttls, starttls-required, implicit)";
    }
#ifndef SMTPC_WITH_MBEDTLS
    if (Mode != IP_SMTPC_TLS_NONE) {
      return "tls: '%s' is not built into this version";
    }
#endif
    return NULL;
  default:
    return NULL;
  }
}

/*
 * One line (NUL-terminated, newline removed) into the section it belongs
 * to. Returns SMTPC_CONTINUE or EXIT_USAGE after the message.
 */
static int _ParseLine(CONFIG* pConfig, char* s, unsigned Line, SECTION** ppSection) {
  char*       sKey;
  char*       sValue;
  char*       sCopy;
  const char* sProblem;
  SECTION*    pSection;
  size_t      Len;
  int         Key;

  while (_IsSpace(*s)) {
    s++;
  }
  if (*s == '\0' || *s == '#') {
    return SMTPC_CONTINUE;
  }
  sKey = s;
  while (*s != '\0' && !_IsSpace(*s)) {
    s++;
  }
  if (*s != '\0') {
    *s++ = '\0';
  }
  while (_IsSpace(*s)) {
    s++;
  }
  sValue = s;
  Len    = strlen(sValue);
  while (Len > 0u && _IsSpace(sValue[Len - 1u])) {
    sValue[--Len] = '\0';
  }
  if (Len >= 2u && sValue[0] == '"' && sValue[Len - 1u] == '"') {
    sValue[Len - 1u] = '\0';
    sValue++;
  } else if (Len > 0u && sValue[0] == '"') {
    return _Error(pConfig, Line, "%s: the closing '\"' is missing", sKey);
  }
  if (sValue[0] == '\0') {
    return _Error(pConfig, Line, "%s: no value", sKey);
  }
  if (strcmp(sKey, "account") == 0) {
    if (strcmp(sValue, pConfig->sAccount) == 0) {
      if (pConfig->FoundAccount) {
        return _Error(pConfig, Line, "account '%s' is defined twice", sValue);
      }
      pConfig->FoundAccount = 1;
      *ppSection = &pConfig->Account;
    } else {
      *ppSection = NULL;            /* another account: checked, not kept */
    }
    return SMTPC_CONTINUE;
  }
  for (Key = 0; Key < NUM_KEYS; Key++) {
    if (strcmp(sKey, _asKey[Key]) == 0) {
      break;
    }
  }
  if (Key == NUM_KEYS) {
    return _Error(pConfig, Line, "unknown key '%s' (server, port, tls, cafile, tls-name, user, password, "
                  "password-command, from, from-name, helo, timeout, account)", sKey);
  }
  sProblem = _CheckValue(Key, sValue);
  if (sProblem != NULL) {
    return _Error(pConfig, Line, sProblem, sValue);
  }
  if (Key == KEY_PASSWORD && pConfig->PasswordLine == 0u) {
    pConfig->PasswordLine = Line;
  }
  pSection = *ppSection;
  if (pSection == NULL) {
    return SMTPC_CONTINUE;
  }
  if (pSection->asValue[Key] != NULL) {
    return _Error(pConfig, Line, "%s: given twice in this section", sKey);
  }
  sCopy = SMTPC_DupN(sValue, strlen(sValue));
  if (sCopy == NULL) {
    return _Error(pConfig, Line, "%s", "out of memory");
  }
  pSection->asValue[Key] = sCopy;
  pSection->aLine[Key]   = Line;
  return SMTPC_CONTINUE;
}

/* The whole file; SMTPC_CONTINUE or EXIT_USAGE after the message. */
static int _ParseFile(CONFIG* pConfig, FILE* pFile) {
  char     acLine[CONFIG_LINE_SIZE];
  SECTION* pSection;
  unsigned Line;
  size_t   Len;
  int      r;

  pSection = &pConfig->Defaults;
  Line     = 0u;
  while (fgets(acLine, (int)sizeof(acLine), pFile) != NULL) {
    Line++;
    Len = strlen(acLine);
    if (Len == sizeof(acLine) - 1u && acLine[Len - 1u] != '\n' && !feof(pFile)) {
      return _Error(pConfig, Line, "line longer than %s characters", "1022");
    }
    if (Len > 0u && acLine[Len - 1u] == '\n') {
      acLine[--Len] = '\0';
    }
    if (Len > 0u && acLine[Len - 1u] == '\r') {
      acLine[--Len] = '\0';
    }
    r = _ParseLine(pConfig, acLine, Line, &pSection);
    if (r != SMTPC_CONTINUE) {
      return r;
    }
  }
  if (ferror(pFile)) {
    return _Error(pConfig, 0u, "%s", strerror(errno));
  }
  return SMTPC_CONTINUE;
}

/* The value of Key: the account's, else the defaults'; its line in *pLine. */
static const char* _Value(const CONFIG* pConfig, int Key, unsigned* pLine) {
  if (pConfig->Account.asValue[Key] != NULL) {
    *pLine = pConfig->Account.aLine[Key];
    return pConfig->Account.asValue[Key];
  }
  *pLine = pConfig->Defaults.aLine[Key];
  return pConfig->Defaults.asValue[Key];
}

/*
 * Runs the password command (/bin/sh -c): its first output line is the
 * password. Returns a malloc'ed string or NULL after the message.
 */
static char* _RunPasswordCommand(const CONFIG* pConfig, const char* sCommand, unsigned Line) {
  char   acBuf[PASSWORD_SIZE];
  FILE*  pPipe;
  size_t Len;
  int    Status;

  fflush(NULL);
  pPipe = SMTPC_POpen(sCommand);
  if (pPipe == NULL) {
    (void)_Error(pConfig, Line, "password-command: %s", strerror(errno));
    return NULL;
  }
  Len = fread(acBuf, 1u, sizeof(acBuf) - 1u, pPipe);
  while (fgetc(pPipe) != EOF) {     /* the rest, so that the command is not killed by SIGPIPE */
  }
  Status = SMTPC_PClose(pPipe);
  if (Status != 0) {
    if (Status < 0) {
      (void)_Error(pConfig, Line, "password-command %s", "failed (killed by a signal or not run)");
    } else {
      fprintf(stderr, "smtpc: config: %s:%u: password-command failed (exit status %d)\n", pConfig->sPath, Line,
              Status);
    }
    return NULL;
  }
  acBuf[Len] = '\0';
  if (memchr(acBuf, '\0', Len) != NULL) {
    (void)_Error(pConfig, Line, "password-command: %s", "the output contains a NUL byte");
    return NULL;
  }
  Len = strcspn(acBuf, "\r\n");     /* the first line */
  if (Len == 0u) {
    (void)_Error(pConfig, Line, "password-command: %s", "no password on its standard output");
    return NULL;
  }
  return SMTPC_DupN(acBuf, Len);
}

/* The account's settings where the command line left them unset. */
static int _Apply(SMTPC_SETTINGS* pSettings, CONFIG* pConfig) {
  const char*   s;
  const char*   sAccountUser;
  const char*   sPass;
  const char*   sCommand;
  char*         sOwned;
  unsigned      Line;
  unsigned      LinePass;
  unsigned      LineCommand;
  unsigned long Value;
  int           UserFromArgs;

  if ((s = _Value(pConfig, KEY_SERVER, &Line)) != NULL && pSettings->sServer == NULL) {
    pSettings->sServer = s;
  }
  if ((s = _Value(pConfig, KEY_PORT, &Line)) != NULL && !pSettings->HavePort) {
    (void)SMTPC_ParseUnsigned(s, 1ul, 65535ul, &Value);
    pSettings->Port     = (unsigned)Value;
    pSettings->HavePort = 1;
  }
  if ((s = _Value(pConfig, KEY_TLS, &Line)) != NULL && pSettings->TlsMode == 0) {
    (void)SMTPC_ParseTlsMode(s, &pSettings->TlsMode);
  }
  if ((s = _Value(pConfig, KEY_CAFILE, &Line)) != NULL && pSettings->sCaFile == NULL) {
    pSettings->sCaFile = s;
  }
  if ((s = _Value(pConfig, KEY_TLS_NAME, &Line)) != NULL && pSettings->sTlsName == NULL) {
    pSettings->sTlsName = s;
  }
  if ((s = _Value(pConfig, KEY_FROM, &Line)) != NULL && pSettings->sFrom == NULL) {
    pSettings->sFrom = s;
  }
  if ((s = _Value(pConfig, KEY_FROM_NAME, &Line)) != NULL && pSettings->sFromName == NULL) {
    pSettings->sFromName = s;
  }
  if ((s = _Value(pConfig, KEY_HELO, &Line)) != NULL && pSettings->sHelo == NULL) {
    pSettings->sHelo = s;
  }
  if ((s = _Value(pConfig, KEY_TIMEOUT, &Line)) != NULL && pSettings->TimeoutS == 0u) {
    (void)SMTPC_ParseUnsigned(s, 1ul, (unsigned long)MAX_TIMEOUT_S, &Value);
    pSettings->TimeoutS = (unsigned)Value;
  }
  //
  // Credentials: the account's password goes with the account's user only.
  //
  sAccountUser = _Value(pConfig, KEY_USER, &Line);
  UserFromArgs = (pSettings->sUser != NULL);
  if (sAccountUser != NULL && !UserFromArgs) {
    pSettings->sUser = sAccountUser;
  }
  if (pSettings->sPass == NULL) {
    pSettings->sPass = getenv("SMTPC_PASS");
  }
  if (pSettings->sPass != NULL || sAccountUser == NULL
      || (UserFromArgs && strcmp(pSettings->sUser, sAccountUser) != 0)) {
    return SMTPC_CONTINUE;
  }
  sPass    = _Value(pConfig, KEY_PASSWORD, &LinePass);
  sCommand = _Value(pConfig, KEY_PASSWORD_COMMAND, &LineCommand);
  if (sPass != NULL && sCommand != NULL) {
    return _Error(pConfig, (LinePass > LineCommand) ? LinePass : LineCommand,
                  "%s", "password and password-command both apply; keep one");
  }
  if (sPass != NULL) {
    pSettings->sPass = sPass;
  } else if (sCommand != NULL) {
    sOwned = _RunPasswordCommand(pConfig, sCommand, LineCommand);
    if (sOwned == NULL) {
      return EXIT_USAGE;
    }
    pSettings->sPassOwned = sOwned;
    pSettings->sPass      = sOwned;
  }
  return SMTPC_CONTINUE;
}

/* 1 when pBuf gets "<sBase><sRest>" and that file exists. */
static int _Exists(char* pBuf, size_t BufSize, const char* sBase, const char* sRest) {
  struct stat St;

  if (sBase == NULL || sBase[0] == '\0') {
    return 0;
  }
  if ((size_t)snprintf(pBuf, BufSize, "%s%s", sBase, sRest) >= BufSize) {
    return 0;
  }
  return stat(pBuf, &St) == 0;
}

/* The file to read: --config, else the first default path that exists, else NULL. */
static const char* _FindFile(const SMTPC_SETTINGS* pSettings, char* pBuf, size_t BufSize) {
  const char* sXdg;
  const char* sHome;

  if (pSettings->sConfig != NULL) {
    return pSettings->sConfig;
  }
  sXdg  = getenv("XDG_CONFIG_HOME");
  sHome = getenv("HOME");
  if (sXdg != NULL && sXdg[0] != '\0') {
    if (_Exists(pBuf, BufSize, sXdg, "/smtpc/config")) {
      return pBuf;
    }
  } else if (_Exists(pBuf, BufSize, sHome, "/.config/smtpc/config")) {
    return pBuf;
  }
  if (_Exists(pBuf, BufSize, sHome, "/.smtpc.conf")) {
    return pBuf;
  }
  return NULL;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * Reads the configuration file, if any, and fills what the command line
 * left unset from the chosen account. SMTPC_CONTINUE or EXIT_USAGE.
 */
int SMTPC_LoadAccount(SMTPC_SETTINGS* pSettings) {
  CONFIG      Config;
  struct stat St;
  char        acPath[4096];
  FILE*       pFile;
  int         r;
  int         i;

  (void)sizeof(CHECK_CONFIG_VALUES);
  memset(&Config, 0, sizeof(Config));
  Config.sPath = _FindFile(pSettings, acPath, sizeof(acPath));
  if (Config.sPath == NULL) {
    if (pSettings->sAccount != NULL) {
      fprintf(stderr, "smtpc: config: --account %s: no configuration file ($XDG_CONFIG_HOME/smtpc/config, "
              "~/.config/smtpc/config, ~/.smtpc.conf; or give --config FILE)\n", pSettings->sAccount);
      return EXIT_USAGE;
    }
    return SMTPC_CONTINUE;
  }
  Config.AccountGiven = (pSettings->sAccount != NULL);
  Config.sAccount     = Config.AccountGiven ? pSettings->sAccount : "default";
  pFile = fopen(Config.sPath, "r");
  if (pFile == NULL) {
    return _Error(&Config, 0u, "%s", strerror(errno));
  }
  r = SMTPC_CONTINUE;
  if (SMTPC_FStat(pFile, &St) != 0) {
    r = _Error(&Config, 0u, "%s", strerror(errno));
  } else if (S_ISDIR(St.st_mode)) {
    r = _Error(&Config, 0u, "%s", "is a directory");
  }
  if (r == SMTPC_CONTINUE) {
    r = _ParseFile(&Config, pFile);
  }
  (void)fclose(pFile);
  if (r == SMTPC_CONTINUE && Config.PasswordLine != 0u && SMTPC_ReadableByOthers(&St)) {
    fprintf(stderr, "smtpc: config: %s:%u: a password in a file that group or others can read (mode %03o); "
            "run chmod 600 %s or use password-command\n", Config.sPath, Config.PasswordLine,
            (unsigned)(St.st_mode & 0777u), Config.sPath);
    r = EXIT_USAGE;
  }
  if (r == SMTPC_CONTINUE && Config.AccountGiven && !Config.FoundAccount) {
    r = _Error(&Config, 0u, "no account '%s'", Config.sAccount);
  }
  if (r == SMTPC_CONTINUE) {
    r = _Apply(pSettings, &Config);
  }
  //
  // Keep the values the settings now point to; free the rest.
  //
  for (i = 0; i < NUM_KEYS; i++) {
    pSettings->apConfigValue[2 * i]     = Config.Defaults.asValue[i];
    pSettings->apConfigValue[2 * i + 1] = Config.Account.asValue[i];
    Config.Defaults.asValue[i] = NULL;
    Config.Account.asValue[i]  = NULL;
  }
  _FreeSection(&Config.Defaults);
  _FreeSection(&Config.Account);
  return r;
}

/*************************** End of file ****************************/
