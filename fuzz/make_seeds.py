#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Writes the committed seed corpora fuzz/corpus/<target>/seed-* (real SMTP
dialogues from tests/scripts/*.smtp and the unit tests, bodies and fields
from the unit tests, dialogues with CHUNKING) in each target's input layout. Run from anywhere; the
files it writes are committed, so this only needs running when a layout or
a seed changes.

The seed-crash-* files are inputs on which a target failed, kept as
regression seeds after the bug was fixed: most were minimised by libFuzzer
and are not written here; the two written below were made here."""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data, prefix="seed-"):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, prefix + name), "wb") as f:
        f.write(data)


# Server dialogues, turns separated by "|" (the session target's turns mode).
HAPPY = (
    b"220 mx.example.test ESMTP scripted\r\n|250-mx.example.test greets you\r\n"
    b"250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n|"
    b"250 2.1.0 sender ok\r\n|250 2.1.5 recipient ok\r\n|354 end data with <CR><LF>.<CR><LF>\r\n|"
    b"250 2.0.0 queued as 1234\r\n|221 2.0.0 bye\r\n"
)
HELO = (
    b"220 old.example.test SMTP\r\n|502 5.5.2 command not implemented\r\n|"
    b"250 old.example.test\r\n|250 ok\r\n|250 ok\r\n|354 go ahead\r\n|250 ok queued\r\n|221 bye\r\n"
)
PARTIAL = (
    b"220 mx.example.test ESMTP\r\n|250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n|"
    b"250 2.1.0 ok\r\n|250 2.1.5 ok\r\n|550 5.1.1 no such user\r\n|354 go ahead\r\n|"
    b"250 2.0.0 queued\r\n|221 bye\r\n"
)
STARTTLS_PLAIN = (
    b"220 mx ESMTP\r\n|250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n|220 2.0.0 ready\r\n|"
    b"250-mx\r\n250-SIZE 1000000\r\n250 AUTH PLAIN LOGIN\r\n|235 2.7.0 ok\r\n|250 ok\r\n|250 ok\r\n|"
    b"354 go\r\n|250 ok\r\n|221 bye\r\n"
)
LOGIN = (
    b"220 mx ESMTP\r\n|250-mx\r\n250 AUTH LOGIN\r\n|334 VXNlcm5hbWU6\r\n|334 UGFzc3dvcmQ6\r\n|"
    b"235 2.7.0 ok\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|250 ok\r\n|221 bye\r\n"
)
IMPLICIT = b"220 mx ESMTP\r\n|250 mx\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|250 ok\r\n|221 bye\r\n"
INJECTION = b"220 hi\r\n|250-mx\r\n250 STARTTLS\r\n|220 go ahead\r\n250 injected\r\n"
CLOSING = b"220 mx\r\n|250 mx\r\n|250 ok\r\n|421 4.3.2 shutting down\r\n"
REJECTED = b"220 mx\r\n|250 mx\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|554 5.7.1 spam\r\n|221 bye\r\n"
UNKNOWN = b"220 mx\r\n|250 mx\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n"
# CHUNKING (RFC 3030) with PIPELINING: MAIL, every RCPT, "BDAT <n> LAST",
# the message and QUIT go in one write; the replies come in that order.
EHLO_CHUNKING = (
    b"250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n"
    b"250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n"
)


def chunking(*envelope, auth=False):
    """A server offering CHUNKING, then `envelope` (MAIL, RCPT..., BDAT,
    QUIT replies), each a turn."""
    return b"220 mx.example.test ESMTP\r\n|" + EHLO_CHUNKING + (b"|235 2.7.0 ok\r\n" if auth else b"") + \
        b"".join(b"|" + r for r in envelope)


OK, BYE = b"250 2.0.0 ok\r\n", b"221 2.0.0 bye\r\n"
BDAT_HAPPY = chunking(OK, OK, b"250 2.0.0 queued as 1234\r\n", BYE)
BDAT_THREE_ONE_REFUSED = chunking(OK, OK, b"550 5.1.1 no such user\r\n", OK, OK, BYE)
BDAT_REFUSED = chunking(OK, OK, b"554 5.7.1 spam\r\n", BYE)
BDAT_TOO_BIG = chunking(OK, OK, b"552 5.3.4 too big\r\n", BYE)
BDAT_LATER = chunking(OK, OK, b"451 4.3.0 try later\r\n", BYE)
BDAT_MAIL_REFUSED = chunking(b"550 5.7.1 sender refused\r\n", b"503 5.5.1 no MAIL\r\n",
                             b"503 5.5.1 no valid recipients\r\n", BYE)
BDAT_ALL_REFUSED = chunking(OK, b"550 5.1.1 no such user\r\n", b"554 5.5.1 no valid recipients\r\n", BYE)
BDAT_UNKNOWN = chunking(OK, OK)
BDAT_ALL_AT_ONCE = chunking(OK + OK + b"250 2.0.0 queued\r\n" + BYE)
BDAT_AUTH = chunking(OK, OK, OK, BYE, auth=True)
# CHUNKING offered, but items or a streamed body go by DATA.
DATA_WITH_CHUNKING = chunking(OK, OK, b"354 go ahead\r\n", OK, BYE)
MULTI = (
    b"220-mx.example.test ESMTP\r\n220 ready\r\n|250-mx\r\n250-SIZE 100000\r\n250 8BITMIME\r\n|"
    b"250 ok\r\n|250 ok\r\n|354 go\r\n|250 ok\n|221 bye\n"
)


# Session: flags (TLS mode 0-1, credentials 2, AUTH in clear allowed 3, AUTH
# mechanisms 4-5, out-of-turn calls 6, turns 7), shape, in buffer - 8, out
# buffer - 16, faults, seed (2), chunk; the body (length, repeat, bytes); the
# server's bytes.
def session(flags, shape, server, body=b"Hello\r\n.dot line\nbare\rcr", repeat=0,
            in_size=248, out_size=47, faults=0, seed=(1, 0), chunk=255, mechs=None):
    mechs = MECHS if mechs is None else mechs
    head = bytes([flags | mechs, shape, in_size, out_size, faults, seed[0], seed[1], chunk])
    return head + bytes([len(body), repeat]) + body + server


TURNS = 0x80
MECHS = 0x30  # AUTH PLAIN and LOGIN allowed
write("session", "happy", session(TURNS, 0x00, HAPPY))
write("session", "happy-stream-bytewise", session(0x00, 0x00, HAPPY.replace(b"|", b""), chunk=0))
write("session", "happy-out-of-turn", session(TURNS | 0x40, 0x80, HAPPY, faults=0x40))
write("session", "helo-fallback", session(TURNS, 0x00, HELO, out_size=3))
write("session", "rcpt-partial", session(TURNS, 0x01, PARTIAL, body=b"\xc3\xa4 8-bit body\n"))
write("session", "starttls-auth-plain", session(TURNS | 0x01 | 0x04, 0x00, STARTTLS_PLAIN))
write("session", "starttls-required", session(TURNS | 0x02 | 0x04, 0x00, STARTTLS_PLAIN))
write("session", "auth-login-insecure", session(TURNS | 0x04 | 0x08 | 0x20, 0x00, LOGIN))
write("session", "implicit-tls", session(TURNS | 0x03, 0x00, IMPLICIT))
write("session", "starttls-injection", session(TURNS | 0x02, 0x00, INJECTION))
write("session", "service-closing", session(TURNS, 0x02, CLOSING))
write("session", "rejected-after-dot", session(TURNS, 0x00, REJECTED))
write("session", "outcome-unknown", session(TURNS, 0x00, UNKNOWN))
write("session", "multi-line-small-buffers", session(TURNS, 0x00, MULTI, in_size=32, out_size=0, chunk=2))
write("session", "auth-login-only-allowed", session(TURNS | 0x04 | 0x08, 0x00, LOGIN, mechs=0x20))
write("session", "no-mechanism-allowed", session(TURNS | 0x04 | 0x08, 0x00, HAPPY, mechs=0))
write("session", "size-over-limit", session(TURNS, 0x00, MULTI.replace(b"SIZE 100000", b"SIZE 100")))
write("session", "deadline-met", session(TURNS, 0x00, HAPPY, faults=0x80 | 0x40 | 0x0f, chunk=1))
write("session", "clock-without-deadline", session(TURNS, 0x80, HAPPY, faults=0x80, chunk=3))
write("session", "auth-in-clear-refused", session(TURNS | 0x04, 0x00, HAPPY))
write("session", "send-fails", session(TURNS, 0x00, HAPPY, faults=0x20 | 0x03))
write("session", "handshake-fails", session(TURNS | 0x01, 0x00, STARTTLS_PLAIN, faults=0x10))
write("session", "items-and-streamed-body", session(TURNS, 0x10 | 0x20 | 0x80, HAPPY, body=b"line\n.dot\n-- \n"))
write("session", "attachments", session(TURNS, 0x08 | 0x80, HAPPY, body=b"a,b\n1,2\n"))
write("session", "streamed-body-fails", session(TURNS, 0x20 | 0x40, HAPPY))
write("session", "long-lines", session(TURNS, 0x00, HAPPY, body=b"x" * 200, repeat=0x87))
write("session", "chunking-happy", session(TURNS, 0x00, BDAT_HAPPY))
write("session", "chunking-dots-not-stuffed", session(TURNS, 0x00, BDAT_HAPPY, body=b"a\r\n.\r\n..\r\n.x\n"))
write("session", "chunking-8bit", session(TURNS, 0x00, BDAT_HAPPY, body=b"\xc3\xa4 8-bit body\n"))
write("session", "chunking-one-of-three-refused", session(TURNS, 0x02, BDAT_THREE_ONE_REFUSED))
write("session", "chunking-refused", session(TURNS, 0x00, BDAT_REFUSED))
# OAuth (seed bit 0x40 of seed[1]: a bearer token; seed[0] odd: 720 bytes, so
# AUTH goes alone and the response follows the empty 334): accepted, and the
# RFC 7628 error challenge answered (AQ==) before the 535.
OAUTH_EHLO = b"220 mx ESMTP\r\n|250-mx\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n|"
OAUTH_OK = OAUTH_EHLO + b"235 2.7.0 ok\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|250 ok\r\n|221 bye\r\n"
OAUTH_LONG = OAUTH_EHLO + b"334 \r\n|235 2.7.0 ok\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|250 ok\r\n|221 bye\r\n"
OAUTH_ERROR = (OAUTH_EHLO + b"334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n|"
               b"535 5.7.8 authentication failed\r\n|221 bye\r\n")
write("session", "oauth-bearer", session(TURNS | 0x04 | 0x08, 0x00, OAUTH_OK, seed=(0, 0x40)))
write("session", "oauth-long-token", session(TURNS | 0x04 | 0x08, 0x00, OAUTH_LONG, seed=(1, 0x40)))
write("session", "oauth-error-challenge", session(TURNS | 0x04 | 0x08, 0x00, OAUTH_ERROR, seed=(0, 0x40)))
write("session", "oauth-xoauth2-only", session(TURNS | 0x04 | 0x08, 0x00,
      OAUTH_OK.replace(b" XOAUTH2 OAUTHBEARER", b" XOAUTH2"), seed=(2, 0x40)))

write("session", "chunking-too-big", session(TURNS, 0x00, BDAT_TOO_BIG))
write("session", "chunking-temporary", session(TURNS, 0x00, BDAT_LATER))
write("session", "chunking-mail-refused", session(TURNS, 0x00, BDAT_MAIL_REFUSED))
write("session", "chunking-all-refused", session(TURNS, 0x00, BDAT_ALL_REFUSED))
write("session", "chunking-unknown", session(TURNS, 0x00, BDAT_UNKNOWN))
write("session", "chunking-stream-bytewise", session(0x00, 0x00, BDAT_HAPPY.replace(b"|", b""), chunk=0))
write("session", "chunking-all-replies-at-once", session(TURNS, 0x00, BDAT_ALL_AT_ONCE, in_size=24))
# An out buffer (16 bytes) shorter than a RCPT: one command outstanding at a time.
write("session", "chunking-small-buffers", session(TURNS, 0x02, chunking(OK, OK, OK, OK, OK, BYE),
                                                   out_size=0, in_size=24))
write("session", "chunking-small-buffers-mail-refused", session(TURNS, 0x02, chunking(
    b"550 5.7.1 sender refused\r\n", b"503 no\r\n", b"503 no\r\n", b"503 no\r\n",
    b"503 no\r\n", BYE), out_size=0))
write("session", "chunking-auth", session(TURNS | 0x04 | 0x08, 0x00, BDAT_AUTH))
write("session", "chunking-out-of-turn", session(TURNS | 0x40, 0x00, BDAT_HAPPY, seed=(7, 3)))
write("session", "chunking-send-fails", session(TURNS, 0x00, BDAT_HAPPY, faults=0x20 | 0x05))
write("session", "chunking-size-over-limit", session(TURNS, 0x00, BDAT_HAPPY.replace(b"SIZE 10485760", b"SIZE 100")))
write("session", "chunking-items-go-by-data", session(TURNS, 0x08 | 0x80, DATA_WITH_CHUNKING, body=b"a,b\n1,2\n"))
write("session", "chunking-streamed-goes-by-data", session(TURNS, 0x20, DATA_WITH_CHUNKING))
# Shape 3: 130 + (seed[1] & 63) recipients, more than PIPELINING's window of
# 128 commands owed: the engine refills the group once half are answered.
MANY = 130
write("session", "window-chunking", session(TURNS, 0x03, chunking(*[OK] * (MANY + 2), BYE)))
write("session", "window-data", session(TURNS, 0x03, HAPPY.split(b"|250 2.1.0")[0] + b"|" + b"|".join(
    [OK] * (MANY + 1) + [b"354 go\r\n", OK, BYE])))
write("session", "window-chunking-some-refused", session(TURNS, 0x03, chunking(
    *[OK if i % 7 or i == 0 else b"550 5.1.1 no\r\n" for i in range(MANY + 2)], BYE)))
# MAIL refused: the engine went on writing RCPT, BDAT and the message once
# half the window was answered (fixed, README.md).
write("session", "window-mail-refused", session(TURNS, 0x03, chunking(
    b"550 5.7.1 sender refused\r\n", *[b"503 5.5.1 no\r\n"] * (MANY + 1), BYE)), prefix="seed-crash-")
# Out of turn: every reply, the chunk's too, through `Engine::room` while the
# chunk is still going out; the engine took the early 250 as the chunk's
# (fixed, README.md).
write("session", "reply-before-the-chunk-went-out", session(
    TURNS | 0x40, 0x00, BDAT_ALL_AT_ONCE, seed=(100, 5), out_size=200), prefix="seed-crash-")
write("session", "timeout-clock", session(TURNS, 0x00, HAPPY, faults=0x80 | 0x40 | 0x03, chunk=9))

# C API session: flags (TlsMode 0-2, SECURE_ONLY 3, TLS hooks 4, insecure AUTH
# 5, credentials 6, IP_SMTPC_Send 7), shape (recipients 0-1, kinds 2-4, item
# 5, pBody 6, clock 7), faults, seed (2), chunk; the body; the server's turns.
def capi(flags, shape, server, body=b"Hello\r\n.dot line\nbare\rcr", repeat=0, faults=0,
         seed=(1, 0), chunk=255):
    return bytes([flags, shape, faults, seed[0], seed[1], chunk, len(body), repeat]) + body + server


write("capi_session", "happy", capi(0x00, 0x80, HAPPY))
write("capi_session", "happy-send", capi(0x80, 0x00, HAPPY.replace(b"|235", b"")))
write("capi_session", "auth-in-clear-allowed", capi(0x20 | 0x40, 0x00, HAPPY.replace(
    b"250 2.1.0 sender ok", b"235 2.7.0 ok\r\n|250 2.1.0 sender ok")))
write("capi_session", "starttls-required", capi(0x10 | 0x03, 0x00, STARTTLS_PLAIN.replace(b"|235 2.7.0 ok\r\n", b"")))
write("capi_session", "secure-only-send", capi(0x80 | 0x10 | 0x08 | 0x40, 0x00, STARTTLS_PLAIN))
write("capi_session", "implicit", capi(0x10 | 0x04, 0x00, IMPLICIT))
write("capi_session", "item-and-body-stream", capi(0x00, 0x20 | 0x40, HAPPY, body=b"a,b\n1,2\n", chunk=3))
write("capi_session", "item-fails", capi(0x00, 0x20, HAPPY, faults=0x04))
write("capi_session", "short-sends", capi(0x00, 0x01, PARTIAL, faults=0x02, chunk=1))
write("capi_session", "send-fails", capi(0x00, 0x00, HAPPY, faults=0x40))
write("capi_session", "chunking-happy", capi(0x00, 0x80, BDAT_HAPPY))
write("capi_session", "chunking-short-sends", capi(0x00, 0x02, BDAT_THREE_ONE_REFUSED, faults=0x02, chunk=1))
write("capi_session", "chunking-refused", capi(0x00, 0x00, BDAT_REFUSED))
write("capi_session", "chunking-unknown", capi(0x00, 0x00, BDAT_UNKNOWN))
write("capi_session", "chunking-mail-refused", capi(0x00, 0x00, BDAT_MAIL_REFUSED))
write("capi_session", "chunking-auth", capi(0x20 | 0x40, 0x00, BDAT_AUTH))
write("capi_session", "chunking-item-goes-by-data", capi(0x00, 0x20, DATA_WITH_CHUNKING, body=b"a,b\n1,2\n"))
write("capi_session", "handshake-fails", capi(0x10 | 0x02, 0x00, STARTTLS_PLAIN, faults=0x01))

# Non-blocking against blocking: receive and send chunk sizes, the pattern
# of WOULD_BLOCK answers, then (bit 0) credentials, (1) AUTH in clear, (2) a
# Cc, (3) a stalled server; the server's bytes as one stream. (The seeds
# without "chunking" in their name were written by hand before this.)
def nb(rx, tx, pattern, flags, server):
    return bytes([rx, tx, pattern, flags]) + server.replace(b"|", b"")


write("nb_session", "chunking-happy", nb(0, 0, 0x55, 0, BDAT_HAPPY))
# (Receives of one byte: a read past the greeting or EHLO's reply is out of turn.)
write("nb_session", "chunking-short-sends", nb(0, 3, 0xAA, 0x04, chunking(OK, OK, OK, OK, BYE)))
write("nb_session", "chunking-auth-cc-refused", nb(
    0, 51, 0x0F, 0x07, chunking(OK, OK, b"550 5.1.1 no\r\n", OK, BYE, auth=True)))
write("nb_session", "chunking-stall-after-chunk", nb(0, 0, 0x55, 0x08, BDAT_UNKNOWN))
write("nb_session", "chunking-refused", nb(0, 7, 0x33, 0, BDAT_REFUSED))

# Reply parser: byte 0 = number of cuts, then the cut lengths, then the text.
REPLIES = [
    ("greeting", b"220-mx.example.test ESMTP\r\n220 ready\r\n"),
    ("ehlo", HAPPY.split(b"|")[1]),
    ("dialogue", HAPPY.replace(b"|", b"")),
    ("enhanced", b"550-5.1.1 The email account\r\n550-5.1.1 does not exist\r\n550 5.1.1 bye\r\n"),
    ("mismatch", b"250-a\r\n251 b\r\n"),
    ("bare-lf", b"250-a\n250-b\n250 c\n221 bye\n"),
    ("code-only", b"250\r\n354 \r\n221 bye\n"),
    ("garbage", b"HTTP/1.1 200 OK\r\n"),
    ("other-class", b"250 5.1.1 odd\r\n452 4.2.2 mailbox full\r\n"),
]
# Byte 0: the number of cuts (low 4 bits) and the engine's in-buffer size
# (high 4 bits: 8 + 16 * n bytes, 15 = 256).
for i, (name, text) in enumerate(REPLIES):
    cuts = [3, 7, 1, 15][: i % 5]
    write("reply_parser", name, bytes([0xF0 | len(cuts)] + cuts) + text)
write("reply_parser", "many-lines", bytes([0xF0]) + b"250-x\r\n" * 101 + b"250 x\r\n")
write("reply_parser", "too-long-for-24", bytes([0x11, 5]) + b"220-" + b"x" * 19 + b"\r\n220 ok\r\n")
write("reply_parser", "fits-24-exactly", bytes([0x10]) + b"220-" + b"x" * 18 + b"\r\n220 ok\r\n")
write("reply_parser", "greeting-421", bytes([0xF1, 4]) + b"421-4.3.2 closing\r\n421 bye\r\n")
write("reply_parser", "greeting-refused", bytes([0xF0]) + b"554 5.7.1 go away\r\n221 bye\r\n")

# Body encoders: byte 0 = number of buffer sizes, then the sizes (the
# encoders' minimum added), then the body.
BODIES = [
    ("golden", [], b"a\r\n.\r\nb"),
    ("dots", [2], b".leading\n..two\n"),
    ("bare-cr", [1, 1], b"x\r\r\ny\rbare\rcr"),
    ("split-crlf", [2, 1, 1], b"a\r\n.b"),
    ("binary", [5], b"\x00\xff.\r\n\r\n.."),
    ("no-newline", [], b"no newline"),
    ("empty", [], b""),
    ("long-line", [0, 200], b"x" * 1200 + b"\n.y"),
    ("qp-needs", [3], "Grüße -- \t\n-dash\n\x00".encode()),
]
for name, cuts, body in BODIES:
    write("data_encoder", name, bytes([len(cuts)] + cuts) + body)


# Validator: control (recipients 0-1, clock 2, extra lines 3, NULL address 4,
# an item 5, IP_SMTPC_Send 6, SECURE_ONLY 7), kinds, FAT date, then fields
# (length, repeat, bytes).
def field(value, repeat=0):
    return bytes([len(value), repeat]) + value


def fields(control, kinds, packed, values):
    return bytes([control, kinds]) + struct.pack("<I", packed) + b"".join(field(*v) for v in values)


NOV_2026 = (46 << 25) | (11 << 21) | (28 << 16) | (17 << 11) | (16 << 5)
GOOD = [
    (b"me@example.test",),
    (b"Device",),
    (b"Hello",),
    (b"dev.example.test",),
    (b"+0100",),
    (b"desk@example.test",),
    (b"=_b",),
    (b"X-Tag: one",),
    (b"X-Other: \xc3\xa9t\xc3\xa9",),
    (b"user",),
    (b"secret",),
    (b"you@example.test",),
    (b"Alice Example",),
    (b"\"john doe\"@[127.0.0.1]",),
    (b"J\xc3\xb6rg",),
    (b"x@[IPv6:::1]",),
    (b"",),
]
write("validator", "good", fields(0x0f, 0b100100, NOV_2026, GOOD))
ACCEPTED = [
    (b"me@example.test",), (b"Device \"7\"",), (b"Hello \xe2\x9c\x93",), (b"dev.example.test",),
    (b"+0100",), (b"desk@example.test",), (b"NextPart_0815",), (b".X-Dot: one",),
    (b"X-Other: \xc3\xa9t\xc3\xa9",), (b"user",), (b"secret",), (b"you@example.test",),
    (b"Alice Example",), (b"bob@[127.0.0.1]",), (b"J\xc3\xb6rg",), (b"carol@sub.example.test",),
    (b"",), (b"body\n.dot\n",),
]
# UTF-8 addresses (RFC 6531, `smtputf8`): MAIL FROM ... SMTPUTF8.
write("validator", "utf8-addresses", fields(0x0d, 0b100100, NOV_2026, [
    ("dév@example.test".encode(),)] + GOOD[1:11] + [("jörg@bücher.example".encode(),)] + GOOD[12:]))
write("validator", "accepted-with-item", fields(0x2f, 0b100100, NOV_2026, ACCEPTED))
write("validator", "accepted-plain-send", fields(0x6f, 0b100100, NOV_2026, ACCEPTED))
write("validator", "secure-only-without-hooks", fields(0x8f, 0b100100, NOV_2026, ACCEPTED))
write("validator", "null-address", fields(0x13, 0, 0, ACCEPTED[:11] + [(b"",), (b"",)] + ACCEPTED[13:]))
write("validator", "cut-at-nul", fields(0x01, 0, 0, [
    (b"me@example.test\x00\x01",), (b"",), (b"Hi\x00\r\nBcc: x@y",), (b"",), (b"",), (b"",),
    (b"",), (b"",), (b"",), (b"",), (b"",), (b"you@example.test",), (b"",),
]))
write("validator", "injection", fields(0x0d, 0, NOV_2026, [
    (b"me@example.test",), (b"Eve\n",), (b"Hi\r\nBcc: evil@example.test",), (b"",), (b"CET",),
    (b"not an address",), (b"bad boundary ",), (b"X-Tag: a\r\nBcc: evil@example.test",),
    (b"Subject: twice",), (b"us\x00er",), (b"",), (b"you@example.test\r\nRCPT TO:<x@y>",), (b"",),
]))
write("validator", "long", fields(0x05, 0, 0, [
    (b"l" * 64 + b"@example.test",), (b"n" * 225, 3), (b"s" * 225, 3), (b"d" * 63 + b".", 3),
    (b"-0530",), (b"",), (b"",), (b"X-Long: " + b"v" * 120, 7), (b"",), (b"u" * 100, 7),
    (b"p" * 180, 4), (b"a@" + b"d" * 63 + b".", 3), (b"\"Dr. Who\" \\ x",),
]))
write("validator", "null-sender", fields(0x02, 0b1001, 0, [
    (b"",), (b"",), (b"",), (b"",), (b"",), (b"",), (b"",), (b"",), (b"",), (b"",), (b"",),
    (b"postmaster@[127.0.0.1]",), (b"",), (b"o'hara@sub-domain.example.test",), (b"",),
]))
# cram_challenge: mode, password length, password, challenge. RFC 2195's
# example as the server sends it (base64), the same challenge raw through the
# library's encoder, a password longer than MD5's 64-byte block, and a
# malformed text (a digit after the padding).
RFC2195_TEXT = b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
RFC2195_RAW = b"<1896.697170952@postoffice.reston.mci.net>"
write("cram_challenge", "rfc2195", bytes([0, 16]) + b"tanstaaftanstaaf" + RFC2195_TEXT)
write("cram_challenge", "rfc2195-raw", bytes([1, 16]) + b"tanstaaftanstaaf" + RFC2195_RAW)
write("cram_challenge", "long-password", bytes([1, 80]) + b"k" * 80 + RFC2195_RAW)
write("cram_challenge", "malformed", bytes([0, 6]) + b"secret" + b"PDE4=A==")
