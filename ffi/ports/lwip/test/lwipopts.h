/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Minimal lwipopts.h to compile ip_smtpc_lwip.c against lwIP's headers
 * (ffi/ports/lwip/check). Not a configuration to run lwIP with.
 *
 * IP_SMTPC_LWIP_TEST_CONFIG selects the variant:
 *   1  everything the port can use: DNS (lwip_getaddrinfo), IPv4 + IPv6,
 *      SO_RCVTIMEO + SO_SNDTIMEO with struct timeval, lwip_select
 *   2  the least it accepts: no DNS (IP literals), IPv4 only, SO_RCVTIMEO
 *      only, as an int (LWIP_SO_SNDRCVTIMEO_NONSTANDARD), no select
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#ifndef IP_SMTPC_LWIP_TEST_CONFIG
#define IP_SMTPC_LWIP_TEST_CONFIG 1
#endif

#define NO_SYS                  0
#define LWIP_SOCKET             1
#define LWIP_NETCONN            1
#define LWIP_TCP                1
#define LWIP_UDP                1
#define LWIP_COMPAT_SOCKETS     0   /* the port calls lwip_* names only */
#define LWIP_SO_RCVTIMEO        1
#define LWIP_TCPIP_CORE_LOCKING 1

#if IP_SMTPC_LWIP_TEST_CONFIG == 1
#define LWIP_IPV4               1
#define LWIP_IPV6               1
#define LWIP_DNS                1
#define LWIP_SO_SNDTIMEO        1
#define LWIP_SOCKET_SELECT      1
#else
#define LWIP_IPV4               1
#define LWIP_IPV6               0
#define LWIP_DNS                0
#define LWIP_SO_SNDTIMEO        0
#define LWIP_SOCKET_SELECT      0
#define LWIP_SOCKET_POLL        0
#define LWIP_SO_SNDRCVTIMEO_NONSTANDARD 1
#endif

#endif /* LWIPOPTS_H */
