#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""An on-path attacker without keys that slows down a server's TLS bytes.

Python API only (used by tests/tls/postfix_deadline.py):

    proxy = SlowTlsProxy("127.0.0.1", 10587, mode="record-drip", tls_start="starttls")
    port = proxy.start()          # listens on 127.0.0.1, serves ONE connection
    ...run the client against 127.0.0.1:port...
    proxy.wait()
    proxy.client_chunks           # [(time.monotonic(), bytes)] the client sent
    proxy.stall_at                # when the first server byte was held back

The client's bytes go to the server unchanged. The server's bytes go to the
client unchanged until TLS starts: for tls_start "starttls", after the
server's "220 ..." reply to the client's STARTTLS; for "implicit", at once.
From then on the server's stream is cut into TLS records and, by mode:

  handshake-drip  every byte is forwarded alone, one every 50 ms (the
                  handshake alone would take minutes)
  record-drip     handshake, change-cipher-spec and alert records pass at
                  once; every application-data record (type 23) is forwarded
                  one byte every 0.2 s
  delay           every record is held 2 s after it arrived, then forwarded
                  whole and in order (two server flights: 4 s of handshake)
  pass            nothing is slowed (a control run)

Everything is bounded: the proxy stops slowing as soon as the client closes
its side, and every socket has a timeout (default 60 s). Loopback only.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from typing import List, Optional, Tuple

MODES = ("handshake-drip", "record-drip", "delay", "pass")
TLS_STARTS = ("starttls", "implicit")
TLS_APPDATA = 23
HANDSHAKE_DRIP_S = 0.05
RECORD_DRIP_S = 0.2
HOLD_S = 2.0


class SlowTlsProxy:
    def __init__(self, target_host: str, target_port: int, mode: str, tls_start: str,
                 timeout: float = 60.0):
        if mode not in MODES or tls_start not in TLS_STARTS:
            raise ValueError(f"mode {mode!r} / tls_start {tls_start!r}")
        self.target = (target_host, target_port)
        self.mode = mode
        self.tls_start = tls_start
        self.timeout = timeout
        self.client_chunks: List[Tuple[float, bytes]] = []
        self.stall_at: Optional[float] = None
        self.error: Optional[str] = None
        self._starttls_sent = threading.Event()
        self._client_gone = threading.Event()
        self._out: "queue.Queue[Optional[Tuple[float, bytes, float]]]" = queue.Queue()
        self._listener: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> int:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(self.timeout)
        self._thread = threading.Thread(target=self._run, name="slow-tls-proxy", daemon=True)
        self._thread.start()
        return self._listener.getsockname()[1]

    def wait(self) -> None:
        assert self._thread is not None, "start() first"
        self._thread.join(self.timeout + 5)
        if self._thread.is_alive():
            raise TimeoutError("proxy still running")

    def client_bytes_after(self, t: float) -> bytes:
        """What the client sent after the moment t (time.monotonic())."""
        return b"".join(data for at, data in self.client_chunks if at > t)

    # ------------------------------------------------------------------
    def _run(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError as e:
            self.error = f"no client connected: {e}"
            return
        finally:
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
        threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in (
            (self._client_to_server, (client, server)),
            (self._server_to_queue, (server,)),
            (self._queue_to_client, (client,)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self.timeout)
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass

    def _client_to_server(self, client: socket.socket, server: socket.socket) -> None:
        clear = b""
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                self.client_chunks.append((time.monotonic(), data))
                if not self._starttls_sent.is_set():
                    clear += data
                    if b"STARTTLS\r\n" in clear.upper():
                        self._starttls_sent.set()
                server.sendall(data)
        except OSError:
            pass
        finally:
            self._client_gone.set()
            try:
                server.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _server_to_queue(self, server: socket.socket) -> None:
        """Reads the server; queues its bytes with when and how to forward them."""
        pending = b""
        tls = self.tls_start == "implicit"
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                pending += data
                if not tls:
                    pending, tls = self._forward_clear(pending)
                if tls:
                    pending = self._forward_records(pending)
        except OSError:
            pass
        finally:
            if pending:
                self._out.put((0.0, pending, 0.0))
            self._out.put(None)

    def _forward_clear(self, pending: bytes) -> Tuple[bytes, bool]:
        """Queues whole SMTP lines; TLS starts after "220 " once STARTTLS was sent."""
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            self._out.put((0.0, line + b"\n", 0.0))
            if line.startswith(b"220 ") and self._starttls_sent.is_set():
                return pending, True
        return pending, False

    def _forward_records(self, pending: bytes) -> bytes:
        """Queues every whole TLS record of pending; returns the rest."""
        while len(pending) >= 5:
            end = 5 + int.from_bytes(pending[3:5], "big")
            if len(pending) < end:
                break
            record, pending = pending[:end], pending[end:]
            self._queue_record(record)
        return pending

    def _queue_record(self, record: bytes) -> None:
        now = time.monotonic()
        release, interval = 0.0, 0.0
        if self.mode == "handshake-drip":
            interval = HANDSHAKE_DRIP_S
        elif self.mode == "record-drip" and record[0] == TLS_APPDATA:
            interval = RECORD_DRIP_S
        elif self.mode == "delay":
            release = now + HOLD_S
        if (interval or release) and self.stall_at is None:
            self.stall_at = now
        self._out.put((release, record, interval))

    def _queue_to_client(self, client: socket.socket) -> None:
        """Forwards the queue in order, holding and dripping as queued."""
        try:
            while True:
                item = self._out.get(timeout=self.timeout)
                if item is None or self._client_gone.is_set():
                    break
                release, data, interval = item
                if self._client_gone.wait(max(0.0, release - time.monotonic())):
                    break
                if not interval:
                    client.sendall(data)
                    continue
                for i in range(len(data)):
                    client.sendall(data[i:i + 1])
                    if self._client_gone.wait(interval):
                        return
        except (OSError, queue.Empty):
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_WR)
            except OSError:
                pass
