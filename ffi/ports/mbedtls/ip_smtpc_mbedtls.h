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
 * Verification: the server's chain must lead to a CA of sCaFile, and the
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
 * Each handle owns its mbedTLS contexts (entropy, DRBG, CA chain,
 * configuration, session; allocated on pfUpgrade, freed by pfDisconnect);
 * the port keeps no static state. One handle must not be used by two threads
 * at once.
 */
#ifndef IP_SMTPC_MBEDTLS_H
#define IP_SMTPC_MBEDTLS_H

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

typedef struct {
  const char* sCaFile;      /* PEM or DER file of trusted CA certificates (required for TLS);      */
                            /* read on pfUpgrade, so it must stay valid while the handle lives     */
  const char* sServerName;  /* name the certificate must match, sent as SNI; NULL = pfUpgrade's    */
                            /* sServer. Copied by IP_SMTPC_MBEDTLS_Open.                           */
  U32  (*pfGetTimeMs)(void);  /* millisecond clock (wrapping) for deadlines, or NULL: then          */
                              /* IP_SMTPC_MBEDTLS_SetTimeout only passes its value to the lower     */
                              /* port, which bounds each read, not a record or the handshake       */
  void (*pfSetLowerTimeout)(SMTPC_SOCKET hLower, U32 RemainingMs);  /* sets the lower port's I/O    */
                              /* timeout before each of its calls (e.g. IP_SMTPC_POSIX_SetTimeout),  */
                              /* or NULL when the lower port bounds itself                          */
} IP_SMTPC_MBEDTLS_CONFIG;

/*
 * Trace hook: the application-level bytes sent and received on the handle,
 * in clear before and after the handshake (never the TLS records).
 */
typedef void (IP_SMTPC_MBEDTLS_TRACE_FUNC)(void* pUser, int Dir, const char* pData, unsigned Len);

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

/* pfDisconnect: frees the TLS state, closes the lower handle, frees the handle. NULL is ignored. */
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
