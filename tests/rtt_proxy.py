#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""A delaying proxy that counts round trips, for tests/pipelining.rs.

`rtt_proxy.py --upstream PORT --delay-ms 30` listens on a free port of
127.0.0.1 (printed as `listening PORT`, the first line of its output) and
connects every client to 127.0.0.1:PORT (a Postfix test-bed port). Each
direction is delayed by --delay-ms. scripts/bench_support/delay_proxy.py
does the delaying and takes the command line (its `main` runs with the
links of this file): this file only adds the counting and the recording.

Round trips are counted as scripts/bench_support/sink.py counts them, greeting
included: the server's bytes read with no client bytes in between form one
reply group; a group costs a round trip when the client's next bytes arrive
at the proxy at least one delay (less 1 ms) after the group was read from the
server, i.e. not before the group could have reached the client, so the client
waited for it; or when no client bytes follow it (the last group). Bytes that
arrive sooner were on their way already, so the group merges with the next.

When a connection has ended in both directions the proxy prints one line:

    done N ROUND_TRIPS C0,C1,...  S0,S1,...

N counts connections from 1. Ck is the hex of the client's bytes that arrived
after k round trips had been counted (C0 is empty for a client that waits for
the greeting), Sk the hex of the server's bytes read after k round trips (S0
is the greeting). Joined, they are the two byte streams exactly.

`--hold BYTES` (0: off) makes the proxy a peer of the kind RFC 2920
section 3.2 warns about, a server with small buffers that stops reading
while its replies cannot be written. Postfix alone is no such peer: on
loopback its send buffer takes hundreds of kilobytes of replies, so a client
that never reads them still gets its 1,000 RCPT written. With --hold:
- the proxy's sockets to clients have SO_SNDBUF and SO_RCVBUF of BYTES
  (set on the listening socket, so the window offered at the handshake is
  small already; the kernel doubles the value and has a floor);
- while more than BYTES of replies wait in the proxy because the client
  does not read them, the proxy reads nothing from the client;
- until the client has sent DATA or BDAT, the proxy reads at most BYTES of
  the client's commands beyond those it had read when the last reply came
  (a server reads only so far ahead of its replies).
A client that writes a long pipelined envelope without reading its replies
then blocks for good; one that reads while it writes gets through.
"""
import argparse
import asyncio
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts", "bench_support"))
import delay_proxy  # noqa: E402  (the path above)


class CountingLink(delay_proxy.Link):
    """A delayed connection that counts round trips and records both streams."""

    connections = 0
    hold = 0
    END_OF_ENVELOPE = re.compile(rb"(^|\r\n)(DATA\r\n|BDAT )", re.IGNORECASE)

    def __init__(self, upstream, delay):
        super().__init__(upstream, delay)
        CountingLink.connections += 1
        self.number = CountingLink.connections
        self.round_trips = 0
        self.last_group = None                 # when the undecided group was read
        self.streams = {"client": [], "server": []}  # per round trip: bytearray
        self.reported = False
        self.read = 0                          # client bytes read
        self.read_at_reply = 0                 # ... when the last reply came
        self.envelope_done = False
        self.tail = b""                        # end of the client bytes so far
        self.replies_wait = False              # the client leaves replies unread

    def record(self, src, chunk):
        bursts = self.streams[src]
        while len(bursts) <= self.round_trips:
            bursts.append(bytearray())
        bursts[self.round_trips] += chunk

    def push(self, src, chunk):
        if chunk:
            now = self.loop.time()
            if src == "client":
                if self.last_group is not None and now - self.last_group >= self.delay - 0.001:
                    self.round_trips += 1
                self.last_group = None
            else:
                self.last_group = now
            self.record(src, chunk)
            if self.hold:
                self.steer(src, chunk)
        super().push(src, chunk)

    def steer(self, src, chunk):
        """--hold: reads from the client only as a server with small buffers would."""
        if src == "client":
            self.read += len(chunk)
            seen = self.tail + chunk
            self.envelope_done = self.envelope_done or bool(self.END_OF_ENVELOPE.search(seen))
            self.tail = seen[-8:]
        else:
            self.read_at_reply = self.read
        self.steer_reading()

    def steer_reading(self):
        client = self.ends.get("client")
        if client is None or client.is_closing():
            return
        ahead = not self.envelope_done and self.read - self.read_at_reply > self.hold
        if self.replies_wait or ahead:
            client.pause_reading()
        else:
            client.resume_reading()

    def release(self, way):
        try:
            super().release(way)
        except OSError:                        # a side is gone (reset): end it all
            self.done.update(("up", "down"))
            for t in self.ends.values():
                t.close()
        if len(self.done) == 2 and not self.reported:
            self.report()

    def report(self):
        self.reported = True
        if self.last_group is not None:        # nothing followed the last group
            self.round_trips += 1
            self.last_group = None
        hexes = {k: ",".join(bytes(b).hex() for b in v) for k, v in self.streams.items()}
        print("done %d %d %s %s" % (self.number, self.round_trips,
                                    hexes["client"] or "-", hexes["server"] or "-"), flush=True)


class HoldingEnd(delay_proxy.End):
    """A side of a CountingLink; toward the client it tells the link when
    replies pile up (--hold)."""

    def connection_made(self, transport):
        if self.name == "client" and self.link.hold:
            transport.set_write_buffer_limits(high=self.link.hold)
        super().connection_made(transport)

    def pause_writing(self):
        self.link.replies_wait = True
        self.link.steer_reading()

    def resume_writing(self):
        self.link.replies_wait = False
        self.link.steer_reading()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 epilog="--upstream PORT, --delay-ms (30), --hold BYTES (0): see above")
    for name, kind, default in (("--upstream", int, None), ("--delay-ms", float, 30.0), ("--hold", int, 0)):
        ap.add_argument(name, type=kind, default=default, required=default is None)
    args = ap.parse_args()
    CountingLink.hold = args.hold
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if args.hold:
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            listener.setsockopt(socket.SOL_SOCKET, option, args.hold)
    listener.bind(("127.0.0.1", 0))
    delay = args.delay_ms / 1000.0
    srv = await asyncio.get_running_loop().create_server(
        lambda: HoldingEnd(CountingLink(args.upstream, delay), "client"), sock=listener)
    print("listening", listener.getsockname()[1], flush=True)
    await srv.serve_forever()                  # until the test kills the process


if __name__ == "__main__":
    asyncio.run(main())
