#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""A sink SMTP server for scripts/bench: accepts every mail, keeps none.

Offers PIPELINING, 8BITMIME and AUTH PLAIN (any credentials are accepted,
with or without an initial response), answers EHLO/HELO, AUTH, MAIL, RCPT,
DATA, RSET, NOOP and QUIT, and prints one JSON line per closed connection on
standard output: the envelope, the size of every message received (after
removing the dot-stuffing) and the SHA-256 of its body (`body_sha256`: what
follows the first empty line, quoted-printable decoded when the header says
Content-Transfer-Encoding: quoted-printable, `transfer_encoding`), the reply
groups and the round trips.
The first line it prints is `listening PORT`.

Reply groups. The sink replies as Postfix does: it handles every complete
command line it has read and writes all their replies in one write when no
further complete command is buffered. One such write is a reply group; the
greeting is the first.

Round trips (greeting included). A reply group costs the client a round trip
when the client had to wait for it: when the first client bytes read after
the group arrive at least --turn-ms after the group was written, or when none
arrive after it (the last group, e.g. the 221 to QUIT). Bytes that arrive
sooner were on their way before the group could have reached the client and
been answered, so the group merges with the next one. With the delay proxy
in front (scripts/bench_support/delay_proxy.py, 10 ms each way) a reply
reaches the client 10 ms after it is written and the client's answer arrives
20 ms after it at the earliest, so --turn-ms is the RTT minus 1 ms; a client
that writes MAIL and three RCPT in four quick send() calls is counted as one
round trip however the sink happens to read them. With --turn-ms 0 (no
proxy) every reply group counts. Connection set-up (the TCP handshake) is not
delayed by the proxy and not counted.
"""
import argparse
import asyncio
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import time

GREETING = b"220 sink.bench ESMTP ip-smtpc benchmark sink\r\n"
EHLO_REPLY = (b"250-sink.bench\r\n"
              b"250-PIPELINING\r\n"
              b"250-8BITMIME\r\n"
              b"250 AUTH PLAIN\r\n")
MAX_LINE = 4096
DATA_END = b"\r\n.\r\n"


def path_of(arg, prefix):
    """The address of a MAIL FROM:/RCPT TO: argument, parameters dropped."""
    if not arg.upper().startswith(prefix):
        return None
    rest = arg[len(prefix):].strip()
    if rest.startswith("<") and ">" in rest:
        return rest[1:rest.index(">")]
    return rest.split(" ")[0]


def unstuff(stuffed):
    """Message content from the DATA bytes before the final dot line."""
    if stuffed.startswith(b".."):
        stuffed = stuffed[1:]
    return stuffed.replace(b"\r\n..", b"\r\n.")


class Session(asyncio.Protocol):
    """One SMTP connection."""

    def __init__(self, server):
        self.server = server
        self.transport = None
        self.inbuf = bytearray()
        self.data = bytearray()
        self.mode = "cmd"      # cmd, auth (waiting for the PLAIN response), data
        self.replies = []
        self.mail = None
        self.record = {"mails": [], "errors": []}
        self.groups = 0
        self.round_trips = 0
        self.last_group = None  # time of the group not yet decided
        self.t0 = 0.0

    # -- transport events -------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self.t0 = time.monotonic()
        self.replies.append(GREETING)
        self.flush()

    def data_received(self, chunk):
        now = time.monotonic()
        if self.server.trace:
            self.trace("C", chunk)
        if self.last_group is not None:
            if now - self.last_group >= self.server.turn:
                self.round_trips += 1
            self.last_group = None
        self.inbuf += chunk
        self.process()
        self.flush()

    def eof_received(self):
        return False  # close our side too

    def connection_lost(self, exc):
        if self.last_group is not None:
            self.round_trips += 1
        rec = self.record
        rec["round_trips"] = self.round_trips
        rec["reply_groups"] = self.groups
        rec["session_ms"] = round((time.monotonic() - self.t0) * 1000, 2)
        if self.mode == "data" or self.mail is not None:
            rec["errors"].append("connection closed inside a transaction")
        self.server.report(rec)

    def trace(self, who, data):
        text = data[:200].decode("latin-1").encode("unicode_escape").decode()
        print("%9.3f ms %s %6d %s" % ((time.monotonic() - self.t0) * 1000, who, len(data), text),
              file=sys.stderr, flush=True)

    # -- protocol ---------------------------------------------------------
    def flush(self):
        if self.replies and not self.transport.is_closing():
            group = b"".join(self.replies)
            if self.server.trace:
                self.trace("S", group)
            # the time is taken before the write: were this process preempted
            # between the two, a later time could make an answer to the group
            # look too quick to be one
            self.last_group = time.monotonic()
            self.transport.write(group)
            self.groups += 1
        self.replies.clear()

    def reply(self, text):
        self.replies.append(text.encode() + b"\r\n")

    def process(self):
        while True:
            if self.mode == "data":
                if not self.take_data():
                    return
                continue
            nl = self.inbuf.find(b"\n")
            if nl < 0:
                if len(self.inbuf) > MAX_LINE:
                    self.reply("500 line too long")
                    self.record["errors"].append("line too long")
                    self.inbuf.clear()
                return
            line = bytes(self.inbuf[:nl + 1])
            del self.inbuf[:nl + 1]
            if not line.endswith(b"\r\n"):
                self.record["errors"].append("bare LF in a command")
            self.command(line.rstrip(b"\r\n").decode("latin-1"))
            if self.transport.is_closing():
                return

    def take_data(self):
        """Moves input into the message; True when its final dot was read.

        The message is unstuffed and hashed as it arrives, a run of complete
        lines at a time, so the reply to the final dot is not delayed by a
        pass over the whole message (80 ms for 20 MB).
        """
        pending = self.data
        pending += self.inbuf
        self.inbuf.clear()
        if pending.startswith(b".\r\n"):
            end, rest = 0, 3
        else:
            end = pending.find(DATA_END)
            if end >= 0:
                end, rest = end + 2, end + 5
        if end < 0:
            cut = pending.rfind(b"\r\n") + 2   # pending always starts a line
            if cut >= 2:
                self.consume(bytes(pending[:cut]))
                self.data = pending[cut:]
            return False
        self.consume(bytes(pending[:end]))
        self.inbuf += pending[rest:]
        self.data = bytearray()
        self.finish_message()
        return True

    def consume(self, lines):
        """Whole lines of DATA (starting a line, ending in CR LF), stuffed."""
        lines = unstuff(lines)
        self.msg_size += len(lines)
        if self.server.dump:
            self.msg_copy += lines
        if self.header is None:
            self.body_hash.update(self.decode(lines))
            return
        self.header += lines
        split = self.header.find(b"\r\n\r\n")
        if split >= 0:
            cte = re.search(rb"(?im)^content-transfer-encoding:[ \t]*([!-~]+)", self.header[:split + 2])
            self.mail["transfer_encoding"] = cte.group(1).decode().lower() if cte else "7bit"
            self.body_hash.update(self.decode(self.header[split + 4:]))
            self.header = None

    def decode(self, lines):
        """Whole body lines as the recipient reads them: quoted-printable
        decoded (a soft line break never ends a run of whole lines)."""
        if self.mail.get("transfer_encoding") == "quoted-printable":
            return binascii.a2b_qp(lines)
        return lines

    def start_message(self):
        self.body_hash = hashlib.sha256()
        self.msg_size = 0
        self.msg_copy = bytearray()
        self.header = bytearray()    # None once the empty line was seen

    def finish_message(self):
        self.mail["size"] = self.msg_size
        # a message without an empty line has no body
        self.mail["body_sha256"] = (self.body_hash if self.header is None else hashlib.sha256()).hexdigest()
        if self.server.dump:
            name = os.path.join(self.server.dump, "%d.eml" % (self.server.seq + 1))
            with open(name, "wb") as f:
                f.write(self.msg_copy)
        self.record["mails"].append(self.mail)
        self.mail = None
        self.mode = "cmd"
        self.reply("250 2.0.0 accepted")

    def command(self, line):
        if self.mode == "auth":
            self.mode = "cmd"
            self.auth_response(line)
            return
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb in ("EHLO", "HELO"):
            self.record["helo"] = verb + " " + arg
            self.mail = None
            if verb == "EHLO":
                self.replies.append(EHLO_REPLY)
            else:
                self.reply("250 sink.bench")
        elif verb == "AUTH":
            mech, _, initial = arg.partition(" ")
            if mech.upper() != "PLAIN":
                self.reply("504 5.5.4 only PLAIN")
            elif initial:
                self.auth_response(initial)
            else:
                self.mode = "auth"
                self.reply("334 ")
        elif verb == "MAIL":
            sender = path_of(arg, "FROM:")
            if sender is None:
                self.reply("501 5.5.4 syntax: MAIL FROM:<address>")
            else:
                params = arg[arg.index(">") + 1:].split() if ">" in arg else []
                self.mail = {"from": sender, "params": params, "rcpts": []}
                self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            rcpt = path_of(arg, "TO:")
            if self.mail is None:
                self.reply("503 5.5.1 MAIL first")
            elif rcpt is None:
                self.reply("501 5.5.4 syntax: RCPT TO:<address>")
            else:
                self.mail["rcpts"].append(rcpt)
                self.reply("250 2.1.5 ok")
        elif verb == "DATA":
            if self.mail is None or not self.mail["rcpts"]:
                self.reply("503 5.5.1 no valid recipients")
            else:
                self.mode = "data"
                self.start_message()
                self.reply("354 end with <CRLF>.<CRLF>")
        elif verb == "RSET":
            self.mail = None
            self.reply("250 2.0.0 ok")
        elif verb == "NOOP":
            self.reply("250 2.0.0 ok")
        elif verb == "QUIT":
            self.reply("221 2.0.0 bye")
            self.flush()
            self.transport.close()
        else:
            self.reply("502 5.5.2 not implemented")
            self.record["errors"].append("unknown command " + verb)

    def auth_response(self, text):
        try:
            parts = base64.b64decode(text, validate=True).split(b"\0")
            self.record["auth_user"] = parts[1].decode("utf-8", "replace")
            self.reply("235 2.7.0 authenticated")
        except (ValueError, IndexError):
            self.record["errors"].append("bad AUTH PLAIN response")
            self.reply("501 5.5.2 bad AUTH PLAIN response")


class Server:
    """Creates sessions and prints their records."""

    def __init__(self, turn_ms, dump, trace):
        self.turn = turn_ms / 1000.0
        self.dump = dump
        self.trace = trace
        self.seq = 0

    def report(self, rec):
        self.seq += 1
        rec["seq"] = self.seq
        sys.stdout.write(json.dumps(rec) + "\n")
        sys.stdout.flush()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--turn-ms", type=float, default=0.0,
                    help="client bytes this soon after a reply group do not answer it (RTT - 1 ms behind the proxy)")
    ap.add_argument("--dump", metavar="DIR", help="write every message received to DIR/SEQ.eml")
    ap.add_argument("--trace", action="store_true",
                    help="print every read and reply group, timed, on standard error")
    args = ap.parse_args()
    server = Server(args.turn_ms, args.dump, args.trace)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: Session(server), "127.0.0.1", args.port)
    print("listening", srv.sockets[0].getsockname()[1], flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
