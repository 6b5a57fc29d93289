/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * options.c - smtpc: the command line into SMTPC_SETTINGS; --help.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"
#ifdef SMTPC_WITH_MBEDTLS
#include <mbedtls/version.h>
#endif

#ifndef SMTPC_VERSION                   /* set by c-examples/smtpc/smtpc.cmake */
#define SMTPC_VERSION       "unknown"
#endif
#ifndef SMTPC_LIB_VERSION
#define SMTPC_LIB_VERSION   "unknown"
#endif
#ifndef SMTPC_LIB_FEATURES
#define SMTPC_LIB_FEATURES  "unknown"
#endif

/*********************************************************************
*
*       Static data
*
**********************************************************************
*/

enum {
  OPT_SERVER = 256, OPT_PORT, OPT_TLS, OPT_CAFILE, OPT_TLS_NAME, OPT_USER, OPT_PASS,
  OPT_OAUTH_TOKEN, OPT_AUTH, OPT_ALLOW_INSECURE_AUTH, OPT_HELO, OPT_FROM, OPT_FROM_NAME,
  OPT_TO, OPT_CC, OPT_BCC, OPT_SUBJECT, OPT_BODY, OPT_ATTACH, OPT_HEADER, OPT_REPLY_TO,
  OPT_TIMEOUT, OPT_TZ, OPT_HELP, OPT_VERSION, OPT_CONFIG, OPT_ACCOUNT, OPT_READ_ENVELOPE,
  OPT_DSN_NOTIFY, OPT_DSN_RET, OPT_DSN_ENVID, OPT_DSN_REQUIRED,
  OPT_BATCH, OPT_MX, OPT_DNS_SERVER
};

static const struct option _aLongOption[] = {
  { "server",              required_argument, NULL, OPT_SERVER              },
  { "port",                required_argument, NULL, OPT_PORT                },
  { "tls",                 required_argument, NULL, OPT_TLS                 },
  { "cafile",              required_argument, NULL, OPT_CAFILE              },
  { "tls-name",            required_argument, NULL, OPT_TLS_NAME            },
  { "user",                required_argument, NULL, OPT_USER                },
  { "pass",                required_argument, NULL, OPT_PASS                },
  { "oauth-token",         required_argument, NULL, OPT_OAUTH_TOKEN         },
  { "auth",                required_argument, NULL, OPT_AUTH                },
  { "allow-insecure-auth", no_argument,       NULL, OPT_ALLOW_INSECURE_AUTH },
  { "helo",                required_argument, NULL, OPT_HELO                },
  { "from",                required_argument, NULL, OPT_FROM                },
  { "from-name",           required_argument, NULL, OPT_FROM_NAME           },
  { "to",                  required_argument, NULL, OPT_TO                  },
  { "cc",                  required_argument, NULL, OPT_CC                  },
  { "bcc",                 required_argument, NULL, OPT_BCC                 },
  { "subject",             required_argument, NULL, OPT_SUBJECT             },
  { "body",                required_argument, NULL, OPT_BODY                },
  { "attach",              required_argument, NULL, OPT_ATTACH              },
  { "header",              required_argument, NULL, OPT_HEADER              },
  { "reply-to",            required_argument, NULL, OPT_REPLY_TO            },
  { "dsn-notify",          required_argument, NULL, OPT_DSN_NOTIFY          },
  { "dsn-ret",             required_argument, NULL, OPT_DSN_RET             },
  { "dsn-envid",           required_argument, NULL, OPT_DSN_ENVID           },
  { "dsn-required",        no_argument,       NULL, OPT_DSN_REQUIRED        },
  { "timeout",             required_argument, NULL, OPT_TIMEOUT             },
  { "tz",                  required_argument, NULL, OPT_TZ                  },
  { "help",                no_argument,       NULL, OPT_HELP                },
  { "version",             no_argument,       NULL, OPT_VERSION             },
  { "config",              required_argument, NULL, OPT_CONFIG              },
  { "account",             required_argument, NULL, OPT_ACCOUNT             },
  { "read-envelope-from-message", no_argument, NULL, OPT_READ_ENVELOPE       },
  { "batch",               no_argument,       NULL, OPT_BATCH               },
  { "mx",                  required_argument, NULL, OPT_MX                  },
  { "dns-server",          required_argument, NULL, OPT_DNS_SERVER          },
  { NULL,                  0,                 NULL, 0                       }
};

/* --help, in parts: C99 compilers need not take a longer string literal than 4,095 bytes. */
static const char* const _apUsage[] = {
  "usage: smtpc --server HOST [--port N] --from ADDR [options] --to ADDR [--to ADDR ...]\n"
  "       smtpc --account NAME [options] --to ADDR ...\n"
  "       smtpc --server HOST [options] -t [--body FILE] [--to ADDR ...]\n"
  "       smtpc --server HOST [options] --batch FILE [FILE ...]\n"
  "       smtpc --mx DOMAIN [--port N] --from ADDR [options] --to ADDR ...  (not on Windows)\n"
  "  --config FILE          accounts file (default $XDG_CONFIG_HOME/smtpc/config,\n"
  "                         else ~/.config/smtpc/config, else ~/.smtpc.conf)\n"
  "  --account NAME         use this account of the file (default: the account 'default');\n"
  "                         options on the command line win over it\n"
  "  --server HOST          mail server host name or IP (required)\n"
  "  --port N               TCP port (default 25; 465 with --tls implicit)\n"
  "  --tls MODE             none (default), starttls (when offered), starttls-required,\n"
  "                         implicit (TLS from the first byte)\n"
  "  --cafile FILE          trusted CA certificates, PEM\n"
  "                         (default " DEFAULT_CAFILE ")\n"
  "  --tls-name NAME        name the server certificate must match (default: --server)\n"
  "  --user U / --pass P    credentials (P may also come from $SMTPC_PASS)\n"
  "  --auth LIST            allowed mechanisms, comma separated: PLAIN,LOGIN,CRAM-MD5,\n"
  "                         XOAUTH2,OAUTHBEARER (default: all built; --version lists them)\n"
  "  --oauth-token T        bearer token ($SMTPC_OAUTH_TOKEN): OAUTHBEARER, else XOAUTH2\n"
  "                         (--auth picks one), never a password; needs the oauth feature\n"
  "  --allow-insecure-auth  permit AUTH on a connection without TLS (refused otherwise)\n"
  "  --helo NAME            own domain for EHLO/HELO and the Message-ID\n"
  "  --from ADDR            sender ('' = null reverse-path MAIL FROM:<>)\n"
  "  --from-name NAME       sender's display name\n"
  "  --to ADDR[,NAME]       recipient, repeatable: one --to per recipient\n"
  "  --cc ADDR[,NAME]       copy recipient, repeatable\n"
  "  --bcc ADDR             blind recipient (never in the header), repeatable\n",
  "  --subject TEXT         subject\n"
  "  --body FILE            body text; '-' or absent = standard input\n"
  "  -t, --read-envelope-from-message\n"
  "                         the body (--body FILE or standard input) is a complete\n"
  "                         message, sent as given: recipients from its To, Cc and Bcc\n"
  "                         unless --to/--cc/--bcc are given, sender from its From\n"
  "                         unless --from is; Bcc lines removed, Date and Message-ID\n"
  "                         added when missing; lines over 998 octets refused (exit 2);\n"
  "                         not with --subject, --attach, --header, --reply-to, --from-name\n"
  "  --batch FILE...        several complete messages (as -t reads them, each at most\n"
  "                         512 KiB) over one connection: one TLS handshake, one AUTH,\n"
  "                         RSET between mails; a mail refused does not stop the next.\n"
  "                         One line per file on standard output: FILE: sent, partial,\n"
  "                         failed, temporary failure, unknown or not sent; the exit\n"
  "                         status is that of the first file that failed\n"
  "  --attach FILE[,TYPE]   attachment, repeatable; TYPE default: from the extension\n"
  "  --header 'Name: value' extra header field, repeatable\n"
  "  --reply-to ADDR        Reply-To address\n"
  "  --dsn-notify LIST      delivery status notifications to the sender (RFC 3461):\n"
  "                         success,failure,delay (any of them) or never\n"
  "  --dsn-ret full|hdrs    what a failure report returns of the message\n"
  "  --dsn-envid ID         envelope identifier the reports quote (printable ASCII)\n"
  "  --dsn-required         fail (exit 3) when the server does not offer DSN\n"
  "                         (otherwise the mail goes without the DSN parameters)\n",
  "  --timeout SECONDS      per-reply deadline (also bounds the TLS handshake and\n"
  "                         each TLS record) and socket I/O timeout\n"
  "                         (default: RFC 5321 deadlines, 600 s I/O, 30 s connect)\n"
  "  --tz +HHMM             time zone of the Date header (default: local)\n"
  "  -v                     print the SMTP transcript on standard error (credentials redacted)\n"
  "  --version              versions of smtpc, the library and the TLS library; features\n"
  "  -h, --help             this text\n"
  "  --mx DOMAIN            instead of --server: send to DOMAIN's mail hosts (MX records\n"
  "                         from the system resolver, preference order, the next host\n"
  "                         after a refused connection or a 4xx before MAIL; no MX: the\n"
  "                         domain itself) on --port (default 25); NXDOMAIN and a null MX\n"
  "                         exit 3, a failed lookup 75\n"
  "  --dns-server IP[:PORT] with --mx: ask this DNS server (IPv4, port default 53) for the\n"
  "                         MX records and the hosts' addresses (default: $SMTPC_DNS_SERVER,\n"
  "                         else the system's resolver and getaddrinfo)\n",
  "exit status: 0 accepted for every recipient; 1 some recipients rejected (listed);\n"
  "  2 usage error or invalid input, nothing sent; 3 permanent failure; 4 outcome unknown\n"
  "  (the connection broke after the final dot); 75 temporary failure, nothing delivered\n"
  "  (a 4xx reply, connection refused or broken, timeout, temporary DNS failure)\n",
  NULL
};

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* --version: smtpc, the library, its features, the TLS library. */
static void _PrintVersion(void) {
#ifdef SMTPC_WITH_MBEDTLS
  char acRuntime[18];
#endif

  printf("smtpc %s\n", SMTPC_VERSION);
  printf("library: ip-smtpc %s (cargo features: %s; buffers: reply %d, output %d bytes)\n",
         SMTPC_LIB_VERSION, SMTPC_LIB_FEATURES, SMTPC_IN_BUFFER_SIZE, SMTPC_OUT_BUFFER_SIZE);
  printf("auth: PLAIN, LOGIN%s%s\n", (strstr(SMTPC_LIB_FEATURES, "cram-md5") != NULL) ? ", CRAM-MD5" : "",
         (strstr(SMTPC_LIB_FEATURES, "oauth") != NULL) ? ", XOAUTH2, OAUTHBEARER" : "");
#ifdef SMTPC_WITH_MBEDTLS
  memset(acRuntime, 0, sizeof(acRuntime));
  mbedtls_version_get_string_full(acRuntime);   /* writes at most 18 bytes */
  printf("tls: %s (built with %s; ffi/ports/mbedtls)\n", acRuntime, MBEDTLS_VERSION_STRING_FULL);
#else
  printf("tls: not built (mbedTLS 2.x was not found when smtpc was built)\n");
#endif
}

#if !defined(SMTPC_WITH_MBEDTLS) || defined(_WIN32)
static int _NotBuilt(const char* sOption) {
  fprintf(stderr, "smtpc: --%s: not built into this version\n", sOption);
  return EXIT_USAGE;
}
#endif

/* 1 when s holds a word with '@' between two other characters: an address. */
static int _HoldsAddress(const char* s) {
  const char* pAt;

  for (pAt = strchr(s, '@'); pAt != NULL; pAt = strchr(pAt + 1, '@')) {
    if (pAt > s && pAt[-1] != ' ' && pAt[-1] != ',' && pAt[1] != '\0' && pAt[1] != ' ' && pAt[1] != ',') {
      return 1;
    }
  }
  return 0;
}

/*
 * "--to a@x,b@x" used to send to a@x alone with b@x as its display name.
 * A name that is an address is refused with the way to give several.
 */
static int _RefuseAddressList(const char* sOption, const char* sArg, const char* sName) {
  fprintf(stderr, "smtpc: input: --%s '%s': '%s' is an address, not a display name; give every "
          "recipient its own option: --%s ADDR --%s ADDR ...", sOption, sArg, sName, sOption, sOption);
  if (strcmp(sOption, "bcc") != 0) {
    fprintf(stderr, " (a name goes after the comma: --%s 'ADDR,Full Name')", sOption);
  }
  fputc('\n', stderr);
  return EXIT_USAGE;
}

/* --to/--cc ADDR[,NAME], --bcc ADDR: one more entry of paAddr. */
static int _AddRecipient(SMTPC_SETTINGS* pSettings, const char* sArg, int Type) {
  IP_SMTPC_MAIL_ADDR* pAddr;
  char*               sCopy;
  char*               pComma;

  sCopy = SMTPC_Own(pSettings, sArg);
  if (sCopy == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  pAddr        = &pSettings->paAddr[pSettings->NumAddr];
  pAddr->sAddr = sCopy;
  pAddr->sName = NULL;
  pAddr->Type  = Type;
  pComma = strchr(sCopy, ',');
  if (Type == SMTPC_REC_TYPE_BCC) {
    if (pComma != NULL && _HoldsAddress(pComma + 1)) {
      return _RefuseAddressList("bcc", sArg, pComma + 1);
    }
  } else if (pComma != NULL) {
    *pComma = '\0';
    if (_HoldsAddress(pComma + 1)) {
      return _RefuseAddressList((Type == SMTPC_REC_TYPE_TO) ? "to" : "cc", sArg, pComma + 1);
    }
    if (pComma[1] != '\0') {
      pAddr->sName = pComma + 1;
    }
  }
  pSettings->NumAddr++;
  return SMTPC_CONTINUE;
}

/* One option; SMTPC_CONTINUE or the exit status. */
static int _Option(SMTPC_SETTINGS* pSettings, int Opt, const char* sArg, char* argv[]) {
  unsigned long Value;
  char*         sCopy;
  unsigned      i;

  switch (Opt) {
  case 'h':
  case OPT_HELP:
    for (i = 0u; _apUsage[i] != NULL; i++) {
      fputs(_apUsage[i], stdout);
    }
    return EXIT_SENT;
  case OPT_VERSION:
    _PrintVersion();
    return EXIT_SENT;
  case 'v':
    pSettings->Verbose = 1;
    break;
  case 't':
  case OPT_READ_ENVELOPE:
    pSettings->ReadEnvelope = 1;
    break;
  case OPT_BATCH:
    pSettings->Batch        = 1;
    pSettings->ReadEnvelope = 1;                             /* each file is a -t message */
    break;
  case OPT_CONFIG:
    pSettings->sConfig = sArg;
    break;
  case OPT_ACCOUNT:
    pSettings->sAccount = sArg;
    break;
  case OPT_SERVER:
    pSettings->sServer = sArg;
    break;
  case OPT_PORT:
    if (SMTPC_ParseUnsigned(sArg, 1ul, 65535ul, &Value) != 0) {
      fprintf(stderr, "smtpc: input: --port: '%s' is not a port number (1-65535)\n", sArg);
      return EXIT_USAGE;
    }
    pSettings->Port     = (unsigned)Value;
    pSettings->HavePort = 1;
    break;
  case OPT_TLS:
    if (SMTPC_ParseTlsMode(sArg, &pSettings->TlsMode) != 0) {
      fprintf(stderr, "smtpc: input: --tls: unknown mode '%s' (none, starttls, starttls-required, implicit)\n",
              sArg);
      return EXIT_USAGE;
    }
#ifndef SMTPC_WITH_MBEDTLS
    if (pSettings->TlsMode != IP_SMTPC_TLS_NONE) {
      return _NotBuilt("tls");
    }
#endif
    break;
  case OPT_CAFILE:
#ifndef SMTPC_WITH_MBEDTLS
    return _NotBuilt("cafile");
#else
    pSettings->sCaFile = sArg;
    break;
#endif
  case OPT_TLS_NAME:
#ifndef SMTPC_WITH_MBEDTLS
    return _NotBuilt("tls-name");
#else
    pSettings->sTlsName = sArg;
    break;
#endif
  case OPT_OAUTH_TOKEN:
    pSettings->sOAuthToken = sArg;   /* checked by the library; NOT_BUILT without oauth */
    break;
  case OPT_ATTACH:
    sCopy = SMTPC_Own(pSettings, sArg);
    if (sCopy == NULL) {
      return SMTPC_Fail("input", "out of memory");
    }
    pSettings->paAtt[pSettings->NumAttach++].sPath = sCopy;   /* opened after the options */
    break;
  case OPT_HEADER:
    pSettings->pasHeader[pSettings->NumHeaders++] = sArg;    /* checked by the library */
    break;
  case OPT_REPLY_TO:
    pSettings->sReplyTo = sArg;
    break;
  case OPT_DSN_NOTIFY:
    if (SMTPC_ParseDsnNotify(sArg, &pSettings->DsnNotify) != 0) {
      return EXIT_USAGE;
    }
    break;
  case OPT_DSN_RET:
    if (SMTPC_EqualNoCase(sArg, strlen(sArg), "full")) {
      pSettings->DsnRet = IP_SMTPC_DSN_RET_FULL;
    } else if (SMTPC_EqualNoCase(sArg, strlen(sArg), "hdrs")) {
      pSettings->DsnRet = IP_SMTPC_DSN_RET_HDRS;
    } else {
      fprintf(stderr, "smtpc: input: --dsn-ret: '%s' is neither full nor hdrs\n", sArg);
      return EXIT_USAGE;
    }
    break;
  case OPT_DSN_ENVID:
    pSettings->sDsnEnvId = sArg;                             /* checked by the library */
    break;
  case OPT_DSN_REQUIRED:
    pSettings->DsnRequired = 1;
    break;
  case OPT_USER:
    pSettings->sUser = sArg;
    break;
  case OPT_PASS:
    pSettings->sPass = sArg;
    break;
  case OPT_AUTH:
    if (SMTPC_ParseAuthList(sArg, &pSettings->AuthMask) != 0) {
      return EXIT_USAGE;
    }
    break;
  case OPT_ALLOW_INSECURE_AUTH:
    pSettings->AllowInsecureAuth = 1;
    break;
  case OPT_HELO:
    pSettings->sHelo = sArg;
    break;
  case OPT_FROM:
    pSettings->sFrom = sArg;
    break;
  case OPT_FROM_NAME:
    pSettings->sFromName = sArg;
    break;
  case OPT_TO:
    return _AddRecipient(pSettings, sArg, SMTPC_REC_TYPE_TO);
  case OPT_CC:
    return _AddRecipient(pSettings, sArg, SMTPC_REC_TYPE_CC);
  case OPT_BCC:
    return _AddRecipient(pSettings, sArg, SMTPC_REC_TYPE_BCC);
  case OPT_SUBJECT:
    pSettings->sSubject = sArg;
    break;
  case OPT_BODY:
    pSettings->sBodyPath = sArg;
    break;
  case OPT_TIMEOUT:
    if (SMTPC_ParseUnsigned(sArg, 1ul, (unsigned long)MAX_TIMEOUT_S, &Value) != 0) {
      fprintf(stderr, "smtpc: input: --timeout: '%s' is not a number of seconds (1-%lu)\n",
              sArg, (unsigned long)MAX_TIMEOUT_S);
      return EXIT_USAGE;
    }
    pSettings->TimeoutS = (unsigned)Value;
    break;
  case OPT_TZ:
    if (SMTPC_ParseTimezone(sArg, &pSettings->TzOffsetSec) != 0) {
      fprintf(stderr, "smtpc: input: --tz: '%s' is not +HHMM or -HHMM\n", sArg);
      return EXIT_USAGE;
    }
    pSettings->sTz = sArg;
    break;
  case OPT_MX:
#ifdef _WIN32
    return _NotBuilt("mx");
#else
    pSettings->sMxDomain = sArg;                             /* checked by the library */
    break;
#endif
  case OPT_DNS_SERVER:
#ifdef _WIN32
    return _NotBuilt("dns-server");
#else
    pSettings->sDnsServer = sArg;
    break;
#endif
  case ':':
    fprintf(stderr, "smtpc: input: option '%s' needs an argument (see smtpc --help)\n", argv[optind - 1]);
    return EXIT_USAGE;
  default:
    if (optopt != 0 && optopt < 256) {
      fprintf(stderr, "smtpc: input: unknown option '-%c' (see smtpc --help)\n", optopt);
    } else {
      fprintf(stderr, "smtpc: input: unknown option '%s' (see smtpc --help)\n", argv[optind - 1]);
    }
    return EXIT_USAGE;
  }
  return SMTPC_CONTINUE;
}

/* -t: the message has its own header; options that would write one are refused. */
static int _CheckReadEnvelope(const SMTPC_SETTINGS* pSettings) {
  const char* sOption;

  if (!pSettings->ReadEnvelope) {
    return SMTPC_CONTINUE;
  }
  sOption = (pSettings->sSubject != NULL)  ? "--subject"
          : (pSettings->NumAttach > 0)     ? "--attach"
          : (pSettings->NumHeaders > 0)    ? "--header"
          : (pSettings->sReplyTo != NULL)  ? "--reply-to"
          : (pSettings->sFromName != NULL) ? "--from-name"
          : NULL;
  if (sOption != NULL) {
    fprintf(stderr, "smtpc: input: %s cannot be used with -t: the message brings its own header\n", sOption);
    return EXIT_USAGE;
  }
  return SMTPC_CONTINUE;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/* Empty settings with room for argc + 1 entries in every array. */
int SMTPC_InitSettings(SMTPC_SETTINGS* pSettings, int argc) {
  size_t n;

  memset(pSettings, 0, sizeof(*pSettings));
  n = (size_t)argc + 1u;
  pSettings->MaxEntries = (int)n;
  pSettings->Port       = DEFAULT_PORT;
  pSettings->AuthMask   = AUTH_ALL_BUILT;
  pSettings->NumAddr    = 1;            /* entry 0 is the sender */
  pSettings->MaxAddr    = (int)n;
  pSettings->paAddr     = (IP_SMTPC_MAIL_ADDR*)calloc(n, sizeof(*pSettings->paAddr));
  pSettings->papOwned   = (char**)calloc(n, sizeof(*pSettings->papOwned));
  pSettings->paItem     = (IP_SMTPC_MULTIPART_ITEM*)calloc(n, sizeof(*pSettings->paItem));
  pSettings->paAtt      = (ATTACHMENT*)calloc(n, sizeof(*pSettings->paAtt));
  pSettings->pasHeader  = (const char**)calloc(n, sizeof(*pSettings->pasHeader));
  if (pSettings->paAddr == NULL || pSettings->papOwned == NULL || pSettings->paItem == NULL
      || pSettings->paAtt == NULL || pSettings->pasHeader == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  return SMTPC_CONTINUE;
}

void SMTPC_FreeSettings(SMTPC_SETTINGS* pSettings) {
  unsigned k;
  int      i;

  SMTPC_CloseAttachments(pSettings->paAtt, pSettings->NumAttach);
  SMTPC_FreeBody(&pSettings->Body);
  for (k = 0u; k < SMTPC_MAX_CONFIG_VALUES; k++) {
    free(pSettings->apConfigValue[k]);
  }
  if (pSettings->sPassOwned != NULL) {
    memset(pSettings->sPassOwned, 0, strlen(pSettings->sPassOwned));
    free(pSettings->sPassOwned);
  }
  if (pSettings->papOwned != NULL) {
    for (i = 0; i < pSettings->NumOwned; i++) {
      free(pSettings->papOwned[i]);
    }
  }
  free(pSettings->papOwned);
  free(pSettings->paAtt);
  free(pSettings->paItem);
  free(pSettings->pasHeader);
  free(pSettings->paAddr);
  free(pSettings->pMessageStore);
  memset(pSettings, 0, sizeof(*pSettings));
}

/* The command line into *pSettings; SMTPC_CONTINUE or the exit status. */
int SMTPC_ParseArgs(SMTPC_SETTINGS* pSettings, int argc, char* argv[]) {
  int Opt;
  int r;

  opterr = 0;
  for (;;) {
    Opt = getopt_long(argc, argv, ":hvt", _aLongOption, NULL);
    if (Opt == -1) {
      break;
    }
    r = _Option(pSettings, Opt, optarg, argv);
    if (r != SMTPC_CONTINUE) {
      return r;
    }
  }
  if (pSettings->Batch) {
    if (optind >= argc) {
      return SMTPC_Fail("input", "--batch needs at least one message file");
    }
    if (pSettings->sBodyPath != NULL) {
      return SMTPC_Fail("input", "--body cannot be used with --batch: the message files follow the options");
    }
    pSettings->pasBatchFile  = &argv[optind];
    pSettings->NumBatchFiles = argc - optind;
  } else if (optind < argc) {
    fprintf(stderr, "smtpc: input: unexpected argument '%s' (see smtpc --help)\n", argv[optind]);
    return EXIT_USAGE;
  }
  return _CheckReadEnvelope(pSettings);
}

/*************************** End of file ****************************/
