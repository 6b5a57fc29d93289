#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Deadlines over TLS against the real Postfix of the test bed (issue 11, item 1;
ctest label "postfix").

    postfix_deadline.py --client smtpc|capi --smtpc build/smtpc
                        --capi build/ip_smtpc_deadline --mode MODE

Each run goes through tests/tls/slow_tls_proxy.py, a proxy without keys that
slows Postfix's TLS bytes down (MODE: handshake-drip, record-drip, delay;
pass is the control), once with STARTTLS on the submission port and once
with implicit TLS on the smtps port. The client is smtpc --timeout 3, or
tests/c/deadline.c calling IP_SMTPC_SendEx with ReplyTimeoutMs 3000,
pfGetTimeMs and pfSetTimeout over the POSIX and mbedTLS ports.

Checked for every slowed run:
  - the client ended within the deadline + the slack (1 s; more under a
    wrapper such as valgrind), measured from its start to its exit;
  - with IP_SMTPC_ERR_TIMEOUT (smtpc: exit 3 and "timeout waiting for the
    server" at the step that was slowed);
  - nothing sent after the failure: from the moment the proxy first held a
    byte back, the client sent nothing at all (drips), or only its own
    handshake records (delay: the second client flight is legitimate),
    never application data, an alert or clear text;
  - the mail never arrived in the Maildir.
The control run (pass) must deliver within the deadline.

Prints the measured time of every run. Exit status: 0 passed, 1 failed,
77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "c"))
import testbed  # noqa: E402
from postfix_tls import TLS_CCS, TLS_HANDSHAKE, tls_records  # noqa: E402
from slow_tls_proxy import SlowTlsProxy  # noqa: E402

TLS_NAME = "mail.ip-smtpc.test"
FLAVOURS = ("starttls", "implicit")

failures: List[str] = []


def check(cond: bool, msg: str) -> None:
    if not cond:
        failures.append(msg)


def expected_step(mode: str, flavour: str) -> Tuple[str, int]:
    """(smtpc's step name, IP_SMTPC_STEP_*) of the wait the proxy slows down."""
    if mode == "record-drip":
        return ("ehlo", 3) if flavour == "starttls" else ("greeting", 2)
    return ("starttls", 4) if flavour == "starttls" else ("tls", 4)


def client_command(a, env: dict, port: int, flavour: str, subject: str) -> List[str]:
    sender, rcpt = f"sender@{env['SMTPC_TB_DOMAIN']}", f"alice@{env['SMTPC_TB_DOMAIN']}"
    if a.client == "capi":
        return [a.capi, "127.0.0.1", str(port), flavour, env["SMTPC_TB_CA"], TLS_NAME,
                env["SMTPC_TB_USER"], env["SMTPC_TB_PASS"], sender, rcpt, subject,
                str(int(a.deadline * 1000))]
    tls = "starttls-required" if flavour == "starttls" else "implicit"
    return [a.smtpc, "--server", "127.0.0.1", "--port", str(port), "--tls", tls,
            "--cafile", env["SMTPC_TB_CA"], "--tls-name", TLS_NAME,
            "--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"],
            "--from", sender, "--to", rcpt, "--subject", subject, "--body", "-",
            "--timeout", str(int(a.deadline))]


def run_client(cmd: List[str], limit: float) -> Tuple[int, str, float]:
    """(exit status, stdout + stderr, seconds from start to exit); -9 when killed at limit."""
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, input=b"Sent under a deadline.\n", stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=limit)
        rc, out = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = -9, (e.stdout or b"") + f"\n(killed after {limit:g} s)".encode()
    return rc, out.decode("utf-8", "replace"), time.monotonic() - start


def check_outcome(a, what: str, flavour: str, rc: int, out: str) -> None:
    name, number = expected_step(a.mode, flavour)
    if a.client == "capi":
        check("timeout=1 " in out and f" step={number} " in out,
              f"{what}: expected IP_SMTPC_ERR_TIMEOUT at step {number}: {out.strip()}")
        return
    line = next((l for l in reversed(out.splitlines()) if l.startswith("smtpc: ")), "")
    # Issue 17: a timeout is a temporary failure (75, EX_TEMPFAIL), and the
    # line names the server and the limit.
    check(rc == 75, f"{what}: exit status {rc}, expected 75: {line or out.strip()[-300:]}")
    check(line.startswith(f"smtpc: {name}: no reply from 127.0.0.1:")
          and line.endswith(f" within {int(a.deadline)} s"),
          f"{what}: error line {line!r}, expected a timeout at step {name}")


def check_nothing_after_stall(a, what: str, proxy: SlowTlsProxy) -> None:
    if proxy.stall_at is None:
        failures.append(f"{what}: the proxy never held a byte back")
        return
    after = proxy.client_bytes_after(proxy.stall_at)
    allowed = {TLS_HANDSHAKE, TLS_CCS} if a.mode == "delay" else set()
    try:
        types = tls_records(after)
    except ValueError as e:
        failures.append(f"{what}: not TLS records after the stall (clear text?): {e}")
        return
    check(set(types) <= allowed,
          f"{what}: the client sent records {types} ({len(after)} bytes) after the proxy held "
          f"the server back; allowed: {sorted(allowed)}")
    print(f"{what}: client sent {len(after)} bytes after the stall began (records {types})")


def run_once(a, env: dict, flavour: str, tokens: List[str]) -> None:
    port = env["SMTPC_TB_PORT_SUBMISSION"] if flavour == "starttls" else env["SMTPC_TB_PORT_SMTPS"]
    token = f"deadline-{a.mode}-{a.client}-{flavour}-{secrets.token_hex(4)}"
    tokens.append(token)
    what = f"{a.mode}/{a.client}/{flavour}"
    proxy = SlowTlsProxy(env["SMTPC_TB_HOST"], int(port), a.mode, flavour,
                         timeout=a.client_timeout + 30)
    proxy_port = proxy.start()
    rc, out, elapsed = run_client(client_command(a, env, proxy_port, flavour, token), a.client_timeout)
    proxy.wait()
    if proxy.error:
        failures.append(f"{what}: proxy: {proxy.error}")
    print(f"{what}: {elapsed:.2f} s, exit {rc}: {out.strip().splitlines()[-1] if out.strip() else ''}")
    limit = a.deadline + a.slack
    if a.mode == "pass":
        check(rc == 0, f"{what}: control run failed (exit {rc}): {out.strip()[-300:]}")
        check(elapsed <= limit, f"{what}: control run took {elapsed:.2f} s > {limit:g} s")
        return
    check(elapsed <= limit, f"{what}: took {elapsed:.2f} s, more than the deadline + slack ({limit:g} s)")
    check_outcome(a, what, flavour, rc, out)
    check_nothing_after_stall(a, what, proxy)


def check_maildir(a, env: dict, tokens: List[str], before) -> None:
    if a.mode == "pass":
        for token in tokens:
            testbed.wait_for_message(env, "alice", token.encode(), before)
        print("pass: every control mail delivered")
        return
    time.sleep(2.0)                      # Postfix delivers a local mail well within this
    d = os.path.join(env["SMTPC_TB_MAILDIR"], "alice", "new")
    arrived = 0
    for name in sorted(set(os.listdir(d)) - before) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            raw = f.read()
        for token in (t for t in tokens if t.encode() in raw):
            failures.append(f"the mail {token} arrived ({name}) although it should have timed out")
            arrived += 1
    print(f"{a.mode}: {arrived} of the {len(tokens)} mails arrived")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--client", required=True, choices=("smtpc", "capi"))
    p.add_argument("--smtpc", help="the smtpc executable (--client smtpc)")
    p.add_argument("--capi", help="the ip_smtpc_deadline executable (--client capi)")
    p.add_argument("--mode", required=True, choices=("handshake-drip", "record-drip", "delay", "pass"))
    p.add_argument("--deadline", type=float, default=3.0, help="seconds (default 3)")
    p.add_argument("--slack", type=float, default=1.0, help="seconds allowed past the deadline (default 1)")
    p.add_argument("--client-timeout", type=float, default=30.0,
                   help="seconds after which a client is killed (default 30)")
    a = p.parse_args()
    if (a.client == "smtpc" and not a.smtpc) or (a.client == "capi" and not a.capi):
        p.error(f"--client {a.client} needs --{a.client}")
    env = testbed.load_env()
    before = testbed.snapshot(env, "alice")
    tokens: List[str] = []
    for flavour in FLAVOURS:
        run_once(a, env, flavour, tokens)
    check_maildir(a, env, tokens, before)
    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
