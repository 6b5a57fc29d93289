/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * ip-smtpc firmware example for QEMU mps2-an386 (Cortex-M4, bare metal).
 *
 * Sends one mail with IP_SMTPC_Send() over UART0, which QEMU connects to a
 * mail server (see smtp_uart.h and scripts/qemu/run-firmware). Built with
 * FW_SUPERLOOP (fw_superloop.elf), it sends the same mail from a superloop
 * with the non-blocking API: IP_SMTPC_Start, then IP_SMTPC_Poll with the
 * millisecond clock until the result; the stack figure is then the
 * high-water mark of the whole loop. The structs
 * are filled the way emNet's sample application does it: static const
 * tables, the sender first.
 *
 * Output (semihosting): "result=<n> stack=<bytes>", where stack is the
 * high-water mark of the IP_SMTPC_Send() call measured by stack painting.
 * Exit status (semihosting SYS_EXIT_EXTENDED): 0 if the server accepted the
 * mail, 1 otherwise, 2 for a bad command line or a recording file that
 * cannot be opened, 3 if the mail was accepted but recording failed.
 *
 * Command line (semihosting SYS_GET_CMDLINE; QEMU: -append "..."), words
 * separated by spaces, all optional:
 *   token=T   appended to the subject as " [T]" (T: 1-40 of A-Z a-z 0-9 . _ -),
 *             so a test can find exactly this mail in a mailbox
 *   record=F  write every byte pfSend sends to the host file F
 */
#include <stddef.h>
#include <stdint.h>

#include "IP_SMTPC.h"
#include "board.h"
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
#define RECIPIENT_2_NAME  "Carol"       /* Bcc: envelope only, in no header */
#define RECIPIENT_2_ADDR  "carol@ip-smtpc.test"
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
    { RECIPIENT_2_NAME, RECIPIENT_2_ADDR, SMTPC_REC_TYPE_BCC  },
};

#define SUBJECT           "Hello from a Cortex-M4 in QEMU"

static const IP_SMTPC_MESSAGE _Message = {
    .sSubject = SUBJECT,
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
*       Command line
*/
#define CMDLINE_SIZE 512
#define TOKEN_MAX    40

static char _acCmdline[CMDLINE_SIZE];
static char _acSubject[sizeof SUBJECT + 3 + TOKEN_MAX + 1]; /* SUBJECT " [" token "]" */

typedef struct {
    const char *pToken;  /* not NUL-terminated, NumToken bytes */
    int NumToken;
    const char *sRecord; /* NUL-terminated inside _acCmdline, or NULL */
} fw_args_t;

static int _IsTokenChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static int _StartsWith(const char *s, int Len, const char *sPrefix)
{
    int i;

    for (i = 0; sPrefix[i] != '\0'; i++) {
        if (i >= Len || s[i] != sPrefix[i]) {
            return 0;
        }
    }
    return 1;
}

/* Splits _acCmdline into words (in place: spaces become NULs) and picks out
 * token= and record=. Unknown words (the ELF name comes first) are ignored.
 * Returns 0, or -1 with a message printed. */
static int _ParseArgs(fw_args_t *pArgs)
{
    int Len;
    int i = 0;

    pArgs->pToken = NULL;
    pArgs->NumToken = 0;
    pArgs->sRecord = NULL;
    Len = semihost_get_cmdline(_acCmdline, (int)sizeof _acCmdline);
    if (Len < 0) {
        return 0; /* no command line: defaults */
    }
    while (i < Len) {
        int Start;
        int n;

        while (i < Len && _acCmdline[i] == ' ') {
            _acCmdline[i++] = '\0';
        }
        Start = i;
        while (i < Len && _acCmdline[i] != ' ') {
            i++;
        }
        n = i - Start;
        if (n == 0) {
            break;
        }
        if (_StartsWith(&_acCmdline[Start], n, "token=")) {
            int k;

            pArgs->pToken = &_acCmdline[Start + 6];
            pArgs->NumToken = n - 6;
            if (pArgs->NumToken < 1 || pArgs->NumToken > TOKEN_MAX) {
                semihost_puts("ERROR: token= needs 1-40 characters\n");
                return -1;
            }
            for (k = 0; k < pArgs->NumToken; k++) {
                if (!_IsTokenChar(pArgs->pToken[k])) {
                    semihost_puts("ERROR: token= allows only A-Z a-z 0-9 . _ -\n");
                    return -1;
                }
            }
        } else if (_StartsWith(&_acCmdline[Start], n, "record=")) {
            if (n == 7) {
                semihost_puts("ERROR: record= needs a file name\n");
                return -1;
            }
            pArgs->sRecord = &_acCmdline[Start + 7];
            if (i < Len) {
                _acCmdline[i] = '\0'; /* terminate the file name */
            }
        }
    }
    return 0;
}

/* _acSubject = SUBJECT " [" token "]" */
static const char *_MakeSubject(const char *pToken, int NumToken)
{
    static const char acBase[] = SUBJECT " [";
    unsigned n = 0u;
    unsigned k;

    for (k = 0u; k + 1u < sizeof acBase; k++) {
        _acSubject[n++] = acBase[k];
    }
    for (k = 0u; k < (unsigned)NumToken && n + 2u < sizeof _acSubject; k++) {
        _acSubject[n++] = pToken[k];
    }
    _acSubject[n++] = ']';
    _acSubject[n] = '\0';
    return _acSubject;
}

#ifdef FW_SUPERLOOP
/*********************************************************************
*       Superloop (FW_SUPERLOOP: fw_superloop.elf)
*
* No RTOS and no blocking call anywhere: the mail is one more job of the
* main loop, next to the others (here a counter stands in for them). The
* UART is polled; IP_SMTPC_Poll does what it can without waiting and
* returns; deadlines come from the SysTick millisecond clock it is given.
*/
static IP_SMTPC_SESSION _Session;     /* the whole send: 824 bytes, static */
static IP_SMTPC_OPTIONS _Options;

static int _Superloop(const IP_SMTPC_MESSAGE *pMessage)
{
    unsigned long Loops = 0u;
    unsigned long Polls = 0u;
    uint32_t At = 0u;
    int r;

    IP_SMTPC_OptionsInit(&_Options);
    _Options.ReplyTimeoutMs = SMTP_UART_RX_TIMEOUT_MS;
    _Session.SizeOf = sizeof(_Session);
    r = IP_SMTPC_Start(&_Session, &smtp_uart_nb_api, _aMailAddr,
                       (int)(sizeof _aMailAddr / sizeof _aMailAddr[0]),
                       pMessage, &_MTAConfig, &_SMTPC_App, &_Options);
    if (r != 0) {
        return r;
    }
    for (;;) {
        uint32_t Now = board_millis();
        /* The UART has no interrupt here: poll whenever the session waits
           for it, and at its deadline (IP_SMTPC_GetWait says when). */
        r = IP_SMTPC_Poll(&_Session, Now);
        Polls++;
        if (r != IP_SMTPC_IN_PROGRESS) {
            break;
        }
        if (IP_SMTPC_GetWait(&_Session, &At) < 0) {
            r = IP_SMTPC_Abort(&_Session);
            break;
        }
        Loops++;                        /* ... the application's other jobs ... */
    }
    semihost_puts("superloop: polls=");
    semihost_put_int((long)Polls);
    semihost_puts(" loops=");
    semihost_put_int((long)Loops);
    semihost_puts(" session=");
    semihost_put_int((long)sizeof(_Session));
    semihost_puts("\n");
    return r;
}

#endif
/*********************************************************************
*       main
*/
int main(void)
{
    IP_SMTPC_MESSAGE Message = _Message;
    fw_args_t Args;
    int hRecord = -1;
    uintptr_t sp_at_call;
    uintptr_t low;
    int r;

    if (_ParseArgs(&Args) != 0) {
        return 2;
    }
    if (Args.pToken != NULL) {
        Message.sSubject = _MakeSubject(Args.pToken, Args.NumToken);
        semihost_puts("subject=");
        semihost_puts(Message.sSubject);
        semihost_puts("\n");
    }
    if (Args.sRecord != NULL) {
        hRecord = semihost_open_write(Args.sRecord);
        if (hRecord < 0) {
            semihost_puts("ERROR: cannot open the recording file ");
            semihost_puts(Args.sRecord);
            semihost_puts("\n");
            return 2;
        }
    }

    smtp_uart_init();
    smtp_uart_record(hRecord);

    paint_stack();
    sp_at_call = current_sp();
#ifdef FW_SUPERLOOP
    r = _Superloop(&Message);
#else
    r = IP_SMTPC_Send(&smtp_uart_api, _aMailAddr,
                      (int)(sizeof _aMailAddr / sizeof _aMailAddr[0]),
                      &Message, &_MTAConfig, &_SMTPC_App);
#endif
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

    if (hRecord >= 0) {
        smtp_uart_record(-1);
        semihost_puts("record: bytes=");
        semihost_put_int((long)smtp_uart_stats.recorded);
        semihost_puts(" errors=");
        semihost_put_int((long)smtp_uart_stats.record_errors);
        semihost_puts("\n");
        if (semihost_close(hRecord) != 0) {
            smtp_uart_stats.record_errors++;
        }
    }

    if (r != 0) {
        semihost_puts("FAILED: IP_SMTPC_Send returned ");
        semihost_put_int(r);
        semihost_puts("\n");
        return 1;
    }
    if (hRecord >= 0 && smtp_uart_stats.record_errors != 0u) {
        semihost_puts("FAILED: the recording of the sent bytes is incomplete\n");
        return 3;
    }
    return 0;
}
