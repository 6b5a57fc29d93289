/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* ARM semihosting calls used by the firmware example (see semihost.h). */
#include <stddef.h>

#include "semihost.h"

#define SYS_OPEN          0x01u
#define SYS_CLOSE         0x02u
#define SYS_WRITE0        0x04u
#define SYS_WRITE         0x05u
#define SYS_GET_CMDLINE   0x15u
#define SYS_EXIT          0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define SYS_OPEN_MODE_WB  5u /* fopen() mode index: r rb r+ r+b w wb ... */

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

int semihost_get_cmdline(char *buf, int len)
{
    uint32_t block[2];

    if (buf == NULL || len <= 0) {
        return -1;
    }
    block[0] = (uint32_t)(uintptr_t)buf;
    block[1] = (uint32_t)len;
    if (semihost_call(SYS_GET_CMDLINE, block) != 0u || block[1] >= (uint32_t)len) {
        buf[0] = '\0';
        return -1;
    }
    buf[block[1]] = '\0'; /* the host writes the NUL too; do not rely on it */
    return (int)block[1];
}

int semihost_open_write(const char *path)
{
    uint32_t block[3];
    uint32_t n = 0u;
    uint32_t r;

    if (path == NULL) {
        return -1;
    }
    while (path[n] != '\0') {
        n++;
    }
    block[0] = (uint32_t)(uintptr_t)path;
    block[1] = SYS_OPEN_MODE_WB;
    block[2] = n; /* length without the NUL */
    r = semihost_call(SYS_OPEN, block);
    return (r == 0xffffffffu || r > 0x7fffffffu) ? -1 : (int)r;
}

int semihost_write(int handle, const void *data, int len)
{
    uint32_t block[3];

    if (handle < 0 || data == NULL || len < 0) {
        return -1;
    }
    if (len == 0) {
        return 0;
    }
    block[0] = (uint32_t)handle;
    block[1] = (uint32_t)(uintptr_t)data;
    block[2] = (uint32_t)len;
    /* SYS_WRITE returns the number of bytes NOT written. */
    return semihost_call(SYS_WRITE, block) == 0u ? 0 : -1;
}

int semihost_close(int handle)
{
    uint32_t block[1];

    if (handle < 0) {
        return -1;
    }
    block[0] = (uint32_t)handle;
    return semihost_call(SYS_CLOSE, block) == 0u ? 0 : -1;
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
