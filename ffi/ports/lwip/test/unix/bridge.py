#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""TCP relay from a listening socket inside a network namespace to a server
in this process's own namespace (ffi/ports/lwip/test/unix/run).

    bridge.py NETNS LISTEN_IP LISTEN_PORT TARGET_HOST TARGET_PORT

The listening socket is created inside NETNS (setns(2), then back); sockets
stay in the namespace they were made in. Prints "ready" when listening;
relays connections until killed.
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    netns, lip, lport, thost, tport = sys.argv[1:6]
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns(f"/run/netns/{netns}")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((lip, int(lport)))
    srv.listen(4)
    setns(f"/proc/self/fd/{own}")
    print("ready", flush=True)
    while True:
        c, _ = srv.accept()
        s = socket.create_connection((thost, int(tport)))
        threading.Thread(target=pump, args=(c, s), daemon=True).start()
        threading.Thread(target=pump, args=(s, c), daemon=True).start()


if __name__ == "__main__":
    main()
