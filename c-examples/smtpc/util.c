/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * util.c - smtpc: small string helpers shared by the other files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpc.h"

/* Prints "smtpc: STEP: WHAT"; returns EXIT_USAGE. */
int SMTPC_Fail(const char* sStep, const char* sWhat) {
  fprintf(stderr, "smtpc: %s: %s\n", sStep, sWhat);
  return EXIT_USAGE;
}

char* SMTPC_DupN(const char* s, size_t Len) {
  char* p;

  p = (char*)malloc(Len + 1u);
  if (p != NULL) {
    memcpy(p, s, Len);
    p[Len] = '\0';
  }
  return p;
}

/* A copy of s owned by the settings (freed with them), or NULL. */
char* SMTPC_Own(SMTPC_SETTINGS* pSettings, const char* s) {
  char* p;

  if (pSettings->NumOwned >= pSettings->MaxEntries) {
    return NULL;
  }
  p = SMTPC_DupN(s, strlen(s));
  if (p != NULL) {
    pSettings->papOwned[pSettings->NumOwned++] = p;
  }
  return p;
}

static int _ToUpper(int c) {
  return (c >= 'a' && c <= 'z') ? (c - 'a' + 'A') : c;
}

/* ASCII case-insensitive comparison of s[0..Len) with the NUL-terminated sWord. */
int SMTPC_EqualNoCase(const char* s, size_t Len, const char* sWord) {
  size_t i;

  for (i = 0u; i < Len; i++) {
    if (sWord[i] == '\0' || _ToUpper((unsigned char)s[i]) != _ToUpper((unsigned char)sWord[i])) {
      return 0;
    }
  }
  return sWord[Len] == '\0';
}

int SMTPC_StartsWithNoCase(const char* s, size_t Len, const char* sPrefix) {
  size_t n;

  n = strlen(sPrefix);
  return (Len >= n) && SMTPC_EqualNoCase(s, n, sPrefix);
}

/* Strict decimal parse: digits only, Min <= value <= Max. */
int SMTPC_ParseUnsigned(const char* s, unsigned long Min, unsigned long Max, unsigned long* pValue) {
  unsigned long v;

  if (s == NULL || *s == '\0') {
    return -1;
  }
  v = 0ul;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') {
      return -1;
    }
    if (v > (Max - (unsigned long)(*s - '0')) / 10ul) {
      return -1;
    }
    v = v * 10ul + (unsigned long)(*s - '0');
  }
  if (v < Min) {
    return -1;
  }
  *pValue = v;
  return 0;
}

/* none|starttls|starttls-required|implicit -> IP_SMTPC_TLS_*; -1 when unknown. */
int SMTPC_ParseTlsMode(const char* s, int* pMode) {
  if (strcmp(s, "none") == 0) {
    *pMode = IP_SMTPC_TLS_NONE;
  } else if (strcmp(s, "starttls") == 0) {
    *pMode = IP_SMTPC_TLS_STARTTLS;
  } else if (strcmp(s, "starttls-required") == 0) {
    *pMode = IP_SMTPC_TLS_STARTTLS_REQUIRED;
  } else if (strcmp(s, "implicit") == 0) {
    *pMode = IP_SMTPC_TLS_IMPLICIT;
  } else {
    return -1;
  }
  return 0;
}

/* One word of a comma-separated option value and its bit. */
typedef struct {
  const char* sWord;
  U32         Bit;
} SMTPC_WORD;

/* A comma-separated list of the NumWords words of paWord (any case) as the OR
 * of their bits; -1, with a message naming sOption and the words, for another
 * word. */
static int _ParseWords(const char* sOption, const char* sList, const SMTPC_WORD* paWord,
                       unsigned NumWords, U32* pBits) {
  const char* s;
  const char* pEnd;
  size_t      Len;
  unsigned    i;
  U32         Bits;

  Bits = 0u;
  s    = sList;
  for (;;) {
    pEnd = strchr(s, ',');
    Len  = (pEnd != NULL) ? (size_t)(pEnd - s) : strlen(s);
    for (i = 0u; i < NumWords && !SMTPC_EqualNoCase(s, Len, paWord[i].sWord); i++) {
    }
    if (i == NumWords) {
      fprintf(stderr, "smtpc: input: %s: unknown word '%.*s' (", sOption, (int)Len, s);
      for (i = 0u; i < NumWords; i++) {
        fprintf(stderr, "%s%s", (i > 0u) ? ", " : "", paWord[i].sWord);
      }
      fputs(")\n", stderr);
      return -1;
    }
    Bits |= paWord[i].Bit;
    if (pEnd == NULL) {
      break;
    }
    s = pEnd + 1;
  }
  *pBits = Bits;
  return 0;
}

/* "success,failure,delay" (any of them) or "never" as IP_SMTPC_DSN_NOTIFY_*
 * bits; -1 (with a message) for another word. NEVER with others is left to
 * the library (IP_SMTPC_ERR_INVALID_OPTIONS). */
int SMTPC_ParseDsnNotify(const char* sList, U8* pBits) {
  static const SMTPC_WORD _aWord[] = {
    { "success", IP_SMTPC_DSN_NOTIFY_SUCCESS }, { "failure", IP_SMTPC_DSN_NOTIFY_FAILURE },
    { "delay",   IP_SMTPC_DSN_NOTIFY_DELAY   }, { "never",   IP_SMTPC_DSN_NOTIFY_NEVER   },
  };
  U32 Bits;

  if (_ParseWords("--dsn-notify", sList, _aWord, sizeof(_aWord) / sizeof(_aWord[0]), &Bits) != 0) {
    return -1;
  }
  *pBits = (U8)Bits;
  return 0;
}

/* PLAIN,LOGIN,CRAM-MD5,XOAUTH2,OAUTHBEARER -> IP_SMTPC_AUTH_* mask; -1 on
 * an unknown name (printed). CRAM-MD5, XOAUTH2 and OAUTHBEARER are
 * NOT_BUILT (exit 2) unless the library has them. */
int SMTPC_ParseAuthList(const char* sList, U32* pMask) {
  static const SMTPC_WORD _aWord[] = {
    { "PLAIN", IP_SMTPC_AUTH_PLAIN }, { "LOGIN", IP_SMTPC_AUTH_LOGIN },
    { "CRAM-MD5", IP_SMTPC_AUTH_CRAM_MD5 }, { "XOAUTH2", IP_SMTPC_AUTH_XOAUTH2 },
    { "OAUTHBEARER", IP_SMTPC_AUTH_OAUTHBEARER },
  };

  return _ParseWords("--auth", sList, _aWord, sizeof(_aWord) / sizeof(_aWord[0]), pMask);
}

/* Writes s[0..Len) to stderr with control characters and non-ASCII bytes
 * escaped as \xHH: server text never reaches the terminal raw. */
void SMTPC_PutEscaped(const char* s, size_t Len) {
  size_t        i;
  unsigned char c;

  for (i = 0u; i < Len; i++) {
    c = (unsigned char)s[i];
    if (c < 0x20u || c >= 0x7Fu) {
      fprintf(stderr, "\\x%02X", (unsigned)c);
    } else {
      fputc((int)c, stderr);
    }
  }
}

/*************************** End of file ****************************/
