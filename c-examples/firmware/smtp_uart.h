/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * IP_SMTPC_API transport hooks over CMSDK UART0.
 *
 * Under QEMU the UART is wired to a TCP connection:
 *   -chardev socket,id=smtp,host=127.0.0.1,port=PORT,nodelay=on -serial chardev:smtp
 * so the byte stream of UART0 *is* the SMTP session. QEMU opens the TCP
 * connection when it starts, so pfConnect has nothing to do but hand out a
 * handle, and pfDisconnect cannot close anything.
 */
#ifndef FW_SMTP_UART_H
#define FW_SMTP_UART_H

#include "IP_SMTPC.h"

/* A receive that sees no byte for this long fails with -1 (a dead server
 * must not hang the firmware). Override with -DSMTP_UART_RX_TIMEOUT_MS=... */
#ifndef SMTP_UART_RX_TIMEOUT_MS
#define SMTP_UART_RX_TIMEOUT_MS 20000u
#endif

/* Same for a transmitter that never drains. */
#ifndef SMTP_UART_TX_TIMEOUT_MS
#define SMTP_UART_TX_TIMEOUT_MS 5000u
#endif

/* Baud rate programmed into BAUDDIV (QEMU ignores it; real hardware not). */
#ifndef SMTP_UART_BAUD
#define SMTP_UART_BAUD 115200u
#endif

/* Sets up UART0 and the clock used for timeouts. Call once before sending. */
void smtp_uart_init(void);

/* Records every byte pfSend puts on the wire into a semihosting host file
 * (handle from semihost_open_write), in order, or stops recording (-1).
 * Used by tests/firmware/run to compare what was sent with what the mail
 * server stored. Call before IP_SMTPC_Send(). */
void smtp_uart_record(int handle);

/* The hook table to pass to IP_SMTPC_Send (pfUpgrade/pfDowngrade NULL: a
 * UART bridge has no TLS). */
extern const IP_SMTPC_API smtp_uart_api;

#ifdef IP_SMTPC_WOULD_BLOCK
/* The same for the non-blocking API (IP_SMTPC_Start / IP_SMTPC_Poll): send
 * and receive never wait, they answer IP_SMTPC_WOULD_BLOCK instead. */
extern const IP_SMTPC_API smtp_uart_nb_api;
#endif

/* Statistics of the last session (for the example's report). */
typedef struct {
    unsigned long bytes_sent;
    unsigned long bytes_received;
    unsigned long receive_calls;
    unsigned long timeouts;
    unsigned long recorded;      /* bytes written to the recording file */
    unsigned long record_errors; /* failed writes to it */
} smtp_uart_stats_t;

extern smtp_uart_stats_t smtp_uart_stats;

#endif
