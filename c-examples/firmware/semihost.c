/* ARM semihosting calls used by the firmware example (see semihost.h). */
#include "semihost.h"

#define SYS_WRITE0        0x04u
#define SYS_EXIT          0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm("r0") = op;
    register const void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_puts(const char *s)
{
    (void)semihost_call(SYS_WRITE0, s);
}

void semihost_put_int(long v)
{
    char buf[12];
    char *p = &buf[sizeof buf - 1];
    unsigned long u = (v < 0) ? 0ul - (unsigned long)v : (unsigned long)v;

    *p = '\0';
    do {
        *--p = (char)('0' + (u % 10u));
        u /= 10u;
    } while (u != 0u);
    if (v < 0) {
        *--p = '-';
    }
    semihost_puts(p);
}

void semihost_put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[11];
    int i;

    buf[0] = '0';
    buf[1] = 'x';
    for (i = 0; i < 8; i++) {
        buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xfu];
    }
    buf[10] = '\0';
    semihost_puts(buf);
}

void semihost_exit(int code)
{
    /* SYS_EXIT_EXTENDED takes a parameter block {reason, subcode}; QEMU
     * exits with the subcode. The plain AArch32 SYS_EXIT only knows
     * "success" vs "failure", so it is the fallback if a host ignores 0x20. */
    const uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code };

    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    (void)semihost_call(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20023u));
    for (;;) {
        __asm volatile("wfi");
    }
}
