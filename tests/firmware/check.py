#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Checks one run of the firmware example against what Postfix delivered.

Called by tests/firmware/run after QEMU exited:

    check.py --rc N --output QEMU_OUTPUT --record SENT_BYTES --token TOKEN
             --maildir DIR --to alice --cc bob --bcc carol [--wait SECONDS]

- the firmware exited with 0 and printed result=0 and a complete recording;
- the recording (every byte pfSend sent) holds one DATA ... CRLF.CRLF;
  its content, with dot-stuffing undone, is the message as sent;
- each recipient's Maildir holds exactly one message whose Subject carries
  TOKEN; with the trace fields Postfix prepends (Return-Path, X-Original-To,
  Delivered-To, Received) removed and LF turned back into CRLF it is byte for
  byte the message as sent;
- the Bcc recipient got the message, was in the envelope (RCPT TO), and is
  named in no header field of what was sent or delivered.

Prints one line per check and "firmware: N passed, M failed"; exit status 0
only if every check passed.
"""
import argparse
import difflib
import os
import re
import sys
import time

TRACE_FIELDS = ("return-path", "x-original-to", "delivered-to", "received")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}" + (f": {detail}" if detail else ""))
        return ok


def header_fields(block):
    """Splits a header block (lines with their line ends) into fields:
    [(name, raw bytes of the field including continuation lines)]."""
    fields = []
    for line in block:
        if line[:1] in (b" ", b"\t") and fields:
            name, raw = fields[-1]
            fields[-1] = (name, raw + line)
        else:
            name = line.split(b":", 1)[0].strip().decode("ascii", "replace").lower()
            fields.append((name, line))
    return fields


def split_message(msg, eol):
    """(header lines, body bytes) of a message with line end eol."""
    lines = msg.split(eol)
    header = []
    pos = 0
    for line in lines:
        pos += len(line) + len(eol)
        if line == b"":
            break
        header.append(line + eol)
    return header, msg[pos:]


def extract_chunk(rec):
    """The message of a `BDAT <n> LAST` command (RFC 3030: not dot-stuffed)
    and what follows it, or None when the recording has no BDAT."""
    m = re.search(rb"(?:^|\r\n)BDAT (\d+) LAST\r\n", rec)
    if m is None:
        return None
    size = int(m.group(1))
    chunk = rec[m.end():m.end() + size]
    if len(chunk) != size:
        raise ValueError(f"a BDAT chunk of {len(chunk)} of {size} octets")
    return chunk, rec[m.end() + size:]


def extract_data(rec):
    """DATA content as it went on the wire (dot-stuffed), or raises ValueError."""
    cmds = [m.start() for m in re.finditer(rb"(?:^|\r\n)DATA\r\n", rec)]
    if len(cmds) != 1:
        raise ValueError(f"{len(cmds)} DATA commands (and no BDAT) in the recording")
    start = rec.index(b"DATA\r\n", cmds[0]) + len(b"DATA\r\n")
    end = rec.find(b"\r\n.\r\n", start - 2)
    if end < 0:
        raise ValueError("no end-of-data (CRLF.CRLF) after DATA")
    return rec[start:end + 2], rec[end + 5:]


def unstuff(wire):
    """Undoes dot-stuffing; returns (content, number of stuffed lines, bad lines)."""
    out, stuffed, bad = [], 0, []
    for line in wire.split(b"\r\n")[:-1]:  # wire ends with CRLF
        if line.startswith(b"."):
            if not line.startswith(b".."):
                bad.append(line)
            line = line[1:]
            stuffed += 1
        out.append(line)
    return b"".join(l + b"\r\n" for l in out), stuffed, bad


def find_messages(maildir, user, token):
    """Files in the user's Maildir (new/ and cur/) whose Subject ends in [token]."""
    pat = re.compile(rb"^Subject: .*\[" + re.escape(token.encode()) + rb"\]$", re.M)
    found = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, user, sub)
        try:
            names = os.listdir(d)
        except FileNotFoundError:
            continue
        for name in names:
            path = os.path.join(d, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue  # renamed between listdir and open
            header, _ = split_message(data, b"\n")
            if pat.search(b"".join(header)):
                found.append((path, data))
    return found


def strip_trace(delivered):
    """Removes the trace fields Postfix put on top; returns (rest, names removed)."""
    header, body = split_message(delivered, b"\n")
    fields = header_fields(header)
    removed = []
    while fields and fields[0][0] in TRACE_FIELDS:
        removed.append(fields.pop(0)[0])
    rest = b"".join(raw for _, raw in fields) + b"\n" + body
    return rest, removed


def show_diff(expected, got):
    exp = [repr(l) for l in expected.split(b"\r\n")]
    act = [repr(l) for l in got.split(b"\r\n")]
    for line in list(difflib.unified_diff(exp, act, "sent", "delivered", lineterm=""))[:40]:
        print("      " + line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rc", type=int, required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--cc", required=True)
    ap.add_argument("--bcc", required=True)
    ap.add_argument("--domain", default="ip-smtpc.test")
    ap.add_argument("--wait", type=float, default=20.0)
    a = ap.parse_args()
    c = Checks()

    with open(a.output, "rb") as f:
        out = f.read().decode("utf-8", "replace")
    c.check(a.rc == 0, "firmware exit status 0", f"exit status {a.rc}")
    m = re.search(r"^result=(-?\d+) stack=(\S+)", out, re.M)
    c.check(m is not None and m.group(1) == "0", "firmware result=0",
            m.group(0) if m else "no result= line")
    m = re.search(r"^record: bytes=(\d+) errors=(\d+)", out, re.M)
    c.check(m is not None and m.group(2) == "0" and int(m.group(1)) > 0,
            "sent bytes recorded", m.group(0) if m else "no record: line")

    rec = b""
    if os.path.exists(a.record):
        with open(a.record, "rb") as f:
            rec = f.read()
    if m is not None:
        c.check(len(rec) == int(m.group(1)), "recording file complete",
                f"{len(rec)} bytes in the file, firmware wrote {m.group(1)}")

    sent = None
    try:
        chunk = extract_chunk(rec)
        if chunk is not None:
            # CHUNKING: the message as it is, a line starting with a dot unstuffed.
            sent, after = chunk
            c.check(re.search(rb"(?:^|\r\n)\.[^.]", sent) is not None,
                    "BDAT chunk carries a line starting with a dot, not stuffed")
            c.check(after.startswith(b"QUIT\r\n"), "QUIT follows the chunk", repr(after[:40]))
        else:
            wire, after = extract_data(rec)
            sent, stuffed, bad = unstuff(wire)
            c.check(not bad, "dot-stuffing on the wire well-formed", f"lines {bad!r}")
            c.check(stuffed > 0, "message exercises dot-stuffing", "no line started with a dot")
            c.check(after.startswith(b"QUIT\r\n"), "QUIT follows the end of data", repr(after[:40]))
    except ValueError as e:
        c.check(False, "message content in the recording", str(e))

    # Envelope and headers as sent: the Bcc address goes into RCPT TO only.
    addr = {k: f"{getattr(a, k)}@{a.domain}".encode() for k in ("to", "cc", "bcc")}
    for k in ("to", "cc", "bcc"):
        c.check(b"RCPT TO:<" + addr[k] + b">\r\n" in rec, f"envelope has RCPT TO:<{addr[k].decode()}> ({k})")
    if sent is not None:
        sent_header, _ = split_message(sent, b"\r\n")
        in_hdr = [raw for _, raw in header_fields(sent_header) if addr["bcc"].lower() in raw.lower()]
        c.check(not in_hdr, "Bcc recipient in no header field of the sent message", repr(in_hdr))
        c.check(any(n == "subject" and a.token.encode() in raw for n, raw in header_fields(sent_header)),
                "sent Subject carries the token")

    # Delivery: poll, Postfix delivers asynchronously.
    users = [("to", a.to), ("cc", a.cc), ("bcc", a.bcc)]
    found = {}
    deadline = time.monotonic() + a.wait
    while True:
        for k, user in users:
            found[k] = find_messages(a.maildir, user, a.token)
        if all(found[k] for k, _ in users) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    time.sleep(0.5)  # a duplicate would show up now
    for k, user in users:
        found[k] = find_messages(a.maildir, user, a.token)

    for k, user in users:
        msgs = found[k]
        if not c.check(len(msgs) == 1, f"exactly one message with the token in {user}'s Maildir ({k})",
                       f"{len(msgs)} found" + (": " + ", ".join(p for p, _ in msgs) if msgs else "")):
            continue
        path, data = msgs[0]
        rest, removed = strip_trace(data)
        c.check("received" in removed and removed[0] == "return-path",
                f"{user}: Postfix trace fields on top", f"removed {removed}")
        c.check(b"\r" not in rest, f"{user}: delivered file has LF line ends only")
        got = rest.replace(b"\n", b"\r\n")
        if sent is not None:
            if not c.check(got == sent, f"{user}: delivered message byte for byte as sent "
                           f"({len(sent)} bytes)", f"{path} differs"):
                show_diff(sent, got)
        header, _ = split_message(rest, b"\n")
        leak = [raw for _, raw in header_fields(header) if addr["bcc"].lower() in raw.lower()]
        c.check(not leak, f"{user}: Bcc address in no header field", repr(leak))

    print(f"firmware: {c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
