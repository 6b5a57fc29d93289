#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc --attach against the real Postfix of the test bed (ctest label "postfix").

    postfix_attachments.py --smtpc build/smtpc --maxrss build/maxrss

1. smtpc sends to alice through port PLAIN: a text body (with a line "." and
   a non-ASCII line), three attachments (0 bytes, 3 bytes, 5 MB of random
   bytes made here), a German/Greek/Japanese/emoji subject and To display
   name. Python's email package (policy=default) parses the delivered file:
   every attachment byte for byte with its file name and type, the body
   text, the decoded Subject and display name, and no raw header line over
   78 characters (unless one address token makes it unavoidable).
2. Peak RSS of smtpc (ru_maxrss from the tests/c/maxrss helper) with a 5 MB and a 20 MB attachment:
   the difference must stay under 1 MiB (smtpc streams the files).

Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import secrets
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402

MiB = 1024 * 1024
RSS_LIMIT_KIB = 1024

BODY = ("Guten Tag,\n"
        "the line after this one is a single dot.\n"
        ".\n"
        "..two dots\n"
        "Grüße aus Köln · Ελληνικά · 日本語 · 🚀\n"
        "End of the text.\n")
SUBJECT = "Prüfung: Größenänderung · Ελληνικά δοκιμή · 日本語のテスト · 🚀📎 {token}"
TO_NAME = "Jürgen Größ · Ελένη Παπαδοπούλου · 山田太郎 🎉"


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return path


def _random_file(path: str, size: int) -> str:
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, MiB)
            f.write(os.urandom(n))
            left -= n
    return path


def _smtpc_cmd(smtpc: str, env: dict, token: str, body: str, attachments: list) -> list:
    cmd = [smtpc, "--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
           "--from", f"sender@{env['SMTPC_TB_DOMAIN']}",
           "--to", f"alice@{env['SMTPC_TB_DOMAIN']},{TO_NAME}",
           "--subject", SUBJECT.format(token=token), "--body", body,
           "--header", f"X-Test-Token: {token}", "--timeout", "120"]
    for a in attachments:
        cmd += ["--attach", a]
    return cmd


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--maxrss", required=True, help="the tests/c/maxrss helper (build/maxrss)")
    a = p.parse_args()
    env = testbed.load_env()
    domain = env["SMTPC_TB_DOMAIN"]
    failures = []

    with tempfile.TemporaryDirectory(prefix="postfix_attachments.") as tmp:
        body = _write(os.path.join(tmp, "body.txt"), BODY.encode("utf-8"))
        files = {
            "empty.dat": (_write(os.path.join(tmp, "empty.dat"), b""), "application/octet-stream", ""),
            "abc.txt": (_write(os.path.join(tmp, "abc.txt"), b"xyz"), "text/plain", ""),
            "random-5m.bin": (_random_file(os.path.join(tmp, "random-5m.bin"), 5 * MiB),
                              "application/x-ip-smtpc-random", ",application/x-ip-smtpc-random"),
        }
        big = _random_file(os.path.join(tmp, "random-20m.bin"), 20 * MiB)

        # --- 1. the message, parsed by Python's email package -------------------
        token = "pfatt-" + secrets.token_hex(8)
        attach_args = [path + suffix for (path, _type, suffix) in files.values()]
        before = testbed.snapshot(env, "alice")
        rc, _out, err, rss_5m = testbed.run_measured(_smtpc_cmd(a.smtpc, env, token, body, attach_args),
                                                     a.maxrss)
        if rc != 0:
            testbed.fail(f"smtpc exit status {rc}\n{err.decode('utf-8', 'replace')}")
        path, raw = testbed.wait_for_message(env, "alice", token.encode(), before)
        msg = email.message_from_bytes(raw, policy=email.policy.default)

        subject = SUBJECT.format(token=token)
        if str(msg["Subject"]) != subject:
            failures.append(f"Subject decodes to {str(msg['Subject'])!r}, sent {subject!r}")
        to = msg["To"].addresses if msg["To"] is not None else ()
        # A display name longer than one encoded word is split into several;
        # policy.default's address parser keeps the folding white space
        # between them (RFC 2047 §6.2: to be ignored), so a name that differs
        # only there is checked again with email.header, which follows the RFC.
        name_ok = len(to) == 1 and to[0].display_name == TO_NAME
        if not name_ok and len(to) == 1 and to[0].display_name.replace(" ", "") == TO_NAME.replace(" ", ""):
            rfc_name = testbed.decode_phrase_rfc2047(testbed.raw_field(testbed.strip_postfix_headers(raw), b"To"))
            name_ok = rfc_name == TO_NAME
            print(f"note: policy.default decodes the To name as {to[0].display_name!r} (white space "
                  f"between encoded words kept); RFC 2047 decoding gives {rfc_name!r}")
        if not name_ok or len(to) != 1 or to[0].addr_spec != f"alice@{domain}":
            failures.append(f"To decodes to {[(x.display_name, x.addr_spec) for x in to]!r}, "
                            f"sent {(TO_NAME, 'alice@' + domain)!r}")
        if msg.get_content_type() != "multipart/mixed":
            failures.append(f"top-level type is {msg.get_content_type()}, expected multipart/mixed")
        text_part = msg.get_body(preferencelist=("plain",))
        text = text_part.get_content() if text_part is not None else None
        # RFC 2046 §5.1.1: the line break before a boundary belongs to the
        # boundary; the library adds one, so the text keeps its last one.
        if text != BODY:
            failures.append(f"body text is {text!r}, sent {BODY!r}")

        got = {}
        for part in msg.iter_attachments():
            got[part.get_filename()] = part
        if sorted(got) != sorted(files):
            failures.append(f"attachments {sorted(got)!r}, expected {sorted(files)!r}")
        for name, (fpath, ctype, _suffix) in files.items():
            part = got.get(name)
            if part is None:
                continue
            with open(fpath, "rb") as f:
                want = f.read()
            data = part.get_payload(decode=True)
            if part.get_content_type() != ctype:
                failures.append(f"{name}: Content-Type {part.get_content_type()}, expected {ctype}")
            if part.get_content_disposition() != "attachment":
                failures.append(f"{name}: Content-Disposition {part.get_content_disposition()!r}")
            if part["Content-Transfer-Encoding"] != "base64":
                failures.append(f"{name}: Content-Transfer-Encoding {part['Content-Transfer-Encoding']!r}")
            if data != want:
                failures.append(f"{name}: {len(data or b'')} bytes arrived, differing from the {len(want)} sent")
        if msg.defects:
            failures.append(f"parser defects: {msg.defects!r}")
        for part in msg.walk():
            if part.defects:
                failures.append(f"parser defects in {part.get_content_type()}: {part.defects!r}")
        long_lines = testbed.long_header_lines(testbed.strip_postfix_headers(raw))
        for line in long_lines:
            failures.append(f"header line of {len(line)} characters: {line[:100]!r}")
        print(f"message {os.path.basename(path)}: {len(raw)} bytes, "
              f"{len(got)} attachments checked, subject and To decoded")

        # --- 2. peak RSS does not grow with the attachment -----------------------
        token20 = "pfatt-" + secrets.token_hex(8)
        attach20 = [files["empty.dat"][0], files["abc.txt"][0], big + ",application/x-ip-smtpc-random"]
        before20 = testbed.snapshot(env, "alice")
        rc, _out, err, rss_20m = testbed.run_measured(_smtpc_cmd(a.smtpc, env, token20, body, attach20),
                                                      a.maxrss)
        if rc != 0:
            testbed.fail(f"smtpc (20 MB) exit status {rc}\n{err.decode('utf-8', 'replace')}")
        path20, _raw20 = testbed.wait_for_message(env, "alice", token20.encode(), before20, timeout=60)
        diff = rss_20m - rss_5m
        print(f"smtpc peak RSS: {rss_5m} KiB with 5 MiB attached, {rss_20m} KiB with 20 MiB attached, "
              f"difference {diff} KiB (limit {RSS_LIMIT_KIB} KiB)")
        if diff >= RSS_LIMIT_KIB:
            failures.append(f"peak RSS grew by {diff} KiB from a 5 MiB to a 20 MiB attachment")

    if failures:
        for f in failures:
            print(f"FAIL: {f}")
        print(f"(delivered message kept: {path})")
        try:
            os.unlink(path20)                 # the 20 MB copy tells nothing more
        except (OSError, NameError):
            pass
        return 1
    # The test bed keeps mail across runs: drop the big messages this test made.
    for p_ in (path, path20):
        try:
            os.unlink(p_)
        except OSError:
            pass
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
