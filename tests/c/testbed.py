# SPDX-License-Identifier: MIT OR Apache-2.0
"""Helpers for the C tests that run against the Postfix test bed (scripts/testbed).

Used by tests/c/postfix_attachments.py and tests/tls/postfix_tls.py:

    env = load_env()                 # exits with SKIP (77) when the test bed is not running
    before = snapshot(env, "alice")
    rc, out, err, rss_kib = run_measured([smtpc, ...])
    raw = wait_for_message(env, "alice", b"token", before)
    body = strip_postfix_headers(raw)
    sent = transcript_message(err)   # the DATA content from smtpc -v, as delivered (LF, unstuffed)
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Set, Tuple

SKIP = 77  # ctest SKIP_RETURN_CODE

# Fields Postfix prepends on delivery (scripts/testbed/README.md); it adds nothing else.
POSTFIX_FIELDS = (b"return-path", b"x-original-to", b"delivered-to", b"received")


def load_env() -> Dict[str, str]:
    """The SMTPC_TB_* settings; exits with SKIP when the env file is missing."""
    base = os.environ.get("SMTPC_TESTBED_DIR", "/tmp/ip-smtpc-testbed")
    path = os.path.join(base, "env")
    if not os.path.exists(path):
        print(f"SKIP: the Postfix test bed is not running ({path} is missing); "
              f"start it with scripts/testbed/start")
        sys.exit(SKIP)
    env: Dict[str, str] = {}
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("export "):
                continue
            name, _, value = line[len("export "):].partition("=")
            parts = shlex.split(value)
            env[name] = parts[0] if parts else ""
    for name in ("SMTPC_TB_HOST", "SMTPC_TB_PORT_PLAIN", "SMTPC_TB_MAILDIR", "SMTPC_TB_CA",
                 "SMTPC_TB_USER", "SMTPC_TB_PASS", "SMTPC_TB_DOMAIN"):
        if not env.get(name):
            raise SystemExit(f"FAIL: {path} has no {name}")
    return env


def fail(msg: str) -> None:
    print(f"FAIL: {msg}")
    sys.exit(1)


def _new_dir(env: Dict[str, str], user: str) -> str:
    return os.path.join(env["SMTPC_TB_MAILDIR"], user, "new")


def snapshot(env: Dict[str, str], user: str) -> Set[str]:
    """File names in the user's Maildir new/ now (to look at newer ones only)."""
    d = _new_dir(env, user)
    return set(os.listdir(d)) if os.path.isdir(d) else set()


def wait_for_message(env: Dict[str, str], user: str, token: bytes, before: Set[str],
                     timeout: float = 30.0) -> Tuple[str, bytes]:
    """(path, raw bytes) of the new message containing token; fails after timeout."""
    d = _new_dir(env, user)
    seen = set(before)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = sorted(set(os.listdir(d)) - seen) if os.path.isdir(d) else []
        for name in names:
            path = os.path.join(d, name)
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                seen.add(name)
                continue
            if token in raw:
                return path, raw
            seen.add(name)
        time.sleep(0.1)
    fail(f"no message with {token!r} arrived in {d} within {timeout:g} s")
    raise AssertionError  # not reached


def strip_postfix_headers(raw: bytes) -> bytes:
    """The message as the client sent it: without Postfix's leading fields."""
    lines = raw.split(b"\n")
    i = 0
    while i < len(lines):
        name = lines[i].split(b":", 1)[0].strip().lower()
        if name not in POSTFIX_FIELDS:
            break
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\n".join(lines[i:])


_ESC = re.compile(rb"\\x([0-9A-F]{2})")


def transcript_message(stderr: bytes) -> bytes:
    """The message content from smtpc -v's transcript, as Postfix stores it:
    the "C: " lines between "S: 354" and "C: .", unescaped (\\xHH), dot-unstuffed,
    LF line ends. The content must not contain backslashes (smtpc does not
    escape them) or lines longer than 1024 bytes (smtpc truncates those)."""
    lines = stderr.split(b"\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith(b"S: 354"))
    except StopIteration:
        fail("no 354 reply in the transcript")
    out: List[bytes] = []
    for line in lines[start + 1:]:
        if line == b"C: .":
            return b"".join(x + b"\n" for x in out)
        if not line.startswith(b"C: "):
            fail(f"unexpected transcript line inside DATA: {line[:80]!r}")
        text = _ESC.sub(lambda m: bytes([int(m.group(1), 16)]), line[3:])
        out.append(text[1:] if text.startswith(b".") else text)
    fail("the transcript has no end of data")
    raise AssertionError  # not reached


def run_measured(cmd: List[str], maxrss: Optional[str] = None, timeout: float = 300.0
                 ) -> Tuple[int, bytes, bytes, int]:
    """Runs cmd; returns (exit status, stdout, stderr, peak RSS in KiB).

    maxrss is the tests/c/maxrss helper: it forks cmd from a small process,
    so ru_maxrss is cmd's own. (wait4() here would also count the Python
    process that forked it, which ru_maxrss carries across exec.) Without
    the helper the peak RSS is reported as -1."""
    with tempfile.TemporaryDirectory(prefix="maxrss.") as tmp:
        result = os.path.join(tmp, "maxrss")
        full = ([maxrss, result] + cmd) if maxrss else cmd
        try:
            proc = subprocess.run(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"{cmd[0]} did not finish within {timeout:g} s")
            raise AssertionError  # not reached
        rss = -1
        if maxrss:
            try:
                with open(result, "r", encoding="ascii") as f:
                    rss = int(f.read().strip())
            except (OSError, ValueError) as e:
                fail(f"{maxrss} wrote no result: {e}\n{proc.stderr.decode('utf-8', 'replace')}")
        return proc.returncode, proc.stdout, proc.stderr, rss


def decode_phrase_rfc2047(raw_field: bytes) -> str:
    """The display name of a one-address field ("phrase <addr>"), decoded
    with email.header, which drops the white space between adjacent encoded
    words as RFC 2047 §6.2 requires (Python's policy.default address parser
    keeps it)."""
    import email.header
    value = re.sub(rb"\r?\n[ \t]", b" ", raw_field).decode("ascii")
    phrase = value.rsplit("<", 1)[0].strip()
    return str(email.header.make_header(email.header.decode_header(phrase)))


def raw_field(message: bytes, name: bytes) -> bytes:
    """The raw (folded) value of the first top-level header field called name."""
    head = message.split(b"\n\n", 1)[0]
    m = re.search(rb"(?im)^" + re.escape(name) + rb":[ \t]?((?:.*)(?:\n[ \t].*)*)", head)
    if m is None:
        fail(f"no {name.decode()} field")
    return m.group(1)


def header_lines(block: bytes) -> List[bytes]:
    """Raw lines of a header block (LF line ends)."""
    return [l.rstrip(b"\r") for l in block.split(b"\n") if l]


def header_blocks(message: bytes) -> List[bytes]:
    """The top-level header block and the header block of every MIME part
    (the lines after each "--boundary" line up to the empty line)."""
    lines = message.split(b"\n")
    blocks: List[bytes] = []
    try:
        end = lines.index(b"")
    except ValueError:
        end = len(lines)
    blocks.append(b"\n".join(lines[:end]))
    i = end
    while i < len(lines):
        if lines[i].startswith(b"--") and not lines[i].rstrip().endswith(b"--"):
            j = i + 1
            while j < len(lines) and lines[j] != b"":
                j += 1
            blocks.append(b"\n".join(lines[i + 1:j]))
            i = j
        i += 1
    return blocks


def long_header_lines(message: bytes, limit: int = 78) -> List[bytes]:
    """Header lines longer than limit that no folding could shorten: only a
    line whose overlong part is one address token (no white space to fold
    at) is excused."""
    bad = []
    for block in header_blocks(message):
        for line in header_lines(block):
            if len(line) <= limit:
                continue
            tokens = line.split()
            if any(b"@" in t and len(t) + 1 > limit - 8 for t in tokens):
                continue
            bad.append(line)
    return bad
