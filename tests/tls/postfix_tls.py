#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc's TLS against the real Postfix of the test bed (ctest label "postfix").

    postfix_tls.py --smtpc build/smtpc --case CASE

Every run goes through tests/tls/strip_starttls_proxy.py, which records the
bytes smtpc sends, so each case can say what went over the wire in clear.

Cases:
  submission          STARTTLS required + AUTH on the submission port (AUTH
                      is offered only after TLS): delivered; nothing but
                      EHLO/STARTTLS in clear; the delivered message equals,
                      byte for byte, what smtpc sent (its -v transcript)
  implicit            implicit TLS on the smtps port, verified against
                      --tls-name mail.ip-smtpc.test: delivered, identical;
                      every byte on the wire is a TLS record
  wrong_name          --tls-name wrong.example (STARTTLS and implicit):
                      exit 3, "host name" class, no application data and
                      nothing in clear after the handshake attempt
  untrusted_ca        a throw-away CA made here as --cafile (STARTTLS and
                      implicit): exit 3, "not trusted" class, as above
  strip_required      the proxy removes STARTTLS from the EHLO reply:
                      --tls starttls-required sends EHLO and QUIT only; the
                      password never appears
  strip_opportunistic --tls starttls with credentials, no STARTTLS offered,
                      without --allow-insecure-auth: exit 3, no AUTH, no
                      MAIL, no password (server offering AUTH in clear, and
                      the plain port whose AUTH needs TLS)
  refuse_454          the proxy answers STARTTLS with 454: starttls-required
                      exits 3 ("STARTTLS refused") after QUIT only; plain
                      starttls continues in clear and delivers

Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import subprocess
import sys
import tempfile
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "c"))
import testbed  # noqa: E402
from strip_starttls_proxy import Proxy  # noqa: E402

TLS_HANDSHAKE, TLS_ALERT, TLS_CCS, TLS_APPDATA = 22, 21, 20, 23

BODY = ("Message over TLS.\n"
        ".\n"
        "..two dots\n"
        "Grüße · Ελληνικά · 日本語 · 🔐\n"
        "End.\n")

failures: List[str] = []


def check(cond: bool, msg: str) -> None:
    if not cond:
        failures.append(msg)


def tls_records(data: bytes) -> List[int]:
    """Content types of the TLS records data consists of; raises ValueError
    when it is not a sequence of whole TLS records (e.g. clear text)."""
    types = []
    i = 0
    while i < len(data):
        if len(data) - i < 5:
            raise ValueError(f"{len(data) - i} stray bytes at offset {i}")
        ctype, major, length = data[i], data[i + 1], int.from_bytes(data[i + 3:i + 5], "big")
        if ctype not in (TLS_CCS, TLS_ALERT, TLS_HANDSHAKE, TLS_APPDATA) or major != 3 or length > 18432:
            raise ValueError(f"not a TLS record at offset {i}: {data[i:i + 16]!r}")
        if i + 5 + length > len(data):
            raise ValueError(f"truncated TLS record at offset {i}")
        types.append(ctype)
        i += 5 + length
    return types


def secrets_of(env: dict) -> List[bytes]:
    user, pw = env["SMTPC_TB_USER"].encode(), env["SMTPC_TB_PASS"].encode()
    return [pw, base64.b64encode(b"\0" + user + b"\0" + pw), base64.b64encode(pw)]


def run(a, env: dict, target_port: str, mode: str, args: List[str], token: str = "",
        tmp: str = "") -> Tuple[int, bytes, bytes]:
    """smtpc -v through the proxy; returns (exit status, stderr, client bytes)."""
    proxy = Proxy(env["SMTPC_TB_HOST"], int(target_port), mode=mode, timeout=60)
    port = proxy.start()
    body = os.path.join(tmp, "body.txt")
    with open(body, "wb") as f:
        f.write(BODY.encode("utf-8"))
    cmd = [a.smtpc, "-v", "--server", "127.0.0.1", "--port", str(port),
           "--from", f"sender@{env['SMTPC_TB_DOMAIN']}", "--to", f"alice@{env['SMTPC_TB_DOMAIN']}",
           "--subject", f"TLS test {token}", "--header", f"X-Test-Token: {token}",
           "--body", body, "--timeout", "30"] + args
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)
    client, _server = proxy.wait()
    if proxy.error:
        failures.append(f"proxy: {proxy.error}")
    return proc.returncode, proc.stderr, client


def last_line(stderr: bytes) -> str:
    lines = [l for l in stderr.decode("utf-8", "replace").splitlines() if l.startswith("smtpc: ")]
    return lines[-1] if lines else ""


def split_starttls(client: bytes) -> Tuple[bytes, bytes]:
    """(clear text through "STARTTLS\\r\\n", the rest)."""
    i = client.find(b"STARTTLS\r\n")
    if i < 0:
        failures.append("the client never sent STARTTLS")
        return client, b""
    return client[:i + 10], client[i + 10:]


def check_no_secrets(env: dict, client: bytes, what: str) -> None:
    for s in secrets_of(env):
        check(s not in client, f"{what}: the password (or its base64 form {s[:12]!r}...) went over the wire")


def check_delivered(env: dict, token: str, before, stderr: bytes, attachment: bytes, what: str) -> None:
    path, raw = testbed.wait_for_message(env, "alice", token.encode(), before)
    delivered = testbed.strip_postfix_headers(raw)
    sent = testbed.transcript_message(stderr)
    if delivered != sent:
        n = next((i for i in range(min(len(sent), len(delivered))) if sent[i] != delivered[i]),
                 min(len(sent), len(delivered)))
        failures.append(f"{what}: delivered message differs from what smtpc sent at byte {n}: "
                        f"sent {sent[n:n + 60]!r}, delivered {delivered[n:n + 60]!r} ({path})")
    else:
        print(f"{what}: delivered message identical to the {len(sent)} bytes sent")
    check(base64.b64encode(attachment)[:60] in raw, f"{what}: attachment content missing")


def make_attachment(tmp: str) -> Tuple[str, bytes]:
    data = os.urandom(3000)
    path = os.path.join(tmp, "data.bin")
    with open(path, "wb") as f:
        f.write(data)
    return path, data


def case_submission(a, env, tmp) -> None:
    token = "tls-sub-" + secrets.token_hex(6)
    att, data = make_attachment(tmp)
    before = testbed.snapshot(env, "alice")
    rc, err, client = run(a, env, env["SMTPC_TB_PORT_SUBMISSION"], "relay",
                          ["--tls", "starttls-required", "--cafile", env["SMTPC_TB_CA"],
                           "--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"],
                           "--attach", att], token, tmp)
    check(rc == 0, f"exit status {rc}, expected 0: {last_line(err)}")
    text = err.decode("utf-8", "replace")
    tls_at = text.find("\n-- TLS: ")
    check(tls_at > 0, "no '-- TLS:' line in the transcript")
    before_tls, after_tls = text[:tls_at], text[tls_at:]
    check("C: STARTTLS" in before_tls, "STARTTLS not sent before the handshake")
    check("AUTH" not in before_tls, "AUTH offered or sent before TLS")
    check("S: 250-AUTH" in after_tls, "AUTH not offered after TLS")
    check("C: AUTH PLAIN <redacted>" in after_tls, "no AUTH after TLS")
    clear, rest = split_starttls(client)
    check(clear.startswith(b"EHLO ") and clear.count(b"\r\n") == 2,
          f"clear text before TLS is not just EHLO + STARTTLS: {clear!r}")
    try:
        types = tls_records(rest)
        check(TLS_APPDATA in types, "no TLS application data after the handshake")
    except ValueError as e:
        failures.append(f"bytes after STARTTLS are not TLS: {e}")
    check_no_secrets(env, client, "submission")
    if rc == 0:
        check_delivered(env, token, before, err, data, "submission")


def case_implicit(a, env, tmp) -> None:
    token = "tls-imp-" + secrets.token_hex(6)
    att, data = make_attachment(tmp)
    before = testbed.snapshot(env, "alice")
    rc, err, client = run(a, env, env["SMTPC_TB_PORT_SMTPS"], "relay",
                          ["--tls", "implicit", "--cafile", env["SMTPC_TB_CA"],
                           "--tls-name", "mail.ip-smtpc.test",
                           "--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"],
                           "--attach", att], token, tmp)
    check(rc == 0, f"exit status {rc}, expected 0: {last_line(err)}")
    check(b"-- TLS: " in err and b"certificate verified for mail.ip-smtpc.test" in err,
          "no verified TLS session in the transcript")
    check(err.find(b"-- TLS: ") < err.find(b"S: 220 "), "the greeting came before the handshake")
    try:
        types = tls_records(client)
        check(types[:1] == [TLS_HANDSHAKE] and TLS_APPDATA in types,
              f"unexpected TLS record sequence {types[:8]}")
    except ValueError as e:
        failures.append(f"implicit TLS: clear text on the wire: {e}")
    check_no_secrets(env, client, "implicit")
    if rc == 0:
        check_delivered(env, token, before, err, data, "implicit")


def _refused_runs(a, env, tmp, extra: List[str], class_text: str, what: str) -> None:
    auth = ["--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"]]
    for mode, port in (("starttls-required", env["SMTPC_TB_PORT_SUBMISSION"]),
                       ("implicit", env["SMTPC_TB_PORT_SMTPS"])):
        rc, err, client = run(a, env, port, "relay", ["--tls", mode] + extra + auth, "refused", tmp)
        line = last_line(err)
        check(rc == 3, f"{what}/{mode}: exit status {rc}, expected 3: {line}")
        check(class_text in line, f"{what}/{mode}: the error line does not say {class_text!r}: {line}")
        if mode == "starttls-required":
            clear, rest = split_starttls(client)
            check(b"AUTH" not in clear and b"MAIL" not in clear, f"{what}/{mode}: AUTH or MAIL in clear")
        else:
            rest = client
        try:
            types = tls_records(rest)
            check(types and set(types) <= {TLS_HANDSHAKE, TLS_ALERT},
                  f"{what}/{mode}: records other than handshake/alert after the handshake attempt: {types}")
        except ValueError as e:
            failures.append(f"{what}/{mode}: clear text after the handshake attempt: {e}")
        after = err.split(b"C: STARTTLS\n", 1)[-1] if mode == "starttls-required" else err
        check(b"C: " not in after, f"{what}/{mode}: commands after the failed handshake")
        check_no_secrets(env, client, f"{what}/{mode}")
        print(f"{what}/{mode}: refused: {line}")


def case_wrong_name(a, env, tmp) -> None:
    _refused_runs(a, env, tmp, ["--cafile", env["SMTPC_TB_CA"], "--tls-name", "wrong.example"],
                  "does not match the host name", "wrong_name")


def case_untrusted_ca(a, env, tmp) -> None:
    key, ca = os.path.join(tmp, "other-ca.key"), os.path.join(tmp, "other-ca.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", ca, "-days", "1", "-subj", "/CN=ip-smtpc throw-away CA"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        testbed.fail(f"openssl could not make a CA: {r.stdout.decode(errors='replace')}")
    _refused_runs(a, env, tmp, ["--cafile", ca], "not trusted", "untrusted_ca")


def _client_lines(client: bytes) -> List[bytes]:
    return [l.split(b" ", 1)[0].upper() for l in client.split(b"\r\n") if l]


def case_strip_required(a, env, tmp) -> None:
    rc, err, client = run(a, env, env["SMTPC_TB_PORT_PLAIN"], "strip",
                          ["--tls", "starttls-required", "--cafile", env["SMTPC_TB_CA"],
                           "--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"]], "strip", tmp)
    line = last_line(err)
    check(rc == 3, f"exit status {rc}, expected 3: {line}")
    check("TLS required but not available" in line, f"unexpected error line: {line}")
    check(b"S: 250-STARTTLS" not in err, "the proxy did not strip STARTTLS")
    check(_client_lines(client) == [b"EHLO", b"QUIT"], f"client sent {client!r}, expected EHLO and QUIT only")
    check_no_secrets(env, client, "strip_required")
    print(f"strip_required: {line}; client sent {client!r}")


def case_strip_opportunistic(a, env, tmp) -> None:
    for port, expected in ((env["SMTPC_TB_PORT_CLEARAUTH"], "AUTH refused on a connection without TLS"),
                           (env["SMTPC_TB_PORT_PLAIN"], "no allowed AUTH mechanism offered")):
        rc, err, client = run(a, env, port, "strip",
                              ["--tls", "starttls", "--cafile", env["SMTPC_TB_CA"],
                               "--user", env["SMTPC_TB_USER"], "--pass", env["SMTPC_TB_PASS"]], "strip", tmp)
        line = last_line(err)
        check(rc == 3, f"port {port}: exit status {rc}, expected 3: {line}")
        check(expected in line, f"port {port}: error line {line!r} does not say {expected!r}")
        check(_client_lines(client) == [b"EHLO", b"QUIT"],
              f"port {port}: client sent {client!r}, expected EHLO and QUIT only")
        check_no_secrets(env, client, f"strip_opportunistic/{port}")
        print(f"strip_opportunistic/{port}: {line}")


def case_refuse_454(a, env, tmp) -> None:
    rc, err, client = run(a, env, env["SMTPC_TB_PORT_PLAIN"], "refuse",
                          ["--tls", "starttls-required", "--cafile", env["SMTPC_TB_CA"]], "refuse", tmp)
    line = last_line(err)
    check(rc == 75, f"starttls-required: exit status {rc}, expected 75 (a 4xx: temporary): {line}")
    check("STARTTLS refused" in line and ": 454 " in line, f"starttls-required: error line {line!r}")
    check(_client_lines(client) == [b"EHLO", b"STARTTLS", b"QUIT"],
          f"starttls-required: client sent {client!r}, expected EHLO, STARTTLS, QUIT")
    print(f"refuse_454/starttls-required: {line}")
    token = "tls-454-" + secrets.token_hex(6)
    before = testbed.snapshot(env, "alice")
    rc, err, client = run(a, env, env["SMTPC_TB_PORT_PLAIN"], "refuse",
                          ["--tls", "starttls", "--cafile", env["SMTPC_TB_CA"]], token, tmp)
    check(rc == 0, f"starttls (opportunistic): exit status {rc}, expected 0: {last_line(err)}")
    check(b"MAIL FROM:" in client, "starttls (opportunistic): did not continue in clear")
    if rc == 0:
        testbed.wait_for_message(env, "alice", token.encode(), before)
        print("refuse_454/starttls: continued in clear and delivered")


CASES = {
    "submission": case_submission,
    "implicit": case_implicit,
    "wrong_name": case_wrong_name,
    "untrusted_ca": case_untrusted_ca,
    "strip_required": case_strip_required,
    "strip_opportunistic": case_strip_opportunistic,
    "refuse_454": case_refuse_454,
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--case", required=True, choices=sorted(CASES))
    a = p.parse_args()
    env = testbed.load_env()
    with tempfile.TemporaryDirectory(prefix="postfix_tls.") as tmp:
        CASES[a.case](a, env, tmp)
    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
