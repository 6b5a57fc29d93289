/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip_smtpc_mbedtls.h - the TLS hooks of IP_SMTPC_API (pfUpgrade,
 * pfDowngrade) over mbedTLS 2.x, layered on a plain transport such as the
 * POSIX port.
 *
 * A handle of this port wraps a connected handle of a lower port and its
 * hooks. Until pfUpgrade succeeds, pfSend / pfReceive pass the bytes through
 * unchanged (SMTP in clear up to STARTTLS); afterwards they run over TLS.
 * For implicit TLS (port 465) the library calls pfUpgrade before it reads
 * the greeting.
 *
 *   static const IP_SMTPC_API _Plain = {      // lower layer: only pfSend,
 *     NULL, IP_SMTPC_POSIX_Disconnect,        // pfReceive and pfDisconnect
 *     IP_SMTPC_POSIX_Send, IP_SMTPC_POSIX_Receive, NULL, NULL  // are used
 *   };
 *   static const IP_SMTPC_MBEDTLS_CONFIG _Tls = {
 *     "/etc/ssl/certs/ca-certificates.crt", NULL,  // sCaFile, sServerName
 *     _GetTimeMs, IP_SMTPC_POSIX_SetTimeout        // deadlines (see below)
 *   };
 *
 *   static SMTPC_SOCKET _Connect(const char* sServer) {
 *     SMTPC_SOCKET hPlain = IP_SMTPC_POSIX_Connect(sServer, 587u, 10000u);
 *     return (hPlain != NULL) ? IP_SMTPC_MBEDTLS_Open(&_Plain, hPlain, &_Tls) : NULL;
 *   }
 *
 *   static const IP_SMTPC_API _IP_Api = {
 *     _Connect,                      // pfConnect
 *     IP_SMTPC_MBEDTLS_Disconnect,   // pfDisconnect (closes the lower handle too)
 *     IP_SMTPC_MBEDTLS_Send,         // pfSend
 *     IP_SMTPC_MBEDTLS_Receive,      // pfReceive
 *     IP_SMTPC_MBEDTLS_Upgrade,      // pfUpgrade
 *     IP_SMTPC_MBEDTLS_Downgrade     // pfDowngrade
 *   };
 *
 * Verification: the server's chain must lead to a CA of pCa or sCaFile, and the
 * certificate must be valid for the expected name: pConfig->sServerName when
 * set (e.g. the MX host name while connecting to an address), else the
 * sServer that the library passes to pfUpgrade (IP_SMTPC_MTA.sServer). A
 * host name is also sent as SNI and matched against the certificate's DNS
 * names; an IPv4 / IPv6 literal is matched against its IP address entries
 * and not sent as SNI (RFC 6066 §3). TLS 1.2 or newer.
 *
 * Errors: pfUpgrade returns < 0 to the library (IP_SMTPC_ERR_TLS_HANDSHAKE);
 * why it failed stays in the handle until IP_SMTPC_MBEDTLS_Disconnect:
 * IP_SMTPC_MBEDTLS_LastError() gives the class (IP_SMTPC_MBEDTLS_ERR_*),
 * IP_SMTPC_MBEDTLS_GetDetail() mbedTLS's own explanation. pfDisconnect frees
 * the handle, so an application that wants the error wraps pfDisconnect:
 *
 *   static void _Disconnect(SMTPC_SOCKET hSock) {
 *     _LastTlsError = IP_SMTPC_MBEDTLS_LastError(hSock);
 *     IP_SMTPC_MBEDTLS_Disconnect(hSock);
 *   }
 *
 * After a failed handshake the handle refuses every further send and
 * receive (no fallback to clear text, whatever the caller does).
 *
 * Deadlines: give IP_SMTPC_MBEDTLS_SetTimeout as IP_SMTPC_OPTIONS.pfSetTimeout
 * (with ReplyTimeoutMs and pfGetTimeMs). Before every call the library
 * passes the time left; the port turns it into an absolute deadline on
 * pConfig->pfGetTimeMs and checks it before each handshake step and before
 * each read and write of the lower port, giving the lower port only the
 * time that is left (pConfig->pfSetLowerTimeout, e.g.
 * IP_SMTPC_POSIX_SetTimeout). So a server, or anyone on the path, that
 * drips or holds back the handshake or a TLS record cannot stretch a call
 * past the deadline: pfReceive returns IP_SMTPC_ERR_TIMEOUT, pfUpgrade
 * IP_SMTPC_ERR_TIMEOUT, pfSend -1, and the handle refuses further I/O
 * (IP_SMTPC_MBEDTLS_ERR_TIMEOUT; no close_notify either). Slack: a call
 * ends at most one handshake step's computation (on a PC well under 10 ms;
 * an RSA or ECDHE operation on a small MCU can take a second) plus one tick
 * of pfGetTimeMs after the deadline, provided the lower port honours its
 * timeout.
 *
 * Memory: IP_SMTPC_MBEDTLS_Open allocates the handle (calloc) and, on
 * pfUpgrade, its mbedTLS contexts (entropy, DRBG, CA chain, configuration,
 * session); pfDisconnect frees them. Firmware without a heap uses
 * IP_SMTPC_MBEDTLS_OpenStatic instead: the handle and every context live in
 * an IP_SMTPC_MBEDTLS_SESSION the application provides (static, or on the
 * sending task's stack), and the CA certificates come from a buffer
 * (pCa / CaLen: PEM, or DER read in place from flash). The port itself then
 * calls no allocator; mbedTLS still allocates inside its own calls (the TLS
 * record buffers in mbedtls_ssl_setup, the parsed CA chain, the server's
 * certificates, handshake temporaries) through mbedtls_calloc, which
 * firmware points at a static pool (MBEDTLS_MEMORY_BUFFER_ALLOC_C,
 * mbedtls_memory_buffer_alloc_init). Figures: README, "The mbedTLS port in
 * firmware", and docs/porting.md. The port keeps no static state. One handle must not be
 * used by two threads at once.
 *
 *   static const unsigned char _acCaDer[] = { 0x30, 0x82, ... };  // in flash
 *   static IP_SMTPC_MBEDTLS_SESSION _Session;   // or on the task's stack
 *   static IP_SMTPC_MBEDTLS_CONFIG  _Tls;       // zeroed: unused fields = 0
 *   ...
 *   _Tls.pCa       = _acCaDer;                  // PEM: the text with its NUL,
 *   _Tls.CaLen     = sizeof(_acCaDer);          //  CaLen = sizeof, not strlen
 *   _Tls.pfEntropy = _HwRandom;                 // e.g. the RNG peripheral
 *   hSock = IP_SMTPC_MBEDTLS_OpenStatic(&_Session, &_Plain, hPlain, &_Tls);
 *
 * Build switches of ip_smtpc_mbedtls.c (define them when compiling it):
 *   IP_SMTPC_MBEDTLS_HEAP         1 (default): IP_SMTPC_MBEDTLS_Open is
 *                                 built; 0: it is not, and the port's object
 *                                 references no malloc, calloc or free.
 *   IP_SMTPC_MBEDTLS_FILE_SYSTEM  1: sCaFile is read with
 *                                 mbedtls_x509_crt_parse_file; 0: sCaFile is
 *                                 refused (only pCa). Default: 1 when the
 *                                 mbedTLS configuration has MBEDTLS_FS_IO.
 *   IP_SMTPC_MBEDTLS_INET_PTON    1: IP literals parsed with inet_pton
 *                                 (<arpa/inet.h>); 0: by the port's own
 *                                 parser. Default: 1 on Unix hosts.
 * ip_smtpc_mbedtls.c and every file that includes this header must see the
 * same mbedTLS configuration (MBEDTLS_CONFIG_FILE, MBEDTLS_USER_CONFIG_FILE):
 * IP_SMTPC_MBEDTLS_SESSION holds mbedTLS's context structures.
 */
#ifndef IP_SMTPC_MBEDTLS_H
#define IP_SMTPC_MBEDTLS_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "IP_SMTPC.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IP_SMTPC_MBEDTLS_LastError(): the failure class. */
#define IP_SMTPC_MBEDTLS_ERR_NONE            0   /* no failure                                      */
#define IP_SMTPC_MBEDTLS_ERR_SETUP          -1   /* CA file unreadable or empty, RNG, out of memory  */
#define IP_SMTPC_MBEDTLS_ERR_HANDSHAKE      -2   /* protocol failure, alert from the server, no      */
                                                 /* common version or cipher, I/O error              */
#define IP_SMTPC_MBEDTLS_ERR_CERT_UNTRUSTED -3   /* the certificate does not chain to a trusted CA,  */
                                                 /* or is expired, not yet valid, unfit for a server */
#define IP_SMTPC_MBEDTLS_ERR_NAME_MISMATCH  -4   /* a trusted certificate, issued for another name   */
#define IP_SMTPC_MBEDTLS_ERR_IO             -5   /* TLS record error after the handshake             */
#define IP_SMTPC_MBEDTLS_ERR_STATE          -6   /* bad argument, second upgrade, use after failure  */
#define IP_SMTPC_MBEDTLS_ERR_TIMEOUT        -7   /* the deadline passed (IP_SMTPC_MBEDTLS_SetTimeout) */
                                                 /* or the lower port timed out                      */

/* Dir argument of the trace hook (the same values as the POSIX port's). */
#define IP_SMTPC_MBEDTLS_TRACE_SENT          0
#define IP_SMTPC_MBEDTLS_TRACE_RECEIVED      1

/* Longest name accepted for verification (sServerName or pfUpgrade's sServer). */
#define IP_SMTPC_MBEDTLS_MAX_NAME_LEN        255

/*
 * Trace hook: the application-level bytes sent and received on the handle,
 * in clear before and after the handshake (never the TLS records).
 */
typedef void (IP_SMTPC_MBEDTLS_TRACE_FUNC)(void* pUser, int Dir, const char* pData, unsigned Len);

typedef struct {
  const char* sCaFile;      /* PEM or DER file of trusted CA certificates (required for TLS unless  */
                            /* pCa is set; hosts only, see IP_SMTPC_MBEDTLS_FILE_SYSTEM); read on   */
                            /* pfUpgrade, so it must stay valid while the handle lives             */
  const char* sServerName;  /* name the certificate must match, sent as SNI; NULL = pfUpgrade's    */
                            /* sServer. Copied by IP_SMTPC_MBEDTLS_Open.                           */
  U32  (*pfGetTimeMs)(void);  /* millisecond clock (wrapping) for deadlines, or NULL: then          */
                              /* IP_SMTPC_MBEDTLS_SetTimeout only passes its value to the lower     */
                              /* port, which bounds each read, not a record or the handshake       */
  void (*pfSetLowerTimeout)(SMTPC_SOCKET hLower, U32 RemainingMs);  /* sets the lower port's I/O    */
                              /* timeout before each of its calls (e.g. IP_SMTPC_POSIX_SetTimeout),  */
                              /* or NULL when the lower port bounds itself                          */
  /* Appended for firmware (zero = the behaviour before them): */
  const unsigned char* pCa; /* trusted CA certificates in memory, or NULL (then sCaFile): PEM      */
                            /* text including its terminating NUL (CaLen = sizeof, not strlen), or  */
                            /* DER, one or more certificates back to back. DER is used in place     */
                            /* (not copied), PEM is decoded into mbedTLS's heap; either way pCa     */
                            /* must stay valid while the handle lives. Wins over sCaFile.           */
  unsigned  CaLen;          /* bytes at pCa                                                         */
  int  (*pfEntropy)(void* pUser, unsigned char* pBuf, size_t BufLen, size_t* pOutLen);  /* strong  */
                            /* entropy source added to mbedTLS's (mbedtls_entropy_f_source_ptr:     */
                            /* fill up to BufLen bytes, set *pOutLen, return 0), or NULL = only     */
                            /* mbedTLS's own sources. Needed on targets without platform entropy   */
                            /* (MBEDTLS_NO_PLATFORM_ENTROPY): e.g. the MCU's TRNG                   */
  void*     pEntropyUser;   /* first argument of pfEntropy                                          */
} IP_SMTPC_MBEDTLS_CONFIG;

/*
 * The mbedTLS contexts of one handle. Internal: use only through the
 * functions of this port.
 */
typedef struct {
  mbedtls_entropy_context  Entropy;
  mbedtls_ctr_drbg_context Drbg;
  mbedtls_x509_crt         CaChain;
  mbedtls_ssl_config       Conf;
  mbedtls_ssl_context      Ssl;
} IP_SMTPC_MBEDTLS_CONTEXTS;

/* A handle's own state. Internal: use only through the functions of this port. */
typedef struct {
  const IP_SMTPC_API*          pLower;       /* hooks of the wrapped handle                  */
  SMTPC_SOCKET                 hLower;       /* the wrapped (plain) connection               */
  const char*                  sCaFile;
  const unsigned char*         pCa;          /* CA buffer, or NULL                           */
  unsigned                     CaLen;
  int                        (*pfEntropy)(void* pUser, unsigned char* pBuf, size_t BufLen, size_t* pOutLen);
  void*                        pEntropyUser;
  char                         acName[IP_SMTPC_MBEDTLS_MAX_NAME_LEN + 1u];  /* "" = pfUpgrade's sServer */
  unsigned char                abIp[16];     /* expected address when the name is a literal  */
  unsigned                     IpLen;        /* 4, 16, or 0 for a host name                  */
  IP_SMTPC_MBEDTLS_CONTEXTS*   pTls;         /* set by pfUpgrade                             */
  IP_SMTPC_MBEDTLS_CONTEXTS*   pStaticTls;   /* the session's contexts, NULL when allocated  */
  U32                        (*pfGetTimeMs)(void);
  void                       (*pfSetLowerTimeout)(SMTPC_SOCKET hLower, U32 RemainingMs);
  int                          HasDeadline;
  U32                          Deadline;
  int                          State;
  int                          LastError;
  int                          TimedOut;
  char                         acDetail[256];
  IP_SMTPC_MBEDTLS_TRACE_FUNC* pfTrace;
  void*                        pTraceUser;
} IP_SMTPC_MBEDTLS_CONN;

/*
 * Caller-provided storage of one handle and all its mbedTLS contexts, for
 * IP_SMTPC_MBEDTLS_OpenStatic: static, or on the stack of the task that
 * sends (it must outlive the handle, i.e. until IP_SMTPC_MBEDTLS_Disconnect).
 * Its size depends on the mbedTLS configuration (README, "TLS hooks").
 * Internal fields: use only through the functions of this port.
 */
typedef struct {
  IP_SMTPC_MBEDTLS_CONN     Conn;
  IP_SMTPC_MBEDTLS_CONTEXTS Tls;
} IP_SMTPC_MBEDTLS_SESSION;

/*
 * Wraps a connected handle of a lower transport. pLower supplies pfSend,
 * pfReceive and pfDisconnect for hLower (the other hooks are not used) and
 * must stay valid while the handle lives; pConfig is read here (sServerName
 * copied, sCaFile kept). Ownership of hLower passes to the new handle:
 * IP_SMTPC_MBEDTLS_Disconnect closes it, and so does this function when it
 * fails. Returns the handle, or NULL (bad arguments, name too long, out of
 * memory).
 */
SMTPC_SOCKET IP_SMTPC_MBEDTLS_Open(const IP_SMTPC_API* pLower, SMTPC_SOCKET hLower,
                                   const IP_SMTPC_MBEDTLS_CONFIG* pConfig);

/*
 * Like IP_SMTPC_MBEDTLS_Open, with no heap: the handle and its mbedTLS
 * contexts live in *pSession, which this function zeroes and which must
 * stay valid until IP_SMTPC_MBEDTLS_Disconnect. That frees what mbedTLS
 * allocated inside the session and closes hLower, but leaves the session to
 * the caller: IP_SMTPC_MBEDTLS_LastError and _GetDetail still answer for it,
 * and it can be opened again. Returns the handle (pSession, as SMTPC_SOCKET), or NULL: bad
 * arguments or name too long; hLower is then closed too (as by _Open). The
 * port allocates nothing on this path (tests/c/mbedtls_static.c).
 */
SMTPC_SOCKET IP_SMTPC_MBEDTLS_OpenStatic(IP_SMTPC_MBEDTLS_SESSION* pSession, const IP_SMTPC_API* pLower,
                                         SMTPC_SOCKET hLower, const IP_SMTPC_MBEDTLS_CONFIG* pConfig);

/* pfSend: all NumBytes bytes, in clear or over TLS. Returns NumBytes or -1. */
int  IP_SMTPC_MBEDTLS_Send(const char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfReceive: up to NumBytes bytes, in clear or over TLS. Returns the count
 * (> 0), IP_SMTPC_ERR_TIMEOUT when the deadline passed or the lower port
 * timed out, -1 on error, end of connection or close_notify.
 */
int  IP_SMTPC_MBEDTLS_Receive(char* pData, int NumBytes, SMTPC_SOCKET hSock);

/*
 * pfUpgrade: TLS handshake on the open connection with verification as
 * described above. Returns 0, IP_SMTPC_ERR_TIMEOUT when the deadline passed
 * or the lower port timed out, or -1 (the class: IP_SMTPC_MBEDTLS_LastError).
 */
int  IP_SMTPC_MBEDTLS_Upgrade(SMTPC_SOCKET hSock, const char* sServer);

/* pfDowngrade: sends close_notify; the TCP connection stays open. */
void IP_SMTPC_MBEDTLS_Downgrade(SMTPC_SOCKET hSock);

/*
 * pfDisconnect: frees the TLS state, closes the lower handle, frees the
 * handle (a session of IP_SMTPC_MBEDTLS_OpenStatic stays the caller's).
 * NULL is ignored.
 */
void IP_SMTPC_MBEDTLS_Disconnect(SMTPC_SOCKET hSock);

/* The first failure of the handle (IP_SMTPC_MBEDTLS_ERR_*), ERR_NONE when none. */
int  IP_SMTPC_MBEDTLS_LastError(SMTPC_SOCKET hSock);

/* A static English name of an IP_SMTPC_MBEDTLS_ERR_* class (never NULL). */
const char* IP_SMTPC_MBEDTLS_ErrorString(int Error);

/*
 * Writes mbedTLS's description of the first failure (error text and, for
 * certificates, the verification result) NUL-terminated into pBuf (BufSize
 * bytes, truncated to fit). Returns the length written, or -1 when pBuf is
 * NULL or BufSize is 0.
 */
int  IP_SMTPC_MBEDTLS_GetDetail(SMTPC_SOCKET hSock, char* pBuf, unsigned BufSize);

/*
 * After a successful upgrade: "<protocol version> <cipher suite>" written
 * like IP_SMTPC_MBEDTLS_GetDetail. Returns the length, or -1 (no TLS up).
 */
int  IP_SMTPC_MBEDTLS_GetSessionInfo(SMTPC_SOCKET hSock, char* pBuf, unsigned BufSize);

/* 1 while TLS is up on the handle, else 0. */
int  IP_SMTPC_MBEDTLS_IsSecure(SMTPC_SOCKET hSock);

/*
 * pfSetTimeout (IP_SMTPC_OPTIONS): the calls on the handle that follow must
 * end within RemainingMs milliseconds from now (see "Deadlines" above);
 * 0 = no deadline. NULL hSock is ignored.
 */
void IP_SMTPC_MBEDTLS_SetTimeout(SMTPC_SOCKET hSock, U32 RemainingMs);

/* Installs (or, with pfTrace NULL, removes) the transcript hook of a handle. */
void IP_SMTPC_MBEDTLS_SetTrace(SMTPC_SOCKET hSock, IP_SMTPC_MBEDTLS_TRACE_FUNC* pfTrace, void* pUser);

#ifdef __cplusplus
}
#endif

#endif /* IP_SMTPC_MBEDTLS_H */
