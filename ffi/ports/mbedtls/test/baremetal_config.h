/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * baremetal_config.h - an mbedTLS 2.x user configuration for a
 * microcontroller without a file system, sockets, threads or an OS clock,
 * applied on top of mbedTLS's config.h:
 *
 *   -DMBEDTLS_USER_CONFIG_FILE='"baremetal_config.h"'
 *
 * ffi/ports/mbedtls/check compiles the port with it for Cortex-M4 against
 * Debian's mbedTLS 2.28 headers. Start your own from it; everything here is
 * what the port needs from the platform, not a tuned cipher selection.
 */
#ifndef IP_SMTPC_BAREMETAL_CONFIG_H
#define IP_SMTPC_BAREMETAL_CONFIG_H

/* No file system: CA certificates come from pCa (flash), not sCaFile. */
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C

/* No BSD sockets, no OS timers, no threads: the port does its own I/O through */
/* the lower transport's hooks and keeps its deadlines with pfGetTimeMs.       */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C                /* needs TIMING_C; and 32 KB in every entropy context */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD

/* No /dev/urandom: the application's TRNG comes in through the port's         */
/* pfEntropy hook (IP_SMTPC_MBEDTLS_CONFIG), as a strong entropy source.        */
#define MBEDTLS_NO_PLATFORM_ENTROPY

/*
 * Certificate validity dates need the calendar: MBEDTLS_HAVE_TIME_DATE with
 * a time() that reads the RTC (or MBEDTLS_PLATFORM_TIME_ALT). Without an RTC
 * #undef MBEDTLS_HAVE_TIME_DATE: then expiry is not checked.
 */

/*
 * mbedTLS's own allocations (record buffers in mbedtls_ssl_setup, parsed
 * certificates, handshake temporaries) from a static pool the application
 * hands over once: mbedtls_memory_buffer_alloc_init(abPool, sizeof(abPool)).
 */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C

/*
 * Record buffers: the incoming one must hold the largest record the server
 * sends (16384 bytes of content unless it accepts the max_fragment_length
 * extension, MBEDTLS_SSL_MAX_FRAGMENT_LENGTH); the outgoing one can be
 * small: the port writes what mbedTLS accepts and loops.
 */
#define MBEDTLS_SSL_IN_CONTENT_LEN   16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN  4096

#endif /* IP_SMTPC_BAREMETAL_CONFIG_H */
