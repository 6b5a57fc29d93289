/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* Stack painting under QEMU (MPS2 AN386, Cortex-M4F): one IP_SMTPC_Send through the whole
   seed dialogue (multi-line EHLO, AUTH PLAIN, three recipients, Date, Message-ID, a body with
   dot lines) against a canned server inside the hooks. The stack below the caller is painted
   with 0xA5 first; the deepest byte overwritten gives the bytes used by the call (hooks and
   callback included; they are tiny). Prints result and "stack_used=N" by semihosting. */
#include <stdint.h>
#include <string.h>
#include "semihost.h"
#include "IP_SMTPC.h"

extern uint32_t _sstack;
static const char *const replies[] = {
  "220 mx.example.test ESMTP\r\n",
  "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
  "235 2.7.0 ok\r\n", "250 2.1.0 ok\r\n", "250 2.1.5 ok\r\n", "550 5.1.1 no such user\r\n", "250 2.1.5 ok\r\n",
  "354 go ahead\r\n", "250 2.0.0 queued\r\n", "221 2.0.0 bye\r\n",
};
static unsigned next_reply, pos, sent, events;
static SMTPC_SOCKET _Connect(const char *s) { (void)s; return (SMTPC_SOCKET)1; }
static void _Disconnect(SMTPC_SOCKET h) { (void)h; }
static int _Send(const char *p, int n, SMTPC_SOCKET h) { (void)h; (void)p; sent += (unsigned)n; return n; }
static int _Recv(char *p, int n, SMTPC_SOCKET h) {
  (void)h;
  if (next_reply >= sizeof replies / sizeof replies[0]) return -1;
  const char *r = replies[next_reply];
  int len = (int)strlen(r + pos), k = len < n ? len : n;
  if (k > 7) k = 7;                       /* small reads: replies split across receives */
  memcpy(p, r + pos, (size_t)k);
  pos += (unsigned)k;
  if (r[pos] == 0) { next_reply++; pos = 0; }
  return k;
}
static U32 _Time(void) { return (46u << 25) | (12u << 21) | (4u << 16) | (18u << 11) | (30u << 5) | 5u; }
static int _Callback(int Stat, void *p) { (void)Stat; (void)p; events++; return 0; }
static const IP_SMTPC_API Api = { _Connect, _Disconnect, _Send, _Recv, 0, 0 };
static const IP_SMTPC_APPLICATION App = { _Time, _Callback, "device.example.test", "+0100" };
static const IP_SMTPC_MAIL_ADDR Addr[] = {
  { "Node 7", "node@example.test", SMTPC_REC_TYPE_FROM },
  { "Ops \"desk\"", "ops@example.test", SMTPC_REC_TYPE_TO },
  { "Arc", "arc@example.test", SMTPC_REC_TYPE_CC },
  { NULL, "aud@example.test", SMTPC_REC_TYPE_BCC },
};

__attribute__((noinline)) static int run(void)
{
  IP_SMTPC_MESSAGE Msg = { "Pump alarm", "Pump 3 stopped.\n.dot line\n..two\nend", NULL, NULL, 0 };
  IP_SMTPC_MTA Mta = { "127.0.0.1", "user", "secret", SMTPC_SEC_POLICY_ALLOW_INSECURE };
  return IP_SMTPC_Send(&Api, Addr, 4, &Msg, &Mta, &App);
}

int main(void)
{
  uint8_t *sp = (uint8_t *)__builtin_frame_address(0) - 64, *p;
  for (p = (uint8_t *)&_sstack; p < sp; p++) *p = 0xA5;
  int r = run();
  for (p = (uint8_t *)&_sstack; p < sp && *p == 0xA5; p++) {}
  sh_putnum("result=", r);
  sh_putnum("bytes_sent=", (long)sent);
  sh_putnum("events=", (long)events);
  sh_putnum("stack_used=", (long)(sp - p));
  return r == IP_SMTPC_ERR_PARTIAL_DELIVERY ? 0 : 1;
}
