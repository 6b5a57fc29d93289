#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The non-blocking API against the real Postfix of the test bed (ctest label
"postfix"): c-examples/nb_poll sends 100 mails concurrently from one thread
over non-blocking sockets and poll().

    postfix_nb.py --nb-poll build/nb_poll --variant plain|every-other|stall

Each mail goes from sender@ to dave@ (To), erin@ (Cc) and reject550@ (Bcc,
refused with 550 5.1.1 at RCPT): every result must be
IP_SMTPC_ERR_PARTIAL_DELIVERY (-100) at step RCPT with the per-entry codes
250 (MAIL) 250 250 550, and dave and erin must each receive all 100 mails
byte for byte as the session sent them (nb_poll's transcript of its DATA,
dot-unstuffed, LF line ends, as Postfix stores it).

Variants: "every-other": every pfSend/pfReceive answers IP_SMTPC_WOULD_BLOCK
on every other call; "stall": mail 37 goes to a server that accepts and never
answers, with ReplyTimeoutMs 3000 (--stall-timeout; tests.cmake gives 60000
under IP_SMTPC_TEST_WRAPPER): it alone ends with IP_SMTPC_ERR_TIMEOUT at step
GREETING, at its deadline (not earlier), while the 99 others end before it
and are delivered.

Exit status: 0 passed, 1 failed, 77 skipped (the test bed is not running).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402

COUNT = 100
STALLED = 37
STALL_TIMEOUT_MS = 3000
LINE = re.compile(r"^mail (\d+) result (-?\d+) step (\d+) accepted (\d+) rejected (\d+) "
                  r"codes (\d+) (\d+) (\d+) (\d+) done (\d+) ms$")


def sent_message(wire: bytes) -> bytes:
    """The message as Postfix stores it, from what the client sent: its
    BDAT chunk (RFC 3030), or what lies between DATA and the final dot,
    dot-unstuffed; LF line ends."""
    bdat = re.search(rb"(?:^|\r\n)BDAT (\d+) LAST\r\n", wire)
    if bdat:
        size = int(bdat.group(1))
        content = wire[bdat.end():bdat.end() + size]
        if len(content) != size or not content.endswith(b"\r\n"):
            testbed.fail("a BDAT chunk cut short in the transcript")
        return content[:-2].replace(b"\r\n", b"\n") + b"\n"
    start = wire.find(b"\r\nDATA\r\n")
    end = wire.rfind(b"\r\n.\r\n")
    if start < 0 or end < start:
        testbed.fail("no DATA ... . nor BDAT in the transcript")
    content = wire[start + len(b"\r\nDATA\r\n"):end]
    lines = [l[1:] if l.startswith(b".") else l for l in content.split(b"\r\n")]
    return b"\n".join(lines) + b"\n"


def collect(env: Dict[str, str], user: str, token: bytes, before: set, want: int,
            timeout: float = 60.0) -> Dict[int, bytes]:
    """index -> delivered bytes of the new messages with the token."""
    d = os.path.join(env["SMTPC_TB_MAILDIR"], user, "new")
    found: Dict[int, bytes] = {}
    seen = set(before)
    pattern = re.compile(rb"Subject: nb " + re.escape(token) + rb" (\d{3})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(found) < want:
        for name in sorted(set(os.listdir(d)) - seen):
            with open(os.path.join(d, name), "rb") as f:
                raw = f.read()
            seen.add(name)
            m = pattern.search(raw)
            if m:
                index = int(m.group(1))
                if index in found:
                    testbed.fail(f"{user}: mail {index} delivered twice")
                found[index] = raw
        time.sleep(0.1)
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nb-poll", required=True)
    ap.add_argument("--variant", choices=["plain", "every-other", "stall"], required=True)
    ap.add_argument("--stall-timeout", type=int, default=STALL_TIMEOUT_MS,
                    help="ReplyTimeoutMs of the stall variant (longer under valgrind)")
    args = ap.parse_args()
    stall_ms = args.stall_timeout
    slack_ms = max(1500, stall_ms // 4)
    env = testbed.load_env()
    token = secrets.token_hex(6).encode()
    before = {u: testbed.snapshot(env, u) for u in ("dave", "erin")}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [args.nb_poll, "--server", f"{env['SMTPC_TB_HOST']}:{env['SMTPC_TB_PORT_PLAIN']}",
               "--count", str(COUNT), "--token", token.decode(),
               "--from", "sender@ip-smtpc.test", "--to", "dave@ip-smtpc.test",
               "--cc", "erin@ip-smtpc.test", "--bcc", "reject550@ip-smtpc.test",
               "--transcripts", tmp]
        if args.variant == "every-other":
            cmd.append("--every-other")
        if args.variant == "stall":
            cmd += ["--stall", str(STALLED), "--timeout", str(stall_ms)]
        p = subprocess.run(cmd, capture_output=True, timeout=240)
        if p.returncode != 0:
            testbed.fail(f"nb_poll exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        results = {}
        for line in p.stdout.decode().splitlines():
            m = LINE.match(line)
            if m:
                results[int(m.group(1))] = [int(x) for x in m.groups()[1:]]
        if sorted(results) != list(range(COUNT)):
            testbed.fail(f"nb_poll reported {len(results)} mails:\n{p.stdout.decode()}")
        stalled = STALLED if args.variant == "stall" else None
        for i, r in results.items():
            if i == stalled:
                if r[:8] != [-23, 2, 0, 0, 0, 0, 0, 0]:
                    testbed.fail(f"stalled mail {i}: {r}")
                if not stall_ms <= r[8] < stall_ms + slack_ms:
                    testbed.fail(f"stalled mail {i} ended after {r[8]} ms, deadline {stall_ms}")
            elif r[:8] != [-100, 7, 2, 1, 250, 250, 250, 550]:
                testbed.fail(f"mail {i}: {r}")
        if stalled is not None:
            last = max(r[8] for i, r in results.items() if i != stalled)
            if last >= results[stalled][8]:
                testbed.fail(f"a good mail ended at {last} ms, after the stalled one")
        expected = {}
        for i in range(COUNT):
            if i == stalled:
                continue
            with open(os.path.join(tmp, f"mail-{i}.txt"), "rb") as f:
                expected[i] = sent_message(f.read())
        if stalled is not None:
            with open(os.path.join(tmp, f"mail-{stalled}.txt"), "rb") as f:
                if f.read() != b"":
                    testbed.fail("the stalled session sent something")
    for user in ("dave", "erin"):
        got = collect(env, user, token, before[user], len(expected))
        if sorted(got) != sorted(expected):
            testbed.fail(f"{user}: {len(got)} of {len(expected)} mails arrived "
                         f"(missing {sorted(set(expected) - set(got))[:10]})")
        for i, raw in got.items():
            if testbed.strip_postfix_headers(raw) != expected[i]:
                testbed.fail(f"{user}: mail {i} differs from what was sent")
        if any(b"reject550" in raw for raw in got.values()):
            testbed.fail(f"{user}: the Bcc address leaked into a header")
    print(f"ok: {len(expected)} mails ({args.variant}) delivered byte for byte to dave and erin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
