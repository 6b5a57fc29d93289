#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Scripted SMTP server for tests (normal, edge and hostile cases).

Usage:
    python3 tests/scripted_server.py --script FILE [--port N] [--host H]
        [--transcript FILE] [--data-out FILE] [--connections K]
        [--timeout S] [--step-timeout S] [--strict-lines] [--quiet]

After listening, exactly one line ``PORT <n>`` is printed on stdout (flushed);
nothing else is ever written to stdout.  A readable log (``S: ...`` for bytes
sent, ``C: ...`` for lines received, ``-- ...`` for notes) goes to stderr.

Exit status:
    0  every step passed for every connection
    1  a step failed (the client sent something wrong, closed early, ...);
       stderr says which step, what was expected and what arrived
    2  usage error or script error (nothing is printed on stdout then,
       except for errors found only at run time, e.g. a bind failure)
    3  watchdog: the whole run did not finish within --timeout seconds

Script syntax (one step per line; ``#`` starts a comment outside quotes;
blank lines ignored).  TEXT arguments are double-quoted strings with escapes
``\\r \\n \\t \\\\ \\" \\xHH`` (a bare word is also accepted); MS / N / COUNT
are non-negative decimal integers; paths may be quoted or bare and are
relative to the directory of the script file that contains them.

    send "TEXT"                      send bytes
    send-bytewise "TEXT" [DELAY_MS]  one byte per send() (TCP_NODELAY is on),
                                     DELAY_MS (default 0) between bytes
    send-split "TEXT" N [DELAY_MS]   first N bytes, pause DELAY_MS (default
                                     50), then the rest
    send-repeat "TEXT" COUNT         TEXT repeated COUNT times; stops quietly
                                     (step passes) if the client closes
    send-slow "TEXT" INTERVAL_MS     one byte per INTERVAL_MS (slowloris);
                                     stops quietly if the client closes
    expect "PREFIX"                  read one line; it must start with PREFIX
                                     (ASCII case-insensitive)
    expect-exact "LINE"              read one line; it must equal LINE exactly
    expect-data [strict|lax]         read DATA content through the ".\\r\\n"
                                     line; fails on a bare CR or bare LF, and
                                     (strict / --strict-lines) on a line longer
                                     than 998 octets
    expect-bdat                      read a "BDAT <n> LAST" line (RFC 3030) and
                                     the n octets after it: the message (not
                                     dot-stuffed); fails on a bare CR or LF
    data-contains "TEXT"             last message from expect-data contains TEXT
    data-not-contains "TEXT"         ... does not contain TEXT
    expect-eof                       client must close (no bytes first)
    expect-nothing MS                client must send nothing for MS ms
                                     (EOF is fine)
    expect-quit-or-eof               either a QUIT line (reply "221 bye\\r\\n",
                                     half-close our side (TLS close_notify +
                                     FIN), then require the client's EOF)
                                     or EOF
    sleep MS                         pause
    close                            graceful close (TLS close_notify if TLS,
                                     FIN); ends the connection
    reset                            abortive close (RST); ends the connection
    drain                            read and discard until EOF or step timeout;
                                     always passes
    auth-check-plain "USER" "PASS" [AUTHZID]
                                     read "AUTH PLAIN <b64>" and check that the
                                     b64 decodes to AUTHZID\\0USER\\0PASS
                                     (AUTHZID default empty); sends nothing
    expect-b64 "TEXT"                read a line equal to base64(TEXT)
    starttls CERT KEY                server-side TLS handshake with PEM files;
                                     later steps run over TLS (the transcript
                                     records decrypted bytes)
    include FILE                     insert the steps of another script

Line rules for expect / expect-exact / expect-b64 / auth-check-plain /
expect-quit-or-eof: a line ends at LF.  If the expected text contains neither
CR nor LF, the line must end with CRLF ("bare LF" failure otherwise), must
contain no other CR ("bare CR" failure) and is compared without its CRLF.  If
the expected text contains CR or LF, the raw line including its terminator is
compared instead (so ``expect "EHLO x\\n"`` accepts a bare-LF line).

Timeouts: every read (and every blocked send) must make progress within the
step timeout (--step-timeout, default 10 s).  The global watchdog (--timeout,
default 30 s, counted from the moment the server listens) bounds the whole
run, including waiting for connections, sleeps and slow sends.

Steps after ``close`` / ``reset`` are a script error (unreachable).  When the
script ends without close/reset, the connection is closed gracefully.

Python API:
    from scripted_server import ScriptedServer
    srv = ScriptedServer(script_text)          # keyword options as the CLI
    port = srv.start()                         # runs in a background thread
    ...point a client at 127.0.0.1:port...
    code, transcript, failure = srv.wait()     # failure is None on success
    srv.messages                               # list of raw DATA contents
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import socket
import ssl
import struct
import sys
import re
import threading
import time
from dataclasses import dataclass
from typing import BinaryIO, List, Optional, TextIO

__all__ = ["ScriptedServer", "ScriptError", "parse_script", "parse_script_file"]

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_WATCHDOG = 3

DEFAULT_TIMEOUT = 30.0
DEFAULT_STEP_TIMEOUT = 10.0
MAX_COMMAND_LINE = 1 << 20  # a single command line longer than this fails
MAX_DATA_LINE = 16 << 20  # a single DATA line longer than this fails
MAX_INCLUDE_DEPTH = 16
CLOSE_LINGER = 0.5  # seconds to wait for the client's EOF after our FIN


# --------------------------------------------------------------------------
# Script parsing
# --------------------------------------------------------------------------


class ScriptError(Exception):
    """Malformed script (exit status 2)."""

    def __init__(self, where: str, msg: str):
        super().__init__(f"{where}: {msg}" if where else msg)
        self.where = where
        self.msg = msg


@dataclass
class Step:
    name: str
    args: list
    file: str
    line: int
    source: str  # the original line (stripped), for messages
    index: int = 0  # 1-based position in the flattened script

    @property
    def where(self) -> str:
        return f"{os.path.basename(self.file)}:{self.line}"

    def describe(self) -> str:
        return f"step {self.index} ({self.where}: {self.source})"


@dataclass
class _Tok:
    quoted: bool
    text: str  # bare word (quoted=False)
    data: bytes = b""  # decoded bytes (quoted=True)


_ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\", '"': b'"'}
_HEX = "0123456789abcdefABCDEF"


def _tokenize(line: str, where: str) -> List[_Tok]:
    toks: List[_Tok] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t":
            i += 1
            continue
        if c == "#":
            break
        if c == '"':
            i += 1
            out = bytearray()
            closed = False
            while i < n:
                c = line[i]
                if c == '"':
                    closed = True
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n:
                        raise ScriptError(where, "backslash at end of line")
                    e = line[i + 1]
                    if e in _ESCAPES:
                        out += _ESCAPES[e]
                        i += 2
                    elif e == "x":
                        h = line[i + 2:i + 4]
                        if len(h) != 2 or any(ch not in _HEX for ch in h):
                            raise ScriptError(where, f"bad \\x escape near {line[i:i + 4]!r}")
                        out.append(int(h, 16))
                        i += 4
                    else:
                        raise ScriptError(where, f"unknown escape \\{e}")
                    continue
                out += c.encode("utf-8")
                i += 1
            if not closed:
                raise ScriptError(where, "unterminated quoted string")
            if i < n and line[i] not in " \t#":
                raise ScriptError(where, "missing space after closing quote")
            toks.append(_Tok(True, "", bytes(out)))
            continue
        j = i
        while j < n and line[j] not in ' \t"#':
            j += 1
        toks.append(_Tok(False, line[i:j]))
        i = j
    return toks


# Argument kinds: b = bytes (TEXT), i = non-negative int, p = path,
# m = expect-data mode word.  A leading '?' marks an optional argument
# (all optional arguments come last).
_SIGNATURES = {
    "send": ["b"],
    "send-bytewise": ["b", "?i"],
    "send-split": ["b", "i", "?i"],
    "send-repeat": ["b", "i"],
    "send-slow": ["b", "i"],
    "expect": ["b"],
    "expect-exact": ["b"],
    "expect-data": ["?m"],
    "expect-bdat": [],
    "data-contains": ["b"],
    "data-not-contains": ["b"],
    "expect-eof": [],
    "expect-nothing": ["i"],
    "expect-quit-or-eof": [],
    "sleep": ["i"],
    "close": [],
    "reset": [],
    "drain": [],
    "auth-check-plain": ["b", "b", "?b"],
    "expect-b64": ["b"],
    "starttls": ["p", "p"],
    "include": ["p"],
}

_TERMINAL_STEPS = ("close", "reset")


def _convert(kind: str, tok: _Tok, where: str, name: str, pos: int):
    if kind == "b":
        return tok.data if tok.quoted else tok.text.encode("utf-8")
    if kind == "i":
        if tok.quoted or not tok.text.isdigit() or not tok.text.isascii():
            shown = tok.data.decode("utf-8", "replace") if tok.quoted else tok.text
            raise ScriptError(where, f"{name}: argument {pos} must be a non-negative integer, got {shown!r}")
        return int(tok.text)
    if kind == "p":
        s = tok.data.decode("utf-8", "surrogateescape") if tok.quoted else tok.text
        if not s:
            raise ScriptError(where, f"{name}: argument {pos} must be a non-empty path")
        return s
    if kind == "m":
        s = (tok.data.decode("utf-8", "replace") if tok.quoted else tok.text).lower()
        if s not in ("strict", "lax"):
            raise ScriptError(where, f"{name}: mode must be 'strict' or 'lax', got {s!r}")
        return s
    raise AssertionError(kind)


def _parse_text(text: str, filename: str, base_dir: str, stack: List[str]) -> List[Step]:
    steps: List[Step] = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r").strip()
        where = f"{os.path.basename(filename)}:{lineno}"
        toks = _tokenize(line, where)
        if not toks:
            continue
        head = toks[0]
        if head.quoted:
            raise ScriptError(where, "a line must start with a step name")
        name = head.text.lower()
        sig = _SIGNATURES.get(name)
        if sig is None:
            raise ScriptError(where, f"unknown step {head.text!r}")
        args_t = toks[1:]
        required = sum(1 for k in sig if not k.startswith("?"))
        if not (required <= len(args_t) <= len(sig)):
            want = str(required) if required == len(sig) else f"{required}..{len(sig)}"
            raise ScriptError(where, f"{name}: expected {want} argument(s), got {len(args_t)}")
        args = [_convert(k.lstrip("?"), t, where, name, i + 1) for i, (k, t) in enumerate(zip(sig, args_t))]
        if name == "include":
            path = args[0]
            if not os.path.isabs(path):
                path = os.path.join(base_dir, path)
            steps.extend(_parse_file(path, stack, where))
            continue
        if name in ("starttls",):
            args = [a if os.path.isabs(a) else os.path.join(base_dir, a) for a in args]
        if name == "send-split" and args[1] > len(args[0]):
            raise ScriptError(where, f"send-split: N={args[1]} is larger than the text ({len(args[0])} bytes)")
        steps.append(Step(name, args, filename, lineno, line))
    return steps


def _parse_file(path: str, stack: List[str], where: str = "") -> List[Step]:
    real = os.path.realpath(path)
    if real in stack:
        raise ScriptError(where, f"include cycle: {path}")
    if len(stack) >= MAX_INCLUDE_DEPTH:
        raise ScriptError(where, f"includes nested deeper than {MAX_INCLUDE_DEPTH}")
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ScriptError(where, f"cannot read script {path}: {e}") from None
    return _parse_text(text, path, os.path.dirname(os.path.abspath(path)), stack + [real])


def _finish(steps: List[Step]) -> List[Step]:
    for i, st in enumerate(steps, 1):
        st.index = i
    for st in steps[:-1]:
        if st.name in _TERMINAL_STEPS:
            nxt = steps[st.index]
            raise ScriptError(nxt.where, f"step {nxt.name!r} is unreachable after {st.name!r} ({st.where})")
    return steps


def parse_script(text: str, base_dir: Optional[str] = None, name: str = "<script>") -> List[Step]:
    """Parse script text; include paths are relative to base_dir (default cwd)."""
    base = os.path.abspath(base_dir or os.getcwd())
    return _finish(_parse_text(text, name, base, []))


def parse_script_file(path: str) -> List[Step]:
    return _finish(_parse_file(path, []))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def show(data: bytes, limit: int = 200) -> str:
    """Printable rendering of bytes: "..." with \\r \\n \\t \\xHH escapes."""
    out = []
    for b in data[:limit]:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 9:
            out.append("\\t")
        elif b == 0x5C:
            out.append("\\\\")
        elif b == 0x22:
            out.append('\\"')
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    s = '"' + "".join(out) + '"'
    if len(data) > limit:
        s += f"...(+{len(data) - limit} bytes)"
    return s


def _bare(data: bytes, limit: int = 300) -> str:
    """show() without the surrounding quotes, for C:/S: log lines."""
    s = show(data, limit)
    return s[1:-1] if len(data) <= limit else s[1:].replace('"...(+', " ...(+", 1)


class _Watchdog(Exception):
    pass


class _StepFailed(Exception):
    def __init__(self, msg: str, located: bool = False):
        super().__init__(msg)
        self.located = located  # message already names connection and step


class _Timeout(Exception):
    pass


class _PeerGone(Exception):
    """The client reset / closed the connection while we were sending."""


class _PeerEOF(Exception):
    def __init__(self, partial: bytes, reset: bool):
        super().__init__()
        self.partial = partial
        self.reset = reset


# --------------------------------------------------------------------------
# Connection
# --------------------------------------------------------------------------


class _TLSSocket:
    """Server-side TLS over a connected socket, driven through memory BIOs.

    Unlike ssl.SSLSocket this lets us send close_notify without OpenSSL
    consuming (and discarding) application data the client sent meanwhile,
    and keeps reading possible after our close_notify and FIN.  Offers the
    small socket-like surface _Conn uses."""

    def __init__(self, raw: socket.socket, ctx: ssl.SSLContext):
        self.raw = raw
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)
        self.timeout: Optional[float] = None
        self.raw_eof = False

    def settimeout(self, t: Optional[float]) -> None:
        self.timeout = t
        self.raw.settimeout(t)

    def _flush(self) -> None:
        data = self.out.read()
        if not data:
            return
        if self.timeout == 0.0:  # called from a non-blocking poll
            self.raw.settimeout(5.0)
            try:
                self.raw.sendall(data)
            finally:
                self.raw.settimeout(0.0)
        else:
            self.raw.sendall(data)

    def _fill(self) -> None:
        data = self.raw.recv(65536)  # may raise timeout / BlockingIOError
        if data:
            self.inc.write(data)
        else:
            self.raw_eof = True
            self.inc.write_eof()

    def do_handshake(self) -> None:
        while True:
            try:
                self.obj.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                if self.raw_eof:
                    raise ConnectionAbortedError("client closed the connection during the TLS handshake")
                self._fill()

    def recv(self, n: int) -> bytes:
        while True:
            try:
                data = self.obj.read(n)
                self._flush()
                return data
            except ssl.SSLWantReadError:
                self._flush()
                if self.raw_eof:
                    return b""
                self._fill()
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    def send(self, data) -> int:
        chunk = bytes(data[:16384])
        n = self.obj.write(chunk)
        self._flush()
        return n

    def close_notify(self) -> None:
        try:
            self.obj.unwrap()  # queues close_notify, then wants the peer's
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except ssl.SSLError:
            pass
        self._flush()

    def shutdown(self, how: int) -> None:
        self.raw.shutdown(how)

    def setsockopt(self, *a) -> None:
        self.raw.setsockopt(*a)

    def close(self) -> None:
        self.raw.close()

    def version(self) -> Optional[str]:
        return self.obj.version()

    def cipher(self):
        return self.obj.cipher()


class _Conn:
    def __init__(self, sock: socket.socket, runner: "_Runner"):
        self.sock = sock
        self.r = runner
        self.buf = bytearray()
        self.pos = 0
        self.eof = False
        self.reset_by_peer = False
        self.closed = False

    # -- time budget ---------------------------------------------------
    def budget(self, step_deadline: Optional[float]) -> float:
        now = time.monotonic()
        if now >= self.r.deadline:
            raise _Watchdog()
        if step_deadline is not None and now >= step_deadline:
            raise _Timeout()
        end = self.r.deadline if step_deadline is None else min(self.r.deadline, step_deadline)
        return max(end - now, 0.001)

    # -- receiving -----------------------------------------------------
    def pending(self) -> int:
        return len(self.buf) - self.pos

    def take_pending(self) -> bytes:
        data = bytes(self.buf[self.pos:])
        self.buf.clear()
        self.pos = 0
        return data

    def _got(self, data: bytes) -> None:
        self.r.record(data)
        if self.pos and self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        elif self.pos > 65536:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def recv_more(self, step_deadline: Optional[float]) -> bool:
        """Receive at least one byte into the buffer; False on EOF/reset."""
        if self.eof:
            return False
        while True:
            t = self.budget(step_deadline)
            self.sock.settimeout(t)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                continue
            except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
                self.eof = True
                self.reset_by_peer = True
                return False
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                # close_notify (after ours) or TCP EOF without close_notify
                self.eof = True
                return False
            except ssl.SSLError as e:
                raise _StepFailed(f"TLS error while reading: {e}") from None
            if not data:
                self.eof = True
                return False
            self._got(data)
            return True

    def poll(self) -> None:
        """Non-blocking: pull in whatever has arrived (or notice EOF)."""
        if self.eof:
            return
        self.sock.settimeout(0.0)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    self.eof = True
                    return
                self._got(data)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError,
                socket.timeout, TimeoutError):
            return
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            self.eof = True
            self.reset_by_peer = True
        except ssl.SSLError:
            self.eof = True

    def readline(self, step_timeout: float, maxlen: int = MAX_COMMAND_LINE) -> bytes:
        """Return one raw line including its LF.  The step timeout is an
        inactivity timeout: it restarts whenever bytes arrive."""
        start = self.pos
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[self.pos:i + 1])
                self.pos = i + 1
                return line
            if len(self.buf) - self.pos > maxlen:
                raise _StepFailed(f"line longer than {maxlen} bytes without LF: "
                                  f"{show(bytes(self.buf[self.pos:self.pos + 100]))}")
            start = len(self.buf)
            # recv_more may compact the buffer; keep 'start' relative to pos
            rel = start - self.pos
            if not self.recv_more(time.monotonic() + step_timeout):
                partial = self.take_pending()
                raise _PeerEOF(partial, self.reset_by_peer)
            start = self.pos + rel

    def watch(self, ms: float, stop_on_data: bool) -> str:
        """Wait ms milliseconds collecting input.  Returns 'eof', 'data'
        (only if stop_on_data) or 'elapsed'.  Raises _Watchdog."""
        end = time.monotonic() + ms / 1000.0
        while True:
            if self.eof:
                return "eof"
            if stop_on_data and self.pending():
                return "data"
            if time.monotonic() >= end:
                return "elapsed"
            try:
                self.recv_more(end)
            except _Timeout:
                return "elapsed"

    # -- sending -------------------------------------------------------
    def send(self, data: bytes, step_timeout: float) -> None:
        view = memoryview(data)
        while view:
            t = self.budget(time.monotonic() + step_timeout)
            self.sock.settimeout(t)
            try:
                n = self.sock.send(view)
            except (socket.timeout, TimeoutError):
                # no progress at all within the step timeout
                if time.monotonic() >= self.r.deadline:
                    raise _Watchdog() from None
                raise _Timeout() from None
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as e:
                raise _PeerGone(str(e)) from None
            except ssl.SSLError as e:
                raise _PeerGone(f"TLS error: {e}") from None
            view = view[n:]

    # -- closing -------------------------------------------------------
    def is_tls(self) -> bool:
        return isinstance(self.sock, _TLSSocket)

    def half_close(self) -> None:
        """Stop sending: TLS close_notify (if TLS) and TCP FIN.  Reading
        (through TLS, if active) stays possible."""
        if self.is_tls():
            # Decrypt what has already arrived first, so that nothing the
            # client sent can be mistaken for part of the TLS shutdown.
            self.poll()
            try:
                self.sock.close_notify()
            except OSError:
                pass
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close_graceful(self, linger: float = CLOSE_LINGER) -> None:
        if self.closed:
            return
        self.half_close()
        # Read what the client still sends (recorded in the transcript) until
        # it closes too, so that unread input does not turn our close into RST.
        end = min(time.monotonic() + linger, self.r.deadline)
        while linger > 0 and not self.eof and time.monotonic() < end:
            self.sock.settimeout(max(end - time.monotonic(), 0.001))
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                break
            except (OSError, ssl.SSLError):
                break
            if not data:
                self.eof = True
                break
            self.r.record(data)
        self._close()

    def close_reset(self) -> None:
        if self.closed:
            return
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------


@dataclass
class _Options:
    host: str = "127.0.0.1"
    port: int = 0
    connections: int = 1
    timeout: float = DEFAULT_TIMEOUT
    step_timeout: float = DEFAULT_STEP_TIMEOUT
    strict_lines: bool = False
    transcript_path: Optional[str] = None
    data_out_path: Optional[str] = None


class _Runner:
    def __init__(self, steps: List[Step], opts: _Options, log: Optional[TextIO]):
        if opts.connections < 1:
            raise ScriptError("", "--connections must be at least 1")
        if opts.timeout <= 0 or opts.step_timeout <= 0:
            raise ScriptError("", "timeouts must be positive")
        self.steps = steps
        self.o = opts
        self.log_stream = log
        self.transcript = bytearray()
        self.messages: List[bytes] = []
        self.failure: Optional[str] = None
        self.exit_code: Optional[int] = None
        self.deadline = float("inf")
        self._tls: dict = {}
        for st in steps:
            if st.name == "starttls":
                try:
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(st.args[0], st.args[1])
                except (OSError, ssl.SSLError) as e:
                    raise ScriptError(st.where, f"starttls: cannot load {st.args[0]} / {st.args[1]}: {e}") from None
                self._tls[st.index] = ctx
        self._tfile: Optional[BinaryIO] = None
        self._dfile: Optional[BinaryIO] = None
        self.listener: Optional[socket.socket] = None
        self.conn_no = 0
        self.cur: Optional[Step] = None
        self.prev: Optional[Step] = None

    # -- output --------------------------------------------------------
    def log(self, msg: str) -> None:
        if self.log_stream is not None:
            try:
                self.log_stream.write(msg + "\n")
                self.log_stream.flush()
            except (OSError, ValueError):
                pass

    def log_lines(self, prefix: str, data: bytes, limit_lines: int = 40) -> None:
        if self.log_stream is None or not data:
            return
        parts = data.split(b"\n")
        if parts and parts[-1] == b"":
            parts.pop()
            ends = True
        else:
            ends = False
        for k, p in enumerate(parts):
            if k >= limit_lines:
                self.log(f"{prefix}... ({len(parts) - k} more lines)")
                break
            last = k == len(parts) - 1
            has_lf = (not last) or ends
            if has_lf and p.endswith(b"\r"):
                body, term = p[:-1], ""
            elif has_lf:
                body, term = p, "  [bare LF]"
            else:
                body, term = p, "  [no line end]"
            self.log(prefix + _bare(body) + term)

    def record(self, data: bytes) -> None:
        self.transcript += data
        if self._tfile is not None:
            self._tfile.write(data)
            self._tfile.flush()

    # -- lifecycle -----------------------------------------------------
    def bind(self) -> int:
        fam = socket.AF_INET6 if ":" in self.o.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((self.o.host, self.o.port))
            s.listen(16)
        except OSError:
            s.close()
            raise
        self.listener = s
        self.deadline = time.monotonic() + self.o.timeout
        return s.getsockname()[1]

    def run(self) -> int:
        assert self.listener is not None
        code = EXIT_OK
        msg: Optional[str] = None
        try:
            if self.o.transcript_path:
                self._tfile = open(self.o.transcript_path, "wb")
            if self.o.data_out_path:
                self._dfile = open(self.o.data_out_path, "wb")
            for ci in range(1, self.o.connections + 1):
                self.conn_no = ci
                self.cur = self.prev = None
                sock, peer = self._accept()
                self.log(f"-- connection {ci} from {peer[0]}:{peer[1]}")
                conn = _Conn(sock, self)
                try:
                    self._run_steps(conn)
                finally:
                    if not conn.closed:
                        conn.close_graceful(0)
        except _Watchdog:
            code = EXIT_WATCHDOG
            where = (f"connection {self.conn_no}, {self.cur.describe()}" if self.cur
                     else f"waiting for connection {self.conn_no}")
            msg = f"WATCHDOG: script not finished within {self.o.timeout:g} s ({where})"
        except _StepFailed as e:
            code = EXIT_FAIL
            msg = str(e)
        except OSError as e:
            code = EXIT_USAGE
            msg = f"I/O error: {e}"
        finally:
            for f in (self._tfile, self._dfile):
                if f is not None:
                    f.close()
            self._tfile = self._dfile = None
            try:
                self.listener.close()
            except OSError:
                pass
        self.exit_code = code
        self.failure = msg
        if code == EXIT_OK:
            self.log(f"-- RESULT: pass ({self.o.connections} connection(s))")
        else:
            self.log(msg or "")
            self.log(f"-- RESULT: exit {code}")
        return code

    def _accept(self):
        assert self.listener is not None
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                raise _Watchdog()
            self.listener.settimeout(max(self.deadline - now, 0.001))
            try:
                sock, peer = self.listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, peer

    def _run_steps(self, conn: _Conn) -> None:
        for st in self.steps:
            self.cur = st
            handler = getattr(self, "_do_" + st.name.replace("-", "_"))
            try:
                handler(conn, st, *st.args)
            except _Timeout:
                self._fail(st, f"timed out (step timeout {self.o.step_timeout:g} s)")
            except _PeerGone as e:
                self._fail(st, f"client closed/reset the connection while the server was sending ({e})")
            except _StepFailed as e:
                if e.located:
                    raise
                self._fail(st, str(e))
            self.prev = st
            if conn.closed:
                return
        # script finished without close/reset
        conn.close_graceful()

    def _fail(self, st: Step, msg: str):
        raise _StepFailed(f"FAIL: connection {self.conn_no}, {st.describe()}: {msg}", located=True)

    def _after(self) -> str:
        return f"after {self.prev.describe()}" if self.prev else "before any step"

    # -- line helpers --------------------------------------------------
    def _read_line(self, conn: _Conn, st: Step, what: str) -> bytes:
        try:
            return conn.readline(self.o.step_timeout)
        except _Timeout:
            got = bytes(conn.buf[conn.pos:])
            self._fail(st, f"timed out after {self.o.step_timeout:g} s waiting for {what}; "
                           f"received so far: {show(got)}")
        except _PeerEOF as e:
            how = "reset the connection" if e.reset else "closed the connection (EOF)"
            extra = f" after sending partial line {show(e.partial)}" if e.partial else ""
            self._fail(st, f"expected {what}, but the client {how}{extra}")
        raise AssertionError("unreachable")

    def _subject(self, st: Step, raw: bytes, expected: bytes) -> bytes:
        """Apply the CRLF rules; return what is compared with the expectation."""
        if b"\r" in expected or b"\n" in expected:
            self.log("C: " + _bare(raw))
            return raw
        if not raw.endswith(b"\r\n"):
            self.log("C: " + _bare(raw))
            self._fail(st, f"bare LF: line ends with LF without CR: {show(raw)}")
        body = raw[:-2]
        self.log("C: " + _bare(body))
        if b"\r" in body:
            self._fail(st, f"bare CR inside the line: {show(raw)}")
        return body

    # -- steps: sending ------------------------------------------------
    def _do_send(self, conn: _Conn, st: Step, text: bytes) -> None:
        self.log_lines("S: ", text)
        conn.send(text, self.o.step_timeout)

    def _do_send_bytewise(self, conn: _Conn, st: Step, text: bytes, delay_ms: int = 0) -> None:
        self.log_lines("S: ", text)
        self.log(f"-- (sent byte by byte, {delay_ms} ms apart)")
        for k in range(len(text)):
            conn.send(text[k:k + 1], self.o.step_timeout)
            if delay_ms and k + 1 < len(text):
                self._sleep(delay_ms)

    def _do_send_split(self, conn: _Conn, st: Step, text: bytes, n: int, delay_ms: int = 50) -> None:
        self.log_lines("S: ", text)
        self.log(f"-- (split after {n} bytes, {delay_ms} ms pause)")
        conn.send(text[:n], self.o.step_timeout)
        self._sleep(delay_ms)
        if text[n:]:
            conn.send(text[n:], self.o.step_timeout)

    def _do_send_repeat(self, conn: _Conn, st: Step, text: bytes, count: int) -> None:
        self.log(f"S: {_bare(text)}  [x {count}]")
        if not text or not count:
            return
        per = max(1, 65536 // len(text))
        chunk = text * per
        sent = 0
        try:
            while sent < count:
                conn.poll()
                if conn.eof:
                    break
                k = min(per, count - sent)
                conn.send(chunk if k == per else text * k, self.o.step_timeout)
                sent += k
        except _PeerGone:
            conn.eof = True
        except _Timeout:
            self._fail(st, f"client stopped reading: no progress sending for {self.o.step_timeout:g} s "
                           f"({sent} of {count} repetitions sent)")
        if sent < count:
            self.log(f"-- client closed the connection after {sent} of {count} repetitions; stopping")

    def _do_send_slow(self, conn: _Conn, st: Step, text: bytes, interval_ms: int) -> None:
        self.log_lines("S: ", text)
        self.log(f"-- (sent slowly, one byte per {interval_ms} ms)")
        for k in range(len(text)):
            conn.poll()
            if conn.eof:
                self.log(f"-- client closed the connection after {k} of {len(text)} bytes; stopping")
                return
            try:
                conn.send(text[k:k + 1], self.o.step_timeout)
            except _PeerGone:
                conn.eof = True
                self.log(f"-- client closed the connection after {k} of {len(text)} bytes; stopping")
                return
            if k + 1 < len(text):
                if conn.watch(interval_ms, stop_on_data=False) == "eof":
                    self.log(f"-- client closed the connection after {k + 1} of {len(text)} bytes; stopping")
                    return

    # -- steps: expecting lines ----------------------------------------
    def _do_expect(self, conn: _Conn, st: Step, prefix: bytes) -> None:
        raw = self._read_line(conn, st, f"a line starting with {show(prefix)}")
        subj = self._subject(st, raw, prefix)
        if not subj.lower().startswith(prefix.lower()):
            self._fail(st, f"expected a line starting with {show(prefix)}, got {show(subj)}")

    def _do_expect_exact(self, conn: _Conn, st: Step, line: bytes) -> None:
        raw = self._read_line(conn, st, f"the line {show(line)}")
        subj = self._subject(st, raw, line)
        if subj != line:
            self._fail(st, f"expected exactly {show(line)}, got {show(subj)}")

    def _do_expect_b64(self, conn: _Conn, st: Step, text: bytes) -> None:
        want = base64.b64encode(text)
        raw = self._read_line(conn, st, f"base64 of {show(text)}")
        subj = self._subject(st, raw, b"")
        if subj != want:
            try:
                dec = show(base64.b64decode(subj, validate=True))
            except (binascii.Error, ValueError):
                dec = "(not valid base64)"
            self._fail(st, f"expected {show(want)} (base64 of {show(text)}), got {show(subj)} "
                           f"which decodes to {dec}")

    def _do_auth_check_plain(self, conn: _Conn, st: Step, user: bytes, password: bytes,
                             authzid: bytes = b"") -> None:
        raw = self._read_line(conn, st, "an 'AUTH PLAIN <base64>' line")
        subj = self._subject(st, raw, b"")
        parts = subj.split(b" ")
        if len(parts) != 3 or parts[0].upper() != b"AUTH" or parts[1].upper() != b"PLAIN" or not parts[2]:
            self._fail(st, f"expected 'AUTH PLAIN <base64>' (with initial response), got {show(subj)}")
        try:
            dec = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            self._fail(st, f"AUTH PLAIN argument is not valid base64: {show(parts[2])}")
        want = authzid + b"\0" + user + b"\0" + password
        if dec != want:
            self._fail(st, f"AUTH PLAIN credentials decode to {show(dec)}, expected {show(want)}")

    def _do_expect_data(self, conn: _Conn, st: Step, mode: Optional[str] = None) -> None:
        strict = self.o.strict_lines if mode is None else (mode == "strict")
        data = bytearray()
        nlines = 0
        while True:
            try:
                raw = conn.readline(self.o.step_timeout, MAX_DATA_LINE)
            except _Timeout:
                self._fail(st, f"timed out after {self.o.step_timeout:g} s inside DATA after {nlines} lines "
                               f"({len(data)} bytes); no end-of-data '.' line yet; last bytes: "
                               f"{show(bytes(data[-80:]) + bytes(conn.buf[conn.pos:]))}")
            except _PeerEOF as e:
                how = "reset the connection" if e.reset else "closed the connection"
                self._fail(st, f"client {how} inside DATA after {nlines} lines ({len(data)} bytes) "
                               f"without the end-of-data '.' line; trailing bytes: {show(e.partial)}")
            nlines += 1
            off = len(data)
            data += raw
            if not raw.endswith(b"\r\n"):
                self._fail(st, f"bare LF in DATA line {nlines} (byte offset {off + len(raw) - 1}): {show(raw)}")
            body = raw[:-2]
            cr = body.find(b"\r")
            if cr >= 0:
                self._fail(st, f"bare CR in DATA line {nlines} (byte offset {off + cr}): {show(raw)}")
            if len(body) > 998:
                if strict:
                    self._fail(st, f"DATA line {nlines} is {len(body)} octets long (limit 998 without CRLF): "
                                   f"{show(body, 60)}")
                self.log(f"-- note: DATA line {nlines} is {len(body)} octets (> 998)")
            if body == b".":
                break
        msg = bytes(data)
        self.messages.append(msg)
        if self._dfile is not None:
            self._dfile.write(msg)
            self._dfile.flush()
        self.log_lines("C: ", msg, limit_lines=30)
        self.log(f"-- DATA: {nlines} lines, {len(msg)} bytes (message {len(self.messages)})")

    def _do_expect_bdat(self, conn: _Conn, st: Step) -> None:
        raw = self._read_line(conn, st, "a BDAT <n> LAST line")
        line = self._subject(st, raw, b"BDAT")
        m = re.fullmatch(rb"BDAT ([0-9]{1,9}) LAST", line)
        if not m:
            self._fail(st, f"expected BDAT <n> LAST, got {show(line)}")
        size = int(m.group(1))
        while conn.pending() < size:
            if not conn.recv_more(time.monotonic() + self.o.step_timeout):
                self._fail(st, f"the client ended the chunk after {conn.pending()} of {size} octets")
        msg = bytes(conn.buf[conn.pos:conn.pos + size])
        conn.pos += size
        for i, b in enumerate(msg):
            if b == 0x0D and msg[i + 1:i + 2] != b"\n":
                self._fail(st, f"bare CR in the chunk at byte offset {i}")
            if b == 0x0A and (i == 0 or msg[i - 1] != 0x0D):
                self._fail(st, f"bare LF in the chunk at byte offset {i}")
        self.messages.append(msg)
        if self._dfile is not None:
            self._dfile.write(msg)
            self._dfile.flush()
        self.log_lines("C: ", msg, limit_lines=30)
        self.log(f"-- BDAT: {size} bytes (message {len(self.messages)})")

    def _do_data_contains(self, conn: _Conn, st: Step, text: bytes) -> None:
        if not self.messages:
            self._fail(st, "no message received yet (data-contains needs a preceding expect-data)")
        if text not in self.messages[-1]:
            self._fail(st, f"last message does not contain {show(text)}; message starts "
                           f"{show(self.messages[-1], 300)}")

    def _do_data_not_contains(self, conn: _Conn, st: Step, text: bytes) -> None:
        if not self.messages:
            self._fail(st, "no message received yet (data-not-contains needs a preceding expect-data)")
        i = self.messages[-1].find(text)
        if i >= 0:
            self._fail(st, f"last message contains {show(text)} at byte offset {i}: "
                           f"{show(self.messages[-1][max(0, i - 40):i + len(text) + 40])}")

    # -- steps: EOF / silence ------------------------------------------
    def _do_expect_eof(self, conn: _Conn, st: Step) -> None:
        if conn.pending():
            self._fail(st, f"expected EOF, but the client sent {show(conn.take_pending())} {self._after()}")
        try:
            got = conn.recv_more(time.monotonic() + self.o.step_timeout)
        except _Timeout:
            self._fail(st, f"expected EOF, but the client did not close the connection "
                           f"within {self.o.step_timeout:g} s")
        if got:
            conn.poll()
            self._fail(st, f"expected EOF, but the client sent {show(conn.take_pending())} {self._after()}")
        self.log("C: <EOF>" if not conn.reset_by_peer else "C: <connection reset>")

    def _do_expect_nothing(self, conn: _Conn, st: Step, ms: int) -> None:
        if conn.pending():
            self._fail(st, f"expected silence, but the client had already sent {show(conn.take_pending())} "
                           f"{self._after()}")
        r = conn.watch(ms, stop_on_data=True)
        if r == "data":
            conn.poll()
            self._fail(st, f"expected silence for {ms} ms, but the client sent {show(conn.take_pending())} "
                           f"{self._after()}")
        self.log(f"-- client silent for {ms} ms" if r == "elapsed" else "C: <EOF>")

    def _do_expect_quit_or_eof(self, conn: _Conn, st: Step) -> None:
        try:
            raw = conn.readline(self.o.step_timeout)
        except _Timeout:
            self._fail(st, f"timed out after {self.o.step_timeout:g} s waiting for QUIT or EOF; received so far: "
                           f"{show(bytes(conn.buf[conn.pos:]))}")
        except _PeerEOF as e:
            if e.partial:
                self._fail(st, f"expected QUIT or EOF, got partial line {show(e.partial)} then EOF")
            self.log("C: <EOF>" if not e.reset else "C: <connection reset>")
            return
        subj = self._subject(st, raw, b"")
        if subj.upper() != b"QUIT":
            self._fail(st, f"expected QUIT or EOF, got {show(subj)}")
        self.log("S: 221 bye")
        try:
            conn.send(b"221 bye\r\n", self.o.step_timeout)
        except _PeerGone:
            return
        # Like a real server, close our side after 221 (a client may wait for
        # that), then require the client to close too.
        conn.half_close()
        if conn.pending():
            self._fail(st, f"client sent {show(conn.take_pending())} after QUIT instead of closing")
        try:
            got = conn.recv_more(time.monotonic() + self.o.step_timeout)
        except _Timeout:
            self._fail(st, f"client did not close the connection within {self.o.step_timeout:g} s after 221")
        if got:
            conn.poll()
            self._fail(st, f"client sent {show(conn.take_pending())} after QUIT/221 instead of closing")
        self.log("C: <EOF>")

    # -- steps: timing / closing ---------------------------------------
    def _sleep(self, ms: float) -> None:
        end = time.monotonic() + ms / 1000.0
        while True:
            now = time.monotonic()
            if now >= end:
                return
            if now >= self.deadline:
                raise _Watchdog()
            time.sleep(min(end, self.deadline) - now)

    def _do_sleep(self, conn: _Conn, st: Step, ms: int) -> None:
        self.log(f"-- sleep {ms} ms")
        self._sleep(ms)

    def _do_close(self, conn: _Conn, st: Step) -> None:
        self.log("-- close (FIN)")
        conn.close_graceful()

    def _do_reset(self, conn: _Conn, st: Step) -> None:
        self.log("-- reset (RST)")
        conn.close_reset()

    def _do_drain(self, conn: _Conn, st: Step) -> None:
        n0 = len(self.transcript) - conn.pending()
        end = time.monotonic() + self.o.step_timeout
        conn.take_pending()
        while not conn.eof:
            try:
                conn.recv_more(end)
            except _Timeout:
                break
            conn.take_pending()
        got = bytes(self.transcript[n0:])
        self.log_lines("C: ", got, limit_lines=20)
        self.log(f"-- drained {len(got)} bytes" + (", client closed" if conn.eof else ", client still open"))

    def _do_starttls(self, conn: _Conn, st: Step, cert: str, key: str) -> None:
        if conn.pending():
            self._fail(st, f"client sent {show(conn.take_pending())} before the TLS handshake "
                           f"(data pipelined after STARTTLS)")
        if conn.eof:
            self._fail(st, "client closed the connection instead of starting TLS")
        ctx = self._tls[st.index]
        tls = _TLSSocket(conn.sock, ctx)
        tls.settimeout(conn.budget(time.monotonic() + self.o.step_timeout))
        try:
            tls.do_handshake()
        except (socket.timeout, TimeoutError):
            if time.monotonic() >= self.deadline:
                raise _Watchdog() from None
            self._fail(st, f"TLS handshake timed out after {self.o.step_timeout:g} s")
        except (ssl.SSLError, OSError) as e:
            self._fail(st, f"TLS handshake failed: {e}")
        conn.sock = tls
        self.log(f"-- TLS established ({conn.sock.version()}, {conn.sock.cipher()[0]})")


# --------------------------------------------------------------------------
# Python API
# --------------------------------------------------------------------------


_STDERR = object()  # default log: whatever sys.stderr is at start()


class ScriptedServer:
    """Run a script in a background thread.

    srv = ScriptedServer(script_text, base_dir=None, host="127.0.0.1", port=0,
                         connections=1, timeout=30, step_timeout=10,
                         strict_lines=False, transcript_path=None,
                         data_out_path=None, log=<sys.stderr>)
    (log: a text stream for the C:/S: log, or None for silence)
    port = srv.start()          # raises ScriptError / OSError
    code, transcript, failure = srv.wait()
    """

    def __init__(self, script_text: str, *, base_dir: Optional[str] = None, host: str = "127.0.0.1",
                 port: int = 0, connections: int = 1, timeout: float = DEFAULT_TIMEOUT,
                 step_timeout: float = DEFAULT_STEP_TIMEOUT, strict_lines: bool = False,
                 transcript_path: Optional[str] = None, data_out_path: Optional[str] = None,
                 log=_STDERR):
        self.script_text = script_text
        self.base_dir = base_dir
        self.opts = _Options(host, port, connections, timeout, step_timeout, strict_lines,
                             transcript_path, data_out_path)
        self.log = log
        self.port: Optional[int] = None
        self._runner: Optional[_Runner] = None
        self._thread: Optional[threading.Thread] = None

    @classmethod
    def from_file(cls, path: str, **kw) -> "ScriptedServer":
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
        kw.setdefault("base_dir", os.path.dirname(os.path.abspath(path)))
        return cls(text, **kw)

    def start(self) -> int:
        steps = parse_script(self.script_text, self.base_dir)
        log = sys.stderr if self.log is _STDERR else self.log
        self._runner = _Runner(steps, self.opts, log)
        self.port = self._runner.bind()
        self._thread = threading.Thread(target=self._runner.run, name="scripted-smtp", daemon=True)
        self._thread.start()
        return self.port

    def wait(self, timeout: Optional[float] = None):
        """Return (exit_code, transcript_bytes, failure_message_or_None)."""
        assert self._thread is not None and self._runner is not None, "start() first"
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("scripted server still running")
        r = self._runner
        return r.exit_code, bytes(r.transcript), r.failure

    @property
    def messages(self) -> List[bytes]:
        return list(self._runner.messages) if self._runner else []

    def __enter__(self) -> "ScriptedServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._thread.join()


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


class _ArgParser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 like argparse, but keep the format short
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(EXIT_USAGE)


def main(argv: Optional[List[str]] = None) -> int:
    p = _ArgParser(prog="scripted_server.py", description="Scripted SMTP server for tests.",
                   epilog="Script syntax: run with --syntax.")
    p.add_argument("--script", help="script file")
    p.add_argument("--port", type=int, default=0, help="port (default 0 = pick a free port)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--transcript", help="write every byte received from the client here (raw)")
    p.add_argument("--data-out", help="write the raw DATA content of every message here")
    p.add_argument("--connections", type=int, default=1, help="connections to serve (default 1)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="watchdog seconds (default 30)")
    p.add_argument("--step-timeout", type=float, default=DEFAULT_STEP_TIMEOUT,
                   help="per-read timeout in seconds (default 10)")
    p.add_argument("--strict-lines", action="store_true", help="expect-data fails on lines > 998 octets")
    p.add_argument("--quiet", action="store_true", help="no step log on stderr (failures still printed)")
    p.add_argument("--syntax", action="store_true", help="print the script reference and exit")
    a = p.parse_args(argv)
    if a.syntax:
        sys.stdout.write(__doc__ or "")
        return EXIT_OK
    if not a.script:
        p.error("--script is required")

    try:
        steps = parse_script_file(a.script)
        opts = _Options(a.host, a.port, a.connections, a.timeout, a.step_timeout, a.strict_lines,
                        a.transcript, a.data_out)
        runner = _Runner(steps, opts, None if a.quiet else sys.stderr)
    except ScriptError as e:
        sys.stderr.write(f"script error: {e}\n")
        return EXIT_USAGE
    try:
        port = runner.bind()
    except OSError as e:
        sys.stderr.write(f"cannot listen on {a.host}:{a.port}: {e}\n")
        return EXIT_USAGE

    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()

    def _hard_stop():  # backstop in case something blocks outside the deadline checks
        try:
            sys.stderr.write(f"WATCHDOG: hard stop after {a.timeout:g} s\n")
            sys.stderr.flush()
        finally:
            os._exit(EXIT_WATCHDOG)

    backstop = threading.Timer(a.timeout + 5.0, _hard_stop)
    backstop.daemon = True
    backstop.start()
    code = runner.run()
    backstop.cancel()
    if a.quiet and runner.failure:
        sys.stderr.write(runner.failure + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
