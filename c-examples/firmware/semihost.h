/*
 * ARM semihosting (BKPT 0xAB on M-profile): console output and exit status.
 * Needs a debugger or QEMU with -semihosting-config enable=on,target=native.
 */
#ifndef FW_SEMIHOST_H
#define FW_SEMIHOST_H

#include <stdint.h>

/* Writes a NUL-terminated string to the host console (SYS_WRITE0). */
void semihost_puts(const char *s);

/* Writes a signed decimal number (no printf). */
void semihost_put_int(long v);

/* Writes 0x%08x. */
void semihost_put_hex(uint32_t v);

/* Ends the program with an exit status (SYS_EXIT_EXTENDED,
 * ADP_Stopped_ApplicationExit + code). QEMU exits with that status. */
__attribute__((noreturn)) void semihost_exit(int code);

#endif
