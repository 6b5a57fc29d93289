/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * message.c - smtpc -t (--read-envelope-from-message): a complete RFC 5322
 * message read from a file or standard input and sent as given through the
 * library's RawMessage option.
 *
 * The recipients come from its To, Cc and Bcc fields (unfolded; address
 * lists with display names, quoted strings, comments and groups) unless
 * --to, --cc or --bcc gave them; the envelope sender from --from (or the
 * account), else from its From field. Bcc fields, continuation lines
 * included, are removed; Date and Message-ID are added at the end of the
 * header when missing, in the library's formats. Every other byte goes out
 * as given; the library dot-stuffs the message and makes its line ends
 * CR LF. Line breaks are read as the library sends them: CR LF, a bare CR
 * and a bare LF each end a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpc.h"

#define MAX_LINE_OCTETS  998u     /* RFC 5322 2.1.1, CR LF excluded           */
#define ADDED_FIELDS_MAX 256u     /* room for the Date and Message-ID fields  */

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

/* What the header says, while it is read. */
typedef struct {
  SMTPC_SETTINGS* pSettings;
  int             TakeRecipients;  /* no recipient on the command line     */
  char*           pStore;          /* NUL-terminated addresses, owned       */
  size_t          StoreUsed;
  const char*     sFromHeader;     /* first address of the From field       */
  int             HaveDate;
  int             HaveMessageId;
} HEADER_INFO;

/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/*
 * The line at p: its length without the line break, and where the next
 * line starts (CR LF, bare CR or bare LF, as the library reads them).
 */
static size_t _Line(const char* p, const char* pEnd, const char** ppNext) {
  const char* q;

  q = p;
  while (q < pEnd && *q != '\r' && *q != '\n') {
    q++;
  }
  *ppNext = q;
  if (q < pEnd) {
    *ppNext = (*q == '\r' && q + 1 < pEnd && q[1] == '\n') ? q + 2 : q + 1;
  }
  return (size_t)(q - p);
}

static int _IsWsp(char c) {
  return c == ' ' || c == '\t';
}

/* Length of the field name of a header line, or 0 when it is not a field. */
static size_t _FieldName(const char* s, size_t Len) {
  size_t i;

  for (i = 0u; i < Len; i++) {
    if (s[i] == ':') {
      return i;
    }
    if ((unsigned char)s[i] < 33u || (unsigned char)s[i] > 126u) {
      return 0u;
    }
  }
  return 0u;
}

/* A copy of s[0..Len) in the store, trimmed of blanks; NULL when empty. */
static const char* _Keep(HEADER_INFO* pInfo, const char* s, size_t Len) {
  char* p;

  while (Len > 0u && _IsWsp(*s)) {
    s++;
    Len--;
  }
  while (Len > 0u && _IsWsp(s[Len - 1u])) {
    Len--;
  }
  if (Len == 0u) {
    return NULL;
  }
  p = pInfo->pStore + pInfo->StoreUsed;
  memcpy(p, s, Len);
  p[Len] = '\0';
  pInfo->StoreUsed += Len + 1u;
  return p;
}

/* One more envelope recipient, unless it is one already. */
static int _AddRecipient(HEADER_INFO* pInfo, const char* sAddr, int Type) {
  SMTPC_SETTINGS*     pSettings;
  IP_SMTPC_MAIL_ADDR* paNew;
  int                 i;

  pSettings = pInfo->pSettings;
  for (i = 1; i < pSettings->NumAddr; i++) {
    if (SMTPC_EqualNoCase(pSettings->paAddr[i].sAddr, strlen(pSettings->paAddr[i].sAddr), sAddr)) {
      return 0;
    }
  }
  if (pSettings->NumAddr >= pSettings->MaxAddr) {
    paNew = (IP_SMTPC_MAIL_ADDR*)realloc(pSettings->paAddr,
                                         (size_t)pSettings->MaxAddr * 2u * sizeof(*paNew));
    if (paNew == NULL) {
      return -1;
    }
    pSettings->paAddr   = paNew;
    pSettings->MaxAddr *= 2;
  }
  pSettings->paAddr[pSettings->NumAddr].sAddr = sAddr;
  pSettings->paAddr[pSettings->NumAddr].sName = NULL;
  pSettings->paAddr[pSettings->NumAddr].Type  = Type;
  pSettings->NumAddr++;
  return 0;
}

/*
 * The addresses of an unfolded address-list field body (RFC 5322 3.4):
 * "Name" <addr>, addr (comment), group: a, b; ... Comments are dropped,
 * quoted strings kept whole, the route of an obsolete <@a,@b:addr> cut off.
 * Type 0: only the first address, into sFromHeader (the From field).
 * Returns 0, EXIT_USAGE (printed) for a recipient that is no address, -1
 * when out of memory.
 */
static int _ParseAddresses(HEADER_INFO* pInfo, const char* s, size_t Len, int Type) {
  char*       pPlain;
  char*       pAngle;
  const char* sAddr;
  const char* pColon;
  size_t      NumPlain;
  size_t      NumAngle;
  size_t      i;
  int         InQuote;
  int         InAngle;
  int         HaveAngle;
  int         Depth;
  int         r;
  char        c;

  r      = 0;
  pPlain = (char*)malloc(Len + 1u);
  pAngle = (char*)malloc(Len + 1u);
  if (pPlain == NULL || pAngle == NULL) {
    free(pPlain);
    free(pAngle);
    return -1;
  }
  NumPlain = NumAngle = 0u;
  InQuote = InAngle = HaveAngle = Depth = 0;
  for (i = 0u; i <= Len; i++) {
    c = (i < Len) ? s[i] : ',';             /* the end finishes the last mailbox */
    if (InQuote && i < Len) {
      if (InAngle) {
        pAngle[NumAngle++] = c;
      } else {
        pPlain[NumPlain++] = c;
      }
      if (c == '\\' && i + 1u < Len) {
        i++;
        if (InAngle) {
          pAngle[NumAngle++] = s[i];
        } else {
          pPlain[NumPlain++] = s[i];
        }
      } else if (c == '"') {
        InQuote = 0;
      }
      continue;
    }
    if (Depth > 0 && i < Len) {
      if (c == '\\') {
        i++;
      } else if (c == '(') {
        Depth++;
      } else if (c == ')') {
        Depth--;
      }
      continue;
    }
    if (InAngle && i < Len) {
      if (c == '>') {
        InAngle   = 0;
        HaveAngle = 1;
      } else if (c == '"') {
        InQuote = 1;
        pAngle[NumAngle++] = c;
      } else {
        pAngle[NumAngle++] = c;
      }
      continue;
    }
    switch (c) {
    case '(':
      Depth = 1;
      break;
    case '"':
      InQuote = 1;
      pPlain[NumPlain++] = c;
      break;
    case '<':
      InAngle  = 1;
      NumAngle = 0u;
      break;
    case ':':                               /* a group's display name ends */
      NumPlain = 0u;
      break;
    case ',':
    case ';':
      if (HaveAngle) {
        sAddr  = pAngle;
        pColon = (NumAngle > 0u && pAngle[0] == '@') ? (const char*)memchr(pAngle, ':', NumAngle) : NULL;
        if (pColon != NULL) {
          NumAngle -= (size_t)(pColon + 1 - pAngle);
          sAddr     = pColon + 1;
        }
        sAddr = _Keep(pInfo, sAddr, NumAngle);
      } else {
        sAddr = _Keep(pInfo, pPlain, NumPlain);
      }
      if (sAddr != NULL) {
        if (Type == 0) {
          if (pInfo->sFromHeader == NULL) {
            pInfo->sFromHeader = sAddr;
          }
        } else if (strchr(sAddr, '@') == NULL) {
          if (r == 0) {                       /* one diagnostic: the first */
            fprintf(stderr, "smtpc: input: -t: '%s' in the %s field is not an address (local@domain)\n",
                    sAddr, (Type == SMTPC_REC_TYPE_TO) ? "To" : (Type == SMTPC_REC_TYPE_CC) ? "Cc" : "Bcc");
          }
          r = EXIT_USAGE;
        } else if (_AddRecipient(pInfo, sAddr, Type) != 0) {
          r = -1;
        }
      }
      NumPlain = NumAngle = 0u;
      HaveAngle = InAngle = 0;
      break;
    default:
      pPlain[NumPlain++] = c;
      break;
    }
  }
  free(pPlain);
  free(pAngle);
  return r;
}

/* A field's body unfolded: its line breaks removed (continuations start with a blank). */
static size_t _Unfold(const char* s, size_t Len, char* pOut) {
  size_t i;
  size_t n;

  n = 0u;
  for (i = 0u; i < Len; i++) {
    if (s[i] != '\r' && s[i] != '\n') {
      pOut[n++] = s[i];
    }
  }
  return n;
}

/* Looks at one whole field (name at s, NameLen, the rest through its last line break). */
static int _Field(HEADER_INFO* pInfo, const char* s, size_t FieldLen, size_t NameLen) {
  char*  pValue;
  size_t Len;
  int    Type;
  int    r;

  if (SMTPC_EqualNoCase(s, NameLen, "Date")) {
    pInfo->HaveDate = 1;
    return 0;
  }
  if (SMTPC_EqualNoCase(s, NameLen, "Message-ID")) {
    pInfo->HaveMessageId = 1;
    return 0;
  }
  if (SMTPC_EqualNoCase(s, NameLen, "From")) {
    Type = 0;
  } else if (SMTPC_EqualNoCase(s, NameLen, "To")) {
    Type = SMTPC_REC_TYPE_TO;
  } else if (SMTPC_EqualNoCase(s, NameLen, "Cc")) {
    Type = SMTPC_REC_TYPE_CC;
  } else if (SMTPC_EqualNoCase(s, NameLen, "Bcc")) {
    Type = SMTPC_REC_TYPE_BCC;
  } else {
    return 0;
  }
  if (Type != 0 && !pInfo->TakeRecipients) {
    return 0;
  }
  pValue = (char*)malloc(FieldLen + 1u);
  if (pValue == NULL) {
    return -1;
  }
  Len = _Unfold(s + NameLen + 1u, FieldLen - NameLen - 1u, pValue);
  r   = _ParseAddresses(pInfo, pValue, Len, Type);
  free(pValue);
  return r;
}

/* Appends "Date: ..." and "Message-ID: <...>" as the library writes them. */
static size_t _AddedFields(const HEADER_INFO* pInfo, const char* pMsg, size_t MsgLen,
                           const char* sDomain, char* pOut, size_t Size) {
  static const char* const _asDay[]   = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
  static const char* const _asMonth[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  struct tm Tm;
  time_t    Now;
  U32       Hash[2];
  size_t    n;
  size_t    i;
  int       k;

  n   = 0u;
  Now = time(NULL) + (time_t)pInfo->pSettings->TzOffsetSec;
  if (SMTPC_GmTime(Now, &Tm) != 0) {
    memset(&Tm, 0, sizeof(Tm));
    Tm.tm_mday = 1;
    Tm.tm_year = 80;
  }
  if (!pInfo->HaveDate) {
    k = snprintf(pOut + n, Size - n, "Date: %s, %02d %s %04d %02d:%02d:%02d %s\r\n",
                 _asDay[Tm.tm_wday % 7], Tm.tm_mday, _asMonth[Tm.tm_mon % 12], Tm.tm_year + 1900,
                 Tm.tm_hour, Tm.tm_min, Tm.tm_sec, pInfo->pSettings->sTz);
    n += (k > 0) ? (size_t)k : 0u;
  }
  if (!pInfo->HaveMessageId) {
    //
    // 64 bits from the message (FNV-1a), the millisecond clock and a seed
    // of this process: different messages, and the same one sent twice,
    // get different IDs.
    //
    Hash[0] = 0x811C9DC5u ^ SMTPC_Seed();
    Hash[1] = 0x01000193u ^ SMTPC_NowMs();
    for (i = 0u; i < MsgLen; i++) {
      Hash[i & 1u] = (Hash[i & 1u] ^ (unsigned char)pMsg[i]) * 0x01000193u;
    }
    Hash[0] ^= Hash[1] >> 7;
    k = snprintf(pOut + n, Size - n, "Message-ID: <%04d%02d%02d%02d%02d%02d.%08lx%08lx@%s>\r\n",
                 Tm.tm_year + 1900, Tm.tm_mon + 1, Tm.tm_mday, Tm.tm_hour, Tm.tm_min, Tm.tm_sec,
                 (unsigned long)Hash[0], (unsigned long)Hash[1], sDomain);
    n += (k > 0) ? (size_t)k : 0u;
  }
  return (n < Size) ? n : Size - 1u;
}

/* The domain of the Message-ID, as the library picks it: --helo, else the sender's. */
static const char* _Domain(const SMTPC_SETTINGS* pSettings, const char* sSender) {
  const char* pAt;

  if (pSettings->sHelo != NULL && pSettings->sHelo[0] != '\0') {
    return pSettings->sHelo;
  }
  pAt = (sSender != NULL) ? strrchr(sSender, '@') : NULL;
  if (pAt != NULL && pAt[1] != '\0' && pAt[1] != '[' && strlen(pAt + 1) <= 255u
      && strpbrk(pAt + 1, " \t\"<>") == NULL) {
    return pAt + 1;
  }
  return "localhost.invalid";
}

/* A line too long to send (counted as sent: a leading dot doubles); its number or 0. */
static unsigned long _LongLine(const char* p, const char* pEnd) {
  const char*   pNext;
  size_t        Len;
  unsigned long Number;

  for (Number = 1ul; p < pEnd; Number++, p = pNext) {
    Len = _Line(p, pEnd, &pNext);
    if (Len + ((Len > 0u && p[0] == '.') ? 1u : 0u) > MAX_LINE_OCTETS) {
      return Number;
    }
  }
  return 0ul;
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

/*
 * -t: with pBody the message as read (all of it, or its start when the rest
 * is streamed: the header must end within the start), fills the envelope
 * (sender, and recipients when none were given) and replaces pBody's data
 * with the message to send. Returns SMTPC_CONTINUE or EXIT_USAGE after
 * printing why; nothing is sent either way.
 */
int SMTPC_PrepareMessage(SMTPC_SETTINGS* pSettings, SMTPC_BODY* pBody) {
  HEADER_INFO   Info;
  const char*   pMsg;
  const char*   pEnd;
  const char*   p;
  const char*   pNext;
  const char*   pField;
  const char*   pHeaderEnd;
  char*         pOut;
  size_t        MsgLen;
  size_t        NameLen;
  size_t        Len;
  size_t        n;
  unsigned long Number;
  unsigned long Long;
  int           r;

  pMsg   = pBody->pData;
  MsgLen = pBody->Len;
  pEnd   = pMsg + MsgLen;
  Long   = _LongLine(pMsg, pEnd);
  if (Long != 0ul) {
    fprintf(stderr, "smtpc: input: -t: line %lu of the message is longer than %u octets "
            "(RFC 5322; a leading dot counts twice); nothing was sent\n", Long, MAX_LINE_OCTETS);
    return EXIT_USAGE;
  }
  memset(&Info, 0, sizeof(Info));
  Info.pSettings      = pSettings;
  Info.TakeRecipients = (pSettings->NumAddr < 2);
  Info.pStore         = (char*)malloc(2u * MsgLen + 2u);
  if (Info.pStore == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  pSettings->pMessageStore = Info.pStore;           /* freed with the settings */
  //
  // The header: fields up to the first empty line (or the end).
  //
  pField     = NULL;
  NameLen    = 0u;
  pHeaderEnd = pEnd;
  for (Number = 1ul, p = pMsg; ; Number++, p = pNext) {
    Len = (p < pEnd) ? _Line(p, pEnd, &pNext) : 0u;
    if (p < pEnd && Len > 0u && _IsWsp(p[0])) {
      if (pField == NULL) {
        return SMTPC_Fail("input", "-t: the message starts with a blank: its first line must be a "
                          "header field such as From:");
      }
      continue;                                       /* a continuation line */
    }
    r = (pField != NULL) ? _Field(&Info, pField, (size_t)(p - pField), NameLen) : 0;
    if (r != 0) {
      return (r == EXIT_USAGE) ? EXIT_USAGE : SMTPC_Fail("input", "out of memory");
    }
    pField = NULL;
    if (p >= pEnd || Len == 0u) {
      pHeaderEnd = p;
      break;
    }
    NameLen = _FieldName(p, Len);
    if (NameLen == 0u) {
      fprintf(stderr, "smtpc: input: -t: line %lu of the message is not a header field "
              "(Name: value); a blank line must separate the header from the body\n", Number);
      return EXIT_USAGE;
    }
    pField = p;
  }
  if (pHeaderEnd == pMsg) {
    return SMTPC_Fail("input", "-t: the message has no header (it must start with fields such as From:)");
  }
  if (pHeaderEnd == pEnd && pBody->pRest != NULL) {
    fprintf(stderr, "smtpc: input: -t: the header of the message does not end within its first %u "
            "octets\n", SMTPC_STREAM_AFTER);
    return EXIT_USAGE;
  }
  //
  // The envelope.
  //
  if (pSettings->sFrom == NULL) {
    if (Info.sFromHeader == NULL) {
      return SMTPC_Fail("input", "-t: no sender: the message has no From address and --from is not given");
    }
    pSettings->sFrom = Info.sFromHeader;
  }
  pSettings->paAddr[0].sAddr = pSettings->sFrom;
  pSettings->paAddr[0].sName = NULL;
  pSettings->paAddr[0].Type  = SMTPC_REC_TYPE_FROM;
  if (pSettings->NumAddr < 2) {
    return SMTPC_Fail("input", "-t: no recipient: the message has no To, Cc or Bcc address and no "
                      "--to, --cc or --bcc is given");
  }
  //
  // The message to send: the header without its Bcc fields, Date and
  // Message-ID added, then the rest as it is.
  //
  pOut = (char*)malloc(MsgLen + ADDED_FIELDS_MAX + 3u);
  if (pOut == NULL) {
    return SMTPC_Fail("input", "out of memory");
  }
  n = 0u;
  for (p = pMsg; p < pHeaderEnd; p = pNext) {
    pNext = p;
    do {                                              /* the field and its continuations */
      (void)_Line(pNext, pHeaderEnd, &pNext);
    } while (pNext < pHeaderEnd && _IsWsp(*pNext));
    NameLen = _FieldName(p, (size_t)(pNext - p));
    if (!SMTPC_EqualNoCase(p, NameLen, "Bcc")) {
      memcpy(pOut + n, p, (size_t)(pNext - p));
      n += (size_t)(pNext - p);
    }
  }
  if (n > 0u && pOut[n - 1u] != '\n' && pOut[n - 1u] != '\r') {
    pOut[n++] = '\r';                                /* a header without a body or line end */
    pOut[n++] = '\n';
  }
  n += _AddedFields(&Info, pMsg, MsgLen, _Domain(pSettings, pSettings->sFrom), pOut + n, ADDED_FIELDS_MAX);
  memcpy(pOut + n, pHeaderEnd, (size_t)(pEnd - pHeaderEnd));
  n += (size_t)(pEnd - pHeaderEnd);
  pOut[n] = '\0';
  free(pBody->pData);
  pBody->pData = pOut;
  pBody->Len   = n;
  return SMTPC_CONTINUE;
}

/*************************** End of file ****************************/
