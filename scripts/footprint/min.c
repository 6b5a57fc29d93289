/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Minimal firmware for the footprint measurement (scripts/footprint/run).
 *
 * Built twice with the same start-up code and linker script as the firmware
 * example (c-examples/firmware): with -DFOOTPRINT_CALL=1 main() calls
 * IP_SMTPC_Send(); with -DFOOTPRINT_CALL=0 it does not. Both images contain
 * the same structs and hooks (the no-call build hands the same pointers to
 * an empty asm statement, so nothing is dropped), so the difference between
 * the two images is what the library adds to a real firmware: its code,
 * constants and RAM, and whatever it pulls in from libc/libgcc.
 *
 * The hooks touch a volatile register so they cannot be optimised away or
 * folded into constants. Nothing here is ever run.
 */
#include <stddef.h>
#include <stdint.h>

#include "IP_SMTPC.h"

#ifndef FOOTPRINT_CALL
#define FOOTPRINT_CALL 1
#endif

/* CMSDK UART0 data register of mps2-an385/an386: a volatile sink/source. */
#define UART0_DATA  (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)

static SMTPC_SOCKET _Connect(const char *sServer)
{
    return (SMTPC_SOCKET)(uintptr_t)(UART0_STATE | (uintptr_t)(sServer != NULL));
}

static void _Disconnect(SMTPC_SOCKET hSock)
{
    UART0_DATA = (uint32_t)(uintptr_t)hSock;
}

static int _Send(const char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    int i;

    (void)hSock;
    for (i = 0; i < NumBytes; i++) {
        UART0_DATA = (uint8_t)pData[i];
    }
    return NumBytes;
}

static int _Receive(char *pData, int NumBytes, SMTPC_SOCKET hSock)
{
    int i;

    (void)hSock;
    for (i = 0; i < NumBytes && (UART0_STATE & 2u) != 0u; i++) {
        pData[i] = (char)UART0_DATA;
    }
    return i;
}

static U32 _GetTimeDate(void)
{
    return UART0_STATE;
}

static const IP_SMTPC_API _IP_Api = {
    _Connect, _Disconnect, _Send, _Receive, NULL, NULL
};

static const IP_SMTPC_MAIL_ADDR _aMailAddr[] = {
    { "Device", "device@example.com", SMTPC_REC_TYPE_FROM },
    { "Ops",    "ops@example.com",    SMTPC_REC_TYPE_TO   },
    { NULL,     "log@example.com",    SMTPC_REC_TYPE_CC   },
};

static const IP_SMTPC_MESSAGE _Message = {
    "Alarm", "Pump 3 stopped.\r\n", NULL, NULL, 0
};

static const IP_SMTPC_MTA _MTAConfig = {
    "mail.example.com", NULL, NULL, SMTPC_SEC_POLICY_ALLOW_INSECURE
};

static const IP_SMTPC_APPLICATION _SMTPC_App = {
    _GetTimeDate, NULL, "device.example.com", "+0100"
};

int main(void)
{
    int r;

#if FOOTPRINT_CALL
    r = IP_SMTPC_Send(&_IP_Api, _aMailAddr, 3, &_Message, &_MTAConfig, &_SMTPC_App);
#else
    r = 0;
    __asm volatile("" : "+r"(r)
                   : "r"(&_IP_Api), "r"(_aMailAddr), "r"(&_Message), "r"(&_MTAConfig), "r"(&_SMTPC_App)
                   : "memory");
#endif
    return r != 0;
}
