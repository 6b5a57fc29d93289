#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc.exe (mingw-w64, Winsock port; c-examples/smtpc/windows/build.sh)
under Wine against the Postfix test bed (issue 17):

    windows_wine.py --exe build-windows/smtpc.exe [--expect-tls]

1. --version: exit 0, versions, the TLS line ("mbed TLS 2.x" with
   --expect-tls, else whatever the build has)
2. a real delivery in clear (port PLAIN): exit 0, the message arrives with
   its From, To, Subject and body
3. with TLS built: STARTTLS on the submission port with AUTH (delivered,
   "-- TLS: ... certificate verified"), implicit TLS on the smtps port
   (delivered), a CA that did not sign the server's certificate (exit 3,
   "server certificate not trusted", nothing sent after the handshake);
   without: --tls starttls gives exit 2, "not built"
4. a closed loopback port: exit 75, "connection refused by 127.0.0.1:PORT"
   (Winsock's error mapped to errno by the port)
5. a recipient answered 450: exit 75
6. an account from --config (a Windows path) with password-command run by
   cmd.exe: AUTH PLAIN in clear on port CLEARAUTH with --allow-insecure-auth,
   delivered

Wine: wine64 from PATH or /usr/lib/wine/wine64; WINEPREFIX defaults to
$TMPDIR/ip-smtpc-wine (created on first use, about 10 s).
Exit status: 0 passed, 1 failed, 77 skipped (test bed, Wine or the .exe missing).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402


def find_wine() -> str:
    for cand in (shutil.which("wine64"), "/usr/lib/wine/wine64", shutil.which("wine")):
        if cand and os.access(cand, os.X_OK):
            return cand
    print("SKIP: Wine is not installed (apt-get install wine64)")
    sys.exit(testbed.SKIP)


class Wine:
    def __init__(self, wine: str, exe: str):
        self.wine = wine
        self.exe = exe
        self.env = dict(os.environ)
        self.env.setdefault("WINEPREFIX", os.path.join(tempfile.gettempdir(), "ip-smtpc-wine"))
        self.env["WINEDEBUG"] = "-all"
        self.env.pop("SMTPC_PASS", None)

    def __call__(self, args: List[str], stdin: bytes = b"Hello from Windows.\n") -> Tuple[int, str, str]:
        try:
            p = subprocess.run([self.wine, self.exe] + args, input=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env, timeout=180)
        except subprocess.TimeoutExpired:
            testbed.fail(f"smtpc.exe {' '.join(args)} did not end within 180 s")
            raise AssertionError  # not reached
        return (p.returncode, p.stdout.decode("utf-8", "replace").replace("\r\n", "\n"),
                p.stderr.decode("utf-8", "replace").replace("\r\n", "\n"))


def last_line(err: str) -> str:
    return err.rstrip("\n").rsplit("\n", 1)[-1]


def expect(rc: int, want: int, err: str, what: str) -> None:
    if rc != want:
        testbed.fail(f"{what}: exit status {rc}, expected {want}\n--- stderr:\n{err}")


def deliver(run: Wine, env: Dict[str, str], args: List[str], what: str) -> str:
    """Delivers to alice with args; checks the message; returns smtpc's stderr."""
    d = env["SMTPC_TB_DOMAIN"]
    token = "wine-" + secrets.token_hex(8)
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args + ["--to", f"alice@{d},Alice Example", "--subject", f"from Wine {token}"])
    expect(rc, 0, err, what)
    path, raw = testbed.wait_for_message(env, "alice", token.encode(), before)
    os.unlink(path)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    to = msg["To"].addresses
    if (str(msg["Subject"]) != f"from Wine {token}" or len(to) != 1 or to[0].addr_spec != f"alice@{d}"
            or to[0].display_name != "Alice Example"
            or msg.get_content().replace("\r\n", "\n") != "Hello from Windows.\n"):
        testbed.fail(f"{what}: the delivered message differs:\n{raw.decode('utf-8', 'replace')}")
    print(f"{what}: delivered, headers and body checked")
    return err


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exe", required=True)
    p.add_argument("--expect-tls", action="store_true", help="fail when smtpc.exe has no TLS")
    a = p.parse_args()
    env = testbed.load_env()
    if not os.path.exists(a.exe):
        print(f"SKIP: {a.exe} is missing (c-examples/smtpc/windows/build.sh)")
        return testbed.SKIP
    run = Wine(find_wine(), a.exe)
    d = env["SMTPC_TB_DOMAIN"]
    host = env["SMTPC_TB_HOST"]

    # 1. --version
    rc, out, err = run(["--version"])
    expect(rc, 0, err, "--version")
    has_tls = "tls: mbed TLS 2." in out
    if not out.startswith("smtpc ") or "library: ip-smtpc " not in out or (a.expect_tls and not has_tls):
        testbed.fail(f"--version printed:\n{out}")
    print("--version: " + out.replace("\n", " | "))

    # 2. delivery in clear
    base = ["--server", host, "--from", f"sender@{d}", "--timeout", "30"]
    deliver(run, env, base + ["--port", env["SMTPC_TB_PORT_PLAIN"]], "delivery in clear")

    # 3. TLS
    if has_tls:
        ca = "Z:" + env["SMTPC_TB_CA"].replace("/", "\\")
        auth = ["--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"]]
        err = deliver(run, env, base + ["--port", env["SMTPC_TB_PORT_SUBMISSION"], "--tls", "starttls-required",
                                        "--cafile", ca, "-v"] + auth, "STARTTLS + AUTH (submission)")
        if "certificate verified for 127.0.0.1" not in err or "C: AUTH PLAIN <redacted>" not in err:
            testbed.fail(f"STARTTLS: no verified TLS session or no AUTH in the transcript:\n{err}")
        deliver(run, env, base + ["--port", env["SMTPC_TB_PORT_SMTPS"], "--tls", "implicit", "--cafile", ca] + auth,
                "implicit TLS (smtps)")
        with tempfile.TemporaryDirectory(prefix="windows_wine.") as tmp:
            other = os.path.join(tmp, "other-ca.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            os.path.join(tmp, "k.pem"), "-out", other, "-days", "1", "-subj", "/CN=other test CA"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rc, _out, err = run(base + ["--port", env["SMTPC_TB_PORT_SUBMISSION"], "--tls", "starttls-required",
                                        "--cafile", "Z:" + other.replace("/", "\\"), "-v", "--to", f"alice@{d}"]
                                + auth)
        expect(rc, 3, err, "untrusted CA")
        if "smtpc: starttls: TLS handshake failed: server certificate not trusted" not in err \
                or "C: AUTH" in err or "C: MAIL" in err:
            testbed.fail(f"untrusted CA: {err}")
        print(f"untrusted CA: {last_line(err)}")
    else:
        rc, _out, err = run(base + ["--port", env["SMTPC_TB_PORT_PLAIN"], "--tls", "starttls", "--to", f"alice@{d}"])
        expect(rc, 2, err, "--tls starttls")
        if "smtpc: --tls: not built into this version" not in err:
            testbed.fail(f"--tls starttls: {err}")
        print("TLS not built: --tls refused (exit 2)")

    # 4. connection refused
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, _out, err = run(["--server", "127.0.0.1", "--port", str(port), "--from", f"sender@{d}",
                         "--to", f"alice@{d}", "--timeout", "10"])
    expect(rc, 75, err, "connection refused")
    if last_line(err) != f"smtpc: connect: connection refused by 127.0.0.1:{port}":
        testbed.fail(f"connection refused: last line {last_line(err)!r}")
    print(f"refused: {last_line(err)}")

    # 5. 450 at RCPT
    rc, _out, err = run(base + ["--port", env["SMTPC_TB_PORT_PLAIN"], "--to", f"temp450@{d}"])
    expect(rc, 75, err, "450 at RCPT")
    print(f"450: {last_line(err)}")

    # 6. an account with password-command (cmd.exe runs it)
    with tempfile.TemporaryDirectory(prefix="windows_wine.") as tmp:
        cfg = os.path.join(tmp, "smtpc.conf")
        with open(cfg, "w", encoding="ascii", newline="\r\n") as f:
            f.write(f"account win\nserver {host}\nport {env['SMTPC_TB_PORT_CLEARAUTH']}\n"
                    f"user {env['SMTPC_TB_USER']}\npassword-command echo {env['SMTPC_TB_PASS']}\n"
                    f"from sender@{d}\n")
        win_cfg = "Z:" + cfg.replace("/", "\\")
        deliver(run, env, ["--config", win_cfg, "--account", "win", "--allow-insecure-auth", "-v"],
                "account with password-command")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
