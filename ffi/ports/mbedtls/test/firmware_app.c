/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * firmware_app.c - how firmware wires the mbedTLS port with no heap of its
 * own: a static session, the CA as DER in flash, the MCU's TRNG as entropy,
 * mbedTLS's allocations from a static pool. Compiled (not linked) for
 * Cortex-M4 by ffi/ports/mbedtls/check with test/baremetal_config.h; the
 * BSP functions are declared, not defined.
 */
#include <stddef.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "IP_SMTPC.h"
#include "ip_smtpc_mbedtls.h"

#define MBEDTLS_POOL_SIZE  (44u * 1024u)   /* measured: README, "TLS hooks" */

/* The BSP's (not part of the port). */
U32          BSP_GetTimeMs(void);
int          BSP_ReadTrng(unsigned char* pBuf, size_t BufLen);
SMTPC_SOCKET BSP_TcpConnect(const char* sServer, unsigned Port);
void         BSP_TcpDisconnect(SMTPC_SOCKET hSock);
int          BSP_TcpSend(const char* pData, int NumBytes, SMTPC_SOCKET hSock);
int          BSP_TcpReceive(char* pData, int NumBytes, SMTPC_SOCKET hSock);
void         BSP_TcpSetTimeout(SMTPC_SOCKET hSock, U32 RemainingMs);

void         APP_InitTls(void);
SMTPC_SOCKET APP_Connect(const char* sServer);

/* The CA certificate(s), DER, in flash: used in place, never copied to RAM. */
static const unsigned char _abCaDer[] = {
  0x30, 0x03, 0x02, 0x01, 0x00            /* (placeholder: xxd -i ca.der) */
};

static unsigned char            _abMbedtlsPool[MBEDTLS_POOL_SIZE];
static IP_SMTPC_MBEDTLS_SESSION _Session;   /* one connection at a time */

static const IP_SMTPC_API _Plain = {
  NULL, BSP_TcpDisconnect, BSP_TcpSend, BSP_TcpReceive, NULL, NULL
};

static int _Entropy(void* pUser, unsigned char* pBuf, size_t BufLen, size_t* pOutLen) {
  (void)pUser;
  if (BSP_ReadTrng(pBuf, BufLen) != 0) {
    return -1;
  }
  *pOutLen = BufLen;
  return 0;
}

static const IP_SMTPC_MBEDTLS_CONFIG _Tls = {
  NULL,                        /* sCaFile: no file system      */
  NULL,                        /* sServerName: IP_SMTPC_MTA.sServer */
  BSP_GetTimeMs,               /* pfGetTimeMs                  */
  BSP_TcpSetTimeout,           /* pfSetLowerTimeout            */
  _abCaDer, sizeof(_abCaDer),  /* pCa, CaLen                   */
  _Entropy, NULL               /* pfEntropy, pEntropyUser      */
};

/* Once at start-up: mbedTLS allocates from the pool from now on. */
void APP_InitTls(void) {
  mbedtls_memory_buffer_alloc_init(_abMbedtlsPool, sizeof(_abMbedtlsPool));
}

/* pfConnect of the application's IP_SMTPC_API (with IP_SMTPC_MBEDTLS_* for the rest). */
SMTPC_SOCKET APP_Connect(const char* sServer) {
  SMTPC_SOCKET hPlain;

  hPlain = BSP_TcpConnect(sServer, 465u);
  return (hPlain != NULL) ? IP_SMTPC_MBEDTLS_OpenStatic(&_Session, &_Plain, hPlain, &_Tls) : NULL;
}

/*************************** End of file ****************************/
