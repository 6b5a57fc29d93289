/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Minimal arch/cc.h for compiling ip_smtpc_lwip.c against lwIP's headers
 * (ffi/ports/lwip/check): a bare-metal-like port with the C library's
 * <errno.h> and lwIP's own struct timeval.
 */
#ifndef IP_SMTPC_LWIP_TEST_ARCH_CC_H
#define IP_SMTPC_LWIP_TEST_ARCH_CC_H

#define LWIP_ERRNO_STDINCLUDE 1

#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { } while (0)

#define LWIP_RAND() ((u32_t)4u)

#endif
