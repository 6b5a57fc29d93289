/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ARM semihosting (BKPT 0xAB on M-profile): console output, exit status, the
 * command line and host files.
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

/* Copies the command line the host was given into buf (SYS_GET_CMDLINE), NUL
 * terminated. Under QEMU it is the -kernel file name followed by the words
 * of -append (or the -semihosting-config arg=... list). Returns its length,
 * or -1 if the host has none or it does not fit into len bytes. */
int semihost_get_cmdline(char *buf, int len);

/* Opens a host file for writing, created or truncated, binary (SYS_OPEN mode
 * "wb"); relative names are relative to the host's working directory.
 * Returns a handle >= 0 or -1. */
int semihost_open_write(const char *path);

/* Writes len bytes to a handle from semihost_open_write (SYS_WRITE).
 * Returns 0 when all were written, -1 otherwise. */
int semihost_write(int handle, const void *data, int len);

/* Closes a handle (SYS_CLOSE). Returns 0 or -1. */
int semihost_close(int handle);

/* Ends the program with an exit status (SYS_EXIT_EXTENDED,
 * ADP_Stopped_ApplicationExit + code). QEMU exits with that status. */
__attribute__((noreturn)) void semihost_exit(int code);

#endif
