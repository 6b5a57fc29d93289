#!/usr/bin/env python3
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
  starttls_hint_mail  submission port in clear without --user (530 at MAIL):
                      exit 3 and the same hint

Every case runs smtpc with HOME and XDG_CONFIG_HOME pointing to an empty
temporary directory, so that no configuration file of the machine applies.
Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import secrets
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402

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
