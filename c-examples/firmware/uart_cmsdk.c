/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* CMSDK APB UART polling driver (see uart_cmsdk.h). */
#include "uart_cmsdk.h"

void uart_init(cmsdk_uart_t *uart, uint32_t clock_hz, uint32_t baud)
{
    uint32_t div = (baud != 0u) ? clock_hz / baud : 16u;

    if (div < 16u) {
        div = 16u; /* the CMSDK UART requires BAUDDIV >= 16 */
    }
    uart->CTRL = 0u;
    uart->BAUDDIV = div;
    uart->STATE = CMSDK_UART_STATE_TX_OVERRUN | CMSDK_UART_STATE_RX_OVERRUN;
    uart->INTSTATUS = 0xfu;
    uart->CTRL = CMSDK_UART_CTRL_TX_EN | CMSDK_UART_CTRL_RX_EN;
}
