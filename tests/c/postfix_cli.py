#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc's command line against the real Postfix of the test bed (issue 17;
ctest label "postfix"), one case per run:

    postfix_cli.py --smtpc build/smtpc --case NAME

Cases:
  several_recipients  --to A --to 'B,Name' --cc C: each mailbox gets the
                      message once, To names both, Cc the third
  to_address_list     --to 'A,B' (B an address): exit 2, nothing arrives
  exit_temporary      the only recipient gets 450: exit 75 (EX_TEMPFAIL)
  exit_permanent      the only recipient gets 550: exit 3
  exit_mixed          550 and 452, nothing delivered: exit 75 (one is temporary)
  exit_partial        alice accepted, temp450 rejected: exit 1, alice gets it
  exit_sender         MAIL FROM rejected with 553: exit 3
  starttls_hint_auth  submission port in clear with --user: exit 3, the last
                      line names host:port and says "use --tls starttls";
                      with --tls starttls the same command delivers (exit 0)
  dsn_success         --dsn-notify/--dsn-ret/--dsn-envid/--dsn-required: the
                      mail and Postfix's success report quoting the ENVID
  batch               --batch with 20 message files over one connection, one
                      refused (its only recipient gets 550) and one partial:
                      a line per file on standard output, exit 3 (the first
                      failure), every other copy delivered, the refused one
                      nowhere, one EHLO and one QUIT in the transcript and one
                      Postfix connection that carried 20 MAIL commands
  batch_starttls      --batch with STARTTLS + AUTH PLAIN on the submission
                      port: one handshake and one AUTH for five mails
  batch_refused       --batch without files, with '-', a missing file, a file
                      that is no message, with --body: exit 2 each, nothing
                      connected
  round_trips_starttls  STARTTLS + AUTH PLAIN on the submission port through
                      tests/rtt_proxy.py: at most 8 round trips counted by the
                      server, greeting and TLS handshake included (issue 14)
  starttls_hint_mail  submission port in clear without --user (530 at MAIL):
                      exit 3 and the same hint
  config_account      --config FILE --account NAME: server, port, tls, cafile,
                      user, password, from, helo from the account (STARTTLS +
                      AUTH on the submission port); the delivered mail checked
  config_default      no --config: $XDG_CONFIG_HOME/smtpc/config, else
                      ~/.config/smtpc/config, else ~/.smtpc.conf; its account
                      "default" is used without --account
  config_override     command-line --port and --from win over the account's
  config_password_command  password-command in a 0644 file: delivered; a
                      failing command: exit 2, FILE:LINE, no connection
  config_permissions  a password in a group- or world-readable file: exit 2,
                      FILE:LINE of the password, no connection
  config_errors       unknown key, missing account, bad port, bad tls, twice
                      the same key, unclosed quote, missing file: each exit 2
                      with exactly one line "smtpc: config: FILE[:LINE]: ...",
                      no connection
  read_envelope       -t: a message with To (display names, quoted comma),
                      Cc, a folded Bcc, CRLF and LF line ends and a leading
                      dot goes to all four mailboxes; every copy is the
                      message byte for byte without the Bcc field (line ends
                      LF, as Postfix stores them), plus Date and Message-ID
                      at the end of the header, in the library's formats
  read_envelope_kept  -t with Date and Message-ID given: nothing is added;
                      --to on the command line wins over the header (only
                      that mailbox gets it), the Bcc field is still removed
  read_envelope_8bit  -t with UTF-8 in the header and body: BODY=8BITMIME in
                      the transcript, the copy identical byte for byte
  read_envelope_smtputf8  -t with a UTF-8 sender address: SMTPUTF8 in MAIL FROM
                      and delivered; to the port without SMTPUTF8 exit 3 and
                      no MAIL sent
  read_envelope_refused  -t with a line of 999 octets, without a header,
                      without recipients, with a name that is no address,
                      with --subject or --attach: exit 2 each, one
                      diagnostic, no connection

Every case runs smtpc with HOME and XDG_CONFIG_HOME pointing to an empty
temporary directory, so that no configuration file of the machine applies.
Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

BODY = "Hello from the smtpc command-line tests.\n"


class Run:
    """One smtpc invocation with a private HOME; output kept for reports."""

    def __init__(self, smtpc: str, home: str):
        self.smtpc = smtpc
        self.home = home

    def __call__(self, args: List[str], stdin: bytes = b"", extra_env: Optional[Dict[str, str]] = None,
                 timeout: float = 120.0) -> Tuple[int, str, str]:
        env = dict(os.environ)
        env.pop("SMTPC_PASS", None)
        env["HOME"] = self.home
        env["XDG_CONFIG_HOME"] = os.path.join(self.home, ".config")
        if extra_env:
            env.update(extra_env)
        try:
            p = subprocess.run([self.smtpc] + args, input=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            testbed.fail(f"smtpc {' '.join(args)} did not end within {timeout:g} s")
            raise AssertionError  # not reached
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expect(rc: int, want: int, err: str, what: str) -> None:
    if rc != want:
        testbed.fail(f"{what}: exit status {rc}, expected {want}\n--- stderr:\n{err}")


def expect_in(needle: str, hay: str, what: str) -> None:
    if needle not in hay:
        testbed.fail(f"{what}: {needle!r} not in:\n{hay}")


def nothing_arrives(env: Dict[str, str], users: List[str], token: bytes, before: Dict[str, set],
                    wait: float = 2.0) -> None:
    """No message with token in any of the users' mailboxes within wait seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for u in users:
            d = os.path.join(env["SMTPC_TB_MAILDIR"], u, "new")
            for name in set(os.listdir(d)) - before[u] if os.path.isdir(d) else ():
                with open(os.path.join(d, name), "rb") as f:
                    if token in f.read():
                        testbed.fail(f"a message with {token!r} arrived for {u}")
        time.sleep(0.1)


def base_args(env: Dict[str, str], token: str, port: Optional[str] = None) -> List[str]:
    return ["--server", env["SMTPC_TB_HOST"], "--port", port or env["SMTPC_TB_PORT_PLAIN"],
            "--from", f"sender@{env['SMTPC_TB_DOMAIN']}", "--subject", f"cli test {token}",
            "--timeout", "30"]


# --- cases -------------------------------------------------------------------

def case_several_recipients(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    users = ["alice", "bob", "carol"]
    before = {u: testbed.snapshot(env, u) for u in users}
    rc, _out, err = run(base_args(env, token) + ["--to", f"alice@{d}", "--to", f"bob@{d},Bob Example",
                                                 "--cc", f"carol@{d}"], stdin=BODY.encode())
    expect(rc, 0, err, "three recipients")
    for u in users:
        path, raw = testbed.wait_for_message(env, u, token.encode(), before[u])
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        to = [(a.display_name, a.addr_spec) for a in msg["To"].addresses]
        cc = [a.addr_spec for a in msg["Cc"].addresses]
        if to != [("", f"alice@{d}"), ("Bob Example", f"bob@{d}")] or cc != [f"carol@{d}"]:
            testbed.fail(f"{u}: To {to!r}, Cc {cc!r}")
        os.unlink(path)


def case_to_address_list(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    users = ["alice", "bob"]
    before = {u: testbed.snapshot(env, u) for u in users}
    rc, _out, err = run(base_args(env, token) + ["--to", f"alice@{d},bob@{d}"], stdin=BODY.encode())
    expect(rc, 2, err, "--to A,B")
    expect_in(f"'bob@{d}' is an address, not a display name", err, "--to A,B")
    nothing_arrives(env, users, token.encode(), before)


def _one_rcpt(run: Run, env: Dict[str, str], rcpts: List[str], want: int, last: str,
              sender: str = "sender") -> str:
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    args = base_args(env, token)
    args[args.index("--from") + 1] = f"{sender}@{d}"
    for r in rcpts:
        args += ["--to", f"{r}@{d}"]
    rc, _out, err = run(args, stdin=BODY.encode())
    expect(rc, want, err, f"--to {' --to '.join(rcpts)}")
    line = err.rstrip("\n").rsplit("\n", 1)[-1]
    expect_in(last, line, f"last line for {rcpts}")
    print(f"{rcpts}: exit {rc}: {line}")
    return token


def case_exit_temporary(run: Run, env: Dict[str, str], tmp: str) -> None:
    _one_rcpt(run, env, ["temp450"], 75, "smtpc: rcpt: all recipients rejected: 450 4.2.0")


def case_exit_permanent(run: Run, env: Dict[str, str], tmp: str) -> None:
    _one_rcpt(run, env, ["reject550"], 3, "smtpc: rcpt: all recipients rejected: 550 5.1.1")


def case_exit_mixed(run: Run, env: Dict[str, str], tmp: str) -> None:
    _one_rcpt(run, env, ["reject550", "temp452"], 75, "smtpc: rcpt: all recipients rejected: ")


def case_exit_partial(run: Run, env: Dict[str, str], tmp: str) -> None:
    before = testbed.snapshot(env, "alice")
    token = _one_rcpt(run, env, ["alice", "temp450"], 1, "smtpc: rcpt: accepted for some recipients only")
    path, _raw = testbed.wait_for_message(env, "alice", token.encode(), before)
    os.unlink(path)


def case_exit_sender(run: Run, env: Dict[str, str], tmp: str) -> None:
    _one_rcpt(run, env, ["alice"], 3, "smtpc: mail: sender rejected: 553 5.7.1", sender="rejected-sender")


def _hint(env: Dict[str, str]) -> str:
    return f"({env['SMTPC_TB_HOST']}:{env['SMTPC_TB_PORT_SUBMISSION']} offers STARTTLS: use --tls starttls)"


def case_starttls_hint_auth(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    args = base_args(env, token, env["SMTPC_TB_PORT_SUBMISSION"]) + [
        "--to", f"alice@{d}", "--user", env["SMTPC_TB_USER"]]
    pw = {"SMTPC_PASS": env["SMTPC_TB_PASS"]}
    rc, _out, err = run(args, stdin=BODY.encode(), extra_env=pw)
    expect(rc, 3, err, "submission in clear with --user")
    line = err.rstrip("\n").rsplit("\n", 1)[-1]
    if not (line.startswith("smtpc: auth: ") and line.endswith(_hint(env))):
        testbed.fail(f"last line {line!r}: expected smtpc: auth: ... {_hint(env)}")
    print(f"hint: {line}")
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args + ["--tls", "starttls", "--cafile", env["SMTPC_TB_CA"]], stdin=BODY.encode(),
                        extra_env=pw)
    expect(rc, 0, err, "the same with --tls starttls")
    path, _raw = testbed.wait_for_message(env, "alice", token.encode(), before)
    os.unlink(path)


def case_starttls_hint_mail(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    rc, _out, err = run(base_args(env, token, env["SMTPC_TB_PORT_SUBMISSION"]) + ["--to", f"alice@{d}"],
                        stdin=BODY.encode())
    expect(rc, 3, err, "submission in clear without --user")
    line = err.rstrip("\n").rsplit("\n", 1)[-1]
    if not (line.startswith("smtpc: mail: ") and " 530 " in line and line.endswith(_hint(env))):
        testbed.fail(f"last line {line!r}: expected smtpc: mail: ...530... {_hint(env)}")
    print(f"hint: {line}")


# --- configuration file ---------------------------------------------------------

class Listener:
    """A loopback port that records whether smtpc connected (it must not)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def assert_untouched(self, what: str) -> None:
        self.sock.settimeout(0.2)
        try:
            conn, _ = self.sock.accept()
        except (socket.timeout, BlockingIOError):
            return
        conn.close()
        testbed.fail(f"{what}: smtpc connected although the configuration is bad")

    def close(self) -> None:
        self.sock.close()


def write_config(path: str, text: str, mode: int = 0o600) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def submission_account(env: Dict[str, str], name: str, password_line: Optional[str] = None) -> str:
    d = env["SMTPC_TB_DOMAIN"]
    pw = password_line if password_line is not None else f"password {env['SMTPC_TB_PASS']}"
    return (f"account {name}\n"
            f"server {env['SMTPC_TB_HOST']}\n"
            f"port {env['SMTPC_TB_PORT_SUBMISSION']}\n"
            f"tls starttls-required\n"
            f"cafile {env['SMTPC_TB_CA']}\n"
            f"user {env['SMTPC_TB_USER']}\n"
            f"{pw}\n"
            f"from sender@{d}\n"
            f"helo client-{name}.{d}\n")


def deliver(run: Run, env: Dict[str, str], args: List[str], what: str, user: str = "alice",
            extra_env: Optional[Dict[str, str]] = None) -> Tuple[str, bytes, str]:
    """Runs smtpc with args + --subject/--to; expects exit 0 and the mail; returns (path, raw, stderr)."""
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    before = testbed.snapshot(env, user)
    rc, _out, err = run(args + ["--subject", f"cli test {token}", "--to", f"{user}@{d}", "-v"],
                        stdin=BODY.encode(), extra_env=extra_env)
    expect(rc, 0, err, what)
    path, raw = testbed.wait_for_message(env, user, token.encode(), before)
    os.unlink(path)
    return path, raw, err


def case_config_account(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    cfg = write_config(os.path.join(tmp, "accounts.conf"),
                       "# two accounts\n\ntimeout 30\n\n" + submission_account(env, "other") + "\n"
                       + submission_account(env, "work"))
    _path, raw, err = deliver(run, env, ["--config", cfg, "--account", "work"], "--account work")
    expect_in(f"C: EHLO client-work.{d}", err, "helo from the account")
    expect_in("-- TLS: ", err, "STARTTLS from the account")
    expect_in("C: AUTH PLAIN <redacted>", err, "user and password from the account")
    if env["SMTPC_TB_PASS"] in err:
        testbed.fail("the password appears in the transcript")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg["From"].addresses[0].addr_spec != f"sender@{d}":
        testbed.fail(f"From is {msg['From']!r}")


def case_config_default(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    home = run.home
    # 1. ~/.smtpc.conf alone.
    legacy = write_config(os.path.join(home, ".smtpc.conf"), submission_account(env, "default"))
    _p, _raw, err = deliver(run, env, [], "~/.smtpc.conf")
    expect_in(f"C: EHLO client-default.{d}", err, "~/.smtpc.conf used")
    # 2. $XDG_CONFIG_HOME/smtpc/config wins over it (its helo tells which was read).
    xdg = write_config(os.path.join(home, ".config", "smtpc", "config"),
                       submission_account(env, "default").replace("client-default", "client-xdg"))
    _p, _raw, err = deliver(run, env, [], "$XDG_CONFIG_HOME/smtpc/config")
    expect_in(f"C: EHLO client-xdg.{d}", err, "$XDG_CONFIG_HOME/smtpc/config used")
    # 3. Without XDG_CONFIG_HOME: ~/.config/smtpc/config (the same file here).
    _p, _raw, err = deliver(run, env, [], "~/.config/smtpc/config", extra_env={"XDG_CONFIG_HOME": ""})
    expect_in(f"C: EHLO client-xdg.{d}", err, "~/.config/smtpc/config used")
    os.unlink(xdg)
    os.unlink(legacy)


def case_config_override(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    closed = Listener()
    text = submission_account(env, "work").replace(f"port {env['SMTPC_TB_PORT_SUBMISSION']}",
                                                   f"port {closed.port}")
    cfg = write_config(os.path.join(tmp, "c.conf"), text)
    _p, raw, _err = deliver(run, env, ["--config", cfg, "--account", "work",
                                       "--port", env["SMTPC_TB_PORT_SUBMISSION"],
                                       "--from", f"carol@{d}"], "--port and --from over the account")
    closed.assert_untouched("--port given on the command line")
    closed.close()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg["From"].addresses[0].addr_spec != f"carol@{d}":
        testbed.fail(f"From is {msg['From']!r}, expected the command line's carol@")


def case_config_password_command(run: Run, env: Dict[str, str], tmp: str) -> None:
    pwfile = write_config(os.path.join(tmp, "pw"), env["SMTPC_TB_PASS"] + "\n")
    cfg = write_config(os.path.join(tmp, "c.conf"),
                       submission_account(env, "work", f"password-command cat {pwfile}"), 0o644)
    deliver(run, env, ["--config", cfg, "--account", "work"], "password-command")
    listener = Listener()
    text = (submission_account(env, "bad", "password-command exit 1")
            .replace(f"port {env['SMTPC_TB_PORT_SUBMISSION']}", f"port {listener.port}"))
    cfg = write_config(os.path.join(tmp, "bad.conf"), text)
    rc, _out, err = run(["--config", cfg, "--account", "bad", "--to", "x@example.com"])
    expect(rc, 2, err, "failing password-command")
    expect_in(f"smtpc: config: {cfg}:7: password-command failed (exit status 1)", err, "failing command")
    listener.assert_untouched("failing password-command")


def case_config_permissions(run: Run, env: Dict[str, str], tmp: str) -> None:
    listener = Listener()
    text = submission_account(env, "work").replace(f"port {env['SMTPC_TB_PORT_SUBMISSION']}",
                                                   f"port {listener.port}")
    for mode in (0o640, 0o604):
        cfg = write_config(os.path.join(tmp, f"c{mode:o}.conf"), text, mode)
        rc, _out, err = run(["--config", cfg, "--account", "work", "--to", "x@example.com"])
        expect(rc, 2, err, f"password in a {mode:o} file")
        expect_in(f"smtpc: config: {cfg}:7: a password in a file that group or others can read (mode {mode:o})",
                  err, f"mode {mode:o}")
        if env["SMTPC_TB_PASS"] in err:
            testbed.fail("the password appears in the message")
        listener.assert_untouched(f"mode {mode:o}")


def case_config_errors(run: Run, env: Dict[str, str], tmp: str) -> None:
    listener = Listener()
    good = f"account work\nserver 127.0.0.1\nport {listener.port}\nfrom sender@example.com\n"
    bad = [
        ("unknown key", good + "passwd x\n", "work", ":5: unknown key 'passwd'"),
        ("missing account", good, "play", ": no account 'play'"),
        ("bad port", good + "account play\nport 70000\n", "work", ":6: port: '70000' is not a port number"),
        ("bad tls", good.replace("from", "tls sometimes\nfrom"), "work", ":4: tls: unknown mode 'sometimes'"),
        ("bad timeout", "timeout soon\n" + good, "work", ":1: timeout: 'soon' is not a number of seconds"),
        ("key twice", good + "server 127.0.0.2\n", "work", ":5: server: given twice in this section"),
        ("unclosed quote", good + 'from-name "Sender\n', "work", ":5: from-name: the closing '\"' is missing"),
        ("no value", good + "helo\n", "work", ":5: helo: no value"),
    ]
    for what, text, account, want in bad:
        cfg = write_config(os.path.join(tmp, "bad.conf"), text)
        rc, _out, err = run(["--config", cfg, "--account", account, "--to", "x@example.com"])
        expect(rc, 2, err, what)
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith(f"smtpc: config: {cfg}{want}"):
            testbed.fail(f"{what}: expected one line 'smtpc: config: {cfg}{want}...', got:\n{err}")
        listener.assert_untouched(what)
        print(f"{what}: {lines[0]}")
    missing = os.path.join(tmp, "no-such.conf")
    rc, _out, err = run(["--config", missing, "--to", "x@example.com"])
    expect(rc, 2, err, "missing --config file")
    expect_in(f"smtpc: config: {missing}: No such file or directory", err, "missing --config file")
    rc, _out, err = run(["--account", "work", "--to", "x@example.com"])
    expect(rc, 2, err, "--account without any file")
    expect_in("smtpc: config: --account work: no configuration file", err, "--account without a file")
    listener.close()


# --- -t / --read-envelope-from-message ---------------------------------------

DATE_RE = re.compile(rb"^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     rb"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$")
MSGID_RE = re.compile(rb"^Message-ID: <\d{14}\.[0-9a-f]{16}@[A-Za-z0-9.-]+>$")


def lf(data: bytes) -> bytes:
    """Line ends as the library sends them (CR LF, CR, LF each end a line), stored as LF."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def write_message(tmp: str, name: str, data: bytes) -> str:
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def delivered(env: Dict[str, str], user: str, token: bytes, before: set) -> bytes:
    path, raw = testbed.wait_for_message(env, user, token, before)
    os.unlink(path)
    return testbed.strip_postfix_headers(raw)


def split_added(copy: bytes, header_end: int) -> Tuple[bytes, List[bytes]]:
    """The copy without the fields added after byte header_end, and those fields."""
    rest = copy[header_end:]
    added = []
    while rest.startswith((b"Date: ", b"Message-ID: ")):
        line, rest = rest.split(b"\n", 1)
        added.append(line)
    return copy[:header_end] + rest, added


def case_read_envelope(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"].encode()
    token = ("cli-" + secrets.token_hex(8)).encode()
    users = ["alice", "bob", "carol", "dave"]
    before = {u: testbed.snapshot(env, u) for u in users}
    header = (b"From: Sender Example <sender@" + d + b">\r\n"
              b"To: \"Alice, the first\" <alice@" + d + b">,\r\n\tbob@" + d + b" (Bob)\n"
              b"Subject: raw " + token + b"  two spaces\r\n"
              b"Bcc: carol@" + d + b",\r\n dave@" + d + b"\n"
              b"Cc: Team: carol@" + d + b";\r\n"
              b"X-Kept:  \t odd  spacing\r\n")
    body = b"\r\n.leading dot\nline\twith tab \r\n..\n\nlast line without end"
    path = write_message(tmp, "m.eml", header + body)
    rc, _out, err = run(["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
                         "--timeout", "30", "-t", "--body", path, "-v"])
    expect(rc, 0, err, "-t with To, Cc and Bcc")
    for rcpt in (b"alice", b"bob", b"carol", b"dave"):
        expect_in(f"C: RCPT TO:<{rcpt.decode()}@{d.decode()}>", err, "envelope from the header")
    if err.count("C: RCPT TO:") != 4:
        testbed.fail(f"carol is in Cc and Bcc: one RCPT TO each, got:\n{err}")
    expected = lf(header.replace(b"Bcc: carol@" + d + b",\r\n dave@" + d + b"\n", b"")) + lf(body) + b"\n"
    header_end = len(lf(header)) - len(b"Bcc: carol@" + d + b",\n dave@" + d + b"\n")
    for u in users:
        copy = delivered(env, u, token, before[u])
        if b"Bcc" in copy or b"dave@" in copy:
            testbed.fail(f"{u}: the Bcc field (or its continuation) was delivered:\n{copy.decode()}")
        rest, added = split_added(copy, header_end)
        if rest != expected:
            testbed.fail(f"{u}: the copy differs from the message:\n{rest!r}\n!=\n{expected!r}")
        if len(added) != 2 or not DATE_RE.match(added[0]) or not MSGID_RE.match(added[1]):
            testbed.fail(f"{u}: expected Date and Message-ID added, got {added!r}")
    print("four copies identical to the message without Bcc, Date and Message-ID added")


def case_read_envelope_kept(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"].encode()
    token = ("cli-" + secrets.token_hex(8)).encode()
    users = ["alice", "bob", "erin"]
    before = {u: testbed.snapshot(env, u) for u in users}
    message = (b"Date: Thu, 03 Dec 2026 10:00:00 +0100\n"
               b"Message-ID: <given." + token + b"@example.test>\n"
               b"From: <sender@" + d + b">\nTo: alice@" + d + b"\nBcc: bob@" + d + b"\n"
               b"Subject: kept " + token + b"\n\nbody\n")
    rc, _out, err = run(["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
                         "--timeout", "30", "--to", "erin@" + d.decode(), "-t"], stdin=message)
    expect(rc, 0, err, "-t with --to")
    copy = delivered(env, "erin", token, before["erin"])
    expected = message.replace(b"Bcc: bob@" + d + b"\n", b"")
    if copy != expected:
        testbed.fail(f"the copy differs:\n{copy!r}\n!=\n{expected!r}")
    nothing_arrives(env, ["alice", "bob"], token, before)
    print("Date and Message-ID kept, nothing added; --to wins over the header; Bcc removed")


def case_read_envelope_8bit(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"].encode()
    token = ("cli-" + secrets.token_hex(8)).encode()
    before = {"alice": testbed.snapshot(env, "alice")}
    message = ("Date: Thu, 03 Dec 2026 10:00:00 +0100\r\nMessage-ID: <8bit.%s@example.test>\r\n"
               "From: Jürgen <sender@%s>\r\nTo: Zoë <alice@%s>\r\nSubject: Grüße %s\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\nKäse, Brötchen, 東京\r\n"
               % (token.decode(), d.decode(), d.decode(), token.decode())).encode("utf-8")
    rc, _out, err = run(["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
                         "--timeout", "30", "-t", "-v"], stdin=message)
    expect(rc, 0, err, "8-bit message")
    expect_in("BODY=8BITMIME", err, "8-bit message declared")
    copy = delivered(env, "alice", token, before["alice"])
    if copy != lf(message):
        testbed.fail(f"the 8-bit copy differs:\n{copy!r}\n!=\n{lf(message)!r}")
    print("8-bit message with BODY=8BITMIME, identical byte for byte")


def case_read_envelope_smtputf8(run: Run, env: Dict[str, str], tmp: str) -> None:
    """-t with a UTF-8 sender address: MAIL carries SMTPUTF8 and the copy
    arrives; to the port without SMTPUTF8: exit 3, nothing arrives."""
    d = env["SMTPC_TB_DOMAIN"]
    token = ("cli-" + secrets.token_hex(8)).encode()
    before = {"alice": testbed.snapshot(env, "alice")}
    message = (f"From: J\u00fcrgen <j\u00fcrgen@{d}>\r\nTo: <alice@{d}>\r\nSubject: utf8 "
               f"{token.decode()}\r\n\r\nbody\r\n").encode("utf-8")
    args = ["--server", env["SMTPC_TB_HOST"], "--timeout", "30", "-t", "-v"]
    rc, _out, err = run(args + ["--port", env["SMTPC_TB_PORT_NOSMTPUTF8"]], stdin=message)
    expect(rc, 3, err, "a UTF-8 address to a server without SMTPUTF8")
    expect_in("smtpc: mail: UTF-8 address but the server lacks SMTPUTF8", err, "the diagnostic")
    if "C: MAIL FROM:" in err:
        testbed.fail(f"MAIL was sent to the server without SMTPUTF8:\n{err}")
    rc, _out, err = run(args + ["--port", env["SMTPC_TB_PORT_PLAIN"]], stdin=message)
    expect(rc, 0, err, "a UTF-8 address with SMTPUTF8")
    expect_in(" SMTPUTF8\n", err, "SMTPUTF8 in MAIL FROM")
    copy = delivered(env, "alice", token, before["alice"])
    if ("j\u00fcrgen@" + d).encode("utf-8") not in copy:
        testbed.fail(f"the UTF-8 address did not arrive as sent:\n{copy!r}")
    print("SMTPUTF8 declared and delivered; refused by the server without it, nothing sent")


def case_read_envelope_refused(run: Run, env: Dict[str, str], tmp: str) -> None:
    listener = Listener()
    base = ["--server", "127.0.0.1", "--port", str(listener.port), "--from", "sender@example.com", "-t"]
    good = b"From: <sender@example.com>\nTo: <alice@example.com>\nSubject: x\n\n"
    long_line = good + b"a" * 998 + b"\n" + b"b" * 999 + b"\nend\n"
    dotted = good + b"." + b"c" * 998 + b"\n"
    cases = [
        ("a line of 999 octets", [], long_line, "line 6 of the message is longer than 998 octets"),
        ("a dot line of 998 octets", [], dotted, "line 5 of the message is longer than 998 octets"),
        ("no header", [], b"\nbody only\n", "the message has no header"),
        ("not a header", [], b"hello world\n\nbody\n", "line 1 of the message is not a header field"),
        ("no recipient", [], b"From: <sender@example.com>\nSubject: x\n\nbody\n", "-t: no recipient"),
        ("a name without address", [], b"From: <s@example.com>\nTo: John Smith, Jane Doe\n\nbody\n",
         "'John Smith' in the To field is not an address"),
        ("--subject", ["--subject", "s"], good, "--subject cannot be used with -t"),
        ("--attach", ["--attach", "/dev/null"], good, "--attach cannot be used with -t"),
    ]
    for what, extra, message, want in cases:
        rc, _out, err = run(base + extra, stdin=message)
        expect(rc, 2, err, what)
        lines = err.splitlines()
        if len(lines) != 1 or want not in lines[0]:
            testbed.fail(f"{what}: expected one line with {want!r}, got:\n{err}")
        listener.assert_untouched(what)
        print(f"{what}: {lines[0]}")
    listener.close()


def case_dsn_success(run: Run, env: Dict[str, str], tmp: str) -> None:
    """--dsn-notify success,failure --dsn-envid ID --dsn-ret hdrs: the mail
    arrives, and Postfix's success report reaches the sender quoting the
    ENVID; a bad word is exit 2 before connecting."""
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    before = {u: testbed.snapshot(env, u) for u in ("alice", "sender")}
    args = base_args(env, token) + ["--to", f"alice@{d}", "--dsn-notify", "success,failure",
                                    "--dsn-ret", "hdrs", "--dsn-envid", f"env {token}",
                                    "--dsn-required"]
    rc, _out, err = run(args, stdin=BODY.encode())
    expect(rc, 0, err, "DSN asked for")
    path, _raw = testbed.wait_for_message(env, "alice", token.encode(), before["alice"])
    os.unlink(path)
    path, raw = testbed.wait_for_message(env, "sender", token.encode(), before["sender"])
    expect_in(f"Original-Envelope-Id: env {token}", raw.decode("utf-8", "replace"), "the report")
    expect_in("Action: delivered", raw.decode("utf-8", "replace"), "the report")
    os.unlink(path)
    rc, _out, err = run(base_args(env, token) + ["--to", f"alice@{d}", "--dsn-notify", "always"],
                        stdin=BODY.encode())
    expect(rc, 2, err, "--dsn-notify always")
    expect_in("--dsn-notify: unknown word 'always'", err, "--dsn-notify always")


# --- --batch: several messages over one connection (issue 15) ----------------

def _log_tail(env: Dict[str, str], start: int) -> str:
    """Postfix's log from byte start on."""
    with open(os.path.join(env["SMTPC_TB_DIR"], "log", "postfix.log"), "rb") as f:
        f.seek(start)
        return f.read().decode("utf-8", "replace")


def _log_size(env: Dict[str, str]) -> int:
    return os.path.getsize(os.path.join(env["SMTPC_TB_DIR"], "log", "postfix.log"))


def _wait_log(env: Dict[str, str], start: int, needle: str, what: str, timeout: float = 10.0) -> None:
    """Fails unless a line of Postfix's log after start contains needle within timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in line for line in _log_tail(env, start).splitlines()):
            return
        time.sleep(0.1)
    testbed.fail(f"{what}: no line with {needle!r} in Postfix's log:\n{_log_tail(env, start)[-3000:]}")


def _batch_files(tmp: str, env: Dict[str, str], rcpts: List[str]) -> Tuple[List[str], List[bytes]]:
    """One -t message file per entry of rcpts (a To field each), with its own token."""
    d = env["SMTPC_TB_DOMAIN"]
    paths, tokens = [], []
    for i, to in enumerate(rcpts):
        token = ("batch-" + secrets.token_hex(6) + f"-{i:02}").encode()
        msg = (f"From: <sender@{d}>\nTo: {to}\nSubject: ".encode() + token
               + b"\n\nmail " + str(i).encode() + b" of the batch\n.leading dot\n")
        paths.append(write_message(tmp, f"mail{i:02}.eml", msg))
        tokens.append(token)
    return paths, tokens


def case_batch(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    rcpts = [f"alice@{d}"] * 20
    rcpts[5] = f"reject550@{d}"
    rcpts[9] = f"reject550@{d}, bob@{d}"
    paths, tokens = _batch_files(tmp, env, rcpts)
    before = {u: testbed.snapshot(env, u) for u in ("alice", "bob")}
    start = _log_size(env)
    rc, out, err = run(["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
                        "--timeout", "30", "-v", "--batch"] + paths)
    expect(rc, 3, err, "--batch with one refused and one partial mail (the refused one first)")
    want = [f"{p}: " + ("failed" if i == 5 else "partial" if i == 9 else "sent") for i, p in enumerate(paths)]
    if out.splitlines() != want:
        testbed.fail(f"standard output:\n{out}\nexpected:\n" + "\n".join(want))
    expect_in(f"smtpc: {paths[5]}:\nsmtpc: rejected: reject550@{d}: 550 ", err, "the refused file's diagnostic")
    expect_in(f"smtpc: {paths[9]}:\nsmtpc: rejected: reject550@{d}: 550 ", err, "the partial file's diagnostic")
    for word, count in (("C: EHLO ", 1), ("C: QUIT", 1), ("C: MAIL FROM:", 20), ("C: RSET", 1)):
        if err.count(word) != count:
            testbed.fail(f"{word!r} {err.count(word)} times in the transcript, expected {count}:\n{err}")
    for i, token in enumerate(tokens):
        if i == 5:
            continue
        copy = delivered(env, "bob" if i == 9 else "alice", token, before["bob" if i == 9 else "alice"])
        if b"\n.leading dot\n" not in copy:
            testbed.fail(f"mail {i}: the leading dot did not arrive as sent:\n{copy.decode()}")
    nothing_arrives(env, ["alice", "bob"], tokens[5], before, wait=1.0)
    _wait_log(env, start, " mail=20 ", "one connection carried the 20 mails")
    print(f"20 files over one connection: {out.count(': sent')} sent, one partial, one refused")


def case_batch_starttls(run: Run, env: Dict[str, str], tmp: str) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    paths, tokens = _batch_files(tmp, env, [f"alice@{d}"] * 5)
    before = testbed.snapshot(env, "alice")
    rc, out, err = run(["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_SUBMISSION"],
                        "--tls", "starttls-required", "--cafile", env["SMTPC_TB_CA"],
                        "--user", env["SMTPC_TB_USER"], "--timeout", "30", "-v", "--batch"] + paths,
                       extra_env={"SMTPC_PASS": env["SMTPC_TB_PASS"]})
    expect(rc, 0, err, "--batch over STARTTLS with AUTH")
    if out.splitlines() != [f"{p}: sent" for p in paths]:
        testbed.fail(f"standard output:\n{out}")
    for word, count in (("-- TLS: ", 1), ("C: STARTTLS", 1), ("C: AUTH ", 1), ("C: MAIL FROM:", 5)):
        if err.count(word) != count:
            testbed.fail(f"{word!r} {err.count(word)} times in the transcript, expected {count}:\n{err}")
    for token in tokens:
        delivered(env, "alice", token, before)
    print("five mails, one handshake, one AUTH")


def case_batch_refused(run: Run, env: Dict[str, str], tmp: str) -> None:
    listener = Listener()
    base = ["--server", "127.0.0.1", "--port", str(listener.port), "--timeout", "5"]
    good = write_message(tmp, "good.eml", b"From: <sender@example.com>\nTo: <alice@example.com>\n\nbody\n")
    bad = write_message(tmp, "bad.eml", b"hello world\n\nbody\n")
    missing = os.path.join(tmp, "missing.eml")
    cases = [
        ("no files", [], "--batch needs at least one message file"),
        ("standard input", [good, "-"], "'-' is not allowed"),
        ("a missing file", [good, missing], f"--batch {missing}: No such file or directory"),
        ("no message", [good, bad], f"--batch {bad}: the message above was refused"),
        ("--body", ["--body", good, good], "--body cannot be used with --batch"),
    ]
    for what, files, want in cases:
        rc, out, err = run(base + ["--batch"] + files)
        expect(rc, 2, err, what)
        expect_in(want, err, what)
        if out:
            testbed.fail(f"{what}: standard output is not empty:\n{out}")
        listener.assert_untouched(what)
        print(f"{what}: {err.splitlines()[-1]}")
    listener.close()


def _counted(port: str, delay_ms: int, run_client) -> Tuple[int, str]:
    """Runs run_client(proxy_port) through tests/rtt_proxy.py in front of
    port; returns the round trips the proxy counted (greeting included) and
    the client's bytes in clear up to STARTTLS."""
    proxy = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "rtt_proxy.py"),
                              "--upstream", port, "--delay-ms", str(delay_ms)],
                             stdout=subprocess.PIPE, text=True)
    try:
        first = proxy.stdout.readline().split()
        if first[:1] != ["listening"]:
            testbed.fail(f"rtt_proxy.py: {first!r}")
        run_client(first[1])
        done = proxy.stdout.readline().split()
    finally:
        proxy.kill()
        proxy.wait()
    if done[:2] != ["done", "1"]:
        testbed.fail(f"rtt_proxy.py: {done!r}")
    clear = bytes.fromhex("".join(done[3].split(",")))
    return int(done[2]), clear[:clear.find(b"STARTTLS")].decode("latin-1")


def case_round_trips_starttls(run: Run, env: Dict[str, str], tmp: str) -> None:
    """Issue 14: one mail with STARTTLS and AUTH PLAIN on the submission
    port (PIPELINING and CHUNKING offered after TLS) takes at most 8 round
    trips counted by the server, greeting and TLS 1.2 handshake included:
    greeting, EHLO, STARTTLS, the handshake (2), EHLO, AUTH, then the
    envelope, the BDAT chunk and QUIT in one group."""
    d = env["SMTPC_TB_DOMAIN"]
    token = "cli-" + secrets.token_hex(8)
    before = testbed.snapshot(env, "alice")
    pw = {"SMTPC_PASS": env["SMTPC_TB_PASS"]}

    def client(port: str) -> None:
        args = base_args(env, token, port) + [
            "--to", f"alice@{d}", "--user", env["SMTPC_TB_USER"],
            "--tls", "starttls", "--cafile", env["SMTPC_TB_CA"]]
        rc, _out, err = run(args, stdin=BODY.encode(), extra_env=pw)
        expect(rc, 0, err, "STARTTLS through the counting proxy")

    trips, clear = _counted(env["SMTPC_TB_PORT_SUBMISSION"], 30, client)
    print(f"round trips with STARTTLS (greeting included): {trips}")
    if not clear.startswith("EHLO "):
        testbed.fail(f"before STARTTLS: {clear!r}")
    if trips > 8:
        testbed.fail(f"{trips} round trips with STARTTLS, at most 8 wanted")
    path, _raw = testbed.wait_for_message(env, "alice", token.encode(), before)
    os.unlink(path)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--case", required=True, choices=sorted(CASES))
    a = p.parse_args()
    env = testbed.load_env()
    with tempfile.TemporaryDirectory(prefix="postfix_cli.") as tmp:
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(home, ".config"))
        CASES[a.case](Run(a.smtpc, home), env, tmp)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
