/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* IP_SMTPC_API transport hooks over CMSDK UART0 (see smtp_uart.h). */
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "semihost.h"
#include "smtp_uart.h"
#include "uart_cmsdk.h"

/* Non-NULL handle returned by pfConnect; the library only passes it back. */
typedef struct {
    cmsdk_uart_t *uart;
} smtp_uart_conn_t;

static smtp_uart_conn_t s_conn;
static int s_record = -1; /* semihosting handle, -1 = not recording */

smtp_uart_stats_t smtp_uart_stats;

void smtp_uart_record(int handle)
{
    s_record = handle;
}

void smtp_uart_init(void)
{
    board_clock_init();
    uart_init(CMSDK_UART0, BOARD_SYSCLK_HZ, SMTP_UART_BAUD);
    s_conn.uart = CMSDK_UART0;
}

static SMTPC_SOCKET uart_connect(const char *sServer)
{
    (void)sServer; /* the QEMU command line chose the server */
    smtp_uart_stats.bytes_sent = 0u;
    smtp_uart_stats.bytes_received = 0u;
    smtp_uart_stats.receive_calls = 0u;
    smtp_uart_stats.timeouts = 0u;
    smtp_uart_stats.recorded = 0u;
    smtp_uart_stats.record_errors = 0u;
    return &s_conn;
}

static void uart_disconnect(SMTPC_SOCKET hSock)
{
    (void)hSock; /* the TCP connection belongs to QEMU */
}

static int uart_send(const char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    smtp_uart_conn_t *conn = (smtp_uart_conn_t *)hSock;
    int i;

    if (conn == NULL || pData == NULL || NumBytes < 0) {
        return -1;
    }
    for (i = 0; i < NumBytes; i++) {
        uint32_t start = board_millis();

        while (!uart_tx_ready(conn->uart)) {
            if ((uint32_t)(board_millis() - start) >= SMTP_UART_TX_TIMEOUT_MS) {
                smtp_uart_stats.timeouts++;
                return -1;
            }
        }
        uart_write_byte(conn->uart, (uint8_t)pData[i]);
    }
    smtp_uart_stats.bytes_sent += (unsigned long)NumBytes;
    if (s_record >= 0) {
        if (semihost_write(s_record, pData, NumBytes) == 0) {
            smtp_uart_stats.recorded += (unsigned long)NumBytes;
        } else {
            smtp_uart_stats.record_errors++;
        }
    }
    return NumBytes;
}

/* Blocks until at least one byte is there (or the timeout), then takes what
 * is available right now, up to NumBytes, and returns without waiting for
 * more. */
static int uart_receive(char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    smtp_uart_conn_t *conn = (smtp_uart_conn_t *)hSock;
    uint32_t start;
    int n = 0;

    if (conn == NULL || pData == NULL || NumBytes <= 0) {
        return -1;
    }
    smtp_uart_stats.receive_calls++;
    start = board_millis();
    while (!uart_rx_ready(conn->uart)) {
        if ((uint32_t)(board_millis() - start) >= SMTP_UART_RX_TIMEOUT_MS) {
            smtp_uart_stats.timeouts++;
            return -1;
        }
    }
    while (n < NumBytes && uart_rx_ready(conn->uart)) {
        pData[n++] = (char)uart_read_byte(conn->uart);
    }
    smtp_uart_stats.bytes_received += (unsigned long)n;
    return n;
}

const IP_SMTPC_API smtp_uart_api = {
    .pfConnect = uart_connect,
    .pfDisconnect = uart_disconnect,
    .pfSend = uart_send,
    .pfReceive = uart_receive,
    .pfUpgrade = NULL,
    .pfDowngrade = NULL,
};

/*********************************************************************
*       Non-blocking hooks (IP_SMTPC_Start / IP_SMTPC_Poll, superloop)
*
* Nothing here waits: a send writes what the transmitter takes now, a
* receive reads what has arrived, and either answers IP_SMTPC_WOULD_BLOCK
* when that is nothing. Deadlines are the library's (IP_SMTPC_Poll's NowMs).
*/
#ifdef IP_SMTPC_WOULD_BLOCK

static int uart_send_nb(const char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    smtp_uart_conn_t *conn = (smtp_uart_conn_t *)hSock;
    int n = 0;

    if (conn == NULL || pData == NULL || NumBytes < 0) {
        return -1;
    }
    while (n < NumBytes && uart_tx_ready(conn->uart)) {
        uart_write_byte(conn->uart, (uint8_t)pData[n++]);
    }
    if (n == 0) {
        return IP_SMTPC_WOULD_BLOCK;
    }
    smtp_uart_stats.bytes_sent += (unsigned long)n;
    if (s_record >= 0) {
        if (semihost_write(s_record, pData, n) == 0) {
            smtp_uart_stats.recorded += (unsigned long)n;
        } else {
            smtp_uart_stats.record_errors++;
        }
    }
    return n;
}

static int uart_receive_nb(char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    smtp_uart_conn_t *conn = (smtp_uart_conn_t *)hSock;
    int n = 0;

    if (conn == NULL || pData == NULL || NumBytes <= 0) {
        return -1;
    }
    smtp_uart_stats.receive_calls++;
    while (n < NumBytes && uart_rx_ready(conn->uart)) {
        pData[n++] = (char)uart_read_byte(conn->uart);
    }
    if (n == 0) {
        return IP_SMTPC_WOULD_BLOCK;
    }
    smtp_uart_stats.bytes_received += (unsigned long)n;
    return n;
}

const IP_SMTPC_API smtp_uart_nb_api = {
    .pfConnect = uart_connect,
    .pfDisconnect = uart_disconnect,
    .pfSend = uart_send_nb,
    .pfReceive = uart_receive_nb,
    .pfUpgrade = NULL,
    .pfDowngrade = NULL,
};

#endif
