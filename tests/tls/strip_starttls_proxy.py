#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""A man in the middle between an SMTP client and a server, for TLS tests.

    strip_starttls_proxy.py --target-port N [--target-host 127.0.0.1]
        [--mode strip|relay|refuse] [--record FILE] [--timeout S]

Listens on 127.0.0.1 (an ephemeral port), prints ``PORT <n>`` on stdout,
serves ONE connection, then exits 0 (2 on usage errors, 3 on its watchdog).

Modes:
  strip   removes the STARTTLS line from the server's EHLO replies (the
          attack of RFC 3207 §6): multi-line replies are re-assembled so the
          last remaining line carries the final "250 " marker
  relay   forwards everything unchanged (records what a TLS client sends)
  refuse  answers the client's STARTTLS itself with
          "454 4.7.0 TLS not available due to local problem" without
          forwarding it; everything else is forwarded

--record FILE gets every byte the client sent, raw (the proxy never sees
inside TLS, so the record shows whether anything went out in clear).

Python API:
    proxy = Proxy("127.0.0.1", 10025, mode="strip")
    port = proxy.start()          # background threads
    ...run the client against 127.0.0.1:port...
    client_bytes, server_bytes = proxy.wait()
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import threading
from typing import List, Optional, Tuple

REFUSAL = b"454 4.7.0 TLS not available due to local problem\r\n"
_REPLY_LINE = re.compile(rb"^(\d{3})([ -])(.*)$", re.S)


def _is_starttls_cap(line: bytes) -> bool:
    m = _REPLY_LINE.match(line.rstrip(b"\r\n"))
    return bool(m) and m.group(1) == b"250" and m.group(3).strip().upper() == b"STARTTLS"


def strip_starttls(lines: List[bytes]) -> List[bytes]:
    """One complete reply (lines with CRLF) without its STARTTLS line; the
    last remaining line is made the final one ("250 ")."""
    kept = [l for l in lines if not _is_starttls_cap(l)]
    if len(kept) != len(lines) and kept:
        last = kept[-1]
        if last[3:4] == b"-":
            kept[-1] = last[:3] + b" " + last[4:]
    return kept


class Proxy:
    def __init__(self, target_host: str, target_port: int, mode: str = "relay",
                 timeout: float = 60.0, log=None):
        if mode not in ("strip", "relay", "refuse"):
            raise ValueError(f"unknown mode {mode!r}")
        self.target = (target_host, target_port)
        self.mode = mode
        self.timeout = timeout
        self.log = log
        self.client_bytes = bytearray()
        self.server_bytes = bytearray()
        self.error: Optional[str] = None
        self._listener: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()       # writes to the client socket

    def start(self) -> int:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(self.timeout)
        self._thread = threading.Thread(target=self._run, name="mitm-proxy", daemon=True)
        self._thread.start()
        return self._listener.getsockname()[1]

    def wait(self, timeout: Optional[float] = None) -> Tuple[bytes, bytes]:
        assert self._thread is not None, "start() first"
        self._thread.join(timeout if timeout is not None else self.timeout + 5)
        if self._thread.is_alive():
            raise TimeoutError("proxy still running")
        return bytes(self.client_bytes), bytes(self.server_bytes)

    # ------------------------------------------------------------------
    def _note(self, msg: str) -> None:
        if self.log is not None:
            self.log.write(f"-- proxy: {msg}\n")
            self.log.flush()

    def _run(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError as e:
            self.error = f"no client connected: {e}"
            self._listener.close()
            return
        self._listener.close()
        try:
            server = socket.create_connection(self.target, timeout=self.timeout)
        except OSError as e:
            self.error = f"cannot connect to {self.target}: {e}"
            client.close()
            return
        for s in (client, server):
            s.settimeout(self.timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        up = threading.Thread(target=self._client_to_server, args=(client, server), daemon=True)
        up.start()
        self._server_to_client(server, client)
        up.join(self.timeout)
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass

    def _send_client(self, client: socket.socket, data: bytes) -> None:
        with self._lock:
            client.sendall(data)

    def _client_to_server(self, client: socket.socket, server: socket.socket) -> None:
        pending = b""
        plain = self.mode == "refuse"       # line-based until TLS could start
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                self.client_bytes += data
                if not plain:
                    server.sendall(data)
                    continue
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    line += b"\n"
                    if line.rstrip(b"\r\n").upper() == b"STARTTLS":
                        self._note("answered STARTTLS with 454")
                        self._send_client(client, REFUSAL)
                    else:
                        server.sendall(line)
                if pending and len(pending) > 4096:  # DATA with long lines: pass on
                    server.sendall(pending)
                    pending = b""
        except OSError:
            pass
        finally:
            try:
                if pending:
                    server.sendall(pending)
                server.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _server_to_client(self, server: socket.socket, client: socket.socket) -> None:
        pending = b""
        reply: List[bytes] = []
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                self.server_bytes += data
                if self.mode != "strip":
                    self._send_client(client, data)
                    continue
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    reply.append(line + b"\n")
                    if len(line) >= 4 and line[3:4] == b"-":
                        continue                     # more lines of this reply follow
                    out = strip_starttls(reply)
                    if out != reply:
                        self._note("removed STARTTLS from a reply")
                    self._send_client(client, b"".join(out))
                    reply = []
        except OSError:
            pass
        finally:
            try:
                if reply or pending:
                    self._send_client(client, b"".join(reply) + pending)
                client.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description="SMTP man in the middle for TLS tests.")
    p.add_argument("--target-host", default="127.0.0.1")
    p.add_argument("--target-port", type=int, required=True)
    p.add_argument("--mode", choices=("strip", "relay", "refuse"), default="strip")
    p.add_argument("--record", help="file for every byte the client sent")
    p.add_argument("--timeout", type=float, default=60.0, help="watchdog seconds (default 60)")
    a = p.parse_args(argv)
    proxy = Proxy(a.target_host, a.target_port, a.mode, a.timeout, log=sys.stderr)
    port = proxy.start()
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    try:
        client_bytes, _ = proxy.wait()
    except TimeoutError:
        sys.stderr.write("proxy: watchdog\n")
        return 3
    if a.record:
        with open(a.record, "wb") as f:
            f.write(client_bytes)
    if proxy.error:
        sys.stderr.write(f"proxy: {proxy.error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
