#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""SMTP-aware TCP fault proxy for tests (tests/faults.rs).

Sits on 127.0.0.1 between an SMTP client and a real server (the test bed's
Postfix), forwards both directions and cuts the connection at one chosen
protocol step.

Usage:
    python3 tests/fault_proxy.py --upstream-port N [--upstream-host H]
        [--port N] [--cut SPEC] [--mode fin|rst|stall] [--partial N]
        [--connections K] [--timeout S] [--drain-timeout S] [--quiet]

After listening, one line ``PORT <n>`` is printed on stdout (flushed).  When
the cut happens, one more line ``CUT <what>`` follows; when the connection
ended without reaching the cut point, ``NOCUT <why>``.  Nothing else goes to
stdout.  A readable log (``C: ...`` client command lines, ``S: ...`` server
reply lines, ``-- ...`` notes; message content is only counted) goes to
stderr.

Cut points (--cut SPEC):

    none              forward everything (a control run: the proxy must be
                      transparent)
    reply:greeting    the server's greeting is withheld
    reply:VERB[:K]    the reply to the K-th (default: first) client command
                      VERB is withheld: the command went to the server, its
                      answer never reaches the client.  VERB is the command's
                      first word (EHLO, HELO, MAIL, RCPT, DATA, QUIT, ...) or
                      DOT, the "." line that ends the message content
    reply:#N          the reply to the N-th client command line (1-based; the
                      final "." counts as one command)
    command:VERB[:K]  the K-th client command VERB (or DOT) is received but not
    command:#N        forwarded to the server; then the cut
    content:BYTES     after BYTES octets of message content went to the
                      server (the client may still be sending; the final
                      "." never reaches the server)

With ``reply:`` cuts, ``--partial N`` first forwards the first N octets of the
withheld reply (a reply broken off in the middle).

Modes (--mode, toward the client; at the cut the server side is always
simply closed, so a transaction without its final "." is discarded by the
server):

    fin   shutdown(SHUT_WR): the client reads EOF.  The proxy then reads and
          discards whatever the client still sends, until the client closes
          (or --drain-timeout), so the client's writes do not fail.
    rst   SO_LINGER 0 and close: the client gets a TCP reset at once; its
          next read or write fails.
    stall nothing more is forwarded and the connection stays open: the
          proxy reads and discards what the client sends until the client
          closes (or --drain-timeout); only a client timeout ends the wait.

The client stream is parsed line by line outside DATA (each line is one
command; the client under test does not pipeline, but pipelined lines are
counted the same way).  After a 354 reply to DATA, the client's octets are
message content up to the CR LF "." CR LF sequence (a "." CR LF right at the
start also ends it); that "." CR LF line is the DOT command.  After a
"BDAT <n> LAST" line (RFC 3030, CHUNKING) the next n octets are message
content at once (no reply comes for the BDAT line itself); the chunk's last
two octets play the "." line: they are the DOT command, whose reply is the
one to BDAT (so command:DOT withholds the chunk's end from the server, and
reply:DOT the reply to the chunk).  Server replies
are collected up to their last line (a code followed by SP) and forwarded as
a whole, one reply per outstanding command, in order.

Exit status:
    0  the cut happened as asked (with --cut none: every connection ended)
    1  a connection ended before the cut point was reached
    2  usage error
    3  watchdog: not done within --timeout seconds
"""

from __future__ import annotations

import argparse
import re
import selectors
import socket
import struct
import sys
import time
from collections import deque
from typing import Optional

EXIT_OK = 0
EXIT_NOCUT = 1
EXIT_USAGE = 2
EXIT_WATCHDOG = 3

END_LINE = b".\r\n"


class Watchdog(Exception):
    pass


class Spec:
    """A parsed --cut SPEC."""

    def __init__(self, text: str):
        self.text = text
        self.kind = "none"  # none | reply | command | content
        self.verb: Optional[str] = None
        self.nth = 1  # K-th occurrence of verb
        self.index: Optional[int] = None  # N-th command overall
        self.bytes = 0
        if text == "none":
            return
        m = re.fullmatch(r"(reply|command):(#(\d+)|([A-Za-z.]+)(?::(\d+))?)", text)
        if m:
            self.kind = m.group(1)
            if m.group(3):
                self.index = int(m.group(3))
                if self.index < 1:
                    raise ValueError("#N counts from 1")
            else:
                self.verb = m.group(4).upper()
                self.nth = int(m.group(5) or 1)
                if self.nth < 1:
                    raise ValueError(":K counts from 1")
                if self.verb == "GREETING" and (self.kind != "reply" or self.nth != 1):
                    raise ValueError("only reply:greeting makes sense")
            return
        m = re.fullmatch(r"content:(\d+)", text)
        if m:
            self.kind = "content"
            self.bytes = int(m.group(1))
            return
        raise ValueError(f"bad cut spec {text!r}")

    def matches(self, kind: str, label: str, verb_count: int, index: int) -> bool:
        """Does the item (a command or the reply to one) match this spec?"""
        if kind != self.kind:
            return False
        if self.index is not None:
            return index == self.index
        return label == self.verb and verb_count == self.nth


class Item:
    """A client command (or the greeting) waiting for its reply."""

    def __init__(self, label: str, verb_count: int, index: int):
        self.label = label
        self.verb_count = verb_count
        self.index = index

    def __str__(self) -> str:
        if self.label == "GREETING":
            return "greeting"
        return f"{self.label} (command #{self.index}, {self.label} #{self.verb_count})"


class Connection:
    def __init__(self, client: socket.socket, args, spec: Spec, deadline: float):
        self.client = client
        self.args = args
        self.spec = spec
        self.deadline = deadline
        self.up = socket.create_connection((args.upstream_host, args.upstream_port), timeout=10)
        self.up.settimeout(None)
        for s in (self.client, self.up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = deque([Item("GREETING", 1, 0)])
        self.commands = 0
        self.verb_counts: dict = {}
        self.cbuf = b""  # client bytes not yet parsed (command mode)
        self.sbuf = b""  # server bytes of the reply being collected
        self.content = False
        self.content_forwarded = 0
        self.line_start = True
        self.prev_cr = False
        self.hold = b""
        # Octets of a BDAT chunk still to come (RFC 3030), None outside one.
        self.chunk_left: Optional[int] = None
        self.cut_done: Optional[str] = None
        self.closed = False

    # -- logging --------------------------------------------------------

    def log(self, text: str) -> None:
        if not self.args.quiet:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    # -- the cut --------------------------------------------------------

    def cut(self, what: str, partial: bytes = b"") -> None:
        self.cut_done = what
        self.log(f"-- cut ({self.args.mode}) {what}")
        try:
            self.up.close()
        except OSError:
            pass
        try:
            if partial:
                self.log(f"-- forwarding {len(partial)} octets of it first: {partial!r}")
                self.client.sendall(partial)
        except OSError as e:
            self.log(f"-- client: {e}")
        if self.args.mode == "rst":
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.client.close()
        else:
            try:
                if self.args.mode == "fin":
                    self.client.shutdown(socket.SHUT_WR)
                self.drain()
            except OSError as e:
                self.log(f"-- client: {e}")
            self.client.close()
        sys.stdout.write(f"CUT {what}\n")
        sys.stdout.flush()
        self.closed = True

    def drain(self) -> None:
        """After the cut: read and discard until the client closes."""
        end = min(time.monotonic() + self.args.drain_timeout, self.deadline)
        drained = 0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                self.log(f"-- drain: client still open after {drained} octets")
                return
            self.client.settimeout(left)
            try:
                data = self.client.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                self.log(f"-- drain: {e}")
                return
            if not data:
                self.log(f"-- drain: client closed after {drained} more octets")
                return
            drained += len(data)

    # -- server to client -------------------------------------------------

    def from_server(self, data: bytes) -> None:
        self.sbuf += data
        start = 0
        while True:
            nl = self.sbuf.find(b"\n", start)
            if nl < 0:
                break
            line = self.sbuf[start:nl + 1]
            start = nl + 1
            self.log("S: " + line.rstrip(b"\r\n").decode("latin-1"))
            if len(line) >= 4 and line[3:4] == b"-":
                continue  # more lines follow
            reply, self.sbuf, start = self.sbuf[:start], self.sbuf[start:], 0
            self.on_reply(reply)
            if self.closed:
                return

    def on_reply(self, reply: bytes) -> None:
        item = self.pending.popleft() if self.pending else Item("UNSOLICITED", 1, -1)
        if self.spec.matches("reply", item.label, item.verb_count, item.index):
            partial = reply[: self.args.partial] if self.args.partial else b""
            self.cut(f"before the reply to {item}: {reply.splitlines()[-1].decode('latin-1')!r}", partial)
            return
        self.client.sendall(reply)
        if item.label == "DATA" and reply.startswith(b"354"):
            self.content = True
            self.line_start = True
            self.prev_cr = False
            self.hold = b""
            self.log("-- message content follows")
            if self.cbuf:
                rest, self.cbuf = self.cbuf, b""
                self.from_client(rest)

    # -- client to server -------------------------------------------------

    def from_client(self, data: bytes) -> None:
        while data and not self.closed:
            if self.content:
                data = self.content_bytes(data)
            else:
                self.cbuf += data
                data = b""
                while not self.content and not self.closed:
                    nl = self.cbuf.find(b"\n")
                    if nl < 0:
                        break
                    line, self.cbuf = self.cbuf[: nl + 1], self.cbuf[nl + 1 :]
                    self.command(line)
                if self.content and self.cbuf:
                    data, self.cbuf = self.cbuf, b""

    def command(self, line: bytes, label: Optional[str] = None) -> None:
        self.commands += 1
        if label is None:
            words = line.split()
            label = words[0].decode("latin-1").upper() if words else ""
            shown = line.rstrip(b"\r\n").decode("latin-1")
            self.log("C: " + (shown if len(shown) <= 200 else shown[:200] + "..."))
        else:
            self.log("C: . (end of message content)")
        if label == "BDAT":
            # The chunk follows at once; its reply counts as DOT's.
            self.up.sendall(line)
            self.chunk_left = int(line.split()[1])
            self.content = True
            self.log("-- message content (a BDAT chunk) follows")
            return
        count = self.verb_counts.get(label, 0) + 1
        self.verb_counts[label] = count
        item = Item(label, count, self.commands)
        if self.spec.matches("command", label, count, self.commands):
            self.cut(f"after the client's {item}, not forwarded")
            return
        self.up.sendall(line)
        self.pending.append(item)

    def content_bytes(self, data: bytes) -> bytes:
        """Message content; returns what follows the end-of-data line."""
        if self.chunk_left is not None:
            return self.chunk_bytes(data)
        out = bytearray()
        i, n = 0, len(data)
        ended = False
        while i < n:
            if self.line_start:
                # Hold back what could still become the "." CR LF line.
                self.hold += data[i : i + 1]
                i += 1
                if END_LINE.startswith(self.hold):
                    if self.hold == END_LINE:
                        ended = True
                        break
                    continue
                out += self.hold
                self.prev_cr = self.hold.endswith(b"\r")
                self.line_start = False
                self.hold = b""
            else:
                nl = data.find(b"\n", i)
                if nl < 0:
                    out += data[i:]
                    self.prev_cr = data.endswith(b"\r")
                    i = n
                else:
                    before = data[nl - 1] == 0x0D if nl > i else self.prev_cr
                    out += data[i : nl + 1]
                    self.line_start = before
                    self.prev_cr = False
                    i = nl + 1
        self.forward_content(bytes(out))
        if not ended or self.closed:
            return b""
        self.content = False
        self.hold = b""
        self.log(f"-- message content: {self.content_forwarded} octets")
        self.command(END_LINE, "DOT")
        return data[i:]

    def chunk_bytes(self, data: bytes) -> bytes:
        """BDAT chunk content; returns what follows the chunk."""
        take = min(len(data), self.chunk_left)
        part, rest = data[:take], data[take:]
        self.chunk_left -= take
        # The chunk's last two octets are held back: they are the DOT.
        self.hold += part
        if len(self.hold) > 2:
            self.forward_content(self.hold[:-2])
            self.hold = self.hold[-2:]
        if self.chunk_left > 0 or self.closed:
            return b""
        end, self.hold = self.hold, b""
        self.content = False
        self.chunk_left = None
        self.log(f"-- message content: {self.content_forwarded} octets")
        self.command(end, "DOT")
        return rest

    def forward_content(self, out: bytes) -> None:
        if not out or self.closed:
            return
        if self.spec.kind == "content" and self.content_forwarded + len(out) >= self.spec.bytes:
            n = self.spec.bytes - self.content_forwarded
            self.up.sendall(out[:n])
            self.content_forwarded += n
            self.cut(f"after {self.content_forwarded} octets of message content")
            return
        self.up.sendall(out)
        self.content_forwarded += len(out)

    # -- the loop ---------------------------------------------------------

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.client, selectors.EVENT_READ, "client")
        sel.register(self.up, selectors.EVENT_READ, "server")
        try:
            while not self.closed:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise Watchdog()
                for key, _ in sel.select(timeout=min(left, 1.0)):
                    if self.closed:
                        break
                    sock = key.fileobj
                    try:
                        data = sock.recv(65536)
                    except ConnectionError as e:
                        self.log(f"-- {key.data}: {e}")
                        data = b""
                    if not data:
                        self.log(f"-- {key.data} closed the connection")
                        self.finish_uncut()
                        break
                    if key.data == "client":
                        self.from_client(data)
                    else:
                        self.from_server(data)
        finally:
            sel.close()

    def finish_uncut(self) -> None:
        """One side closed before any cut: close the other side too."""
        # Let a last reply (221 to QUIT) through first.
        try:
            self.up.settimeout(0.5)
            while True:
                data = self.up.recv(65536)
                if not data:
                    break
                self.client.sendall(data)
        except OSError:
            pass
        for s in (self.client, self.up):
            try:
                s.close()
            except OSError:
                pass
        self.closed = True


class _ArgParser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"fault_proxy.py: {message}\n")
        sys.exit(EXIT_USAGE)


def main(argv=None) -> int:
    p = _ArgParser(description="SMTP fault proxy (see the module docstring)")
    p.add_argument("--upstream-host", default="127.0.0.1")
    p.add_argument("--upstream-port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="listen port (default: any free port)")
    p.add_argument("--cut", default="none", help="cut point (default none)")
    p.add_argument("--mode", choices=("fin", "rst", "stall"), default="fin")
    p.add_argument("--partial", type=int, default=0, help="octets of the withheld reply to forward")
    p.add_argument("--connections", type=int, default=1, help="connections to serve (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="watchdog seconds (default 60)")
    p.add_argument("--drain-timeout", type=float, default=10.0)
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    try:
        spec = Spec(args.cut)
    except ValueError as e:
        p.error(str(e))
    if args.partial and spec.kind != "reply":
        p.error("--partial only goes with reply: cuts")
    if args.partial < 0 or args.connections < 1:
        p.error("--partial must be >= 0 and --connections >= 1")

    deadline = time.monotonic() + args.timeout
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(8)
    sys.stdout.write(f"PORT {listener.getsockname()[1]}\n")
    sys.stdout.flush()

    cuts = 0
    try:
        for n in range(args.connections):
            left = deadline - time.monotonic()
            if left <= 0:
                raise Watchdog()
            listener.settimeout(left)
            try:
                client, peer = listener.accept()
            except socket.timeout:
                raise Watchdog()
            if not args.quiet:
                sys.stderr.write(f"-- connection {n + 1} from {peer[0]}:{peer[1]}, cut {spec.text}\n")
            conn = Connection(client, args, spec, deadline)
            conn.run()
            if conn.cut_done is not None:
                cuts += 1
            elif spec.kind != "none":
                why = f"connection {n + 1} ended after {conn.commands} commands without reaching {spec.text}"
                sys.stdout.write(f"NOCUT {why}\n")
                sys.stdout.flush()
                sys.stderr.write(f"-- {why}\n")
                return EXIT_NOCUT
    except Watchdog:
        sys.stderr.write(f"-- watchdog: not done within {args.timeout} s\n")
        return EXIT_WATCHDOG
    finally:
        listener.close()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
