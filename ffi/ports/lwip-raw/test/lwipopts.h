/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Minimal lwipopts.h to compile ip_smtpc_lwip_raw.c against lwIP's headers
 * (ffi/ports/lwip-raw/check): the raw API without an OS. Not a
 * configuration to run lwIP with.
 *
 * IP_SMTPC_LWIP_RAW_TEST_CONFIG: 1 = IPv4 + IPv6, 2 = IPv4 only.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#ifndef IP_SMTPC_LWIP_RAW_TEST_CONFIG
#define IP_SMTPC_LWIP_RAW_TEST_CONFIG 1
#endif

#define NO_SYS                  1
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define LWIP_TCP                1
#define LWIP_UDP                0
#define LWIP_IPV4               1
#if IP_SMTPC_LWIP_RAW_TEST_CONFIG == 1
#define LWIP_IPV6               1
#else
#define LWIP_IPV6               0
#endif

#endif /* LWIPOPTS_H */
