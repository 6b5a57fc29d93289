/*
 * ip-smtpc firmware example for QEMU mps2-an386 (Cortex-M4, bare metal).
 *
 * Sends one mail with IP_SMTPC_Send() over UART0, which QEMU connects to a
 * mail server (see smtp_uart.h and scripts/qemu/run-firmware). The structs
 * are filled the way emNet's sample application does it: static const
 * tables, the sender first.
 *
 * Output (semihosting): "result=<n> stack=<bytes>", where stack is the
 * high-water mark of the IP_SMTPC_Send() call measured by stack painting.
 * Exit status (semihosting SYS_EXIT_EXTENDED): 0 if the server accepted the
 * mail, 1 otherwise.
 */
#include <stddef.h>
#include <stdint.h>

#include "IP_SMTPC.h"
#include "semihost.h"
#include "smtp_uart.h"

/*********************************************************************
*       Configuration
*/
#define SENDER_NAME       "ip-smtpc firmware"
#define SENDER_ADDR       "sender@ip-smtpc.test"
#define RECIPIENT_0_NAME  "Alice"
#define RECIPIENT_0_ADDR  "alice@ip-smtpc.test"
#define RECIPIENT_1_NAME  "Bob"
#define RECIPIENT_1_ADDR  "bob@ip-smtpc.test"
#define SERVER_ADDR       "127.0.0.1"   /* handed to pfConnect; QEMU picks the port */
#define SERVER_USER       NULL          /* no authentication */
#define SERVER_PASS       NULL
#define OWN_DOMAIN        "firmware.ip-smtpc.test"
#define UTC_OFFSET        "+0000"

#define STACK_PAINT       0xDEADBEEFu

/*********************************************************************
*       Static const data (emNet sample style)
*/
static const IP_SMTPC_MAIL_ADDR _aMailAddr[] = {
    { SENDER_NAME,      SENDER_ADDR,      SMTPC_REC_TYPE_FROM }, /* [0] is the sender */
    { RECIPIENT_0_NAME, RECIPIENT_0_ADDR, SMTPC_REC_TYPE_TO   },
    { RECIPIENT_1_NAME, RECIPIENT_1_ADDR, SMTPC_REC_TYPE_CC   },
};

static const IP_SMTPC_MESSAGE _Message = {
    .sSubject = "Hello from a Cortex-M4 in QEMU",
    .sBody =
        "This mail was sent by the ip-smtpc firmware example.\r\n"
        "It ran on QEMU's mps2-an386 board; its UART0 is the TCP connection.\r\n"
        ".A line that starts with a dot must be dot-stuffed on the wire.\r\n"
        "\r\n"
        "-- \r\n"
        "ip-smtpc\r\n",
    .sBoundary = NULL,
    .paMultipartItem = NULL,
    .NumMultipartItems = 0,
};

static const IP_SMTPC_MTA _MTAConfig = {
    .sServer = SERVER_ADDR,
    .sUser = SERVER_USER,
    .sPass = SERVER_PASS,
    .SecPolicy = SMTPC_SEC_POLICY_ALLOW_INSECURE,
};

/* FAT-packed date and time: 2026-11-28 12:34:56. */
#define FAT_DATE(y, mo, d, h, mi, s)                                         \
    ((uint32_t)((((uint32_t)(y) - 1980u) << 25) | ((uint32_t)(mo) << 21) |    \
                ((uint32_t)(d) << 16) | ((uint32_t)(h) << 11) |             \
                ((uint32_t)(mi) << 5) | ((uint32_t)(s) / 2u)))

static U32 _GetTimeDate(void)
{
    return FAT_DATE(2026, 11, 28, 12, 34, 56);
}

static const IP_SMTPC_APPLICATION _SMTPC_App = {
    .pfGetTimeDate = _GetTimeDate,
    .pfCallback = NULL,
    .sDomain = OWN_DOMAIN,
    .sTimezone = UTC_OFFSET,
};

/*********************************************************************
*       Stack measurement
*/
extern uint32_t __StackLimit[];

/* Fills the stack from its lowest address up to the current SP with
 * STACK_PAINT. Written in assembly so no compiler-generated frame or memset
 * call lives in the region being painted. */
static inline void paint_stack(void)
{
    uint32_t *p = __StackLimit;

    __asm volatile(
        "   mov  r2, sp          \n"
        "1: cmp  %[p], r2        \n"
        "   bhs  2f              \n"
        "   str  %[pat], [%[p]], #4 \n"
        "   b    1b              \n"
        "2:                      \n"
        : [p] "+r"(p)
        : [pat] "r"(STACK_PAINT)
        : "r2", "cc", "memory");
}

static inline uintptr_t current_sp(void)
{
    uintptr_t sp;

    __asm volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Lowest address whose paint was overwritten, or __StackLimit if even the
 * last word is gone (overflow, at least suspected). */
static uintptr_t stack_low_water(void)
{
    const volatile uint32_t *p = __StackLimit;

    while (*p == STACK_PAINT) {
        p++;
    }
    return (uintptr_t)p;
}

/*********************************************************************
*       Panic hook
*
* The library is built not to panic; should a panic path survive anyway,
* its handler calls IP_SMTPC_OnPanic() (a weak symbol in the library whose
* default spins). Report it and stop instead of hanging until the timeout.
*/
void IP_SMTPC_OnPanic(void);

void IP_SMTPC_OnPanic(void)
{
    semihost_puts("FATAL: ip-smtpc panicked\n");
    semihost_exit(1);
}

/*********************************************************************
*       main
*/
int main(void)
{
    uintptr_t sp_at_call;
    uintptr_t low;
    int r;

    smtp_uart_init();

    paint_stack();
    sp_at_call = current_sp();
    r = IP_SMTPC_Send(&smtp_uart_api, _aMailAddr,
                      (int)(sizeof _aMailAddr / sizeof _aMailAddr[0]),
                      &_Message, &_MTAConfig, &_SMTPC_App);
    low = stack_low_water();

    semihost_puts("result=");
    semihost_put_int(r);
    semihost_puts(" stack=");
    if (low <= (uintptr_t)__StackLimit) {
        semihost_puts("overflow");
    } else {
        semihost_put_int((long)(sp_at_call - low));
    }
    semihost_puts("\n");

    semihost_puts("uart: sent=");
    semihost_put_int((long)smtp_uart_stats.bytes_sent);
    semihost_puts(" received=");
    semihost_put_int((long)smtp_uart_stats.bytes_received);
    semihost_puts(" receive_calls=");
    semihost_put_int((long)smtp_uart_stats.receive_calls);
    semihost_puts(" timeouts=");
    semihost_put_int((long)smtp_uart_stats.timeouts);
    semihost_puts("\n");

    if (r != 0) {
        semihost_puts("FAILED: IP_SMTPC_Send returned ");
        semihost_put_int(r);
        semihost_puts("\n");
        return 1;
    }
    return 0;
}
