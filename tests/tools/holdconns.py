#!/usr/bin/env python3
"""holdconns.py - open many idle TCP connections to a loopback port and hold them.

  holdconns.py PORT --release FILE [--max N] [--seconds S] [--hold S] [--batch B]

Opens connections to 127.0.0.1:PORT in batches of B (default 250), sending
nothing, until one of: N are open (default 20000, at most 20000; fewer when
our own descriptor limit is lower: "client descriptor limit"); S seconds
have passed (default 60, at most 120); the server refuses (a connect fails
or does not complete within 2 s, or the server closes a connection it took).
Then prints one JSON line and holds them:

  {"held": H, "stopped": "max"|"time"|"refused: ...", "closed_by_server": C, "seconds": T}

H counts the connections still open at that moment, C those the server
closed meanwhile. It holds them until FILE exists or --hold seconds (default
120, at most 300) have passed, watching for connections the server closes,
then closes them all (with a reset: no TIME_WAIT left on the host) and
prints a second line:

  {"released": R, "closed_while_held": C, "held_seconds": T}

Loopback only; bounded in count and time.
"""
import argparse
import errno
import json
import os
import resource
import select
import socket
import struct
import sys
import time

MAX_CONNECTIONS = 20000
CONNECT_TIMEOUT = 2.0
WATCH = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR


def raise_fd_limit(n):
    """Room for N connections if we may; returns how many we can hold."""
    want = n + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))  # with CAP_SYS_RESOURCE
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return min(n, soft - 100)


class Holder:
    def __init__(self, port):
        self.port = port
        self.open = {}                  # fd -> socket
        self.closed_by_server = 0
        self.ep = select.epoll()

    def watch_closed(self, timeout):
        """Drop connections the server has closed; returns how many."""
        n = 0
        for fd, _ in self.ep.poll(timeout, 4096):
            s = self.open.pop(fd, None)
            if s is None:
                continue
            self.ep.unregister(fd)
            s.close()
            n += 1
        self.closed_by_server += n
        return n

    def batch(self, count):
        """Open COUNT connections; None, or why the server refused."""
        pending = {}
        cep = select.epoll()
        reason = None
        for _ in range(count):
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError as e:
                reason = "client: " + os.strerror(e.errno)
                break
            s.setblocking(False)
            err = s.connect_ex(("127.0.0.1", self.port))
            if err == 0:
                self.keep(s)
            elif err == errno.EINPROGRESS:
                pending[s.fileno()] = s
                cep.register(s.fileno(), select.EPOLLOUT)
            else:
                s.close()
                reason = "refused: connect: " + os.strerror(err)
                break
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while pending and time.monotonic() < deadline:
            for fd, _ in cep.poll(0.05):
                s = pending.pop(fd)
                cep.unregister(fd)
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    s.close()
                    reason = reason or "refused: connect: " + os.strerror(err)
                else:
                    self.keep(s)
        if pending:
            reason = reason or "refused: %d connects not done after %.0f s" % (len(pending), CONNECT_TIMEOUT)
            for s in pending.values():
                s.close()
        cep.close()
        return reason

    def keep(self, s):
        self.open[s.fileno()] = s
        self.ep.register(s.fileno(), WATCH)

    def release(self):
        n = len(self.open)
        for s in self.open.values():
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        self.open.clear()
        return n


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("port", type=int)
    p.add_argument("--release", required=True, help="release the connections once this file exists")
    p.add_argument("--max", type=int, default=MAX_CONNECTIONS)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--hold", type=float, default=120)
    p.add_argument("--batch", type=int, default=250)
    args = p.parse_args()
    if not (0 < args.max <= MAX_CONNECTIONS and 0 < args.seconds <= 120 and 0 < args.hold <= 300
            and 0 < args.batch <= 1000):
        sys.exit("holdconns: bounded to %d connections, 120 s to open, 300 s held, batches of 1000"
                 % MAX_CONNECTIONS)
    limit = raise_fd_limit(args.max)
    h = Holder(args.port)
    start = time.monotonic()
    stopped = "max"
    while True:
        if len(h.open) >= limit:
            stopped = "max" if limit == args.max else "client descriptor limit"
            break
        if time.monotonic() - start >= args.seconds:
            stopped = "time"
            break
        reason = h.batch(min(args.batch, limit - len(h.open)))
        # A server at its limit may take a connection and close it at once.
        if h.watch_closed(0.05) and not reason:
            reason = "refused: the server closed connections it had taken"
        if reason:
            stopped = reason
            break
    h.watch_closed(0.2)
    print(json.dumps({"held": len(h.open), "stopped": stopped, "closed_by_server": h.closed_by_server,
                      "seconds": round(time.monotonic() - start, 2)}), flush=True)
    closed_before = h.closed_by_server

    held_since = time.monotonic()
    while not os.path.exists(args.release) and time.monotonic() - held_since < args.hold:
        h.watch_closed(0.1)
    h.watch_closed(0)
    print(json.dumps({"released": h.release(), "closed_while_held": h.closed_by_server - closed_before,
                      "held_seconds": round(time.monotonic() - held_since, 2)}), flush=True)


if __name__ == "__main__":
    main()
