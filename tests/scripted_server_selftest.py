#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Self-test for tests/scripted_server.py.

Exercises every step type (pass and fail cases) through the command line and
the Python API, using smtplib and raw sockets as the client.

    python3 tests/scripted_server_selftest.py [-v] [NAME_SUBSTRING ...]

Ends with "selftest: N passed, M failed" and exits 0 only if M == 0.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "scripted_server.py")
SCRIPTS = os.path.join(HERE, "scripts")
sys.path.insert(0, HERE)

from scripted_server import ScriptedServer, ScriptError  # noqa: E402

VERBOSE = False
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


class Result:
    rc = None
    stdout = b""
    stderr = ""
    transcript = b""
    data_out = b""
    client_result = None
    client_error = None
    elapsed = 0.0
    port_line = b""

    def __repr__(self):
        return (f"<rc={self.rc} client_error={self.client_error!r} stdout={self.stdout!r}\n"
                f"stderr:\n{self.stderr}>")


def run_cli(script=None, args=(), client=None, script_path=None, files=None, timeout=40):
    """Start the server as a process, run client(port), collect everything."""
    r = Result()
    with tempfile.TemporaryDirectory() as d:
        for name, text in (files or {}).items():
            fp = os.path.join(d, name)
            os.makedirs(os.path.dirname(fp), exist_ok=True)
            with open(fp, "w", encoding="utf-8") as f:
                f.write(text)
        if script is not None:
            script_path = os.path.join(d, "test.smtp")
            with open(script_path, "w", encoding="utf-8") as f:
                f.write(script)
        tpath = os.path.join(d, "transcript.bin")
        dpath = os.path.join(d, "data.bin")
        cmd = [sys.executable, SERVER]
        if script_path is not None:
            cmd += ["--script", script_path]
        cmd += ["--transcript", tpath, "--data-out", dpath, *args]
        errf = open(os.path.join(d, "stderr.txt"), "w+b")
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf)
        try:
            r.port_line = p.stdout.readline()
            if client is not None and r.port_line.startswith(b"PORT "):
                port = int(r.port_line.split()[1])
                try:
                    r.client_result = client(port)
                except Exception as e:  # the client may legitimately fail
                    r.client_error = e
            rest, _ = p.communicate(timeout=timeout)
        except BaseException:
            p.kill()
            p.wait()
            raise
        r.elapsed = time.monotonic() - t0
        r.rc = p.returncode
        r.stdout = r.port_line + rest
        errf.seek(0)
        r.stderr = errf.read().decode("utf-8", "replace")
        errf.close()
        for attr, path in (("transcript", tpath), ("data_out", dpath)):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    setattr(r, attr, f.read())
    if VERBOSE:
        print(r.stderr)
    return r


def run_api(script, client=None, **kw):
    """Run through the Python API; returns (code, transcript, failure, client_result, server)."""
    log = io.StringIO()
    kw.setdefault("log", log)
    srv = ScriptedServer(script, **kw)
    port = srv.start()
    cres = cerr = None
    if client is not None:
        try:
            cres = client(port)
        except Exception as e:
            cerr = e
    code, transcript, failure = srv.wait(60)
    if VERBOSE:
        print(log.getvalue())
    return code, transcript, failure, (cres, cerr), srv


class Raw:
    """Minimal raw-socket client."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes):
        self.s.sendall(data)

    def line(self) -> bytes:
        while b"\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError(self.buf)
            self.buf += d
        i = self.buf.index(b"\n") + 1
        ln, self.buf = self.buf[:i], self.buf[i:]
        return ln

    def reply(self) -> bytes:
        out = b""
        while True:
            ln = self.line()
            out += ln
            if len(ln) >= 4 and ln[3:4] == b" ":
                return out

    def recv_all(self) -> bytes:
        out = self.buf
        self.buf = b""
        while True:
            d = self.s.recv(65536)
            if not d:
                return out
            out += d

    def close(self):
        self.s.close()


def check(cond, msg="check failed", res=None):
    if not cond:
        raise AssertionError(msg + ("" if res is None else f"\n{res!r}"))


def expect_rc(res, rc, *needles):
    check(res.rc == rc, f"exit status {res.rc}, expected {rc}", res)
    for n in needles:
        check(n in res.stderr, f"stderr lacks {n!r}", res)


GREET = 'send "220 test ESMTP\\r\\n"\n'


def greet_and(port, payload: bytes, linger=0.0):
    c = Raw(port)
    c.reply()
    c.send(payload)
    if linger:
        time.sleep(linger)
    return c


def openssl_cert(d):
    if shutil.which("openssl") is None:
        return None
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def client_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --------------------------------------------------------------------------
# CLI basics and example scripts
# --------------------------------------------------------------------------


@test
def happy_script_with_smtplib_port_line_transcript_data_out():
    def client(port):
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
        s.ehlo("client.test")
        check(s.has_extn("pipelining") and s.has_extn("size") and s.has_extn("8bitmime"))
        check("PLAIN" in s.esmtp_features["auth"] and "LOGIN" in s.esmtp_features["auth"])
        refused = s.sendmail("a@x.test", ["b@y.test"], "Subject: hi\r\n\r\n.dot line\r\nbody\r\n")
        s.quit()
        return refused

    r = run_cli(script_path=os.path.join(SCRIPTS, "happy.smtp"), client=client)
    check(re.fullmatch(rb"PORT [0-9]+\n", r.port_line) is not None, "bad PORT line", r)
    check(r.stdout == r.port_line, "stdout has more than the PORT line", r)
    expect_rc(r, 0, "S: 220 mx.example.test", "C: ehlo client.test", "S: 221 bye", "RESULT: pass")
    check(r.client_error is None and r.client_result == {}, "client failed", r)
    check(r.transcript.startswith(b"ehlo client.test\r\nmail FROM:<a@x.test>"), "transcript", r)
    check(r.transcript.endswith(b"body\r\n.\r\nquit\r\n"), "transcript end", r)
    check(r.data_out == b"Subject: hi\r\n\r\n..dot line\r\nbody\r\n.\r\n", f"data-out {r.data_out!r}")


@test
def helo_fallback_script():
    def client(port):
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
        refused = s.sendmail("a@x.test", ["b@y.test"], "Subject: x\r\n\r\nhi\r\n")
        check(not s.does_esmtp, "smtplib should be in HELO mode")
        s.quit()
        return refused

    r = run_cli(script_path=os.path.join(SCRIPTS, "helo_fallback.smtp"), client=client)
    expect_rc(r, 0, "S: 502 5.5.2")
    check(r.client_error is None, "client failed", r)
    check(b"\r\nhelo " in r.transcript, "no HELO in transcript", r)


@test
def rcpt_partial_script():
    def client(port):
        s = smtplib.SMTP("127.0.0.1", port, timeout=10)
        refused = s.sendmail("a@x.test", ["good@y.test", "bad@y.test"], "Subject: x\r\n\r\nhi\r\n")
        s.quit()
        return refused

    r = run_cli(script_path=os.path.join(SCRIPTS, "rcpt_partial.smtp"), client=client)
    expect_rc(r, 0)
    check(r.client_error is None, "client failed", r)
    check(r.client_result == {"bad@y.test": (550, b"5.1.1 no such user")}, f"refused {r.client_result!r}")


@test
def fixed_port_option():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    def client(p):
        check(p == port, f"PORT {p} != {port}")
        greet_and(p, b"QUIT\r\n").close()

    r = run_cli(GREET + 'expect "QUIT"\n', args=["--port", str(port)], client=client)
    check(r.port_line == f"PORT {port}\n".encode(), "port line", r)
    expect_rc(r, 0)


@test
def quiet_option_still_reports_failure():
    r = run_cli(GREET + 'expect "HELO"\n', args=["--quiet"],
                client=lambda p: greet_and(p, b"EHLO x\r\n").close())
    expect_rc(r, 1, 'expected a line starting with "HELO", got "EHLO x"')
    check("S: 220" not in r.stderr, "log not suppressed", r)


@test
def syntax_option():
    p = subprocess.run([sys.executable, SERVER, "--syntax"], capture_output=True, timeout=20)
    check(p.returncode == 0 and b"expect-quit-or-eof" in p.stdout, "syntax output")


# --------------------------------------------------------------------------
# expect / expect-exact
# --------------------------------------------------------------------------


@test
def expect_pass_case_insensitive_and_pipelined():
    script = GREET + '''
expect "EHLO "
send "250 ok\\r\\n"
expect "MAIL FROM:<"
send "250 ok\\r\\n"
expect "RCPT TO:<b@y>"
send "250 ok\\r\\n"
expect "data"
send "354 go\\r\\n"
'''

    def client(port):
        c = greet_and(port, b"ehlo x\r\n")
        c.reply()
        c.send(b"mail from:<a@x>\r\nRCPT TO:<B@Y>\r\nDATA\r\n")  # pipelined in one segment
        replies = [c.reply(), c.reply(), c.reply()]
        c.close()
        return replies

    r = run_cli(script, client=client)
    expect_rc(r, 0, "C: mail from:<a@x>", "C: RCPT TO:<B@Y>")
    check(r.client_result == [b"250 ok\r\n", b"250 ok\r\n", b"354 go\r\n"], "replies", r)


@test
def expect_fail_reports_step_expected_and_got():
    script = GREET + 'expect "EHLO"\nsend "250 ok\\r\\n"\nexpect "MAIL FROM:"\n'

    def client(port):
        c = greet_and(port, b"EHLO x\r\n")
        c.reply()
        c.send(b"RCPT TO:<x@y>\r\n")
        time.sleep(0.2)
        c.close()

    r = run_cli(script, client=client)
    expect_rc(r, 1, "connection 1, step 4 (test.smtp:4", 'expected a line starting with "MAIL FROM:"',
              'got "RCPT TO:<x@y>"')


@test
def expect_bare_lf_fails():
    r = run_cli(GREET + 'expect "EHLO"\n', client=lambda p: greet_and(p, b"EHLO x\n", 0.2).close())
    expect_rc(r, 1, "bare LF", '"EHLO x\\n"')


@test
def expect_bare_lf_allowed_when_expected_contains_lf():
    r = run_cli(GREET + 'expect "EHLO x\\n"\nexpect-exact "QUIT\\r\\n"\n',
                client=lambda p: greet_and(p, b"EHLO x\nQUIT\r\n", 0.2).close())
    expect_rc(r, 0)


@test
def expect_bare_cr_inside_line_fails():
    r = run_cli(GREET + 'expect "MAIL FROM:"\n',
                client=lambda p: greet_and(p, b"MAIL FROM:<a@x>\rRCPT TO:<b@y>\r\n", 0.2).close())
    expect_rc(r, 1, "bare CR")


@test
def expect_exact_pass_and_case_sensitive_fail():
    r = run_cli(GREET + 'expect-exact "EHLO client.test"\n',
                client=lambda p: greet_and(p, b"EHLO client.test\r\n", 0.2).close())
    expect_rc(r, 0)
    r = run_cli(GREET + 'expect-exact "EHLO client.test"\n',
                client=lambda p: greet_and(p, b"ehlo client.test\r\n", 0.2).close())
    expect_rc(r, 1, 'expected exactly "EHLO client.test", got "ehlo client.test"')
    r = run_cli(GREET + 'expect-exact "EHLO client.test"\n',
                client=lambda p: greet_and(p, b"EHLO client.test \r\n", 0.2).close())
    expect_rc(r, 1, 'got "EHLO client.test "')


@test
def expect_fails_on_eof_and_partial_line():
    r = run_cli(GREET + 'expect "EHLO"\n', client=lambda p: greet_and(p, b"").close())
    expect_rc(r, 1, "closed the connection (EOF)")
    r = run_cli(GREET + 'expect "EHLO"\n', client=lambda p: greet_and(p, b"EHL").close())
    expect_rc(r, 1, 'partial line "EHL"')


@test
def expect_step_timeout():
    holder = []

    def client(port):
        c = greet_and(port, b"EHL")
        holder.append(c)  # keep it open and silent

    r = run_cli(GREET + 'expect "EHLO"\n', args=["--step-timeout", "0.5"], client=client)
    for c in holder:
        c.close()
    expect_rc(r, 1, "timed out after 0.5 s", 'received so far: "EHL"')
    check(r.elapsed < 8, f"took {r.elapsed:.1f}s")


# --------------------------------------------------------------------------
# expect-data / data-contains
# --------------------------------------------------------------------------

DATA_SCRIPT = GREET + 'expect "DATA"\nsend "354 go\\r\\n"\nexpect-data\nsend "250 queued\\r\\n"\n'


def data_client(payload: bytes):
    def client(port):
        c = greet_and(port, b"DATA\r\n")
        c.reply()
        c.send(payload)
        try:
            return c.reply()
        except (EOFError, OSError):
            return None
        finally:
            c.close()
    return client


@test
def expect_data_pass_and_api_messages():
    msg = b"Subject: t\r\n\r\nline1\r\n..stuffed\r\n.\r\n"
    script = DATA_SCRIPT + 'data-contains "..stuffed"\ndata-not-contains "Bcc:"\n'
    code, transcript, failure, (cres, cerr), srv = run_api(script, data_client(msg))
    check(code == 0 and failure is None, f"code {code} failure {failure}")
    check(cres == b"250 queued\r\n", f"client got {cres!r} {cerr!r}")
    check(srv.messages == [msg], f"messages {srv.messages!r}")
    check(transcript == b"DATA\r\n" + msg, f"transcript {transcript!r}")


@test
def expect_data_empty_message():
    code, _, failure, _, srv = run_api(DATA_SCRIPT, data_client(b".\r\n"))
    check(code == 0 and srv.messages == [b".\r\n"], f"{code} {failure} {srv.messages!r}")


@test
def expect_data_bare_lf_fails():
    r = run_cli(DATA_SCRIPT, client=data_client(b"Subject: t\r\n\r\nbad line\nmore\r\n.\r\n"))
    expect_rc(r, 1, "bare LF in DATA line 3", '"bad line\\n"')


@test
def expect_data_bare_lf_terminator_fails():
    r = run_cli(DATA_SCRIPT, client=data_client(b"Subject: t\n\n.\n"))
    expect_rc(r, 1, "bare LF in DATA line 1")


@test
def expect_data_bare_cr_fails():
    r = run_cli(DATA_SCRIPT, client=data_client(b"Subject: t\r\n\r\nbad\rline\r\n.\r\n"))
    expect_rc(r, 1, "bare CR in DATA line 3")


@test
def expect_data_long_lines():
    long_msg = b"Subject: t\r\n\r\n" + b"a" * 999 + b"\r\n.\r\n"
    ok_msg = b"Subject: t\r\n\r\n" + b"a" * 998 + b"\r\n.\r\n"
    r = run_cli(DATA_SCRIPT, args=["--strict-lines"], client=data_client(long_msg))
    expect_rc(r, 1, "DATA line 3 is 999 octets long")
    r = run_cli(DATA_SCRIPT, args=["--strict-lines"], client=data_client(ok_msg))
    expect_rc(r, 0)
    r = run_cli(DATA_SCRIPT, client=data_client(long_msg))
    expect_rc(r, 0, "note: DATA line 3 is 999 octets")
    r = run_cli(DATA_SCRIPT.replace("expect-data", "expect-data strict"), client=data_client(long_msg))
    expect_rc(r, 1, "999 octets long")
    r = run_cli(DATA_SCRIPT.replace("expect-data", "expect-data lax"), args=["--strict-lines"],
                client=data_client(long_msg))
    expect_rc(r, 0)


@test
def expect_data_eof_inside_fails():
    def client(port):
        c = greet_and(port, b"DATA\r\n")
        c.reply()
        c.send(b"Subject: t\r\n\r\nno end")
        c.close()

    r = run_cli(DATA_SCRIPT, client=client)
    expect_rc(r, 1, "inside DATA after 2 lines", 'trailing bytes: "no end"')


@test
def expect_bdat_reads_the_chunk_and_refuses_bare_line_ends():
    script = GREET + 'expect-bdat\ndata-contains "\\r\\n.x\\r\\n"\nsend "250 ok\\r\\n"\n'
    chunk = b"Subject: t\r\n\r\n.x\r\nlast\r\n"

    def client_with(payload):
        def client(port):
            c = greet_and(port, payload)
            try:
                return c.reply()
            except (EOFError, OSError):
                return None
            finally:
                c.close()
        return client

    r = run_cli(script, client=client_with(b"BDAT %d LAST\r\n" % len(chunk) + chunk))
    expect_rc(r, 0)
    bare = b"a\nb\r\n"
    r = run_cli(script, client=client_with(b"BDAT %d LAST\r\n" % len(bare) + bare))
    expect_rc(r, 1, "bare LF in the chunk")
    def short_chunk(port):
        greet_and(port, b"BDAT 10 LAST\r\nshort").close()

    r = run_cli(script, client=short_chunk)
    expect_rc(r, 1, "after 5 of 10 octets")
    r = run_cli(script, client=client_with(b"BDAT 5\r\nabcde"))
    expect_rc(r, 1, "expected BDAT <n> LAST")


@test
def expect_data_large_message_and_data_out_multiple():
    big = b"".join(b"line %06d " % i + b"x" * 60 + b"\r\n" for i in range(60000)) + b".\r\n"
    script = GREET + 'expect "DATA"\nsend "354 go\\r\\n"\nexpect-data\nsend "250 ok\\r\\n"\n' \
                     'expect "DATA"\nsend "354 go\\r\\n"\nexpect-data\nsend "250 ok\\r\\n"\n'

    def client(port):
        c = greet_and(port, b"DATA\r\n")
        c.reply()
        c.send(big)
        c.reply()
        c.send(b"DATA\r\n")
        c.reply()
        c.send(b"second\r\n.\r\n")
        c.reply()
        c.close()

    r = run_cli(script, client=client)
    expect_rc(r, 0, "message 2")
    check(r.data_out == big + b"second\r\n.\r\n", "data-out content")
    check(r.elapsed < 15, f"slow: {r.elapsed:.1f}s")


@test
def data_contains_fail():
    r = run_cli(DATA_SCRIPT + 'data-contains "X-Missing"\n', client=data_client(b"Subject: t\r\n\r\nhi\r\n.\r\n"))
    expect_rc(r, 1, 'does not contain "X-Missing"')
    r = run_cli(DATA_SCRIPT + 'data-not-contains "Bcc:"\n', client=data_client(b"Bcc: x\r\n\r\nhi\r\n.\r\n"))
    expect_rc(r, 1, 'contains "Bcc:" at byte offset 0')


# --------------------------------------------------------------------------
# send variants
# --------------------------------------------------------------------------


@test
def send_escapes_and_utf8():
    def client(port):
        c = Raw(port)
        return c.recv_all()

    r = run_cli('send "\\x00\\xff\\t\\\\\\"q\\r\\n"\nsend "h\u00e9"\nsend bare\nclose\n', client=client)
    expect_rc(r, 0)
    check(r.client_result == b'\x00\xff\t\\"q\r\nh\xc3\xa9bare', f"got {r.client_result!r}")


@test
def send_bytewise_arrives_in_pieces():
    text = b"220 bytewise greeting\r\n"

    def client(port):
        c = Raw(port)
        chunks = []
        data = b""
        while not data.endswith(b"\r\n"):
            d = c.s.recv(4096)
            if not d:
                break
            chunks.append(d)
            data += d
        c.close()
        return data, chunks

    r = run_cli('send-bytewise "220 bytewise greeting\\r\\n" 20\n', client=client)
    expect_rc(r, 0, "byte by byte, 20 ms apart")
    data, chunks = r.client_result
    check(data == text, f"data {data!r}")
    check(len(chunks) >= len(text) // 2, f"only {len(chunks)} chunks")
    r = run_cli('send-bytewise "220 x\\r\\n"\nexpect "QUIT"\n',
                client=lambda p: greet_and(p, b"QUIT\r\n", 0.1).close())
    expect_rc(r, 0)


@test
def send_split_first_part_alone():
    def client(port):
        c = Raw(port)
        first = c.s.recv(4096)
        rest = b""
        while not (first + rest).endswith(b"\r\n"):
            rest += c.s.recv(4096)
        c.close()
        return first, rest

    r = run_cli('send-split "250-first\\r\\n250 second\\r\\n" 5 200\n', client=client)
    expect_rc(r, 0, "split after 5 bytes")
    check(r.client_result == (b"250-f", b"irst\r\n250 second\r\n"), f"{r.client_result!r}")


@test
def send_split_out_of_range_is_script_error():
    r = run_cli('send-split "abc" 4\n')
    expect_rc(r, 2, "larger than the text")


@test
def send_repeat_full():
    def client(port):
        c = Raw(port)
        lines = 0
        while True:
            ln = c.line()
            if ln == b"250 end\r\n":
                break
            check(ln == b"250-x\r\n")
            lines += 1
        c.close()
        return lines

    r = run_cli('send-repeat "250-x\\r\\n" 50000\nsend "250 end\\r\\n"\n', client=client)
    expect_rc(r, 0, "[x 50000]")
    check(r.client_result == 50000, f"{r.client_result!r}")


@test
def send_repeat_stops_quietly_when_client_closes():
    def client(port):
        c = Raw(port)
        got = c.s.recv(1000)
        c.close()
        return got

    r = run_cli('send-repeat "250-endless multi-line reply\\r\\n" 100000000\nexpect-eof\n', client=client)
    expect_rc(r, 0, "client closed the connection after")
    check(r.client_result.startswith(b"250-endless"), "client data")
    check(r.elapsed < 10, f"took {r.elapsed:.1f}s")


@test
def send_repeat_client_not_reading_fails():
    holder = []

    def client(port):
        holder.append(Raw(port))  # connect, never read

    r = run_cli('send-repeat "250-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\r\\n" 100000000\n',
                args=["--step-timeout", "0.5"], client=client)
    for c in holder:
        c.close()
    expect_rc(r, 1, "client stopped reading")


@test
def send_slow_stops_quietly_when_client_closes():
    def client(port):
        c = Raw(port)
        got = c.s.recv(1)
        got += c.s.recv(1)
        c.close()
        return got

    r = run_cli('send-slow "220 a very slow greeting\\r\\n" 200\nexpect-eof\n', client=client)
    expect_rc(r, 0, "one byte per 200 ms", "client closed the connection after")
    check(r.client_result == b"22", f"{r.client_result!r}")
    check(r.elapsed < 5, f"took {r.elapsed:.1f}s")


@test
def send_slow_completes():
    def client(port):
        c = Raw(port)
        t0 = time.monotonic()
        ln = c.line()
        dt = time.monotonic() - t0
        c.send(b"QUIT\r\n")
        c.close()
        return ln, dt

    r = run_cli('send-slow "220 ok\\r\\n" 50\nexpect "QUIT"\n', client=client)
    expect_rc(r, 0)
    ln, dt = r.client_result
    check(ln == b"220 ok\r\n" and dt >= 0.25, f"{ln!r} {dt:.2f}")


# --------------------------------------------------------------------------
# eof / silence / quit
# --------------------------------------------------------------------------


@test
def expect_eof_pass_and_fail():
    r = run_cli(GREET + "expect-eof\n", client=lambda p: greet_and(p, b"").close())
    expect_rc(r, 0, "C: <EOF>")
    r = run_cli(GREET + 'expect "QUIT"\nexpect-eof\n',
                client=lambda p: greet_and(p, b"QUIT\r\nRSET\r\n", 0.2).close())
    expect_rc(r, 1, 'expected EOF, but the client sent "RSET\\r\\n" after step 2')
    holder = []
    r = run_cli(GREET + "expect-eof\n", args=["--step-timeout", "0.5"],
                client=lambda p: holder.append(greet_and(p, b"")))
    for c in holder:
        c.close()
    expect_rc(r, 1, "did not close the connection within 0.5 s")


@test
def expect_nothing_pass_fail_and_eof_ok():
    holder = []

    def silent(port):
        c = greet_and(port, b"")
        holder.append(c)
        time.sleep(0.5)
        c.send(b"QUIT\r\n")
        c.close()

    r = run_cli(GREET + 'expect-nothing 300\nexpect "QUIT"\n', client=silent)
    expect_rc(r, 0, "client silent for 300 ms")
    r = run_cli(GREET + "expect-nothing 2000\n", client=lambda p: greet_and(p, b"NOOP\r\n", 0.2).close())
    expect_rc(r, 1, 'expected silence for 2000 ms, but the client sent "NOOP\\r\\n"')
    check(r.elapsed < 2.5 + 1.5, f"took {r.elapsed:.1f}")
    r = run_cli(GREET + "expect-nothing 500\n", client=lambda p: greet_and(p, b"").close())
    expect_rc(r, 0)


@test
def expect_quit_or_eof_variants():
    def quitter(port):
        c = greet_and(port, b"QUIT\r\n")
        rep = c.reply()
        c.close()
        return rep

    r = run_cli(GREET + "expect-quit-or-eof\n", client=quitter)
    expect_rc(r, 0, "S: 221 bye")
    check(r.client_result == b"221 bye\r\n", f"{r.client_result!r}")
    r = run_cli(GREET + "expect-quit-or-eof\n", client=lambda p: greet_and(p, b"").close())
    expect_rc(r, 0, "C: <EOF>")
    r = run_cli(GREET + "expect-quit-or-eof\n", client=lambda p: greet_and(p, b"RSET\r\n", 0.2).close())
    expect_rc(r, 1, 'expected QUIT or EOF, got "RSET"')

    def quit_then_noop(port):
        c = greet_and(port, b"QUIT\r\n")
        c.reply()
        c.send(b"NOOP\r\n")
        time.sleep(0.2)
        c.close()

    r = run_cli(GREET + "expect-quit-or-eof\n", client=quit_then_noop)
    expect_rc(r, 1, 'client sent "NOOP\\r\\n" after QUIT')


# --------------------------------------------------------------------------
# sleep / close / reset / drain
# --------------------------------------------------------------------------


@test
def sleep_step():
    def client(port):
        c = Raw(port)
        c.line()
        t0 = time.monotonic()
        c.line()
        dt = time.monotonic() - t0
        c.close()
        return dt

    r = run_cli('send "a\\r\\n"\nsleep 300\nsend "b\\r\\n"\n', client=client)
    expect_rc(r, 0, "sleep 300 ms")
    check(r.client_result >= 0.25, f"dt {r.client_result:.3f}")


@test
def close_sends_fin():
    def client(port):
        c = Raw(port)
        return c.recv_all()

    r = run_cli(GREET + "close\n", client=client)
    expect_rc(r, 0, "close (FIN)")
    check(r.client_result == b"220 test ESMTP\r\n", f"{r.client_result!r}")


@test
def reset_sends_rst():
    def client(port):
        c = greet_and(port, b"QUIT\r\n")
        try:
            d = c.s.recv(100)
        except ConnectionResetError:
            return "reset"
        return d

    r = run_cli(GREET + 'expect "QUIT"\nreset\n', client=client)
    expect_rc(r, 0, "reset (RST)")
    check(r.client_result == "reset", f"client saw {r.client_result!r}")


@test
def steps_after_close_are_script_error():
    r = run_cli(GREET + 'close\nsend "x"\n')
    expect_rc(r, 2, "unreachable")
    check(r.stdout == b"", "PORT printed for a bad script", r)


@test
def drain_until_eof_and_until_timeout():
    def client(port):
        c = greet_and(port, b"junk 1\r\njunk\n2 no newline")
        time.sleep(0.1)
        c.send(b" more")
        c.close()

    r = run_cli(GREET + "drain\n", client=client)
    expect_rc(r, 0, "drained 30 bytes, client closed")
    check(r.transcript == b"junk 1\r\njunk\n2 no newline more", f"{r.transcript!r}")
    holder = []
    r = run_cli(GREET + "drain\n", args=["--step-timeout", "0.5"],
                client=lambda p: holder.append(greet_and(p, b"x")))
    for c in holder:
        c.close()
    expect_rc(r, 0, "client still open")


# --------------------------------------------------------------------------
# AUTH
# --------------------------------------------------------------------------

AUTH_PLAIN_SCRIPT = GREET + '''
expect "EHLO"
send "250-mx\\r\\n250 AUTH PLAIN\\r\\n"
auth-check-plain "user@x.test" "s3cr\\x00t?"
send "235 2.7.0 ok\\r\\n"
expect-quit-or-eof
'''


@test
def auth_check_plain_pass_and_fail():
    def client_with(password):
        def client(port):
            s = smtplib.SMTP("127.0.0.1", port, timeout=10)
            s.login("user@x.test", password)
            s.quit()
        return client

    r = run_cli(AUTH_PLAIN_SCRIPT, client=client_with("s3cr\x00t?"))
    expect_rc(r, 0)
    check(r.client_error is None, "client", r)
    r = run_cli(AUTH_PLAIN_SCRIPT, client=client_with("wrong"))
    expect_rc(r, 1, 'decode to "\\x00user@x.test\\x00wrong", expected "\\x00user@x.test\\x00s3cr\\x00t?"')
    r = run_cli(AUTH_PLAIN_SCRIPT, client=lambda p: greet_and(p, b"EHLO x\r\nAUTH PLAIN\r\n", 0.2).close())
    expect_rc(r, 1, "expected 'AUTH PLAIN <base64>'")
    r = run_cli(AUTH_PLAIN_SCRIPT, client=lambda p: greet_and(p, b"EHLO x\r\nauth plain !!!\r\n", 0.2).close())
    expect_rc(r, 1, "not valid base64")
    r = run_cli(AUTH_PLAIN_SCRIPT.replace('"s3cr\\x00t?"', '"pw" "admin"'),
                client=lambda p: greet_and(p, b"EHLO x\r\nAUTH PLAIN "
                                           + base64.b64encode(b"admin\0user@x.test\0pw") + b"\r\n", 0.2).close())
    expect_rc(r, 0)


AUTH_LOGIN_SCRIPT = GREET + '''
expect "EHLO"
send "250-mx\\r\\n250 AUTH LOGIN\\r\\n"
expect-exact "AUTH LOGIN"
send "334 VXNlcm5hbWU6\\r\\n"
expect-b64 "user@x.test"
send "334 UGFzc3dvcmQ6\\r\\n"
expect-b64 "pa ss"
send "235 2.7.0 ok\\r\\n"
expect-quit-or-eof
'''


@test
def expect_b64_auth_login_pass_and_fail():
    def client_with(user):
        def client(port):
            s = smtplib.SMTP("127.0.0.1", port, timeout=10)
            s.ehlo("x")
            s.esmtp_features["auth"] = "LOGIN"
            s.login(user, "pa ss", initial_response_ok=False)
            s.quit()
        return client

    r = run_cli(AUTH_LOGIN_SCRIPT, client=client_with("user@x.test"))
    expect_rc(r, 0)
    check(r.client_error is None, "client", r)
    r = run_cli(AUTH_LOGIN_SCRIPT, client=client_with("other"))
    expect_rc(r, 1, 'expected "dXNlckB4LnRlc3Q=" (base64 of "user@x.test"), got "b3RoZXI=" which decodes to "other"')


# --------------------------------------------------------------------------
# STARTTLS
# --------------------------------------------------------------------------


@test
def starttls_with_smtplib():
    d = tempfile.mkdtemp()
    try:
        ck = openssl_cert(d)
        if ck is None:
            print("  (skipped: no openssl binary to make a certificate)")
            return
        script = GREET + f'''
expect "EHLO"
send "250-mx\\r\\n250 STARTTLS\\r\\n"
expect "STARTTLS"
send "220 go ahead\\r\\n"
starttls "{ck[0]}" "{ck[1]}"
expect "EHLO"
send "250 mx\\r\\n"
expect-quit-or-eof
'''

        def client(port):
            s = smtplib.SMTP("127.0.0.1", port, timeout=10)
            s.starttls(context=client_ctx())
            s.ehlo("after.tls")
            s.quit()

        r = run_cli(script, client=client)
        expect_rc(r, 0, "TLS established", "C: ehlo after.tls")
        check(r.client_error is None, "client", r)
        check(r.transcript.endswith(b"STARTTLS\r\nehlo after.tls\r\nquit\r\n"), f"{r.transcript!r}")

        # raw TLS client: QUIT, then wait for the server to close first; the
        # server must send close_notify (clean TLS EOF) and still see our EOF
        def tls_client(mode):
            def client(port):
                c = greet_and(port, b"EHLO x\r\n")
                c.reply()
                c.send(b"STARTTLS\r\n")
                c.reply()
                t = client_ctx().wrap_socket(c.s, suppress_ragged_eofs=False)
                t.sendall(b"EHLO y\r\n")
                t.recv(100)
                t.sendall(b"QUIT\r\n" if mode != "noop" else b"QUIT\r\nNOOP\r\n")
                got = b""
                while True:
                    d = t.recv(100)  # SSLEOFError here would mean no close_notify
                    if not d:
                        break
                    got += d
                if mode == "unwrap":
                    try:
                        t.unwrap()
                    except (ssl.SSLError, OSError):
                        pass
                t.close()
                return got
            return client

        r = run_cli(script, client=tls_client("plain"))
        expect_rc(r, 0, "S: 221 bye")
        check(r.client_result == b"221 bye\r\n", f"{r.client_result!r} {r.client_error!r}")
        r = run_cli(script, client=tls_client("unwrap"))
        expect_rc(r, 0)
        r = run_cli(script, client=tls_client("noop"))
        expect_rc(r, 1, 'client sent "NOOP\\r\\n" after QUIT')

        # close step over TLS: client sees the reply, then a clean TLS EOF
        script_close = script.replace("expect-quit-or-eof", 'send "421 bye\\r\\n"\nclose')
        r = run_cli(script_close, client=tls_client("plain"))
        expect_rc(r, 0, "close (FIN)")
        check(r.client_result.startswith(b"421 bye\r\n"), f"{r.client_result!r} {r.client_error!r}")
        check(r.transcript.endswith(b"STARTTLS\r\nEHLO y\r\nQUIT\r\n"), f"{r.transcript!r}")

        # STARTTLS response-injection style: data pipelined after STARTTLS
        r = run_cli(script, client=lambda p: greet_and(p, b"EHLO x\r\nSTARTTLS\r\nMAIL FROM:<evil>\r\n", 0.3)
                    .close())
        expect_rc(r, 1, 'client sent "MAIL FROM:<evil>\\r\\n" before the TLS handshake')

        # plaintext client that never starts TLS
        r = run_cli(script, client=lambda p: greet_and(p, b"EHLO x\r\nSTARTTLS\r\n", 0.3).close())
        expect_rc(r, 1, "TLS")

        # bad certificate path -> script error before listening
        r = run_cli(GREET + 'starttls "/nonexistent/c.pem" "/nonexistent/k.pem"\n')
        expect_rc(r, 2, "starttls: cannot load")
        check(r.stdout == b"", "no PORT line expected")
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------
# include and script errors
# --------------------------------------------------------------------------


@test
def include_relative_and_cycle():
    files = {
        "common/greet.smtp": 'send "220 included\\r\\n"\ninclude ehlo.smtp\n',
        "common/ehlo.smtp": 'expect "EHLO"\nsend "250 ok\\r\\n"\n',
    }

    def client(port):
        c = Raw(port)
        g = c.reply()
        c.send(b"EHLO x\r\n")
        e = c.reply()
        c.send(b"QUIT\r\n")
        c.close()
        return g, e

    r = run_cli('include common/greet.smtp\nexpect "QUIT"\n', files=files, client=client)
    expect_rc(r, 0, "S: 220 included")
    check(r.client_result == (b"220 included\r\n", b"250 ok\r\n"), f"{r.client_result!r}")
    # step numbers count included steps; locations name the including file
    r = run_cli('include common/greet.smtp\nexpect "QUIT"\n', files=files,
                client=lambda p: greet_and(p, b"EHLO x\r\nQUIX\r\n", 0.2).close())
    expect_rc(r, 1, 'step 4 (test.smtp:2: expect "QUIT")')
    r = run_cli('include common/greet.smtp\n', files=files,
                client=lambda p: greet_and(p, b"HELO x\r\n", 0.2).close())
    expect_rc(r, 1, 'step 2 (ehlo.smtp:1: expect "EHLO")')
    r = run_cli("include a.smtp\n", files={"a.smtp": "include b.smtp\n", "b.smtp": "include a.smtp\n"})
    expect_rc(r, 2, "include cycle")
    r = run_cli("include missing.smtp\n")
    expect_rc(r, 2, "cannot read script")


@test
def script_errors_exit_2_with_line_number():
    cases = [
        ('send "x"\n\nfrobnicate 1\n', "test.smtp:3: unknown step 'frobnicate'"),
        ('# c\nsend "bad \\q escape"\n', "test.smtp:2: unknown escape \\q"),
        ('send "\\xZZ"\n', "test.smtp:1: bad \\x escape"),
        ('send "unterminated\n', "test.smtp:1: unterminated quoted string"),
        ('expect\n', "test.smtp:1: expect: expected 1 argument(s), got 0"),
        ('sleep "100"\n', "test.smtp:1: sleep: argument 1 must be a non-negative integer"),
        ('sleep -5\n', "must be a non-negative integer"),
        ('expect-data maybe\n', "mode must be 'strict' or 'lax'"),
        ('send "a""b"\n', "missing space after closing quote"),
        ('"send" "x"\n', "must start with a step name"),
    ]
    for text, needle in cases:
        r = run_cli(text)
        expect_rc(r, 2, needle)
        check(r.stdout == b"", "PORT printed for a bad script", r)


@test
def comments_blank_lines_and_trailing_comments():
    script = '# header\n\n   \nsend "220 a # not a comment\\r\\n"   # trailing\n  expect "QUIT" # x\n'
    r = run_cli(script, client=lambda p: greet_and(p, b"QUIT\r\n", 0.1).close())
    expect_rc(r, 0, "S: 220 a # not a comment")


@test
def usage_errors_exit_2():
    p = subprocess.run([sys.executable, SERVER], capture_output=True, timeout=20)
    check(p.returncode == 2 and b"--script is required" in p.stderr and p.stdout == b"", f"{p!r}")
    p = subprocess.run([sys.executable, SERVER, "--script", "x", "--bogus"], capture_output=True, timeout=20)
    check(p.returncode == 2, f"{p!r}")
    p = subprocess.run([sys.executable, SERVER, "--script", os.path.join(SCRIPTS, "happy.smtp"),
                        "--connections", "0"], capture_output=True, timeout=20)
    check(p.returncode == 2, f"{p!r}")


# --------------------------------------------------------------------------
# watchdog, connections, transcript
# --------------------------------------------------------------------------


@test
def watchdog_exit_3_idle_client():
    holder = []
    r = run_cli(GREET + 'expect "EHLO"\n', args=["--timeout", "1"],
                client=lambda p: holder.append(greet_and(p, b"")))
    for c in holder:
        c.close()
    expect_rc(r, 3, "WATCHDOG: script not finished within 1 s (connection 1, step 2")
    check(r.elapsed < 4, f"took {r.elapsed:.1f}s")


@test
def watchdog_exit_3_no_client_and_long_sleep():
    r = run_cli(GREET, args=["--timeout", "0.5"])
    expect_rc(r, 3, "waiting for connection 1")
    check(r.elapsed < 4, f"took {r.elapsed:.1f}s")
    holder = []
    r = run_cli(GREET + "sleep 60000\n", args=["--timeout", "0.7"], client=lambda p: holder.append(Raw(p)))
    for c in holder:
        c.close()
    expect_rc(r, 3, "sleep 60000")
    check(r.elapsed < 4, f"took {r.elapsed:.1f}s")


@test
def connections_and_transcript_exact_bytes():
    sent = [b"EHLO one\r\nQUIT\r\n", b"EHLO two\r\nQUIT\r\n", b"EHLO three\nQUIT\r\n"]

    def client(port):
        out = []
        for payload in sent[:2]:
            c = Raw(port)
            c.reply()
            c.send(payload)
            out.append(c.recv_all())
            c.close()
        return out

    script = GREET + 'expect "EHLO"\nsend "250 ok\\r\\n"\nexpect-quit-or-eof\n'
    r = run_cli(script, args=["--connections", "2"], client=client)
    expect_rc(r, 0, "connection 2 from", "pass (2 connection(s))")
    check(r.transcript == sent[0] + sent[1], f"transcript {r.transcript!r}")
    check(r.client_result == [b"250 ok\r\n221 bye\r\n"] * 2, f"{r.client_result!r}")

    def client3(port):
        for payload in sent:
            try:
                c = Raw(port)
                c.reply()
                c.send(payload)
                c.recv_all()
                c.close()
            except OSError:
                break

    r = run_cli(script, args=["--connections", "3"], client=client3)
    expect_rc(r, 1, "connection 3, step 2", "bare LF")
    check(r.transcript.startswith(sent[0] + sent[1] + b"EHLO three\n"), f"transcript {r.transcript!r}")


@test
def api_start_wait_and_errors():
    srv = ScriptedServer(GREET + 'expect "QUIT"\nsend "221 bye\\r\\n"\n', log=io.StringIO())
    port = srv.start()
    check(isinstance(port, int) and port > 0 and srv.port == port)
    c = Raw(port)
    c.reply()
    c.send(b"QUIT\r\n")
    check(c.reply() == b"221 bye\r\n")
    c.close()
    code, transcript, failure = srv.wait(20)
    check((code, transcript, failure) == (0, b"QUIT\r\n", None), f"{code} {transcript!r} {failure}")

    code, transcript, failure, _, _ = run_api(GREET + 'expect "QUIT"\n',
                                              lambda p: greet_and(p, b"HELP\r\n", 0.1).close())
    check(code == 1 and 'got "HELP"' in failure and transcript == b"HELP\r\n", f"{code} {failure}")

    code, _, failure, _, _ = run_api(GREET + 'expect "QUIT"\n', None, timeout=0.5)
    check(code == 3 and "WATCHDOG" in failure, f"{code} {failure}")

    try:
        ScriptedServer("bogus-step\n").start()
    except ScriptError as e:
        check("<script>:1" in str(e), str(e))
    else:
        raise AssertionError("ScriptError not raised")

    with ScriptedServer.from_file(os.path.join(SCRIPTS, "happy.smtp"), log=io.StringIO()) as srv2:
        s = smtplib.SMTP("127.0.0.1", srv2.port, timeout=10)
        s.sendmail("a@x", ["b@y"], "Subject: s\r\n\r\nx\r\n")
        s.quit()
    code, _, failure = srv2.wait()
    check(code == 0 and srv2.messages == [b"Subject: s\r\n\r\nx\r\n.\r\n"], f"{code} {failure} {srv2.messages}")


# --------------------------------------------------------------------------


def main(argv):
    global VERBOSE
    if "-v" in argv:
        VERBOSE = True
        argv = [a for a in argv if a != "-v"]
    selected = [t for t in TESTS if not argv or any(a in t.__name__ for a in argv)]
    passed = failed = 0
    for t in selected:
        t0 = time.monotonic()
        try:
            t()
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__} ({time.monotonic() - t0:.2f}s)")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {t.__name__} ({time.monotonic() - t0:.2f}s)")
        sys.stdout.flush()
    print(f"selftest: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
