#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Run a C client against tests/scripted_server.py and check the outcome.

Usage:
    run_scripted.py --script S --expect-exit N [checks...] -- CMD ARGS...

Starts the scripted server on 127.0.0.1, port 0, reads its ``PORT <n>``
line, substitutes placeholders in CMD ARGS and runs the client (standard
input: /dev/null unless --stdin FILE or --stdin-text TEXT). Then checks:

  * the client's exit status is N;
  * the server's exit status is 0 (its script passed), unless
    --server-may-fail;
  * with --no-connection: the client never connected (the server runs with a
    short watchdog and must end by it, exit 3, without a connection);
  * the optional transcript / DATA / stderr / stdout checks below;
  * with --data-attachment FILENAME TYPE PATH: the message (parsed by
    Python's email package) has an attachment FILENAME of Content-Type TYPE
    whose decoded content equals the file PATH byte for byte.

Placeholders in CMD ARGS: {port}, {CR} (carriage return), {LF} (line feed),
{srcdir} (the repository root).

--script-var NAME=VALUE (repeatable) replaces {NAME} in the script text; the
server then runs a copy in a temporary directory, so paths in such a script
(starttls CERT KEY, include) must be absolute, e.g. from a variable.

Exit status 0 when every check passed, 1 otherwise (with a report on stderr
that includes the server's log and the client's output).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(ROOT, "tests", "scripted_server.py")


def _decode(s: str) -> bytes:
    """Check strings use the same escapes as scripts: \\r \\n \\t \\\\ \\xHH."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e in "rnt\\":
                out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[e]
                i += 2
                continue
            h = s[i + 2:i + 4]
            if e == "x" and len(h) == 2 and all(ch in "0123456789abcdefABCDEF" for ch in h):
                out.append(int(h, 16))
                i += 4
                continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def _substitute(arg: str, port: int) -> str:
    return (arg.replace("{port}", str(port)).replace("{CR}", "\r").replace("{LF}", "\n")
            .replace("{srcdir}", ROOT))


def _headers(message: bytes) -> bytes:
    """The header block of one raw DATA message (up to the first empty line)."""
    end = message.find(b"\r\n\r\n")
    return message if end < 0 else message[:end + 2]


def _unstuffed(data: bytes) -> bytes:
    """One raw DATA message (dot-stuffed, ending with ".\r\n") as the message."""
    lines = data.split(b"\r\n")
    if lines[-2:] == [b".", b""]:
        lines = lines[:-2]
    return b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)


def _check_attachments(data: bytes, wanted: list) -> list:
    """Failures of the --data-attachment checks."""
    failures = []
    msg = email.message_from_bytes(_unstuffed(data), policy=email.policy.default)
    found = {part.get_filename(): part for part in msg.iter_attachments()}
    for name, ctype, path in wanted:
        part = found.get(name)
        if part is None:
            failures.append(f"no attachment {name!r} (found {sorted(k for k in found if k)!r})")
            continue
        with open(path, "rb") as f:
            want = f.read()
        got = part.get_payload(decode=True)
        if part.get_content_type() != ctype:
            failures.append(f"attachment {name!r}: Content-Type {part.get_content_type()}, expected {ctype}")
        if part.get_content_disposition() != "attachment":
            failures.append(f"attachment {name!r}: Content-Disposition {part.get_content_disposition()!r}")
        if got != want:
            failures.append(f"attachment {name!r}: {len(got or b'')} bytes decoded, "
                            f"not equal to the {len(want)} bytes of {path}")
    return failures


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--script", required=True)
    p.add_argument("--expect-exit", type=int, required=True)
    p.add_argument("--server-may-fail", action="store_true")
    p.add_argument("--no-connection", action="store_true",
                   help="the client must not connect (server watchdog ends the run)")
    p.add_argument("--timeout", type=float, default=30.0, help="client timeout in seconds (default 30)")
    p.add_argument("--stdin", help="file for the client's standard input (default /dev/null)")
    p.add_argument("--stdin-text", metavar="TEXT",
                   help="bytes for the client's standard input (escapes as in checks: \\r \\n \\xHH)")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra environment variable for the client")
    for what in ("transcript", "data", "data-header", "stderr", "stdout"):
        p.add_argument(f"--{what}-must-contain", action="append", default=[], metavar="TEXT")
        p.add_argument(f"--{what}-must-not-contain", action="append", default=[], metavar="TEXT")
    p.add_argument("--script-var", action="append", default=[], metavar="NAME=VALUE",
                   help="replace {NAME} in the script with VALUE")
    p.add_argument("--data-attachment", nargs=3, action="append", default=[],
                   metavar=("FILENAME", "TYPE", "PATH"),
                   help="the message has this attachment with the content of PATH")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        p.error("no client command after --")

    failures = []
    with tempfile.TemporaryDirectory(prefix="run_scripted.") as tmp:
        transcript_path = os.path.join(tmp, "transcript")
        data_path = os.path.join(tmp, "data")
        script = a.script
        if a.script_var:
            with open(a.script, "r", encoding="utf-8") as f:
                text = f.read()
            for kv in a.script_var:
                name, _, value = kv.partition("=")
                text = text.replace("{" + name + "}", value)
            script = os.path.join(tmp, os.path.basename(a.script))
            with open(script, "w", encoding="utf-8") as f:
                f.write(text)
        server_cmd = [sys.executable, SERVER, "--script", script, "--port", "0",
                      "--transcript", transcript_path, "--data-out", data_path]
        if a.no_connection:
            server_cmd += ["--timeout", "1.5"]
        server = subprocess.Popen(server_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        server_err = []
        reader = threading.Thread(target=lambda: server_err.append(server.stderr.read()), daemon=True)
        reader.start()
        line = server.stdout.readline().decode("ascii", "replace").strip()
        if not line.startswith("PORT "):
            server.kill()
            server.wait()
            reader.join(5)
            sys.stderr.write(f"server did not start: {line!r}\n{b''.join(server_err).decode(errors='replace')}")
            return 1
        port = int(line.split()[1])
        client_cmd = [_substitute(x, port) for x in cmd]
        env = dict(os.environ)
        for kv in a.env:
            name, _, value = kv.partition("=")
            env[name] = _substitute(value, port)
        feed = None
        if a.stdin_text is not None:
            stdin, feed = None, _decode(a.stdin_text)
        elif a.stdin:
            stdin = open(a.stdin, "rb")
        else:
            stdin = subprocess.DEVNULL
        try:
            client = subprocess.run(client_cmd, stdin=stdin, input=feed, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env, timeout=a.timeout)
            client_rc, client_out, client_err = client.returncode, client.stdout, client.stderr
        except subprocess.TimeoutExpired as e:
            client_rc, client_out, client_err = None, e.stdout or b"", e.stderr or b""
            failures.append(f"client did not finish within {a.timeout:g} s")
        except OSError as e:
            client_rc, client_out, client_err = None, b"", b""
            failures.append(f"cannot run the client: {e}")
        finally:
            if hasattr(stdin, "close"):
                stdin.close()
        try:
            server_rc = server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            server.kill()
            server_rc = server.wait()
            failures.append("server did not finish")
        reader.join(5)
        slog = b"".join(server_err).decode("utf-8", "replace")
        transcript = open(transcript_path, "rb").read() if os.path.exists(transcript_path) else b""
        data = open(data_path, "rb").read() if os.path.exists(data_path) else b""

    if client_rc is not None and client_rc != a.expect_exit:
        failures.append(f"client exit status {client_rc}, expected {a.expect_exit}")
    if client_rc is not None and client_rc < 0:
        failures.append(f"client killed by signal {-client_rc}")
    if a.no_connection:
        if "-- connection" in slog or transcript:
            failures.append("the client connected to the server (it must not)")
        if server_rc != 3:
            failures.append(f"server exit status {server_rc}, expected 3 (watchdog, no client)")
    elif server_rc != 0 and not a.server_may_fail:
        failures.append(f"server exit status {server_rc} (script failed)")

    headers = _headers(data)
    checks = (("transcript", transcript), ("data", data), ("data-header", headers),
              ("stderr", client_err), ("stdout", client_out))
    for name, blob in checks:
        for text in getattr(a, f"{name.replace('-', '_')}_must_contain"):
            if _decode(text) not in blob:
                failures.append(f"{name} does not contain {text!r}")
        for text in getattr(a, f"{name.replace('-', '_')}_must_not_contain"):
            if _decode(text) in blob:
                failures.append(f"{name} contains {text!r}")

    if a.data_attachment:
        if not data:
            failures.append("no message arrived (--data-attachment)")
        else:
            failures += _check_attachments(data, [(n, t, _substitute(x, 0)) for n, t, x in a.data_attachment])

    if failures or os.environ.get("RUN_SCRIPTED_VERBOSE"):
        out = sys.stderr
        shown = " ".join(repr(x) if any(c in x for c in " \r\n") else x for x in client_cmd)
        out.write(f"client: {shown}\n")
        out.write(f"client exit status: {client_rc}, server exit status: {server_rc}\n")
        out.write("---- client stdout ----\n" + client_out.decode("utf-8", "replace"))
        out.write("---- client stderr ----\n" + client_err.decode("utf-8", "replace"))
        out.write("---- server log ----\n" + slog)
        for f in failures:
            out.write(f"FAIL: {f}\n")
    if failures:
        return 1
    sys.stdout.write(f"ok: client exit {client_rc}, server exit {server_rc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
