/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Board support for QEMU mps2-an386 (and mps2-an385): the 25 MHz system
 * clock, a millisecond clock from SysTick without interrupts.
 */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stdint.h>

/* SYSCLK of the MPS2 FPGA images (QEMU: 25 MHz). */
#define BOARD_SYSCLK_HZ 25000000u

/* Starts SysTick free-running on the processor clock. No interrupt is used,
 * so no exception frame ever lands on the stack being measured. */
void board_clock_init(void);

/* Milliseconds since board_clock_init(). Must be called at least once per
 * SysTick wrap (0.67 s at 25 MHz) to stay exact; calling it less often only
 * makes time appear to pass more slowly, which lengthens, never shortens, a
 * timeout. */
uint32_t board_millis(void);

#endif
