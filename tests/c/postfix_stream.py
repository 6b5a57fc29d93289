#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""smtpc with bodies too large to read whole, against the real Postfix of the
test bed (issue 14, "bulk"; ctest label "postfix"), one case per run:

    postfix_stream.py --smtpc build/smtpc --case NAME [--maxrss build/maxrss]
                      [--sndbuf-shim build/libsmtpc_small_sndbuf.so]

smtpc reads at most 512 KiB of a body before connecting; the rest of a
longer one is streamed from the file or pipe while sending.

Cases:
  body_qp      --body FILE of 3 MiB (over the 512 KiB smtpc reads, and over
               every buffer): lines starting with "." and "..", UTF-8 lines,
               a line of 3,000 octets, CR LF, LF and bare CR line ends, a line
               of trailing spaces, "=" signs. It arrives quoted-printable (a
               streamed text, the library cannot scan it first) and decodes to
               the file's text exactly (its line ends as LF, as stored)
  body_small   --body FILE of 100 KiB with UTF-8 and dot lines: read whole,
               it goes 8bit, byte for byte (not quoted-printable)
  t_file       -t FILE, a 3 MiB message: the copy is the message byte for
               byte (LF line ends, without its Bcc field, Date and Message-ID
               added), BODY=8BITMIME for its UTF-8; its -v transcript shows
               a content line "AUTH PLAIN ..." as it is (content, not redacted)
  t_stdin      the same message through a pipe (standard input)
  t_long_line  -t FILE with a line of 999 octets after the first 512 KiB:
               found while streaming, exit 2 with one diagnostic, nothing
               arrives (the transfer stops before the final dot)
  rss          peak RSS (tests/c/maxrss) of --body and of -t with a 4 MiB and
               a 20 MiB body: the difference stays under 1 MiB (streamed);
               both 20 MiB mails arrive whole
  small_sndbuf -t FILE of 3 MiB with a 4 KiB socket send buffer
               (tests/c/small_sndbuf.c, LD_PRELOAD): send() answers EAGAIN
               (counted by the shim: the POSIX port's poll-after-EAGAIN path
               ran) and the copy is still the message byte for byte

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
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402
from postfix_cli import Run, delivered, expect, expect_in, lf, nothing_arrives, split_added  # noqa: E402

MiB = 1024 * 1024
RSS_LIMIT_KIB = 1024


def text_lines(size: int, seed: int, longest: int = 3000) -> bytes:
    """About `size` bytes of text lines that test every path of the encoders,
    one kind of line `longest` octets long."""
    rnd = seed
    kinds = [
        b"a plain line of text, the quick brown fox jumps over the lazy dog %d\r\n",
        b".a line starting with a dot %d\n",
        b"..two dots %d\r\n",
        b".\r\n",
        "Grüße aus Köln · Ελληνικά · 日本語 %d\n".encode("utf-8"),
        b"x=1 and y=2, 100%% sure %d\r",
        b"trailing spaces %d   \r\n",
        b"-- not a boundary %d\r\n",
        b"\ttab at the start %d\n",
        b"%d" + b"L" * longest + b"\r\n",
    ]
    out: List[bytes] = []
    total = n = 0
    while total < size:
        rnd = (rnd * 1103515245 + 12345) & 0x7FFFFFFF
        k = kinds[rnd % len(kinds)]
        line = k % n if b"%d" in k else k
        out.append(line)
        total += len(line)
        n += 1
    return b"".join(out)


def write(tmp: str, name: str, data: bytes) -> str:
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def args_for(env: Dict[str, str], token: str, subject: bool = True) -> List[str]:
    d = env["SMTPC_TB_DOMAIN"]
    a = ["--server", env["SMTPC_TB_HOST"], "--port", env["SMTPC_TB_PORT_PLAIN"],
         "--from", f"sender@{d}", "--to", f"alice@{d}", "--timeout", "60"]
    return a + (["--subject", f"stream test {token}"] if subject else [])


def message(env: Dict[str, str], token: str, size: int) -> Tuple[bytes, int]:
    """A complete message for -t (8-bit body) and where its header ends (the
    copy's offset at which the Date and Message-ID fields are added)."""
    d = env["SMTPC_TB_DOMAIN"]
    head = (f"From: Sender <sender@{d}>\r\nTo: Alice <alice@{d}>\r\nBcc: bob@{d}\r\n"
            f"Subject: stream test {token}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n").encode()
    body = b"\r\nAUTH PLAIN not-a-secret\r\n" + text_lines(size, 7, longest=900)
    visible = head.replace(f"Bcc: bob@{d}\r\n".encode(), b"")
    return head + body, len(lf(visible))


def check_t_copy(env: Dict[str, str], token: str, msg: bytes, header_end: int, before: set) -> None:
    copy = delivered(env, "alice", token.encode(), before)
    d = env["SMTPC_TB_DOMAIN"]
    want = lf(msg.replace(f"Bcc: bob@{d}\r\n".encode(), b""))
    rest, added = split_added(copy, header_end)
    if [a.split(b":")[0] for a in added] != [b"Date", b"Message-ID"]:
        testbed.fail(f"added fields {added!r}, expected Date and Message-ID")
    if rest != want:
        at = next((i for i in range(min(len(rest), len(want))) if rest[i] != want[i]), min(len(rest), len(want)))
        testbed.fail(f"the copy ({len(rest)} bytes) differs from the message ({len(want)} bytes) "
                     f"at byte {at}: {rest[at - 40:at + 40]!r} != {want[at - 40:at + 40]!r}")
    print(f"{len(msg)} bytes: the copy is the message byte for byte, {b', '.join(added)[:60]!r}...")


# --- cases -------------------------------------------------------------------

def case_body_qp(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    token = "stream-" + secrets.token_hex(8)
    text = text_lines(3 * MiB, 1)
    path = write(tmp, "body.txt", text)
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args_for(env, token) + ["--body", path])
    expect(rc, 0, err, "--body 3 MiB")
    copy = delivered(env, "alice", token.encode(), before)
    msg = email.message_from_bytes(copy, policy=email.policy.default)
    cte = msg["Content-Transfer-Encoding"]
    if cte != "quoted-printable":
        testbed.fail(f"Content-Transfer-Encoding {cte!r}, expected quoted-printable (streamed)")
    got = msg.get_payload(decode=True)
    want = lf(text)
    if got != want:
        at = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))
        testbed.fail(f"decoded text ({len(got)} bytes) differs from the file's ({len(want)} bytes) at "
                     f"byte {at}: {got[at - 40:at + 40]!r} != {want[at - 40:at + 40]!r}")
    longest = max(len(line) for line in copy.split(b"\n"))
    if longest > 78:
        testbed.fail(f"a line of {longest} octets on the wire (quoted-printable keeps them at 76)")
    print(f"{len(text)} bytes streamed, quoted-printable, decoded identical; longest line {longest}")


def case_body_small(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    token = "stream-" + secrets.token_hex(8)
    text = text_lines(100 * 1024, 2, longest=900)
    path = write(tmp, "body.txt", text)
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args_for(env, token) + ["--body", path])
    expect(rc, 0, err, "--body 100 KiB")
    copy = delivered(env, "alice", token.encode(), before)
    head, _, body = copy.partition(b"\n\n")
    expect_in("Content-Transfer-Encoding: 8bit", head.decode("utf-8", "replace"), "a body read whole")
    if body != lf(text):
        testbed.fail(f"the 8bit body ({len(body)} bytes) differs from the file ({len(text)} bytes)")
    print(f"{len(text)} bytes read whole, 8bit, byte for byte")


def case_t_file(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    token = "stream-" + secrets.token_hex(8)
    msg, header_end = message(env, token, 3 * MiB)
    path = write(tmp, "message.eml", msg)
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args_for(env, token, subject=False) + ["-t", "--body", path, "-v"])
    expect(rc, 0, err, "-t FILE of 3 MiB")
    expect_in("BODY=8BITMIME", err, "a streamed message")
    # The transcript shows the content as content after the pipelined
    # replies (no AUTH redaction inside the message).
    expect_in("\nC: AUTH PLAIN not-a-secret\n", err, "the transcript of the content")
    check_t_copy(env, token, msg, header_end, before)


def case_t_stdin(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    token = "stream-" + secrets.token_hex(8)
    msg, header_end = message(env, token, 3 * MiB)
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args_for(env, token, subject=False) + ["-t"], stdin=msg)
    expect(rc, 0, err, "-t from a pipe, 3 MiB")
    check_t_copy(env, token, msg, header_end, before)


def case_t_long_line(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    token = "stream-" + secrets.token_hex(8)
    msg, _ = message(env, token, 1 * MiB)
    msg += b"y" * 999 + b"\r\nthe end\r\n"          # past the 512 KiB read before connecting
    path = write(tmp, "message.eml", msg)
    before = {"alice": testbed.snapshot(env, "alice")}
    rc, _out, err = run(args_for(env, token, subject=False) + ["-t", "--body", path])
    expect(rc, 2, err, "-t with a line of 999 octets after the first 512 KiB")
    lines = err.splitlines()
    want = "after its first 524288 octets is longer than 998 octets"
    if len(lines) != 1 or want not in lines[0]:
        testbed.fail(f"expected one line with {want!r}, got:\n{err}")
    nothing_arrives(env, ["alice"], token.encode(), before)
    print(lines[0])


def case_rss(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    if not a.maxrss:
        testbed.fail("--maxrss is required for this case")
    failures = []
    for mode in ("--body", "-t"):
        rss = {}
        for mib in (4, 20):
            token = "stream-" + secrets.token_hex(8)
            if mode == "-t":
                data, _ = message(env, token, mib * MiB)
                extra = ["-t"]
            else:
                data = text_lines(mib * MiB, 3)
                extra = []
            path = write(tmp, f"big{mib}.txt", data)
            before = testbed.snapshot(env, "alice")
            cmd = [run.smtpc] + args_for(env, token, subject=(mode == "--body")) + extra + ["--body", path]
            rc, _out, err, rss[mib] = testbed.run_measured(cmd, a.maxrss)
            if rc != 0:
                testbed.fail(f"smtpc {mode} {mib} MiB: exit status {rc}\n{err.decode('utf-8', 'replace')}")
            p, raw = testbed.wait_for_message(env, "alice", token.encode(), before, timeout=120)
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            want = lf(data).partition(b"\n\n")[2] if mode == "-t" else lf(data)
            if msg.get_payload(decode=True) != want:
                failures.append(f"{mode} {mib} MiB: the body arrived different ({len(raw)} bytes)")
            os.unlink(p)
            os.unlink(path)
        diff = rss[20] - rss[4]
        print(f"smtpc {mode}: peak RSS {rss[4]} KiB with 4 MiB, {rss[20]} KiB with 20 MiB, "
              f"difference {diff} KiB (limit {RSS_LIMIT_KIB} KiB)")
        if diff >= RSS_LIMIT_KIB:
            failures.append(f"{mode}: peak RSS grew by {diff} KiB from a 4 MiB to a 20 MiB body")
    if failures:
        testbed.fail("\n".join(failures))


def case_small_sndbuf(run: Run, env: Dict[str, str], tmp: str, a: argparse.Namespace) -> None:
    if not a.sndbuf_shim:
        testbed.fail("--sndbuf-shim is required for this case")
    token = "stream-" + secrets.token_hex(8)
    msg, header_end = message(env, token, 3 * MiB)
    path = write(tmp, "message.eml", msg)
    report = os.path.join(tmp, "eagain")
    extra_env = {
        "LD_PRELOAD": a.sndbuf_shim,
        "SMALL_SNDBUF_BYTES": "2048",
        "SMALL_SNDBUF_REPORT": report,
        # ASan wants to be first among the libraries; the shim only wraps libc.
        "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":"),
    }
    before = testbed.snapshot(env, "alice")
    rc, _out, err = run(args_for(env, token, subject=False) + ["-t", "--body", path], extra_env=extra_env)
    expect(rc, 0, err, "-t FILE of 3 MiB with a 4 KiB send buffer")
    try:
        with open(report, "r", encoding="ascii") as f:
            full = int(f.read().strip())
    except (OSError, ValueError) as e:
        testbed.fail(f"the shim wrote no count ({e}): was it preloaded?")
        raise AssertionError  # not reached
    if full == 0:
        testbed.fail("send() never answered EAGAIN: the socket-full path was not exercised")
    print(f"send() answered EAGAIN {full} times")
    check_t_copy(env, token, msg, header_end, before)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smtpc", required=True)
    p.add_argument("--case", required=True, choices=sorted(CASES))
    p.add_argument("--maxrss", help="the tests/c/maxrss helper (case rss)")
    p.add_argument("--sndbuf-shim", help="tests/c/small_sndbuf.c built as a shared library (case small_sndbuf)")
    a = p.parse_args()
    env = testbed.load_env()
    with tempfile.TemporaryDirectory(prefix="postfix_stream.") as tmp:
        home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(home, ".config"))
        CASES[a.case](Run(a.smtpc, home), env, tmp, a)
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
