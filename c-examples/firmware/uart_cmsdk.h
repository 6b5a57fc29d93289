/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Polling driver for the ARM CMSDK APB UART (UART0 of mps2-an385/an386 at
 * 0x40004000). No interrupts, no FIFO: one byte in each direction.
 */
#ifndef FW_UART_CMSDK_H
#define FW_UART_CMSDK_H

#include <stdint.h>

typedef struct {
    volatile uint32_t DATA;      /* 0x000 rx/tx byte */
    volatile uint32_t STATE;     /* 0x004 bit0 TX full, bit1 RX full, bit2 TX overrun, bit3 RX overrun (write 1 to clear) */
    volatile uint32_t CTRL;      /* 0x008 bit0 TX enable, bit1 RX enable, bits2-5 interrupt enables, bit6 HS test */
    volatile uint32_t INTSTATUS; /* 0x00C read: pending interrupts; write 1 to clear */
    volatile uint32_t BAUDDIV;   /* 0x010 baud divider (>= 16) */
} cmsdk_uart_t;

#define CMSDK_UART0 ((cmsdk_uart_t *)0x40004000u)

#define CMSDK_UART_STATE_TX_FULL    (1u << 0)
#define CMSDK_UART_STATE_RX_FULL    (1u << 1)
#define CMSDK_UART_STATE_TX_OVERRUN (1u << 2)
#define CMSDK_UART_STATE_RX_OVERRUN (1u << 3)
#define CMSDK_UART_CTRL_TX_EN       (1u << 0)
#define CMSDK_UART_CTRL_RX_EN       (1u << 1)

/* Enables TX and RX with BAUDDIV = clock_hz / baud, interrupts off. */
void uart_init(cmsdk_uart_t *uart, uint32_t clock_hz, uint32_t baud);

/* Non-zero when a received byte is waiting. */
static inline int uart_rx_ready(const cmsdk_uart_t *uart)
{
    return (uart->STATE & CMSDK_UART_STATE_RX_FULL) != 0u;
}

/* Non-zero when the transmit holding register can take a byte. */
static inline int uart_tx_ready(const cmsdk_uart_t *uart)
{
    return (uart->STATE & CMSDK_UART_STATE_TX_FULL) == 0u;
}

/* Reads the received byte; call only when uart_rx_ready(). */
static inline uint8_t uart_read_byte(cmsdk_uart_t *uart)
{
    return (uint8_t)uart->DATA;
}

/* Writes a byte; call only when uart_tx_ready(). */
static inline void uart_write_byte(cmsdk_uart_t *uart, uint8_t b)
{
    uart->DATA = b;
}

#endif
