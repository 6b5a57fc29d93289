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
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts", "bench_support"))
import delay_proxy  # noqa: E402  (the path above)


class CountingLink(delay_proxy.Link):
    """A delayed connection that counts round trips and records both streams."""

    connections = 0

    def __init__(self, upstream, delay):
        super().__init__(upstream, delay)
        CountingLink.connections += 1
        self.number = CountingLink.connections
        self.round_trips = 0
        self.last_group = None                 # when the undecided group was read
        self.streams = {"client": [], "server": []}  # per round trip: bytearray
        self.reported = False

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
        super().push(src, chunk)

    def release(self, way):
        super().release(way)
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


if __name__ == "__main__":
    delay_proxy.Link = CountingLink           # its main() makes links of this class
    try:
        asyncio.run(delay_proxy.main())
    except KeyboardInterrupt:
        pass
