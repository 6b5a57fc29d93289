/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_mbedtls.c - TLS hooks of IP_SMTPC_API over mbedTLS 2.x.
 * See ip_smtpc_mbedtls.h.
 */
#if !defined(_POSIX_C_SOURCE) || (_POSIX_C_SOURCE < 200809L)
#undef  _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L   /* inet_pton, strnlen */
#endif

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/version.h>
#if MBEDTLS_VERSION_MAJOR != 2
#error "ip_smtpc_mbedtls.c is written for the mbedTLS 2.x API (Debian libmbedtls-dev 2.28)"
#endif
#if defined(MBEDTLS_CONFIG_FILE)
#include MBEDTLS_CONFIG_FILE
#else
#include <mbedtls/config.h>
#endif

/*
 * Build switches (ip_smtpc_mbedtls.h): heap, file system, inet_pton.
 */
#ifndef IP_SMTPC_MBEDTLS_HEAP
#define IP_SMTPC_MBEDTLS_HEAP         1
#endif
#ifndef IP_SMTPC_MBEDTLS_FILE_SYSTEM
#if defined(MBEDTLS_FS_IO)
#define IP_SMTPC_MBEDTLS_FILE_SYSTEM  1
#else
#define IP_SMTPC_MBEDTLS_FILE_SYSTEM  0
#endif
#endif
#ifndef IP_SMTPC_MBEDTLS_INET_PTON
#if defined(__unix__) || defined(__APPLE__)
#define IP_SMTPC_MBEDTLS_INET_PTON    1
#else
#define IP_SMTPC_MBEDTLS_INET_PTON    0
#endif
#endif
#if IP_SMTPC_MBEDTLS_FILE_SYSTEM && !defined(MBEDTLS_FS_IO)
#error "IP_SMTPC_MBEDTLS_FILE_SYSTEM needs MBEDTLS_FS_IO in the mbedTLS configuration"
#endif

#if IP_SMTPC_MBEDTLS_HEAP
#include <stdlib.h>
#endif
#if IP_SMTPC_MBEDTLS_INET_PTON
#include <arpa/inet.h>
#endif

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>   /* MBEDTLS_ERR_NET_* codes only; the port has its own I/O */
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include "ip_smtpc_mbedtls.h"

/*********************************************************************
*
*       Defines
*
**********************************************************************
*/

#define MAX_LEFT_MS   0x7FFFFFFFu               /* longest deadline: half the clock's range */
#define SAN_IP_TAG    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS)

/*********************************************************************
*
*       Types
*
**********************************************************************
*/

enum {
  CONN_PLAIN,       /* before pfUpgrade: bytes pass through            */
  CONN_SECURE,      /* handshake done: everything over TLS             */
  CONN_FAILED,      /* handshake or TLS I/O failed: no more I/O at all */
  CONN_CLOSED       /* close_notify sent, or disconnected: no more I/O */
};

typedef IP_SMTPC_MBEDTLS_CONTEXTS TLS_STATE;   /* (ip_smtpc_mbedtls.h) */
typedef IP_SMTPC_MBEDTLS_CONN     TLS_CONN;


/*********************************************************************
*
*       Static code
*
**********************************************************************
*/

/* Copies the NUL-terminated s into pBuf (BufSize > 0), truncating; returns the length. */
static int _CopyTruncated(char* pBuf, unsigned BufSize, const char* s) {
  size_t Len;

  Len = strlen(s);
  if (Len >= BufSize) {
    Len = BufSize - 1u;
  }
  memcpy(pBuf, s, Len);
  pBuf[Len] = '\0';
  return (int)Len;
}

/* Appends "; " (unless at the start) and s to pConn->acDetail, turning line breaks into "; ". */
static void _AppendDetail(TLS_CONN* pConn, const char* s) {
  size_t Len;
  size_t Room;
  int    Sep;

  Len = strlen(pConn->acDetail);
  Sep = (Len > 0u);
  for (; *s != '\0'; s++) {
    if (*s == '\n' || *s == '\r') {
      Sep = (Len > 0u);
      continue;
    }
    Room = sizeof(pConn->acDetail) - 1u - Len;
    if (Sep) {
      if (Room < 3u) {
        break;
      }
      pConn->acDetail[Len++] = ';';
      pConn->acDetail[Len++] = ' ';
      Sep = 0;
      Room -= 2u;
    }
    if (Room == 0u) {
      break;
    }
    pConn->acDetail[Len++] = (*s == '\t') ? ' ' : *s;
  }
  pConn->acDetail[Len] = '\0';
}

/* Records the first failure: class, mbedTLS code (0 = none) and a note (NULL = none). */
static void _Fail(TLS_CONN* pConn, int Class, int MbedError, const char* sNote) {
  char acText[128];

  if (pConn->State == CONN_SECURE || pConn->State == CONN_PLAIN) {
    pConn->State = CONN_FAILED;
  }
  if (pConn->LastError != IP_SMTPC_MBEDTLS_ERR_NONE) {
    return;
  }
  pConn->LastError   = Class;
  pConn->acDetail[0] = '\0';
  if (sNote != NULL) {
    _AppendDetail(pConn, sNote);
  }
  if (MbedError != 0) {
    mbedtls_strerror(MbedError, acText, sizeof(acText));
    _AppendDetail(pConn, acText);
  }
}

static void _Trace(const TLS_CONN* pConn, int Dir, const char* pData, int Len) {
  if (pConn->pfTrace != NULL && Len > 0) {
    pConn->pfTrace(pConn->pTraceUser, Dir, pData, (unsigned)Len);
  }
}

/* Milliseconds left until the deadline, MAX_LEFT_MS without one, 0 once it has passed. */
static U32 _TimeLeft(const TLS_CONN* pConn) {
  U32 Left;

  if (!pConn->HasDeadline) {
    return MAX_LEFT_MS;
  }
  Left = pConn->Deadline - pConn->pfGetTimeMs();    /* wraps like the clock */
  return (Left > MAX_LEFT_MS) ? 0u : Left;
}

/*
 * Before each call of a lower hook: gives the lower port the time that is
 * left. Returns 0, or -1 (TimedOut set) when the deadline has passed.
 */
static int _BoundLower(TLS_CONN* pConn) {
  U32 Left;

  Left = _TimeLeft(pConn);
  if (Left == 0u) {
    pConn->TimedOut = 1;
    return -1;
  }
  if (pConn->HasDeadline && pConn->pfSetLowerTimeout != NULL) {
    pConn->pfSetLowerTimeout(pConn->hLower, Left);
  }
  return 0;
}

/* mbedTLS send callback: the lower port's pfSend. */
static int _BioSend(void* pCtx, const unsigned char* pBuf, size_t Len) {
  TLS_CONN* pConn;
  int       n;
  int       r;

  pConn = (TLS_CONN*)pCtx;
  if (_BoundLower(pConn) != 0) {
    return MBEDTLS_ERR_SSL_TIMEOUT;
  }
  n = (Len > (size_t)INT_MAX) ? INT_MAX : (int)Len;
  r = pConn->pLower->pfSend((const char*)pBuf, n, pConn->hLower);
  if (r < 0) {
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
  if (r == 0 || r > n) {
    return n;                               /* emNet convention: 0 = all sent */
  }
  return r;
}

/* mbedTLS receive callback: the lower port's pfReceive. */
static int _BioRecv(void* pCtx, unsigned char* pBuf, size_t Len) {
  TLS_CONN* pConn;
  int       n;
  int       r;

  pConn = (TLS_CONN*)pCtx;
  if (_BoundLower(pConn) != 0) {
    return MBEDTLS_ERR_SSL_TIMEOUT;
  }
  n = (Len > (size_t)INT_MAX) ? INT_MAX : (int)Len;
  r = pConn->pLower->pfReceive((char*)pBuf, n, pConn->hLower);
  if (r > 0) {
    return (r > n) ? n : r;
  }
  if (r == IP_SMTPC_ERR_TIMEOUT) {
    pConn->TimedOut = 1;
    return MBEDTLS_ERR_SSL_TIMEOUT;
  }
  return MBEDTLS_ERR_NET_CONN_RESET;        /* closed by the peer, or an error */
}

/*
 * Verification callback, for each certificate of the chain. mbedTLS 2.x
 * matches only DNS names; when the expected name is an IP literal, the
 * server certificate (depth 0) must carry that address as an iPAddress
 * subjectAltName (RFC 5280 §4.2.1.6), else it counts as a name mismatch.
 */
static int _Verify(void* pCtx, mbedtls_x509_crt* pCrt, int Depth, uint32_t* pFlags) {
  const TLS_CONN*              pConn;
  const mbedtls_x509_sequence* pSan;

  pConn = (const TLS_CONN*)pCtx;
  if (Depth != 0 || pConn->IpLen == 0u) {
    return 0;
  }
  for (pSan = &pCrt->subject_alt_names; pSan != NULL; pSan = pSan->next) {
    if (pSan->buf.p != NULL && pSan->buf.tag == SAN_IP_TAG && pSan->buf.len == pConn->IpLen &&
        memcmp(pSan->buf.p, pConn->abIp, pConn->IpLen) == 0) {
      return 0;
    }
  }
  *pFlags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

/* Records a failed send or receive over TLS (sWhat: "send" / "receive"). */
static void _IoFailed(TLS_CONN* pConn, int MbedError, const char* sWhat) {
  if (pConn->TimedOut) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_TIMEOUT, 0, sWhat);
  } else {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_IO, MbedError, sWhat);
  }
}

/* Classifies a failed handshake. */
static void _HandshakeFailed(TLS_CONN* pConn, int MbedError) {
  char     acInfo[192];
  char     acNote[IP_SMTPC_MBEDTLS_MAX_NAME_LEN + 32u];
  uint32_t Flags;

  if (MbedError == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    Flags = mbedtls_ssl_get_verify_result(&pConn->pTls->Ssl);
    acInfo[0] = '\0';
    if (Flags != 0u && Flags != (uint32_t)-1) {
      (void)mbedtls_x509_crt_verify_info(acInfo, sizeof(acInfo), "", Flags);
    }
    if ((Flags & ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0u) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_CERT_UNTRUSTED, 0, acInfo);
    } else {
      (void)snprintf(acNote, sizeof(acNote), "not issued for \"%s\"", pConn->acName);
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_NAME_MISMATCH, 0, acNote);
    }
    return;
  }
  if (pConn->TimedOut) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_TIMEOUT, 0, "handshake");
    return;
  }
  _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_HANDSHAKE, MbedError, NULL);
}

/*
 * Runs the handshake step by step, checking the deadline before each step
 * (the receive callback checks it before each read). Returns 0 or the
 * mbedTLS error; MBEDTLS_ERR_SSL_TIMEOUT with TimedOut set when the
 * deadline passed.
 */
static int _Handshake(TLS_CONN* pConn) {
  mbedtls_ssl_context* pSsl;
  int                  r;

  pSsl = &pConn->pTls->Ssl;
  while (pSsl->state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    if (_TimeLeft(pConn) == 0u) {
      pConn->TimedOut = 1;
      return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    r = mbedtls_ssl_handshake_step(pSsl);
    if (r != 0 && r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
      return r;
    }
  }
  return 0;
}

#if !IP_SMTPC_MBEDTLS_INET_PTON
/*
 * Parses a dotted-quad IPv4 address into pIp (4 bytes). Returns 0, or -1
 * when s is not exactly one.
 */
static int _ParseIpv4(const char* s, size_t Len, unsigned char* pIp) {
  unsigned Part;
  unsigned Value;
  unsigned Digits;
  size_t   i;

  Part   = 0u;
  Value  = 0u;
  Digits = 0u;
  for (i = 0u; i <= Len; i++) {
    if (i == Len || s[i] == '.') {
      if (Digits == 0u || Part >= 4u) {
        return -1;
      }
      pIp[Part++] = (unsigned char)Value;
      Value  = 0u;
      Digits = 0u;
    } else if (s[i] >= '0' && s[i] <= '9') {
      if (Digits > 0u && Value == 0u) {
        return -1;                          /* no leading zeros (inet_pton refuses them) */
      }
      Value = Value * 10u + (unsigned)(s[i] - '0');
      Digits++;
      if (Value > 255u) {
        return -1;
      }
    } else {
      return -1;
    }
  }
  return (Part == 4u) ? 0 : -1;
}

static int _HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/*
 * Parses an IPv6 address (RFC 4291 §2.2: groups of 1-4 hex digits, one "::",
 * a trailing dotted quad) into pIp (16 bytes). Returns 0 or -1.
 */
static int _ParseIpv6(const char* s, size_t Len, unsigned char* pIp) {
  unsigned char abWords[16];
  size_t        i;
  size_t        Start;
  unsigned      NumBytes;
  unsigned      Gap;         /* bytes before the "::", or 16 = none */
  unsigned      Value;
  unsigned      Digits;
  int           h;

  memset(abWords, 0, sizeof(abWords));
  NumBytes = 0u;
  Gap      = 16u;
  i        = 0u;
  if (Len >= 2u && s[0] == ':' && s[1] == ':') {
    Gap = 0u;
    i   = 2u;
  } else if (Len > 0u && s[0] == ':') {
    return -1;
  }
  while (i < Len) {
    Start  = i;
    Value  = 0u;
    Digits = 0u;
    while (i < Len && (h = _HexValue(s[i])) >= 0) {
      Value = (Value << 4) | (unsigned)h;
      Digits++;
      i++;
      if (Digits > 4u) {
        return -1;
      }
    }
    if (i < Len && s[i] == '.') {           /* dotted quad: the last 4 bytes */
      if (NumBytes > 12u || _ParseIpv4(s + Start, Len - Start, &abWords[NumBytes]) != 0) {
        return -1;
      }
      NumBytes += 4u;
      break;
    }
    if (Digits == 0u || NumBytes > 14u) {
      return -1;
    }
    abWords[NumBytes++] = (unsigned char)(Value >> 8);
    abWords[NumBytes++] = (unsigned char)Value;
    if (i == Len) {
      break;
    }
    if (s[i] != ':') {
      return -1;
    }
    i++;
    if (i < Len && s[i] == ':') {
      if (Gap != 16u) {
        return -1;                          /* a second "::" */
      }
      Gap = NumBytes;
      i++;
    } else if (i == Len) {
      return -1;                            /* a trailing single ':' */
    }
  }
  if (Gap == 16u) {
    if (NumBytes != 16u) {
      return -1;
    }
    memcpy(pIp, abWords, 16u);
    return 0;
  }
  if (NumBytes > 14u) {
    return -1;                              /* "::" must stand for at least one group */
  }
  memset(pIp, 0, 16u);
  memcpy(pIp, abWords, Gap);
  memcpy(pIp + 16u - (NumBytes - Gap), &abWords[Gap], NumBytes - Gap);
  return 0;
}
#endif

/* pConn->IpLen and abIp from pConn->acName: 4 (IPv4 literal), 16 (IPv6), 0 (a host name). */
static void _ClassifyName(TLS_CONN* pConn) {
#if IP_SMTPC_MBEDTLS_INET_PTON
  if (inet_pton(AF_INET, pConn->acName, pConn->abIp) == 1) {
    pConn->IpLen = 4u;
  } else if (inet_pton(AF_INET6, pConn->acName, pConn->abIp) == 1) {
    pConn->IpLen = 16u;
  } else {
    pConn->IpLen = 0u;
  }
#else
  size_t Len;

  Len = strlen(pConn->acName);
  if (_ParseIpv4(pConn->acName, Len, pConn->abIp) == 0) {
    pConn->IpLen = 4u;
  } else if (_ParseIpv6(pConn->acName, Len, pConn->abIp) == 0) {
    pConn->IpLen = 16u;
  } else {
    pConn->IpLen = 0u;
  }
#endif
}

/* 1 when the CaLen bytes at pCa hold "-----BEGIN", i.e. PEM text. */
static int _LooksLikePem(const unsigned char* pCa, size_t CaLen) {
  static const char _acBegin[] = "-----BEGIN";
  size_t i;

  for (i = 0u; i + sizeof(_acBegin) - 1u <= CaLen; i++) {
    if (memcmp(pCa + i, _acBegin, sizeof(_acBegin) - 1u) == 0) {
      return 1;
    }
  }
  return 0;
}

/*
 * Parses the CA buffer into pChain: PEM (NUL-terminated, decoded by mbedTLS
 * into its heap) or DER certificates back to back (referenced in place).
 * Returns 0, or -1 (failure recorded).
 */
static int _LoadCaBuffer(TLS_CONN* pConn, mbedtls_x509_crt* pChain) {
  unsigned char*       p;       /* mbedtls_asn1_get_tag's type; only read */
  const unsigned char* pEnd;
  const unsigned char* pCert;
  size_t               Len;
  int                  r;

  if (pConn->CaLen == 0u) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, 0, "CA buffer empty (CaLen 0)");
    return -1;
  }
  if (_LooksLikePem(pConn->pCa, pConn->CaLen)) {
    if (pConn->pCa[pConn->CaLen - 1u] != '\0') {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, 0, "PEM CA buffer must end with its NUL (CaLen = sizeof, not strlen)");
      return -1;
    }
    //
    // As with a file: certificates mbedTLS cannot parse are skipped
    // (r > 0 counts them); at least one CA must have loaded.
    //
    r = mbedtls_x509_crt_parse(pChain, pConn->pCa, pConn->CaLen);
    if (r < 0 || pChain->version == 0) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, (r < 0) ? r : 0, "cannot load a CA certificate from the PEM buffer");
      return -1;
    }
    return 0;
  }
  p    = (unsigned char*)(uintptr_t)pConn->pCa;
  pEnd = pConn->pCa + pConn->CaLen;
  while (p < pEnd) {
    pCert = p;
    r = mbedtls_asn1_get_tag(&p, pEnd, &Len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (r != 0) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "CA buffer is neither PEM nor DER certificates");
      return -1;
    }
    p += Len;
    r = mbedtls_x509_crt_parse_der_nocopy(pChain, pCert, (size_t)(p - pCert));
    if (r != 0) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "cannot parse a DER CA certificate");
      return -1;
    }
  }
  return 0;
}

/* Loads the trusted CAs (buffer, or file on hosts). Returns 0, or -1 (failure recorded). */
static int _LoadCa(TLS_CONN* pConn, mbedtls_x509_crt* pChain) {
#if IP_SMTPC_MBEDTLS_FILE_SYSTEM
  int r;
#endif

  if (pConn->pCa != NULL) {
    return _LoadCaBuffer(pConn, pChain);
  }
#if IP_SMTPC_MBEDTLS_FILE_SYSTEM
  //
  // A bundle may hold certificates mbedTLS cannot parse (r > 0 counts
  // them); what matters is that at least one CA was loaded.
  //
  r = mbedtls_x509_crt_parse_file(pChain, pConn->sCaFile);
  if (r < 0 || pChain->version == 0) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, (r < 0) ? r : 0, "cannot load a CA certificate from the CA file");
    return -1;
  }
  return 0;
#else
  _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, 0, "no file system in this build: give the CA in pCa");
  return -1;
#endif
}

/* Sets up the TLS contexts; returns 0 or -1 (failure recorded). */
static int _Setup(TLS_CONN* pConn, const char* sName) {
  static const char _acPers[] = "ip_smtpc_mbedtls";
  TLS_STATE* pTls;
  int        r;

  pTls = pConn->pStaticTls;
#if IP_SMTPC_MBEDTLS_HEAP
  if (pTls == NULL) {
    pTls = (TLS_STATE*)calloc(1u, sizeof(*pTls));
  }
#endif
  if (pTls == NULL) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, 0, "out of memory");
    return -1;
  }
  pConn->pTls = pTls;
  mbedtls_entropy_init(&pTls->Entropy);
  mbedtls_ctr_drbg_init(&pTls->Drbg);
  mbedtls_x509_crt_init(&pTls->CaChain);
  mbedtls_ssl_config_init(&pTls->Conf);
  mbedtls_ssl_init(&pTls->Ssl);
  if (pConn->pfEntropy != NULL) {
    r = mbedtls_entropy_add_source(&pTls->Entropy, pConn->pfEntropy, pConn->pEntropyUser,
                                   32u, MBEDTLS_ENTROPY_SOURCE_STRONG);   /* 32 bytes before use */
    if (r != 0) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "entropy source");
      return -1;
    }
  }
  r = mbedtls_ctr_drbg_seed(&pTls->Drbg, mbedtls_entropy_func, &pTls->Entropy,
                            (const unsigned char*)_acPers, sizeof(_acPers) - 1u);
  if (r != 0) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "random number generator");
    return -1;
  }
  if (_LoadCa(pConn, &pTls->CaChain) != 0) {
    return -1;
  }
  r = mbedtls_ssl_config_defaults(&pTls->Conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT);
  if (r != 0) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "configuration");
    return -1;
  }
  mbedtls_ssl_conf_authmode(&pTls->Conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&pTls->Conf, &pTls->CaChain, NULL);
  mbedtls_ssl_conf_rng(&pTls->Conf, mbedtls_ctr_drbg_random, &pTls->Drbg);
  mbedtls_ssl_conf_min_version(&pTls->Conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_verify(&pTls->Conf, _Verify, pConn);
  r = mbedtls_ssl_setup(&pTls->Ssl, &pTls->Conf);
  if (r != 0) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "session (mbedtls_ssl_setup: record buffers)");
    return -1;
  }
  if (pConn->IpLen == 0u) {
    r = mbedtls_ssl_set_hostname(&pTls->Ssl, sName);    /* SNI and the DNS name check */
    if (r != 0) {
      _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, r, "host name");
      return -1;
    }
  }
  mbedtls_ssl_set_bio(&pTls->Ssl, pConn, _BioSend, _BioRecv, NULL);
  return 0;
}

/*
 * Fills a zeroed pConn from the arguments (checked by the caller). Returns
 * 0, or -1 when sServerName is too long.
 */
static int _Init(TLS_CONN* pConn, const IP_SMTPC_API* pLower, SMTPC_SOCKET hLower,
                 const IP_SMTPC_MBEDTLS_CONFIG* pConfig) {
  size_t Len;

  pConn->pLower            = pLower;
  pConn->hLower            = hLower;
  pConn->sCaFile           = pConfig->sCaFile;
  pConn->pCa               = pConfig->pCa;
  pConn->CaLen             = pConfig->CaLen;
  pConn->pfEntropy         = pConfig->pfEntropy;
  pConn->pEntropyUser      = pConfig->pEntropyUser;
  pConn->pfGetTimeMs       = pConfig->pfGetTimeMs;
  pConn->pfSetLowerTimeout = pConfig->pfSetLowerTimeout;
  pConn->State             = CONN_PLAIN;
  pConn->LastError         = IP_SMTPC_MBEDTLS_ERR_NONE;
  if (pConfig->sServerName != NULL) {
    Len = strnlen(pConfig->sServerName, sizeof(pConn->acName));
    if (Len >= sizeof(pConn->acName)) {
      return -1;
    }
    memcpy(pConn->acName, pConfig->sServerName, Len);
    pConn->acName[Len] = '\0';
  }
  return 0;
}

/* 1 when the arguments of _Open / _OpenStatic are usable. */
static int _ArgsOk(const IP_SMTPC_API* pLower, SMTPC_SOCKET hLower, const IP_SMTPC_MBEDTLS_CONFIG* pConfig) {
  return (pLower != NULL && pLower->pfSend != NULL && pLower->pfReceive != NULL &&
          pLower->pfDisconnect != NULL && hLower != NULL && pConfig != NULL) ? 1 : 0;
}

/* On a failed open: closes hLower as far as the arguments allow. */
static void _CloseLower(const IP_SMTPC_API* pLower, SMTPC_SOCKET hLower) {
  if (hLower != NULL && pLower != NULL && pLower->pfDisconnect != NULL) {
    pLower->pfDisconnect(hLower);
  }
}

/*********************************************************************
*
*       Public code
*
**********************************************************************
*/

#if IP_SMTPC_MBEDTLS_HEAP
SMTPC_SOCKET IP_SMTPC_MBEDTLS_Open(const IP_SMTPC_API* pLower, SMTPC_SOCKET hLower,
                                   const IP_SMTPC_MBEDTLS_CONFIG* pConfig) {
  TLS_CONN* pConn;

  pConn = NULL;
  if (!_ArgsOk(pLower, hLower, pConfig)) {
    goto Cleanup;
  }
  pConn = (TLS_CONN*)calloc(1u, sizeof(*pConn));
  if (pConn == NULL) {
    goto Cleanup;
  }
  if (_Init(pConn, pLower, hLower, pConfig) != 0) {
    free(pConn);
    pConn = NULL;
    goto Cleanup;
  }
Cleanup:
  if (pConn == NULL) {
    _CloseLower(pLower, hLower);
  }
  return (SMTPC_SOCKET)pConn;
}
#endif

SMTPC_SOCKET IP_SMTPC_MBEDTLS_OpenStatic(IP_SMTPC_MBEDTLS_SESSION* pSession, const IP_SMTPC_API* pLower,
                                         SMTPC_SOCKET hLower, const IP_SMTPC_MBEDTLS_CONFIG* pConfig) {
  TLS_CONN* pConn;

  pConn = NULL;
  if (pSession == NULL || !_ArgsOk(pLower, hLower, pConfig)) {
    goto Cleanup;
  }
  memset(pSession, 0, sizeof(*pSession));
  pSession->Conn.pStaticTls = &pSession->Tls;
  if (_Init(&pSession->Conn, pLower, hLower, pConfig) != 0) {
    memset(pSession, 0, sizeof(*pSession));
    goto Cleanup;
  }
  pConn = &pSession->Conn;
Cleanup:
  if (pConn == NULL) {
    _CloseLower(pLower, hLower);
  }
  return (SMTPC_SOCKET)pConn;
}

int IP_SMTPC_MBEDTLS_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  TLS_CONN* pConn;
  int       Done;
  int       r;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL || NumBytes < 0 || (pData == NULL && NumBytes > 0)) {
    return -1;
  }
  if (pConn->State == CONN_PLAIN) {
    if (_BoundLower(pConn) != 0) {
      return -1;
    }
    r = pConn->pLower->pfSend(pData, NumBytes, pConn->hLower);
    _Trace(pConn, IP_SMTPC_MBEDTLS_TRACE_SENT, pData, (r == 0) ? NumBytes : ((r > NumBytes) ? NumBytes : r));
    return r;
  }
  if (pConn->State != CONN_SECURE) {
    return -1;
  }
  Done = 0;
  while (Done < NumBytes) {
    r = mbedtls_ssl_write(&pConn->pTls->Ssl, (const unsigned char*)pData + Done, (size_t)(NumBytes - Done));
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
      continue;
    }
    if (r <= 0) {
      _IoFailed(pConn, r, "send");
      return -1;
    }
    _Trace(pConn, IP_SMTPC_MBEDTLS_TRACE_SENT, pData + Done, r);
    Done += r;
  }
  return NumBytes;
}

int IP_SMTPC_MBEDTLS_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock) {
  TLS_CONN* pConn;
  int       r;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL || pData == NULL || NumBytes <= 0) {
    return -1;
  }
  if (pConn->State == CONN_PLAIN) {
    if (_BoundLower(pConn) != 0) {
      return IP_SMTPC_ERR_TIMEOUT;
    }
    r = pConn->pLower->pfReceive(pData, NumBytes, pConn->hLower);
    if (r > 0) {
      _Trace(pConn, IP_SMTPC_MBEDTLS_TRACE_RECEIVED, pData, (r > NumBytes) ? NumBytes : r);
    }
    return r;
  }
  if (pConn->State != CONN_SECURE) {
    return -1;
  }
  for (;;) {
    r = mbedtls_ssl_read(&pConn->pTls->Ssl, (unsigned char*)pData, (size_t)NumBytes);
    if (r > 0) {
      _Trace(pConn, IP_SMTPC_MBEDTLS_TRACE_RECEIVED, pData, r);
      return r;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
      continue;
    }
    if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      pConn->State = CONN_CLOSED;           /* orderly end of the TLS session */
      return -1;
    }
    _IoFailed(pConn, r, "receive");         /* a record cut off: no more I/O */
    return pConn->TimedOut ? IP_SMTPC_ERR_TIMEOUT : -1;
  }
}

int IP_SMTPC_MBEDTLS_Upgrade(SMTPC_SOCKET hSock, const char* sServer) {
  TLS_CONN*   pConn;
  const char* sName;
  size_t      Len;
  int         r;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL) {
    return -1;
  }
  if (pConn->State != CONN_PLAIN) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_STATE, 0, "TLS already started or failed");
    return -1;
  }
  sName = (pConn->acName[0] != '\0') ? pConn->acName : sServer;
  Len   = (sName != NULL) ? strnlen(sName, IP_SMTPC_MBEDTLS_MAX_NAME_LEN + 1u) : 0u;
  if (Len == 0u || Len > IP_SMTPC_MBEDTLS_MAX_NAME_LEN) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_STATE, 0, "no valid server name to verify");
    return -1;
  }
  if (pConn->acName[0] == '\0') {
    memcpy(pConn->acName, sName, Len);      /* kept for the detail text */
    pConn->acName[Len] = '\0';
  }
  _ClassifyName(pConn);
  if (pConn->pCa == NULL && (pConn->sCaFile == NULL || pConn->sCaFile[0] == '\0')) {
    _Fail(pConn, IP_SMTPC_MBEDTLS_ERR_SETUP, 0, "no CA file configured");
    return -1;
  }
  if (_Setup(pConn, pConn->acName) != 0) {
    return -1;
  }
  r = _Handshake(pConn);
  if (r != 0) {
    _HandshakeFailed(pConn, r);
    return pConn->TimedOut ? IP_SMTPC_ERR_TIMEOUT : -1;
  }
  //
  // VERIFY_REQUIRED makes the handshake fail on any flag; check anyway.
  //
  if (mbedtls_ssl_get_verify_result(&pConn->pTls->Ssl) != 0u) {
    _HandshakeFailed(pConn, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
    return -1;
  }
  pConn->State = CONN_SECURE;
  return 0;
}

void IP_SMTPC_MBEDTLS_Downgrade(SMTPC_SOCKET hSock) {
  TLS_CONN* pConn;
  int       r;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL || pConn->State != CONN_SECURE) {
    return;
  }
  do {
    r = mbedtls_ssl_close_notify(&pConn->pTls->Ssl);
  } while (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ);
  pConn->State = CONN_CLOSED;
}

void IP_SMTPC_MBEDTLS_Disconnect(SMTPC_SOCKET hSock) {
  TLS_CONN* pConn;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL) {
    return;
  }
  if (pConn->pTls != NULL) {
    mbedtls_ssl_free(&pConn->pTls->Ssl);
    mbedtls_ssl_config_free(&pConn->pTls->Conf);
    mbedtls_x509_crt_free(&pConn->pTls->CaChain);
    mbedtls_ctr_drbg_free(&pConn->pTls->Drbg);
    mbedtls_entropy_free(&pConn->pTls->Entropy);
  }
  if (pConn->hLower != NULL) {
    pConn->pLower->pfDisconnect(pConn->hLower);
  }
  if (pConn->pStaticTls != NULL) {
    //
    // The caller's session: left closed (every call on it fails, a second
    // disconnect does nothing) until it is opened again.
    //
    pConn->pTls   = NULL;
    pConn->hLower = NULL;
    pConn->State  = CONN_CLOSED;
    return;
  }
#if IP_SMTPC_MBEDTLS_HEAP
  free(pConn->pTls);
  free(pConn);
#endif
}

int IP_SMTPC_MBEDTLS_LastError(SMTPC_SOCKET hSock) {
  const TLS_CONN* pConn;

  pConn = (const TLS_CONN*)hSock;
  return (pConn != NULL) ? pConn->LastError : IP_SMTPC_MBEDTLS_ERR_STATE;
}

const char* IP_SMTPC_MBEDTLS_ErrorString(int Error) {
  switch (Error) {
  case IP_SMTPC_MBEDTLS_ERR_NONE:           return "no error";
  case IP_SMTPC_MBEDTLS_ERR_SETUP:          return "TLS setup failed";
  case IP_SMTPC_MBEDTLS_ERR_HANDSHAKE:      return "TLS handshake failed";
  case IP_SMTPC_MBEDTLS_ERR_CERT_UNTRUSTED: return "server certificate not trusted";
  case IP_SMTPC_MBEDTLS_ERR_NAME_MISMATCH:  return "server certificate does not match the host name";
  case IP_SMTPC_MBEDTLS_ERR_IO:             return "TLS connection failed";
  case IP_SMTPC_MBEDTLS_ERR_STATE:          return "TLS used in the wrong state";
  case IP_SMTPC_MBEDTLS_ERR_TIMEOUT:        return "TLS deadline passed";
  default:                                  return "unknown TLS error";
  }
}

int IP_SMTPC_MBEDTLS_GetDetail(SMTPC_SOCKET hSock, char* pBuf, unsigned BufSize) {
  const TLS_CONN* pConn;

  if (pBuf == NULL || BufSize == 0u) {
    return -1;
  }
  pConn = (const TLS_CONN*)hSock;
  return _CopyTruncated(pBuf, BufSize, (pConn != NULL) ? pConn->acDetail : "");
}

int IP_SMTPC_MBEDTLS_GetSessionInfo(SMTPC_SOCKET hSock, char* pBuf, unsigned BufSize) {
  const TLS_CONN* pConn;
  const char*     sCipher;
  int             n;

  pConn = (const TLS_CONN*)hSock;
  if (pBuf == NULL || BufSize == 0u) {
    return -1;
  }
  pBuf[0] = '\0';
  if (pConn == NULL || pConn->State != CONN_SECURE) {
    return -1;
  }
  sCipher = mbedtls_ssl_get_ciphersuite(&pConn->pTls->Ssl);
  n = snprintf(pBuf, BufSize, "%s %s", mbedtls_ssl_get_version(&pConn->pTls->Ssl),
               (sCipher != NULL) ? sCipher : "?");
  if (n < 0) {
    pBuf[0] = '\0';
    return -1;
  }
  return ((unsigned)n >= BufSize) ? (int)(BufSize - 1u) : n;
}

int IP_SMTPC_MBEDTLS_IsSecure(SMTPC_SOCKET hSock) {
  const TLS_CONN* pConn;

  pConn = (const TLS_CONN*)hSock;
  return (pConn != NULL && pConn->State == CONN_SECURE) ? 1 : 0;
}

void IP_SMTPC_MBEDTLS_SetTimeout(SMTPC_SOCKET hSock, U32 RemainingMs) {
  TLS_CONN* pConn;

  pConn = (TLS_CONN*)hSock;
  if (pConn == NULL) {
    return;
  }
  if (RemainingMs == 0u || pConn->pfGetTimeMs == NULL) {
    //
    // No deadline (0), or no clock to keep one: the lower port bounds
    // each of its calls by RemainingMs.
    //
    pConn->HasDeadline = 0;
    if (pConn->pfSetLowerTimeout != NULL) {
      pConn->pfSetLowerTimeout(pConn->hLower, RemainingMs);
    }
    return;
  }
  if (RemainingMs > MAX_LEFT_MS) {
    RemainingMs = MAX_LEFT_MS;
  }
  pConn->Deadline    = pConn->pfGetTimeMs() + RemainingMs;
  pConn->HasDeadline = 1;
}

void IP_SMTPC_MBEDTLS_SetTrace(SMTPC_SOCKET hSock, IP_SMTPC_MBEDTLS_TRACE_FUNC* pfTrace, void* pUser) {
  TLS_CONN* pConn;

  pConn = (TLS_CONN*)hSock;
  if (pConn != NULL) {
    pConn->pfTrace    = pfTrace;
    pConn->pTraceUser = pUser;
  }
}

/*************************** End of file ****************************/
