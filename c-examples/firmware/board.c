/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* SysTick-based millisecond clock, polled (see board.h). */
#include "board.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define SYST_CSR_ENABLE    (1u << 0)
#define SYST_CSR_CLKSOURCE (1u << 2)
#define SYST_RELOAD        0x00ffffffu
#define CYCLES_PER_MS      (BOARD_SYSCLK_HZ / 1000u)

static uint32_t s_last;   /* SysTick value at the previous call */
static uint32_t s_cycles; /* cycles not yet counted as a whole millisecond */
static uint32_t s_millis;

void board_clock_init(void)
{
    SYST_CSR = 0u;
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0u; /* any write clears the counter */
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_ENABLE;
    s_last = SYST_CVR;
    s_cycles = 0u;
    s_millis = 0u;
}

uint32_t board_millis(void)
{
    uint32_t now = SYST_CVR;

    /* The counter counts down from SYST_RELOAD to 0 and wraps. */
    s_cycles += (s_last - now) & SYST_RELOAD;
    s_last = now;
    s_millis += s_cycles / CYCLES_PER_MS;
    s_cycles %= CYCLES_PER_MS;
    return s_millis;
}
