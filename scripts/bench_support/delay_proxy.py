#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""A TCP proxy on 127.0.0.1 that adds a fixed one-way delay, for scripts/bench.

`delay_proxy.py --upstream PORT --delay-ms 10` listens on a free port (printed
as `listening PORT`, the first line of its output) and connects every client
to 127.0.0.1:PORT. Every chunk read on one side is written to the other side
--delay-ms later (10 ms each way = 20 ms RTT), in order; chunks due at the
same moment go out in one write. An end of stream (FIN) is passed on with the
same delay, after the data before it. The TCP handshake itself is not delayed,
nor are TCP's ACKs: the client's kernel is acknowledged by the proxy's, at once
or after a delayed-ACK timeout (40 ms on Linux), so a client whose small writes
Nagle's algorithm holds back waits less than on a real link once the RTT
exceeds that timeout.
Bandwidth is not limited; meant for small mails (no flow control beyond the
kernel's buffers).
"""
import argparse
import asyncio


class Link:
    """One proxied connection: a client side, a server side, two delayed directions."""

    def __init__(self, upstream, delay):
        self.loop = asyncio.get_running_loop()
        self.upstream = upstream
        self.delay = delay
        self.ends = {}                        # "client"/"server" -> transport
        self.queues = {"up": [], "down": []}  # (due, bytes, or None for EOF)
        self.done = set()                     # directions whose EOF was passed on

    # chunk read at `src`, written to the other end after the delay
    def push(self, src, chunk):
        way = "up" if src == "client" else "down"
        if way in self.done or (self.queues[way] and self.queues[way][-1][1] is None):
            return
        due = self.loop.time() + self.delay
        self.queues[way].append((due, chunk))
        self.loop.call_at(due, self.release, way)

    def release(self, way):
        dst = self.ends.get("server" if way == "up" else "client")
        if dst is None:                       # upstream not connected yet
            self.loop.call_later(0.001, self.release, way)
            return
        queue, now = self.queues[way], self.loop.time()
        ready = []
        while queue and queue[0][0] <= now:
            ready.append(queue.pop(0)[1])
        data = b"".join(c for c in ready if c is not None)
        if data and not dst.is_closing():
            dst.write(data)
        if None in ready:
            self.done.add(way)
            if not dst.is_closing() and dst.can_write_eof():
                dst.write_eof()
            if len(self.done) == 2:
                for t in self.ends.values():
                    t.close()


class End(asyncio.Protocol):
    """The proxy's protocol on one of the two connections of a Link."""

    def __init__(self, link, name):
        self.link, self.name = link, name
        self.eof = False

    def connection_made(self, transport):
        self.link.ends[self.name] = transport
        if self.name == "client":
            self.link.loop.create_task(self.connect_upstream(transport))

    async def connect_upstream(self, client):
        link = self.link
        try:
            await link.loop.create_connection(lambda: End(link, "server"), "127.0.0.1", link.upstream)
        except OSError:
            client.close()

    def data_received(self, data):
        self.link.push(self.name, data)

    def eof_received(self):
        self.eof = True
        self.link.push(self.name, None)
        return True                           # keep our write half open

    def connection_lost(self, exc):
        if not self.eof:                      # reset or closed without FIN
            self.link.push(self.name, None)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", type=int, required=True, help="port of the server on 127.0.0.1")
    ap.add_argument("--delay-ms", type=float, default=10.0, help="one-way delay (default 10)")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    args = ap.parse_args()
    delay = args.delay_ms / 1000.0
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(lambda: End(Link(args.upstream, delay), "client"), "127.0.0.1", args.port)
    print("listening", srv.sockets[0].getsockname()[1], flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
