/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Start-up code for the Cortex-M4 of QEMU's mps2-an386 (also fine for the
 * Cortex-M3 of mps2-an385): vector table, Reset_Handler, default handlers,
 * and a HardFault handler that reports the faulting frame over semihosting.
 *
 * No C library start-up (linked with -nostartfiles): Reset_Handler sets up
 * .data and .bss itself and calls main(). There is no heap.
 */
#include <stdint.h>

#include "semihost.h"

extern uint32_t __data_load__[];
extern uint32_t __data_start__[];
extern uint32_t __data_end__[];
extern uint32_t __bss_start__[];
extern uint32_t __bss_end__[];
extern uint32_t __StackTop[];

int main(void);

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);
void HardFault_Handler(void) __attribute__((naked));
void fw_hardfault_report(const uint32_t *frame, uint32_t exc_return) __attribute__((used, noreturn));
/* Bus, memory-management and usage faults are enabled in Reset_Handler;
 * they take the same report path as HardFault. */
void MemManage_Handler(void) __attribute__((alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((alias("HardFault_Handler")));

/* Core exceptions other than reset and hard fault are weak aliases of
 * Default_Handler, so the application may override any of them. */
#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
void SysTick_Handler(void) WEAK_DEFAULT;
void IRQ_Handler(void) WEAK_DEFAULT;

typedef void (*vector_t)(void);

/* mps2-an385/an386 have 32 external interrupts (UARTs, timers, ethernet...). */
#define FW_NUM_IRQS 32

__attribute__((section(".vectors"), used))
const vector_t fw_vector_table[16 + FW_NUM_IRQS] = {
    (vector_t)(uintptr_t)__StackTop, /* initial MSP */
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,                      /* reserved */
    SVC_Handler,
    DebugMon_Handler,
    0,                               /* reserved */
    PendSV_Handler,
    SysTick_Handler,
    /* external interrupts 0..31 */
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
    IRQ_Handler, IRQ_Handler, IRQ_Handler, IRQ_Handler,
};

#define SCB_CPACR  (*(volatile uint32_t *)0xE000ED88u)
#define SCB_SHCSR  (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR   (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR   (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR  (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR   (*(volatile uint32_t *)0xE000ED38u)

void Reset_Handler(void)
{
    uint32_t *src = __data_load__;
    uint32_t *dst;

#if defined(__ARM_FP)
    /* Full access to CP10/CP11 before any floating-point instruction: with
     * -mfloat-abi=hard the compiler (and Rust's eabihf target) may use the
     * FPU registers anywhere. */
    SCB_CPACR |= (0xFu << 20);
    __asm volatile("dsb\n\tisb" ::: "memory");
#endif

    /* The empty asm statements keep GCC from turning these loops into
     * memcpy/memset calls (which would drag the C library's versions into
     * every image and distort the footprint comparison). */
    for (dst = __data_start__; dst < __data_end__; dst++, src++) {
        *dst = *src;
        __asm volatile("" ::: "memory");
    }
    for (dst = __bss_start__; dst < __bss_end__; dst++) {
        *dst = 0u;
        __asm volatile("" ::: "memory");
    }

    /* Fault exceptions of their own instead of escalating to HardFault. */
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);

    semihost_exit(main());
}

void Default_Handler(void)
{
    uint32_t ipsr;

    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    semihost_puts("FATAL: unexpected exception ");
    semihost_put_int((long)(ipsr & 0x1ffu));
    semihost_puts("\n");
    semihost_exit(1);
}

/* Finds the stacked exception frame (MSP or PSP, from EXC_RETURN bit 2) and
 * hands it to the C reporter. Naked: no prologue may touch the stack. */
void HardFault_Handler(void)
{
    __asm volatile(
        "tst   lr, #4          \n"
        "ite   eq              \n"
        "mrseq r0, msp         \n"
        "mrsne r0, psp         \n"
        "mov   r1, lr          \n"
        "b     fw_hardfault_report \n");
}

void fw_hardfault_report(const uint32_t *frame, uint32_t exc_return)
{
    static const char *const names[8] = {
        "r0", "r1", "r2", "r3", "r12", "lr", "pc", "xpsr"
    };
    unsigned i;
    uint32_t ipsr;

    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    semihost_puts("FATAL: fault exception ");
    semihost_put_int((long)(ipsr & 0x1ffu));
    semihost_puts(" (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault)\n");
    for (i = 0; i < 8u; i++) {
        semihost_puts("  ");
        semihost_puts(names[i]);
        semihost_puts("=");
        semihost_put_hex(frame[i]);
        semihost_puts("\n");
    }
    semihost_puts("  exc_return=");
    semihost_put_hex(exc_return);
    semihost_puts(" hfsr=");
    semihost_put_hex(SCB_HFSR);
    semihost_puts(" cfsr=");
    semihost_put_hex(SCB_CFSR);
    semihost_puts("\n  mmfar=");
    semihost_put_hex(SCB_MMFAR);
    semihost_puts(" bfar=");
    semihost_put_hex(SCB_BFAR);
    semihost_puts("\n");
    semihost_exit(1);
}
