#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc --oauth-token against Postfix + Dovecot's oauth2 passdb of the test
bed (issue 15 item 1; ctest label "postfix"), one case per run:

    postfix_oauth.py --smtpc build/smtpc --case NAME

Cases (the clear-text AUTH port, --allow-insecure-auth, -v every time):
  valid     the valid token with the default mechanism (OAUTHBEARER), with
            --auth XOAUTH2, and from $SMTPC_OAUTH_TOKEN: exit 0, delivered;
            the transcript names the mechanism and redacts the rest
  refused   the expired and the wrong-scope token, each mechanism: exit 3,
            "smtpc: OAuth: status 401 (token rejected)" on stderr, nothing
            delivered
  long      a valid 720-character token (AUTH alone, the response after the
            empty 334), each mechanism: delivered; an unknown one of 720
            characters: refused by Dovecot, exit 3 with the status; the
            response line redacted
  invalid   a token with a space, one over 4096 characters, --oauth-token
            without --user: exit 2, nothing connected
In every case neither the token nor the base64 of any AUTH response that
carries it appears on stdout or stderr. With a library built without the
oauth feature, --oauth-token is exit 2 ("not built") and nothing connects.
Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import tempfile
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402
from postfix_cli import Run, expect, expect_in, nothing_arrives  # noqa: E402


def args(env: Dict[str, str], token: str) -> List[str]:
    d = env["SMTPC_TB_DOMAIN"]
    return ["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_CLEARAUTH"],
            "--allow-insecure-auth", "--user", env["SMTPC_TB_USER"],
            "--from", f"sender@{d}", "--to", f"alice@{d}", "--subject", f"oauth test {token}",
            "--body", "-", "--timeout", "30", "-v"]


def secret_free(bearer: str, user: str, out: str, err: str, what: str) -> None:
    """Neither the token nor the base64 of a response carrying it."""
    responses = [f"user={user}\x01auth=Bearer {bearer}\x01\x01",
                 f"n,a={user},\x01auth=Bearer {bearer}\x01\x01", bearer]
    for text in (out, err):
        if bearer in text:
            testbed.fail(f"{what}: the token is in the output:\n{text}")
        for r in responses:
            if base64.b64encode(r.encode()).decode() in text:
                testbed.fail(f"{what}: the base64 of {r!r} is in the output:\n{text}")


def send(run: Run, env: Dict[str, str], bearer: str, extra: List[str], what: str,
         want: int, via_env: bool = False) -> str:
    token = secrets.token_hex(8)
    before = {"alice": testbed.snapshot(env, "alice")}
    cmd = args(env, token) + extra
    extra_env = {"SMTPC_OAUTH_TOKEN": bearer} if via_env else None
    if not via_env:
        cmd += ["--oauth-token", bearer]
    rc, out, err = run(cmd, stdin=b"Sent with a bearer token.\n", extra_env=extra_env)
    expect(rc, want, err, what)
    secret_free(bearer, env["SMTPC_TB_USER"], out, err, what)
    if want == 0:
        path, _raw = testbed.wait_for_message(env, "alice", token.encode(), before["alice"])
        os.unlink(path)
    else:
        nothing_arrives(env, ["alice"], token.encode(), before, wait=1.0)
    return err


def case_valid(run: Run, env: Dict[str, str]) -> None:
    valid = env["SMTPC_TB_OAUTH_VALID"]
    err = send(run, env, valid, [], "default mechanism", 0)
    expect_in("C: AUTH OAUTHBEARER <redacted>", err, "default mechanism")
    err = send(run, env, valid, ["--auth", "XOAUTH2"], "--auth XOAUTH2", 0)
    expect_in("C: AUTH XOAUTH2 <redacted>", err, "--auth XOAUTH2")
    err = send(run, env, valid, [], "$SMTPC_OAUTH_TOKEN", 0, via_env=True)
    expect_in("C: AUTH OAUTHBEARER <redacted>", err, "$SMTPC_OAUTH_TOKEN")
    if "C: AUTH PLAIN" in err or "C: AUTH LOGIN" in err:
        testbed.fail(f"a password mechanism with a token:\n{err}")


def case_refused(run: Run, env: Dict[str, str]) -> None:
    for kind in ("EXPIRED", "SCOPE"):
        for mech in ("OAUTHBEARER", "XOAUTH2"):
            what = f"{kind.lower()} token, {mech}"
            err = send(run, env, env[f"SMTPC_TB_OAUTH_{kind}"], ["--auth", mech], what, 3)
            expect_in("smtpc: auth: authentication failed", err.lower(), what)
            expect_in("smtpc: OAuth: status 401 (token rejected)", err, what)
            expect_in("C: <redacted>", err, what)   # the answer to the error challenge


def case_long(run: Run, env: Dict[str, str]) -> None:
    valid = env["SMTPC_TB_OAUTH_LONG"]
    if len(valid) != 720:
        testbed.fail(f"the test bed's long token has {len(valid)} characters, not 720")
    for mech in ("OAUTHBEARER", "XOAUTH2"):
        err = send(run, env, valid, ["--auth", mech], f"valid, 720 characters, {mech}", 0)
        expect_in(f"C: AUTH {mech} <redacted>\nS: 334 \nC: <redacted>\nS: 235 ", err, mech)
    long = "L" * 720
    for mech in ("OAUTHBEARER", "XOAUTH2"):
        err = send(run, env, long, ["--auth", mech], f"720 characters, {mech}", 3)
        expect_in(f"C: AUTH {mech} <redacted>\nS: 334 \nC: <redacted>\n", err, mech)
        expect_in("smtpc: OAuth: status 401 (token rejected)", err, mech)


def case_invalid(run: Run, env: Dict[str, str]) -> None:
    d = env["SMTPC_TB_DOMAIN"]
    for bearer in ("has space", "t" * 4097, "tok\x01en"):
        err = send(run, env, bearer, [], f"invalid token {bearer[:10]!r}", 2)
        if "S: 220" in err or "C: EHLO" in err:
            testbed.fail(f"connected for an invalid token:\n{err}")
    rc, _out, err = run(["--server", env["SMTPC_TB_HOST"], "--from", f"s@{d}", "--to", f"a@{d}",
                         "--subject", "x", "--body", "-", "--oauth-token", "tok", "-v"], stdin=b"x\n")
    expect(rc, 2, err, "--oauth-token without --user")
    expect_in("--oauth-token needs --user", err, "--oauth-token without --user")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--case", required=True, choices=["valid", "refused", "long", "invalid"])
    a = p.parse_args()
    env = testbed.load_env()
    if not env.get("SMTPC_TB_OAUTH_VALID"):
        testbed.fail("the test bed has no OAuth tokens (SMTPC_TB_OAUTH_*): restart it")
    with tempfile.TemporaryDirectory(prefix="postfix_oauth.") as tmp:
        os.makedirs(os.path.join(tmp, ".config"))
        run = Run(a.smtpc, tmp)
        features = run(["--version"])[1].split("cargo features: ", 1)[-1].split(";", 1)[0]
        if "oauth" in features:
            globals()["case_" + a.case](run, env)
        else:
            expect_in("not built", send(run, env, "tok", [], "no oauth feature", 2).lower(), "no oauth")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
